"""Red-team of issue 9's promise: confidential data never reaches a non-local model.

    python scripts/redteam_privacy.py --src src --seed 7 --cases 2000 [--json OUT] [--strict]
    python scripts/redteam_privacy.py --src /other/tree/src --only-new --cases 500
    python scripts/redteam_privacy.py --src src --bad-input-only

What it does, all on 127.0.0.1:

1. a logging fake upstream (aiohttp, in this process) that speaks OpenAI chat completions,
   Responses, legacy completions and embeddings and Anthropic Messages, as JSON or SSE, and
   records every body it receives. Each gateway gets its own path prefix (``/off/`` and
   ``/on/``), and under it ``cloud/`` for the cloud models and ``local/`` for the one local model
   (an OpenAI-compatible entry with ``local: true``), so every body is told apart by gateway and
   by cloud or local;
2. two real ``turnout serve`` processes from ``--src`` (``PYTHONPATH=SRC``): detection.redact off
   and on, cache off, cloud models gpt-4o-mini (chat), gpt-4.1-mini (native Responses),
   claude-haiku-4-5 (native Messages), text-embedding-3-small, all pointed at the logger;
3. cases drawn from ``--seed``: a fresh random secret (card, IBAN, AWS key, private key, an
   e-mail with a diagnosis, a private person's name with a diagnosis), written in one of
   ~40 forms (zero-width, full-width, NBSP, URL / base64 / hex / gzip / escapes, mixed
   encodings, split over two or three messages...) and planted at one of ~80 positions of a
   request (message content and parts of every type, tools, schemas, metadata, user, stop,
   tool_choice, prediction, audio transcripts, image URL query strings, unknown fields...),
   sent through one front door (chat, responses, messages, completions incl. a list of
   prompts, embeddings) with the real ``openai`` / ``anthropic`` SDKs, streaming at random;
   each case runs on both gateways;
4. a leak: every fragment of the secret is found in what reached a cloud model, in the plain,
   normalised (NFKC, format characters dropped, look-alikes mapped) or decoded (URL, base64,
   hex, gzip, HTML references, ``\\u`` escapes, JSON inside strings; nested) text of the bodies.
   Before the run, every (kind, form) is checked to be found by this reader when written into
   a body (a form the reader cannot see would hide leaks).

Prints a progress line, tables by form, position, door and kind (``*`` marks the forms and
positions added in red9g), each leak's case id, the answers that were not 200, and a bad-input
probe of the doors (malformed bodies, deep nesting, huge fields: any 5xx but the documented
503 ``confidentiality_error`` is a finding). Exit status 1 on a leak or a bad-input finding
only with ``--strict``. Processes started here are stopped on exit and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import gzip
import html
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.parse
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------------------------
# Secrets: a carrier sentence, the core the char-level forms rewrite, the fragments of a leak
# ---------------------------------------------------------------------------------------------

FIRST = ["Marisol", "Tobias", "Ingrid", "Desmond", "Priya", "Henrik", "Yolanda", "Casimir", "Leontine",
         "Rafferty", "Oksana", "Benedikt", "Fenella", "Ignatius", "Solveig", "Thaddeus", "Wilhelmina", "Anouk"]
LAST = ["Okonkwo", "Vandermeer", "Castellanos", "Lindqvist", "Abernathy", "Moreau", "Kowalczyk", "Hargreaves",
        "Nakashima", "Ferreira", "Brannigan", "Szymanski", "Achterberg", "Delacroix", "Rautio", "Quennell"]
CONDITIONS = ["HIV", "type 2 diabetes", "schizophrenia", "bipolar disorder", "breast cancer", "hepatitis C",
              "epilepsy", "multiple sclerosis", "major depression", "Crohn's disease"]
DOMAINS = ["examplemail.com", "postbox.org", "inbox-mail.net", "corpmail.io"]
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
B64 = string.ascii_letters + string.digits + "+/"


@dataclass
class Secret:
    kind: str
    prefix: str  # carrier text before the core
    core: str  # what char-level forms rewrite
    suffix: str
    needles: list[str]  # squashed: all of them in cloud bodies is a leak (unsplit forms)
    keys: list[str] = field(default_factory=list)  # the parts a split cuts inside (default: the core)

    @property
    def text(self) -> str:
        return self.prefix + self.core + self.suffix


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def iban(rng: random.Random) -> str:
    country, bban = rng.choice([
        ("DE", "".join(rng.choice(string.digits) for _ in range(18))),
        ("GB", "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + "".join(rng.choice(string.digits) for _ in range(14))),
        ("NL", "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + "".join(rng.choice(string.digits) for _ in range(10))),
        ("FR", "".join(rng.choice(string.digits) for _ in range(23))),
    ])
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def make_secret(kind: str, rng: random.Random) -> Secret:
    if kind == "card":
        body = rng.choice(["4", "51", "52", "53", "54", "55"])
        body += "".join(rng.choice(string.digits) for _ in range(15 - len(body)))
        card = body + luhn_digit(body)
        core = rng.choice([card, " ".join(card[i:i + 4] for i in range(0, 16, 4)),
                           "-".join(card[i:i + 4] for i in range(0, 16, 4))])
        pre, suf = rng.choice([("please charge my card ", " for the order"), ("card number: ", " exp 09/29"),
                               ("pay with ", ", thanks")])
        return Secret(kind, pre, core, suf, [card])
    if kind == "iban":
        code = iban(rng)
        core = rng.choice([code, " ".join(code[i:i + 4] for i in range(0, len(code), 4))])
        pre, suf = rng.choice([("wire the money to IBAN ", " today"), ("my bank account is ", ", ok?")])
        return Secret(kind, pre, core, suf, [code.lower()])
    if kind == "aws":
        key = "AKIA" + "".join(rng.choice(B32) for _ in range(16))
        pre, suf = rng.choice([("aws_access_key_id = ", "\nregion = eu-west-1"), ("our AWS key is ", ", do not share")])
        return Secret(kind, pre, key, suf, [key.lower()])
    if kind == "private_key":
        label = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
        body = base64.b64encode(b"\x30\x82\x04\xa4\x02\x01\x00" + rng.randbytes(rng.randint(150, 300))).decode()
        pem = f"-----BEGIN {label}-----\n" + "\n".join(body[i:i + 64] for i in range(0, len(body), 64)) + f"\n-----END {label}-----"
        return Secret(kind, "deploy key:\n", pem, "\n", [squash(body[8:56])], [body[:64]])
    if kind == "email_health":
        mail = f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"
        cond = rng.choice(CONDITIONS)
        text = rng.choice([f"patient {mail} was diagnosed with {cond} last month",
                           f"reach me at {mail}, I have {cond} and need advice",
                           f"{mail} tested positive for {cond}"])
        return Secret(kind, "", text, "", [squash(mail), squash(cond)], [mail, cond])
    if kind == "name_health":
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        cond = rng.choice(CONDITIONS)
        text = rng.choice([f"my neighbour {name} was diagnosed with {cond} yesterday",
                           f"{name} from accounting has {cond}, please keep it quiet",
                           f"our employee {name} is being treated for {cond}"])
        return Secret(kind, "", text, "", [squash(name), squash(cond)], [name, cond])
    raise ValueError(kind)


KINDS = ["card", "iban", "aws", "private_key", "email_health", "name_health"]

# ---------------------------------------------------------------------------------------------
# Forms: char-level rewrites of the core, encodings of the whole sentence, splits
# ---------------------------------------------------------------------------------------------

ZW_CHARS = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
HOMOGLYPH = {"A": "\u0410", "B": "\u0412", "C": "\u0421", "E": "\u0415", "H": "\u041d", "K": "\u041a",
             "M": "\u041c", "O": "\u041e", "P": "\u0420", "T": "\u0422", "X": "\u0425", "a": "\u0430",
             "c": "\u0441", "e": "\u0435", "o": "\u043e", "p": "\u0440", "x": "\u0445", "y": "\u0443"}
UNHOMOGLYPH = {v: k for k, v in HOMOGLYPH.items()}


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if 0x21 <= ord(c) <= 0x7E else c for c in text)


def math_bold(text: str) -> str:
    out = []
    for c in text:
        if "0" <= c <= "9":
            out.append(chr(0x1D7CE + ord(c) - 48))
        elif "A" <= c <= "Z":
            out.append(chr(0x1D400 + ord(c) - 65))
        elif "a" <= c <= "z":
            out.append(chr(0x1D41A + ord(c) - 97))
        else:
            out.append(c)
    return "".join(out)


def spaced_with(core: str, sep: str) -> str:
    """Spaces as ``sep``; a card, IBAN or key (no space, or dashes) in groups of four apart."""
    if " " in core and len(core) > 40:  # a sentence
        return core.replace(" ", sep)
    compact = core.replace(" ", "").replace("-", "")
    return sep.join(compact[i:i + 4] for i in range(0, len(compact), 4))


def pct_all(text: str) -> str:
    return "".join(f"%{b:02X}" for b in text.encode())


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def groups(run: str, width: int, sep: str) -> str:
    return sep.join(run[i:i + width] for i in range(0, len(run), width))


CharForm = Callable[[str, random.Random], str]
CHAR_FORMS: dict[str, CharForm] = {
    "plain": lambda c, r: c,
    "zero_width": lambda c, r: "\u200b".join(c),
    "zero_width_mixed": lambda c, r: "".join(ch + (r.choice(ZW_CHARS) if r.random() < 0.6 else "") for ch in c),
    "full_width": lambda c, r: full_width(c),
    "nbsp": lambda c, r: spaced_with(c, "\u00a0"),
    "narrow_nbsp": lambda c, r: spaced_with(c, "\u202f"),
    "math_alnum": lambda c, r: math_bold(c),
    "homoglyph": lambda c, r: "".join(HOMOGLYPH.get(ch, ch) for ch in c),
    "soft_hyphen": lambda c, r: "\u00ad".join(c),
    # red9g: mixed obfuscations
    "zw+full_width": lambda c, r: "\u200b".join(full_width(c)),
    "full_width+nbsp": lambda c, r: full_width(spaced_with(c, "\u00a0")),
    "homoglyph+zw": lambda c, r: "\u200d".join(HOMOGLYPH.get(ch, ch) for ch in c),
}
EncForm = Callable[[str, random.Random], str]
ENC_FORMS: dict[str, EncForm] = {
    "url_all": lambda t, r: pct_all(t),
    "url_core": lambda t, r: t,  # placeholder: core-only, handled in plant()
    "form_plus": lambda t, r: t.replace(" ", "+"),
    "html_entities": lambda t, r: "".join(f"&#{ord(c)};" for c in t),
    "u_escapes": lambda t, r: "".join(f"\\u{ord(c):04x}" for c in t),
    "base64": lambda t, r: b64(t),
    "base64_url": lambda t, r: base64.urlsafe_b64encode(t.encode()).decode().rstrip("="),
    "base64_mime": lambda t, r: groups(b64("x" * r.randint(0, 40) + " " + t), 76, "\n"),
    "base64_groups4": lambda t, r: groups(b64(t), 4, " "),
    "hex": lambda t, r: t.encode().hex(),
    "hex_0x": lambda t, r: "0x" + t.encode().hex(),
    "gzip_b64": lambda t, r: b64(gzip.compress(t.encode())),
    "data_url_text": lambda t, r: "data:text/plain;base64," + b64(t),
    "utf16_b64": lambda t, r: b64(t.encode("utf-16")),
    # red9g: stacked encodings
    "b64(url)": lambda t, r: b64(pct_all(t)),
    "url(b64)": lambda t, r: urllib.parse.quote(b64(t), safe=""),
    "b64(b64)": lambda t, r: b64(b64(t)),
    "hex(b64)": lambda t, r: b64(t).encode().hex(),
    "b64(zero_width)": lambda t, r: b64("\u200b".join(t)),
    "b64(full_width)": lambda t, r: b64(full_width(t)),
    "url(full_width)": lambda t, r: pct_all(full_width(t)),
    "b64(gzip(b64))": lambda t, r: b64(gzip.compress(b64(t).encode())),
}
SPLIT_FORMS = ["split2", "split2_assistant", "split_parts", "split_system_user", "split3", "split3_nbsp"]
NEW_FORMS = {"zw+full_width", "full_width+nbsp", "homoglyph+zw", "b64(url)", "url(b64)", "b64(b64)",
             "hex(b64)", "b64(zero_width)", "b64(full_width)", "url(full_width)", "b64(gzip(b64))", "split3",
             "split3_nbsp", "split_system_user", "split_parts", "soft_hyphen", "narrow_nbsp", "homoglyph",
             "math_alnum", "utf16_b64"}
FORMS = list(CHAR_FORMS) + list(ENC_FORMS) + SPLIT_FORMS


@dataclass
class Planted:
    pieces: list[str]  # one, or the split's pieces in order
    fragments: list[str]  # squashed; all in cloud bodies = leak


def plant(secret: Secret, form: str, rng: random.Random) -> Planted:
    if form in CHAR_FORMS:
        return Planted([secret.prefix + CHAR_FORMS[form](secret.core, rng) + secret.suffix], secret.needles)
    if form == "url_core":
        return Planted([secret.prefix + pct_all(secret.core) + secret.suffix], secret.needles)
    if form in ENC_FORMS:
        return Planted([ENC_FORMS[form](secret.text, rng)], secret.needles)
    # splits: cut inside the secret's key parts (the card; the e-mail, name or diagnosis of a
    # combination), each side keeping 4+ letters or digits of the core
    parts = 3 if form.startswith("split3") else 2
    core = secret.core
    alnum = [i for i, c in enumerate(core) if c.isalnum()]
    inside = set(range(len(core)))
    if secret.keys:
        inside = {i for key in secret.keys for at in [core.find(key)] if at >= 0 for i in range(at + 1, at + len(key))}
    allowed = [k for k in range(4, len(alnum) - 3) if alnum[k] in inside]
    if len(allowed) < parts - 1:
        return Planted([secret.text], secret.needles)
    for _ in range(20):
        cuts = sorted(rng.sample(allowed, parts - 1))
        if all(b - a >= 4 for a, b in itertools.pairwise(cuts)):
            break
    offsets = [alnum[c] for c in cuts]
    bounds = [0, *offsets, len(core)]
    core_pieces = [core[a:b] for a, b in itertools.pairwise(bounds)]
    if form == "split3_nbsp":
        core_pieces = [p.replace(" ", "\u00a0") for p in core_pieces]
    pieces = list(core_pieces)
    pieces[0] = secret.prefix + pieces[0]
    pieces[-1] = pieces[-1] + secret.suffix
    return Planted(pieces, [squash(p) for p in core_pieces])


# ---------------------------------------------------------------------------------------------
# The reader: every text a body holds, plain, normalised and decoded
# ---------------------------------------------------------------------------------------------

_B64_RUN = re.compile(r"[A-Za-z0-9+/_=-](?:[A-Za-z0-9+/_=\s-]{14,})[A-Za-z0-9+/_=-]")
_HEX_RUN = re.compile(r"(?:0x)?((?:[0-9a-fA-F]{2}){8,})")
_ESC = re.compile(r"\\+u([0-9a-fA-F]{4})|\\+x([0-9a-fA-F]{2})")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(UNHOMOGLYPH.get(c, c) for c in text if unicodedata.category(c) != "Cf")
    return text


def _bytes_text(raw: bytes) -> str | None:
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)[:1_000_000]
        except (OSError, EOFError, ValueError, zlib.error):
            return None
    for enc in ("utf-16",) if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8",):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
        good = sum(1 for c in text if c.isprintable() or c in "\n\r\t" or unicodedata.category(c) == "Cf")
        if text and good / len(text) >= 0.85:
            return text
    return None


def _b64_decodings(run: str) -> Iterator[str]:
    tokens = run.split()
    tried: set[str] = set()
    spans = [(i, j) for i in range(min(3, len(tokens))) for j in range(len(tokens), max(i, len(tokens) - 3), -1)]
    spans += [(i, i + 1) for i in range(len(tokens))]
    for i, j in spans:
        s = "".join(tokens[i:j])
        if len(s) < 12 or s in tried:
            continue
        tried.add(s)
        for alt in (s, s.replace("-", "+").replace("_", "/")):
            core = alt.rstrip("=")
            try:
                raw = base64.b64decode(core + "=" * (-len(core) % 4), validate=True)
            except (binascii.Error, ValueError):
                # trailing junk: a run glued to the next word
                try:
                    raw = base64.b64decode(core[: len(core) - len(core) % 4], validate=True)
                except (binascii.Error, ValueError):
                    continue
            text = _bytes_text(raw)
            if text is not None:
                yield text


def views(text: str, depth: int = 0) -> Iterator[str]:
    """The text, its normalised form and every decoding found in them, recursively."""
    yield text
    if depth > 4 or len(text) > 2_000_000:
        return
    forms = {text, normalise(text)}
    for t in list(forms):
        if "%" in t or "+" in t:
            u = t
            for _ in range(3):
                u = urllib.parse.unquote_plus(u) if "%" not in u else urllib.parse.unquote(u)
                forms.add(u)
                forms.add(normalise(u))
        if "&" in t:
            forms.add(html.unescape(t))
        if "\\" in t:
            forms.add(_ESC.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), t))
    for t in forms:
        if t != text:
            yield t
    decoded: set[str] = set()
    for t in forms:
        for m in _B64_RUN.finditer(t):
            decoded.update(_b64_decodings(m.group(0)))
        for m in _HEX_RUN.finditer(t):
            raw = bytes.fromhex(m.group(1))
            got = _bytes_text(raw)
            if got is not None:
                decoded.add(got)
        for part in re.findall(r"data:[^,\s]*,([^\s\"']+)", t):
            decoded.add(urllib.parse.unquote(part))
        if t[:1] in "{[":
            with contextlib.suppress(ValueError, RecursionError):
                decoded.update(json_strings(json.loads(t)))
    for d in decoded - forms:
        yield from views(d, depth + 1)


def json_strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from json_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from json_strings(v)
    elif isinstance(obj, int | float) and not isinstance(obj, bool):
        yield str(obj)


def body_views(body: bytes) -> set[str]:
    """Squashed views of a body: the raw text and every JSON string's views."""
    raw = body.decode("utf-8", errors="replace")
    out = {squash(v) for v in views(raw, 3)}
    texts: list[str] = []
    with contextlib.suppress(ValueError, RecursionError):
        texts = list(json_strings(json.loads(body)))
    for t in texts:
        out.update(squash(v) for v in views(t))
    return out


def found(fragments: list[str], bodies: list[bytes]) -> bool:
    if not bodies:
        return False
    seen: set[str] = set()
    for b in bodies:
        seen |= body_views(b)
    return all(any(f in v for v in seen) for f in fragments)


# ---------------------------------------------------------------------------------------------
# Positions: where a door's request carries the planted text
# ---------------------------------------------------------------------------------------------

FILLER = "Summarise the notes above in two sentences."
WAV = b64(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(16) + b"data\x00\x00\x00\x00")
PNG_URL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
TOOL = {"type": "function", "function": {"name": "lookup", "description": "Look a record up.",
                                         "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}}


def _tool(description: str = "Look a record up.", prop: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "function", "function": {"name": "lookup", "description": description, "parameters": {
        "type": "object", "properties": {"q": prop or {"type": "string"}}}}}


def _nested(s: str) -> dict[str, Any]:
    return {"trace": {"spans": [{"attrs": {"note": s, "n": 1}}]}}


# chat: (messages, extra params). s is the planted text (one piece); turns for splits.
ChatBuild = Callable[[str], tuple[list[dict[str, Any]], dict[str, Any]]]
U = {"role": "user", "content": FILLER}


def _tc(args: str, call_id: str = "call_1") -> list[dict[str, Any]]:
    return [{"role": "user", "content": "look it up"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": call_id, "type": "function", "function": {"name": "lookup", "arguments": args}}]},
            {"role": "tool", "tool_call_id": call_id, "content": "found"}, U]


CHAT: dict[str, ChatBuild] = {
    "user_content": lambda s: ([{"role": "user", "content": s}], {}),
    "user_text_part": lambda s: ([{"role": "user", "content": [{"type": "text", "text": "note:"}, {"type": "text", "text": s}]}], {}),
    "system": lambda s: ([{"role": "system", "content": s}, U], {}),
    "developer": lambda s: ([{"role": "developer", "content": s}, U], {}),
    "assistant_history": lambda s: ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": s}, U], {}),
    "message_name": lambda s: ([{"role": "user", "name": s, "content": FILLER}], {}),
    "tool_call_args": lambda s: (_tc(json.dumps({"q": s})), {"tools": [TOOL]}),
    "tool_result": lambda s: ([{"role": "user", "content": "look it up"},
                               {"role": "assistant", "content": None, "tool_calls": [
                                   {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]},
                               {"role": "tool", "tool_call_id": "call_1", "content": s}, U], {"tools": [TOOL]}),
    "tool_description": lambda s: ([U], {"tools": [_tool(s)]}),
    "tool_param_schema": lambda s: ([U], {"tools": [_tool(prop={"type": "string", "description": s})]}),
    "metadata": lambda s: ([U], {"metadata": {"note": s}, "store": True}),
    "user": lambda s: ([U], {"user": s}),
    "response_format_schema": lambda s: ([U], {"response_format": {"type": "json_schema", "json_schema": {
        "name": "out", "schema": {"type": "object", "description": s, "properties": {"a": {"type": "string"}}}}}}),
    "unknown_field": lambda s: ([U], {"x_note": s}),
    "unknown_part_type": lambda s: ([{"role": "user", "content": [{"type": "x_note", "x_note": {"body": s}}, {"type": "text", "text": FILLER}]}], {}),
    "file_data_text": lambda s: ([{"role": "user", "content": [{"type": "text", "text": FILLER}, {"type": "file", "file": {
        "filename": "notes.txt", "file_data": "data:text/plain;base64," + b64(s)}}]}], {}),
    # red9g: positions the earlier harness did not try
    "stop": lambda s: ([U], {"stop": ["END", s]}),
    "tool_choice_extra": lambda s: ([U], {"tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "lookup", "description": s}}}),
    "prediction": lambda s: ([U], {"prediction": {"type": "content", "content": s}}),
    "prediction_parts": lambda s: ([U], {"prediction": {"type": "content", "content": [{"type": "text", "text": s}]}}),
    "input_audio_transcript": lambda s: ([{"role": "user", "content": [{"type": "text", "text": FILLER}, {"type": "input_audio", "input_audio": {
        "data": WAV, "format": "wav", "transcript": s}}]}], {}),
    "assistant_audio_transcript": lambda s: ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "", "audio": {
        "id": "audio_1", "transcript": s}}, U], {}),
    "image_url_query": lambda s: ([{"role": "user", "content": [{"type": "text", "text": FILLER}, {"type": "image_url", "image_url": {
        "url": "https://img.example.com/a.png?note=" + urllib.parse.quote(s, safe="")}}]}], {}),
    "image_url_fragment": lambda s: ([{"role": "user", "content": [{"type": "text", "text": FILLER}, {"type": "image_url", "image_url": {
        "url": "https://img.example.com/a.png#" + urllib.parse.quote(s, safe="")}}]}], {}),
    "image_data_url_text": lambda s: ([{"role": "user", "content": [{"type": "text", "text": FILLER}, {"type": "image_url", "image_url": {
        "url": "data:image/png;base64," + b64(s)}}]}], {}),
    "unknown_nested": lambda s: ([U], {"x_vendor": _nested(s)}),
    "unknown_in_message": lambda s: ([{"role": "user", "content": FILLER, "x_meta": _nested(s)}], {}),
    "unknown_in_part": lambda s: ([{"role": "user", "content": [{"type": "text", "text": FILLER, "x_meta": _nested(s)}]}], {}),
    "refusal_part": lambda s: ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": "refusal", "refusal": s}]}, U], {}),
    "assistant_refusal_field": lambda s: ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok", "refusal": s}, U], {}),
    "tool_call_id": lambda s: (_tc("{}", call_id=s), {"tools": [TOOL]}),
    "tool_param_enum": lambda s: ([U], {"tools": [_tool(prop={"type": "string", "enum": ["a", s]})]}),
    "tool_param_default": lambda s: ([U], {"tools": [_tool(prop={"type": "string", "default": s})]}),
    "metadata_key": lambda s: ([U], {"metadata": {s[:64]: "1"}, "store": True}),
    "web_search_location": lambda s: ([U], {"web_search_options": {"user_location": {"type": "approximate", "approximate": {"city": s}}}}),
    "logit_bias_key": lambda s: ([U], {"logit_bias": {s: 1}}),
    "number_field": lambda s: ([U], {"x_ref": int(re.sub(r"\D", "", s))} if re.sub(r"\D", "", s) else {"x_ref": s}),
}
NEW_CHAT = {"stop", "tool_choice_extra", "prediction", "prediction_parts", "input_audio_transcript",
            "assistant_audio_transcript", "image_url_query", "image_url_fragment", "image_data_url_text",
            "unknown_nested", "unknown_in_message", "unknown_in_part", "refusal_part", "assistant_refusal_field",
            "tool_call_id", "tool_param_enum", "tool_param_default", "metadata_key", "web_search_location",
            "logit_bias_key", "number_field"}

RespBuild = Callable[[str], dict[str, Any]]
RESPONSES: dict[str, RespBuild] = {
    "input_string": lambda s: {"input": s},
    "input_text_part": lambda s: {"input": [{"role": "user", "content": [{"type": "input_text", "text": s}]}]},
    "instructions": lambda s: {"instructions": s, "input": FILLER},
    "developer_item": lambda s: {"input": [{"role": "developer", "content": s}, {"role": "user", "content": FILLER}]},
    "assistant_history": lambda s: {"input": [{"role": "user", "content": "hi"}, {"type": "message", "role": "assistant", "content": [
        {"type": "output_text", "text": s}]}, {"role": "user", "content": FILLER}]},
    "function_call_args": lambda s: {"tools": [{"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}}],
                                     "input": [{"role": "user", "content": "look"}, {"type": "function_call", "call_id": "c1", "name": "lookup",
                                                                                     "arguments": json.dumps({"q": s})},
                                               {"type": "function_call_output", "call_id": "c1", "output": "none"}]},
    "function_call_output": lambda s: {"input": [{"role": "user", "content": "look"}, {"type": "function_call", "call_id": "c1", "name": "lookup",
                                                                                       "arguments": "{}"},
                                                 {"type": "function_call_output", "call_id": "c1", "output": s}]},
    "tool_description": lambda s: {"input": FILLER, "tools": [{"type": "function", "name": "lookup", "description": s,
                                                               "parameters": {"type": "object", "properties": {}}}]},
    "tool_param_schema": lambda s: {"input": FILLER, "tools": [{"type": "function", "name": "lookup", "parameters": {
        "type": "object", "properties": {"q": {"type": "string", "description": s}}}}]},
    "text_format_schema": lambda s: {"input": FILLER, "text": {"format": {"type": "json_schema", "name": "out", "schema": {
        "type": "object", "description": s, "properties": {"a": {"type": "string"}}}}}},
    "metadata": lambda s: {"input": FILLER, "metadata": {"note": s[:512]}},
    "user": lambda s: {"input": FILLER, "user": s},
    "unknown_field": lambda s: {"input": FILLER, "x_note": s},
    "input_file_text": lambda s: {"input": [{"role": "user", "content": [{"type": "input_text", "text": FILLER}, {
        "type": "input_file", "filename": "n.txt", "file_data": "data:text/plain;base64," + b64(s)}]}]},
    # red9g
    "safety_identifier": lambda s: {"input": FILLER, "safety_identifier": s},
    "prompt_cache_key": lambda s: {"input": FILLER, "prompt_cache_key": s},
    "prompt_variables": lambda s: {"input": FILLER, "prompt": {"id": "pmpt_1", "variables": {"who": s}}},
    "reasoning_summary_item": lambda s: {"input": [{"role": "user", "content": "hi"}, {"type": "reasoning", "id": "rs_1", "summary": [
        {"type": "summary_text", "text": s}]}, {"role": "user", "content": FILLER}]},
    "input_image_query": lambda s: {"input": [{"role": "user", "content": [{"type": "input_text", "text": FILLER}, {
        "type": "input_image", "image_url": "https://img.example.com/a.png?note=" + urllib.parse.quote(s, safe="")}]}]},
    "unknown_nested": lambda s: {"input": FILLER, "x_vendor": _nested(s)},
    "unknown_in_item": lambda s: {"input": [{"role": "user", "content": FILLER, "x_meta": _nested(s)}]},
    "tool_choice_extra": lambda s: {"input": FILLER, "tools": [{"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}}],
                                    "tool_choice": {"type": "function", "name": "lookup", "x_note": s}},
    "call_id": lambda s: {"input": [{"role": "user", "content": "look"}, {"type": "function_call", "call_id": s, "name": "lookup",
                                                                          "arguments": "{}"},
                                    {"type": "function_call_output", "call_id": s, "output": "none"}]},
    "item_id": lambda s: {"input": [{"type": "message", "id": s, "role": "user", "content": [{"type": "input_text", "text": FILLER}]}]},
    "input_audio_transcript": lambda s: {"input": [{"role": "user", "content": [{"type": "input_text", "text": FILLER}, {
        "type": "input_audio", "input_audio": {"data": WAV, "format": "wav", "transcript": s}}]}]},
    "refusal_part": lambda s: {"input": [{"role": "user", "content": "hi"}, {"type": "message", "role": "assistant", "content": [
        {"type": "refusal", "refusal": s}]}, {"role": "user", "content": FILLER}]},
}
NEW_RESPONSES = {"item_id", "safety_identifier", "prompt_cache_key", "prompt_variables", "reasoning_summary_item", "input_image_query",
                 "unknown_nested", "unknown_in_item", "tool_choice_extra", "call_id", "input_audio_transcript", "refusal_part"}

MsgBuild = Callable[[str], dict[str, Any]]
MU = {"role": "user", "content": FILLER}


def _tool_use(inp: dict[str, Any], result: Any, tid: str = "toolu_1") -> list[dict[str, Any]]:
    return [{"role": "user", "content": "look it up"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": tid, "name": "lookup", "input": inp}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid, "content": result}, {"type": "text", "text": FILLER}]}]


ATOOL = {"name": "lookup", "description": "Look a record up.", "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}}
MESSAGES: dict[str, MsgBuild] = {
    "user_content": lambda s: {"messages": [{"role": "user", "content": s}]},
    "user_text_block": lambda s: {"messages": [{"role": "user", "content": [{"type": "text", "text": "note:"}, {"type": "text", "text": s}]}]},
    "system_string": lambda s: {"system": s, "messages": [MU]},
    "system_block": lambda s: {"system": [{"type": "text", "text": s}], "messages": [MU]},
    "assistant_history": lambda s: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": s}, MU]},
    "tool_use_input": lambda s: {"tools": [ATOOL], "messages": _tool_use({"q": s}, "none")},
    "tool_result_string": lambda s: {"tools": [ATOOL], "messages": _tool_use({}, s)},
    "tool_result_blocks": lambda s: {"tools": [ATOOL], "messages": _tool_use({}, [{"type": "text", "text": s}])},
    "tool_description": lambda s: {"tools": [{**ATOOL, "description": s}], "messages": [MU]},
    "tool_input_schema": lambda s: {"tools": [{**ATOOL, "input_schema": {"type": "object", "properties": {"q": {"type": "string", "description": s}}}}],
                                    "messages": [MU]},
    "metadata_user_id": lambda s: {"metadata": {"user_id": s}, "messages": [MU]},
    "unknown_field": lambda s: {"x_note": s, "messages": [MU]},
    "document_text": lambda s: {"messages": [{"role": "user", "content": [{"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": s}},
                                                                         {"type": "text", "text": FILLER}]}]},
    "document_title_context": lambda s: {"messages": [{"role": "user", "content": [{"type": "document", "title": "notes", "context": s, "source": {
        "type": "text", "media_type": "text/plain", "data": "nothing here"}}, {"type": "text", "text": FILLER}]}]},
    # red9g
    "stop_sequences": lambda s: {"stop_sequences": ["END", s], "messages": [MU]},
    "image_url_query": lambda s: {"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": "https://img.example.com/a.png?note=" + urllib.parse.quote(s, safe="")}},
                                                                          {"type": "text", "text": FILLER}]}]},
    "thinking_block": lambda s: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [
        {"type": "thinking", "thinking": s, "signature": "sig"}, {"type": "text", "text": "ok"}]}, MU]},
    "search_result_block": lambda s: {"messages": [{"role": "user", "content": [{"type": "search_result", "source": "https://kb.example.com/1", "title": "kb",
                                                                              "content": [{"type": "text", "text": s}]}, {"type": "text", "text": FILLER}]}]},
    "document_content_blocks": lambda s: {"messages": [{"role": "user", "content": [{"type": "document", "source": {"type": "content", "content": [{"type": "text", "text": s}]}},
                                                                                  {"type": "text", "text": FILLER}]}]},
    "tool_choice_extra": lambda s: {"tools": [ATOOL], "tool_choice": {"type": "tool", "name": "lookup", "x_note": s}, "messages": [MU]},
    "unknown_nested": lambda s: {"x_vendor": _nested(s), "messages": [MU]},
    "unknown_in_block": lambda s: {"messages": [{"role": "user", "content": [{"type": "text", "text": FILLER, "x_meta": _nested(s)}]}]},
    "metadata_extra": lambda s: {"metadata": {"user_id": "u1", "note": s}, "messages": [MU]},
    "mcp_server_url": lambda s: {"mcp_servers": [{"type": "url", "name": "kb", "url": "https://mcp.example.com/?q=" + urllib.parse.quote(s, safe="")}], "messages": [MU]},
    "tool_use_id": lambda s: {"tools": [ATOOL], "messages": _tool_use({}, "none", tid=s)},
    "citations_in_text": lambda s: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": "text", "text": "ok", "citations": [
        {"type": "char_location", "cited_text": s, "document_index": 0, "start_char_index": 0, "end_char_index": 1}]}]}, MU]},
    "tool_input_examples": lambda s: {"tools": [{**ATOOL, "input_examples": [{"q": s}]}], "messages": [MU]},
}
NEW_MESSAGES = {"stop_sequences", "image_url_query", "thinking_block", "search_result_block", "document_content_blocks",
                "tool_choice_extra", "unknown_nested", "unknown_in_block", "metadata_extra", "mcp_server_url", "tool_use_id",
                "citations_in_text"}

COMPLETIONS: dict[str, Callable[[str], dict[str, Any]]] = {
    "prompt": lambda s: {"prompt": s},
    "prompt_list": lambda s: {"prompt": ["Say hi.", s]},
    "user": lambda s: {"prompt": FILLER, "user": s},
    "unknown_field": lambda s: {"prompt": FILLER, "x_note": s},
    # red9g
    "stop": lambda s: {"prompt": FILLER, "stop": ["END", s]},
    "unknown_nested": lambda s: {"prompt": FILLER, "x_vendor": _nested(s)},
    "prompt_list_split": lambda s: {"prompt": ["Say hi.", "Say bye.", s]},
}
NEW_COMPLETIONS = {"stop", "unknown_nested", "prompt_list_split"}

EMBEDDINGS: dict[str, Callable[[str], dict[str, Any]]] = {
    "input": lambda s: {"input": s},
    "input_list": lambda s: {"input": ["hello", s]},
    "user": lambda s: {"input": "hello", "user": s},
    "unknown_field": lambda s: {"input": "hello", "x_note": s},
    "unknown_nested": lambda s: {"input": "hello", "x_vendor": _nested(s)},
}
NEW_EMBEDDINGS = {"unknown_nested"}

DOORS = {"chat": CHAT, "responses": RESPONSES, "messages": MESSAGES, "completions": COMPLETIONS, "embeddings": EMBEDDINGS}
NEW_POSITIONS = {"chat": NEW_CHAT, "responses": NEW_RESPONSES, "messages": NEW_MESSAGES,
                 "completions": NEW_COMPLETIONS, "embeddings": NEW_EMBEDDINGS}
DOOR_MODELS = {
    "chat": ["gpt-4o-mini", "gpt-4o-mini", "claude-haiku-4-5-20251001", "auto"],
    "responses": ["gpt-4.1-mini", "gpt-4.1-mini", "gpt-4o-mini", "claude-haiku-4-5-20251001"],
    "messages": ["claude-haiku-4-5-20251001", "claude-haiku-4-5-20251001", "gpt-4o-mini"],
    "completions": ["gpt-4o-mini", "claude-haiku-4-5-20251001"],
    "embeddings": ["text-embedding-3-small", "auto"],
}
DOOR_WEIGHTS = {"chat": 4, "responses": 3, "messages": 3, "completions": 1, "embeddings": 1}


def split_turns(door: str, form: str, pieces: list[str]) -> tuple[str, dict[str, Any]]:
    """A split form's request: the pieces in consecutive turns (or parts) of one request."""
    if door == "chat":
        if form == "split_system_user":
            return "system+user", {"messages": [{"role": "system", "content": pieces[0]}, {"role": "user", "content": pieces[1]}]}
        if form == "split_parts":
            return "text parts", {"messages": [{"role": "user", "content": [{"type": "text", "text": p} for p in pieces]}]}
        msgs = [{"role": "user", "content": p} for p in pieces]
        if form == "split2_assistant":
            msgs.insert(1, {"role": "assistant", "content": "go on"})
        return "user turns", {"messages": msgs}
    if door == "messages":
        if form == "split_system_user":
            return "system+user", {"system": pieces[0], "messages": [{"role": "user", "content": pieces[1]}]}
        if form == "split_parts":
            return "text parts", {"messages": [{"role": "user", "content": [{"type": "text", "text": p} for p in pieces]}]}
        msgs = [{"role": "user", "content": p} for p in pieces]
        if form == "split2_assistant":
            msgs.insert(1, {"role": "assistant", "content": "go on"})
        return "user turns", {"messages": msgs}
    # responses
    if form == "split_system_user":
        return "system+user", {"instructions": pieces[0], "input": pieces[1]}
    if form == "split_parts":
        return "text parts", {"input": [{"role": "user", "content": [{"type": "input_text", "text": p} for p in pieces]}]}
    items: list[dict[str, Any]] = [{"role": "user", "content": p} for p in pieces]
    if form == "split2_assistant":
        items.insert(1, {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "go on"}]})
    return "user turns", {"input": items}


@dataclass
class Case:
    id: str
    door: str
    position: str
    kind: str
    form: str
    model: str
    stream: bool
    secret: str
    fragments: list[str]
    needles: list[str]  # the unsplit secret's, for the plain control
    body: dict[str, Any]  # what the SDK is asked to send (model and stream added at call time)
    new: bool
    results: dict[str, dict[str, Any]] = field(default_factory=dict)


def make_cases(seed: int, n: int, only_new: bool = False) -> list[Case]:
    rng = random.Random(seed)
    doors = [d for d, w in DOOR_WEIGHTS.items() for _ in range(w)]
    cases: list[Case] = []
    while len(cases) < n:
        i = len(cases)
        door = rng.choice(doors)
        form = rng.choice(FORMS)
        if form in SPLIT_FORMS and door not in ("chat", "responses", "messages"):
            door = rng.choice(["chat", "responses", "messages"])
        kind = rng.choice(KINDS)
        secret = make_secret(kind, rng)
        planted = plant(secret, form, rng)
        positions: dict[str, Callable[[str], Any]] = DOORS[door]  # type: ignore[assignment]
        if form in SPLIT_FORMS and len(planted.pieces) > 1:
            position, body = split_turns(door, form, planted.pieces)
            new = form in NEW_FORMS
        else:
            position = rng.choice(sorted(positions))
            body = positions[position](planted.pieces[0])
            if door == "chat":
                msgs, params = body
                body = {"messages": msgs, **params}
            new = form in NEW_FORMS or position in NEW_POSITIONS[door]
        if only_new and not new:
            continue
        model = rng.choice(DOOR_MODELS[door])
        stream = door != "embeddings" and rng.random() < 0.5
        if door == "completions" and isinstance(body.get("prompt"), list):
            stream = False  # the door streams one prompt per request (a 400 otherwise)
        cases.append(Case(f"{seed}-{i}", door, position, kind, form, model, stream, secret.text,
                          planted.fragments, secret.needles, body, new))
    return cases


def self_check() -> list[str]:
    """Every (kind, form) written into a body must be read back by the leak reader."""
    rng = random.Random(0)
    misses = []
    for kind in KINDS:
        for form in FORMS:
            secret = make_secret(kind, rng)
            planted = plant(secret, form, rng)
            body = json.dumps({"messages": [{"role": "user", "content": p} for p in planted.pieces]}).encode()
            if not found(planted.fragments, [body]):
                misses.append(f"{kind}/{form}")
    clean = json.dumps({"messages": [{"role": "user", "content": FILLER}]}).encode()
    secret = make_secret("card", rng)
    if found(secret.needles, [clean]):
        misses.append("clean body read as a leak")
    return misses


# ---------------------------------------------------------------------------------------------
# The logging fake upstream
# ---------------------------------------------------------------------------------------------

CREATED = 1_700_000_000
ANSWER = "All right."


def _sse(events: list[tuple[str | None, Any]]) -> bytes:
    out = []
    for name, data in events:
        line = data if isinstance(data, str) else json.dumps(data)
        out.append((f"event: {name}\n" if name else "") + f"data: {line}\n\n")
    return "".join(out).encode()


def chat_reply(req: dict[str, Any]) -> tuple[bytes, str]:
    model = req.get("model", "m")
    usage = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}
    if not req.get("stream"):
        return json.dumps({"id": "chatcmpl-rt", "object": "chat.completion", "created": CREATED, "model": model,
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER},
                                        "logprobs": None, "finish_reason": "stop"}], "usage": usage}).encode(), "application/json"

    def chunk(delta: dict[str, Any] | None, finish: str | None = None, with_usage: bool = False) -> dict[str, Any]:
        c: dict[str, Any] = {"id": "chatcmpl-rt", "object": "chat.completion.chunk", "created": CREATED, "model": model,
                             "choices": [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if with_usage:
            c["usage"] = usage
        return c
    events: list[tuple[str | None, Any]] = [(None, chunk({"role": "assistant", "content": ""})), (None, chunk({"content": ANSWER})),
                                            (None, chunk({}, "stop"))]
    if (req.get("stream_options") or {}).get("include_usage"):
        events.append((None, chunk(None, with_usage=True)))
    events.append((None, "[DONE]"))
    return _sse(events), "text/event-stream"


def completion_reply(req: dict[str, Any]) -> tuple[bytes, str]:
    model = req.get("model", "m")
    prompt = req.get("prompt")
    prompts = prompt if isinstance(prompt, list) else [prompt]
    usage = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}
    choices = [{"text": ANSWER, "index": i, "logprobs": None, "finish_reason": "stop"} for i in range(len(prompts))]
    if not req.get("stream"):
        return json.dumps({"id": "cmpl-rt", "object": "text_completion", "created": CREATED, "model": model,
                           "choices": choices, "usage": usage}).encode(), "application/json"
    events: list[tuple[str | None, Any]] = [(None, {"id": "cmpl-rt", "object": "text_completion", "created": CREATED, "model": model,
                                                    "choices": [c]}) for c in choices]
    events.append((None, "[DONE]"))
    return _sse(events), "text/event-stream"


def response_obj(model: str, status: str, output: list[Any]) -> dict[str, Any]:
    return {"id": "resp_rt", "object": "response", "created_at": CREATED, "status": status, "error": None,
            "incomplete_details": None, "instructions": None, "max_output_tokens": None, "model": model,
            "output": output, "parallel_tool_calls": True, "previous_response_id": None,
            "reasoning": {"effort": None, "summary": None}, "store": False, "temperature": 1.0,
            "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [], "top_p": 1.0,
            "truncation": "disabled", "user": None, "metadata": {},
            "usage": {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 2,
                      "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 12} if status == "completed" else None}


def responses_reply(req: dict[str, Any]) -> tuple[bytes, str]:
    model = req.get("model", "m")
    part = {"type": "output_text", "text": ANSWER, "annotations": [], "logprobs": []}
    item = {"id": "msg_rt", "type": "message", "status": "completed", "role": "assistant", "content": [part]}
    if not req.get("stream"):
        return json.dumps(response_obj(model, "completed", [item])).encode(), "application/json"
    seq = iter(range(100))
    empty = {**item, "status": "in_progress", "content": []}
    ev: list[tuple[str | None, Any]] = []

    def add(name: str, **data: Any) -> None:
        ev.append((name, {"type": name, "sequence_number": next(seq), **data}))
    add("response.created", response=response_obj(model, "in_progress", []))
    add("response.in_progress", response=response_obj(model, "in_progress", []))
    add("response.output_item.added", output_index=0, item=empty)
    add("response.content_part.added", item_id="msg_rt", output_index=0, content_index=0, part={**part, "text": ""})
    add("response.output_text.delta", item_id="msg_rt", output_index=0, content_index=0, delta=ANSWER, logprobs=[])
    add("response.output_text.done", item_id="msg_rt", output_index=0, content_index=0, text=ANSWER, logprobs=[])
    add("response.content_part.done", item_id="msg_rt", output_index=0, content_index=0, part=part)
    add("response.output_item.done", output_index=0, item=item)
    add("response.completed", response=response_obj(model, "completed", [item]))
    return _sse(ev), "text/event-stream"


def messages_reply(req: dict[str, Any]) -> tuple[bytes, str]:
    model = req.get("model", "m")
    usage = {"input_tokens": 10, "output_tokens": 2, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    msg = {"id": "msg_rt", "type": "message", "role": "assistant", "model": model, "content": [{"type": "text", "text": ANSWER}],
           "stop_reason": "end_turn", "stop_sequence": None, "usage": usage}
    if not req.get("stream"):
        return json.dumps(msg).encode(), "application/json"
    ev: list[tuple[str | None, Any]] = [
        ("message_start", {"type": "message_start", "message": {**msg, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": ANSWER}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 2}}),
        ("message_stop", {"type": "message_stop"})]
    return _sse(ev), "text/event-stream"


def embeddings_reply(req: dict[str, Any]) -> tuple[bytes, str]:
    inputs = req.get("input")
    n = len(inputs) if isinstance(inputs, list) and inputs and not isinstance(inputs[0], int) else 1
    vec = [0.1] * 8
    enc: Any = b64(b"".join(__import__("struct").pack("<f", v) for v in vec)) if req.get("encoding_format") == "base64" else vec
    return json.dumps({"object": "list", "model": req.get("model", "m"), "usage": {"prompt_tokens": 3, "total_tokens": 3},
                       "data": [{"object": "embedding", "index": i, "embedding": enc} for i in range(n)]}).encode(), "application/json"


class Upstream:
    """aiohttp on its own loop thread; ``bodies[(gateway, 'cloud'|'local')]`` is every POST body."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bodies: dict[tuple[str, str], list[tuple[str, bytes]]] = defaultdict(list)
        self.loop = asyncio.new_event_loop()
        self.port = free_port()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise SystemExit("the fake upstream did not start")

    def _run(self) -> None:
        from aiohttp import web

        asyncio.set_event_loop(self.loop)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self.loop.run_forever()

    async def handle(self, request: Any) -> Any:
        from aiohttp import web

        path = request.path
        parts = path.strip("/").split("/")
        gateway, where = [*parts, "?", "?"][:2]
        if request.method != "POST":
            return web.json_response({"object": "list", "data": [{"id": "m", "object": "model", "created": CREATED, "owned_by": "rt"}]})
        body = await request.read()
        with self.lock:
            self.bodies[(gateway, where)].append((path, body))
        try:
            req = json.loads(body)
        except ValueError:
            return web.json_response({"error": {"message": "bad json", "type": "invalid_request_error"}}, status=400)
        if not isinstance(req, dict):
            req = {}
        if path.endswith("/chat/completions"):
            data, ctype = chat_reply(req)
        elif path.endswith("/messages/count_tokens"):
            data, ctype = b'{"input_tokens": 10}', "application/json"
        elif path.endswith("/messages"):
            data, ctype = messages_reply(req)
        elif path.endswith("/responses"):
            data, ctype = responses_reply(req)
        elif path.endswith("/completions"):
            data, ctype = completion_reply(req)
        elif path.endswith("/embeddings"):
            data, ctype = embeddings_reply(req)
        else:
            return web.json_response({"error": {"message": "no route", "type": "invalid_request_error"}}, status=404)
        return web.Response(body=data, headers={"content-type": ctype})

    def take(self, gateway: str) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
        """The cloud and local bodies a gateway sent since the last take."""
        with self.lock:
            cloud = self.bodies.pop((gateway, "cloud"), [])
            local = self.bodies.pop((gateway, "local"), [])
        return cloud, local

    def close(self) -> None:
        async def stop() -> None:
            await self.runner.cleanup()
        with contextlib.suppress(Exception):  # best effort at exit
            asyncio.run_coroutine_threadsafe(stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------------------------------------
# The gateways
# ---------------------------------------------------------------------------------------------

def gateway_config(upstream: int, name: str, redact: bool, workdir: Path) -> dict[str, Any]:
    base = f"http://127.0.0.1:{upstream}/{name}"
    return {
        "models": [
            {"name": "gpt-4o-mini", "api_base": f"{base}/cloud/v1", "api_key": "sk-rt"},
            {"name": "gpt-4.1-mini", "api_base": f"{base}/cloud/v1", "api_key": "sk-rt", "extra": {"responses_api": True}},
            {"name": "claude-haiku-4-5-20251001", "api_base": f"{base}/cloud", "api_key": "sk-rt"},
            {"name": "text-embedding-3-small", "api_base": f"{base}/cloud/v1", "api_key": "sk-rt"},
            {"name": "local-llm", "provider": "openai", "model": "local-llm", "api_base": f"{base}/local/v1",
             "api_key": "sk-rt", "local": True, "tier": 2, "context_window": 128_000,
             "input_per_mtok": 0, "output_per_mtok": 0},
        ],
        "detection": {"redact": redact},
        "cache": {"enabled": False},
        "ledger": {"url": f"sqlite:///{workdir}/{name}-ledger.db"},
        "responses": {"store": "memory"},
        "routing": {"default_fallbacks": False},
    }


class Gateway:
    def __init__(self, src: Path, name: str, redact: bool, upstream_port: int, workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        cfg = workdir / f"{name}.json"
        cfg.write_text(json.dumps(gateway_config(upstream_port, name, redact, workdir)))  # YAML is a JSON superset
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "OLLAMA_", "GEMINI_", "TURNOUT_"))}
        env.update(PYTHONPATH=str(src), TURNOUT_DATA_DIR=str(workdir / name), HOME=str(workdir))
        self.log = open(workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from turnout.cli import main; sys.argv[0] = 'turnout'; main()",
             "serve", "--config", str(cfg), "--port", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait(self, timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gateway {self.name} exited: see {self.log.name}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gateway {self.name} did not answer in {timeout}s")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()


# ---------------------------------------------------------------------------------------------
# Driving a case through the SDKs
# ---------------------------------------------------------------------------------------------

OPENAI_NAMED = {"model", "messages", "stream", "input", "prompt"}


def call(case: Case, clients: dict[str, Any]) -> dict[str, Any]:
    """Send the case; the answer's status and error code (200 when the SDK got an answer)."""
    import anthropic
    import openai

    body = dict(case.body)
    try:
        if case.door == "chat":
            msgs = body.pop("messages")
            out = clients["openai"].chat.completions.create(model=case.model, messages=msgs, stream=case.stream, extra_body=body)
        elif case.door == "responses":
            inp = body.pop("input", None)
            out = clients["openai"].responses.create(model=case.model, input=inp, stream=case.stream, extra_body=body)
        elif case.door == "completions":
            prompt = body.pop("prompt")
            out = clients["openai"].completions.create(model=case.model, prompt=prompt, stream=case.stream, extra_body=body)
        elif case.door == "embeddings":
            inp = body.pop("input")
            out = clients["openai"].embeddings.create(model=case.model, input=inp, extra_body=body)
        else:
            msgs = body.pop("messages")
            out = clients["anthropic"].messages.create(model=case.model, messages=msgs, max_tokens=64, stream=case.stream,
                                                       extra_body=body)
        if case.stream:
            for _ in out:
                pass
        return {"status": 200}
    except (openai.APIStatusError, anthropic.APIStatusError) as exc:
        code = exc.response.headers.get("x-turnout-error-code") or ""
        return {"status": exc.status_code, "code": code, "error": str(exc)[:200]}
    except (openai.APIError, anthropic.APIError) as exc:
        return {"status": -1, "code": type(exc).__name__, "error": str(exc)[:200]}


def controls(gw: Gateway, upstream: Upstream) -> list[str]:
    """A request with no secret must reach a cloud model on every door and model: else the
    set-up, not the scan, keeps the secrets away and the run proves nothing."""
    import anthropic
    import openai

    clients = {"openai": openai.OpenAI(base_url=gw.url + "/v1", api_key="sk-rt", max_retries=0, timeout=60),
               "anthropic": anthropic.Anthropic(base_url=gw.url, api_key="sk-rt", max_retries=0, timeout=60)}
    bad = []
    for door, models in DOOR_MODELS.items():
        body = {"input": FILLER} if door in ("responses", "embeddings") else {"prompt": FILLER} if door == "completions" \
            else {"messages": [{"role": "user", "content": FILLER}]}
        for model in sorted(set(models) - {"auto"}):
            for stream in (False, True) if door != "embeddings" else (False,):
                case = Case("control", door, "-", "-", "-", model, stream, "", [], [], body, False)
                upstream.take(gw.name)
                result = call(case, clients)
                cloud, _ = upstream.take(gw.name)
                if result["status"] != 200 or not cloud:
                    bad.append(f"{gw.name} {door} {model} stream={stream}: {result} cloud bodies {len(cloud)}")
    return bad


def run_gateway(gw: Gateway, upstream: Upstream, cases: list[Case], progress: Callable[[], None]) -> None:
    import anthropic
    import openai

    clients = {"openai": openai.OpenAI(base_url=gw.url + "/v1", api_key="sk-rt", max_retries=0, timeout=60),
               "anthropic": anthropic.Anthropic(base_url=gw.url, api_key="sk-rt", max_retries=0, timeout=60)}
    for case in cases:
        upstream.take(gw.name)  # anything left over (a late stream) is not this case's
        result = call(case, clients)
        cloud, local = upstream.take(gw.name)
        result["cloud_bodies"] = len(cloud)
        result["local_bodies"] = len(local)
        result["leak"] = found(case.fragments, [b for _, b in cloud])
        if result["leak"]:
            result["leak_paths"] = sorted({p for p, _ in cloud})
            result["leak_bodies"] = [b[:4000].decode("utf-8", errors="replace") for _, b in cloud]
        case.results[gw.name] = result
        progress()


def plain_controls(gw: Gateway, upstream: Upstream, cases: list[Case]) -> None:
    """For every leak: the same secret, written plainly in a user message on the chat door of
    the redaction-off gateway. If that leaks too, the leak is the detector's vocabulary or
    policy, not the form or the position (``plain_too``, counted apart)."""
    import anthropic
    import openai

    clients = {"openai": openai.OpenAI(base_url=gw.url + "/v1", api_key="sk-rt", max_retries=0, timeout=60),
               "anthropic": anthropic.Anthropic(base_url=gw.url, api_key="sk-rt", max_retries=0, timeout=60)}
    for case in cases:
        if not any(r.get("leak") for r in case.results.values()):
            continue
        control = Case(case.id, "chat", "user_content", case.kind, "plain", "gpt-4o-mini", False, case.secret,
                       case.needles, case.needles, {"messages": [{"role": "user", "content": case.secret}]}, False)
        upstream.take(gw.name)
        call(control, clients)
        cloud, _ = upstream.take(gw.name)
        plain = found(case.needles, [b for _, b in cloud])
        for r in case.results.values():
            if r.get("leak"):
                r["plain_too"] = plain


# ---------------------------------------------------------------------------------------------
# Bad input on the doors
# ---------------------------------------------------------------------------------------------

def _deep(depth: int, leaf: Any = "x") -> Any:
    v: Any = leaf
    for _ in range(depth):
        v = {"a": v}
    return v


def _deep_list(depth: int) -> Any:
    v: Any = "x"
    for _ in range(depth):
        v = [v]
    return v


def bad_inputs() -> list[tuple[str, str, bytes, dict[str, str]]]:
    """(label, path, body, headers): malformed bodies, deep nesting, huge fields on each door."""
    j = {"content-type": "application/json"}
    cases: list[tuple[str, str, bytes, dict[str, str]]] = []
    doors = {"chat": ("/v1/chat/completions", lambda extra: {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], **extra}),
             "responses": ("/v1/responses", lambda extra: {"model": "gpt-4.1-mini", "input": "hi", **extra}),
             "messages": ("/v1/messages", lambda extra: {"model": "claude-haiku-4-5-20251001", "max_tokens": 16,
                                                         "messages": [{"role": "user", "content": "hi"}], **extra}),
             "completions": ("/v1/completions", lambda extra: {"model": "gpt-4o-mini", "prompt": "hi", **extra}),
             "embeddings": ("/v1/embeddings", lambda extra: {"model": "text-embedding-3-small", "input": "hi", **extra}),
             "count_tokens": ("/v1/messages/count_tokens", lambda extra: {"model": "claude-haiku-4-5-20251001",
                                                                          "messages": [{"role": "user", "content": "hi"}], **extra})}
    for door, (path, make) in doors.items():
        def add(label: str, body: bytes, headers: dict[str, str] = j, door: str = door, path: str = path) -> None:
            cases.append((f"{door}: {label}", path, body, headers))
        add("empty body", b"")
        add("not JSON", b"{model: gpt")
        add("truncated JSON", json.dumps(make({}))[:-3].encode())
        add("top-level array", b"[1, 2]")
        add("top-level string", b'"hi"')
        add("invalid UTF-8", json.dumps(make({})).encode().replace(b"hi", b"h\xff\xfe"))
        add("lone surrogate", json.dumps(make({"x_note": "a\ud800b"})).encode())
        add("NaN and Infinity", json.dumps(make({"temperature": float("nan"), "top_p": float("inf")})).encode())
        add("1e400", json.dumps(make({})).encode()[:-1] + b', "x_num": 1e400}')
        add("huge int", json.dumps(make({"max_tokens": 10 ** 40, "x_big": 10 ** 400})).encode())
        add("NUL in text", json.dumps(make({"x_note": "a\x00b"})).encode())
        add("duplicate keys", json.dumps(make({})).encode()[:-1] + b', "model": 5}')
        add("model wrong type", json.dumps(make({"model": ["a"]})).encode())
        add("stream wrong type", json.dumps(make({"stream": "yes"})).encode())
        add("deep dict 200", json.dumps(make({"x_deep": _deep(200)})).encode())
        add("deep dict 5000", _deep_json(5000, make))
        add("deep list 100000", _deep_list_json(100_000, make))
        add("metadata deep 900", json.dumps(make({"metadata": _deep(900)})).encode())
        add("3 MB unknown field", json.dumps(make({"x_note": "a" * 3_000_000})).encode())
        add("3 MB base64 field", json.dumps(make({"x_note": b64(os.urandom(2_200_000))})).encode())
        add("5 MB body", json.dumps(make({"x_note": "a" * 5_000_000})).encode())
        add("100k keys", json.dumps(make({"x_wide": {f"k{i}": i for i in range(100_000)}})).encode())
        add("wrong content-type", json.dumps(make({})).encode(), {"content-type": "text/plain"})
        add("gzip content-encoding", gzip.compress(json.dumps(make({})).encode()), {**j, "content-encoding": "gzip"})
        if door in ("chat", "messages"):
            add("messages not a list", json.dumps(make({"messages": "hi"})).encode())
            add("message not an object", json.dumps(make({"messages": [5]})).encode())
            add("content a number", json.dumps(make({"messages": [{"role": "user", "content": 5}]})).encode())
            add("content parts nested 500", json.dumps(make({"messages": [{"role": "user", "content": _deep_list(500)}]})).encode())
            add("role unknown", json.dumps(make({"messages": [{"role": "wizard", "content": "hi"}]})).encode())
            add("no messages", json.dumps(make({"messages": []})).encode())
            add("30k messages", json.dumps(make({"messages": [{"role": "user", "content": "hi"}] * 30_000})).encode())
            add("tools a string", json.dumps(make({"tools": "x"})).encode())
            add("tool arguments deep JSON", json.dumps(make({"messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "type": "function", "function": {
                    "name": "f", "arguments": "[" * 50_000 + "]" * 50_000}}]},
                {"role": "tool", "tool_call_id": "c", "content": "ok"}]})).encode())
            add("tool arguments deep JSON object", json.dumps(make({"messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "type": "function", "function": {
                    "name": "f", "arguments": '{"a":' * 2000 + "1" + "}" * 2000}}]},
                {"role": "tool", "tool_call_id": "c", "content": "ok"}]})).encode())
            add("image part deep JSON", json.dumps(make({"messages": [{"role": "user", "content": [
                {"type": "image_url", "image_url": _deep(900)}]}]})).encode())
        if door == "responses":
            add("function_call arguments deep JSON", json.dumps(make({"input": [
                {"role": "user", "content": "hi"},
                {"type": "function_call", "call_id": "c", "name": "f", "arguments": '{"a":' * 2000 + "1" + "}" * 2000},
                {"type": "function_call_output", "call_id": "c", "output": "ok"}]})).encode())
            add("input a number", json.dumps(make({"input": 5})).encode())
            add("input items deep", json.dumps(make({"input": [{"role": "user", "content": _deep_list(500)}]})).encode())
            add("previous_response_id unknown", json.dumps(make({"previous_response_id": "resp_nope"})).encode())
            add("text.format wrong", json.dumps(make({"text": {"format": 5}})).encode())
        if door == "completions":
            add("prompt list of ints", json.dumps(make({"prompt": [[1, 2, 3], [4, 5]]})).encode())
            add("prompt 5000 items", json.dumps(make({"prompt": ["hi"] * 5000})).encode())
            add("prompt nested list", json.dumps(make({"prompt": [[["x"]]]})).encode())
        if door == "embeddings":
            add("input 3000 items", json.dumps(make({"input": ["hi"] * 3000})).encode())
            add("input token ids out of range", json.dumps(make({"input": [[10 ** 12, -5]]})).encode())
            add("input nested lists", json.dumps(make({"input": [[["x"]]]})).encode())
    return cases


def _deep_json(depth: int, make: Callable[[dict[str, Any]], dict[str, Any]]) -> bytes:
    head = json.dumps(make({"x_deep": "@@"})).encode()
    return head.replace(b'"@@"', b'{"a":' * depth + b'"x"' + b"}" * depth)


def _deep_list_json(depth: int, make: Callable[[dict[str, Any]], dict[str, Any]]) -> bytes:
    head = json.dumps(make({"x_deep": "@@"})).encode()
    return head.replace(b'"@@"', b"[" * depth + b"]" * depth)


def probe_bad_input(gw: Gateway) -> list[dict[str, Any]]:
    import httpx

    out = []
    with httpx.Client(timeout=60) as client:
        for label, path, body, headers in bad_inputs():
            try:
                r = client.post(gw.url + path, content=body, headers=headers)
                status, code = r.status_code, r.headers.get("x-turnout-error-code", "")
                etype = ""
                try:
                    err = r.json().get("error")
                    etype = err.get("type", "") if isinstance(err, dict) else ""
                except ValueError:
                    pass
            except httpx.HTTPError as exc:
                status, code, etype = -1, type(exc).__name__, ""
            finding = (status >= 500 and not (status == 503 and etype == "confidentiality_error")) or status < 0 or not gw.alive()
            out.append({"gateway": gw.name, "input": label, "status": status, "code": code, "type": etype, "finding": finding})
    return out


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

def table(cases: list[Case], key: Callable[[Case], str], title: str, gateways: list[str]) -> str:
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for c in cases:
        r = rows[key(c)]
        r["cases"] += 1
        for g in gateways:
            res = c.results.get(g, {})
            r[f"leak {g}"] += bool(res.get("leak"))
            r[f"plain {g}"] += bool(res.get("plain_too"))
            r[f"cloud {g}"] += res.get("cloud_bodies", 0) > 0
    cols = ["cases"] + [f"leak {g}" for g in gateways] + [f"plain {g}" for g in gateways] + [f"cloud {g}" for g in gateways]
    width = max([len(title)] + [len(k) for k in rows]) + 1
    lines = [f"{title:<{width}}" + "".join(f"{c:>11}" for c in cols)]
    for k in sorted(rows, key=lambda k: (-sum(rows[k][f'leak {g}'] for g in gateways), k)):
        lines.append(f"{k:<{width}}" + "".join(f"{rows[k][c]:>11}" for c in cols))
    total = Counter[str]()
    for r in rows.values():
        total.update(r)
    lines.append(f"{'total':<{width}}" + "".join(f"{total[c]:>11}" for c in cols))
    return "\n".join(lines)


def report(cases: list[Case], gateways: list[str], bad: list[dict[str, Any]]) -> tuple[int, int]:
    star = lambda c, name: name + (" *" if c.new and (name in NEW_FORMS or name in NEW_POSITIONS.get(c.door, ())) else "")  # noqa: E731
    print()
    print(table(cases, lambda c: c.form + (" *" if c.form in NEW_FORMS else ""), "form", gateways))
    print()
    print(table(cases, lambda c: f"{c.door}: {star(c, c.position)}", "door: position", gateways))
    print()
    print(table(cases, lambda c: c.door, "door", gateways))
    print()
    print(table(cases, lambda c: c.kind, "kind", gateways))
    leaks = [(c, g) for c in cases for g in gateways if c.results.get(g, {}).get("leak")]
    print("\nleak: every fragment of the secret reached a cloud model; plain: of those, the same secret written "
          "plainly in a user message leaked too (vocabulary or policy, not the form or position); "
          "cloud: the case reached a cloud model at all")
    print(f"\nleaks ({len(leaks)}; case id, gateway, door, position, form, kind, model, stream, plain too):")
    for c, g in leaks:
        print(f"  {c.id} {g} {c.door} {c.position} {c.form} {c.kind} {c.model} {'stream' if c.stream else 'json'}"
              f"{' plain-too' if c.results[g].get('plain_too') else ''}")
    statuses: Counter[str] = Counter()
    for c in cases:
        for g in gateways:
            res = c.results.get(g, {})
            if res.get("status") != 200:
                statuses[f"{g} {c.door} {res.get('status')} {res.get('code', '')}"] += 1
    print("\nanswers other than 200 (gateway, door, status, X-Turnout-Error-Code): count")
    for k, v in sorted(statuses.items()):
        print(f"  {k}: {v}")
    odd = [c for c in cases for g in gateways if ((c.results.get(g, {}).get("status") or 0) >= 500
           and c.results[g].get("code") != "no_local_model") or c.results.get(g, {}).get("status") == -1]
    for c in odd[:20]:
        print(f"  5xx/transport: {c.id} {c.door} {c.position} {c.form} {c.results}")
    findings = [b for b in bad if b["finding"]]
    if bad:
        print(f"\nbad input: {len(bad)} probes, {len(findings)} findings (5xx other than 503 confidentiality_error, "
              "a dropped connection, or a gateway that died)")
        by: Counter[str] = Counter(f"{b['status']} {b['type'] or b['code']}" for b in bad)
        print("  statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(by.items())))
        for b in findings:
            print(f"  FINDING {b['gateway']} {b['input']}: {b['status']} {b['type']} {b['code']}")
    return len(leaks), len(findings)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", required=True, help="the source tree to serve (its src/ directory: PYTHONPATH)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--json", help="write every case and its results here")
    ap.add_argument("--strict", action="store_true", help="exit 1 on a leak or a bad-input finding")
    ap.add_argument("--only-new", action="store_true", help="only cases with a form or position added in red9g")
    ap.add_argument("--no-bad-input", action="store_true")
    ap.add_argument("--bad-input-only", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (configs, gateway logs)")
    args = ap.parse_args()

    misses = self_check()
    if misses:
        print("the leak reader cannot read: " + ", ".join(misses), file=sys.stderr)
        return 2
    src = Path(args.src).resolve()
    workdir = Path(tempfile.mkdtemp(prefix="redteam-privacy-"))
    upstream = Upstream()
    gateways = [Gateway(src, "off", False, upstream.port, workdir), Gateway(src, "on", True, upstream.port, workdir)]

    def stop(*_: Any) -> None:
        for gw in gateways:
            gw.stop()
        upstream.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    try:
        for gw in gateways:
            gw.wait()
        print(f"src {src}; gateways off :{gateways[0].port}, on :{gateways[1].port}; upstream :{upstream.port}; work {workdir}")
        broken = [line for gw in gateways for line in controls(gw, upstream)]
        if broken:
            print("controls failed (a clean request must reach a cloud model):\n  " + "\n  ".join(broken), file=sys.stderr)
            return 2
        cases = [] if args.bad_input_only else make_cases(args.seed, args.cases, args.only_new)
        done = Counter[str]()
        lock = threading.Lock()
        started = time.monotonic()

        def progress() -> None:
            with lock:
                done["n"] += 1
                n = done["n"]
                if n % 100 == 0 or n == 2 * len(cases):
                    leaks = sum(1 for c in cases for r in c.results.values() if r.get("leak"))
                    print(f"  {n}/{2 * len(cases)} calls, {leaks} leaks, {time.monotonic() - started:.0f} s", flush=True)
        threads = [threading.Thread(target=run_gateway, args=(gw, upstream, cases, progress)) for gw in gateways]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        plain_controls(gateways[0], upstream, cases)
        bad: list[dict[str, Any]] = []
        if not args.no_bad_input:
            for gw in gateways:
                bad += probe_bad_input(gw)
        n_leaks, n_findings = report(cases, [g.name for g in gateways], bad)
        if args.json:
            Path(args.json).write_text(json.dumps({"seed": args.seed, "src": str(src), "cases": [asdict(c) for c in cases],
                                                   "bad_input": bad}, indent=1, default=str))
        return 1 if args.strict and (n_leaks or n_findings) else 0
    except KeyboardInterrupt:
        return 130
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())

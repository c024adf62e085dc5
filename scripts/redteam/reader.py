"""The leak reader: every text a body holds, plain, normalised and decoded."""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import html
import json
import re
import unicodedata
import urllib.parse
import zlib
from collections.abc import Iterator
from typing import Any

from redteam.planting import UNHOMOGLYPH, squash

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

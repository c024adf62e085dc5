"""Secrets and the forms they are written in: what a case plants."""

from __future__ import annotations

import base64
import gzip
import itertools
import random
import re
import string
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from turnout.detect.pii import luhn_valid

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
    """The check digit that makes ``body`` + it Luhn-valid."""
    return next(d for d in "0123456789" if luhn_valid(body + d))


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

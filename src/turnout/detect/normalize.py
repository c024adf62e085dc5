"""Undo the common ways a secret is hidden from a pattern scan, keeping offsets traceable.

Two kinds of work, both for detection only (what is sent upstream is never changed here):

- :func:`normalize` rewrites characters in place: Unicode NFKC (full-width digits, ligatures,
  mathematical letters), every decimal digit to ASCII, dashes to ``-``, odd spaces (NBSP, thin,
  ideographic) to a space; zero-width and other format characters and combining marks are
  dropped; Cyrillic/Greek look-alikes are mapped to the Latin letter they imitate inside
  identifier-like tokens (next to ASCII letters or digits: ``sk-рrој-...``), using Unicode's
  confusables table (the ``confusable_homoglyphs`` package). It returns the new text and a
  :class:`OffsetMap` back to the original, so a finding can be pointed at (and redacted in)
  the text the caller wrote.
- :func:`decodings` finds encoded runs and returns what they hold: URL-encoding (``%34%31``,
  ``+`` as space in query strings and in a token with digits between two ``+``:
  ``pay+with+4539...,+thanks``), base64 (standard and URL-safe), base32 and hex runs of plausible
  length (also 12+ hex pairs apart: ``34 35 33`` or ``34:35:33``) whose bytes are printable
  UTF-8 text, ``\\uXXXX`` / ``\\xXX`` / ``\\NNN`` (octal) escapes, quoted-printable
  (``=34=35``), HTML character references (``&#52;``), and ``data:`` URLs with a textual media
  type. A finding in decoded text is a finding on the whole encoded run. Base64 written in
  groups of four or eight apart is read by :func:`grouped_base64_at`, which the pattern scan
  calls at the groups its digit clusters find (no cheap pass over the whole text finds them).

Fast path: ASCII text with no ``%``, ``\\``, ``&#`` or long alphanumeric runs costs a few ``in``
and ``isascii`` checks; the character work runs only on non-ASCII runs, never per character of
the whole text.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, pairwise
from urllib.parse import unquote, unquote_plus

from turnout.dataurl import MAX_DECODED, data_url, inflated
from turnout.dataurl import b64 as _b64
from turnout.dataurl import printable as _printable

__all__ = ["Decoded", "OffsetMap", "data_url", "decodings", "grouped_base64_at", "grouped_span", "lookalikes_mapped",
           "normalize"]

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_HEX = re.compile(r"[0-9A-Fa-f]+")
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")
# HTML character references ("&#52;&#53;" or "&#x34;"), in a row with at most one plain character
# between them: a secret written as markup. One alone is enough to hide one ("jane&#64;example.com",
# "4539 &#x35;787 ..."); each run is decoded with the plain text around it (decodings).
_CHAR_REFS = re.compile(r"&#(?:[0-9]{1,7}|[xX][0-9A-Fa-f]{1,6});(?:[^&]?&#(?:[0-9]{1,7}|[xX][0-9A-Fa-f]{1,6});)*")
_TOKEN_STOP = frozenset(" \t\r\n\"'<>")
_NAMED_REF = re.compile(r"&[A-Za-z]{2,24};")
_TOKEN_END = re.compile(r"[\s\"'<>]")
# digits between two "+" (led by the literal): form encoding's spaces around a number, a card's
# group ("+5787+") or a whole card, dashes and all ("card+number:+4539578763621486+exp";
# "+4539-5787-...,+thanks": a comma or a full stop may end it). A "+" before the digits alone is
# a phone's: not read
_PLUS_DIGITS = re.compile(r"\+[0-9](?:-?[0-9]){1,18}[,.;:!?]?\+")
_QUERY_PLUS = re.compile(r"[?&][^\s=&]*=[^\s&]*\+[^\s&]*")
# what every ``_QUERY_PLUS`` match holds: an "=" and, after it within the value, a "+"; led by
# the literal "=", so it costs a fraction of the class-led ``[?&]`` search it gates
_VALUE_PLUS = re.compile(r"=[^\s&]*\+")
# "data:" found by its ":" (rare in prose; ``re`` walks to it in 0.34 ms/MB, ``in`` takes 0.50)
_DATA_SCHEME = re.compile(":(?<=data:)")
# led by the literal backslash (a repeated group first would make the scan class-led, ~5x slower)
# (``\NNN``: a C / shell / Python octal escape, three digits 0-7, as ``printf`` writes them)
# (``\\uXXXX``, two backslashes: the escape's own backslash escaped once more, as JSON holding
# escaped text writes it; read like ``\uXXXX``)
_ESCAPES = re.compile(r"\\(?:\\?u[0-9A-Fa-f]{4}|\\?x[0-9A-Fa-f]{2}|[0-7]{3})"
                      r"(?:\\\\?u[0-9A-Fa-f]{4}|\\\\?x[0-9A-Fa-f]{2}|\\[0-7]{3})*")
_ESCAPE = re.compile(r"\\\\?u([0-9A-Fa-f]{4})|\\\\?x([0-9A-Fa-f]{2})|\\([0-7]{3})")
# quoted-printable (``=34=35``, as mail bodies write bytes): two or more ``=XX`` with at most four
# plain characters between them (one alone is an assignment: ``x=10``). Led by the literal "=".
_QP_RUNS = re.compile(r"=[0-9A-Fa-f]{2}(?:[^=\s]{0,4}=[0-9A-Fa-f]{2})+")
_QP_BYTE = re.compile(r"=([0-9A-Fa-f]{2})")
_ESCAPE_CONTEXT = 40  # plain characters either side of an escape run decoded with it (a card is <= 23)

_SPACES = frozenset("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
                    "\u202f\u205f\u3000")  # fmt: skip
# letters and symbols that render as nothing (Hangul fillers, the braille blank): dropped like
# the zero-width format characters, which Unicode files under another category
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


@dataclass(frozen=True, slots=True)
class OffsetMap:
    """Normalised offset -> original offset. ``stretches`` are the changed stretches as
    (norm_start, norm_end, orig_start, orig_end), in order; elsewhere offsets move together."""

    stretches: tuple[tuple[int, int, int, int], ...]

    def _locate(self, pos: int) -> int:
        # index of the last stretch starting at or before pos
        lo, hi = 0, len(self.stretches)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.stretches[mid][0] <= pos:
                lo = mid + 1
            else:
                hi = mid
        return lo - 1

    def start(self, pos: int) -> int:
        """Where a span starting at normalised ``pos`` starts in the original."""
        i = self._locate(pos)
        if i < 0:
            return pos
        _ns, ne, os_, oe = self.stretches[i]
        return os_ if pos < ne else oe + (pos - ne)

    def end(self, pos: int) -> int:
        """Where a span ending at normalised ``pos`` ends in the original."""
        i = self._locate(pos - 1) if pos > 0 else -1
        if i < 0:
            return pos
        _ns, ne, _os, oe = self.stretches[i]
        return oe if pos <= ne else oe + (pos - ne)


@lru_cache(maxsize=1)
def _lookalikes() -> dict[str, str]:
    """Non-ASCII character -> the ASCII letter or digit it imitates (Unicode TR39 data)."""
    import json
    from importlib import resources

    table: dict[str, str] = {}
    try:
        raw = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - a declared dependency
        return table
    for char, glyphs in json.loads(raw).items():
        if len(char) != 1 or char.isascii():
            continue
        for glyph in glyphs:
            c = glyph.get("c", "")
            if len(c) == 1 and c.isascii() and c.isalnum():
                table[char] = c
                break
    return table


@lru_cache(maxsize=4096)
def _char(c: str, identifier: bool) -> str:
    """The detection form of one non-ASCII character."""
    if c in _SPACES:
        return " "
    if c in _BLANKS:
        return ""
    cat = unicodedata.category(c)
    if cat == "Cf" or cat == "Mn" or cat == "Me":  # zero-width, joiners, bidi marks, combining
        return ""
    if cat == "Nd":
        return str(unicodedata.digit(c))
    if cat == "Pd":
        return "-"
    if cat == "Zs":
        return " "
    out = unicodedata.normalize("NFKC", c)
    if identifier:
        table = _lookalikes()
        out = "".join(table.get(ch, ch) if not ch.isascii() else ch for ch in out)
    if not out.isascii():  # e.g. NFKC turned it into a sequence with digits in other scripts
        out = "".join(str(unicodedata.digit(ch)) if unicodedata.category(ch) == "Nd" else ch for ch in out)
    return out


# ASCII characters that make a neighbouring non-ASCII run identifier-like. The characters
# either side of a maximal non-ASCII run are ASCII, so a set look-up is the whole test.
_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


# one character alone as a run (the usual case: a full-width digit, an NBSP, a zero-width
# space, one Cyrillic look-alike, an accented letter): its form outside and inside an
# identifier, the letter rule of ``normalize`` already applied to the first
_SINGLE: dict[str, tuple[str, str]] = {}


def _single(c: str) -> tuple[str, str]:
    got = _SINGLE.get(c)
    if got is None:
        plain = _char(c, False)
        if plain != c and unicodedata.category(c)[0] == "L" and not plain.isascii():
            plain = c  # a letter of another script stays itself outside identifiers (a Latin
            # letter written wide or as a mathematical letter is no other script: see _run_form)
        got = (plain, _char(c, True))
        if len(_SINGLE) < 8192:  # bounded: the characters of every script would still fit
            _SINGLE[c] = got
    return got


def lookalikes_mapped(text: str) -> str:
    """``text`` with every non-ASCII character that imitates one ASCII letter or digit written
    as that character, whatever surrounds it; one for one, so offsets stay. For a checksummed
    code only (an IBAN whose bank group is all Cyrillic look-alikes, "NL38 АТРН 2461 ..."):
    :func:`normalize` leaves a word of another script alone, and should."""
    out = []
    for c in text:
        if not c.isascii():
            form = _single(c)[1]
            if len(form) == 1 and form.isascii() and form.isalnum():
                c = form
        out.append(c)
    return "".join(out)


def normalize(text: str) -> tuple[str, OffsetMap | None]:
    """The detection form of ``text`` and the map back to it (None when no offset moved).

    Most non-ASCII characters in an obfuscated prompt are the same whatever surrounds them: an
    NBSP, a zero-width space, a full-width digit, an accented letter (a *fixed* character: see
    :func:`_fixed_form`). Those are replaced all at once with ``str.replace``, and only the
    non-ASCII runs holding some other character (a look-alike letter, whose form depends on
    whether the run touches an identifier) are worked out one by one, as :func:`_run_form`
    does for every run. Only stretches whose length changes are kept in the map: a
    one-for-one replacement moves no offset.
    """
    if text.isascii():
        return text, None
    fixed: list[tuple[str, str]] = []
    contextual: list[str] = []
    for c in _distinct_non_ascii(text):
        form = _fixed_form(c)
        if form is None:
            contextual.append(c)
        else:
            fixed.append((c, form))
    # the runs worked out one by one: every maximal non-ASCII run holding a contextual
    # character, as (start, end, form, stretches relative to the form's start)
    events: list[tuple[int, int, str, list[tuple[int, int, int, int]]]] = []
    out = text
    if contextual:
        starts: list[int] = []
        swapped: set[str] = set()  # replaced everywhere below; each exception gets an event
        for c in contextual:
            plain, ident_form = _single(c)
            if len(ident_form) == 1 and ident_form.isascii():
                # the usual look-alike: one letter alone inside an ASCII word. Replace every
                # occurrence at once and visit only the others (literal-led search)
                swapped.add(c)
                out = out.replace(c, ident_form)
                starts.extend(m.start() for m in _exceptions(c).finditer(text))
            else:
                p = text.find(c)
                while p >= 0:
                    starts.append(p)
                    p = text.find(c, p + 1)
        starts.sort()
        n = len(text)
        word = _WORD
        run_end = -1
        for p in starts:
            if p < run_end:
                continue  # in the run already found
            before = text[p - 1] if p else " "
            after = text[p + 1] if p + 1 < n else " "
            if before.isascii() and after.isascii():  # the usual run: one character alone
                run_end = p + 1
                c = text[p]
                plain, ident_form = _single(c)
                new = ident_form if before in word or after in word else plain
                if new != c or c in swapped:
                    events.append((p, p + 1, new, [] if len(new) == 1 else [(0, len(new), p, p + 1)]))
                continue
            s = p
            while s > 0 and not text[s - 1].isascii():
                s -= 1
            m = _NON_ASCII.match(text, p)
            run_end = m.end() if m is not None else n
            new, local = _run_form(text, s, run_end)
            events.append((s, run_end, new, local))
    dropped: list[str] = []  # fixed characters that vanish (zero-width and format characters)
    grown: list[tuple[str, str]] = []  # fixed characters that become several ("…" -> "...")
    for c, form in fixed:
        if form == c:
            continue
        if len(form) == 1:
            out = out.replace(c, form)  # one for one: offsets stay
        elif form:
            grown.append((c, form))
        else:
            dropped.append(c)
    if not grown and all(not local for _s, _e, _new, local in events):
        # every run keeps its length, so no dropped character sits inside one: splice the
        # runs in, then drop those characters all at once; the k-th of them, at p in the
        # original, is at p - k in the result
        if events:
            parts = []
            pos = 0
            for s, e, new, _local in events:
                parts.append(out[pos:s])
                parts.append(new)
                pos = e
            parts.append(out[pos:])
            out = "".join(parts)
        if not dropped:
            return out, None
        if len(dropped) == 1:  # usually one kind (a zero-width space): where it was is where pieces end
            pieces = out.split(dropped[0])
            kept = list(accumulate(map(len, pieces[:-1])))
            return "".join(pieces), OffsetMap(tuple([(q, q, q + k, q + k + 1) for k, q in enumerate(kept)]))
        where = _positions(text, dropped)
        for c in dropped:
            out = out.replace(c, "")
        return out, OffsetMap(tuple([(p - k, p - k, p, p + 1) for k, p in enumerate(where)]))
    # the general case: runs and fixed characters that change length, in order of position;
    # fixed ones listed after the runs, so that where both start at one place the run comes first
    for c, form in (*grown, *((c, "") for c in dropped)):
        events.extend((p, p + 1, form, [(0, len(form), p, p + 1)]) for p in _positions(text, [c]))
    events.sort(key=_first)  # stable
    parts = []
    stretches: list[tuple[int, int, int, int]] = []
    pos = 0  # original position copied up to
    npos = 0  # normalised length so far
    for s, e, new, local in events:
        if s < pos:
            continue  # a fixed character inside a run: the run's form covers it
        if s > pos:
            parts.append(out[pos:s])
            npos += s - pos
        parts.append(new)
        stretches.extend((npos + ns, npos + ne, os_, oe) for ns, ne, os_, oe in local)
        npos += len(new)
        pos = e
    parts.append(out[pos:])
    return "".join(parts), (OffsetMap(tuple(stretches)) if stretches else None)


@lru_cache(maxsize=1024)
def _exceptions(c: str) -> re.Pattern[str]:
    """Where ``c`` is *not* one character alone touching an identifier character: next to
    another non-ASCII character (part of a longer run), or with no letter, digit, ``-`` or
    ``_`` on either side. Led by the literal ``c``, so the search runs at ``str.find`` speed."""
    x = re.escape(c)
    return re.compile(x + r"(?:(?<=[^\x00-\x7f]" + x + r")|(?=[^\x00-\x7f])|(?<![A-Za-z0-9_\-]" + x + r")(?![A-Za-z0-9_\-]))")


def _positions(text: str, chars: list[str]) -> list[int]:
    """Where any of ``chars`` occurs in ``text``, in order."""
    found: list[int] = []
    for c in chars:
        p = text.find(c)
        while p >= 0:
            found.append(p)
            p = text.find(c, p + 1)
    if len(chars) > 1:
        found.sort()
    return found


def _first(event: tuple[int, int, str, list[tuple[int, int, int, int]]]) -> int:
    return event[0]


_ASCII_BYTES = bytes(range(128))


def _distinct_non_ascii(text: str) -> set[str]:
    """The non-ASCII characters in ``text``, each once: its UTF-8 bytes less the ASCII ones are
    the UTF-8 of the non-ASCII characters alone (a C loop, not one Python step per run)."""
    return set(text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass"))


_FIXED: dict[str, str | None] = {}


def _fixed_form(c: str) -> str | None:
    """The form of ``c`` if it is the same in every run, else None. Either ``c`` never changes
    (an accented letter, a CJK character), or it is no letter (so a run holding it never counts
    as "a word in another script") and both its forms are the same ASCII text."""
    got = _FIXED.get(c, "\x00")
    if got == "\x00":
        plain, ident = _single(c)
        same = plain == ident and (plain == c or (plain.isascii() and unicodedata.category(c)[0] != "L"))
        got = plain if same else None
        if len(_FIXED) < 8192:
            _FIXED[c] = got
    return got


def _run_form(text: str, s: int, e: int) -> tuple[str, list[tuple[int, int, int, int]]]:
    """The detection form of the non-ASCII run ``text[s:e]`` and its length-changing stretches
    (normalised offsets relative to the run's start)."""
    n = len(text)
    run = text[s:e]
    # Identifier-like: touching ASCII letters/digits on either side ("sk-рrој", "раssword1").
    ident = (s > 0 and text[s - 1] in _WORD) or (e < n and text[e] in _WORD)
    if e - s == 1:
        plain, ident_form = _single(run)
        new = ident_form if ident else plain
        return new, ([] if len(new) == 1 else [(0, len(new), s, e)])
    chars = [_char(c, ident) for c in run]
    new = "".join(chars)
    if not ident and new != run and not new.isascii() and all(unicodedata.category(c)[0] == "L" for c in run):
        return run, []  # a word in another script: leave it alone
    # (a run of letters whose form is ASCII is Latin written wide or as mathematical letters,
    # not another script: "ＡＫＩＡ..." alone is a key)
    local: list[tuple[int, int, int, int]] = []
    npos = 0
    for k, out_c in enumerate(chars):
        if len(out_c) != 1:  # one stretch per character, so a span maps back to exactly what was written
            local.append((npos, npos + len(out_c), s + k, s + k + 1))
        npos += len(out_c)
    return new, local


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text found encoded in ``source[start:end]``."""

    start: int
    end: int
    text: str
    how: str  # "url" | "base64" | "base32" | "hex" | "escape" | "qp" | "html" | "data-url"


# A base64 run's first character gives the top six bits of its first byte: "g".."v" give
# 0x80-0xBF (a UTF-8 continuation byte), "+", "/", "-", "_" give 0xF8-0xFF (never UTF-8); such
# a run cannot decode to text (``_printable`` decodes strictly), so it is not decoded at all.
_B64_NO_TEXT_LEAD = frozenset("ghijklmnopqrstuv+/-_")


# ... except a UTF-16 byte-order mark: FF FE reads "//4".."//7", FE FF "/v8", "/v9", "/v+", "/v/"
_B64_BOMS = ("//", "/v")


_BASE32 = re.compile(r"[A-Z2-7]+=*")


def _base32(run: str) -> str | None:
    """The text an upper-case run of the base32 alphabet (RFC 4648, padding optional) holds."""
    body = run.rstrip("=")
    if len(body) % 8 not in (0, 2, 4, 5, 7) or not _BASE32.fullmatch(run):
        return None
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        return None
    return _printable(raw)


def decode_run(run: str) -> tuple[str, str] | None:
    """(text, how) if ``run`` is hex or base64 of printable text."""
    if len(run) > MAX_DECODED:
        return None
    if len(run) % 2 == 0 and _HEX.fullmatch(run):
        try:
            text = _printable(bytes.fromhex(run))
        except ValueError:
            text = None
        if text is not None:
            return text, "hex"
    if run.isupper() and (text := _base32(run)) is not None:
        return text, "base32"
    if run[0] in _B64_NO_TEXT_LEAD and not run.startswith(_B64_BOMS):
        return None
    raw = _b64(run)
    if raw is not None:
        raw = inflated(raw)  # gzip: what it inflates to
    if raw is not None:
        text = _printable(raw)
        if text is not None:
            return text, "base64"
    return None


def _unescape(m: re.Match[str]) -> str:
    """The character one ``\\uXXXX``, ``\\xXX`` or ``\\NNN`` (octal) escape stands for."""
    hexa = m.group(1) or m.group(2)
    return chr(int(hexa, 16)) if hexa else chr(int(m.group(3), 8))


def _qp_char(m: re.Match[str]) -> str:
    return chr(int(m.group(1), 16))


def _from_bytes(decoded: str) -> str:
    """``decoded`` read as UTF-8 when it holds one character per byte (``=C3=A9`` is "é")."""
    try:
        return decoded.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return decoded


def _token_around(text: str, m: re.Match[str]) -> tuple[int, int]:
    """The whitespace- or quote-delimited token holding the match ``m``."""
    start = m.start()
    while start > 0 and text[start - 1] not in _TOKEN_STOP:
        start -= 1
    stop = _TOKEN_END.search(text, m.end())
    return start, stop.start() if stop else len(text)


def _with_context(runs: Iterator[re.Match[str]], n: int) -> list[tuple[int, int]]:
    """Each run widened by _ESCAPE_CONTEXT characters either side, runs that then touch merged."""
    regions: list[list[int]] = []
    for m in runs:
        start, end = max(0, m.start() - _ESCAPE_CONTEXT), min(n, m.end() + _ESCAPE_CONTEXT)
        if regions and start <= regions[-1][1]:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    return [(start, end) for start, end in regions]


_NUMBER_CHARS = frozenset("0123456789 -")  # what a card or account number is written with


def _with_plain_digits(text: str, start: int, end: int, decoded: str) -> tuple[int, int, str]:
    """A URL-encoded token widened over the plain digits (and spaces, dashes) it continues: a
    card half plain, half encoded ("4539 57%38%37%20...") is whole only with its plain part.
    Ordinary tokens (not starting or ending in a digit next to plain digits) stay as they are."""
    n = len(text)
    if decoded[:1] in _NUMBER_CHARS and start and text[start - 1] in _NUMBER_CHARS:
        s = start
        while s > 0 and start - s < _ESCAPE_CONTEXT and text[s - 1] in _NUMBER_CHARS:
            s -= 1
        if any(c.isdigit() for c in text[s:start]):
            start, decoded = s, text[s:start] + decoded
    if decoded[-1:] in _NUMBER_CHARS and end < n and text[end] in _NUMBER_CHARS:
        e = end
        while e < n and e - end < _ESCAPE_CONTEXT and text[e] in _NUMBER_CHARS:
            e += 1
        if any(c.isdigit() for c in text[end:e]):
            end, decoded = e, decoded + text[end:e]
    return start, end, decoded


def _tokens_of(text: str, pattern: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of each token around a ``pattern`` match, each token once (the matches a
    token already covers are skipped)."""
    covered = 0
    for m in pattern.finditer(text):
        if m.start() >= covered:
            start, covered = _token_around(text, m)
            yield start, covered


def decodings(text: str, *, groups: bool = False) -> list[Decoded]:
    """Every encoded run in ``text`` that decodes to readable text (one level deep); with
    ``groups``, also base64 written in groups of four or eight apart (see grouped_base64_at)."""
    found: list[Decoded] = _grouped_blocks(text) if groups else []
    if "%" in text and _PCT.search(text):
        # the token around each %XX (literal-led search: a class-led token pattern would walk
        # every word of the text)
        for start, end in _tokens_of(text, _PCT):
            run = text[start:end]
            decoded = unquote_plus(run) if "?" in run or "=" in run else unquote(run)
            if decoded != run:
                start, end, decoded = _with_plain_digits(text, start, end, decoded)
                found.append(Decoded(start, end, decoded, "url"))
    elif "+" in text and "?" in text and _VALUE_PLUS.search(text):
        for m in _QUERY_PLUS.finditer(text):
            found.append(Decoded(m.start(), m.end(), m.group().replace("+", " "), "url"))
    if "+" in text and _PLUS_DIGITS.search(text):
        # form encoding outside a query ("note+4539+5787+..."): a token whose digits are joined
        # by "+", read with spaces (tokens with "%" or "=" are the URL passes' above; a "?"
        # alone is no query: "my+bank+account+is+DE89+3704+...,+ok?")
        for start, end in _tokens_of(text, _PLUS_DIGITS):
            run = text[start:end]
            if "%" not in run and "=" not in run:
                found.append(Decoded(start, end, run.replace("+", " "), "url"))
    if "\\" in text:  # (a memchr; the literal-led search finds the runs, no "\\u" / "\\x" ``in`` first)
        # each run is decoded with up to _ESCAPE_CONTEXT characters of the plain text around it
        # (runs that close merge): a card half escaped ("\\u0034\\u0035\\u0033\\u0039 5787 ...")
        # is whole only with its plain part
        for start, end in _with_context(_ESCAPES.finditer(text), len(text)):
            decoded = _ESCAPE.sub(_unescape, text[start:end])
            found.append(Decoded(start, end, decoded, "escape"))
    if "=" in text:  # a memchr; the runs' own search is led by "="
        # quoted-printable runs, with the plain text around them like the escapes
        for start, end in _with_context(_QP_RUNS.finditer(text), len(text)):
            found.append(Decoded(start, end, _from_bytes(_QP_BYTE.sub(_qp_char, text[start:end])), "qp"))
    if "&" in text:  # one character: a memchr; the references' own search is led by "&#"
        # the same for runs of numeric references: "4&#x35;3&#x39; ..." is a card only with the
        # plain digits between and around them
        for start, end in _with_context(_CHAR_REFS.finditer(text), len(text)):
            found.append(Decoded(start, end, html.unescape(text[start:end]), "html"))
    if "&" in text and ";" in text:
        # named references inside a token ("4539&nbsp;5787&nbsp;..."): the whole token, decoded
        for start, end in _tokens_of(text, _NAMED_REF):
            decoded = html.unescape(text[start:end])
            if decoded != text[start:end]:
                found.append(Decoded(start, end, decoded, "html"))
    if _DATA_SCHEME.search(text):
        for m in re.finditer(r"data:[^\s\"'<>]*", text):
            got = data_url(m.group())
            if got is not None and got[1]:
                found.append(Decoded(m.start(), m.end(), got[1], "data-url"))
    raw = text.encode("latin-1", "replace")  # one byte per character
    flat = raw.translate(_RUN_TABLE)
    for start, end in _hex_pairs(text, raw.translate(_PAIRS_TABLE)):
        got_text = _pairs_text(bytes.fromhex(text[start:end].replace(":", " ")))
        if got_text is not None:
            found.append(Decoded(start, end, got_text, "hex"))
    runs = _runs(text, flat)
    # a wrapped block as one run; its lines are still read one by one below (a line followed by
    # a word of the same alphabet reads as a block, its decoding spoilt by the word)
    blocks = _wrapped(text, runs)
    found.extend(blocks)
    for start, end in runs:
        run = text[start:end]
        if run.isalpha() and (run.islower() or run.isupper()):  # a long word, not an encoding
            if run.isupper() and (b32 := _base32(run)) is not None:  # ... or base32 without a digit
                found.append(Decoded(start, end, b32, "base32"))
            continue
        got = decode_run(run)
        if got is None and run[0] == "0" and run[1] in ("x", "X") and _HEX.fullmatch(run, 2):
            got = decode_run(run[2:])  # "0x" + hex, as code writes bytes: the "x" glued it to the run
        if got is not None:
            if got[1] == "base64" and (longer := _with_short_line(text, start, end, got[0], blocks)) is not None:
                found.append(longer)  # the line and the short last one it wraps into
            else:
                found.append(Decoded(start, end, got[0], got[1]))
        elif "/" in run:  # a URL path ("test/upload/<base64>"): each segment on its own
            pos = start
            for segment in run.split("/"):
                if len(segment) >= 16 and (got := decode_run(segment)) is not None:
                    found.append(Decoded(pos, pos + len(segment), got[0], got[1]))
                pos += len(segment) + 1
    return found


# One byte per character (latin-1, anything else '?'), then base64/hex characters -> 'a' and
# the rest -> ' ': runs of 16+ become a literal search, ~10x faster than a class-led regex.
_RUN_TABLE = bytes(
    ord("a") if chr(i).isascii() and (chr(i).isalnum() or chr(i) in "+/_-") else ord(" ") for i in range(256)
)
_RUN_NEEDLE = b"a" * 16

# base64 wrapped in lines (MIME at 76, PEM at 64, any width a multiple of four): lines of one
# width, each a run of 16+ already found, then a last, shorter one. (Groups of four or eight
# apart, "QUJD REVG ...", are not read: the only exact gate found, a literal search of their
# shape in the run table, costs ~2 ms/MB per width, 10% of the names-off request scan.)
_B64 = "A-Za-z0-9+/"
_SEPARATOR = " \t\n\r"
_LINE_BREAKS = frozenset(("\n", "\r\n", " ", "\t"))


@lru_cache(maxsize=64)
def _block_pattern(width: int) -> re.Pattern[str]:
    """Groups of ``width`` base64 characters each followed by one separator, then a last
    group of at most ``width`` (with its padding) that ends the token."""
    return re.compile(rf"(?:[{_B64}]{{{width}}}(?:\r?\n|[ \t]))+[{_B64}]{{1,{width}}}={{0,2}}(?![{_B64}=])")


def _wrapped(text: str, runs: list[tuple[int, int]]) -> list[Decoded]:
    """Every block of base64 lines that decodes to text as one run, in order."""
    starts: list[tuple[int, int]] = []  # (where a block may start, its group width)
    for (s, e), (s2, e2) in pairwise(runs):
        # a line followed by another (MIME, PEM): the next run starts after one separator and
        # is no longer; (a line with only a short one after it is left to the run's own reading)
        if s2 - e <= 2 and (e - s) % 4 == 0 and e2 - s2 <= e - s and text[e:s2] in _LINE_BREAKS:
            starts.append((s, e - s))
    if not starts:
        return []
    starts.sort()
    out: list[Decoded] = []
    covered = 0
    for pos, width in starts:
        if pos < covered:
            continue
        got = _block_at(text, pos, width)
        if got is not None:
            out.append(got)
            covered = got.end
    return out


# the last line of a wrapped block, under 16 characters (no run of its own), right after a line
_SHORT_LINE = re.compile(rf"(?:\r?\n|[ \t])([{_B64}]{{2,15}}={{0,2}})(?![{_B64}=])")


def _with_short_line(text: str, start: int, end: int, alone: str, blocks: list[Decoded]) -> Decoded | None:
    """One base64 line that decoded to text alone (``alone``), read with the short last line it
    wraps into ("<64 characters>\n<12 characters>": the block reader needs two runs), when the
    two decode to that text and more printable ASCII. Only an unpadded line of whole groups of
    four continues, and only one that no block holds already; a word after a line of UTF-16 or
    accented text reads as stray bytes, not ASCII, and is left out."""
    if (end - start) % 4 or text[end - 1] == "=" or any(b.start <= start < b.end for b in blocks):
        return None
    m = _SHORT_LINE.match(text, end)
    if m is None:
        return None
    got = decode_run(text[start:end] + m.group(1))
    if got is None or got[1] != "base64" or not got[0].startswith(alone):
        return None
    more = got[0][len(alone):]
    readable = more.isascii() and all(c.isprintable() or c in "\n\r\t" for c in more)
    return Decoded(start, m.end(), got[0], "base64") if readable else None


def _block_at(text: str, pos: int, width: int) -> Decoded | None:
    """The wrapped base64 block starting at ``pos`` (or one group later: a word of the same
    length may stand before it), decoded; with or without its last, shorter group (a short
    word may follow the block)."""
    pattern = _block_pattern(width)
    for _lead in range(2):
        m = pattern.match(text, pos)
        if m is None:
            return None
        block = m.group()
        groups = block.split()
        if len(groups) >= 2:
            tail = len(block) - len(groups[-1]) - 1
            while block[tail - 1] == "\r" or block[tail - 1] == "\n":
                tail -= 1  # (a "\r\n" separator)
            tries = [(m.end(), "".join(groups))]
            if len(groups) >= 3:  # (two groups less the last is one run: read as such)
                tries.append((pos + tail, "".join(groups[:-1])))
            for end, joined in tries:
                if len(joined) < 16 or joined.isdigit() or (joined.isalpha() and (joined.islower() or joined.isupper())):
                    continue  # too short, a number, or words
                got = decode_run(joined)
                if got is not None:
                    return Decoded(pos, end, got[0], got[1])
        pos += len(groups[0]) + 1
        while pos < len(text) and text[pos] in _SEPARATOR:
            pos += 1
    return None




# Base64 written in groups of four or eight characters apart ("cGxl YXNl IGtl ..."), as some
# tools print it. No pass over the whole text finds these cheaply (a literal search of the
# groups' shape costs ~2 ms/MB per width, fix9f): the pattern scan (detect/pii.py) reads them
# from its digit clusters, which it visits anyway and which most groups hold (a group without
# a digit is a group all the same once a neighbour with one is found), with grouped_base64_at;
# what holds a finding read there is read again by grouped_span and decodings(groups=True).
_GROUP_WIDTHS = (4, 8)
_B64_GROUP = re.compile(rf"[{_B64}]+")
_GROUPED = re.compile("|".join(rf"(?:[{_B64}]{{{w}}}(?:\r?\n|[ \t])){{2,}}[{_B64}]{{1,{w}}}={{0,2}}(?![{_B64}=])"
                               for w in _GROUP_WIDTHS))


def grouped_base64_at(text: str, start: int, end: int) -> tuple[Decoded | None, int]:
    """The base64 block written in groups of ``end - start`` characters (4 or 8) apart, one
    of whose groups is ``text[start:end]``, decoded as one run when it is text; and where its
    groups end (the caller need not try the groups after this one again)."""
    width = end - start
    pos = start  # walk back to the block's first group
    while True:
        sep = 2 if text[pos - 2 : pos] == "\r\n" else 1 if pos and text[pos - 1] in _SEPARATOR else 0
        first = pos - sep - width
        if not sep or first < 0 or (first and text[first - 1] not in _SEPARATOR):
            break
        if _B64_GROUP.fullmatch(text, first, first + width) is None:
            break
        pos = first
    got = _block_at(text, pos, width)
    if got is not None:
        return got, got.end
    m = _block_pattern(width).match(text, pos)
    return None, max(end, m.end() if m is not None else end)


def grouped_span(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` a block of base64 groups (a finding read inside one)?"""
    # (a group's end is a blank or a line break: most findings fail on two characters)
    return (end - start >= 14 and (text[start + 4] in _SEPARATOR or text[start + 8] in _SEPARATOR)
            and _GROUPED.fullmatch(text, start, end) is not None)


def _grouped_blocks(text: str) -> list[Decoded]:
    """Every block of base64 groups in ``text`` that decodes to text (a class-led search: only
    for a text a finding was read in)."""
    out = []
    for m in _GROUPED.finditer(text):
        width = next(w for w in _GROUP_WIDTHS if text[m.start() + w] in _SEPARATOR)
        got = _block_at(text, m.start(), width)
        if got is not None:
            out.append(got)
    return out


# hex bytes written apart ("34 35 33 39" or "34:35:33:39", as dumps and fingerprints are):
# 12 or more pairs in a row. With hex characters as "h", " " and ":" as "s" and the rest as "x"
# they are "hhshhs...", which a literal search finds (in the run table's two-letter form prose
# matches the needle's start at every word, and the search is 20x slower); the pattern only
# confirms each place found.
_PAIRS_TABLE = bytes(
    ord("h") if chr(i) in "0123456789abcdefABCDEF" else ord("s") if chr(i) in " :" else ord("x") for i in range(256)
)
_PAIRS_NEEDLE = b"hhs" * 11  # (ending in the rarer "s" it is searched 20% faster; the pattern checks pair 12)
_HEX_PAIRS = re.compile(r"[0-9A-Fa-f]{2}(?:[ :][0-9A-Fa-f]{2}){11,}(?![0-9A-Za-z])")


def _hex_pairs(text: str, marks: bytes) -> list[tuple[int, int]]:
    """(start, end) of every run of 12+ hex pairs separated by single spaces or colons
    (``marks``: ``text`` translated by ``_PAIRS_TABLE``)."""
    out = []
    pos = marks.find(_PAIRS_NEEDLE)
    while pos >= 0:
        m = _HEX_PAIRS.match(text, pos) if pos == 0 or marks[pos - 1] != 104 else None  # not after an "h"
        if m is None:
            pos = marks.find(_PAIRS_NEEDLE, pos + 1)
            continue
        out.append((pos, m.end()))
        pos = marks.find(_PAIRS_NEEDLE, m.end())
    return out


def _pairs_text(raw: bytes) -> str | None:
    """The text spaced hex pairs hold. A word of hex letters either side ("be", "ad") reads as
    one more pair, so up to two bytes at either end may be left off for the rest to be text."""
    for cut in range(5):
        for head in range(min(cut, 2) + 1):
            tail = cut - head
            if tail <= 2 and (got := _printable(raw[head:len(raw) - tail])) is not None:
                return got
    return None


def _runs(text: str, flat: bytes) -> list[tuple[int, int]]:
    """(start, end) of every run of 16+ base64/hex characters (with its ``=`` padding)."""
    out = []
    pos = flat.find(_RUN_NEEDLE)
    while pos >= 0:
        end = flat.find(b" ", pos + 16)
        if end < 0:
            end = len(flat)
        stop = end
        while stop < len(text) and stop - end < 6 and text[stop] == "=":  # (base32 pads up to 6)
            stop += 1
        out.append((pos, stop))
        pos = flat.find(_RUN_NEEDLE, end)
    return out

"""``data:`` URLs and base64 payloads read as text: what a request's file or image payload holds.

A leaf (standard library only), shared by the privacy scan (:mod:`turnout.detect.normalize`,
:mod:`turnout.detect.walk`), redaction and the token estimate (:mod:`turnout.tokens`), so the
question "is this payload text, and which?" has one answer everywhere.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import unicodedata
import zlib
from urllib.parse import unquote

__all__ = ["MAX_DECODED", "b64", "data_url", "encode_like", "inflated", "part_text", "printable", "split_data_url"]

MAX_DECODED = 1 << 20  # never decode more than 1 MB out of one run
_DATA_URL = re.compile(r"data:([\w.+-]+/[\w.+-]+)?((?:;[\w.+-]+=[\w.+-]+)*)(;base64)?,", re.IGNORECASE)
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded",
               "application/javascript", "application/yaml", "application/x-yaml", "application/csv",
               "application/sql", "application/x-sh")  # fmt: skip


def printable(raw: bytes) -> str | None:
    """The bytes as text when they are UTF-8 (or UTF-16: see :func:`_utf16`) and nearly all
    printable, else None."""
    if len(raw) < 4:
        return None
    try:
        text: str | None = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and _readable(text):
        return text
    # UTF-16 of Latin text has a zero in every other byte (valid UTF-8, but not printable)
    return _utf16(raw) if len(raw) % 2 == 0 and 0 in raw else None


def _readable(text: str) -> bool:
    if text.isprintable() or text.replace("\n", " ").replace("\r", " ").replace("\t", " ").isprintable():
        return True
    # odd spaces (NBSP, thin, ideographic) and format characters (zero-width, joiners, bidi
    # marks) are what text is written with to hide a secret, and ``isprintable`` refuses both:
    # such text is text (the scan normalises it like any other). Only the rare payload that
    # is not printable at first pays for this look at its distinct characters.
    return all(c.isprintable() or c in "\n\r\t" or unicodedata.category(c) in _INVISIBLE for c in set(text))


_INVISIBLE = ("Zs", "Zl", "Zp", "Cf")


def _utf16_codec(raw: bytes) -> str | None:
    """Which UTF-16 ``raw`` looks like: 3 in 4 of its high bytes are zero."""
    half = len(raw) // 2
    if raw[1::2].count(0) * 4 >= half * 3:
        return "utf-16-le"
    if raw[0::2].count(0) * 4 >= half * 3:
        return "utf-16-be"
    return None


def _utf16(raw: bytes) -> str | None:
    """UTF-16 text (as Windows and PowerShell write it), little- or big-endian, with or
    without its byte-order mark: taken as such when 3 in 4 of its high bytes are zero."""
    codec = _utf16_codec(raw)
    if codec is None:
        return None
    try:
        text = raw.decode(codec).removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None
    return text if len(text) >= 2 and _readable(text) else None


def b64(run: str) -> bytes | None:
    """Standard or URL-safe base64 (padding optional) decoded, None when it is neither."""
    body = run.rstrip("=")
    if len(body) % 4 == 1:
        return None
    padded = body + "=" * (-len(body) % 4)
    try:
        if "-" in body or "_" in body:
            if "+" in body or "/" in body:
                return None
            # (urlsafe_b64decode drops characters outside the alphabet: '000:)_' was base64)
            return base64.b64decode(padded, altchars=b"-_", validate=True)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


_GZIP_MAGIC = b"\x1f\x8b"


def inflated(raw: bytes) -> bytes | None:
    """``raw`` as it is, or inflated when it is a gzip stream: at most MAX_DECODED bytes of it
    (a small bomb stays small), None when the stream is broken."""
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return zlib.decompressobj(wbits=31).decompress(raw, MAX_DECODED)
    except zlib.error:
        return None


def encode_like(text: str, original: bytes) -> bytes:
    """``text`` as bytes in the form of ``original``, a payload :func:`printable` read (after
    :func:`inflated`): the same text encoding and byte-order mark, and gzip'd again if it was.
    Redaction rewrites a file's text; what reads the file must still read it as declared."""
    gz = original.startswith(_GZIP_MAGIC)
    inner = (inflated(original) or b"") if gz else original
    codec = None
    if 0 in inner and len(inner) % 2 == 0:
        try:
            inner.decode("utf-8")
        except UnicodeDecodeError:
            codec = _utf16_codec(inner)
        else:
            codec = None if _readable(inner.decode("utf-8")) else _utf16_codec(inner)
    if codec is None:
        raw = text.encode()
    else:
        bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
        raw = (bom if inner.startswith(bom) else b"") + text.encode(codec)
    return gzip.compress(raw, mtime=0) if gz else raw


def split_data_url(value: str) -> tuple[str, bool, str] | None:
    """(media type, base64?, payload) of a well-formed ``data:`` URL, else None."""
    if not value.startswith(("data:", "DATA:", "Data:")):
        return None
    m = _DATA_URL.match(value)
    if m is None:
        return None
    return (m.group(1) or "text/plain").lower(), bool(m.group(3)), value[m.end():]


def data_url(value: str) -> tuple[str, str | None] | None:
    """For a ``data:`` URL: (media type, its text payload) — payload None when it is binary.
    None when ``value`` is not a data URL."""
    if not value.startswith(("data:", "DATA:", "Data:")):
        return None
    parts = split_data_url(value)
    if parts is None:
        return "application/octet-stream", None
    media, is_b64, payload = parts
    textual = media.startswith(_TEXT_TYPES) or media.endswith(("+json", "+xml"))
    if is_b64:
        if not textual:
            # a mislabelled text payload is still text: look at its head before calling it binary
            head = b64(payload[:4096].split("=")[0][: 4096 - 4096 % 4])
            if head is None or (not head.startswith(_GZIP_MAGIC) and printable(head) is None):
                return media, None
        raw = b64(payload) if len(payload) <= MAX_DECODED else None
        raw = inflated(raw) if raw is not None else None
        text = printable(raw) if raw is not None else None
        return media, text
    text = unquote(payload)
    return (media, text) if textual or printable(text.encode()) is not None else (media, None)


def part_text(part: object) -> str | None:
    """What a content part gives a model that reads text only: a text part's text, a text
    file's contents (a ``file`` part's data URL), a text document (an Anthropic ``document``
    block with a text source or base64 text); None for anything else (images, audio, PDFs)."""
    if not isinstance(part, dict):
        return None
    kind = part.get("type")
    if kind == "text":
        text = part.get("text")
        return text if isinstance(text, str) else None
    got: tuple[str, str | None] | None = None
    if kind == "file":
        file = part.get("file")
        data = file.get("file_data") if isinstance(file, dict) else None
        got = data_url(data) if isinstance(data, str) else None
    source = part.get("source") if kind == "document" else None
    if isinstance(source, dict) and isinstance(source.get("data"), str):
        if source.get("type") == "text":
            return str(source["data"])
        if source.get("type") == "base64":
            got = data_url(f"data:{source.get('media_type') or 'application/octet-stream'};base64,{source['data']}")
    if got is None or got[0].startswith(_NOT_TEXT):  # a PDF's bytes may be printable: still no text
        return None
    return got[1]


_NOT_TEXT = ("application/pdf", "image/", "audio/", "video/")

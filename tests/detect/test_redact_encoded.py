"""Redaction of a secret found inside an encoded form (red9d): base64, hex, URL-encoded,
half-escaped text and ``data:`` URLs.

The redacted request must (1) hold the secret in no form the scan can read, (2) keep every
payload valid (a base64 field still decodes, a ``data:`` URL still parses, with the same media
type), and (3) restore: a piece of free text restores to exactly what the caller wrote; a piece
that is a whole encoded payload decodes to text that restores to what the caller's payload held.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.parse
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.normalize import data_url
from turnout.detect.pii import luhn_valid
from turnout.detect.redact import Redactor
from turnout.detect.scan import scan_request
from turnout.detect.walk import walk
from turnout.types import ChatRequest

REDACTOR = Redactor()


def luhn(body: str) -> str:
    return next(body + c for c in "0123456789" if luhn_valid(body + c))


cards = st.text(alphabet="0123456789", min_size=14, max_size=14).map(lambda d: luhn("4" + d))
emails = st.from_regex(r"[a-z]{3,8}\.[a-z]{2,6}[0-9]{0,3}", fullmatch=True).map(lambda u: f"{u}@example.org")
secrets = st.one_of(cards.map(lambda c: f"{c[:4]} {c[4:8]} {c[8:12]} {c[12:]}"), emails)
words = st.sampled_from(["please", "check", "the", "note", "below", "thanks", "for", "order", "ref"])
prose = st.lists(words, min_size=0, max_size=6).map(" ".join)


def b64(text: str, urlsafe: bool = False, pad: bool = True) -> str:
    out = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(text.encode()).decode()
    return out if pad else out.rstrip("=")


def half_escaped(secret: str) -> str:
    """The first four characters as ``\\uXXXX`` escapes, the rest plain."""
    return "".join(f"\\u{ord(c):04x}" for c in secret[:4]) + secret[4:]


FORMS = {
    "base64": lambda s, before, after: b64(f"{before} {s} {after}"),
    "base64-urlsafe-unpadded": lambda s, before, after: b64(f"{before} {s} {after}?", urlsafe=True, pad=False),
    "hex": lambda s, before, after: f"{before} {s} {after}".encode().hex(),
    "url": lambda s, before, after: "https://shop.test/pay?note=" + urllib.parse.quote(f"{before} {s} {after}"),
    "url-plus": lambda s, before, after: "https://shop.test/q?text=" + urllib.parse.quote_plus(f"{before} {s}"),
    "half-escaped": lambda s, before, after: half_escaped(s),
    "data-url-base64": lambda s, before, after: "data:text/plain;base64," + b64(f"{before} {s} {after}"),
    "data-url-percent": lambda s, before, after: "data:text/plain," + urllib.parse.quote(f"{before} {s} {after}"),
}


# a payload field holds what its API takes there: base64 or a data: URL for a file or document,
# a URL for an image (a half-escaped string in ``file_data`` is no payload; see the report)
PAYLOAD_FORMS = {
    "file_data": {"base64", "base64-urlsafe-unpadded", "data-url-base64", "data-url-percent"},
    "document": {"base64", "base64-urlsafe-unpadded"},
    "image_url": {"url", "url-plus", "data-url-base64", "data-url-percent"},
}


def place(where: str, encoded: str, before: str, after: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    text = f"{before} {encoded} {after}"
    if where == "content":
        return [{"role": "user", "content": text}], {}
    if where == "part":
        return [{"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "text", "text": text}]}], {}
    if where == "file_data":
        return [{"role": "user", "content": [{"type": "file", "file": {"filename": "n.txt", "file_data": encoded}}]}], {}
    if where == "image_url":
        return [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": encoded}}]}], {}
    if where == "document":
        return [{"role": "user", "content": [{"type": "document", "source": {
            "type": "base64", "media_type": "text/plain", "data": encoded}}]}], {}
    if where == "tool_args":
        return [{"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
            "name": "store", "arguments": json.dumps({"blob": encoded, "note": before})}}]}], {}
    return [{"role": "user", "content": "hi"}], {"metadata": {"ref": encoded}}


def decoded_payload(text: str) -> str | None:
    """What a payload holds: the text with each data: URL replaced by its text, or what a
    whole base64 / hex piece holds."""
    if "data:" in text:
        out = []
        for token in text.split(" "):
            got = data_url(token) if token.startswith("data:") else None
            if got is not None and got[1] is None:
                return None
            out.append(got[1] if got is not None else token)
        return " ".join(out)
    try:
        return bytes.fromhex(text).decode()
    except ValueError:
        pass
    try:
        padded = text + "=" * (-len(text) % 4)
        alt = "-" in text or "_" in text
        return (base64.urlsafe_b64decode(padded) if alt else base64.b64decode(padded, validate=True)).decode()
    except (binascii.Error, ValueError):
        return None


@settings(max_examples=300, deadline=None)
@given(secret=secrets, form=st.sampled_from(sorted(FORMS)),
       where=st.sampled_from(["content", "part", "file_data", "image_url", "document", "tool_args", "metadata"]),
       before=prose, after=prose)
def test_a_secret_in_an_encoded_form_is_redacted_into_a_valid_payload_that_restores(secret, form, where, before, after):
    if where in PAYLOAD_FORMS and form not in PAYLOAD_FORMS[where]:
        form = sorted(PAYLOAD_FORMS[where])[len(form) % len(PAYLOAD_FORMS[where])]
    encoded = FORMS[form](secret, before or "note", after or "thanks")
    messages, params = place(where, encoded, before, after)
    request = ChatRequest(model="m", messages=messages, params=params)
    planted = {f.type for f in scan_request(messages, params, REDACTOR.detector).findings}
    assert planted & {"CREDIT_CARD", "EMAIL_ADDRESS"}, "the planted secret must be found"

    redacted, mapping = REDACTOR.redact_request(request)

    # 1. nothing of the planted kind is left where the scan reads, and the secret is nowhere in
    # plain (a name "found" in a fresh base64 blob is the name tagger's, not a leak)
    left = [f for f in scan_request(redacted.messages, redacted.params, REDACTOR.detector).findings
            if f.type in planted]
    assert not left
    sent = json.dumps([redacted.messages, redacted.params], ensure_ascii=False)
    assert secret not in sent
    # 2 and 3. piece by piece: free text restores exactly; a whole payload stays a payload of
    # the same kind and its text restores
    before_pieces = walk(messages, params).pieces
    after_pieces = walk(redacted.messages, redacted.params).pieces
    assert len(before_pieces) == len(after_pieces)
    for old, new in zip(before_pieces, after_pieces, strict=True):
        if mapping.restore(new.text) == old.text:
            continue
        held = decoded_payload(old.text)
        assert held is not None, (old.text, new.text)
        got = decoded_payload(new.text)
        assert got is not None, f"not a valid payload any more: {new.text!r}"
        assert mapping.restore(got) == held
        if "data:" in old.text:
            assert new.text.split(",", 1)[0] == old.text.split(",", 1)[0]  # same media type and encoding


def test_a_half_escaped_card_in_a_sentence_loses_only_the_card():
    text = "the number " + half_escaped("4539 5787 6362 1486") + " is mine and this is a long sentence after it"
    new, mapping = REDACTOR.redact([{"role": "user", "content": text}])
    assert new[0]["content"] == "the number [CARD_1] is mine and this is a long sentence after it"
    assert mapping.restore(new[0]["content"]) == text


def test_a_text_file_keeps_its_form_and_loses_the_card():
    payload = "data:text/plain;base64," + b64("invoice: card 4539 5787 6362 1486, due May")
    part = {"type": "file", "file": {"filename": "inv.txt", "file_data": payload}}
    new, mapping = REDACTOR.redact([{"role": "user", "content": [{"type": "text", "text": "sum it"}, part]}])
    sent = new[0]["content"][1]["file"]["file_data"]
    assert sent.startswith("data:text/plain;base64,")
    assert base64.b64decode(sent.split(",", 1)[1]).decode() == "invoice: card [CARD_1], due May"
    assert mapping.restore("The card is [CARD_1].") == "The card is 4539 5787 6362 1486."


def test_a_url_encoded_card_in_a_query_keeps_the_url():
    url = "https://shop.test/pay?note=" + urllib.parse.quote("card 4539 5787 6362 1486") + "&x=1"
    new, mapping = REDACTOR.redact([{"role": "user", "content": f"open {url} now"}])
    content = new[0]["content"]
    assert content.startswith("open https://shop.test/pay?note=card%20") and content.endswith("&x=1 now")
    assert "[CARD_1]" in content
    assert mapping.restore(content) == f"open {url} now"


def test_a_data_url_inside_a_sentence_restores_to_what_the_caller_wrote():
    # an answer that repeats the caller's text (red-team red9d: an echoed svg data URL came back
    # re-encoded, holding the placeholder, not the caller's URL)
    url = "data:image/svg+xml;base64," + b64("<svg><text>mail ann.lee@example.org</text></svg>")
    text = f"keep this: {url} thanks"
    new, mapping = REDACTOR.redact([{"role": "user", "content": text}])
    assert "ann.lee" not in json.dumps(new)
    assert mapping.restore(new[0]["content"]) == text


_FORMS = {
    "utf-8": lambda t: t.encode(),
    "utf-16-le+bom": lambda t: t.encode("utf-16"),  # CPython writes the little-endian BOM first
    "utf-16-be": lambda t: t.encode("utf-16-be"),
}


def _unpack(raw: bytes, form: str, gz: bool) -> str:
    import gzip

    if gz:
        assert raw[:2] == b"\x1f\x8b", "the payload lost its gzip"
        raw = gzip.decompress(raw)
    if form == "utf-8":
        return raw.decode()
    if form == "utf-16-le+bom":
        assert raw[:2] == b"\xff\xfe", "the payload lost its byte-order mark"
        return raw.decode("utf-16")
    return raw.decode("utf-16-be")


@settings(max_examples=40, deadline=None)
@given(before=prose, after=prose, secret=secrets, form=st.sampled_from(sorted(_FORMS)), gz=st.booleans(),
       as_url=st.booleans())
def test_a_payload_keeps_its_compression_and_text_encoding(before, after, secret, form, gz, as_url):
    # red-team: a gzip'd file came back as plain base64 text, and a UTF-16 one as UTF-8; a
    # consumer that inflates or decodes the file as declared then read garbage
    import gzip

    text = f"{before} {secret} {after}".strip()
    raw = _FORMS[form](text)
    if gz:
        raw = gzip.compress(raw, mtime=0)
    encoded = base64.b64encode(raw).decode()
    data = "data:text/plain;base64," + encoded if as_url else encoded
    part = {"type": "file", "file": {"filename": "f.txt", "file_data": data}}
    new, mapping = REDACTOR.redact([{"role": "user", "content": [part]}])
    sent = new[0]["content"][0]["file"]["file_data"]
    if as_url:
        assert sent.startswith("data:text/plain;base64,")
        sent = sent.split(",", 1)[1]
    got = _unpack(base64.b64decode(sent), form, gz)
    assert secret not in got and "[" in got
    assert mapping.restore(got) == text

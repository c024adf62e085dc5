"""A payload field (``data``, ``file_data``) holding hex of text is text, not a binary blob.

Hex digits are all in base64's alphabet, so a hex payload base64-decodes to noise and was
taken for binary (passed unscanned under ``detection.binary: allow``): a card written as the
hex of its text reached cloud models from a file part.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.pii import Detector, luhn_valid
from turnout.detect.scan import scan_request

DETECTOR = Detector()


def luhn(body: str) -> str:
    return next(body + c for c in "0123456789" if luhn_valid(body + c))


cards = st.text(alphabet="0123456789", min_size=14, max_size=14).map(lambda d: luhn("4" + d))
words = st.lists(st.sampled_from(["invoice", "pay", "the", "card", "below", "thanks", "due"]), max_size=5).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(before=words, after=words, card=cards, codec=st.sampled_from(["utf-8", "utf-16", "utf-16-be"]),
       upper=st.booleans(), where=st.sampled_from(["file", "input_file", "document"]))
def test_hex_of_text_in_a_payload_field_is_scanned(before, after, card, codec, upper, where):
    text = f"{before} {card[:4]} {card[4:8]} {card[8:12]} {card[12:]} {after}".strip()
    data = text.encode(codec).hex()
    data = data.upper() if upper else data
    if where == "file":
        part = {"type": "file", "file": {"filename": "f.txt", "file_data": data}}
    elif where == "input_file":
        part = {"type": "input_file", "filename": "f.txt", "file_data": data}
    else:
        part = {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": data}}
    found = scan_request([{"role": "user", "content": [part]}], None, DETECTOR).findings
    assert any(f.type == "CREDIT_CARD" for f in found), data

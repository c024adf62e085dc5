"""Encodings inside encodings: a secret wrapped in up to three layers of base64, hex and URL
encoding is found at the piece that holds it."""

from __future__ import annotations

import base64
import urllib.parse

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.pii import Detector
from turnout.detect.scan import scan_request

DETECTOR = Detector(names=False)
LAYERS = {
    "base64": lambda s: base64.b64encode(s.encode()).decode(),
    "hex": lambda s: s.encode().hex(),
    "url": lambda s: urllib.parse.quote(s),
}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(sorted(LAYERS)), min_size=1, max_size=3),
       st.sampled_from(["4539 5787 6362 1486", "ana.lund@mailbox.test"]),
       st.sampled_from(["keep this: ", "note ", ""]))
def test_a_secret_under_three_layers_of_encoding_is_found(layers: list[str], secret: str, lead: str) -> None:
    text = f"{lead}card {secret} thanks"
    for layer in layers:
        text = LAYERS[layer](text)
    found = scan_request([{"role": "user", "content": f"see {text} ok"}], {}, DETECTOR).findings
    assert {f.type for f in found} & {"CREDIT_CARD", "EMAIL_ADDRESS"}, (layers, text)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(["4539 5787 6362 1486", "ana.lund@mailbox.test"]), st.booleans())
def test_a_gzipped_secret_is_read_in_a_data_url_and_in_a_file(secret: str, as_file: bool) -> None:
    import gzip

    payload = base64.b64encode(gzip.compress(f"card {secret} thanks".encode())).decode()
    if as_file:
        content: object = [{"type": "file", "file": {"filename": "n.gz", "file_data": payload}}]
    else:
        content = f"see data:application/gzip;base64,{payload} ok"
    found = scan_request([{"role": "user", "content": content}], {}, DETECTOR).findings
    assert {f.type for f in found} & {"CREDIT_CARD", "EMAIL_ADDRESS"}


def test_a_gzip_bomb_is_read_no_further_than_the_decoding_limit() -> None:
    import gzip

    from turnout.dataurl import MAX_DECODED, inflated

    got = inflated(gzip.compress(b"a" * (8 * MAX_DECODED)))
    assert got is not None and len(got) == MAX_DECODED
    assert inflated(b"\x1f\x8b not gzip") is None
    assert inflated(b"plain bytes") == b"plain bytes"

"""The streamed-body line reader: however an upstream cuts its body into blocks, the lines
are the body's lines (``\\r\\n`` or ``\\n`` endings), and the size limit holds."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from turnout.providers.transport import LineSplitter, ResponseTooLargeError, set_response_limit

BODY_BYTES = st.lists(st.sampled_from([b"a", b"data: x", b"\n", b"\r\n", b"\r", b"", b"{}"]), max_size=40)


def _cut(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(body)) for c in cuts})
    edges = [0, *points, len(body)]
    return [body[a:b] for a, b in pairwise(edges)]


@given(BODY_BYTES, st.lists(st.integers(min_value=0, max_value=200), max_size=12))
def test_lines_do_not_depend_on_where_the_body_is_cut(parts: list[bytes], cuts: list[int]) -> None:
    body = b"".join(parts)
    splitter = LineSplitter(provider="p", model=None)
    lines = [line for block in _cut(body, cuts) for line in splitter.feed(block)] + splitter.end()
    expected = [line.rstrip(b"\r") for line in body.split(b"\n")]
    if not body.endswith(b"\n"):  # a last line without its newline still counts, if not empty
        tail = expected.pop()
        if tail or body.endswith(b"\r"):
            expected.append(tail)
    else:
        expected.pop()
    assert lines == expected


def test_a_body_over_the_limit_is_refused() -> None:
    set_response_limit(10)
    try:
        splitter = LineSplitter(provider="p", model="m")
        assert splitter.feed(b"data: 12\n") == [b"data: 12"]  # 9 bytes
        with pytest.raises(ResponseTooLargeError):
            splitter.feed(b"\n\n")  # 11
    finally:
        set_response_limit(None)

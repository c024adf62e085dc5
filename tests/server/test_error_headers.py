"""The ``x-turnout-error-code`` header: any code (an upstream's may hold anything) becomes a
valid header value or no header at all."""

from __future__ import annotations

import h11
from hypothesis import given
from hypothesis import strategies as st

from turnout.errors import ProviderError
from turnout.server.app import _error_headers


@given(st.text(max_size=100))
def test_any_code_is_a_valid_header_value(code: str) -> None:
    headers = dict(_error_headers(ProviderError("upstream failed", code=code)))
    value = headers.get(b"x-turnout-error-code")
    if value is None:
        return
    assert 0 < len(value) <= 64
    # h11 (uvicorn's HTTP/1.1) accepts it: no CR, LF, NUL or other control characters
    h11.Response(status_code=502, headers=[(b"x-turnout-error-code", value)])
    kept = "".join(c for c in code if c.isascii() and (c.isalnum() or c in "_.-"))
    assert value.decode() == kept[:64]  # the code's safe characters, in order

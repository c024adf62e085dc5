"""http1 keeps a request's encoded head per (URL, headers) and the running loop's pools (hot17h,
issue 17): the bytes sent are those the head built header by header gave."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.providers import http1


def _request_before(url: str, body: bytes, headers: dict[str, str]) -> bytes:
    pool, target = http1._pool(url)
    head = [b"POST ", target, b" HTTP/1.1\r\nhost: ", pool.host_header, b"\r\nuser-agent: ", http1._USER_AGENT,
            b"\r\ncontent-length: ", str(len(body)).encode()]
    for name, value in headers.items():
        head += (b"\r\n", name.encode("latin-1"), b": ", value.encode("latin-1"))
    head.append(b"\r\n\r\n")
    head.append(body)
    return b"".join(head)


_token = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=10)
_urls = st.sampled_from(["http://127.0.0.1:9/v1/chat/completions", "https://api.example.com/v1/chat/completions",
                         "http://h:80/a?b=c", "https://h:8443/x"])
_headers = st.dictionaries(_token, st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=20), max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_urls, st.binary(max_size=64), _headers), min_size=1, max_size=6))
def test_a_request_is_the_bytes_built_header_by_header(calls: list[tuple[str, bytes, dict[str, str]]]) -> None:
    async def run() -> None:
        for url, body, headers in calls:
            for _ in range(2):  # the second time from the kept head
                pool, data = http1._request(url, body, headers)
                assert data == _request_before(url, body, headers)
                assert pool is http1._pool(url)[0]

    asyncio.run(run())


def test_each_loop_gets_its_own_pools_and_closing_forgets_them() -> None:
    url = "http://127.0.0.1:9/v1/chat/completions"

    async def pool() -> http1._Pool:
        return http1._pool(url)[0]

    loop_a, loop_b = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        a = loop_a.run_until_complete(pool())
        b = loop_b.run_until_complete(pool())
        assert a is not b
        assert loop_a.run_until_complete(pool()) is a  # back on the first loop: its own pool again

        async def close_then_pool() -> http1._Pool:
            http1.close_pools()
            return http1._pool(url)[0]

        assert loop_a.run_until_complete(close_then_pool()) is not a  # closed: a new pool
    finally:
        loop_a.close()
        loop_b.close()

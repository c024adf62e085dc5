"""The pooled HTTP/1.1 client against a real socket server that sends exactly the bytes a test
gives it, cut wherever the test says (keep-alive, chunked, limits, dropped connections)."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.providers import http1

CLOSE = b""  # in a reply: close the connection here


class RawServer:
    """Answers each request with ``reply(request_number)``: a list of byte pieces written one
    by one (so a response can arrive cut anywhere, ``CLOSE`` closing the connection there);
    ``None`` closes the connection without a byte."""

    def __init__(self, reply: Callable[[int], list[bytes] | None]) -> None:
        self.reply = reply
        self.requests: list[bytes] = []
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1/chat/completions"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        http1.close_pools()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                self.requests.append(head + await reader.readexactly(length))
                pieces = self.reply(len(self.requests))
                if pieces is None:
                    break
                for piece in pieces:
                    if piece is CLOSE:
                        return
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def ok(body: bytes, extra: bytes = b"") -> list[bytes]:
    return [b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
            + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body]


def chunked(body: bytes, size: int) -> bytes:
    parts = [body[i:i + size] for i in range(0, len(body), size)]
    return b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + b"".join(
        b"%x\r\n" % len(p) + p + b"\r\n" for p in parts) + b"0\r\n\r\n"


async def post(url: str, body: bytes = b"{}", limit: int = 1 << 20, timeout: float = 5.0) -> http1.Response:
    return await http1.post(url, body, {"content-type": "application/json", "authorization": "Bearer k"},
                            timeout=timeout, connect_timeout=timeout, limit=limit)


async def test_keeps_the_connection_and_sends_the_request_as_given() -> None:
    server = RawServer(lambda n: ok(b'{"n":%d}' % n))
    async with server as url:
        for n in (1, 2, 3):
            response = await post(url, b'{"q":1}')
            assert (response.status, response.body) == (200, b'{"n":%d}' % n)
    assert server.connections == 1
    request = server.requests[0]
    assert request.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
    assert b"\r\nauthorization: Bearer k\r\n" in request and request.endswith(b'\r\n\r\n{"q":1}')


async def test_a_connection_the_server_marks_close_is_not_reused() -> None:
    server = RawServer(lambda n: ok(b"{}", b"connection: close\r\n"))
    async with server as url:
        await post(url)
        await post(url)
    assert server.connections == 2


async def test_an_idle_connection_closed_by_the_server_is_retried_once_on_a_new_one() -> None:
    # request 2 arrives on the kept connection, which the server then drops without a byte
    server = RawServer(lambda n: None if n == 2 else ok(b'{"n":%d}' % n))
    async with server as url:
        assert (await post(url)).body == b'{"n":1}'
        assert (await post(url)).body == b'{"n":3}'
    assert server.connections == 2 and len(server.requests) == 3


async def test_a_connection_dropped_mid_answer_is_an_error_not_a_retry() -> None:
    server = RawServer(lambda n: [ok(b'{"long": "answer"}')[0][:-5], CLOSE])
    async with server as url:
        with pytest.raises(http1.ConnectionDropped) as info:
            await post(url)
    assert info.value.answered
    assert len(server.requests) == 1


async def test_answers_over_the_limit_are_refused_by_length_and_by_bytes() -> None:
    big = b"x" * 5000
    async with RawServer(lambda n: ok(big) if n == 1 else [chunked(big, 700)]) as url:
        with pytest.raises(http1.ResponseTooLarge):
            await post(url, limit=4096)  # Content-Length says so before the body
        with pytest.raises(http1.ResponseTooLarge):
            await post(url, limit=4096)  # chunked: counted as it arrives


async def test_a_body_that_ends_with_the_connection_is_read_whole() -> None:
    server = RawServer(lambda n: [b"HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n", b'{"old":', b" 1}", CLOSE])
    async with server as url:
        assert (await post(url)).body == b'{"old": 1}'
        assert (await post(url)).body == b'{"old": 1}'  # on a new connection
    assert server.connections == 2


async def test_gzip_bodies_are_decompressed() -> None:
    async with RawServer(lambda n: ok(gzip.compress(b'{"a":1}'), b"content-encoding: gzip\r\n")) as url:
        assert (await post(url)).body == b'{"a":1}'


async def test_a_timeout_closes_the_connection() -> None:
    server = RawServer(lambda n: [] if n == 1 else ok(b"{}"))  # the first request gets no answer
    async with server as url:
        with pytest.raises(TimeoutError):
            await post(url, timeout=0.2)
        assert (await post(url)).body == b"{}"
    assert server.connections == 2


async def test_malformed_answers_are_value_errors() -> None:
    async with RawServer(lambda n: [b"HTTP/1.1 200 OK\r\ncontent-length: nope\r\n\r\n{}"]) as url:
        with pytest.raises(ValueError, match="malformed"):
            await post(url)


def test_only_http_urls_with_a_host() -> None:
    async def go() -> None:
        with pytest.raises(ValueError):
            await post("ftp://example.com/x")
        with pytest.raises(ValueError):
            await post("http:///nohost")

    asyncio.run(go())


@settings(max_examples=60, deadline=None)
@given(body=st.binary(max_size=3000), cuts=st.lists(st.integers(min_value=1, max_value=3500), max_size=8),
       chunk=st.integers(min_value=1, max_value=4000), use_chunked=st.booleans())
def test_any_body_cut_anywhere_arrives_whole(body: bytes, cuts: list[int], chunk: int, use_chunked: bool) -> None:
    wire = chunked(body, chunk) if use_chunked and body else ok(body)[0]
    points = sorted({c for c in cuts if c < len(wire)})
    pieces = [wire[a:b] for a, b in zip([0, *points], [*points, len(wire)], strict=True)]

    async def go() -> None:
        async with RawServer(lambda n: pieces) as url:
            for _ in range(2):  # and the kept connection is clean for the next one
                response = await post(url, limit=1 << 16)
                assert response.status == 200 and response.body == body

    asyncio.run(go())


# -- streams ---------------------------------------------------------------------------------------
async def open_stream(url: str, limit: int = 1 << 20, idle: float = 5.0) -> tuple[http1.Response, http1.Stream]:
    return await http1.open_stream(url, b"{}", {"content-type": "application/json"}, idle_timeout=idle,
                                   connect_timeout=idle, limit=limit)


async def read_all(stream: http1.Stream) -> bytes:
    pieces = []
    while data := await stream.read(5.0):
        pieces.append(data)
    return b"".join(pieces)


@settings(max_examples=60, deadline=None)
@given(body=st.binary(min_size=1, max_size=3000), cuts=st.lists(st.integers(min_value=1, max_value=3500), max_size=8),
       chunk=st.integers(min_value=1, max_value=4000), use_chunked=st.booleans())
def test_any_stream_cut_anywhere_arrives_whole_and_in_order(body: bytes, cuts: list[int], chunk: int,
                                                           use_chunked: bool) -> None:
    wire = chunked(body, chunk) if use_chunked else ok(body)[0]
    points = sorted({c for c in cuts if c < len(wire)})
    pieces = [wire[a:b] for a, b in zip([0, *points], [*points, len(wire)], strict=True)]
    server = RawServer(lambda n: pieces)

    async def go() -> None:
        async with server as url:
            for _ in range(2):  # read to the end, the connection goes back clean for the next one
                response, stream = await open_stream(url, limit=1 << 16)
                assert response.status == 200
                assert await read_all(stream) == body
                stream.close()

    asyncio.run(go())
    assert server.connections == 1


async def test_an_error_status_comes_with_its_body_and_an_empty_stream() -> None:
    error = b'{"error": {"message": "no"}}'
    async with RawServer(lambda n: [b"HTTP/1.1 429 Too Many\r\nretry-after: 2\r\ncontent-length: "
                                    + str(len(error)).encode() + b"\r\n\r\n" + error]) as url:
        response, stream = await open_stream(url)
        assert (response.status, response.body, response.headers["retry-after"]) == (429, error, "2")
        assert await stream.read(1.0) == b""
        stream.close()


async def test_a_stream_closed_before_its_end_closes_its_connection() -> None:
    head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
    server = RawServer(lambda n: [head + b"5\r\nhello\r\n"] if n == 1 else [chunked(b"data: 1\n\n" * 50, 9)])
    async with server as url:
        _, stream = await open_stream(url)
        assert await stream.read(5.0) == b"hello"
        stream.close()  # the rest of the answer is unread: the connection cannot be reused
        _, stream = await open_stream(url)
        assert await read_all(stream) == b"data: 1\n\n" * 50
        stream.close()
    assert server.connections == 2


async def test_a_stream_dropped_midway_gives_its_bytes_then_the_error() -> None:
    head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
    async with RawServer(lambda n: [head + b"5\r\nhello\r\n", CLOSE]) as url:
        _, stream = await open_stream(url)
        assert await stream.read(5.0) == b"hello"
        with pytest.raises(http1.ConnectionDropped) as info:
            await stream.read(5.0)
        assert info.value.answered
        stream.close()


async def test_a_silent_stream_times_out_per_read() -> None:
    head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
    async with RawServer(lambda n: [head + b"5\r\nhello\r\n"]) as url:  # then nothing more
        _, stream = await open_stream(url, idle=0.2)
        assert await stream.read(0.2) == b"hello"
        with pytest.raises(TimeoutError):
            await stream.read(0.2)
        stream.close()


async def test_a_stream_over_the_limit_is_refused() -> None:
    async with RawServer(lambda n: [chunked(b"x" * 5000, 700)]) as url:
        _, stream = await open_stream(url, limit=4096)
        with pytest.raises(http1.ResponseTooLarge):
            await read_all(stream)
        stream.close()


async def test_a_gzip_stream_is_decompressed() -> None:
    async with RawServer(lambda n: ok(gzip.compress(b"data: 1\n\n" * 20), b"content-encoding: gzip\r\n")) as url:
        _, stream = await open_stream(url)
        assert await read_all(stream) == b"data: 1\n\n" * 20
        stream.close()


async def test_sse_through_the_transport_a_cut_stream_is_an_upstream_error_after_its_events() -> None:
    from turnout.errors import ProviderError, ProviderUnavailableError
    from turnout.providers import transport

    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    event = b'data: {"n": 1}\n\n'
    async with RawServer(lambda n: [head + b"%x\r\n" % len(event) + event + b"\r\n", CLOSE]) as url:
        seen = []
        with pytest.raises(ProviderError) as info:
            async for item in transport.stream_sse(url, {}, headers={}, provider="openai", model="m"):
                seen.append(item)
    assert seen == [(None, {"n": 1})]
    assert not isinstance(info.value, ProviderUnavailableError) and "cut its response short" in info.value.message


@settings(max_examples=40, deadline=None)
@given(extra=st.lists(st.tuples(st.sampled_from(["x-ratelimit-remaining-tokens", "Set-Cookie", "CF-Ray", "Retry-After",
                                                 "retry-after", "Content-Type", "openai-processing-ms", "server"]),
                                st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=20)),
                      max_size=25))
def test_the_headers_kept_are_those_read_with_their_last_value(extra: list[tuple[str, str]]) -> None:
    """Only the headers something reads (``KEPT_HEADERS``) are decoded, with the last value a
    repeated one had, whatever their case and however many others an upstream sends."""
    body = b'{"ok":1}'
    head = b"".join(f"{name}: {value}\r\n".encode() for name, value in extra)
    server = RawServer(lambda n: [b"HTTP/1.1 200 OK\r\n" + head + b"content-length: " + str(len(body)).encode()
                                  + b"\r\n\r\n" + body])
    expected = {"content-length": str(len(body))}
    for name, value in extra:
        if name.lower().encode() in http1.KEPT_HEADERS:
            expected[name.lower()] = value

    async def go() -> http1.Response:
        async with server as url:
            return await post(url)

    response = asyncio.run(go())
    assert (response.body, response.headers) == (body, expected)

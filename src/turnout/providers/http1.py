"""A pooled HTTP/1.1 client for one job: POST a JSON body, read the answer whole or as a stream.

Why not aiohttp for this: a non-streamed call through aiohttp costs ~87 µs of CPU here against
~14 µs for this client (same loop, same upstream; docs/benchmarks.md, "The hot path"), and
that call is most of what the gateway does per request. The parsing is not hand-rolled:
``httptools`` (llhttp, the parser uvicorn and Node use) reads status, headers, chunked and
Content-Length bodies; this module only keeps connections and frames one request at a time.

Streams (``open_stream``) go through it too: aiohttp's streamed POST cost ~0.5 ms more CPU a
request than this one (bench/bench_layers.py, docs/benchmarks.md "Call layers"). What it does
not do, and who does: GETs and anything unusual stay on aiohttp (``transport.py``); no
proxies (the aiohttp session ignores them too: ``trust_env=False``), no redirects, no cookies. A response is refused above ``limit`` bytes like aiohttp's path.

Connections are kept per event loop and per (scheme, host, port). A connection goes back to
the pool only after a complete answer the server did not mark ``close``; a cancelled or failed
request closes its connection (its state is unknown). A request on a reused connection that
the server had closed in the meantime (no byte of an answer came back) is sent once more on a
new connection: that is the keep-alive race every HTTP client retries.
"""

from __future__ import annotations

import asyncio
import ssl
import weakref
import zlib
from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlsplit

import httptools

MAX_IDLE_PER_HOST = 256
STREAM_BUFFER = 1024 * 1024  # unread stream bytes above which the socket is no longer read
_USER_AGENT = b"turnout"


class ResponseTooLarge(Exception):
    """The answer is over the caller's byte limit (the connection is closed)."""


class ConnectionDropped(ConnectionError):
    """The server closed the connection before a complete answer."""

    def __init__(self, message: str, *, answered: bool) -> None:
        super().__init__(message)
        self.answered = answered  # did any byte of an answer arrive?


# The response headers anything reads: the body's framing and encoding (here), the type, and an
# error's Retry-After (transport.py). An OpenAI answer carries some twenty more (rate-limit
# counters, cookies, a CDN's ids): decoding each into the dict cost ~0.3 µs, on every call.
KEPT_HEADERS = frozenset({b"content-length", b"transfer-encoding", b"content-encoding", b"content-type",
                          b"retry-after"})


class Response:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        # ``KEPT_HEADERS`` only, lower-case names; a repeated header keeps its last value
        self.headers = headers
        self.body = body


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request in flight at a time. The answer comes whole
    (``send``) or, with ``streaming``, as its head first and its body as it arrives (``read``)."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[Response] | None = None
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.size = 0
        self.limit = 0
        self.answered = False
        self.headers_done = False
        self.keep_alive = False
        self.closed = False
        self.streaming = False  # the head is answered alone, the body read piece by piece
        self.complete = False  # the whole answer has arrived
        self.error: BaseException | None = None  # why a stream ended early
        self.reader: asyncio.Future[None] | None = None  # a ``read`` waiting for body bytes
        self.buffered = 0  # body bytes a stream's reader has not taken yet
        self.paused = False
        self.inflate: Any = None  # a zlib decompressor, for a stream sent compressed anyway

    # -- asyncio.Protocol ------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.answered = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            # an exception in one of our callbacks comes back wrapped, the original as context
            cause = exc.__context__
            self._fail(cause if isinstance(cause, ResponseTooLarge) else ValueError(f"malformed HTTP response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if (exc is None and self.headers_done and not self.complete and "content-length" not in self.headers
                and "chunked" not in self.headers.get("transfer-encoding", "")):
            self.on_message_complete()  # a body delimited by the end of the connection (HTTP/1.0 style)
            self.keep_alive = False
        self._fail(ConnectionDropped(f"connection closed before the answer ended ({exc or 'EOF'})",
                                     answered=self.answered))

    # -- httptools callbacks ---------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name in KEPT_HEADERS:
            self.headers[name.decode("latin-1")] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.headers_done = True
        length = self.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            raise ResponseTooLarge()
        status = self.parser.get_status_code()
        if self.streaming and status < 400:  # an error's body is read whole, for its message
            if self.headers.get("content-encoding") in ("gzip", "deflate"):
                self.inflate = zlib.decompressobj(47)
            waiter, self.waiter = self.waiter, None
            if waiter is not None and not waiter.done():
                waiter.set_result(Response(status, self.headers, b""))

    def on_body(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise ResponseTooLarge()
        self.body.append(data)
        if self.waiter is None and self.streaming:
            self.buffered += len(data)
            if self.buffered > STREAM_BUFFER and not self.paused and self.transport is not None:
                self.paused = True  # the reader is behind: stop reading the socket until it catches up
                self.transport.pause_reading()
            self._wake()

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()  # only valid inside this callback
        self.complete = True
        waiter, self.waiter = self.waiter, None
        if waiter is None or waiter.done():
            self._wake()
            return
        body = b"".join(self.body)
        self.body = []  # answered whole: nothing left for a stream's reader
        encoding = self.headers.get("content-encoding")
        if encoding in ("gzip", "deflate"):  # never asked for, but some servers send it anyway
            try:
                body = zlib.decompress(body, 47)  # 32 + 15: gzip or zlib header, detected
            except zlib.error as exc:
                waiter.set_exception(ValueError(f"bad {encoding} body: {exc}"))
                return
        waiter.set_result(Response(self.parser.get_status_code(), self.headers, body))

    # -- ours --------------------------------------------------------------------------------
    def _wake(self) -> None:
        reader, self.reader = self.reader, None
        if reader is not None and not reader.done():
            reader.set_result(None)

    def _fail(self, exc: BaseException) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        elif not self.complete and self.error is None:
            self.error = exc  # a stream's reader sees it after the bytes that came before
        self._wake()
        self.close()

    def _timed_out(self) -> None:
        self._fail(TimeoutError())

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def reusable(self) -> bool:
        return not self.closed and self.transport is not None and not self.transport.is_closing()

    def send(self, data: bytes, limit: int, *, streaming: bool = False) -> asyncio.Future[Response]:
        assert self.transport is not None
        self.parser = httptools.HttpResponseParser(self)
        self.headers = {}
        self.body = []
        self.size = 0
        self.limit = limit
        self.answered = False
        self.headers_done = False
        self.keep_alive = False
        self.streaming = streaming
        self.complete = False
        self.error = None
        self.buffered = 0
        self.inflate = None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter

    async def read(self, idle_timeout: float) -> bytes:
        """The body bytes that arrived since the last read (waiting at most ``idle_timeout``
        seconds for some); ``b""`` at the end of the answer."""
        while True:
            if self.body:
                data = self.body[0] if len(self.body) == 1 else b"".join(self.body)
                self.body = []
                self.buffered = 0
                if self.paused and self.transport is not None and not self.closed:
                    self.paused = False
                    self.transport.resume_reading()
                if self.inflate is not None:
                    try:
                        data = self.inflate.decompress(data)
                    except zlib.error as exc:
                        raise ValueError(f"bad compressed stream: {exc}") from None
                if data:
                    return data
                continue
            if self.error is not None:
                raise self.error
            if self.complete:
                return b""
            reader = self.reader = asyncio.get_running_loop().create_future()
            timer = reader.get_loop().call_later(idle_timeout, self._timed_out)
            try:
                await reader
            finally:
                timer.cancel()


class _Pool:
    """Idle connections to one origin."""

    def __init__(self, scheme: str, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.ssl: ssl.SSLContext | None = ssl.create_default_context() if scheme == "https" else None
        default = 443 if scheme == "https" else 80
        self.host_header = (host if port == default else f"{host}:{port}").encode("idna")
        self.idle: list[_Connection] = []

    async def connect(self, timeout: float) -> _Connection:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            _, conn = await loop.create_connection(_Connection, self.host, self.port, ssl=self.ssl,
                                                   server_hostname=self.host if self.ssl else None)
        return conn

    def take(self) -> _Connection | None:
        idle = self.idle
        while idle:
            conn = idle.pop()
            if conn.reusable():
                return conn
        return None

    def give_back(self, conn: _Connection, keep_alive: bool) -> None:
        if keep_alive and conn.reusable() and len(self.idle) < MAX_IDLE_PER_HOST:
            self.idle.append(conn)
        else:
            conn.close()

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()


_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str, int], _Pool]] = (
    weakref.WeakKeyDictionary())


def _pool(url: str) -> tuple[_Pool, bytes]:
    """The pool for ``url``'s origin and the request target (path + query)."""
    loop = asyncio.get_running_loop()
    last_loop, pools = _last
    if last_loop is None or last_loop() is not loop:  # (a WeakKeyDictionary read costs ~1 µs a call)
        pools = _pools.get(loop)
        if pools is None:
            pools = _pools[loop] = {}
        _last[:] = (weakref.ref(loop), pools)
    found = _targets.get(url)  # a deployment's URL is parsed once, not on every call
    if found is not None and pools.get(found[0]) is found[1]:
        return found[1], found[2]
    parts = urlsplit(url)
    scheme, host = parts.scheme, parts.hostname
    if scheme not in ("http", "https") or not host:
        raise ValueError(f"not an http(s) URL with a host: {url!r}")
    port = parts.port or (443 if scheme == "https" else 80)
    pool = pools.get((scheme, host, port))
    if pool is None:
        pool = pools[(scheme, host, port)] = _Pool(scheme, host, port)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if len(_targets) > 1024:  # ad-hoc URLs: stay bounded
        _targets.clear()
    _targets[url] = ((scheme, host, port), pool, target.encode("ascii"))
    return pool, target.encode("ascii")


_targets: dict[str, tuple[tuple[str, str, int], _Pool, bytes]] = {}
# The running loop and its pools, as last looked up (the loop weakly: a closed loop may go).
_last: list[Any] = [None, None]
# A request's head around its content length, per (URL, headers): a deployment sends the same
# head on every call, encoded once here instead of header by header each time.
_heads: dict[tuple[Any, ...], tuple[bytes, bytes]] = {}


def _request(url: str, body: bytes, headers: dict[str, str]) -> tuple[_Pool, bytes]:
    pool, target = _pool(url)
    key = (url, *headers.items())
    head = _heads.get(key)
    if head is None:
        after = [b"\r\n" + name.encode("latin-1") + b": " + value.encode("latin-1") for name, value in headers.items()]
        head = (b"POST " + target + b" HTTP/1.1\r\nhost: " + pool.host_header + b"\r\nuser-agent: " + _USER_AGENT
                + b"\r\ncontent-length: ", b"".join(after) + b"\r\n\r\n")
        if len(_heads) > 256:  # rotated keys, ad-hoc URLs: stay bounded
            _heads.clear()
        _heads[key] = head
    return pool, b"".join((head[0], str(len(body)).encode(), head[1], body))


async def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float, connect_timeout: float,
               limit: int) -> Response:
    """POST ``body`` and return the whole answer (any status). Raises ``asyncio.TimeoutError``
    past ``timeout`` seconds, ``ResponseTooLarge`` above ``limit`` bytes, ``OSError`` /
    ``ConnectionDropped`` when the connection fails, ``ValueError`` on a malformed answer."""
    pool, request = _request(url, body, headers)
    conn, response = await _answer(pool, request, limit, timeout, connect_timeout, streaming=False)
    pool.give_back(conn, conn.keep_alive)
    return response


async def open_stream(url: str, body: bytes, headers: dict[str, str], *, idle_timeout: float,
                      connect_timeout: float, limit: int) -> tuple[Response, Stream]:
    """POST ``body`` and return the answer's head, and its body as a ``Stream`` (an error
    status, 400 and up, comes with its body read whole and an empty stream). The whole
    answer may be at most ``limit`` bytes; each wait for the head or more bytes at most
    ``idle_timeout`` seconds. Raises as ``post`` does, the stream's reads too."""
    pool, request = _request(url, body, headers)
    conn, response = await _answer(pool, request, limit, idle_timeout, connect_timeout, streaming=True)
    return response, Stream(pool, conn)


async def _answer(pool: _Pool, request: bytes, limit: int, timeout: float, connect_timeout: float, *,
                  streaming: bool) -> tuple[_Connection, Response]:
    # The deadline is a timer on the connection, not an ``asyncio.timeout`` scope: no task
    # cancellation to undo, and it costs one timer handle a call.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    conn = pool.take()
    reused = conn is not None
    while True:
        if conn is None:
            conn = await pool.connect(min(connect_timeout, max(0.0, deadline - loop.time())))
        # the exchange, here rather than in a coroutine of its own (one less on every call)
        waiter = conn.send(request, limit, streaming=streaming)
        timer = loop.call_at(deadline, conn._timed_out)
        try:
            return conn, await waiter
        except ConnectionDropped as exc:
            conn.close()
            if exc.answered or not reused:
                raise
            # the server closed this idle connection as we wrote: once more, on a new one
        except BaseException:  # cancelled, timed out, too large, malformed: state unknown
            conn.close()
            raise
        finally:
            timer.cancel()
        conn, reused = None, False


class Stream:
    """The body of a streamed answer. Closing it gives the connection back to its pool when
    the whole answer was read, and closes it otherwise."""

    __slots__ = ("_conn", "_pool")

    def __init__(self, pool: _Pool, conn: _Connection) -> None:
        self._pool, self._conn = pool, conn

    def read(self, idle_timeout: float) -> Awaitable[bytes]:
        """The bytes that arrived since the last read; ``b""`` at the end."""
        return self._conn.read(idle_timeout)

    def close(self) -> None:
        conn = self._conn
        if conn.complete and conn.error is None:
            self._pool.give_back(conn, conn.keep_alive)
        else:
            conn.close()


def close_pools() -> None:
    """Close the running loop's idle connections (the gateway's shutdown)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    _last[:] = (None, None)
    for pool in (_pools.pop(loop, None) or {}).values():
        pool.close()


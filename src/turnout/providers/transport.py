"""The HTTP client every cloud/remote provider shares: JSON POST, SSE and NDJSON streams,
and the one place where transport failures and HTTP error statuses become turnout errors.

aiohttp, because it adds the least per-request CPU of the mature Python clients (the gateway's
overhead budget is a fraction of a millisecond). One ``ClientSession`` per event loop: sessions
cannot cross loops, and library users may call from several (the sync portal has its own).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import orjson

from turnout.errors import (
    BadRequestError,
    ProviderError,
    ProviderUnavailableError,
    TimeoutError,
    TurnoutError,
    error_from_status,
    parse_retry_after,
)
from turnout.providers import http1

DEFAULT_TIMEOUT_S = 600.0
# The most an upstream may send for one response (a body, or a whole stream). Above it the
# request fails with a 502 instead of the gateway buffering without bound. Configurable:
# ``server.max_upstream_response_bytes`` or ``TURNOUT_MAX_UPSTREAM_RESPONSE_BYTES``.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
ERROR_BODY_BYTES = 64 * 1024  # of an upstream error body, kept for the message
_limit: list[int] = []  # set_response_limit's value; empty: the environment or the default

log = logging.getLogger("turnout.providers")


def set_response_limit(max_bytes: int | None) -> None:
    """Set the process-wide upstream response limit (None: back to the default)."""
    _limit.clear()
    if max_bytes is not None:
        if max_bytes <= 0:
            raise ValueError("the upstream response limit must be > 0 bytes")
        _limit.append(int(max_bytes))


def response_limit() -> int:
    """The limit set by ``set_response_limit``, else the environment's (read once per process:
    this is on every call), else the default."""
    if _limit:
        return _limit[0]
    if not _env_limit:
        from turnout.settings import env

        value = env("TURNOUT_MAX_UPSTREAM_RESPONSE_BYTES")
        _env_limit.append(int(value) if value and value.isdigit() and int(value) > 0 else DEFAULT_MAX_RESPONSE_BYTES)
    return _env_limit[0]


_env_limit: list[int] = []


class ResponseTooLargeError(ProviderError):
    code = "upstream_response_too_large"


def _too_large(provider: str, model: str | None, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{provider} sent a response larger than the gateway's limit of {limit} bytes "
        "(server.max_upstream_response_bytes)", provider=provider, model=model)

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = (
    weakref.WeakKeyDictionary()
)


_closers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[AsyncIterator[None], asyncio.Task[None]]] = (
    weakref.WeakKeyDictionary())


async def _close_with_loop(session: aiohttp.ClientSession) -> AsyncIterator[None]:
    """An async generator parked for the loop's lifetime: ``asyncio.run`` closes pending async
    generators when it ends (``shutdown_asyncgens``), which runs this ``finally`` and closes the
    session cleanly, even though the caller never closes anything."""
    try:
        yield
    finally:
        if not session.closed:
            await session.close()


def _session() -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, enable_cleanup_closed=True)
        session = aiohttp.ClientSession(
            connector=connector,
            json_serialize=lambda o: orjson.dumps(o).decode(),
            auto_decompress=True,
            trust_env=False,
        )
        _sessions[loop] = session
        closer = _close_with_loop(session)
        _closers[loop] = (closer, loop.create_task(closer.__anext__()))  # type: ignore[arg-type]
    return session


async def close_sessions() -> None:
    """Close the session of the running loop (the gateway calls this on shutdown)."""
    loop = asyncio.get_running_loop()
    http1.close_pools()
    session = _sessions.pop(loop, None)
    if session is not None and not session.closed:
        await session.close()


def _timeout(timeout: float | None) -> aiohttp.ClientTimeout:
    total = DEFAULT_TIMEOUT_S if timeout is None else timeout
    return aiohttp.ClientTimeout(total=total, sock_connect=min(total, 10.0))


def _stream_timeout(timeout: float | None) -> aiohttp.ClientTimeout:
    """A stream may run long while healthy: limit the wait for each read, not the total."""
    idle = DEFAULT_TIMEOUT_S if timeout is None else timeout
    return aiohttp.ClientTimeout(total=None, sock_connect=min(idle, 10.0), sock_read=idle)


def _error_message(body: Any, text: str) -> tuple[str, str | None]:
    """Pull the human message and code out of the common error bodies."""
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            msg = err.get("message") or err.get("error") or text
            code = err.get("code") or err.get("type")
            return str(msg), (str(code) if code is not None else None)
        if isinstance(err, str):
            return err, None
    return text[:500] or "no error body", None


async def _read_limited(resp: aiohttp.ClientResponse, limit: int, *, provider: str, model: str | None,
                        truncate: bool = False) -> bytes:
    """The body, refusing (or, with ``truncate``, cutting) anything over ``limit`` bytes."""
    length = resp.content_length
    if length is not None and length > limit and not truncate:
        raise _too_large(provider, model, limit)
    pieces: list[bytes] = []
    size = 0
    async for data in resp.content.iter_any():
        size += len(data)
        if size > limit:
            if truncate:
                pieces.append(data[: len(data) - (size - limit)])
                break
            raise _too_large(provider, model, limit)
        pieces.append(data)
    return b"".join(pieces)


async def raise_for_status(resp: aiohttp.ClientResponse, *, provider: str, model: str | None) -> None:
    if resp.status < 400:
        return
    raw = await _read_limited(resp, ERROR_BODY_BYTES, provider=provider, model=model, truncate=True)
    raise _status_error(resp.status, raw, resp.headers.get("retry-after"), provider=provider, model=model)


def _status_error(status: int, raw: bytes, retry_after: str | None, *, provider: str,
                  model: str | None) -> TurnoutError:
    text = raw[:ERROR_BODY_BYTES].decode(errors="replace")
    try:
        body: Any = orjson.loads(text)
    except orjson.JSONDecodeError:
        body = None
    message, code = _error_message(body, text)
    return error_from_status(
        status,
        message,
        provider=provider,
        model=model,
        raw=body if body is not None else text,
        retry_after=parse_retry_after(retry_after),
        code=code,
    )


def _map_transport_error(exc: BaseException, *, provider: str, model: str | None, url: str) -> TurnoutError:
    """The caller's error. Upstream URLs and socket details are internal: they go to the log,
    never into what the caller sees."""
    if isinstance(exc, TurnoutError):
        return exc
    if isinstance(exc, orjson.JSONEncodeError):  # before ValueError/TypeError: the request itself
        return BadRequestError(f"the request cannot be sent to {provider}: {exc}", provider=provider, model=model)
    log.warning("%s call to %s failed: %r", provider, url, exc)
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return TimeoutError(f"{provider} did not answer in time", provider=provider, model=model)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return ProviderError(f"{provider} cut its response short ({type(exc).__name__})",
                             provider=provider, model=model)
    if isinstance(exc, aiohttp.ClientConnectionError | OSError):
        return ProviderUnavailableError(
            f"{provider} is unreachable (connection failed: {type(exc).__name__})", provider=provider, model=model
        )
    if isinstance(exc, orjson.JSONDecodeError | ValueError):
        return ProviderError(f"{provider} sent a malformed response: {exc}", provider=provider, model=model)
    return ProviderError(f"{provider} request failed ({type(exc).__name__})", provider=provider, model=model)


def post_json(
    url: str,
    body: dict[str, Any],
    *,
    headers: dict[str, str],
    provider: str,
    model: str | None,
    timeout: float | None = None,
) -> Awaitable[dict[str, Any]]:
    """POST ``body`` as JSON and return the JSON object answered (a plain function handing
    back the client's coroutine: one coroutine less on every call)."""
    if use_http1():
        return _post_json_http1(url, body, headers=headers, provider=provider, model=model, timeout=timeout)
    return _post_json_aiohttp(url, body, headers=headers, provider=provider, model=model, timeout=timeout)


async def _post_json_aiohttp(url: str, body: dict[str, Any], *, headers: dict[str, str], provider: str,
                             model: str | None, timeout: float | None) -> dict[str, Any]:
    try:
        async with _session().post(
            url, data=orjson.dumps(body), headers={"content-type": "application/json", **headers},
            timeout=_timeout(timeout),
        ) as resp:
            await raise_for_status(resp, provider=provider, model=model)
            data = await _read_limited(resp, response_limit(), provider=provider, model=model)
        parsed = orjson.loads(data)
        if not isinstance(parsed, dict):
            raise ProviderError(f"{provider} answered with a non-object JSON body", provider=provider, model=model, raw=parsed)
        return parsed
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
            raise
        raise _map_transport_error(exc, provider=provider, model=model, url=url) from exc


def use_http1() -> bool:
    """Plain JSON POSTs go through ``http1`` (~70 µs less CPU a call than aiohttp, measured in
    docs/benchmarks.md) unless ``TURNOUT_HTTP_CLIENT=aiohttp`` (read once per process)."""
    if not _client_choice:
        from turnout.settings import env

        _client_choice.append((env("TURNOUT_HTTP_CLIENT") or "http1").strip().lower() != "aiohttp")
    return _client_choice[0]


_client_choice: list[bool] = []


async def _post_json_http1(url: str, body: dict[str, Any], *, headers: dict[str, str], provider: str,
                           model: str | None, timeout: float | None) -> dict[str, Any]:
    total = DEFAULT_TIMEOUT_S if timeout is None else timeout
    limit = response_limit()
    try:
        resp = await http1.post(url, orjson.dumps(body), {"content-type": "application/json", **headers},
                                timeout=total, connect_timeout=min(total, 10.0), limit=limit)
        if resp.status >= 400:
            raise _status_error(resp.status, resp.body, resp.headers.get("retry-after"), provider=provider,
                                model=model)
        parsed = orjson.loads(resp.body)
        if not isinstance(parsed, dict):
            raise ProviderError(f"{provider} answered with a non-object JSON body", provider=provider, model=model,
                                raw=parsed)
        return parsed
    except http1.ResponseTooLarge:
        raise _too_large(provider, model, limit) from None
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
            raise
        raise _map_transport_error(exc, provider=provider, model=model, url=url) from exc


async def get_json(url: str, *, headers: dict[str, str], provider: str, timeout: float = 5.0) -> Any:
    try:
        async with _session().get(url, headers=headers, timeout=_timeout(timeout)) as resp:
            await raise_for_status(resp, provider=provider, model=None)
            return orjson.loads(await _read_limited(resp, response_limit(), provider=provider, model=None))
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
            raise
        raise _map_transport_error(exc, provider=provider, model=None, url=url) from exc


class LineSplitter:
    """Complete lines out of a streamed body's blocks, in time linear in its size (each byte is
    looked at and copied a bounded number of times, however the upstream cuts the body), and at
    most ``response_limit()`` bytes in all. One call per block, not one generator step per line:
    a streamed answer's every chunk goes through here."""

    __slots__ = ("_limit", "_model", "_pending", "_provider", "_size")

    def __init__(self, *, provider: str, model: str | None) -> None:
        self._pending: list[bytes] = []  # the start of a line that has not ended yet
        self._size = 0
        self._limit = response_limit()
        self._provider, self._model = provider, model

    def feed(self, data: bytes) -> list[bytes]:
        self._size += len(data)
        if self._size > self._limit:
            raise _too_large(self._provider, self._model, self._limit)
        nl = data.rfind(b"\n")
        if nl < 0:
            if data:
                self._pending.append(data)
            return []
        body = data[:nl]
        if self._pending:
            self._pending.append(body)
            body = b"".join(self._pending)
            self._pending = []
        if nl + 1 < len(data):
            self._pending.append(data[nl + 1:])
        lines = body.split(b"\n")
        if b"\r" in body:
            lines = [line.rstrip(b"\r") for line in lines]
        return lines

    def end(self) -> list[bytes]:
        """The last line when the body did not end with a newline."""
        if not self._pending:
            return []
        return [b"".join(self._pending).rstrip(b"\r")]


async def _open_stream(url: str, body: dict[str, Any], headers: dict[str, str], timeout: float | None, *,
                       provider: str, model: str | None, accept: dict[str, str] | None = None,
                       ) -> tuple[Callable[[], Awaitable[bytes]], Callable[[], Any]]:
    """POST for a stream: ``(read, close)`` once the upstream answered 2xx or 3xx; ``read()``
    returns the next bytes, ``b""`` at the end. Through ``http1`` unless
    ``TURNOUT_HTTP_CLIENT=aiohttp``; either way each read waits at most ``timeout``."""
    idle = DEFAULT_TIMEOUT_S if timeout is None else timeout
    accept = _SSE_HEADERS if accept is None else accept
    if use_http1():
        limit = response_limit()
        try:
            resp, stream = await http1.open_stream(url, orjson.dumps(body), {**accept, **headers},
                                                   idle_timeout=idle, connect_timeout=min(idle, 10.0), limit=limit)
        except http1.ResponseTooLarge:
            raise _too_large(provider, model, limit) from None
        if resp.status >= 400:
            stream.close()
            raise _status_error(resp.status, resp.body, resp.headers.get("retry-after"), provider=provider,
                                model=model)
        return functools.partial(stream.read, idle), stream.close
    response = await _session().post(url, data=orjson.dumps(body), headers={**accept, **headers},
                                     timeout=_stream_timeout(timeout))
    try:
        await raise_for_status(response, provider=provider, model=model)
    except BaseException:
        response.release()
        raise
    return response.content.readany, response.release


_SSE_HEADERS = {"content-type": "application/json", "accept": "text/event-stream"}
_NDJSON_HEADERS = {"content-type": "application/json"}


async def stream_sse(
    url: str,
    body: dict[str, Any],
    *,
    headers: dict[str, str],
    provider: str,
    model: str | None,
    timeout: float | None = None,
) -> AsyncIterator[tuple[str | None, Any]]:
    """Yield ``(event, data)`` per Server-Sent Event; ``data`` is parsed JSON, or the raw
    string for non-JSON payloads such as ``[DONE]``."""
    try:
        read, close = await _open_stream(url, body, headers, timeout, provider=provider, model=model)
        try:
            # The line reader is inlined (one call per block, not a generator per line): every
            # streamed chunk passes through here.
            splitter = LineSplitter(provider=provider, model=model)
            event: str | None = None
            data_lines: list[bytes] = []
            ended = False
            while not ended:
                block = await read()
                if block:
                    lines = splitter.feed(block)
                else:
                    lines, ended = splitter.end(), True
                for line in lines:
                    if not line:
                        if data_lines:
                            data = data_lines[0] if len(data_lines) == 1 else b"\n".join(data_lines)
                            try:  # _decode, inlined: once per streamed chunk
                                value = orjson.loads(data)
                            except orjson.JSONDecodeError:  # [DONE] and other non-JSON payloads
                                value = data.decode(errors="replace")
                            yield event, value
                        event, data_lines = None, []
                    elif line.startswith(b"data:"):
                        data_lines.append(line[5:].lstrip())
                    elif line.startswith(b"event:"):
                        event = line[6:].strip().decode()
                    # comments (":") and other fields (id:, retry:) are ignored
            if data_lines:
                yield event, _decode(b"\n".join(data_lines))
        finally:
            close()
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt | GeneratorExit):
            raise
        raise _stream_error(exc, provider=provider, model=model, url=url) from exc


def _stream_error(exc: BaseException, *, provider: str, model: str | None, url: str) -> TurnoutError:
    """The caller's error for a stream that failed (opening it, or part way through)."""
    if isinstance(exc, http1.ResponseTooLarge):
        return _too_large(provider, model, response_limit())
    if isinstance(exc, http1.ConnectionDropped) and exc.answered:  # as aiohttp's ClientPayloadError
        log.warning("%s call to %s failed: %r", provider, url, exc)
        return ProviderError(f"{provider} cut its response short ({type(exc).__name__})",
                             provider=provider, model=model)
    return _map_transport_error(exc, provider=provider, model=model, url=url)


async def stream_ndjson(
    url: str,
    body: dict[str, Any],
    *,
    headers: dict[str, str],
    provider: str,
    model: str | None,
    timeout: float | None = None,
) -> AsyncIterator[Any]:
    """Yield one parsed JSON value per line (Ollama's streaming format). Through ``http1``
    like SSE streams (``_open_stream``), unless ``TURNOUT_HTTP_CLIENT=aiohttp``."""
    try:
        read, close = await _open_stream(url, body, headers, timeout, provider=provider, model=model,
                                         accept=_NDJSON_HEADERS)
        try:
            splitter = LineSplitter(provider=provider, model=model)
            ended = False
            while not ended:
                block = await read()
                if block:
                    lines = splitter.feed(block)
                else:
                    lines, ended = splitter.end(), True
                for line in lines:
                    if line.strip():
                        yield orjson.loads(line)
        finally:
            close()
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt | GeneratorExit):
            raise
        raise _stream_error(exc, provider=provider, model=model, url=url) from exc


def _decode(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return data.decode(errors="replace")

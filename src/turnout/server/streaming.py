"""Sending a routed stream, the one way every door does it: events in the door's format while
the client listens; when it goes away, stop the upstream generation and account what was used.

``/v1/chat/completions`` (``server/app.py``) and the other doors (``server/doors/``) differ only
in their ``EventWriter``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from turnout import metrics
from turnout.errors import TurnoutError
from turnout.gateway import GatewayStream

log = logging.getLogger("turnout.server")

SSE_HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache"),
               (b"x-accel-buffering", b"no")]


class EventWriter:
    """A door's stream format: bytes before the first chunk, per chunk, at the end, on error.
    A writer with more to do at the end (store the answer) may have an async ``aend`` instead."""

    def start(self) -> bytes:
        return b""

    def feed(self, chunk: dict[str, Any]) -> bytes:
        raise NotImplementedError

    def end(self) -> bytes:
        return b""

    def error(self, exc: TurnoutError) -> bytes:
        raise NotImplementedError


async def pump(routed: GatewayStream, writer: Any, receive: Callable[..., Any], send: Callable[..., Any],
               headers: list[tuple[bytes, bytes]]) -> None:
    """Send ``routed`` as a 200 event stream through ``writer``; an error after the first byte
    ends the stream in-band, in the writer's shape (never a dropped connection)."""
    await send({"type": "http.response.start", "status": 200, "headers": [*SSE_HEADERS, *headers]})

    async def produce() -> None:
        head = writer.start()
        if head:
            await send({"type": "http.response.body", "body": head, "more_body": True})
        try:
            feed = writer.feed
            async for chunk in routed.chunks():
                data = feed(chunk)
                if data:
                    await send({"type": "http.response.body", "body": data, "more_body": True})
            tail = await writer.aend() if hasattr(writer, "aend") else writer.end()
        except TurnoutError as exc:  # after the first byte: report in-band, in the door's shape
            metrics.record_error(type(exc).__name__, exc.status_code)
            tail = writer.error(exc)
        except Exception:  # a bug of ours after the first byte: log it, end the stream cleanly
            log.exception("unhandled error in a stream")
            tail = writer.error(TurnoutError("internal error in the turnout gateway"))
        await send({"type": "http.response.body", "body": tail, "more_body": False})

    await until_disconnect(produce(), receive, routed)


async def until_disconnect(produce: Coroutine[Any, Any, None], receive: Callable[[], Awaitable[Any]],
                           routed: GatewayStream) -> None:
    """Run ``produce`` (which sends the stream) until it ends or the client disconnects."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    producer = asyncio.ensure_future(produce)
    watcher = asyncio.ensure_future(disconnected())
    try:
        done, _ = await asyncio.wait({producer, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if producer not in done:
            # The client went away: stop the upstream generation, account what was used.
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError, TurnoutError):
                await producer
        else:
            producer.result()
    finally:
        watcher.cancel()
        if not producer.done():
            producer.cancel()
        # However the producer ended (finished, cancelled, or raised), close the routed stream
        # here: a no-op after a complete one, and otherwise the record is written now rather
        # than whenever the garbage collector finalises the abandoned generator.
        await routed.cancelled()

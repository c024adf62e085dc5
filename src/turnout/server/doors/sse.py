"""Send a routed stream to the client in a door's own event format, stopping the upstream
when the client goes away (the same contract as ``/v1/chat/completions``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from turnout import metrics
from turnout.errors import TurnoutError
from turnout.gateway import GatewayStream

log = logging.getLogger("turnout.server")

SSE_HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache"),
               (b"x-accel-buffering", b"no")]


class EventWriter:
    """A door's stream format: bytes before the first chunk, per chunk, at the end, on error."""

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
    await send({"type": "http.response.start", "status": 200, "headers": [*SSE_HEADERS, *headers]})

    async def produce() -> None:
        head = writer.start()
        if head:
            await send({"type": "http.response.body", "body": head, "more_body": True})
        try:
            async for chunk in routed.chunks():
                data = writer.feed(chunk)
                if data:
                    await send({"type": "http.response.body", "body": data, "more_body": True})
            # a writer with more to do at the end (store the answer) has an async ``aend``
            tail = await writer.aend() if hasattr(writer, "aend") else writer.end()
        except TurnoutError as exc:  # after the first byte: report in-band, in the door's shape
            metrics.record_error(type(exc).__name__, exc.status_code)
            tail = writer.error(exc)
        except Exception:  # a bug of ours after the first byte: log it, end the stream cleanly
            log.exception("unhandled error in a stream")
            tail = writer.error(TurnoutError("internal error in the turnout gateway"))
        await send({"type": "http.response.body", "body": tail, "more_body": False})

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    producer = asyncio.ensure_future(produce())
    watcher = asyncio.ensure_future(disconnected())
    try:
        done, _ = await asyncio.wait({producer, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if producer not in done:
            # The client went away: stop the upstream generation, account what was used.
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError, TurnoutError):
                await producer
            await routed.cancelled()
        else:
            producer.result()
    finally:
        watcher.cancel()
        if not producer.done():
            producer.cancel()

"""The one contract every streamed door keeps: send while the client listens; when it goes
away, stop the upstream generation and account what was used."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from turnout.errors import TurnoutError
from turnout.gateway import GatewayStream


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
            await routed.cancelled()
        else:
            producer.result()
    finally:
        watcher.cancel()
        if not producer.done():
            producer.cancel()

"""Run turnout's async code from synchronous callers.

One event loop in a daemon thread serves every sync call (``turnout.completion``), so HTTP
connections stay pooled across calls and nothing pays for a new loop per request, as
``asyncio.run`` would.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import queue
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()
_DONE = object()


def _portal_loop() -> asyncio.AbstractEventLoop:
    global _loop
    if _loop is not None:
        return _loop
    with _lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="turnout-portal", daemon=True)
            thread.start()
            _loop = loop
            atexit.register(_close_portal)
    return _loop


def _close_portal() -> None:
    """Close the portal loop's HTTP sessions at exit (its thread is a daemon: never joined)."""
    from turnout.providers.transport import close_sessions

    if _loop is not None and _loop.is_running():
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close_sessions(), _loop).result(timeout=2)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on the portal loop and wait for its result."""
    return asyncio.run_coroutine_threadsafe(coro, _portal_loop()).result()


def iterate(agen: AsyncIterator[T]) -> Iterator[T]:
    """Drive an async iterator on the portal loop, yielding its items here.

    Closing the returned generator early (``break``) closes the async iterator too, so an
    abandoned stream stops its upstream generation.
    """
    loop = _portal_loop()
    items: queue.SimpleQueue[Any] = queue.SimpleQueue()

    async def pump() -> None:
        try:
            async for item in agen:
                items.put(item)
        except BaseException as exc:  # handed to the consumer, re-raised there
            items.put(exc)
            return
        finally:
            aclose = getattr(agen, "aclose", None)
            if aclose is not None:
                await aclose()
        items.put(_DONE)

    future = asyncio.run_coroutine_threadsafe(pump(), loop)
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if not future.done():
            future.cancel()

"""Redis cache (redis-py asyncio): one cache shared by several gateway processes.

If Redis goes away, requests go on without a cache: ``get`` answers a miss and ``set`` does
nothing, the backend turns ``healthy = False``, logs once, counts ``errors``, and stops trying
for a short while (backing off from 1 s to 30 s) so an outage costs no per-request connect
timeout. The next try after that reconnects by itself (redis-py's pool opens a new connection).

Round trips: reads and writes go through the process's batcher for this Redis URL
(``turnout.limits.batch``), shared with the limit store when it uses the same Redis: the reads
of every request of one event-loop turn, and their admissions, travel in one pipeline, over a
bounded pool of connections (a burst waits for a connection instead of opening one per
operation). ``set`` does not wait for Redis: the write rides along with the next pipeline (or
goes after 10 ms at most); this process's later reads are sent after it, so they
see it. Anything else touching the client directly (the semantic index) first waits for the
writes queued before it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from turnout.cache.backend import CacheBackend, check_key, check_namespace
from turnout.limits.batch import SharedBatcher

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisBackend"]

log = logging.getLogger("turnout.cache")
T = TypeVar("T")

_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


def _glob_escape(text: str) -> str:
    return _GLOB_SPECIAL.sub(r"\\\1", text)


class RedisBackend(CacheBackend):
    name = "redis"

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "turnout:cache:",
        connect_timeout_s: float = 0.25,
        op_timeout_s: float = 0.5,
        min_backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        client: Redis | None = None,
    ) -> None:
        super().__init__()
        from redis.exceptions import RedisError

        self.url = url
        self.prefix = prefix
        # Fails fast (no retries); our own backoff decides when to try again.
        self._shared = SharedBatcher(url, connect_timeout_s=connect_timeout_s, timeout_s=op_timeout_s,
                                     client=client)
        self._errors = (RedisError, OSError, TimeoutError)
        self.min_backoff_s = min_backoff_s
        self.max_backoff_s = max_backoff_s
        self._backoff_s = min_backoff_s
        self._retry_at = 0.0

    @property
    def client(self) -> Redis:
        """The redis-py client (bytes answers, bounded pool) under this backend's batcher."""
        client: Redis = self._shared.client
        return client

    def shares_batcher(self, shared: SharedBatcher) -> bool:
        """True when the limit store's ``shared`` batcher is this backend's too (same Redis)."""
        return self._shared.same(shared)

    def k(self, key: str) -> str:
        """The Redis key for a cache key (the backend's prefix + the key)."""
        return self.prefix + key

    async def call(self, op: Callable[[], Awaitable[T]], default: T) -> T:
        """Run one Redis operation with the outage policy, after the writes queued before it;
        shared with the semantic index (which uses the client directly)."""
        batch = self._shared.get()
        if batch.pending and not self._backing_off():
            await batch.flush()
        return await self._guarded(op, default)

    def _backing_off(self) -> bool:
        return not self.healthy and time.monotonic() < self._retry_at

    async def _guarded(self, op: Callable[[], Awaitable[T]], default: T) -> T:
        if self._backing_off():
            return default
        try:
            result = await op()
        except self._errors as exc:
            self._failed(exc)
            return default
        self._succeeded()
        return result

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, self._errors):  # cancelled at shutdown: not an outage
            return
        self.errors += 1
        if self.healthy:
            log.warning("redis cache %s unavailable (%s: %s); serving misses, retrying in the background",
                        self.url, type(exc).__name__, exc)
            self._backoff_s = self.min_backoff_s
        else:
            self._backoff_s = min(self._backoff_s * 2, self.max_backoff_s)
        self.healthy = False
        self._retry_at = time.monotonic() + self._backoff_s

    def _succeeded(self) -> None:
        if not self.healthy:
            log.info("redis cache %s is back", self.url)
            self.healthy = True
            self._backoff_s = self.min_backoff_s

    async def get(self, key: str) -> bytes | None:
        batch = self._shared.get()
        value: Any = await self._guarded(lambda: batch.call("GET", self.k(key)), None)
        return bytes(value) if value is not None else None

    async def set(self, key: str, value: bytes, ttl_s: float | None) -> None:
        check_key(key)
        if self._backing_off():
            return
        expiry = ("PX", max(1, int(ttl_s * 1000))) if ttl_s is not None else ()
        # Nobody waits for a cache write: it goes with the next pipeline (see the module doc).
        self._shared.get().defer(("SET", self.k(key), bytes(value), *expiry), self._failed)

    async def delete(self, key: str) -> None:
        batch = self._shared.get()
        await self._guarded(lambda: batch.call("UNLINK", self.k(key)), None)

    async def flush(self) -> None:
        """Wait until this process's queued writes have reached Redis."""
        await self._shared.get().flush()

    async def clear(self, namespace: str | None = None) -> None:
        pattern = _glob_escape(self.prefix)
        pattern += (check_namespace(namespace) + ":*") if namespace is not None else "*"

        async def op() -> None:
            batch: list[Any] = []
            async for key in self.client.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    await self.client.unlink(*batch)
                    batch = []
            if batch:
                await self.client.unlink(*batch)

        await self.call(op, None)

    async def aclose(self) -> None:
        try:
            await self._shared.release()
        except Exception:  # closing a dead connection may raise; there is nothing left to do
            log.debug("error closing redis cache client", exc_info=True)

"""Redis cache (redis-py asyncio): one cache shared by several gateway processes.

If Redis goes away, requests go on without a cache: ``get`` answers a miss and ``set`` does
nothing, the backend turns ``healthy = False``, logs once, counts ``errors``, and stops trying
for a short while (backing off from 1 s to 30 s) so an outage costs no per-request connect
timeout. The next try after that reconnects by itself (redis-py's pool opens a new connection).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from turnout.cache.backend import CacheBackend, check_key, check_namespace

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
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.url = url
        self.prefix = prefix
        self.client: Redis = client or Redis.from_url(
            url,
            socket_connect_timeout=connect_timeout_s,
            socket_timeout=op_timeout_s,
            # fail fast and let our own backoff decide when to try again
            retry=Retry(NoBackoff(), 0),
            health_check_interval=30,
        )
        self.min_backoff_s = min_backoff_s
        self.max_backoff_s = max_backoff_s
        self._backoff_s = min_backoff_s
        self._retry_at = 0.0

    def k(self, key: str) -> str:
        """The Redis key for a cache key (the backend's prefix + the key)."""
        return self.prefix + key

    async def call(self, op: Callable[[], Awaitable[T]], default: T) -> T:
        """Run one Redis operation with the outage policy; shared with the semantic index."""
        from redis.exceptions import RedisError

        if not self.healthy and time.monotonic() < self._retry_at:
            return default
        try:
            result = await op()
        except (RedisError, OSError, TimeoutError) as exc:
            self.errors += 1
            if self.healthy:
                log.warning("redis cache %s unavailable (%s: %s); serving misses, retrying in the background",
                            self.url, type(exc).__name__, exc)
                self._backoff_s = self.min_backoff_s
            else:
                self._backoff_s = min(self._backoff_s * 2, self.max_backoff_s)
            self.healthy = False
            self._retry_at = time.monotonic() + self._backoff_s
            return default
        if not self.healthy:
            log.info("redis cache %s is back", self.url)
            self.healthy = True
            self._backoff_s = self.min_backoff_s
        return result

    async def get(self, key: str) -> bytes | None:
        value: Any = await self.call(lambda: self.client.get(self.k(key)), None)
        return bytes(value) if value is not None else None

    async def set(self, key: str, value: bytes, ttl_s: float | None) -> None:
        check_key(key)
        px = max(1, int(ttl_s * 1000)) if ttl_s is not None else None
        await self.call(lambda: self.client.set(self.k(key), bytes(value), px=px), None)

    async def delete(self, key: str) -> None:
        await self.call(lambda: self.client.unlink(self.k(key)), None)

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
            await self.client.aclose()
        except Exception:  # closing a dead connection may raise; there is nothing left to do
            log.debug("error closing redis cache client", exc_info=True)

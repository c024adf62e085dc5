"""The Redis cache under a burst: pooled connections and shared pipelines, with the production
timeouts (0.25 s connect). Before the bounded pool, 100 operations at once opened 100
connections, and on a loaded machine some connects took longer than 0.25 s: misses for 1 s."""

from __future__ import annotations

import asyncio
import os

import pytest

from turnout.cache.redis_backend import RedisBackend

from .conftest import REDIS_URL, drop_redis_prefix, redis_prefix

pytestmark = pytest.mark.redis

BURST = 100


def _connections(backend: RedisBackend) -> int:
    pool = backend.client.connection_pool
    return len(pool._available_connections) + len(pool._in_use_connections)


async def test_a_burst_shares_pipelines_and_a_bounded_pool() -> None:
    backend = RedisBackend(REDIS_URL, prefix=redis_prefix())
    try:
        values = {f"ns:burst{i}": os.urandom(64) for i in range(BURST)}
        batch = backend._shared.get()
        await asyncio.gather(*(backend.set(k, v, 60) for k, v in values.items()))
        got = await asyncio.gather(*(backend.get(k) for k in values))
        assert got == list(values.values())  # this process's reads come after its writes
        assert batch.pipelines <= 2  # 200 operations: the writes ride along with the reads

        # The semantic index's way: straight to the client, all at once. They queue for one of
        # the pool's connections instead of each opening its own.
        client = backend.client
        direct = await asyncio.gather(*(backend.call(lambda k=k: client.get(backend.k(k)), None) for k in values))
        assert direct == list(values.values())
        assert backend.healthy and backend.errors == 0
        assert _connections(backend) <= client.connection_pool.max_connections < BURST
    finally:
        await drop_redis_prefix(backend)
        await backend.aclose()


async def test_stores_on_one_redis_share_one_batcher(redis_prefix_limits: str) -> None:
    from turnout.limits.redis_store import RedisLimitStore

    cache = RedisBackend(REDIS_URL, prefix=redis_prefix())
    limits = RedisLimitStore(REDIS_URL, prefix=redis_prefix_limits)
    try:
        assert cache.client is limits.redis
    finally:
        await cache.aclose()
        await limits.aclose()
    # the last one closed it: a new store gets a new one
    again = RedisBackend(REDIS_URL, prefix=redis_prefix())
    try:
        assert await again.get("ns:nothing") is None and again.healthy
    finally:
        await again.aclose()


@pytest.fixture
def redis_prefix_limits() -> str:
    import secrets

    return f"turnout-test-{secrets.token_hex(6)}"

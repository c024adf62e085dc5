"""Fixtures for the limit and health stores: a fake clock, and Redis under a unique prefix."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"
# 2030-01-15 12:00:00 UTC: a fixed instant, so window resets are known exactly.
T0 = 1894708800.0


class FakeClock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def purge(prefix: str) -> int:
    """Delete every key under ``{prefix}``."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        keys = list(client.scan_iter(match="{" + prefix + "}*", count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A unique key prefix for this test; every key under it is deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except Exception as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    finally:
        client.close()
    prefix = f"turnout-test-{secrets.token_hex(6)}"
    yield prefix
    purge(prefix)


StoreFactory = Callable[..., Any]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def make_limits(
    request: pytest.FixtureRequest, clock: FakeClock
) -> AsyncIterator[StoreFactory]:
    """Builds limit stores on each backend (all of one test share state, like processes do)."""
    made: list[Any] = []
    if request.param == "memory":
        from turnout.limits import MemoryLimitStore

        shared: Any = None

        def factory(**kw: Any) -> Any:
            nonlocal shared
            kw.setdefault("clock", clock)
            if shared is None:
                shared = MemoryLimitStore(**kw)
            return shared

        yield factory
        return
    prefix = request.getfixturevalue("redis_prefix")
    from turnout.limits.redis_store import RedisLimitStore

    def rfactory(**kw: Any) -> Any:
        kw.setdefault("clock", clock)
        store = RedisLimitStore(REDIS_URL, prefix=prefix, **kw)
        made.append(store)
        return store

    yield rfactory
    for store in made:
        await store.aclose()

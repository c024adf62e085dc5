"""Issue #17: how many Redis round trips one gateway request costs with budgets, rate limits,
health and the response cache all shared through Redis.

A round trip is one ``send_packed_command`` on a redis-py connection (a pipeline or a script
call is one; a NOSCRIPT retry would be two). Each is attributed to the client that owns the
connection: the limit store and the response cache (one client: they share the process's
batcher, ``limits/batch.py``), or the health store and the speed tracker (whose mirror refreshes
and throttled writes run on timers, independent of the request rate, so they are reported but not
counted: on a slow, loaded machine a run of 32 requests lasts long enough to see some).

One request at a time, a request waits for one script: the cache read and its admission (as a
hit or as a miss) together; its settle and cache write ride along with the next request's
pipeline. Requests in flight together share pipelines: at c=16 a request costs a fraction of
a round trip.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from turnout.config import parse_config
from turnout.gateway import Gateway, Principal
from turnout.providers.fake import FakeProvider
from turnout.types import ChatRequest

from .conftest import REDIS_URL, purge

pytestmark = pytest.mark.redis

MODELS = [{"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3,
           "input_per_mtok": 1.0, "output_per_mtok": 2.0}]
REQUESTS = 32


def _owner(conn: Any, clients: dict[str, Any]) -> str:
    for name, client in clients.items():
        pool = client.connection_pool
        if conn in pool._get_free_connections() or conn in pool._get_in_use_connections():
            return name
    return "other"


@pytest.fixture
async def gateway(tmp_path: Path, redis_prefix: str) -> AsyncIterator[Gateway]:
    FakeProvider.reset()
    cache_prefix = f"{redis_prefix}-cache"
    config = parse_config({
        "models": MODELS,
        "budgets": {"daily_usd": 100.0},
        "cache": {"enabled": True, "backend": f"{REDIS_URL}?prefix={cache_prefix}"},
        "ledger": {"url": f"sqlite:///{tmp_path}/ledger.db"},
        "server": {"keys_url": f"sqlite:///{tmp_path}/keys.db",
                   "redis_url": f"{REDIS_URL}?prefix={redis_prefix}"},
    })
    gw = Gateway(config)
    yield gw
    await gw.aclose()
    purge(cache_prefix)
    FakeProvider.reset()


async def _count(gw: Gateway, principal: Principal, tag: str, monkeypatch: pytest.MonkeyPatch,
                 concurrency: int = 1) -> Counter[str]:
    from redis.asyncio.connection import AbstractConnection

    sent: list[Any] = []
    original = AbstractConnection.send_packed_command

    async def counting(self: Any, command: Any, check_health: bool = True) -> None:
        sent.append(self)
        await original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    async def one(i: int) -> None:
        msg = [{"role": "user", "content": f"round trip probe {tag} {i}"}]
        await gw.acomplete(ChatRequest("fake/cloud", msg, {"max_tokens": 50}), principal=principal)

    for start in range(0, REQUESTS, concurrency):  # distinct prompts: every request is a miss, then stored
        await asyncio.gather(*(one(i) for i in range(start, start + concurrency)))
    await gw.limits.flush()  # the deferred settles and cache writes count too
    monkeypatch.setattr(AbstractConnection, "send_packed_command", original)
    assert gw.limits.redis is gw.cache.backend.client  # one batcher, one pool
    clients = {"shared": gw.limits.redis, "health": gw.router.health.redis}
    if gw.router.speeds._redis is not None:  # speeds go to Redis at most once a second: a timer too
        clients["speed"] = gw.router.speeds._redis
    return Counter(_owner(c, clients) for c in sent)


async def test_round_trips_per_request_with_everything_on_redis(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    team = gateway.keys.create_team("rt-team", budget_usd=50.0, budget_period="daily", rpm=100_000)
    _, key = gateway.keys.create("rt", budget_usd=20.0, budget_period="daily", rpm=100_000, tpm=10_000_000,
                                 team=team.id)
    principal = Principal(key=gateway.keys.get(key.id))
    await _count(gateway, principal, "warm-up", monkeypatch)  # loads scripts, opens connections
    misses = await _count(gateway, principal, "measured", monkeypatch)
    hits = await _count(gateway, principal, "measured", monkeypatch)  # the same prompts again
    miss = {k: v / REQUESTS for k, v in misses.items()}
    hit = {k: v / REQUESTS for k, v in hits.items()}
    with capsys.disabled():
        print(f"\nRedis round trips per request, 3 budgets + 2 rate limits: miss {miss}, hit {hit}")
    # Waited for: the cache read with the admission. The settle and the cache write go with the
    # next request's pipeline (or on their own after linger_s when it is late: the slack).
    assert miss.get("shared", 0) <= 1.25 and hit.get("shared", 0) <= 1.25
    assert miss.get("other", 0) == 0 and hit.get("other", 0) == 0


async def test_concurrent_requests_share_round_trips(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, key = gateway.keys.create("rt16", budget_usd=20.0, budget_period="daily", rpm=100_000, tpm=10_000_000)
    principal = Principal(key=gateway.keys.get(key.id))
    await _count(gateway, principal, "warm-up16", monkeypatch, 16)
    misses = await _count(gateway, principal, "measured16", monkeypatch, 16)
    hits = await _count(gateway, principal, "measured16", monkeypatch, 16)
    miss = misses.get("shared", 0) / REQUESTS
    hit = hits.get("shared", 0) / REQUESTS
    with capsys.disabled():
        print(f"\nRedis round trips per request at c=16: miss {miss}, hit {hit}")
    # 16 requests' reads, admissions, settles and writes share a few pipelines.
    assert miss <= 0.34 and hit <= 0.34

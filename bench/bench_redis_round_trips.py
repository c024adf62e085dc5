"""Redis round trips per gateway request with budgets, rate limits, health and the response cache
all on Redis (issue #17), for whichever tree is on PYTHONPATH, so two trees compare in one run:

    PYTHONPATH=/tmp/base/src python bench/bench_redis_round_trips.py     # e.g. a git archive of main
    PYTHONPATH=src python bench/bench_redis_round_trips.py

A round trip is one ``send_packed_command`` on a redis-py connection (one command, one script
call or one pipeline). Counted: everything but the health store's client (its mirror refresh
and throttled writes run on timers, whatever the request rate; reported apart). Requests go
through ``Gateway.acomplete`` with the fake provider, a key with a daily budget, rpm and tpm,
its team's budget and rpm, and the global daily budget: first all misses (distinct prompts),
then the same prompts again (all hits), one at a time and 16 at a time. Deferred writes are
flushed before counting stops, so they are counted too. Also printed: this process's CPU time
per request (the gateway's whole in-process path with the fake provider; Redis's own CPU not
included), to compare trees run alternately:

    for i in 1 2 3; do for t in /tmp/base/src src; do PYTHONPATH=$t python bench/bench_redis_round_trips.py; done; done
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REDIS_URL = "redis://127.0.0.1:6379/0"
os.environ.setdefault("TURNOUT_ENABLE_FAKE", "1")  # the fake provider answers: no upstream to wait on
MODELS = [{"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3,
           "input_per_mtok": 1.0, "output_per_mtok": 2.0}]


async def _count(gw: Any, principal: Any, tag: str, n: int, conc: int) -> tuple[Counter[str], float]:
    from redis.asyncio.connection import AbstractConnection

    from turnout.types import ChatRequest

    health = gw.router.health.redis.connection_pool
    sent: Counter[str] = Counter()
    original = AbstractConnection.send_packed_command

    async def counting(self: Any, command: Any, check_health: bool = True) -> None:
        mine = self in health._get_free_connections() or self in health._get_in_use_connections()
        sent["health" if mine else "request path"] += 1
        await original(self, command, check_health)

    async def one(i: int) -> None:
        msg = [{"role": "user", "content": f"round trip bench {tag} {i}"}]
        await gw.acomplete(ChatRequest("fake/cloud", msg, {"max_tokens": 50}), principal=principal)

    AbstractConnection.send_packed_command = counting  # type: ignore[method-assign]
    cpu = time.process_time()
    try:
        for start in range(0, n, conc):
            await asyncio.gather(*(one(i) for i in range(start, min(n, start + conc))))
        flush = getattr(gw.limits, "flush", None)
        if flush is not None:  # deferred settles and cache writes count too
            await flush()
        cpu = time.process_time() - cpu
    finally:
        AbstractConnection.send_packed_command = original  # type: ignore[method-assign]
    return sent, cpu / n * 1e6


async def run(n: int) -> list[tuple[str, int, float, float]]:
    """(what, concurrency, per miss, per hit) rows: round trips, then CPU µs."""
    import redis

    from turnout.config import parse_config
    from turnout.gateway import Gateway, Principal
    from turnout.providers.fake import FakeProvider

    prefix = f"turnout-rtbench-{secrets.token_hex(4)}"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        FakeProvider.reset()
        gw = Gateway(parse_config({
            "models": MODELS,
            "budgets": {"daily_usd": 1000.0},
            "cache": {"enabled": True, "backend": f"{REDIS_URL}?prefix={prefix}-cache:"},
            "ledger": {"url": f"sqlite:///{Path(tmp) / 'ledger.db'}"},
            "server": {"keys_url": f"sqlite:///{Path(tmp) / 'keys.db'}", "redis_url": f"{REDIS_URL}?prefix={prefix}"},
        }))
        try:
            team = gw.keys.create_team("rt-team", budget_usd=500.0, budget_period="daily", rpm=1_000_000)
            _, key = gw.keys.create("rt", budget_usd=200.0, budget_period="daily", rpm=1_000_000,
                                    tpm=100_000_000, team=team.id)
            principal = Principal(key=gw.keys.get(key.id))
            await _count(gw, principal, "warm-up", 64, 16)  # scripts loaded, connections open
            for conc in (1, 16):
                miss, miss_cpu = await _count(gw, principal, f"c{conc}", n, conc)
                hit, hit_cpu = await _count(gw, principal, f"c{conc}", n, conc)
                rows.append(("round trips, request path", conc, miss["request path"] / n, hit["request path"] / n))
                rows.append(("round trips, health (timers)", conc, miss["health"] / n, hit["health"] / n))
                rows.append(("CPU µs per request (this process)", conc, miss_cpu, hit_cpu))
        finally:
            await gw.aclose()
            client = redis.Redis.from_url(REDIS_URL)
            for pattern in ("{" + prefix + "}*", prefix + "-cache:*"):
                keys = list(client.scan_iter(match=pattern, count=1000))
                if keys:
                    client.delete(*keys)
            client.close()
            FakeProvider.reset()
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=320, help="requests per measurement (default 320)")
    args = ap.parse_args()
    import turnout

    rows = asyncio.run(run(args.requests))
    print(f"Per gateway request ({Path(turnout.__file__).parent.parent}), {args.requests} requests each")
    print("| per request | concurrency | miss | hit |\n|---|---:|---:|---:|")
    for what, conc, miss, hit in rows:
        digits = 0 if what.startswith("CPU") else 3
        print(f"| {what} | {conc} | {miss:.{digits}f} | {hit:.{digits}f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

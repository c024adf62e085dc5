"""Cost of the admission path: key verification, budget reservation, rate limits, health reads.

    python bench/bench_limits.py [--n 2000] [--redis redis://127.0.0.1:6379/0]
                                 [--pg postgresql://postgres@127.0.0.1:5432/test] [--no-redis] [--no-pg]

Sequential calls, one at a time (latency, not throughput), after a warm-up; prints median and
p99 in µs per operation. Also the throughput of reserve+commit with 50 concurrent tasks on one
event loop. Redis keys go under a unique prefix, the PostgreSQL table under a unique name;
both are removed at the end. Never asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from turnout.keys import KeyStore  # noqa: E402
from turnout.limits import BudgetScope, HealthStore, LimitStore, MemoryHealthStore, MemoryLimitStore  # noqa: E402

Row = tuple[str, float, float]


def _stats(samples: list[float]) -> tuple[float, float]:
    samples.sort()
    return statistics.median(samples) * 1e6, samples[
        min(len(samples) - 1, int(len(samples) * 0.99))
    ] * 1e6


def time_sync(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    for _ in range(min(200, n)):
        fn()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return _stats(out)


async def time_async(fn: Callable[[], Awaitable[Any]], n: int) -> tuple[float, float]:
    for _ in range(min(200, n)):
        await fn()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t)
    return _stats(out)


def bench_keys(location: str, label: str, n: int, prefix: str) -> list[Row]:
    rows: list[Row] = []
    store = KeyStore(location, table_prefix=prefix)
    try:
        plaintexts = [store.create(f"bench{i}", budget_usd=10, rpm=600)[0] for i in range(50)]
        it = iter(range(10**9))
        rows.append(
            (
                f"verify, cache hit ({label})",
                *time_sync(lambda: store.verify(plaintexts[next(it) % 50]), n),
            )
        )
        nocache = KeyStore(location, table_prefix=prefix, cache_ttl_s=0.0)
        rows.append(
            (
                f"verify, cache miss -> DB ({label})",
                *time_sync(lambda: nocache.verify(plaintexts[next(it) % 50]), n),
            )
        )
        bad = "sk-turnout-" + secrets.token_urlsafe(32)
        rows.append(
            (f"verify, unknown key, cached ({label})", *time_sync(lambda: store.verify(bad), n))
        )
        nocache.close()
    finally:
        store.drop()
        store.close()
    return rows


async def bench_store(store: LimitStore, health: HealthStore, label: str, n: int) -> list[Row]:
    rows: list[Row] = []
    key = BudgetScope("key:bench", 1e6, "daily")
    glob = BudgetScope("global", 1e6, "monthly")

    async def reserve_commit() -> None:
        res = await store.reserve([key, glob], 0.001)
        await store.commit(res, 0.0009)

    rows.append((f"reserve+commit, 2 scopes ({label})", *await time_async(reserve_commit, n)))

    async def rate() -> None:
        await store.check_rate("key_bench", 10**9, 10**12, 500)

    rows.append((f"check_rate rpm+tpm ({label})", *await time_async(rate, n)))

    async def fail() -> None:
        await health.record_failure("bench-model", 0.0, 10**9)

    rows.append((f"health record_failure ({label})", *await time_async(fail, n)))
    rows.append(
        (
            f"health cooling_until read ({label})",
            *time_sync(lambda: health.cooling_until("bench-model"), n),
        )
    )

    # Throughput with concurrency: 50 tasks, each reserve+commit in a loop.
    total = max(n, 2000)
    sem = asyncio.Semaphore(50)

    async def one() -> None:
        async with sem:
            await reserve_commit()

    t = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(total)))
    dt = time.perf_counter() - t
    print(f"  {label}: reserve+commit throughput, 50 concurrent: {total / dt:,.0f} req/s")
    return rows


async def main_async(args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    rows += await bench_store(MemoryLimitStore(), MemoryHealthStore(), "memory", args.n)
    if not args.no_redis:
        from turnout.limits.redis_store import RedisHealthStore, RedisLimitStore

        prefix = f"turnout-bench-{secrets.token_hex(4)}"
        store = RedisLimitStore(args.redis, prefix=prefix)
        health = RedisHealthStore(args.redis, prefix=prefix)
        try:
            await health.start()
            rows += await bench_store(store, health, "redis", args.n)
        finally:
            keys = [k async for k in store.redis.scan_iter(match="{" + prefix + "}*", count=1000)]
            if keys:
                await store.redis.delete(*keys)
            await health.aclose()
            await store.aclose()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=2000, help="timed calls per operation")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--no-redis", action="store_true")
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += bench_keys(str(Path(tmp) / "keys.db"), "sqlite", args.n, "bench_")
    if not args.no_pg:
        rows += bench_keys(args.pg, "postgres", args.n, f"bench{secrets.token_hex(4)}_")
    rows += asyncio.run(main_async(args))

    width = max(len(r[0]) for r in rows)
    print(f"\n{'operation':<{width}}  {'median µs':>10}  {'p99 µs':>10}")
    for name, med, p99 in rows:
        print(f"{name:<{width}}  {med:>10.1f}  {p99:>10.1f}")


if __name__ == "__main__":
    main()

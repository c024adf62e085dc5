"""A keyed request's Redis calls alone, as the gateway makes them: ``remaining_usd``, ``admit``
(three budgets, two rate limits) and ``settle`` with a token correction, one request after the
other against the Redis on 127.0.0.1:6379 (prefix ``bench-redis-calls``). Prints thread CPU a
request. For instruction counts, run it twice under callgrind and take the difference:

    valgrind --tool=callgrind --separate-threads=yes python bench/bench_redis_calls.py 200
    valgrind --tool=callgrind --separate-threads=yes python bench/bench_redis_calls.py 800
    # (main thread's 800 - 200) / 600

``--canned``: Redis replaced by fixed answers, so only the Python around the calls is measured
(five rounds of N requests; divide the difference by 5 x the difference of N).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from turnout.limits import BudgetScope
from turnout.limits.redis_store import RedisLimitStore

SCOPES = [BudgetScope("global:daily", 1e6, "daily"), BudgetScope("key:k1", 1e6, "daily"),
          BudgetScope("team:t1", 1e6, "daily")]
RATES = [("k1", 100_000_000, 1_000_000_000, 40), ("t1", 100_000_000, None, 40)]
ADMITTED = b"1 5 999999000000000 6 999999000000000 7 999999000000000"


class _NoBatch:
    def send_later(self, *args: Any) -> None:
        pass


async def run(n: int, warmup: int, canned: bool) -> float:
    store = RedisLimitStore("redis://127.0.0.1:6379/0", prefix="bench-redis-calls")
    await store.remaining_usd(SCOPES)
    if canned:
        async def answer(script: Any, packed: bytes) -> bytes:
            return ADMITTED

        store._run = answer  # type: ignore[method-assign]
        store._shared.get = _NoBatch  # type: ignore[assignment,method-assign]

    async def one() -> None:
        await store.remaining_usd(SCOPES)
        reservation = await store.admit(RATES, SCOPES, 0.00001)
        await store.settle(reservation, 0.000004, [("k1", -10)])

    for _ in range(warmup):
        await one()
    best = float("inf")
    for _ in range(5 if canned else 1):
        started = time.thread_time()
        for _ in range(n):
            await one()
        best = min(best, (time.thread_time() - started) / n * 1e6)
    if not canned:
        await store.flush()
        await store.aclose()
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("requests", type=int, nargs="?", default=3000)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--canned", action="store_true", help="fixed answers instead of Redis: the Python alone")
    args = ap.parse_args()
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    cpu = runner(run(args.requests, args.warmup, args.canned))
    print(f"{args.requests} requests: {cpu:.1f} µs thread CPU a request{' (canned answers)' if args.canned else ''}")


if __name__ == "__main__":
    main()

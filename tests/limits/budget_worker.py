"""Budget load generator: N requests (reserve -> simulated call -> commit or release) with
random costs, C at a time, against one LimitStore. Used in-process by the asyncio concurrency
test and as a separate process (``python budget_worker.py ...``) by the multi-process one;
prints one JSON line per request."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from typing import Any

from turnout.errors import BudgetExceededError
from turnout.limits import BudgetScope, LimitStore

NANO = 1_000_000_000


async def one_request(
    store: LimitStore, scopes: list[BudgetScope], rng: random.Random
) -> dict[str, Any]:
    est = rng.uniform(0.01, 0.05)
    await asyncio.sleep(rng.uniform(0, 0.03))  # arrivals spread out, not one wave
    try:
        res = await store.reserve(scopes, est)
    except BudgetExceededError:
        return {"ok": 0}
    await asyncio.sleep(rng.uniform(0.001, 0.02))  # the model call
    if rng.random() < 0.1:  # the call failed: nothing to pay
        cseq = await store.release(res)
        act = 0
    else:
        # Actual costs scatter around the estimate, sometimes above it (estimate too low).
        actual = est * rng.uniform(0.5, 1.5)
        cseq = await store.commit(res, actual)
        act = round(actual * NANO)
    return {
        "ok": 1,
        "rseq": res.seq[0],
        "cseq": cseq,
        "est": res.amount_nano,
        "act": act,
        "rem": res.remaining_usd[0],
    }


async def run(
    store: LimitStore, scopes: list[BudgetScope], n: int, concurrency: int, seed: int
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    sem = asyncio.Semaphore(concurrency)

    async def guarded() -> dict[str, Any]:
        async with sem:
            return await one_request(store, scopes, rng)

    return list(await asyncio.gather(*(guarded() for _ in range(n))))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--redis", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--limit", type=float, required=True)
    ap.add_argument("--global-limit", type=float, required=True)
    ap.add_argument("-n", type=int, required=True)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start-at", type=float, default=0.0)
    args = ap.parse_args()

    async def go() -> list[dict[str, Any]]:
        from turnout.limits.redis_store import RedisLimitStore

        store = RedisLimitStore(args.redis, prefix=args.prefix)
        scopes = [
            BudgetScope("key:k1", args.limit, "daily"),
            BudgetScope("global", args.global_limit),
        ]
        await store.usage(scopes[0])  # connect and load scripts before the start line
        delay = args.start_at - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            return await run(store, scopes, args.n, args.concurrency, args.seed)
        finally:
            await store.aclose()

    for rec in asyncio.run(go()):
        sys.stdout.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()

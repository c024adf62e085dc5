"""Load balancing across a model group: several fake OpenAI upstreams on 127.0.0.1 with
different speeds and failure rates, each strategy in turn.

    python bench/bench_groups.py [--n 600] [--concurrency 16] [--seed 1]

Deployments (fixed, so runs compare): fast (10 ms), medium (30 ms), slow (80 ms), flaky
(15 ms, 30% 503s). Retries are off (a failure falls over to the next deployment at once) and the
breaker is off too (a huge threshold), so the strategy alone decides the spread. For each
strategy: the share of requests each deployment answered, failed calls, and latency p50/p99 of
whole requests through turnout's Router, with the ratio of p99 to the weighted (simple-shuffle)
baseline measured in the same run. Never asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.routing.fake_deployments import Fleet, Spec  # noqa: E402
from turnout.providers import transport  # noqa: E402
from turnout.routing.router import Router  # noqa: E402
from turnout.types import ChatRequest  # noqa: E402

SPECS = [Spec("fast", 10), Spec("medium", 30), Spec("slow", 80), Spec("flaky", 15, fail_rate=0.3, seed=3)]
STRATEGIES = ["weighted", "least_busy", "lowest_latency", "cheapest"]


def _pct(samples: list[float], q: float) -> float:
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(len(samples) * q))]


async def run(strategy: str, n: int, concurrency: int, seed: int) -> dict[str, object]:
    fleet = await Fleet.start([Spec(s.name, s.delay_ms, s.fail_rate, s.seed) for s in SPECS])
    # cheapest: the slow one is cheapest, the fast one dearest (cost vs speed).
    prices = {"fast": 3.0, "medium": 2.0, "slow": 0.5, "flaky": 1.0}
    per = {name: {"input_per_mtok": p, "output_per_mtok": 2 * p} for name, p in prices.items()}
    router = Router.from_dict({
        "models": fleet.models("gpt-4o", **per),
        "routing": {"groups": {"gpt-4o": {"strategy": strategy}}, "retries": {"max_retries": 0},
                    "health": {"failure_threshold": 1_000_000, "cooldown_s": 0}},
    })
    router.groups._rng = random.Random(seed)
    request = ChatRequest("gpt-4o", [{"role": "user", "content": "Summarise the meeting notes."}], {"max_tokens": 64})
    latencies: list[float] = []
    errors = 0
    queue = iter(range(n))

    async def worker() -> None:
        nonlocal errors
        for _ in queue:
            started = time.perf_counter()
            try:
                await router.acomplete(request)
            except Exception:
                errors += 1
                continue
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    served = {name: fleet[name].served for name in fleet.deployments}
    failed = sum(fleet[name].failed for name in fleet.deployments)
    await fleet.close()
    await transport.close_sessions()
    return {"strategy": strategy, "served": served, "failed_calls": failed, "errors": errors,
            "p50": statistics.median(latencies), "p99": _pct(latencies, 0.99)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = [await run(s, args.n, args.concurrency, args.seed) for s in STRATEGIES]
    base_p99 = float(rows[0]["p99"])  # type: ignore[arg-type]
    names = [s.name for s in SPECS]
    print(f"n={args.n} concurrency={args.concurrency}; deployments: "
          + ", ".join(f"{s.name} {s.delay_ms:.0f} ms{f' {s.fail_rate:.0%} 503' if s.fail_rate else ''}" for s in SPECS))
    print("| strategy | " + " | ".join(f"{n} share" for n in names) + " | failed calls | errors | p50 ms | p99 ms | p99 vs weighted |")
    print("| --- | " + " | ".join("---:" for _ in names) + " | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        served: dict[str, int] = r["served"]  # type: ignore[assignment]
        total = max(1, sum(served.values()))
        shares = " | ".join(f"{served[n] / total:.0%}" for n in names)
        print(f"| {r['strategy']} | {shares} | {r['failed_calls']} | {r['errors']} | {float(r['p50']):.1f} "  # type: ignore[arg-type]
              f"| {float(r['p99']):.1f} | {float(r['p99']) / base_p99:.2f}x |")  # type: ignore[arg-type]


if __name__ == "__main__":
    asyncio.run(main())

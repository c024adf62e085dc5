"""What working out the routing signals through ``Gateway._signals`` adds on the ordinary path.

    python bench/bench_pii_signals.py [--batches 15] [--calls 3000]

With the fast detector (no deep scan, so no pool), ``await gateway._signals(...)`` against
``router.signals(...)`` called directly, on a short ordinary prompt, in alternating batches in
one process (CPU time): median µs per call of each and the difference. Never asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from turnout.config import parse_config
from turnout.gateway import Gateway
from turnout.types import ChatRequest


async def run(batches: int, calls: int) -> None:
    gw = Gateway(parse_config({"models": [{"name": "fake/cloud", "context_window": 8192}],
                               "ledger": {"url": "memory://"}}))
    request = ChatRequest("auto", [{"role": "user", "content": "What is the weather in Paris today?"}])
    router = gw.router
    direct, through = [], []
    for _ in range(batches):
        t = time.process_time()
        for _ in range(calls):
            router.signals(request, None, budget_remaining_usd=None)
        direct.append((time.process_time() - t) / calls * 1e6)
        t = time.process_time()
        for _ in range(calls):
            await gw._signals(request, None, None)
        through.append((time.process_time() - t) / calls * 1e6)
    a, b = statistics.median(direct), statistics.median(through)
    print(f"router.signals {a:.2f} us, await gateway._signals {b:.2f} us: added {b - a:+.2f} us a request")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", type=int, default=15)
    ap.add_argument("--calls", type=int, default=3000)
    args = ap.parse_args()
    asyncio.run(run(args.batches, args.calls))


if __name__ == "__main__":
    main()

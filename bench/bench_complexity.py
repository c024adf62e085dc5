#!/usr/bin/env python
"""Benchmark the complexity scorer: load time, per-prompt latency (median / p99) and throughput,
on one core.

    python bench/bench_complexity.py [--data /work/shared/data/routing/mmlu] [--n 4000]

Prompts: MMLU prompts from the routing data when it is there (question + 4 options, up to several
thousand characters for the history and law passages), mixed with generated chat, math word
problem and code prompts of varied length. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

CHAT = [
    "hi, how are you?",
    "Thanks! That worked perfectly.",
    "What's the capital of Australia?",
    "Write a haiku about autumn leaves.",
    "Can you suggest a name for my bakery?",
    "Summarise this paragraph in one sentence: {filler}",
    "Draft a polite email to my landlord about a leaking tap. {filler}",
]
MATH = [
    "Tom has {a} marbles. He gives {b} to his sister and then buys {c} more. Each marble costs "
    "{d} cents. How much did the marbles he has now cost in total?",
    "A tank holds {a} litres and drains at {b} litres per minute while a pipe fills it at {c} "
    "litres per minute. If it starts half full, after how many minutes is it empty?",
    "Prove that for all integers n >= {a}, n^2 + n is even, then find the smallest n with "
    "n^2 + n > {d}.",
]
CODE = [
    "Write a Python function that merges {a} sorted lists into one sorted list without using "
    "heapq, and explain the time complexity.",
    "Why does this loop never end?\n```python\ni = 0\nwhile i < {a}:\n    print(i)\n```",
]
FILLER = (
    "The quarterly report covers sales in three regions, staffing changes, and the delayed "
    "launch of the new product line, which the board discussed at length. "
)


def synthetic_prompts(n: int, rng: random.Random) -> list[str]:
    out = []
    templates = CHAT + MATH + CODE
    for _ in range(n):
        t = rng.choice(templates)
        out.append(
            t.format(
                a=rng.randint(2, 90),
                b=rng.randint(2, 40),
                c=rng.randint(2, 40),
                d=rng.randint(5, 500),
                filler=FILLER * rng.randint(1, 12),
            )
        )
    return out


def load_prompts(data: Path | None, n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    prompts: list[str] = []
    if data is not None and data.is_dir():
        from turnout.evaluation.routing import load_routing_data

        mmlu = load_routing_data(data).prompts
        prompts = rng.sample(mmlu, min(len(mmlu), n * 3 // 4))
    prompts += synthetic_prompts(n - len(prompts), rng)
    rng.shuffle(prompts)
    return prompts


def pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to cpu {cpu}"
    return "not pinned (no sched_setaffinity)"


def cold_load_ms() -> tuple[float, float]:
    """(import of turnout.detect.complexity, ComplexityScorer.load()) in a fresh interpreter."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "from turnout.detect.complexity import ComplexityScorer\n"
        "t1 = time.perf_counter(); ComplexityScorer.load(); t2 = time.perf_counter()\n"
        "print((t1 - t0) * 1e3, (t2 - t1) * 1e3)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    a, b = out.stdout.split()
    return float(a), float(b)


def pct(values: Sequence[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> int:
    from turnout.evaluation.routing import DEFAULT_DATA_DIR

    ap = argparse.ArgumentParser(description="complexity scorer benchmark")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--n", type=int, default=4000, help="number of prompts")
    ap.add_argument("--repeats", type=int, default=5, help="cold loads to time")
    args = ap.parse_args()

    print(pin_one_core())
    loads = [cold_load_ms() for _ in range(args.repeats)]
    imp = statistics.median(a for a, _ in loads)
    load = statistics.median(b for _, b in loads)
    print(
        f"cold start ({args.repeats} fresh interpreters, median): import {imp:.1f} ms, "
        f"load {load:.1f} ms (max load {max(b for _, b in loads):.1f} ms)"
    )

    from turnout.detect.complexity import DEFAULT_MODEL_PATH, ComplexityScorer

    t0 = time.perf_counter()
    scorer = ComplexityScorer.load(DEFAULT_MODEL_PATH)  # uncached path: a real read + parse
    print(
        f"warm-process load: {(time.perf_counter() - t0) * 1e3:.1f} ms "
        f"(artefact {DEFAULT_MODEL_PATH.stat().st_size / 1024:.0f} KiB)"
    )

    prompts = load_prompts(args.data, args.n)
    lengths = sorted(len(p) for p in prompts)
    print(
        f"{len(prompts)} prompts, chars median {lengths[len(lengths) // 2]}, "
        f"p99 {pct(lengths, 0.99)}, max {lengths[-1]}"
    )
    for p in prompts[:200]:  # warm-up
        scorer.score(p)
    lat: list[float] = []
    for p in prompts:
        t_ns = time.perf_counter_ns()
        scorer.score(p)
        lat.append((time.perf_counter_ns() - t_ns) / 1e3)
    print(
        f"latency per prompt (us): median {statistics.median(lat):.0f}, p90 {pct(lat, 0.90):.0f}, "
        f"p99 {pct(lat, 0.99):.0f}, max {max(lat):.0f}"
    )
    # The same, each prompt timed 3 times and its fastest kept: the scorer's own cost, without
    # the preemption noise of a shared machine (like timeit's min).
    best: list[float] = []
    for p in prompts:
        runs = []
        for _ in range(3):
            t_ns = time.perf_counter_ns()
            scorer.score(p)
            runs.append((time.perf_counter_ns() - t_ns) / 1e3)
        best.append(min(runs))
    print(
        f"latency per prompt, best of 3 (us): median {statistics.median(best):.0f}, "
        f"p90 {pct(best, 0.90):.0f}, p99 {pct(best, 0.99):.0f}, max {max(best):.0f}"
    )
    t = time.perf_counter()
    scorer.score_many(prompts)
    dt = time.perf_counter() - t
    print(f"throughput (score_many, one core): {len(prompts) / dt:,.0f} prompts/s")
    t = time.perf_counter()
    for p in prompts:
        scorer.classify(p)
    print(f"classify: {(time.perf_counter() - t) / len(prompts) * 1e6:.0f} us/prompt mean")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

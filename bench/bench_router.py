#!/usr/bin/env python
"""Benchmark the learned router's per-request cost: P(good answer) for four configured models
on one prompt (what ``routing.quality_target`` adds to a decision), against the complexity
scorer v1 alone (the baseline every auto request already pays), measured in the same run.

    python bench/bench_router.py [--n 400]

Prompts: generated chat, word problems and code (as in bench_complexity), and a ~1k-token
prompt (4,000 characters of prose). One core; figures only, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_complexity import FILLER, synthetic_prompts

MODELS = ["gpt-4o", "gpt-4o-mini", "claude-3-haiku-20240307", "local/qwen"]
TIERS = {"gpt-4o": 3, "gpt-4o-mini": 1, "claude-3-haiku-20240307": 1, "local/qwen": 1}


def timed(fn, items, repeat=1):
    out = []
    for item in items:
        for _ in range(repeat):
            t = time.perf_counter()
            fn(item)
            out.append((time.perf_counter() - t) * 1e6)
    out.sort()
    return statistics.median(out), out[min(len(out) - 1, int(0.99 * len(out)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400)
    args = ap.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from turnout.detect.complexity import ComplexityScorer
    from turnout.learn.model import LearnedRouter

    t = time.perf_counter()
    router = LearnedRouter.load()
    router.featurizer  # noqa: B018 - loads the embedding model and the v1 scorer
    load_ms = (time.perf_counter() - t) * 1e3
    v1 = ComplexityScorer.load()
    prompts = synthetic_prompts(args.n, random.Random(7))
    long_prompt = (FILLER * 40)[:4000]
    for p in prompts[:20]:
        router.predict(p, MODELS, TIERS)

    def predict(p: str) -> None:
        router.predict(p, MODELS, TIERS)

    med_v1, p99_v1 = timed(v1.score, prompts)
    med, p99 = timed(predict, prompts)
    med_v1_long, p99_v1_long = timed(v1.score, [long_prompt], repeat=200)
    med_long, p99_long = timed(predict, [long_prompt], repeat=200)
    print(f"load (router + embedding + v1): {load_ms:.0f} ms")
    print(f"mixed prompts (n={len(prompts)}): v1 {med_v1:.0f} us median / {p99_v1:.0f} us p99; "
          f"learned router {med:.0f} / {p99:.0f} us ({med / med_v1:.1f}x v1)")
    print(f"1k-token prompt: v1 {med_v1_long:.0f} / {p99_v1_long:.0f} us; "
          f"learned router {med_long:.0f} / {p99_long:.0f} us ({med_long / med_v1_long:.1f}x v1)")


if __name__ == "__main__":
    main()

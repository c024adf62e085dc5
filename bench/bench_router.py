#!/usr/bin/env python
"""Benchmark the learned router's per-request cost: P(good answer) for four configured models
on one prompt (what ``routing.quality_target`` adds to a decision), against the complexity
scorer v1 alone (the baseline every auto request already pays), measured in the same run.

    python bench/bench_router.py [--n 400] [--repeat 1000] [--cpu]

Prompts: generated chat, word problems and code (as in bench_complexity), a ~1k-token prompt
(4,000 characters of prose) repeated, and distinct ~1k-token prompts (generated prompts joined
up to 4,000 characters, each seen once), cold (the router alone) and on the request path (the
complexity detector has scored the same text just before, as it does on every auto request;
only the router's call is timed). For a same-run baseline run this file against another tree
(``PYTHONPATH=/work/main/src``), alternating. Also the prompt embedding alone: the word-cached
embedder the router uses (learn/word_embed.py) against the tokenizer over the whole text
(embeddings.Embedder), same run. One core; figures only, asserts nothing.
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


def timed(fn, items, repeat=1, before=None):
    """(median, p99) in microseconds. Wall-clock by default; with --cpu, this thread's CPU time,
    which leaves out the time other processes hold the core (the loaded machine's p99 is mostly
    that). ``before(item)`` runs untimed before each call."""
    clock = time.thread_time if CPU_CLOCK else time.perf_counter
    out = []
    for item in items:
        for _ in range(repeat):
            if before is not None:
                before(item)
            t = clock()
            fn(item)
            out.append((clock() - t) * 1e6)
    out.sort()
    return statistics.median(out), out[min(len(out) - 1, int(0.99 * len(out)))]


CPU_CLOCK = False


def tokenizer_embedder():
    from turnout.embeddings import default_embedder

    return default_embedder()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=1000)
    ap.add_argument("--cpu", action="store_true", help="time with this thread's CPU clock")
    args = ap.parse_args()
    global CPU_CLOCK
    CPU_CLOCK = args.cpu
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

    def forget(_: str) -> None:
        """Cold: the scorer forgets the prompts it analysed (trees without that memory: no-op)."""
        getattr(v1, "_recent", {}).clear()

    def detector_first(p: str) -> None:
        forget(p)
        v1.score(p)

    med_v1, p99_v1 = timed(v1.score, prompts, before=forget)
    med, p99 = timed(predict, prompts, before=forget)
    med_v1_long, p99_v1_long = timed(v1.score, [long_prompt], repeat=args.repeat, before=forget)
    med_long, p99_long = timed(predict, [long_prompt], repeat=args.repeat, before=forget)
    rng = random.Random(11)
    distinct = []
    for _ in range(args.n):
        text = ""
        while len(text) < 4000:
            text += synthetic_prompts(1, rng)[0] + "\n\n"
        distinct.append(text[:4000])
    med_v1_d, p99_v1_d = timed(v1.score, distinct, before=forget)
    med_d, p99_d = timed(predict, distinct, before=forget)
    med_path, p99_path = timed(predict, distinct, before=detector_first)
    from turnout.learn.model import _clip

    fast = router.featurizer.embedder
    slow = tokenizer_embedder()
    clipped = [_clip(t) for t in distinct]
    med_slow, p99_slow = timed(lambda t: slow.embed([t]), clipped)
    med_fast, p99_fast = timed(lambda t: fast.embed([t]), clipped)
    print(f"load (router + embedding + v1): {load_ms:.0f} ms")
    print(f"mixed prompts (n={len(prompts)}): v1 {med_v1:.0f} us median / {p99_v1:.0f} us p99; "
          f"learned router {med:.0f} / {p99:.0f} us ({med / med_v1:.1f}x v1)")
    print(f"1k-token prompt x{args.repeat}: v1 {med_v1_long:.0f} / {p99_v1_long:.0f} us; "
          f"learned router {med_long:.0f} / {p99_long:.0f} us ({med_long / med_v1_long:.1f}x v1)")
    print(f"distinct 1k-token prompts (n={len(distinct)}): v1 {med_v1_d:.0f} / {p99_v1_d:.0f} us; "
          f"learned router {med_d:.0f} / {p99_d:.0f} us ({med_d / med_v1_d:.1f}x v1)")
    print(f"distinct 1k-token prompts on the request path (detector first): learned router "
          f"{med_path:.0f} / {p99_path:.0f} us")
    print(f"embedding of the clipped prompt: tokenizer {med_slow:.0f} / {p99_slow:.0f} us; "
          f"word-cached {med_fast:.0f} / {p99_fast:.0f} us ({med_slow / med_fast:.1f}x faster)")


if __name__ == "__main__":
    main()

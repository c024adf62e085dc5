"""Retrieval-first, measured: embeddings, the answer check, and the index at scale.

    python bench/bench_retrieval.py embeddings    # recall@1/@3 of each embedder on paraphrases
    python bench/bench_retrieval.py answers       # end to end with the embedded checker; targets
    python bench/bench_retrieval.py index [--sizes 10000,100000,1000000]   # search p99, memory

Data (ours, written for this bench, not from any evaluation set): bench/data/kb_faq.jsonl, a
24-entry support FAQ of an imaginary shop, and bench/data/kb_questions.jsonl: 48 paraphrases
(two per entry, each naming the entry it should find), 21 near-misses (same topic, not
answered by any entry: "Are you open on Sundays?" against weekday hours) and 6 unrelated.

Targets: >= 80% of paraphrases answered from the entry or with it handed to the model, and no
stored answer returned for a question it does not answer.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).parent / "data"


def load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    faq = [json.loads(line) for line in (DATA / "kb_faq.jsonl").read_text().splitlines() if line.strip()]
    questions = [json.loads(line) for line in (DATA / "kb_questions.jsonl").read_text().splitlines() if line.strip()]
    return faq, questions


# ---- embeddings ---------------------------------------------------------------------------

def embedders() -> dict[str, Callable[[list[str]], np.ndarray]]:
    from turnout.embeddings import default_embedder

    out: dict[str, Callable[[list[str]], np.ndarray]] = {"turnout static (shipped, 128d)": default_embedder().embed}
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError:
        print("wordllama not installed: pip install wordllama", file=sys.stderr)
        return out
    for dim in (64, 128, 256):  # the wheel ships the 256-d model; smaller ones are its Matryoshka truncations
        # the wheel's own folder as cache_dir: its files are found there without a download
        wl = WordLlama.load(dim=256, trunc_dim=None if dim == 256 else dim, disable_download=True,
                            cache_dir=Path(wordllama.__file__).parent)
        out[f"wordllama l2_supercat {dim}d"] = lambda texts, wl=wl: np.asarray(wl.embed(texts, norm=True), dtype=np.float32)
    return out


def bench_embeddings(_: argparse.Namespace) -> None:
    faq, questions = load()
    keyings = {"question": [row["question"] for row in faq],
               "question+answer": [row["question"] + " " + row["answer"] for row in faq]}
    para = [q for q in questions if q["entry"] is not None]
    near = [q for q in questions if q["entry"] is None and "near" in q]
    print(f"{len(faq)} entries, {len(para)} paraphrases, {len(near)} near-misses\n")
    print(f"{'embedder':34} {'keyed by':16} {'R@1':>6} {'R@3':>6} {'para score':>10} {'near max':>9} {'near>para p10':>14} {'ms/text':>8}")
    for (name, embed), (keying, keys) in itertools.product(embedders().items(), keyings.items()):
        started = time.perf_counter()
        m = embed(keys)
        qv = embed([q["q"] for q in questions])
        per_text = (time.perf_counter() - started) * 1000 / (len(keys) + len(questions))
        m = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)
        qv = qv / np.maximum(np.linalg.norm(qv, axis=1, keepdims=True), 1e-9)
        scores = qv @ m.T
        r1 = r3 = 0
        right_scores = []
        for i, q in enumerate(questions):
            if q["entry"] is None:
                continue
            order = np.argsort(-scores[i])
            r1 += int(order[0] == q["entry"])
            r3 += int(q["entry"] in order[:3])
            right_scores.append(scores[i, q["entry"]])
        near_best = [float(scores[i].max()) for i, q in enumerate(questions) if q["entry"] is None and "near" in q]
        p10 = float(np.percentile(right_scores, 10))
        above = sum(s > p10 for s in near_best)
        print(f"{name:34} {keying:16} {r1 / len(para):6.3f} {r3 / len(para):6.3f} {np.median(right_scores):10.3f} "
              f"{max(near_best):9.3f} {above:>8}/{len(near_best):<5} {per_text:8.3f}")


# ---- the answer check ---------------------------------------------------------------------

async def _answers(args: argparse.Namespace) -> None:
    from turnout.catalog import DEFAULT_LOCAL_MODEL
    from turnout.knowledge_base import KnowledgeBase
    from turnout.routing.router import Router
    from turnout.types import ChatRequest

    _, questions = load()
    kb = KnowledgeBase.load(DATA / "kb_faq.jsonl", cache=False)
    # Checker verdicts for every question's best entry, computed once; then every threshold
    # pair is replayed from them (the router's own check prompt and confidence).
    router = Router.from_dict({
        "models": [{"name": DEFAULT_LOCAL_MODEL}],
        "routing": {"retrieval": {"checker": DEFAULT_LOCAL_MODEL, "answer_threshold": -1, "check_threshold": 0,
                                  "coverage": False}},  # the checker alone (bench_kb_check.py: with the cover)
    }, knowledge_base=kb)
    rows = []
    started = time.perf_counter()
    for q in questions:
        hits = kb.search(q["q"], 3)
        resp = await router.acomplete(ChatRequest("auto", [{"role": "user", "content": q["q"]}], {"max_tokens": 1}))
        check = resp["turnout"]["retrieval"].get("check") or {}
        rows.append({"q": q["q"], "entry": q["entry"], "near": q.get("near"),
                     "hits": [(h.index, h.score) for h in hits], "p_yes": check.get("confidence", 0.0)})
    elapsed = time.perf_counter() - started
    print(f"{len(rows)} questions, checker {DEFAULT_LOCAL_MODEL}: {elapsed / len(rows) * 1000:.0f} ms each\n")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=0))

    def outcome(answer_t: float, check_t: float, passage_t: float, use_check: bool = True) -> dict[str, float]:
        para = [r for r in rows if r["entry"] is not None]
        good = answered_right = wrong_answers = 0
        for r in rows:
            best_index, best_score = r["hits"][0]
            direct = best_score >= answer_t and (not use_check or r["p_yes"] >= check_t)
            if direct:
                if r["entry"] == best_index:
                    answered_right += 1
                    good += 1
                else:
                    wrong_answers += 1
            elif r["entry"] is not None:
                handed = [i for i, s in r["hits"] if s >= passage_t]
                good += int(r["entry"] in handed)
        return {"good": good / len(para), "direct": answered_right / len(para), "wrong": wrong_answers}

    print("answer_t check_t passage_t  covered  answered_direct  wrong_direct_answers")
    for answer_t in (0.5, 0.6, 0.7, 0.8):
        for check_t in (0.3, 0.5, 0.7, 0.9):
            o = outcome(answer_t, check_t, args.passage_threshold)
            print(f"{answer_t:8.2f} {check_t:7.2f} {args.passage_threshold:9.2f} {o['good']:8.3f} "
                  f"{o['direct']:16.3f} {o['wrong']:21d}")
    print("\nwithout the check (score alone):")
    for answer_t in (0.7, 0.8, 0.85, 0.9):
        o = outcome(answer_t, 0.0, args.passage_threshold, use_check=False)
        print(f"{answer_t:8.2f} {'-':>7} {args.passage_threshold:9.2f} {o['good']:8.3f} {o['direct']:16.3f} {o['wrong']:21d}")
    yes_para = [r["p_yes"] for r in rows if r["entry"] is not None and r["hits"][0][0] == r["entry"]]
    yes_near = [r["p_yes"] for r in rows if r["entry"] is None]
    print(f"\nchecker P(YES): paraphrase with the right top entry median {statistics.median(yes_para):.3f}; "
          f"near-miss/unrelated median {statistics.median(yes_near):.3f}, max {max(yes_near):.3f}")


def bench_answers(args: argparse.Namespace) -> None:
    asyncio.run(_answers(args))


# ---- the index at scale -------------------------------------------------------------------

def bench_index(args: argparse.Namespace) -> None:
    from turnout.kb.index import VectorIndex, usearch_available

    if not usearch_available():
        print("usearch is not installed (pip install usearch): the exact numpy scan is measured instead")
    rng = np.random.default_rng(0)
    dim = 128
    # Clustered unit vectors (topics), and queries that are noisy copies of one passage (a
    # paraphrase and its entry): closer to real text embeddings than uniform noise.
    centres = rng.standard_normal((4096, dim)).astype(np.float32)
    print(f"{'passages':>9} {'build s':>8} {'p50 ms':>7} {'p99 ms':>7} {'index B/passage':>16} "
          f"{'+ stored vector':>16} {'exact p99 ms':>12} {'source@3':>9} {'top1=exact':>10}")
    from turnout.embeddings import cosine_scores

    for n in [int(x) for x in args.sizes.split(",")]:
        vectors = centres[rng.integers(0, len(centres), n)] + 0.35 * rng.standard_normal((n, dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        index = VectorIndex(dim)
        started = time.perf_counter()
        step = 100_000
        for s in range(0, n, step):
            index.add(np.arange(s, min(n, s + step), dtype=np.uint64), vectors[s : s + step], threads=args.threads)
        build = time.perf_counter() - started
        sources = rng.integers(0, n, args.queries)
        queries = vectors[sources] + 0.04 * rng.standard_normal((args.queries, dim)).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        times, found = [], []
        for qv in queries:
            t0 = time.perf_counter()
            found.append([k for k, _ in index.search(qv, 3)])
            times.append((time.perf_counter() - t0) * 1000)
        exact_times, same_top = [], 0
        for qv, got in zip(queries[:50], found[:50], strict=True):
            t0 = time.perf_counter()
            scores = cosine_scores(vectors, qv)
            best = int(np.argmax(scores))
            exact_times.append((time.perf_counter() - t0) * 1000)
            same_top += int(bool(got) and got[0] == best)
        source_found = np.mean([int(src) in got for src, got in zip(sources, found, strict=True)])
        per = index.memory_bytes() / n
        print(f"{n:9d} {build:8.1f} {np.percentile(times, 50):7.3f} {np.percentile(times, 99):7.3f} {per:16.0f} "
              f"{per + dim * 4:16.0f} {np.percentile(exact_times, 99):12.2f} {source_found:9.3f} {same_top / 50:10.3f}")
        del index, vectors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    sub.add_parser("embeddings").set_defaults(fn=bench_embeddings)
    a = sub.add_parser("answers")
    a.add_argument("--passage-threshold", type=float, default=0.35)
    a.add_argument("--json", default=None)
    a.set_defaults(fn=bench_answers)
    i = sub.add_parser("index")
    i.add_argument("--sizes", default="10000,100000,1000000")
    i.add_argument("--queries", type=int, default=1000)
    i.add_argument("--threads", type=int, default=2, help="threads for building (searches use one)")
    i.set_defaults(fn=bench_index)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()

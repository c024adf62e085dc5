"""Cache, embedding and knowledge-base figures: latency (median, p99) and semantic-cache quality.

    python bench/bench_cache.py            # all (Redis at 127.0.0.1:6379 if it answers)
    python bench/bench_cache.py --quick    # smaller sizes

Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.cache.semantic_pairs

from turnout.cache import CacheControl, ResponseCache  # noqa: E402
from turnout.cache.guards import signature  # noqa: E402
from turnout.cache.semantic import LocalSemanticIndex, SemanticEntry  # noqa: E402
from turnout.embeddings import default_embedder  # noqa: E402
from turnout.types import make_completion  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/0"


def fmt(samples_s: list[float]) -> str:
    us = np.array(samples_s) * 1e6
    return f"median {np.median(us):8.1f} us   p99 {np.percentile(us, 99):8.1f} us   (n={len(us)})"


async def atime(fn: Callable[[], Awaitable[Any]], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t)
    return out


def bench_embeddings(n: int) -> None:
    print("== embeddings (turnout-minilm-static-128-v1, numpy + tokenizers)")
    code = ("import time; t=time.perf_counter(); from turnout.embeddings import Embedder, DEFAULT_MODEL_DIR; "
            "t1=time.perf_counter(); Embedder.from_dir(DEFAULT_MODEL_DIR); t2=time.perf_counter(); "
            "print(f'{(t1-t)*1e3:.1f} {(t2-t1)*1e3:.1f}')")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
            for _ in range(5)]
    imports = [float(r[0]) for r in runs]
    loads = [float(r[1]) for r in runs]
    print(f"cold import (numpy included): median {statistics.median(imports):.1f} ms; "
          f"model load: median {statistics.median(loads):.1f} ms (5 fresh processes)")
    e = default_embedder()
    prompts = [f"How do I reset the password of account number {i}?" for i in range(n)]
    samples = []
    for p in prompts:
        t = time.perf_counter()
        e.embed([p])
        samples.append(time.perf_counter() - t)
    print(f"embed 1 short prompt:  {fmt(samples)}")
    batch = prompts[:1000]
    t = time.perf_counter()
    e.embed(batch)
    dt = time.perf_counter() - t
    print(f"embed batch of 1000:   {dt * 1e3:.1f} ms ({len(batch) / dt:,.0f} prompts/s)")


async def bench_exact(n: int) -> None:
    print("\n== exact hit lookup (ResponseCache.lookup: key hash + get + decode)")
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is the capital of France?"}]
    response = make_completion(model="gpt-4o", content="Paris. " * 40, prompt_tokens=20, completion_tokens=80)
    with tempfile.TemporaryDirectory() as tmp:
        urls = {"memory": "memory", "sqlite": f"sqlite:///{tmp}/cache.db",
                "redis": f"{REDIS_URL}?prefix=turnout-bench:{uuid.uuid4().hex[:8]}:"}
        for name, url in urls.items():
            cache = ResponseCache.from_url(url)
            if name == "redis":
                try:
                    await cache.backend.client.ping()  # type: ignore[attr-defined]
                except Exception as exc:
                    print(f"{name:7s} skipped: {exc}")
                    continue
            await cache.store("bench", "gpt-4o", messages, {"temperature": 0}, response, cost_usd=0.001)
            assert await cache.lookup("bench", "gpt-4o", messages, {"temperature": 0}) is not None
            samples = await atime(partial(cache.lookup, "bench", "gpt-4o", messages, {"temperature": 0}), n)
            miss = await atime(partial(cache.lookup, "bench", "gpt-4o", messages, {"temperature": 0, "seed": 1}), n)
            print(f"{name:7s} hit  {fmt(samples)}")
            print(f"{name:7s} miss {fmt(miss)}")
            await cache.clear()
            await cache.aclose()


def synthetic_entries(n: int, dim: int, seed: int = 0) -> tuple[np.ndarray, list[SemanticEntry]]:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sig = signature("placeholder question")
    entries = [SemanticEntry(f"bench:x:{i:08d}", f"question {i}", sig, time.time(), None) for i in range(n)]
    return vectors, entries


async def bench_semantic(sizes: list[int], n: int) -> None:
    print("\n== semantic lookup (one partition holding N entries; exact miss + embed + search + guards)")
    e = default_embedder()
    query = [{"role": "user", "content": "How can I undo my last git commit?"}]
    for size in sizes:
        index = LocalSemanticIndex(max_entries_per_partition=size + 10)
        cache = ResponseCache.from_url("memory", semantic=True, semantic_index=index, embedder=e)
        partition = cache._partition("bench", "m", query, {})
        vectors, entries = synthetic_entries(size, e.dim)
        for v, entry in zip(vectors, entries, strict=True):
            await index.add(partition, v, entry)
        vector = e.embed([query[0]["content"]])[0]
        search = await atime(partial(index.search, partition, vector, 0.85), n)
        full = await atime(partial(cache.lookup, "bench", "m", query, {}), n)
        print(f"memory/SQLite index, N={size:>7,}: search {fmt(search)}")
        print(f"{'':27s}lookup {fmt(full)}")

    from turnout.cache.redis_backend import RedisBackend
    from turnout.cache.semantic import RedisSemanticIndex

    backend = RedisBackend(REDIS_URL, prefix=f"turnout-bench:{uuid.uuid4().hex[:8]}:")
    try:
        await backend.client.ping()
    except Exception as exc:
        print(f"redis index skipped: {exc}")
        await backend.aclose()
        return
    size = min(sizes[0], 10_000)
    writer = RedisSemanticIndex(backend)
    reader = RedisSemanticIndex(RedisBackend(REDIS_URL, prefix=backend.prefix))  # another process's view
    partition = "bench:s:ctx"
    vectors, entries = synthetic_entries(size, e.dim, seed=1)
    t = time.perf_counter()
    for v, entry in zip(vectors, entries, strict=True):
        await writer.add(partition, v, entry)
    print(f"redis index: {size:,} adds in {time.perf_counter() - t:.2f} s")
    vector = e.embed([query[0]["content"]])[0]
    t = time.perf_counter()
    await reader.search(partition, vector, 0.85)
    print(f"redis index, N={size:,}: first lookup of a new process (mirror load) {(time.perf_counter() - t) * 1e3:.1f} ms")
    steady = await atime(lambda: reader.search(partition, vector, 0.85), n)
    print(f"redis index, N={size:,}: search (LLEN check + local search) {fmt(steady)}")
    await writer.add(partition, vectors[0], SemanticEntry("bench:x:new", "q", entries[0].signature, time.time(), None))
    t = time.perf_counter()
    await reader.search(partition, vector, 0.85)
    print(f"redis index: lookup that pulls 1 new entry from another process {(time.perf_counter() - t) * 1e6:.0f} us")
    await backend.clear()
    await backend.aclose()
    await reader.backend.aclose()


def bench_knowledge_base(sizes: list[int], n: int) -> None:
    from turnout.knowledge_base import KnowledgeBase

    print("\n== knowledge base search (embed query + matmul + top-3)")
    e = default_embedder()
    for size in sizes:
        rows = [{"question": f"How do I configure feature {i} of product {i % 97}?", "answer": f"Answer {i}."}
                for i in range(size)]
        t = time.perf_counter()
        kb = KnowledgeBase.from_rows(rows, embedder=e)
        build = time.perf_counter() - t
        samples = []
        for i in range(n):
            t = time.perf_counter()
            kb.search(f"How do I reset my password {i}?", 3)
            samples.append(time.perf_counter() - t)
        print(f"N={size:>7,}: {fmt(samples)}   (validate + embed {size:,} rows: {build:.1f} s)")


async def bench_quality() -> None:
    import importlib.util

    # loaded by path: scripts/ is not a package (and mypy sees the script once)
    spec = importlib.util.spec_from_file_location("build_embedding_model", REPO / "scripts" / "build_embedding_model.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    EVAL_PAIRS: list[tuple[str, str, int]] = script.EVAL_PAIRS
    from tests.cache.semantic_pairs import NEAR_MISSES, PARAPHRASES

    print("\n== semantic cache quality (store A, ask B, one fresh tenant per pair)")
    tables = {
        "near-miss table (must miss)": [(a, b, 0) for a, b, _ in NEAR_MISSES],
        "paraphrase table (should hit)": [(a, b, 1) for a, b in PARAPHRASES],
        "held-out pairs, paraphrases": [(a, b, 1) for a, b, y in EVAL_PAIRS if y],
        "held-out pairs, non-paraphrases": [(a, b, 0) for a, b, y in EVAL_PAIRS if not y],
    }
    for threshold in (0.80, 0.85, 0.90):
        line = []
        for name, pairs in tables.items():
            cache = ResponseCache.from_url("memory", semantic=True, threshold=threshold)
            hits = 0
            for i, (a, b, _) in enumerate(pairs):
                await cache.store(f"q{i}", "m", [{"role": "user", "content": a}], {}, make_completion(model="m", content="x"))
                hit = await cache.lookup(f"q{i}", "m", [{"role": "user", "content": b}], {}, CacheControl())
                hits += hit is not None
            line.append(f"{name}: {hits}/{len(pairs)} hit")
        print(f"threshold {threshold:.2f}: " + "; ".join(line))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 300 if args.quick else 2000
    sizes = [10_000] if args.quick else [10_000, 100_000]
    bench_embeddings(n)
    await bench_exact(n)
    await bench_semantic(sizes, 200 if args.quick else 500)
    bench_knowledge_base(sizes, 200 if args.quick else 500)
    await bench_quality()


if __name__ == "__main__":
    asyncio.run(main())

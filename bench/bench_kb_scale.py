"""The knowledge base at 10k, 100k and 1M passages: bulk build, search latency, memory.

    python bench/bench_kb_scale.py --sizes 10000,100000,1000000 --queries 2000

Passages are SYNTHETIC (no corpus of a million passages ships with turnout): each is 30 words
drawn from the embedding model's whole-word vocabulary, 10 of them from one of 2,000 "topics"
(200-word lists) and 20 at random, so neighbours cluster like real text does. A query is 12
words of one passage plus 2 random words (a loose paraphrase); "source in top 3" is how often
the search finds that passage, "top 1 = exact" how often the approximate index's best hit is
the exact scan's.

For each size the store (SQLite file) is built through ``KnowledgeStore.add`` in bulk, as
`turnout kb add` does, then a fresh process opens it as a gateway would (index built from the
store) and measures, in that process:

* RSS before opening and after the index is built: the memory a gateway pays per passage;
* ``kb.search(question)`` end to end (embed, index, fetch the entries) and the index alone;
* the baseline, in the same process: an exact numpy scan of every vector for the same queries.

On-disk bytes per passage are the SQLite file (with its WAL checkpointed) over the count.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

TOPICS, TOPIC_WORDS, WORDS_PER_PASSAGE, FROM_TOPIC = 2000, 200, 30, 10


def _vocabulary() -> list[str]:
    from turnout.embeddings import default_embedder

    vocab = default_embedder()._tokenizer.get_vocab()
    return sorted(w for w in vocab if w.isalpha() and len(w) >= 3)


def _passages(n: int, words: list[str], topics: list[list[str]], rng: random.Random) -> list[str]:
    out = []
    for _ in range(n):
        topic = topics[rng.randrange(len(topics))]
        chosen = rng.choices(topic, k=FROM_TOPIC) + rng.choices(words, k=WORDS_PER_PASSAGE - FROM_TOPIC)
        rng.shuffle(chosen)
        out.append(" ".join(chosen))
    return out


def build(n: int, db: Path, chunk: int) -> dict[str, float]:
    from turnout.kb.store import Entry, KnowledgeStore

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    rng = random.Random(n)
    words = _vocabulary()
    topics = [rng.sample(words, TOPIC_WORDS) for _ in range(TOPICS)]
    kb = KnowledgeStore.open(f"sqlite:///{db}", index="lazy")  # as `turnout kb add`: no index to build
    embed_s = write_s = 0.0
    started = time.perf_counter()
    for s in range(0, n, chunk):
        entries = [Entry(text=t, source=f"synthetic-{s // chunk}")
                   for t in _passages(min(chunk, n - s), words, topics, rng)]
        t0 = time.perf_counter()
        vectors = kb.embed_entries(entries)
        t1 = time.perf_counter()
        kb.add(entries, vectors=vectors)
        t2 = time.perf_counter()
        embed_s += t1 - t0
        write_s += t2 - t1
    total = time.perf_counter() - started
    kb._db.run("PRAGMA wal_checkpoint(TRUNCATE)")
    kb.close()
    return {"embed_s": embed_s, "write_s": write_s, "build_total_s": total,
            "disk_bytes": sum(Path(f"{db}{x}").stat().st_size for x in ("", "-wal") if Path(f"{db}{x}").exists())}


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def probe(db: Path, queries: int, threads: int) -> dict[str, float]:
    """Run in a fresh process: what a gateway opening this store pays and gets."""
    from turnout.embeddings import cosine_scores, default_embedder
    from turnout.kb.store import KnowledgeStore

    embedder = default_embedder()
    embedder.embed(["warm up the tokenizer"])
    rss0 = _rss()
    t0 = time.perf_counter()
    kb = KnowledgeStore.open(f"sqlite:///{db}", embedder=embedder, index="now", index_threads=threads)
    index_build = time.perf_counter() - t0
    rss1 = _rss()
    n = len(kb)
    rng = random.Random(7)
    words = _vocabulary()
    sources = [rng.randrange(1, n + 1) for _ in range(queries)]
    texts = kb.get(sources)
    qs = []
    for sid in sources:
        ws = (texts[sid].text or "").split()
        qs.append(" ".join(rng.sample(ws, 12) + rng.choices(words, k=2)))
    end_to_end, index_only, found = [], [], 0
    qvecs = embedder.embed(qs)
    for q, sid, qv in zip(qs, sources, qvecs, strict=True):
        t = time.perf_counter()
        hits = kb.search(q, 3)
        end_to_end.append((time.perf_counter() - t) * 1000)
        found += int(any(h.index == sid for h in hits))
        t = time.perf_counter()
        assert kb._index is not None
        kb._index.search(qv, 3)
        index_only.append((time.perf_counter() - t) * 1000)
    # the baseline: every vector in one float32 matrix, scanned exactly (after the RSS figures)
    matrix = np.concatenate([np.frombuffer(b"".join(bytes(r[1]) for r in part), dtype=np.float32).reshape(len(part), -1)
                             for part in kb._db.stream(f"SELECT id, vector FROM {kb._entries_t} ORDER BY id")])
    ids = np.fromiter((int(r[0]) for part in kb._db.stream(f"SELECT id FROM {kb._entries_t} ORDER BY id")
                       for r in part), dtype=np.int64)
    exact, same_top = [], 0
    for qv in qvecs[: min(200, queries)]:
        t = time.perf_counter()
        scores = cosine_scores(matrix, qv)
        best = int(np.argmax(scores))
        exact.append((time.perf_counter() - t) * 1000)
        same_top += int(kb._index.search(qv, 1)[0][0] == int(ids[best]))
    out = {"n": n, "index_build_s": index_build, "rss_before": rss0, "rss_after_index": rss1,
           "index_bytes": kb.index_bytes(),
           "search_p50_ms": float(np.percentile(end_to_end, 50)), "search_p99_ms": float(np.percentile(end_to_end, 99)),
           "index_p50_ms": float(np.percentile(index_only, 50)), "index_p99_ms": float(np.percentile(index_only, 99)),
           "exact_p50_ms": float(np.percentile(exact, 50)), "exact_p99_ms": float(np.percentile(exact, 99)),
           "source_in_top3": found / len(qs),
           "top1_exact": same_top / len(exact)}
    kb.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--chunk", type=int, default=100_000, help="passages per `add` call (one transaction each)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads building the index")
    ap.add_argument("--dir", default="/tmp/turnout-kb-scale")
    ap.add_argument("--probe", default=None, help=argparse.SUPPRESS)  # internal: the fresh process
    args = ap.parse_args()
    if args.probe:
        print(json.dumps(probe(Path(args.probe), args.queries, args.threads)))
        return
    Path(args.dir).mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.1f} at start; {os.cpu_count()} cores", flush=True)
    print(f"{'passages':>9} {'embed s':>8} {'write s':>8} {'index s':>8} {'search p50':>10} {'p99 ms':>7} "
          f"{'index p50':>9} {'p99 ms':>7} {'exact p50':>9} {'p99 ms':>7} {'ratio p50':>9} {'RSS B/p':>8} "
          f"{'index B/p':>9} {'disk B/p':>8} {'top3':>5} {'=exact':>6}", flush=True)
    for n in [int(x) for x in args.sizes.split(",")]:
        db = Path(args.dir) / f"kb-{n}.db"
        b = build(n, db, args.chunk)
        out = subprocess.run([sys.executable, __file__, "--probe", str(db), "--queries", str(args.queries),
                              "--threads", str(args.threads)], capture_output=True, text=True, check=True)
        p = json.loads(out.stdout.strip().splitlines()[-1])
        rss_per = (p["rss_after_index"] - p["rss_before"]) / n
        print(f"{n:9d} {b['embed_s']:8.1f} {b['write_s']:8.1f} {p['index_build_s']:8.1f} {p['search_p50_ms']:10.3f} "
              f"{p['search_p99_ms']:7.2f} {p['index_p50_ms']:9.3f} {p['index_p99_ms']:7.2f} {p['exact_p50_ms']:9.2f} "
              f"{p['exact_p99_ms']:7.2f} {p['exact_p50_ms'] / p['search_p50_ms']:8.1f}x {rss_per:8.0f} "
              f"{p['index_bytes'] / n:9.0f} {b['disk_bytes'] / n:8.0f} {p['source_in_top3']:5.3f} {p['top1_exact']:6.3f}  "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
        print("   " + json.dumps({**b, **p}), flush=True)


if __name__ == "__main__":
    main()

"""Ledger figures: what record() costs on the request path, how fast the writer drains, what
the journal adds, how fast a crash is replayed, and what a summary costs.

    python bench/bench_ledger.py [--n 50000] [--pg postgresql://postgres@127.0.0.1:5432/test]
                                 [--no-pg]

Prints figures; never asserts on time. Uses a temporary directory and a temporary PostgreSQL
table (dropped at the end).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from turnout.ledger import JournaledLedger, SummaryBy, UsageRecord, open_ledger
from turnout.ledger.journal import parse_segment
from turnout.ledger.record import encode_line


def make(i: int, run: str) -> UsageRecord:
    return UsageRecord(
        request_id=f"{run}-{i:09d}",
        ts=time.time() - (i % 86400),
        key_id=f"key{i % 20}",
        model_requested="auto",
        model_used=("gpt-4o-mini", "claude-3-haiku-20240307", "local/qwen2.5-0.5b")[i % 3],
        rule="default",
        prompt_tokens=350 + i % 400,
        completion_tokens=120 + i % 90,
        cached_tokens=0,
        cost_usd=0.00042,
        latency_ms=float(300 + i % 700),
        ttft_ms=85.0,
        cache="miss",
        sensitivity="internal",
    )


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def timed_us(fn: Callable[[UsageRecord], object], items: list[UsageRecord]) -> list[float]:
    out = []
    clock = time.perf_counter_ns
    for rec in items:
        t0 = clock()
        fn(rec)
        out.append((clock() - t0) / 1000)
    return out


def line(label: str, samples: list[float]) -> str:
    return (
        f"  {label:<44} median {statistics.median(samples):6.2f} µs   "
        f"p99 {pct(samples, 0.99):7.2f} µs   max {max(samples):9.1f} µs"
    )


def bench_parts(n: int, work: Path) -> None:
    print(f"request-path parts ({n} records)")
    run = uuid.uuid4().hex[:8]
    recs = [make(i, run) for i in range(n)]
    encodes = timed_us(encode_line, recs)
    print(line("encode_line (orjson, positional array)", encodes))
    fd = os.open(work / "raw.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    lines = [encode_line(r) for r in recs]
    clock = time.perf_counter_ns
    writes = []
    for data in lines:
        t0 = clock()
        os.write(fd, data)
        writes.append((clock() - t0) / 1000)
    os.close(fd)
    print(line("os.write of one line (O_APPEND)", writes))
    size = sum(len(x) for x in lines) / n
    overhead = statistics.median(encodes) + statistics.median(writes)
    print(
        f"  journal overhead per record (encode + write medians): {overhead:.2f} µs; "
        f"{size:.0f} bytes (1,000 requests/s -> {size * 1000 / 1024:.0f} KiB/s of journal)"
    )


def bench_backend(name: str, url: str, n: int, work: Path) -> None:
    print(f"\n{name}: {url}")
    journal = work / f"journal-{name}"
    ledger = open_ledger(url, journal_dir=journal)
    assert isinstance(ledger, JournaledLedger)
    try:
        run = uuid.uuid4().hex[:8]
        recs = [make(i, run) for i in range(n)]
        # 1. record() on the request path, writer running behind it (back-to-back: worst case
        #    for GIL contention with the writer).
        t0 = time.perf_counter()
        samples = timed_us(ledger.record, recs)
        t_record = time.perf_counter() - t0
        ledger.flush(timeout=600)
        t_total = time.perf_counter() - t0
        stats = ledger.stats()
        print(line("record() back-to-back, writer running", samples))
        print(
            f"  sustained: {n} records accepted in {t_record:.2f} s, all committed after "
            f"{t_total:.2f} s -> writer {n / t_total:,.0f} records/s; "
            f"{stats.batches} transactions (mean batch {n / max(stats.batches, 1):.0f})"
        )
        # 2. Paced like a busy gateway: a request every ~250 µs, the thread sleeping (GIL
        #    released, as an event loop in epoll) in between.
        recs2 = [make(i, run + "p") for i in range(min(n, 10000))]
        paced = []
        clock = time.perf_counter_ns
        t1 = time.perf_counter()
        for rec in recs2:
            t0 = clock()
            ledger.record(rec)
            paced.append((clock() - t0) / 1000)
            time.sleep(0.0002)
        rate = len(recs2) / (time.perf_counter() - t1)
        ledger.flush(timeout=600)
        print(line(f"record() paced at {rate:,.0f}/s (sleeping between)", paced))
        # 3. Summaries over what is there.
        since = time.time() - 86400
        by: SummaryBy
        for by in ("model", "key", "day"):
            t1 = time.perf_counter()
            rows = ledger.summary(since, by=by)
            ms = (time.perf_counter() - t1) * 1000
            print(f"  summary by {by:<5} over {sum(r.requests for r in rows):,} rows: {ms:8.1f} ms")
    finally:
        ledger.close()
        if name == "postgresql":
            ledger.store.drop()  # type: ignore[attr-defined]


def bench_replay(url: str, n: int, work: Path, name: str) -> None:
    """A crashed process's journal of n records, replayed by the next open."""
    journal = work / f"journal-replay-{name}"
    journal.mkdir(parents=True, exist_ok=True)
    run = uuid.uuid4().hex[:8]
    data = b"".join(encode_line(make(i, run)) for i in range(n))
    t0 = time.perf_counter()
    parse_segment(data)
    t_parse = time.perf_counter() - t0
    (journal / "1-dead0000-000001.jsonl").write_bytes(data)
    t0 = time.perf_counter()
    ledger = open_ledger(url, journal_dir=journal)
    t_open = time.perf_counter() - t0
    print(
        f"  replay of a {len(data) / 1e6:.1f} MB orphan journal ({n} records): parse "
        f"{n / t_parse:,.0f} records/s, open incl. insert {t_open:.2f} s "
        f"({n / t_open:,.0f} records/s)"
    )
    ledger.close()
    if name == "postgresql":
        ledger.store.drop()  # type: ignore[attr-defined]


def pg_reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return True
    except Exception as exc:
        print(f"\n(PostgreSQL skipped: {exc})")
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=50000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        work = Path(tmp)
        bench_parts(args.n, work)
        bench_backend("sqlite", f"sqlite:///{work / 'bench.db'}", args.n, work)
        bench_replay(f"sqlite:///{work / 'bench.db'}", args.n, work, "sqlite")
        if not args.no_pg and pg_reachable(args.pg):
            table = f"bench_ledger_{os.getpid()}"
            url = f"{args.pg}?table={table}"
            bench_backend("postgresql", url, args.n, work)
            bench_replay(url, args.n, work, "postgresql")


if __name__ == "__main__":
    main()

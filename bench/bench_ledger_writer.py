"""The SQLite ledger writer's cost per record: what the writer thread spends committing a batch.

    python bench/bench_ledger_writer.py [--rows 200000] [--batch 400] [--batches 50] [--rounds 3]

Opens a fresh SQLite store of the tree on ``PYTHONPATH`` (its schema, its indexes, its insert
statement), fills it with ``--rows`` records of a few days' gateway traffic, then times
``store.insert`` of ``--batches`` batches of ``--batch`` new records each (one batch is what the
writer commits every 0.2 s at ~2,000 requests a second), on the thread's CPU clock. Request ids
are made as the server makes them (``server.app._new_request_id``). Prints CPU microseconds per
record and the same for the record-to-row conversion alone
(``row_of``), which the writer also runs. ``--rounds`` repeats the timed part on the same store.

Run it for two trees in turn (``PYTHONPATH=<tree>/src``) and compare: the figure moves with the
machine's load, the ratio much less.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from turnout.ledger.record import UsageRecord, row_of
from turnout.ledger.sqlite import SQLiteStore

try:
    from turnout.gateway import new_request_id as new_id
except ImportError:  # a tree without the server's dependencies installed
    import uuid

    def new_id() -> str:
        return uuid.uuid4().hex


# What the gateway's route column holds for a forwarded request (shape of route_detail()).
_ROUTE = {
    "requested_model": "gpt-4o-mini",
    "reason": "requested model gpt-4o-mini",
    "signals": {"prompt_tokens": 14, "sensitivity": "public", "pii": [], "complexity": 0.12,
                "task": "chat", "tools": False, "vision": False, "json_mode": False},
    "rejected": [],
    "fallback_chain": ["gpt-4o-mini"],
    "estimated_cost_usd": 1.2e-05,
    "cascade": False,
    "attempts": [{"model": "gpt-4o-mini", "status": 200, "latency_ms": 1.3}],
}


def record(i: int, now: float) -> UsageRecord:
    return UsageRecord(
        request_id=new_id(),
        model_used=("gpt-4o-mini", "gpt-4o", "local/qwen")[i % 3],
        ts=now + i * 0.0005,
        key_id=f"key{i % 20}",
        model_requested="gpt-4o-mini",
        rule="default",
        prompt_tokens=14 + i % 50,
        completion_tokens=9 + i % 30,
        cost_usd=1.2e-05,
        latency_ms=1.0 + (i % 100) / 10,
        cache="off",
        status=200,
        sensitivity="public",
        route=dict(_ROUTE),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000, help="rows in the table before timing")
    ap.add_argument("--batch", type=int, default=400)
    ap.add_argument("--batches", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()

    tmp = Path(args.dir or tempfile.mkdtemp(prefix="bench-ledger-writer-"))
    db = tmp / "ledger.db"
    store = SQLiteStore(db)
    start = time.time() - 3 * 86400
    i = 0
    while i < args.rows:  # fill: a few days of traffic, in writer-sized batches
        n = min(5000, args.rows - i)
        store.insert([record(i + k, start) for k in range(n)])
        i += n
    per_record: list[float] = []
    per_row_of: list[float] = []
    now = time.time()
    for _ in range(args.rounds):
        batches = [[record(i + b * args.batch + k, now) for k in range(args.batch)] for b in range(args.batches)]
        i += args.batches * args.batch
        t0 = time.thread_time()
        for batch in batches:
            [row_of(r) for r in batch]
        per_row_of.append((time.thread_time() - t0) / (args.batches * args.batch) * 1e6)
        t0 = time.thread_time()
        for batch in batches:
            store.insert(batch)
        per_record.append((time.thread_time() - t0) / (args.batches * args.batch) * 1e6)
    out = {
        "rows_before": args.rows, "batch": args.batch,
        "insert_us_per_record": [round(x, 2) for x in per_record],
        "insert_us_median": round(statistics.median(per_record), 2),
        "row_of_us_median": round(statistics.median(per_row_of), 2),
        "db_bytes_per_row": round(os.path.getsize(db) / store.count()),
    }
    print(json.dumps(out))
    store.close()


if __name__ == "__main__":
    main()

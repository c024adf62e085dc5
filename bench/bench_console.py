"""The dashboard's overview over a large ledger: time to render ``GET /ui/?range=...``.

    python bench/bench_console.py [--rows 1000000] [--repeat 15] [--db /tmp/console-bench.db]

Fills an SQLite ledger with ``--rows`` synthetic records spread over the last 30 days (8
models, 200 keys, 3% errors, 10% cache hits), logs in to the dashboard through the ASGI app,
and times the overview page end to end (session check, the ledger queries in a worker thread,
template rendering) for each range. Prints median and p99 per range; the baseline measured in
the same run is the overview's queries scanning the ledger (no hourly rollup), 3 runs each.
The database is kept (``--db``) so a second run skips the fill.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sqlite3
import statistics
import sys
import time
from pathlib import Path

MODELS = ["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "claude-3-haiku", "local/qwen", "ollama/llama3",
          "gpt-3.5-turbo", "o3-mini"]


def fill(path: Path, rows: int) -> None:
    from turnout.ledger import open_ledger
    from turnout.ledger.record import COLUMNS

    open_ledger(f"sqlite:///{path}").close()  # creates the table and its indexes
    conn = sqlite3.connect(path)
    have = conn.execute("SELECT COUNT(*) FROM turnout_usage").fetchone()[0]
    if have >= rows:
        conn.close()
        return
    rng = random.Random(7)
    now = time.time()
    cols = ", ".join(COLUMNS)
    marks = ", ".join("?" * len(COLUMNS))
    sql = f"INSERT INTO turnout_usage ({cols}) VALUES ({marks})"
    batch = []
    started = time.perf_counter()
    for i in range(have, rows):
        model = MODELS[i % len(MODELS)]
        err = rng.random() < 0.03
        hit = not err and rng.random() < 0.10
        p, c = rng.randint(20, 4000), rng.randint(5, 800)
        cost = 0.0 if hit or err else (p * 2.5 + c * 10) / 1e6
        batch.append((f"bench-{i}", now - rng.random() * 30 * 86400, f"key_{i % 200:08d}", "auto", "" if err else model,
                      "default", 0 if hit else p, 0 if hit else c, 0, 0, cost, (p * 2.5 + c * 10) / 1e6 if hit else 0.0,
                      rng.uniform(50, 3000), None, "hit" if hit else "miss", 0, 502 if err else 200, "public",
                      "upstream failed" if err else None, None,
                      '{"reason":"bench","signals":{"sensitivity":"public","complexity":"simple"}}'))
        if len(batch) == 50_000:
            conn.executemany(sql, batch)
            conn.commit()
            batch.clear()
            sys.stderr.write(f"\rfilled {i + 1:,} rows")
    if batch:
        conn.executemany(sql, batch)
        conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    sys.stderr.write(f"\rfilled {rows:,} rows in {time.perf_counter() - started:.0f} s\n")


async def time_overview(db: Path, ranges: list[str], repeat: int) -> dict[str, list[float]]:
    import httpx

    from turnout.config import parse_config
    from turnout.gateway import Gateway
    from turnout.server.app import TurnoutApp

    master = "sk-bench-master"
    cfg = parse_config({"ledger": {"url": f"sqlite:///{db}"},
                        "server": {"master_key": master, "keys_url": f"sqlite:///{db}.keys"}, "models": [
                            {"name": "fake/a", "provider": "fake", "local": True}]})
    gw = Gateway(cfg)
    app = TurnoutApp(gw)
    out: dict[str, list[float]] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        page = await client.get("/ui/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf, "no csrf token on the login page"
        r = await client.post("/ui/login", data={"key": master, "csrf": csrf.group(1)})
        assert r.status_code == 303, r.text
        for span in ranges:
            times = []
            for i in range(repeat + 1):
                t0 = time.perf_counter()
                r = await client.get(f"/ui/?range={span}")
                took = (time.perf_counter() - t0) * 1000
                assert r.status_code == 200 and "Spend by model" in r.text, r.status_code
                if i:  # the first is a warm-up (page cache, template compile)
                    times.append(took)
            out[span] = times
    await gw.aclose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--db", default="/tmp/turnout-console-bench.db")
    args = ap.parse_args()
    os.environ.setdefault("TURNOUT_ACCESS_LOG", "0")
    os.environ.setdefault("TURNOUT_ENABLE_FAKE", "1")  # the overview needs a model configured, not called
    db = Path(args.db)
    fill(db, args.rows)
    conn = sqlite3.connect(db)
    n = conn.execute("SELECT COUNT(*) FROM turnout_usage").fetchone()[0]
    conn.close()
    print(f"ledger: {n:,} rows over 30 days, SQLite, {db.stat().st_size / 1e6:.0f} MB")
    ranges = ["24h", "7d", "30d"]
    results = asyncio.run(time_overview(db, ranges, args.repeat))
    print(f"{'range':>6} {'rows in range':>14} {'median ms':>10} {'p99 ms':>8} {'scan ms':>12} {'ratio':>6}")
    conn = sqlite3.connect(db)
    for span in ranges:
        secs = {"24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}[span]
        in_range = conn.execute("SELECT COUNT(*) FROM turnout_usage WHERE ts >= ?", (time.time() - secs,)).fetchone()[0]
        t = sorted(results[span])
        p99 = t[min(len(t) - 1, int(0.99 * len(t)))]
        base = baseline(db, secs)
        print(f"{span:>6} {in_range:>14,} {statistics.median(t):>10.1f} {p99:>8.1f} {base:>12.1f} "
              f"{base / statistics.median(t):>6.0f}x")
    conn.close()


def baseline(db: Path, secs: float, runs: int = 3) -> float:
    """Median ms of the overview's queries as plain scans of the ledger (no rollup)."""
    from turnout.ledger import open_ledger
    from turnout.ledger.queries import Filters, LedgerQueries

    with open_ledger(f"sqlite:///{db}") as ledger:
        q = LedgerQueries(ledger)
        q._rollup_usable = lambda f, tz_offset_s=0: False  # type: ignore[method-assign]
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            q.overview(Filters(since=time.time() - secs), bucket="hour" if secs < 30 * 86400 else "day")
            times.append((time.perf_counter() - t0) * 1000)
        q.close()
    return statistics.median(times)


if __name__ == "__main__":
    main()

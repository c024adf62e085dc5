"""A process that records into a ledger and then dies by SIGKILL (the crash tests run it).

    python ledger_child.py CONFIG_JSON

CONFIG_JSON: {"url", "journal_dir", "prefix", "n", "threads", "flush_interval", "batch_max",
"rotate_bytes", "kill": "after" | "racing" | "none", "race_after_s", "db_down",
"sleep_before_kill"}

- kill=after: record n records (over `threads` threads), then SIGKILL itself.
- kill=racing: a timer SIGKILLs the process after race_after_s while it records; after each
  record() returns, the record's index is written to stdout (the parent then knows which
  records were acknowledged).
- kill=none: record n, close the ledger, exit 0.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_records import make_record

from turnout.ledger import open_ledger


def main() -> None:
    cfg = orjson.loads(sys.argv[1])
    ledger = open_ledger(
        cfg["url"],
        journal_dir=cfg["journal_dir"],
        flush_interval=cfg.get("flush_interval", 0.2),
        batch_max=cfg.get("batch_max", 2000),
        rotate_bytes=cfg.get("rotate_bytes", 8 << 20),
    )
    n, threads, prefix, kill = cfg["n"], cfg.get("threads", 1), cfg["prefix"], cfg["kill"]
    if cfg.get("db_down"):

        def down(records: object) -> int:
            raise ConnectionError("database is down")

        ledger.store.insert = down  # type: ignore[attr-defined]
    os.write(1, b"ready\n")
    if kill == "racing":
        timer = threading.Timer(cfg["race_after_s"], os.kill, (os.getpid(), signal.SIGKILL))
        timer.start()
        for i in range(n):
            ledger.record(make_record(i, prefix=prefix))
            os.write(1, b"%d\n" % i)
        timer.cancel()
        ledger.close()
        return

    def work(part: int) -> None:
        for i in range(part, n, threads):
            ledger.record(make_record(i, prefix=prefix))

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if kill == "after":
        time.sleep(cfg.get("sleep_before_kill", 0.0))
        os.kill(os.getpid(), signal.SIGKILL)
    ledger.close()


if __name__ == "__main__":
    main()

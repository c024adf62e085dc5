"""Several gateway processes on one PostgreSQL ledger: exactly one row per record, also when
one of them is SIGKILLed with records only in its journal."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from turnout.ledger import JournaledLedger, open_ledger

CHILD = Path(__file__).with_name("ledger_child.py")


@pytest.mark.postgres
def test_three_processes_write_concurrently_one_row_per_record(
    pg_url: str, journal_dir: Path
) -> None:
    n = 3000
    plans = [
        {"kill": "none", "flush_interval": 0.01, "batch_max": 200},
        {"kill": "after", "flush_interval": 0.005, "batch_max": 100},  # dies mid-stream
        {"kill": "after", "flush_interval": 60.0, "batch_max": 5000},  # dies before any batch
    ]
    procs = []
    for p, plan in enumerate(plans):
        cfg = {
            "url": pg_url,
            "journal_dir": str(journal_dir),
            "prefix": f"p{p}",
            "n": n,
            "threads": 2,
            **plan,
        }
        procs.append(
            subprocess.Popen(
                [sys.executable, str(CHILD), orjson.dumps(cfg).decode()],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    codes = []
    for proc in procs:
        _, err = proc.communicate(timeout=90)
        codes.append(proc.returncode)
        assert proc.returncode in (0, -signal.SIGKILL), err.decode(errors="replace")
    assert codes == [0, -signal.SIGKILL, -signal.SIGKILL]

    ledger = open_ledger(pg_url, journal_dir=journal_dir)
    assert isinstance(ledger, JournaledLedger)
    with ledger:
        store = ledger.store
        rows = (
            store._reader()  # type: ignore[attr-defined]
            .execute(
                f"SELECT COUNT(*), COUNT(DISTINCT request_id) FROM {store._qtable}"  # type: ignore[attr-defined]
            )
            .fetchone()
        )
        assert rows == (3 * n, 3 * n), ledger.stats()
        # The dead processes' journals were replayed by this open or already by a sibling
        # that opened after one died: which one is a race, exactly-once is not.
        per_process = {r.group: r.requests for r in ledger.summary(0, by="model")}
        assert sum(per_process.values()) == 3 * n
    assert not list(journal_dir.glob("*.jsonl"))

"""Invariant 2: a record survives a SIGKILL of its process the moment record() returned.

Each test runs ``ledger_child.py`` in a subprocess that records and then SIGKILLs itself (or is
killed by a timer while recording), then reopens the ledger in this process: the orphaned
journal is replayed, and every acknowledged record is there exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from turnout.ledger import JournaledLedger, LedgerClosedError, open_ledger
from turnout.ledger.journal import parse_segment
from turnout.ledger.record import encode_line

from .ledger_records import make_record

CHILD = Path(__file__).with_name("ledger_child.py")


def run_child(cfg: dict[str, Any], timeout: float = 60.0) -> tuple[int, bytes]:
    proc = subprocess.run(
        [sys.executable, str(CHILD), orjson.dumps(cfg).decode()],
        capture_output=True,
        timeout=timeout,
    )
    return proc.returncode, proc.stdout + proc.stderr


def ids_in(ledger: JournaledLedger, prefix: str) -> list[str]:
    ledger.flush()
    store: Any = ledger.store
    if hasattr(store, "_qtable"):
        sql = f"SELECT request_id FROM {store._qtable} WHERE request_id LIKE %s"
        rows = store._reader().execute(sql, [prefix + "-%"]).fetchall()
    else:
        sql = f"SELECT request_id FROM {store.table} WHERE request_id LIKE ?"
        rows = store._rconn.execute(sql, [prefix + "-%"]).fetchall()
    return [r[0] for r in rows]


def reopen(url: str, journal_dir: Path) -> JournaledLedger:
    ledger = open_ledger(url, journal_dir=journal_dir)
    assert isinstance(ledger, JournaledLedger)
    return ledger


@pytest.mark.parametrize("trial", range(4))
def test_sigkill_after_record_loses_nothing_sqlite(
    sqlite_url: str, journal_dir: Path, trial: int
) -> None:
    _sigkill_after_record(sqlite_url, journal_dir, trial)


@pytest.mark.postgres
@pytest.mark.parametrize("trial", range(2))
def test_sigkill_after_record_loses_nothing_postgres(
    pg_url: str, journal_dir: Path, trial: int
) -> None:
    _sigkill_after_record(pg_url, journal_dir, trial)


def _sigkill_after_record(url: str, journal_dir: Path, trial: int) -> None:
    rng = random.Random(trial)
    n = rng.randint(1, 3000)
    cfg: dict[str, Any] = {
        "url": url,
        "journal_dir": str(journal_dir),
        "prefix": f"k{trial}",
        "n": n,
        "threads": rng.choice([1, 4]),
        # From "the writer never ran" (60 s) to "killed in the middle of its batches".
        "flush_interval": rng.choice([60.0, 0.001, 0.01]),
        "batch_max": rng.choice([50, 500, 5000]),
        "rotate_bytes": rng.choice([2048, 8 << 20]),
        "kill": "after",
    }
    code, out = run_child(cfg)
    assert code == -signal.SIGKILL, out.decode(errors="replace")
    with reopen(url, journal_dir) as ledger:
        ids = ids_in(ledger, cfg["prefix"])
        assert len(ids) == n, (cfg, ledger.stats())
        assert len(set(ids)) == n
        assert sorted(ids) == sorted(f"{cfg['prefix']}-{i:08d}" for i in range(n))
    assert not list(journal_dir.glob("*.jsonl")), "replayed segments are deleted"


@pytest.mark.parametrize("trial", range(3))
def test_sigkill_at_a_random_moment_keeps_every_acknowledged_record(
    sqlite_url: str, journal_dir: Path, trial: int
) -> None:
    rng = random.Random(100 + trial)
    cfg: dict[str, Any] = {
        "url": sqlite_url,
        "journal_dir": str(journal_dir),
        "prefix": f"r{trial}",
        "n": 1_000_000,
        "flush_interval": rng.choice([0.001, 0.05]),
        "batch_max": rng.choice([100, 2000]),
        "rotate_bytes": rng.choice([4096, 8 << 20]),
        "kill": "racing",
        "race_after_s": rng.uniform(0.05, 0.4),
    }
    code, out = run_child(cfg)
    assert code == -signal.SIGKILL, out[-2000:].decode(errors="replace")
    lines = out.split(b"\n")
    acked = [int(x) for x in lines[1:-1] if x.isdigit()]  # the last line may be cut short
    assert acked, "the child recorded nothing before the kill"
    last = acked[-1]
    with reopen(sqlite_url, journal_dir) as ledger:
        ids = ids_in(ledger, cfg["prefix"])
    assert len(ids) == len(set(ids))
    want = {f"{cfg['prefix']}-{i:08d}" for i in range(last + 1)}
    assert want <= set(ids), f"lost {len(want - set(ids))} acknowledged records"
    # At most the one record in flight (written, not yet acknowledged on stdout) is extra.
    assert len(ids) - len(want) <= 1


@pytest.mark.parametrize(("n", "batch_max"), [(2000, 100), (60, 1000)])
def test_sigkill_during_a_database_outage_loses_nothing(
    sqlite_url: str, journal_dir: Path, n: int, batch_max: int
) -> None:
    """The writer keeps failing (and rotating segments) while the process records; then it
    is killed. Everything comes back from the journal. (60, 1000): every record is in the
    writer's failing batch and none is queued: the journal must not look "all committed"."""
    cfg: dict[str, Any] = {
        "url": sqlite_url,
        "journal_dir": str(journal_dir),
        "prefix": "out",
        "n": n,
        "flush_interval": 0.01,
        "batch_max": batch_max,
        "rotate_bytes": 4096,
        "db_down": True,
        "kill": "after",
        "sleep_before_kill": 0.5,
    }
    code, out = run_child(cfg)
    assert code == -signal.SIGKILL, out.decode(errors="replace")
    assert len(list(journal_dir.glob("*.jsonl"))) > 1  # it rotated during the outage
    with reopen(sqlite_url, journal_dir) as ledger:
        ids = ids_in(ledger, "out")
        assert len(ids) == len(set(ids)) == n


def test_torn_last_line_is_ignored_and_reported(sqlite_url: str, journal_dir: Path) -> None:
    journal_dir.mkdir(parents=True)
    good = b"".join(encode_line(make_record(i)) for i in range(3))
    torn = encode_line(make_record(3))[:25]  # died inside write(): no newline
    (journal_dir / "999-deadbeef-000001.jsonl").write_bytes(good + torn)
    with reopen(sqlite_url, journal_dir) as ledger:
        assert ledger.count() == 3
        stats = ledger.stats()
        assert stats.torn_lines == 1 and stats.bad_lines == 0 and stats.replayed == 3
    assert not list(journal_dir.glob("999-*"))


def test_unreadable_line_is_skipped_and_the_segment_kept_for_a_human(
    sqlite_url: str, journal_dir: Path
) -> None:
    journal_dir.mkdir(parents=True)
    data = encode_line(make_record(0)) + b"\x00garbage\n" + encode_line(make_record(1))
    (journal_dir / "999-deadbeef-000001.jsonl").write_bytes(data)
    with reopen(sqlite_url, journal_dir) as ledger:
        assert ledger.count() == 2
        assert ledger.stats().bad_lines == 1
    assert [p.name for p in journal_dir.iterdir()] == ["999-deadbeef-000001.jsonl.corrupt"]
    with reopen(sqlite_url, journal_dir) as ledger:  # not claimed again
        assert ledger.stats().orphan_segments == 0


def test_replaying_records_already_committed_adds_no_duplicates(
    ledger_url: str, journal_dir: Path
) -> None:
    with reopen(ledger_url, journal_dir) as ledger:
        for i in range(20):
            ledger.record(make_record(i))
    # As if a process died after its batch committed but before it emptied its journal.
    (journal_dir / "999-deadbeef-000001.jsonl").write_bytes(
        b"".join(encode_line(make_record(i)) for i in range(25))
    )
    with reopen(ledger_url, journal_dir) as ledger:
        assert ledger.count() == 25
        stats = ledger.stats()
        assert stats.replayed == 25 and stats.replayed_new == 5


def test_a_live_ledgers_journal_is_never_claimed(sqlite_url: str, journal_dir: Path) -> None:
    first = reopen(sqlite_url, journal_dir)
    first._flush_interval = 3600.0  # keep its records in its journal only
    time.sleep(0.3)  # let the writer enter its (now long) wait
    for i in range(10):
        first.record(make_record(i))
    second = open_ledger(sqlite_url, journal_dir=journal_dir, orphan_scan_s=0.01)
    assert isinstance(second, JournaledLedger)
    time.sleep(0.2)  # several orphan scans
    assert second.stats().orphan_segments == 0
    assert first.journal.path.exists()
    first.close()
    assert second.count() == 10
    second.close()


def test_a_running_sibling_replays_a_dead_processs_journal(
    sqlite_url: str, journal_dir: Path
) -> None:
    """The multi-process case: nobody restarts the dead process; a live one picks it up."""
    survivor = open_ledger(sqlite_url, journal_dir=journal_dir, orphan_scan_s=0.1)
    assert isinstance(survivor, JournaledLedger)
    try:
        cfg: dict[str, Any] = {
            "url": sqlite_url,
            "journal_dir": str(journal_dir),
            "prefix": "dead",
            "n": 500,
            "flush_interval": 60.0,
            "kill": "after",
        }
        code, out = run_child(cfg)
        assert code == -signal.SIGKILL, out.decode(errors="replace")
        deadline = time.monotonic() + 10
        while survivor.stats().replayed < 500 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(ids_in(survivor, "dead")) == 500
    finally:
        survivor.close()


def test_stale_unrenamed_segment_is_removed(sqlite_url: str, journal_dir: Path) -> None:
    journal_dir.mkdir(parents=True)
    stale = journal_dir / "999-deadbeef-000001.jsonl.new"
    stale.write_bytes(b"")
    with reopen(sqlite_url, journal_dir):
        pass
    assert not stale.exists()


def test_database_outage_is_survived(sqlite_url: str, journal_dir: Path) -> None:
    ledger = reopen(sqlite_url, journal_dir)
    real_insert = ledger.store.insert
    failing = threading.Event()
    failing.set()

    def flaky(records: Any) -> int:
        if failing.is_set():
            raise RuntimeError("database is down")
        return real_insert(records)

    ledger.store.insert = flaky  # type: ignore[method-assign]
    for i in range(100):
        ledger.record(make_record(i))
    with pytest.raises(TimeoutError, match="database is down"):
        ledger.flush(timeout=0.5)
    assert ledger.stats().db_errors >= 1
    failing.clear()
    ledger.flush(timeout=15)
    assert ledger.store.count() == 100
    ledger.close()


def test_close_during_an_outage_keeps_the_journal_for_the_next_open(
    sqlite_url: str, journal_dir: Path
) -> None:
    ledger = reopen(sqlite_url, journal_dir)

    def down(records: Any) -> int:
        raise RuntimeError("database is down")

    ledger.store.insert = down  # type: ignore[method-assign]
    for i in range(30):
        ledger.record(make_record(i))
    ledger.close(timeout=10)
    assert len(list(journal_dir.glob("*.jsonl"))) == 1
    with reopen(sqlite_url, journal_dir) as again:
        assert again.count() == 30


def test_parse_segment_reports_torn_and_bad_lines() -> None:
    good = encode_line(make_record(1))
    records, torn, bad = parse_segment(good + b"[1, 2]\n\n" + good[:-5])
    assert [r.request_id for r in records] == ["req-00000001"]
    assert torn and bad == 1
    records, torn, bad = parse_segment(b"")
    assert records == [] and not torn and bad == 0


def test_child_exits_cleanly_without_kill(sqlite_url: str, journal_dir: Path) -> None:
    cfg: dict[str, Any] = {
        "url": sqlite_url,
        "journal_dir": str(journal_dir),
        "prefix": "ok",
        "n": 50,
        "kill": "none",
    }
    code, out = run_child(cfg)
    assert code == 0, out.decode(errors="replace")
    assert list(journal_dir.iterdir()) == []
    with reopen(sqlite_url, journal_dir) as ledger:
        assert len(ids_in(ledger, "ok")) == 50


def test_a_forked_child_cannot_write_into_its_parents_journal(
    sqlite_url: str, journal_dir: Path
) -> None:
    ledger = reopen(sqlite_url, journal_dir)
    ledger.record(make_record(0))
    pid = os.fork()
    if pid == 0:  # the child: must refuse, and leave the parent's journal alone at exit
        code = 3
        try:
            ledger.record(make_record(1))
        except LedgerClosedError as exc:
            code = 0 if "before fork" in str(exc) else 4
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    ledger.record(make_record(2))
    assert ledger.count() == 2
    ledger.close()


@pytest.mark.postgres
def test_postgres_connection_loss_is_retried(pg_url: str, journal_dir: Path) -> None:
    ledger = reopen(pg_url, journal_dir)
    try:
        for i in range(10):
            ledger.record(make_record(i))
        ledger.flush()
        store: Any = ledger.store
        pid = store._wconn.info.backend_pid
        store._reader().execute("SELECT pg_terminate_backend(%s)", [pid])
        for i in range(10, 20):
            ledger.record(make_record(i))
        ledger.flush(timeout=20)
        assert ledger.count() == 20
        assert ledger.stats().db_errors >= 1
        assert store._wconn.info.backend_pid != pid
    finally:
        ledger.close()

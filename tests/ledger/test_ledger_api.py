"""The ledger's contract, on SQLite and PostgreSQL alike: round trip, summaries, batching,
concurrency, prompts off by default, index use."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from turnout.ledger import (
    JournaledLedger,
    LedgerClosedError,
    MemoryLedger,
    UsageRecord,
    open_ledger,
)
from turnout.ledger.record import COLUMNS

from .ledger_records import make_record


def _open(url: str, journal_dir: Path, **kw: object) -> JournaledLedger:
    ledger = open_ledger(url, journal_dir=journal_dir, **kw)  # type: ignore[arg-type]
    assert isinstance(ledger, JournaledLedger)
    return ledger


def _fetch_all(ledger: JournaledLedger) -> dict[str, UsageRecord]:
    """Read back every row through the store's own connection (after a flush)."""
    ledger.flush()
    store = ledger.store
    cols = ", ".join(COLUMNS)
    if hasattr(store, "_qtable"):
        rows = store._reader().execute(f"SELECT {cols} FROM {store._qtable}").fetchall()  # type: ignore[attr-defined]
    else:
        rows = store._rconn.execute(f"SELECT {cols} FROM {store.table}").fetchall()  # type: ignore[attr-defined]
    out = {}
    for row in rows:
        fields = dict(zip(COLUMNS, row, strict=True))
        fields["tokens_estimated"] = bool(fields["tokens_estimated"])
        out[fields["request_id"]] = UsageRecord(**fields)
    return out


def test_round_trip_keeps_every_field(ledger_url: str, journal_dir: Path) -> None:
    recs = [make_record(i) for i in range(50)]
    with _open(ledger_url, journal_dir) as ledger:
        for r in recs:
            ledger.record(r)
        assert ledger.count() == 50
        got = _fetch_all(ledger)
    for r in recs:
        g = got[r.request_id]
        for name in COLUMNS:
            want, have = getattr(r, name), getattr(g, name)
            if isinstance(want, float):
                assert have == pytest.approx(want, rel=1e-6), name
            else:
                assert have == want, name


def test_reopen_sees_previous_rows_and_ignores_duplicate_ids(
    ledger_url: str, journal_dir: Path
) -> None:
    with _open(ledger_url, journal_dir) as ledger:
        for i in range(10):
            ledger.record(make_record(i))
    with _open(ledger_url, journal_dir) as ledger:
        assert ledger.count() == 10
        ledger.record(make_record(3, cost_usd=99.0))  # same request_id: a retry of the record
        ledger.record(make_record(10))
        assert ledger.count() == 11
        assert sum(r.cost_usd for r in ledger.summary(0)) < 1.0


def test_summary_by_model_key_day_with_filters(ledger_url: str, journal_dir: Path) -> None:
    # Three local days, at local noon, so the day a record belongs to is unambiguous; the last
    # one is yesterday, so that no record lies in the future whatever the time of day (a
    # record stamped today at noon is "after now" before noon, and summaries end at now).
    yesterday_noon = time.mktime((*time.localtime()[:3], 12, 0, 0, 0, 0, -1)) - 86400
    days = [yesterday_noon - 2 * 86400, yesterday_noon - 86400, yesterday_noon]
    recs = [make_record(i, prefix=f"d{d}", ts=day) for d, day in enumerate(days) for i in range(40)]
    reference = MemoryLedger()
    with _open(ledger_url, journal_dir) as ledger:
        for r in recs:
            ledger.record(r)
            reference.record(r)
        since_yesterday = days[1] - 12 * 3600
        for by in ("model", "key", "day"):
            for since, until in [
                (0.0, None),
                (since_yesterday, None),
                (since_yesterday, days[2] - 6 * 3600),
            ]:
                for key_id, model in [(None, None), ("key1", None), (None, "gpt-4o-mini")]:
                    got = ledger.summary(since, until, by, key_id=key_id, model=model)
                    want = reference.summary(since, until, by, key_id=key_id, model=model)
                    assert [g.group for g in got] == [w.group for w in want], (
                        by,
                        since,
                        until,
                        key_id,
                    )
                    for g, w in zip(got, want, strict=True):
                        assert g.requests == w.requests
                        assert g.prompt_tokens == w.prompt_tokens
                        assert g.completion_tokens == w.completion_tokens
                        assert g.cached_tokens == w.cached_tokens
                        assert g.cache_hits == w.cache_hits
                        assert g.errors == w.errors
                        assert g.cost_usd == pytest.approx(w.cost_usd)
                        assert g.saved_usd == pytest.approx(w.saved_usd)
                        assert g.avg_latency_ms == pytest.approx(w.avg_latency_ms)
                        assert g.p50_latency_ms == pytest.approx(w.p50_latency_ms)
        by_day = ledger.summary(0, by="day")
        assert [r.group for r in by_day] == [
            time.strftime("%Y-%m-%d", time.localtime(d)) for d in days
        ]
        assert all(r.requests == 40 for r in by_day)
        only_today = ledger.summary(days[2] - 12 * 3600, by="model")
        assert sum(r.requests for r in only_today) == 40
        by_key = {r.group: r.requests for r in ledger.summary(0, by="key")}
        assert by_key[None] == 30 and by_key["key1"] == 30
        assert ledger.summary(time.time() + 3600) == []
        with pytest.raises(ValueError, match="grouping"):
            ledger.summary(0, by="week")  # type: ignore[arg-type]


def test_writer_batches_many_records_into_few_transactions(
    ledger_url: str, journal_dir: Path
) -> None:
    with _open(ledger_url, journal_dir, flush_interval=0.5, batch_max=1000) as ledger:
        for i in range(5000):
            ledger.record(make_record(i))
        ledger.flush()
        stats = ledger.stats()
        assert stats.committed == 5000 and stats.pending == 0
        assert 5 <= stats.batches <= 10, stats
        assert ledger.count() == 5000


def test_concurrent_record_from_many_threads(ledger_url: str, journal_dir: Path) -> None:
    threads, per_thread = 8, 1000
    with _open(ledger_url, journal_dir, flush_interval=0.02, batch_max=500) as ledger:
        start = threading.Barrier(threads)

        def work(t: int) -> None:
            start.wait()
            for i in range(per_thread):
                ledger.record(make_record(i, prefix=f"t{t}"))

        workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert ledger.count() == threads * per_thread
        assert sum(r.requests for r in ledger.summary(0)) == threads * per_thread


def test_journal_is_emptied_once_committed_and_removed_on_close(
    ledger_url: str, journal_dir: Path
) -> None:
    ledger = _open(ledger_url, journal_dir, flush_interval=0.01, rotate_bytes=4096)
    for i in range(2000):  # ~300 kB of journal: several rotations on the way
        ledger.record(make_record(i))
    ledger.flush()
    assert ledger.stats().rotations >= 1, ledger.stats()

    def only_an_empty_segment_left() -> bool:
        segments = list(journal_dir.glob("*.jsonl"))
        return len(segments) == 1 and segments[0].stat().st_size == 0

    deadline = time.monotonic() + 5
    while not only_an_empty_segment_left() and time.monotonic() < deadline:
        time.sleep(0.01)  # rotated segments go, the live one is truncated, on idle passes
    assert only_an_empty_segment_left(), list(journal_dir.iterdir())
    ledger.close()
    assert list(journal_dir.iterdir()) == []
    assert open_ledger(ledger_url, journal_dir=journal_dir).count() == 2000


def test_prompts_are_stored_only_when_configured(ledger_url: str, journal_dir: Path) -> None:
    with _open(ledger_url, journal_dir, flush_interval=10.0) as ledger:
        ledger.record(make_record(1, prompt="my secret prompt"))
        journal = ledger.journal.path.read_bytes()
        assert b"req-00000001" in journal and b"secret" not in journal
        ledger.flush()
        assert _fetch_all(ledger)["req-00000001"].prompt is None
    with _open(ledger_url, journal_dir, store_prompts=True) as ledger:
        ledger.record(make_record(2, prompt="kept on purpose"))
        ledger.flush()
        assert _fetch_all(ledger)["req-00000002"].prompt == "kept on purpose"


def test_record_after_close_is_refused_and_close_is_idempotent(
    ledger_url: str, journal_dir: Path
) -> None:
    ledger = _open(ledger_url, journal_dir)
    ledger.close()
    ledger.close()
    with pytest.raises(LedgerClosedError):
        ledger.record(make_record(1))


async def test_aflush_does_not_block_the_loop(ledger_url: str, journal_dir: Path) -> None:
    ledger = _open(ledger_url, journal_dir, flush_interval=10.0)
    try:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        for i in range(100):
            ledger.record(make_record(i))
        await ledger.aflush()
        task.cancel()
        assert ledger.store.count() == 100  # committed, without the summary's own flush
        assert ticks > 0
    finally:
        ledger.close()


def test_sensitivity_enum_is_stored_as_its_value(ledger_url: str, journal_dir: Path) -> None:
    from turnout.types import Sensitivity

    with _open(ledger_url, journal_dir) as ledger:
        ledger.record(make_record(1, sensitivity=Sensitivity.CONFIDENTIAL))
        assert _fetch_all(ledger)["req-00000001"].sensitivity == "confidential"


def test_sqlite_summaries_use_the_indexes(sqlite_url: str, journal_dir: Path) -> None:
    with _open(sqlite_url, journal_dir) as ledger:
        since = time.time() - 86400
        for by in ("model", "key", "day"):
            plan = ledger.store.explain_summary(since, None, by)
            # the overview index leads with ts (m0004 dropped the ts index it made redundant)
            assert "USING INDEX turnout_usage_overview (ts>?)" in plan, plan
            assert "SCAN" not in plan, plan
            plan = ledger.store.explain_summary(since, since + 3600, by, key_id="k")
            assert "USING INDEX turnout_usage_key_ts (key_id=? AND ts>? AND ts<?)" in plan, plan
            assert "SCAN" not in plan, plan


@pytest.mark.postgres
def test_postgres_summaries_use_the_indexes(pg_url: str, journal_dir: Path) -> None:
    with _open(pg_url, journal_dir) as ledger:
        now = time.time()
        # 100 days of traffic, 200 requests a day: "since yesterday" is 1% of the table.
        recs = [make_record(i, ts=now - 100 * 86400 + i * 432.0) for i in range(20000)]
        for start in range(0, len(recs), 5000):
            ledger.store.insert(recs[start : start + 5000])
        ledger.store._writer().execute(f"ANALYZE {ledger.store._qtable}")  # type: ignore[attr-defined]
        since = now - 86400
        for by in ("model", "key", "day"):
            plan = ledger.store.explain_summary(since, None, by)
            assert "Seq Scan" not in plan, plan
            assert "_ts" in plan and "Index" in plan, plan
            plan = ledger.store.explain_summary(since, None, by, key_id="key1")
            # ts or (key_id, ts): the planner's pick by selectivity; never the whole table
            assert "Seq Scan" not in plan and "Index" in plan, plan


def test_duplicate_ids_inside_one_batch_count_once(ledger_url: str, journal_dir: Path) -> None:
    with _open(ledger_url, journal_dir, flush_interval=10.0) as ledger:
        batch = [make_record(i % 5) for i in range(20)]
        assert ledger.store.insert(batch) == 5
        assert ledger.store.insert(batch) == 0
        assert ledger.count() == 5


def test_sloppy_values_are_stored_as_the_nearest_sane_value(
    ledger_url: str, journal_dir: Path
) -> None:
    sloppy = make_record(
        1,
        model_used=None,
        prompt_tokens=None,
        completion_tokens=3.0,
        cost_usd=float("nan"),
        status=99999,
        fallbacks=-2,
    )
    with _open(ledger_url, journal_dir) as ledger:
        ledger.record(sloppy)
        got = _fetch_all(ledger)["req-00000001"]
    assert (got.model_used, got.prompt_tokens, got.completion_tokens) == ("", 0, 3)
    assert (got.cost_usd, got.status, got.fallbacks) == (0.0, 32767, 0)


def test_a_record_the_database_refuses_is_set_aside_not_blocking(
    ledger_url: str, journal_dir: Path
) -> None:
    import orjson

    poison = make_record(5)
    poison.ts = None  # type: ignore[assignment]  # no timestamp: no row can be made of it
    with _open(ledger_url, journal_dir, flush_interval=10.0) as ledger:
        for i in range(10):
            ledger.record(poison if i == 5 else make_record(i))
        ledger.flush(timeout=10)
        assert ledger.count() == 9
        assert ledger.stats().rejected == 1
    [line] = (journal_dir / "rejected.ndjson").read_bytes().splitlines()
    entry = orjson.loads(line)
    assert entry["record"]["request_id"] == "req-00000005" and "timestamp" in entry["error"]


@pytest.mark.postgres
def test_postgres_refusal_is_isolated_to_the_bad_record(pg_url: str, journal_dir: Path) -> None:
    with _open(pg_url, journal_dir) as ledger:
        for i in range(10):
            ledger.record(make_record(i, error="NUL\x00byte" if i == 3 else None))
        assert ledger.count() == 9
        assert ledger.stats().rejected == 1


def test_segments_are_made_and_dropped_outside_the_record_lock(
    ledger_url: str, journal_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Emptying or rotating the journal never makes record() wait for file-system calls:
    the writer creates the next segment and deletes the committed one outside the lock that
    every record() takes; under it only the descriptors swap (an ftruncate there waited
    0.1-5 ms on ext4)."""
    import os

    from turnout.ledger import journal as journal_mod

    ledger = _open(ledger_url, journal_dir, flush_interval=0.01, rotate_bytes=4096)
    held: list[str] = []
    real_open, real_unlink = os.open, os.unlink

    def watched_open(path: object, *args: object, **kw: object) -> int:
        if ledger._lock.locked() and str(path).endswith(".new"):
            held.append(f"create {path}")
        return real_open(path, *args, **kw)  # type: ignore[arg-type]

    def watched_unlink(path: object, *args: object, **kw: object) -> None:
        if ledger._lock.locked():
            held.append(f"unlink {path}")
        real_unlink(path, *args, **kw)  # type: ignore[arg-type]

    def no_truncate(fd: int, size: int) -> None:
        held.append("ftruncate")

    monkeypatch.setattr(journal_mod.os, "open", watched_open)
    monkeypatch.setattr(journal_mod.os, "unlink", watched_unlink)
    monkeypatch.setattr(journal_mod.os, "ftruncate", no_truncate)
    first = ledger.journal.path
    for i in range(2000):  # ~300 kB: rotations, then an idle pass that drops the last segment
        ledger.record(make_record(i))
    ledger.flush()
    assert ledger.stats().rotations >= 1, ledger.stats()
    deadline = time.monotonic() + 5
    while ledger.journal.size and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ledger.journal.size == 0 and ledger.journal.path != first
    monkeypatch.undo()
    assert held == []
    ledger.close()
    assert list(journal_dir.iterdir()) == []
    assert open_ledger(ledger_url, journal_dir=journal_dir).count() == 2000


def test_a_segment_made_for_a_put_off_swap_is_not_left_behind(ledger_url: str, journal_dir: Path) -> None:
    ledger = _open(ledger_url, journal_dir, flush_interval=60)
    with ledger._lock:  # as when a record arrived while the writer made the segment
        ledger.journal.spare = ledger.journal.new_segment()
    ledger.record(make_record(1))
    ledger.close()
    assert list(journal_dir.iterdir()) == []
    assert open_ledger(ledger_url, journal_dir=journal_dir).count() == 1

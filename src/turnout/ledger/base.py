"""The ``Ledger`` interface, and the journaled ledger that SQLite and PostgreSQL share.

The request path calls ``record()``, which costs a few microseconds: encode one line, one
``os.write`` to this instance's journal, one ``deque.append``, under one lock. A background
thread (the writer) drains the queue in batches, one transaction per batch, and keeps the
journal short: it swaps in a fresh segment when everything is committed (and deletes the old
one) or when the segment is big, making and deleting files outside the lock. Only the database work differs per backend; it lives behind ``Store``.

Crash safety (invariant 2, "no lost accounting"): a record is in the kernel once ``record()``
returns; the database gets it either from the writer or, after a crash, from the replay of the
orphaned journal by the next ledger opened on the same journal directory. Inserts are
``ON CONFLICT (request_id) DO NOTHING``, so a record both committed and replayed counts once.
What this does not cover: a power cut or kernel crash can lose what was still only in the page
cache (nothing is fsynced on the request path), as SQLite's synchronous=NORMAL can.
A record the database refuses for good (no timestamp, a NUL byte for PostgreSQL) is set aside
in ``rejected.ndjson`` in the journal directory rather than blocking every record behind it.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Self

import orjson

from turnout.ledger.journal import Journal, OrphanSegment, claim_orphans, discard_segment
from turnout.ledger.record import (
    SummaryBy,
    SummaryRow,
    UsageRecord,
    encode_line,
    normalized,
    record_fields,
    validate_by,
)

log = logging.getLogger("turnout.ledger")


class LedgerClosedError(RuntimeError):
    """``record()`` on a closed ledger: the record would be lost, so it is refused loudly."""


@dataclass(slots=True)
class LedgerStats:
    """Counters since this ledger was opened (for /metrics and tests)."""

    recorded: int = 0  # record() calls accepted
    committed: int = 0  # records the writer committed (new rows + ignored duplicates)
    batches: int = 0  # writer transactions
    replayed: int = 0  # records read back from orphaned journal segments
    replayed_new: int = 0  # of those, rows that were not in the database yet
    orphan_segments: int = 0
    rotations: int = 0  # journal segments started under sustained load
    rejected: int = 0  # records the database refused for good (set aside in rejected.ndjson)
    torn_lines: int = 0
    bad_lines: int = 0
    journal_errors: int = 0
    db_errors: int = 0
    pending: int = 0  # queued, not yet committed
    last_error: str | None = None


class Ledger(ABC):
    """Where every answered request is accounted. Open one with ``open_ledger(url)``."""

    store_prompts: bool = False

    @abstractmethod
    def record(self, rec: UsageRecord) -> None:
        """Account one answered request. Cheap and non-blocking: call it on the request path."""

    @abstractmethod
    def flush(self, timeout: float | None = 30.0) -> None:
        """Wait until every record accepted so far is committed to the database."""

    async def aflush(self, timeout: float | None = 30.0) -> None:
        """``flush`` without blocking the event loop."""
        import asyncio  # here: `turnout usage` and other sync users never pay for asyncio

        await asyncio.to_thread(self.flush, timeout)

    @abstractmethod
    def summary(
        self,
        since: float,
        until: float | None = None,
        by: SummaryBy = "model",
        *,
        key_id: str | None = None,
        model: str | None = None,
    ) -> list[SummaryRow]:
        """Totals per model, key or local day for ``since <= ts < until`` (records accepted
        so far are flushed first), optionally for one key or one model only."""

    @abstractmethod
    def count(self) -> int:
        """Rows in the ledger (after a flush)."""

    @abstractmethod
    def close(self, timeout: float | None = 30.0) -> None:
        """Flush, stop the writer, release the journal. Idempotent."""

    def stats(self) -> LedgerStats:
        return LedgerStats()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Store(ABC):
    """One database's side of a journaled ledger. ``insert`` is called by one thread at a
    time (the writer, or the opener during the first replay); the query methods may be called
    from any thread."""

    #: what identifies this database and table (no password): names the journal directory
    journal_key: str

    @abstractmethod
    def insert(self, records: Sequence[UsageRecord]) -> int:
        """Insert in one transaction, ignoring request_ids already present; returns the rows
        actually added."""

    def is_data_error(self, exc: BaseException) -> bool:
        """True if ``exc`` means "the database will never take this data" (a constraint, a
        value out of range), as opposed to "not now" (down, locked, disconnected)."""
        return isinstance(exc, TypeError | ValueError | OverflowError)

    @abstractmethod
    def summary(
        self,
        since: float,
        until: float | None,
        by: SummaryBy,
        key_id: str | None,
        model: str | None,
    ) -> list[SummaryRow]: ...

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def explain_summary(
        self, since: float, until: float | None, by: SummaryBy, key_id: str | None = None
    ) -> str:
        """The database's query plan for that summary (tests check it uses an index)."""

    @abstractmethod
    def close(self) -> None: ...


class _SegmentDone:
    """Queue marker: every record before it was written to ``path``; delete it once they are
    committed."""

    __slots__ = ("fd", "path")

    def __init__(self, fd: int, path: Path) -> None:
        self.fd = fd
        self.path = path


class _FlushToken:
    """Queue marker: call ``done`` once every record before it is committed."""

    __slots__ = ("done",)

    def __init__(self, done: Callable[[], None]) -> None:
        self.done = done


_STOP = object()

REJECTED_FILE = "rejected.ndjson"  # not *.jsonl: never taken for a journal segment

DEFAULT_FLUSH_INTERVAL_S = 0.2
DEFAULT_BATCH_MAX = 2000
DEFAULT_ROTATE_BYTES = 8 << 20
DEFAULT_ORPHAN_SCAN_S = 30.0


class JournaledLedger(Ledger):
    """A ``Store`` behind a journal and a batching writer thread."""

    def __init__(
        self,
        store: Store,
        journal_dir: Path,
        *,
        store_prompts: bool = False,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL_S,
        batch_max: int = DEFAULT_BATCH_MAX,
        rotate_bytes: int = DEFAULT_ROTATE_BYTES,
        orphan_scan_s: float = DEFAULT_ORPHAN_SCAN_S,
    ) -> None:
        self.store = store
        self.store_prompts = store_prompts
        self._flush_interval = flush_interval
        self._batch_max = max(1, batch_max)
        self._rotate_bytes = rotate_bytes
        self._orphan_scan_s = orphan_scan_s
        self._stats = LedgerStats()
        self._lock = threading.Lock()
        self._queue: deque[Any] = deque()
        self._wake = threading.Event()
        self._closed = False
        self._closed_reason = "record() on a closed ledger"
        self._writer_clean = False
        # Own segment first, so our own scan (and everyone else's) sees it locked.
        self.journal = Journal(journal_dir)
        try:
            self.replay_orphans()
        except BaseException:
            self.journal.close(delete=True)
            raise
        self._thread = threading.Thread(target=self._run, name="turnout-ledger-writer", daemon=True)
        self._thread.start()
        # A process that ends without close() still loses nothing (the journal is replayed on
        # the next open), but closing at exit leaves no segment behind to replay.
        atexit.register(_close_at_exit, weakref.ref(self))
        _open_ledgers.add(self)

    # -- request path -------------------------------------------------------------------

    def record(self, rec: UsageRecord) -> None:
        if rec.prompt is not None and not self.store_prompts:
            rec = replace(rec, prompt=None)
        try:
            line = encode_line(rec)
        except TypeError:  # a Decimal or numpy number from a caller: account it anyway
            rec = normalized(rec)
            line = encode_line(rec)
        # One lock orders the journal line and the queue entry against rotation: a segment
        # marker queued by a swap is always behind every record written to that segment.
        with self._lock:
            if self._closed:
                raise LedgerClosedError(self._closed_reason)
            self.journal.append(line)
            self._queue.append(rec)
            self._stats.recorded += 1
        if len(self._queue) >= self._batch_max:
            self._wake.set()

    # -- flushing -------------------------------------------------------------------------

    def flush(self, timeout: float | None = 30.0) -> None:
        if not self._thread.is_alive():
            return
        done = threading.Event()
        self._queue.append(_FlushToken(done.set))
        self._wake.set()
        if not done.wait(timeout):
            raise TimeoutError(
                f"ledger flush not committed within {timeout}s "
                f"(last database error: {self._stats.last_error})"
            )

    async def aflush(self, timeout: float | None = 30.0) -> None:
        if not self._thread.is_alive():
            return
        import asyncio

        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()

        def resolve() -> None:
            if not fut.done():
                fut.set_result(None)

        def done() -> None:
            loop.call_soon_threadsafe(resolve)

        self._queue.append(_FlushToken(done))
        self._wake.set()
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"ledger flush not committed within {timeout}s "
                f"(last database error: {self._stats.last_error})"
            ) from None

    # -- queries --------------------------------------------------------------------------

    def summary(
        self,
        since: float,
        until: float | None = None,
        by: SummaryBy = "model",
        *,
        key_id: str | None = None,
        model: str | None = None,
    ) -> list[SummaryRow]:
        validate_by(by)
        self.flush()
        return self.store.summary(since, until, by, key_id, model)

    def count(self) -> int:
        self.flush()
        return self.store.count()

    def stats(self) -> LedgerStats:
        s = replace(self._stats)
        s.pending = sum(1 for item in list(self._queue) if type(item) is UsageRecord)
        s.journal_errors = self.journal.errors
        return s

    # -- closing --------------------------------------------------------------------------

    def close(self, timeout: float | None = 30.0) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._queue.append(_STOP)
        self._wake.set()
        self._thread.join(timeout)
        leftovers = list(self._queue)
        clean = (
            self._writer_clean
            and not self._thread.is_alive()
            and not any(type(item) is UsageRecord for item in leftovers)
        )
        if clean:  # a flush() that raced with close() is satisfied: release it
            for item in leftovers:
                if type(item) is _FlushToken:
                    with contextlib.suppress(Exception):
                        item.done()
        if not clean:
            log.error(
                "ledger closed with records not yet in the database (last error: %s); they "
                "stay in the journal %s and are replayed by the next open",
                self._stats.last_error,
                self.journal.path,
            )
        with self._lock:
            self.journal.close(delete=clean)
        if clean:
            self.store.close()

    # -- the writer thread ----------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._writer_clean = self._write_loop()
        except BaseException as exc:  # a bug: say so; the journal still holds every record
            self._stats.last_error = f"{type(exc).__name__}: {exc}"
            log.critical("ledger writer crashed; records stay in the journal", exc_info=True)

    def _write_loop(self) -> bool:
        """Runs until close(); True if it stopped with everything committed."""
        pending: list[UsageRecord] = []
        markers: list[Any] = []
        stop = False
        failures = 0
        next_scan = time.monotonic() + self._orphan_scan_s
        while True:
            # Commit on a timer, not as fast as records arrive: the journal already holds every
            # record, so waiting costs nothing in safety, while a writer committing flat out
            # competes with the event loop for the GIL on every request. flush()/close() and a
            # full batch wake it early.
            if not pending and not stop and len(self._queue) < self._batch_max:
                self._wake.wait(self._flush_interval)
                self._wake.clear()
            queue = self._queue
            while len(pending) < self._batch_max:
                try:
                    item = queue.popleft()
                except IndexError:
                    break
                if type(item) is UsageRecord:
                    pending.append(item)
                elif item is _STOP:
                    stop = True
                else:
                    markers.append(item)
            if pending:
                try:
                    self._insert(pending)
                except Exception as exc:
                    failures += 1
                    self._note_db_error(exc, failures)
                    if stop and failures >= 3:
                        self._give_up(markers)
                        return False  # close() gives up; the journal keeps the records
                    if self.journal.size >= self._rotate_bytes:
                        # Keep segments bounded through a long outage. Never truncate here:
                        # `pending` is uncommitted and no longer in the queue.
                        self._housekeep(may_truncate=False)
                    time.sleep(min(0.05 * 2**failures, 5.0))
                    continue
                failures = 0
                self._stats.batches += 1
                self._stats.committed += len(pending)
                pending = []
            # Everything queued before these markers is committed now.
            for marker in markers:
                if type(marker) is _SegmentDone:
                    discard_segment(marker.fd, marker.path)
                else:
                    try:
                        marker.done()
                    except Exception:  # e.g. the waiting event loop is closed already
                        log.debug("ledger flush waiter gone", exc_info=True)
            markers = []
            if self.journal.size >= self._rotate_bytes or (not queue and self.journal.size):
                self._housekeep(may_truncate=True)
            if queue:
                continue  # more than one batch waiting
            if stop:
                return True
            if time.monotonic() >= next_scan:
                next_scan = time.monotonic() + self._orphan_scan_s
                try:
                    self.replay_orphans()
                except Exception as exc:
                    self._note_db_error(exc, 1)

    def _housekeep(self, *, may_truncate: bool) -> None:
        """Start a fresh segment when all of the current one is committed (the old one is
        deleted at once) or when it is big (deleted once committed: ``_SegmentDone``).
        ``may_truncate`` only when the writer holds no uncommitted batch.

        The fresh segment is made, and the committed one deleted, outside the lock that
        every ``record()`` takes: under it only the descriptors swap. (Emptying the segment
        in place with ``ftruncate`` under the lock made requests wait 0.1 ms at the median
        and up to 5 ms, five times a second.) A SIGKILL between the swap and the deletion
        leaves a committed segment behind: the next open replays it, and the database's
        ``ON CONFLICT (request_id) DO NOTHING`` keeps one row per answer."""
        journal = self.journal
        if journal.size == 0 or not (
                (may_truncate and not self._queue) or journal.size >= self._rotate_bytes):
            return
        with self._lock:
            fresh, journal.spare = journal.spare, None
        if fresh is None:
            fresh = journal.new_segment()
        committed = None
        with self._lock:
            if journal.fd < 0:  # closed under us (close() timed out)
                discard_segment(*fresh)
                return
            if may_truncate and not self._queue:
                # Nothing queued and nothing in hand: every line is in the database.
                committed = journal.swap(fresh)
            elif journal.size >= self._rotate_bytes:
                fd, path = journal.swap(fresh)
                self._queue.append(_SegmentDone(fd, path))
                self._stats.rotations += 1
            else:  # a record came in meanwhile: the next idle pass uses the segment made
                journal.spare = fresh
        if committed is not None:
            discard_segment(*committed)

    def _insert(self, records: Sequence[UsageRecord]) -> int:
        try:
            return self.store.insert(records)
        except Exception as exc:
            if not self.store.is_data_error(exc):
                raise
        # One bad record must not hold up the others (or, in a replay, every future open):
        # insert one by one and set aside what the database refuses for good.
        added = 0
        for rec in records:
            try:
                added += self.store.insert([rec])
            except Exception as exc:
                if not self.store.is_data_error(exc):
                    raise
                self._reject(rec, exc)
        return added

    def _reject(self, rec: UsageRecord, exc: BaseException) -> None:
        self._stats.rejected += 1
        path = self.journal.directory / REJECTED_FILE
        log.error("ledger: database refused record %r (%s); kept in %s", rec.request_id, exc, path)
        entry = {"error": f"{type(exc).__name__}: {exc}", "record": record_fields(rec)}
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, orjson.dumps(entry, default=str, option=orjson.OPT_APPEND_NEWLINE))
            finally:
                os.close(fd)
        except OSError as write_exc:
            log.error("ledger: cannot write %s: %s", path, write_exc)

    def _give_up(self, markers: list[Any]) -> None:
        """close() during an outage: leave every segment (rotated ones too) for a later
        replay, and drop our locks on them so that replay can claim them."""
        for item in [*markers, *self._queue]:
            if type(item) is _SegmentDone:
                with contextlib.suppress(OSError):
                    os.close(item.fd)

    def _note_db_error(self, exc: BaseException, failures: int) -> None:
        self._stats.db_errors += 1
        self._stats.last_error = f"{type(exc).__name__}: {exc}"
        if failures == 1 or failures % 20 == 0:
            log.error(
                "ledger writer: database write failed (%s, attempt %d); records are safe in "
                "the journal and retried",
                self._stats.last_error,
                failures,
            )

    # -- recovery -------------------------------------------------------------------------

    def replay_orphans(self) -> int:
        """Replay every orphaned journal segment of this database into it; returns the
        records read. Runs at open and periodically on the writer thread."""
        total = 0
        for orphan in claim_orphans(self.journal.directory, self.journal):
            total += self._replay(orphan)
        return total

    def _replay(self, orphan: OrphanSegment) -> int:
        records = orphan.records
        try:
            for start in range(0, len(records), self._batch_max):
                self._stats.replayed_new += self._insert(records[start : start + self._batch_max])
        except BaseException:
            orphan.release()
            raise
        self._stats.replayed += len(records)
        self._stats.orphan_segments += 1
        self._stats.torn_lines += int(orphan.torn_tail)
        self._stats.bad_lines += orphan.bad_lines
        if records:
            log.info(
                "ledger: replayed %d records from orphaned journal %s", len(records), orphan.path
            )
        if orphan.bad_lines:
            orphan.keep_as_corrupt()
        else:
            orphan.done()
        return len(records)


_open_ledgers: weakref.WeakSet[JournaledLedger] = weakref.WeakSet()


def _disable_after_fork() -> None:
    """In a forked child, a parent's ledger has no writer thread and shares the parent's
    journal file: records written there could be truncated away by the parent. Refuse them
    loudly instead, and drop the child's copy of the journal descriptor (the parent's lock
    stays with the parent)."""
    for ledger in list(_open_ledgers):
        ledger._closed = True
        ledger._closed_reason = (
            "this ledger was opened before fork(); open a ledger in each worker process"
        )
        ledger._writer_clean = False
        if ledger.journal.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(ledger.journal.fd)
            ledger.journal.fd = -1
        if ledger.journal.spare is not None:  # the parent's: close our copy, keep the file
            with contextlib.suppress(OSError):
                os.close(ledger.journal.spare[0])
            ledger.journal.spare = None


os.register_at_fork(after_in_child=_disable_after_fork)


def _close_at_exit(ref: weakref.ref[JournaledLedger]) -> None:
    ledger = ref()
    if ledger is not None:
        try:
            ledger.close(timeout=10.0)
        except Exception as exc:  # at exit, a failure must not hide others
            log.error("ledger close at exit failed: %s", exc)

"""Where a deployment's labels and stored prompts are read and written: the feedback table
beside the ledger (migration ``ledger/migrations/m0003_feedback``) on SQLite or PostgreSQL,
whichever the ledger is, and the ledger's records that kept their prompt.

``open_feedback_store(ledger_url)`` applies the ledger's migrations first (opening the ledger's
own store does it, under its lock), so the table exists whatever opened the database first.
``memory://`` ledgers keep labels in the process, as they keep records.

Cascade outcomes are feedback rows too (source ``cascade``), written by :class:`OutcomeWriter`
off the request path: the gateway hands each cascaded request's verdicts over as it records
the request in the ledger, and a writer thread adds them to the table in batches.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from turnout.learn.feedback import Label
from turnout.ledger.migrations.m0003_feedback import table_name
from turnout.ledger.record import route_of

# The record fields replay and training read (never the whole row: prompts are large).
RECORD_FIELDS = ("request_id", "ts", "model_requested", "model_used", "sensitivity",
                 "completion_tokens", "latency_ms", "prompt", "route")


@dataclass(frozen=True, slots=True)
class LedgerLocation:
    kind: str  # "sqlite" | "postgresql" | "memory"
    target: str  # the SQLite file, or the PostgreSQL conninfo
    table: str  # the ledger table (PostgreSQL: maybe schema.table)

    @property
    def quoted_tables(self) -> tuple[str, str]:
        """(ledger table, feedback table), quoted and schema-qualified."""
        schema, _, bare = self.table.rpartition(".")
        fb = table_name(bare)
        if schema:
            return f'"{schema}"."{bare}"', f'"{schema}"."{fb}"'
        return f'"{bare}"', f'"{fb}"'


def locate(url: str) -> LedgerLocation:
    """A ledger URL (as ``ledger.url`` takes it) -> where its tables are. ValueError otherwise."""
    from turnout.ledger.connect import split_table, sqlite_path
    from turnout.ledger.sql import DEFAULT_TABLE, check_table_name

    scheme = url.split(":", 1)[0].lower() if "://" in url else ""
    if scheme == "memory":
        return LedgerLocation("memory", url, DEFAULT_TABLE)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        conninfo, table = split_table(url)
        conninfo = "postgresql://" + conninfo.split("://", 1)[1]
        return LedgerLocation("postgresql", conninfo, check_table_name(table or DEFAULT_TABLE))
    if scheme == "sqlite" or not scheme:
        path, table = sqlite_path(url) if scheme else (url, None)
        return LedgerLocation("sqlite", str(Path(path).expanduser().resolve()),
                              check_table_name(table or DEFAULT_TABLE))
    raise ValueError(f"unsupported ledger URL scheme {scheme!r}: use sqlite:///FILE, postgresql://... "
                     "or memory://")


class FeedbackStore(ABC):
    """Append-only labels. Thread-safe."""

    @abstractmethod
    def add(self, label: Label) -> None: ...

    def add_many(self, labels: list[Label]) -> None:
        """Several labels in one transaction (the outcome writer's batches)."""
        for label in labels:
            self.add(label)

    @abstractmethod
    def labels(self) -> list[Label]:
        """Every label, oldest first (same timestamp: in insertion order)."""

    def close(self) -> None:  # noqa: B027 - the memory store has nothing to close
        pass


class MemoryFeedbackStore(FeedbackStore):
    def __init__(self) -> None:
        self._labels: list[Label] = []
        self._lock = threading.Lock()

    def add(self, label: Label) -> None:
        with self._lock:
            self._labels.append(_stamped(label))

    def labels(self) -> list[Label]:
        with self._lock:
            return sorted(self._labels, key=lambda lb: lb.ts)  # stable: insertion order on ties


_INSERT = "INSERT INTO {t} (request_id, ts, score, model, source, comment) VALUES ({p}, {p}, {p}, {p}, {p}, {p})"
_SELECT = "SELECT request_id, score, model, source, comment, ts FROM {t} ORDER BY ts, {order}"


def _stamped(label: Label) -> Label:
    if label.ts:
        return label
    return Label(label.request_id, label.score, label.model, label.source, label.comment, time.time())


def _row(label: Label) -> tuple[Any, ...]:
    return (label.request_id, label.ts, label.score, label.model, label.source, label.comment)


def _labels(rows: list[Any]) -> list[Label]:
    return [Label(rid, float(score), model, source, comment, float(ts))
            for rid, score, model, source, comment, ts in rows]


class SQLiteFeedbackStore(FeedbackStore):
    """In the ledger's SQLite file (one connection, a lock)."""

    def __init__(self, where: LedgerLocation) -> None:
        from turnout.ledger.sqlite import SQLiteStore

        SQLiteStore(where.target, where.table).close()  # applies the migrations
        self._conn = sqlite3.connect(where.target, check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        table = where.quoted_tables[1]
        self._insert = _INSERT.format(t=table, p="?")
        # rowid: a table adopted from before the migration has no id column
        self._select = _SELECT.format(t=table, order="rowid")

    def add(self, label: Label) -> None:
        self.add_many([label])

    def add_many(self, labels: list[Label]) -> None:
        with self._lock, self._conn:
            self._conn.executemany(self._insert, [_row(_stamped(lb)) for lb in labels])

    def labels(self) -> list[Label]:
        with self._lock:
            return _labels(self._conn.execute(self._select).fetchall())

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class PostgresFeedbackStore(FeedbackStore):
    """In the ledger's PostgreSQL database, shared by every gateway. One autocommit
    connection, reopened after a lost connection."""

    def __init__(self, where: LedgerLocation) -> None:
        from turnout.ledger.postgres import PostgresStore

        PostgresStore(where.target, where.table).close()  # applies the migrations
        self._conninfo = where.target
        self._lock = threading.Lock()
        table = where.quoted_tables[1]
        self._insert = _INSERT.format(t=table, p="%s")
        self._select = _SELECT.format(t=table, order="id")
        self._conn: Any = None

    def _run(self, sql: str, params: tuple[Any, ...] | None = None) -> list[Any]:
        import psycopg

        with self._lock:
            for attempt in (1, 2):
                if self._conn is None or self._conn.closed or self._conn.broken:
                    self._conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10)
                try:
                    cur = self._conn.execute(sql, params)
                    return cur.fetchall() if cur.description else []
                except psycopg.OperationalError:
                    self._conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

    def add(self, label: Label) -> None:
        self._run(self._insert, _row(_stamped(label)))

    def add_many(self, labels: list[Label]) -> None:
        rows = [_row(_stamped(lb)) for lb in labels]
        with self._lock:
            import psycopg

            for attempt in (1, 2):
                if self._conn is None or self._conn.closed or self._conn.broken:
                    self._conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10)
                try:
                    with self._conn.transaction(), self._conn.cursor() as cur:
                        cur.executemany(self._insert, rows)
                    return
                except psycopg.OperationalError:
                    self._conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise

    def labels(self) -> list[Label]:
        return _labels(self._run(self._select))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


_memory_stores: dict[str, MemoryFeedbackStore] = {}
_memory_lock = threading.Lock()


def open_feedback_store(url: str) -> FeedbackStore:
    """The feedback store of the ledger at ``url`` (created with the ledger's migrations)."""
    where = locate(url)
    if where.kind == "memory":
        with _memory_lock:  # one per process, as a memory ledger is
            return _memory_stores.setdefault(url, MemoryFeedbackStore())
    if where.kind == "postgresql":
        return PostgresFeedbackStore(where)
    return SQLiteFeedbackStore(where)


class OutcomeWriter:
    """Labels for one ledger's feedback table, written by a daemon thread in batches, so the
    request that produced them never waits on the database. Best effort, as the labels are:
    a batch the database refuses is logged and dropped (the decision, with its verdicts, is in
    the ledger's ``route`` record either way). :meth:`flush` waits for what was handed over."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._queue: queue.Queue[Label] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def put(self, labels: list[Label]) -> None:
        if not labels:
            return
        for label in labels:
            self._queue.put(_stamped(label))
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="turnout-outcomes", daemon=True)
                    self._thread.start()

    def flush(self) -> None:
        if self._thread is not None:
            self._queue.join()

    def _run(self) -> None:
        store: FeedbackStore | None = None
        while True:
            batch = [self._queue.get()]
            while len(batch) < 500:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                store = store or open_feedback_store(self.url)
                store.add_many(batch)
            except Exception as exc:  # the database is down or full: these labels are lost
                logging.getLogger(__name__).warning("could not store %d cascade outcomes: %s: %s",
                                                    len(batch), type(exc).__name__, exc)
                if store is not None:
                    store.close()
                store = None
            finally:
                for _ in batch:
                    self._queue.task_done()


_writers: dict[str, OutcomeWriter] = {}


def outcome_writer(url: str) -> OutcomeWriter:
    """The process's writer for the ledger at ``url`` (flushed at exit)."""
    with _memory_lock:
        writer = _writers.get(url)
        if writer is None:
            writer = _writers[url] = OutcomeWriter(url)
            atexit.register(writer.flush)
        return writer


def flush_outcomes() -> None:
    """Wait until every outcome handed over so far is stored (a gateway closing)."""
    with _memory_lock:
        writers = list(_writers.values())
    for writer in writers:
        writer.flush()


def ledger_records(url: str) -> Iterator[dict[str, Any]]:
    """The ledger's records that kept their prompt (``ledger.store_prompts``), oldest first,
    as dicts of :data:`RECORD_FIELDS` (``route`` parsed)."""
    where = locate(url)
    ledger = where.quoted_tables[0]
    sql = f"SELECT {', '.join(RECORD_FIELDS)} FROM {ledger} WHERE prompt IS NOT NULL ORDER BY ts"
    if where.kind == "memory":
        raise ValueError("a memory:// ledger keeps nothing to read back: use sqlite:/// or postgresql://")
    if where.kind == "postgresql":
        import psycopg

        with psycopg.connect(where.target, connect_timeout=10) as conn:
            try:
                rows = conn.execute(sql).fetchall()
            except psycopg.errors.UndefinedTable:
                raise ValueError(f"no ledger table {where.table!r} in that database") from None
    else:
        if not Path(where.target).is_file():
            raise ValueError(f"no ledger at {where.target}")
        conn_s = sqlite3.connect(Path(where.target).as_uri() + "?mode=ro", uri=True)
        try:
            rows = conn_s.execute(sql).fetchall()
        except sqlite3.OperationalError as exc:
            raise ValueError(f"{where.target}: no ledger table {where.table!r} ({exc})") from None
        finally:
            conn_s.close()
    for row in rows:
        rec = dict(zip(RECORD_FIELDS, row, strict=True))
        if "route" in rec:
            rec["route"] = route_of(rec["route"])
        yield rec


def unreplayable(url: str) -> dict[str, int]:
    """Requests of the ledger at ``url`` without a stored prompt, by sensitivity (confidential
    prompts are never stored: ``simulate`` says how many it could not replay)."""
    where = locate(url)
    ledger = where.quoted_tables[0]
    sql = f"SELECT sensitivity, COUNT(*) FROM {ledger} WHERE prompt IS NULL GROUP BY sensitivity"
    if where.kind == "postgresql":
        import psycopg

        with psycopg.connect(where.target, connect_timeout=10) as conn:
            rows = conn.execute(sql).fetchall()
    elif where.kind == "sqlite":
        conn_s = sqlite3.connect(Path(where.target).as_uri() + "?mode=ro", uri=True)
        try:
            rows = conn_s.execute(sql).fetchall()
        finally:
            conn_s.close()
    else:
        return {}
    return {str(level): int(n) for level, n in rows}

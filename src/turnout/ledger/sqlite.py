"""The SQLite store: the zero-config ledger, one file (``./turnout.db``) in WAL mode.

Two connections: the writer's (inserts, one ``BEGIN IMMEDIATE`` transaction per batch) and
a reader's (summaries), so a summary never waits behind a batch and vice versa; WAL lets
another process (``turnout usage`` next to a running gateway) read at the same time.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from turnout.ledger.base import Store
from turnout.ledger.migrations import Db, migrate
from turnout.ledger.record import COLUMNS, SummaryBy, SummaryRow, UsageRecord, row_of
from turnout.ledger.sql import (
    DEFAULT_TABLE,
    check_table_name,
    order_for,
    rows_to_summary,
    summary_query,
)

SCHEMA_VERSION = 1

class _Median:
    """SQLite has no percentile aggregate; this one sorts each group's latencies in Python
    (about a microsecond per row: fine for a CLI summary of a month)."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        values = self.values
        if not values:
            return None
        values.sort()
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


class SQLiteStore(Store):
    def __init__(self, path: Path | str, table: str = DEFAULT_TABLE) -> None:
        if str(path) in ("", ":memory:"):
            raise ValueError("an SQLite ledger needs a file; use memory:// for a throwaway one")
        self.path = Path(path).expanduser().resolve()
        self.table = check_table_name(table)
        if "." in self.table:
            raise ValueError("SQLite ledger table names take no schema prefix")
        self.journal_key = f"sqlite:{self.path}#{self.table}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._wlock = threading.Lock()
        self._rlock = threading.Lock()
        self._wconn = self._connect()
        self._create_schema()
        self._rconn = self._connect()
        self._rconn.create_aggregate("turnout_median", 1, cast(Any, _Median))
        cols = ", ".join(COLUMNS)
        marks = ", ".join("?" * len(COLUMNS))
        self._insert_sql = f"INSERT INTO {self.table} ({cols}) VALUES ({marks}) ON CONFLICT (request_id) DO NOTHING"

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves. check_same_thread=False: each
        # connection is guarded by its own lock instead.
        conn = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit survives a process crash (not a power cut) without an
        # fsync per transaction.
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _create_schema(self) -> None:
        """Apply the schema migrations this file lacks (``ledger/migrations``)."""
        conn = self._wconn
        conn.execute("BEGIN IMMEDIATE")  # serialises concurrent first opens
        try:
            migrate(Db("sqlite", conn.execute, self.table, self.table), scope=self.table)
            if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def ping(self) -> None:
        """One query (readiness probes)."""
        with self._rlock:
            self._rconn.execute("SELECT 1").fetchone()

    def insert(self, records: Sequence[UsageRecord]) -> int:
        rows = [row_of(r) for r in records]
        with self._wlock:
            conn = self._wconn
            before = conn.total_changes
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(self._insert_sql, rows)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return conn.total_changes - before

    def is_data_error(self, exc: BaseException) -> bool:
        # IntegrityError: NOT NULL or a STRICT type check; InterfaceError: a value sqlite3
        # cannot bind. OperationalError (locked, I/O, no such table) is "not now".
        return isinstance(
            exc, sqlite3.IntegrityError | sqlite3.InterfaceError
        ) or super().is_data_error(exc)

    def _summary_sql(
        self,
        since: float,
        until: float | None,
        by: SummaryBy,
        key_id: str | None,
        model: str | None,
    ) -> tuple[str, list[Any]]:
        # Unary + (a no-op on any value) keeps the planner from walking the whole
        # (model_used, ts) or (key_id, ts) index just to get rows in group order: the ts
        # range (or the key's range) is what must pick the index.
        group = {
            "model": "+model_used",
            "key": "+key_id",
            # The local calendar day of the process asking (SQLite uses the C library's zone).
            "day": "date(ts, 'unixepoch', 'localtime')",
        }[by]
        return summary_query(
            self.table,
            group_expr=group,
            p50_expr="turnout_median(latency_ms)",
            placeholder="?",
            since=since,
            until=until,
            key_id=key_id,
            model=model,
            order=order_for(by),
        )

    def summary(
        self,
        since: float,
        until: float | None,
        by: SummaryBy,
        key_id: str | None,
        model: str | None,
    ) -> list[SummaryRow]:
        sql, params = self._summary_sql(since, until, by, key_id, model)
        with self._rlock:
            rows = self._rconn.execute(sql, params).fetchall()
        return rows_to_summary(rows)

    def explain_summary(
        self, since: float, until: float | None, by: SummaryBy, key_id: str | None = None
    ) -> str:
        sql, params = self._summary_sql(since, until, by, key_id, None)
        with self._rlock:
            plan = self._rconn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        return "\n".join(str(row[-1]) for row in plan)

    def count(self) -> int:
        with self._rlock:
            n: int = self._rconn.execute(f"SELECT COUNT(*) FROM {self.table}").fetchone()[0]
        return n

    def close(self) -> None:
        with self._wlock:
            self._wconn.close()
        with self._rlock:
            self._rconn.close()

"""The PostgreSQL store (psycopg 3): one ledger table shared by several gateway processes.

A batch is one transaction: ``COPY`` into a temp staging table, then ``INSERT ... SELECT ...
ON CONFLICT (request_id) DO NOTHING``. Each process has its own
journal segment (see ``journal``); the primary key on request_id makes a record that is both
committed and replayed count once, whichever process replays it.

psycopg is imported here only, so ``import turnout`` never loads it.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from turnout.ledger.base import Store
from turnout.ledger.migrations import PG_LOCK_KEY, Db, migrate
from turnout.ledger.record import COLUMNS, SummaryBy, SummaryRow, UsageRecord, row_of
from turnout.ledger.sql import (
    DEFAULT_TABLE,
    check_table_name,
    order_for,
    rows_to_summary,
    summary_query,
)

_RECONNECT_EVERY_S = 1.0

# A batch is COPYed into this per-connection temp table, then merged with ON CONFLICT: COPY
# rows are encoded in C (psycopg's array dumper is pure Python and held the GIL ~100 µs per
# record, long enough to stall the request path).
_STAGE = "turnout_ledger_stage"


class PostgresStore(Store):
    def __init__(self, conninfo: str, table: str = DEFAULT_TABLE) -> None:
        self.table = check_table_name(table)
        schema, _, name = self.table.rpartition(".")
        self.schema = schema or None
        self._qtable = f'"{schema}"."{name}"' if schema else f'"{name}"'
        self._name = name
        self.conninfo = conninfo
        params = conninfo_to_dict(conninfo)
        self.journal_key = "postgresql://{}@{}:{}/{}#{}".format(
            params.get("user", ""),
            params.get("host", ""),
            params.get("port", ""),
            params.get("dbname", ""),
            self.table,
        )
        cols = ", ".join(COLUMNS)
        self._stage_sql = (
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (LIKE {self._qtable}) ON COMMIT DELETE ROWS"
        )
        self._copy_sql = f"COPY {_STAGE} ({cols}) FROM STDIN"
        self._merge_sql = (
            f"INSERT INTO {self._qtable} ({cols}) SELECT {cols} FROM {_STAGE} "
            "ON CONFLICT (request_id) DO NOTHING"
        )
        self._wlock = threading.Lock()
        self._rlock = threading.Lock()
        self._last_connect = 0.0
        self._wconn: psycopg.Connection[Any] | None = None
        self._rconn: psycopg.Connection[Any] | None = None
        conn = self._connect()
        try:
            self._create_schema(conn)
            conn.execute(self._stage_sql)
        except BaseException:
            conn.close()
            raise
        self._wconn = conn

    def _connect(self) -> psycopg.Connection[Any]:
        self._last_connect = time.monotonic()
        return psycopg.connect(self.conninfo, autocommit=True, connect_timeout=10)

    def _create_schema(self, conn: psycopg.Connection[Any]) -> None:
        """Apply the schema migrations this database lacks (``ledger/migrations``)."""
        with conn.transaction():
            # Several processes opening a fresh database at once would race in CREATE ... IF
            # NOT EXISTS (not atomic in PostgreSQL: "duplicate key ... pg_type_typname_nsp_index").
            # One advisory lock for every turnout migration serialises them.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [PG_LOCK_KEY])
            if self.schema:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            db = Db("postgresql", conn.execute, self._qtable, self._name, self.schema)
            migrate(db, scope=self.table)

    def ping(self) -> None:
        """One round trip (readiness probes)."""
        with self._rlock:
            self._reader().execute("SELECT 1").fetchone()

    def _writer(self) -> psycopg.Connection[Any]:
        conn = self._wconn
        if conn is None or conn.closed or conn.broken:
            if conn is not None:
                conn.close()
                self._wconn = None
            # After a failure, the writer's own backoff paces retries; this bounds reconnects
            # if someone else (a replay) calls in between.
            wait = self._last_connect + _RECONNECT_EVERY_S - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            conn = self._connect()
            conn.execute(self._stage_sql)
            self._wconn = conn
        return conn

    def insert(self, records: Sequence[UsageRecord]) -> int:
        if not records:
            return 0
        rows = [row_of(r) for r in records]
        with self._wlock:
            conn = self._writer()
            try:
                with conn.transaction(), conn.cursor() as cur:
                    with cur.copy(self._copy_sql) as copy:
                        for row in rows:
                            copy.write_row(row)
                    cur.execute(self._merge_sql)
                    return max(cur.rowcount, 0)
            except psycopg.OperationalError:
                conn.close()  # reconnect on the next batch
                raise

    def is_data_error(self, exc: BaseException) -> bool:
        # DataError: a value out of range; IntegrityError: a constraint. Everything else
        # (connection lost, table missing, server shutting down) is retried.
        return isinstance(exc, psycopg.DataError | psycopg.IntegrityError) or super().is_data_error(
            exc
        )

    def _reader(self) -> psycopg.Connection[Any]:
        conn = self._rconn
        if conn is None or conn.closed or conn.broken:
            if conn is not None:
                conn.close()
            conn = self._rconn = self._connect()
        return conn

    def _summary_sql(
        self,
        since: float,
        until: float | None,
        by: SummaryBy,
        key_id: str | None,
        model: str | None,
    ) -> tuple[str, list[Any]]:
        prefix: list[Any] = []
        if by == "day":
            zone, is_name = local_zone()
            # The caller's local calendar day, whatever the server's TimeZone setting is.
            group = (
                "to_char(to_timestamp(ts) AT TIME ZONE %s, 'YYYY-MM-DD')"
                if is_name
                else "to_char(to_timestamp(ts) AT TIME ZONE %s::interval, 'YYYY-MM-DD')"
            )
            prefix.append(zone)
        else:
            group = "model_used" if by == "model" else "key_id"
        sql, params = summary_query(
            self._qtable,
            group_expr=group,
            p50_expr="percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms)",
            placeholder="%s",
            since=since,
            until=until,
            key_id=key_id,
            model=model,
            order=order_for(by),
        )
        return sql, prefix + params

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
            rows = self._reader().execute(sql, params).fetchall()
        return rows_to_summary(rows)

    def explain_summary(
        self, since: float, until: float | None, by: SummaryBy, key_id: str | None = None
    ) -> str:
        sql, params = self._summary_sql(since, until, by, key_id, None)
        with self._rlock:
            rows = self._reader().execute("EXPLAIN " + sql, params).fetchall()
        return "\n".join(str(r[0]) for r in rows)

    def count(self) -> int:
        with self._rlock:
            row = self._reader().execute(f"SELECT COUNT(*) FROM {self._qtable}").fetchone()
        return int(row[0]) if row else 0

    def drop(self) -> None:
        """Drop the table and its indexes (tests clean up with this)."""
        with self._wlock:
            self._writer().execute(f"DROP TABLE IF EXISTS {self._qtable}")

    def close(self) -> None:
        with self._wlock:
            if self._wconn is not None:
                self._wconn.close()
        with self._rlock:
            if self._rconn is not None:
                self._rconn.close()


_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


def local_zone() -> tuple[str, bool]:
    """This process's time zone for PostgreSQL: (IANA name, True) when it can be known, else
    (its current UTC offset as an interval, False), which is off by an hour across DST."""
    tz = os.environ.get("TZ", "")
    if tz.startswith(":"):
        tz = tz[1:]
    if tz and _ZONE_NAME.match(tz) and "/" in tz:
        return tz, True
    if not tz:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            if _ZONE_NAME.match(name):
                return name, True
    offset = datetime.now().astimezone().utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    return f"{seconds} seconds", False

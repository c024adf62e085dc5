"""The PostgreSQL store (psycopg 3): one ledger table shared by several gateway processes.

A batch is one statement, ``INSERT ... SELECT FROM unnest(<one array per column>) ON CONFLICT
(request_id) DO NOTHING``: one round trip whatever the batch size. Each process has its own
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
from turnout.ledger.record import COLUMNS, SummaryBy, SummaryRow, UsageRecord, row_of
from turnout.ledger.sql import (
    DEFAULT_TABLE,
    check_table_name,
    order_for,
    rows_to_summary,
    summary_query,
)

# Array type per column, in COLUMNS order (what unnest() turns back into rows).
_ARRAY_TYPES = (
    "text",  # request_id
    "float8",  # ts
    "text",  # key_id
    "text",  # model_requested
    "text",  # model_used
    "text",  # rule
    "int4",  # prompt_tokens
    "int4",  # completion_tokens
    "int4",  # cached_tokens
    "bool",  # tokens_estimated
    "float8",  # cost_usd
    "float8",  # saved_usd
    "float4",  # latency_ms
    "float4",  # ttft_ms
    "text",  # cache
    "int2",  # fallbacks
    "int2",  # status
    "text",  # sensitivity
    "text",  # error
    "text",  # prompt
)

_CREATE = """
CREATE TABLE IF NOT EXISTS {t} (
    request_id text PRIMARY KEY,
    ts float8 NOT NULL,
    key_id text,
    model_requested text NOT NULL,
    model_used text NOT NULL,
    rule text NOT NULL,
    prompt_tokens int4 NOT NULL,
    completion_tokens int4 NOT NULL,
    cached_tokens int4 NOT NULL,
    tokens_estimated bool NOT NULL,
    cost_usd float8 NOT NULL,
    saved_usd float8 NOT NULL,
    latency_ms float4 NOT NULL,
    ttft_ms float4,
    cache text NOT NULL,
    fallbacks int2 NOT NULL,
    status int2 NOT NULL,
    sensitivity text NOT NULL,
    error text,
    prompt text
);
CREATE INDEX IF NOT EXISTS {i_ts} ON {t} (ts);
CREATE INDEX IF NOT EXISTS {i_key} ON {t} (key_id, ts);
CREATE INDEX IF NOT EXISTS {i_model} ON {t} (model_used, ts)
"""

_RECONNECT_EVERY_S = 1.0


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
        arrays = ", ".join(f"%s::{t}[]" for t in _ARRAY_TYPES)
        self._insert_sql = (
            f"INSERT INTO {self._qtable} ({cols}) SELECT * FROM unnest({arrays}) "
            "ON CONFLICT (request_id) DO NOTHING"
        )
        self._wlock = threading.Lock()
        self._rlock = threading.Lock()
        self._last_connect = 0.0
        self._wconn: psycopg.Connection[Any] | None = self._connect()
        self._rconn: psycopg.Connection[Any] | None = None
        self._create_schema(self._wconn)

    def _connect(self) -> psycopg.Connection[Any]:
        self._last_connect = time.monotonic()
        return psycopg.connect(self.conninfo, autocommit=True, connect_timeout=10)

    def _create_schema(self, conn: psycopg.Connection[Any]) -> None:
        ddl = _CREATE.format(
            t=self._qtable,
            i_ts=f'"{self._name}_ts"',
            i_key=f'"{self._name}_key_ts"',
            i_model=f'"{self._name}_model_ts"',
        )
        with conn.transaction():
            # Several processes opening at once would race in CREATE ... IF NOT EXISTS (it is
            # not atomic in PostgreSQL): one advisory lock per table serialises them.
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", ["turnout-ledger:" + self.table]
            )
            if self.schema:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            for statement in ddl.split(";"):
                if statement.strip():
                    conn.execute(statement)

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
            conn = self._wconn = self._connect()
        return conn

    def insert(self, records: Sequence[UsageRecord]) -> int:
        if not records:
            return 0
        columns = list(zip(*(row_of(r) for r in records), strict=True))
        with self._wlock:
            conn = self._writer()
            try:
                cur = conn.execute(self._insert_sql, [list(c) for c in columns])
            except psycopg.OperationalError:
                conn.close()  # reconnect on the next batch
                raise
            return max(cur.rowcount, 0)

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

"""Read-side queries for the operator's console: usage breakdowns, time series, the request log.

The stores (``sqlite``, ``postgres``, ``memory``) own writing; this module only reads, through
its own connection (a separate SQLite reader, or its own PostgreSQL connection), so a
dashboard refresh never waits on the writer's lock or the CLI's summaries. Every method is
blocking: the admin API calls them in a worker thread (``asyncio.to_thread``).

Schema additions the console needs live in ``console_schema``, applied by the ledger
migration ``m0002_console``: the ``route`` column (the decision as JSON) and a covering
index for the overview, which aggregates only columns in the index and so never touches the
table rows.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

from turnout.ledger.record import COLUMNS, route_of

# What the console groups usage by, and the SQL expression (per dialect) for each.
USAGE_BY: tuple[str, ...] = ("model", "key", "rule", "day", "hour", "status", "cache", "sensitivity")

# The overview's covering index: time range scans that read only these columns.
_OVERVIEW_INDEX_COLUMNS = "ts, model_used, cost_usd, saved_usd, status, cache, prompt_tokens, completion_tokens"


def console_schema(dialect: str, table: str, *, existing_columns: set[str] | None = None) -> list[str]:
    """DDL the console needs on the ledger table (idempotent). ``dialect``: sqlite | postgres.

    Applied by the ledger migration ``m0002_console`` (on tables created before it existed too)."""
    name = table.rpartition(".")[2].strip('"')
    stmts: list[str] = []
    if dialect == "sqlite":
        if existing_columns is not None and "route" not in existing_columns:
            stmts.append(f"ALTER TABLE {table} ADD COLUMN route TEXT")
        stmts.append(f"CREATE INDEX IF NOT EXISTS {name}_overview ON {table} ({_OVERVIEW_INDEX_COLUMNS})")
        stmts.extend(_rollup_ddl(name))
    elif dialect in ("postgres", "postgresql"):
        stmts.append(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS route text")
        stmts.append(f'CREATE INDEX IF NOT EXISTS "{name}_overview" ON {table} ({_OVERVIEW_INDEX_COLUMNS})')
    else:  # pragma: no cover - programming error
        raise ValueError(f"unknown dialect {dialect!r}")
    return stmts


def _rollup_ddl(name: str) -> list[str]:
    # Hourly totals per model, folded in from the ledger by row id (so a record replayed late
    # from a journal, with an old timestamp, still lands in its hour).
    return [
        f"CREATE TABLE IF NOT EXISTS {name}_rollup (hour INTEGER NOT NULL, model_used TEXT NOT NULL, "
        "requests INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, "
        "cost_usd REAL NOT NULL, saved_usd REAL NOT NULL, cache_hits INTEGER NOT NULL, errors INTEGER NOT NULL, "
        "PRIMARY KEY (hour, model_used)) WITHOUT ROWID",
        f"CREATE TABLE IF NOT EXISTS {name}_rollup_mark (one INTEGER PRIMARY KEY CHECK (one = 1), "
        "last_id INTEGER NOT NULL)",
    ]


def sqlite_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})").fetchall()}


@dataclass(slots=True)
class Filters:
    """Which rows a query reads: a ``[since, until)`` time range and optional equalities."""

    since: float
    until: float | None = None
    key_id: str | None = None
    key_ids: tuple[str, ...] | None = None  # a team: any of these keys
    model: str | None = None
    rule: str | None = None
    status: str | None = None  # "ok" | "error"

    def where(self, ph: str) -> tuple[str, list[Any]]:
        parts = [f"ts >= {ph}"]
        args: list[Any] = [self.since]
        if self.until is not None:
            parts.append(f"ts < {ph}")
            args.append(self.until)
        if self.key_id is not None:
            parts.append(f"key_id = {ph}")
            args.append(self.key_id)
        if self.key_ids is not None:
            if not self.key_ids:
                parts.append("1 = 0")
            else:
                parts.append(f"key_id IN ({', '.join([ph] * len(self.key_ids))})")
                args.extend(self.key_ids)
        if self.model is not None:
            parts.append(f"model_used = {ph}")
            args.append(self.model)
        if self.rule is not None:
            parts.append(f"rule = {ph}")
            args.append(self.rule)
        if self.status == "error":
            parts.append("status >= 400")
        elif self.status == "ok":
            parts.append("status < 400")
        return " AND ".join(parts), args


_TOTALS = (
    "COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), "
    "COALESCE(SUM(cost_usd), 0), COALESCE(SUM(saved_usd), 0), "
    "COALESCE(SUM(CASE WHEN cache IN ('hit', 'semantic') THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), 0)"
)
_TOTAL_NAMES = ("requests", "prompt_tokens", "completion_tokens", "cost_usd", "saved_usd", "cache_hits", "errors")


def _totals(row: tuple[Any, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in zip(_TOTAL_NAMES, row, strict=True):
        out[name] = float(value or 0) if name.endswith("_usd") else int(value or 0)
    out["tokens"] = out["prompt_tokens"] + out["completion_tokens"]
    return out


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_latency_ms": None, "p95_latency_ms": None, "p99_latency_ms": None}
    values.sort()
    n = len(values)

    def pick(q: float) -> float:
        return round(float(values[min(n - 1, int(q * n))]), 3)

    return {"p50_latency_ms": pick(0.50), "p95_latency_ms": pick(0.95), "p99_latency_ms": pick(0.99)}


class LedgerQueries:
    """Console queries over one ledger (SQLite file, PostgreSQL table, or in-memory)."""

    def __init__(self, ledger: Any) -> None:
        store = getattr(ledger, "store", None)
        self._lock = threading.Lock()
        self._cells_override: list[tuple[Any, ...]] | None = None
        self._memory = None
        self._conn: Any = None
        if store is None:  # MemoryLedger: answer from its records
            self.dialect = "memory"
            self._memory = ledger
            self.table = ""
            return
        self.table = store.table
        if hasattr(store, "conninfo"):
            import psycopg

            self.dialect = "postgres"
            self._conninfo = store.conninfo
            self._qtable = getattr(store, "_qtable", store.table)
            self._conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10)
            self.ph = "%s"
        else:
            self.dialect = "sqlite"
            self._qtable = store.table
            self._conn = sqlite3.connect(str(store.path), timeout=30.0, isolation_level=None,
                                         check_same_thread=False)
            self._conn.execute("PRAGMA query_only=1")
            self.ph = "?"
            self._path = str(store.path)
            self._wconn: sqlite3.Connection | None = None
            self._rollup_lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        if self.dialect == "sqlite" and self._wconn is not None:
            self._wconn.close()
            self._wconn = None

    # -- the hourly rollup (SQLite) ---------------------------------------------------------
    def _rollup_usable(self, f: Filters, tz_offset_s: int = 0) -> bool:
        return (self.dialect == "sqlite" and f.key_id is None and f.key_ids is None and f.model is None
                and f.rule is None and f.status is None and tz_offset_s % 3600 == 0)

    def refresh_rollup(self) -> int:
        """Fold ledger rows added since the last fold into the hourly rollup; returns how many.
        One transaction (BEGIN IMMEDIATE), so several processes folding at once cannot count a
        row twice."""
        if self.dialect != "sqlite":
            return 0
        name = self.table
        with self._rollup_lock:
            if self._wconn is None:
                self._wconn = sqlite3.connect(self._path, timeout=30.0, isolation_level=None,
                                              check_same_thread=False)
            conn = self._wconn
            top = conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {name}").fetchone()[0]
            mark = conn.execute(f"SELECT last_id FROM {name}_rollup_mark WHERE one = 1").fetchone()
            if mark is not None and mark[0] >= top:
                return 0
            conn.execute("BEGIN IMMEDIATE")
            try:
                mark = conn.execute(f"SELECT last_id FROM {name}_rollup_mark WHERE one = 1").fetchone()
                last = mark[0] if mark else 0
                top = conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {name}").fetchone()[0]
                cur = conn.execute(
                    f"INSERT INTO {name}_rollup SELECT CAST(ts / 3600 AS INTEGER) * 3600 AS h, model_used, {_TOTALS} "
                    f"FROM {name} WHERE id > ? AND id <= ? GROUP BY h, model_used "
                    "ON CONFLICT (hour, model_used) DO UPDATE SET requests = requests + excluded.requests, "
                    "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
                    "completion_tokens = completion_tokens + excluded.completion_tokens, "
                    "cost_usd = cost_usd + excluded.cost_usd, saved_usd = saved_usd + excluded.saved_usd, "
                    "cache_hits = cache_hits + excluded.cache_hits, errors = errors + excluded.errors",
                    (last, top))
                folded = cur.rowcount
                conn.execute(f"INSERT INTO {name}_rollup_mark (one, last_id) VALUES (1, ?) "
                             "ON CONFLICT (one) DO UPDATE SET last_id = excluded.last_id", (top,))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return int(folded)

    def _rollup_cells(self, f: Filters) -> list[tuple[Any, ...]]:
        """(hour, model, requests, prompt, completion, cost, saved, hits, errors) over the range:
        whole hours from the rollup, the partial hours at either edge from the ledger itself."""
        if self._cells_override is not None:  # inside overview(): read once, used thrice
            return self._cells_override
        self.refresh_rollup()
        first_full = -(-int(f.since) // 3600) * 3600  # the first hour wholly inside the range
        end = f.until
        last_full_end = int(end) // 3600 * 3600 if end is not None else None
        args: list[Any] = [first_full]
        sql = f"SELECT hour, model_used, requests, prompt_tokens, completion_tokens, cost_usd, saved_usd, " \
              f"cache_hits, errors FROM {self.table}_rollup WHERE hour >= ?"
        if last_full_end is not None:
            sql += " AND hour < ?"
            args.append(last_full_end)
        cells = self._rows(sql, args)
        edges = [(f.since, min(first_full, end) if end is not None else first_full)]
        if end is not None and last_full_end is not None and last_full_end >= first_full:
            edges.append((last_full_end, end))
        for lo, hi in edges:
            if hi <= lo:
                continue
            cells += self._rows(
                f"SELECT CAST(ts / 3600 AS INTEGER) * 3600 AS h, model_used, {_TOTALS} FROM {self.table} "
                "WHERE ts >= ? AND ts < ? GROUP BY h, model_used", [lo, hi])
        return cells

    # -- plumbing ---------------------------------------------------------------------------
    def _rows(self, sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
        with self._lock:
            if self.dialect == "postgres":
                if self._conn is None or self._conn.closed or self._conn.broken:
                    import psycopg

                    self._conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10)
                with self._conn.cursor() as cur:
                    cur.execute(sql, args)
                    return [tuple(r) for r in cur.fetchall()]
            return [tuple(r) for r in self._conn.execute(sql, args).fetchall()]

    def _group_expr(self, by: str, tz_offset_s: int = 0) -> str:
        if by not in USAGE_BY:
            raise ValueError(f"invalid grouping {by!r}; expected one of: {', '.join(USAGE_BY)}")
        simple = {"model": "model_used", "key": "key_id", "rule": "rule", "status": "status",
                  "cache": "cache", "sensitivity": "sensitivity"}
        if by in simple:
            return simple[by]
        width = 86_400 if by == "day" else 3_600
        # A bucket's start (unix seconds, shifted to the caller's zone for days).
        if self.dialect == "postgres":
            return f"(floor((ts + {tz_offset_s}) / {width}) * {width} - {tz_offset_s})::bigint"
        return f"(CAST((ts + {tz_offset_s}) / {width} AS INTEGER) * {width} - {tz_offset_s})"

    def _memory_rows(self, f: Filters) -> list[Any]:
        assert self._memory is not None
        out = []
        for r in self._memory.records():
            if r.ts < f.since or (f.until is not None and r.ts >= f.until):
                continue
            if f.key_id is not None and r.key_id != f.key_id:
                continue
            if f.key_ids is not None and r.key_id not in f.key_ids:
                continue
            if f.model is not None and r.model_used != f.model:
                continue
            if f.rule is not None and r.rule != f.rule:
                continue
            if f.status == "error" and r.status < 400:
                continue
            if f.status == "ok" and r.status >= 400:
                continue
            out.append(r)
        return out

    # -- usage ------------------------------------------------------------------------------
    def totals(self, f: Filters) -> dict[str, Any]:
        """Requests, tokens, cost, cache savings, errors over the range."""
        if self._memory is not None:
            rs = self._memory_rows(f)
            return _totals(_memory_totals(rs))
        if self._rollup_usable(f):
            cells = self._rollup_cells(f)
            return _totals(tuple(sum(c[i] for c in cells) for i in range(2, 9)))
        where, args = f.where(self.ph)
        rows = self._rows(f"SELECT {_TOTALS} FROM {self._qtable} WHERE {where}", args)
        return _totals(rows[0])

    def usage(self, f: Filters, by: str, *, tz_offset_s: int = 0, percentiles: bool = True,
              limit: int = 500) -> list[dict[str, Any]]:
        """One row per group: totals and latency percentiles, biggest cost first (time
        buckets in time order)."""
        if self._memory is not None:
            return self._memory_usage(f, by, tz_offset_s, percentiles)
        if not percentiles and by in ("model", "hour", "day") and self._rollup_usable(f, tz_offset_s):
            return self._rollup_usage(f, by, tz_offset_s, limit)
        expr = self._group_expr(by, tz_offset_s)
        where, args = f.where(self.ph)
        order = "grp" if by in ("day", "hour") else "5 DESC, 2 DESC, grp"
        sql = (f"SELECT {expr} AS grp, {_TOTALS} FROM {self._qtable} WHERE {where} "
               f"GROUP BY grp ORDER BY {order} LIMIT {int(limit)}")
        rows = self._rows(sql, args)
        out = [{"group": _group_value(r[0]), **_totals(r[1:])} for r in rows]
        if percentiles and out:
            self._add_percentiles(out, f, expr, by)
        return out

    def _rollup_usage(self, f: Filters, by: str, tz_offset_s: int, limit: int) -> list[dict[str, Any]]:
        groups: dict[Any, list[float]] = {}
        width = 86_400 if by == "day" else 3_600
        for c in self._rollup_cells(f):
            g = c[1] if by == "model" else int((c[0] + tz_offset_s) // width) * width - tz_offset_s
            acc = groups.setdefault(g, [0] * 7)
            for i in range(7):
                acc[i] += c[2 + i]
        out = [{"group": g, **_totals(tuple(v))} for g, v in groups.items()]
        if by == "model":
            out.sort(key=lambda r: (-r["cost_usd"], -r["requests"], str(r["group"])))
        else:
            out.sort(key=lambda r: r["group"])
        return out[:limit]

    def _add_percentiles(self, out: list[dict[str, Any]], f: Filters, expr: str, by: str) -> None:
        where, args = f.where(self.ph)
        if self.dialect == "postgres":
            sql = (f"SELECT {expr} AS grp, percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms), "
                   "percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms), "
                   "percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) "
                   f"FROM {self._qtable} WHERE {where} GROUP BY grp")
            got = {_group_value(r[0]): r[1:] for r in self._rows(sql, args)}
            for row in out:
                p = got.get(row["group"])
                row.update(p50_latency_ms=_f(p[0]) if p else None, p95_latency_ms=_f(p[1]) if p else None,
                           p99_latency_ms=_f(p[2]) if p else None)
            return
        # SQLite has no percentile aggregate: fetch (group, latency) pairs, sort per group.
        sql = f"SELECT {expr} AS grp, latency_ms FROM {self._qtable} WHERE {where}"
        groups: dict[Any, list[float]] = {}
        for g, lat in self._rows(sql, args):
            groups.setdefault(_group_value(g), []).append(float(lat))
        for row in out:
            row.update(_percentiles(groups.get(row["group"], [])))

    def _memory_usage(self, f: Filters, by: str, tz_offset_s: int, percentiles: bool) -> list[dict[str, Any]]:
        if by not in USAGE_BY:
            raise ValueError(f"invalid grouping {by!r}; expected one of: {', '.join(USAGE_BY)}")
        attr = {"model": "model_used", "key": "key_id", "rule": "rule", "status": "status",
                "cache": "cache", "sensitivity": "sensitivity"}
        groups: dict[Any, list[Any]] = {}
        for r in self._memory_rows(f):
            if by in attr:
                g = getattr(r, attr[by])
            else:
                width = 86_400 if by == "day" else 3_600
                g = int((r.ts + tz_offset_s) // width) * width - tz_offset_s
            groups.setdefault(g, []).append(r)
        out = []
        for g, rs in groups.items():
            row = {"group": g, **_totals(_memory_totals(rs))}
            if percentiles:
                row.update(_percentiles([float(r.latency_ms) for r in rs]))
            out.append(row)
        if by in ("day", "hour"):
            out.sort(key=lambda r: r["group"])
        else:
            out.sort(key=lambda r: (-r["cost_usd"], -r["requests"], str(r["group"])))
        return out

    def series(self, f: Filters, *, bucket: str = "hour", tz_offset_s: int = 0) -> dict[str, Any]:
        """Cost and requests per time bucket and model, for the spend chart: ``{"buckets":
        [t0, t1, ...], "models": {name: {"cost_usd": [...], "requests": [...]}}, "errors": [...],
        "saved_usd": [...]}``."""
        if bucket not in ("hour", "day"):
            raise ValueError("bucket must be hour or day")
        width = 86_400 if bucket == "day" else 3_600
        if self._memory is not None:
            cells: list[tuple[Any, ...]] = []
            agg: dict[tuple[int, str], list[float]] = {}
            for r in self._memory_rows(f):
                b = int((r.ts + tz_offset_s) // width) * width - tz_offset_s
                a = agg.setdefault((b, r.model_used), [0, 0.0, 0.0, 0])
                a[0] += 1
                a[1] += r.cost_usd
                a[2] += r.saved_usd
                a[3] += 1 if r.status >= 400 else 0
            cells = [(b, m, *v) for (b, m), v in agg.items()]
        elif self._rollup_usable(f, tz_offset_s):
            agg2: dict[tuple[int, str], list[float]] = {}
            for c in self._rollup_cells(f):
                b = int((c[0] + tz_offset_s) // width) * width - tz_offset_s
                a = agg2.setdefault((b, c[1]), [0, 0.0, 0.0, 0])
                a[0] += c[2]
                a[1] += c[5]
                a[2] += c[6]
                a[3] += c[8]
            cells = [(b, m, *v) for (b, m), v in agg2.items()]
        else:
            expr = self._group_expr(bucket, tz_offset_s)
            where, args = f.where(self.ph)
            sql = (f"SELECT {expr} AS grp, model_used, COUNT(*), COALESCE(SUM(cost_usd), 0), "
                   "COALESCE(SUM(saved_usd), 0), COALESCE(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), 0) "
                   f"FROM {self._qtable} WHERE {where} GROUP BY grp, model_used")
            cells = self._rows(sql, args)
        first = int((f.since + tz_offset_s) // width) * width - tz_offset_s
        last_ts = max([int(c[0]) for c in cells], default=first)
        buckets = list(range(first, max(first, last_ts) + 1, width))
        index = {b: i for i, b in enumerate(buckets)}
        models: dict[str, dict[str, list[float]]] = {}
        errors = [0] * len(buckets)
        saved = [0.0] * len(buckets)
        requests = [0] * len(buckets)
        for b, model, n, cost, sv, errs in cells:
            i = index.get(int(b))
            if i is None:
                continue
            m = models.setdefault(model or "(none)", {"cost_usd": [0.0] * len(buckets), "requests": [0] * len(buckets)})
            m["cost_usd"][i] += float(cost)
            m["requests"][i] += int(n)
            errors[i] += int(errs)
            saved[i] += float(sv)
            requests[i] += int(n)
        return {"bucket": bucket, "buckets": buckets, "models": models, "errors": errors,
                "saved_usd": saved, "requests": requests}

    def overview(self, f: Filters, *, bucket: str = "hour", tz_offset_s: int = 0, top: int = 10) -> dict[str, Any]:
        """The dashboard's overview in one pass: totals, the spend series and the top models
        (from one read of the rollup when it can answer)."""
        if not self._rollup_usable(f, tz_offset_s):
            return {"totals": self.totals(f), "series": self.series(f, bucket=bucket, tz_offset_s=tz_offset_s),
                    "by_model": self.usage(f, "model", percentiles=False, limit=top)}
        cells = self._rollup_cells(f)
        self._cells_override = cells
        try:
            return {"totals": _totals(tuple(sum(c[i] for c in cells) for i in range(2, 9))),
                    "series": self.series(f, bucket=bucket, tz_offset_s=tz_offset_s),
                    "by_model": self._rollup_usage(f, "model", tz_offset_s, top)}
        finally:
            self._cells_override = None

    # -- the request log --------------------------------------------------------------------
    def requests(self, f: Filters, *, limit: int = 50, before: float | None = None) -> list[dict[str, Any]]:
        """The most recent requests first, each with its decision (``route``)."""
        limit = max(1, min(int(limit), 500))
        if self._memory is not None:
            rs = [r for r in self._memory_rows(f) if before is None or r.ts < before]
            rs.sort(key=lambda r: r.ts, reverse=True)
            return [_log_row(tuple(getattr(r, c) for c in COLUMNS)) for r in rs[:limit]]
        where, args = f.where(self.ph)
        if before is not None:
            where += f" AND ts < {self.ph}"
            args.append(before)
        sql = f"SELECT {', '.join(COLUMNS)} FROM {self._qtable} WHERE {where} ORDER BY ts DESC LIMIT {limit}"
        return [_log_row(r) for r in self._rows(sql, args)]

    def request(self, request_id: str) -> dict[str, Any] | None:
        if self._memory is not None:
            for r in self._memory.records():
                if r.request_id == request_id:
                    return _log_row(tuple(getattr(r, c) for c in COLUMNS))
            return None
        sql = f"SELECT {', '.join(COLUMNS)} FROM {self._qtable} WHERE request_id = {self.ph}"
        rows = self._rows(sql, [request_id])
        return _log_row(rows[0]) if rows else None

    def spend_by_key(self, since: float = 0.0) -> dict[str | None, float]:
        """Total cost per key id since ``since`` (the keys page: spend against budget)."""
        return {r["group"]: r["cost_usd"] for r in self.usage(Filters(since=since), "key", percentiles=False,
                                                                limit=100_000)}


def _memory_totals(rs: list[Any]) -> tuple[Any, ...]:
    return (
        len(rs), sum(r.prompt_tokens for r in rs), sum(r.completion_tokens for r in rs),
        sum(r.cost_usd for r in rs), sum(r.saved_usd for r in rs),
        sum(1 for r in rs if r.cache in ("hit", "semantic")), sum(1 for r in rs if r.status >= 400),
    )


def _group_value(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else str(value)


def _f(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


def _log_row(row: tuple[Any, ...]) -> dict[str, Any]:
    item = dict(zip(COLUMNS, row, strict=True))
    if "route" in item:
        item["route"] = route_of(item["route"])
    item["tokens_estimated"] = bool(item.get("tokens_estimated"))
    return item

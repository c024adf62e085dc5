"""SQL text shared by the SQLite and PostgreSQL stores: the summary query and its filters.

The table name is never user text here: each store validates it (``check_table_name``)
before it reaches this module.
"""

from __future__ import annotations

import re
from typing import Any

from turnout.ledger.record import SummaryBy, SummaryRow

_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,47}(\.[A-Za-z_][A-Za-z0-9_]{0,47})?$")

DEFAULT_TABLE = "turnout_usage"


def check_table_name(name: str) -> str:
    if not _TABLE_NAME.match(name):
        raise ValueError(
            f"invalid ledger table name {name!r}: letters, digits and _ only "
            "(optionally schema.table)"
        )
    return name


def summary_query(
    table: str,
    *,
    group_expr: str,
    p50_expr: str,
    placeholder: str,
    since: float,
    until: float | None,
    key_id: str | None,
    model: str | None,
    order: str,
) -> tuple[str, list[Any]]:
    """``SELECT group, totals... WHERE ts range [AND key] [AND model] GROUP BY group``."""
    where = [f"ts >= {placeholder}"]
    params: list[Any] = [since]
    if until is not None:
        where.append(f"ts < {placeholder}")
        params.append(until)
    if key_id is not None:
        where.append(f"key_id = {placeholder}")
        params.append(key_id)
    if model is not None:
        where.append(f"model_used = {placeholder}")
        params.append(model)
    sql = (
        f"SELECT {group_expr} AS grp, COUNT(*), "
        "COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), "
        "COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(cost_usd), 0), COALESCE(SUM(saved_usd), 0), "
        "SUM(CASE WHEN cache IN ('hit', 'semantic') THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status >= 400 OR error IS NOT NULL THEN 1 ELSE 0 END), "
        f"AVG(latency_ms), {p50_expr} "
        f"FROM {table} WHERE {' AND '.join(where)} GROUP BY grp ORDER BY {order}"
    )
    return sql, params


def order_for(by: SummaryBy) -> str:
    # Days read chronologically; models and keys by what they cost, biggest first.
    return "grp" if by == "day" else "6 DESC, 2 DESC, grp"


def rows_to_summary(rows: list[Any]) -> list[SummaryRow]:
    return [
        SummaryRow(
            group=None if r[0] is None else str(r[0]),
            requests=int(r[1]),
            prompt_tokens=int(r[2]),
            completion_tokens=int(r[3]),
            cached_tokens=int(r[4]),
            cost_usd=float(r[5]),
            saved_usd=float(r[6]),
            cache_hits=int(r[7] or 0),
            errors=int(r[8] or 0),
            avg_latency_ms=None if r[9] is None else float(r[9]),
            p50_latency_ms=None if r[10] is None else float(r[10]),
        )
        for r in rows
    ]

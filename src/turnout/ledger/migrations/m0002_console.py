"""The operator's console: the ``route`` column (each request's decision, for the request log),
a covering index for the overview, and (SQLite) the hourly rollup tables. The statements live
in ``ledger.queries.console_schema`` beside the queries that use them."""

from __future__ import annotations

from turnout.ledger.migrations import Db

NAME = "console: route column, overview index, hourly rollup"


def up(db: Db) -> None:
    from turnout.ledger.queries import console_schema

    existing = None
    if db.dialect == "sqlite":
        existing = {row[1] for row in db.execute(f"PRAGMA table_info({db.ledger})").fetchall()}
    for statement in console_schema(db.dialect, db.ledger, existing_columns=existing):
        db.execute(statement)

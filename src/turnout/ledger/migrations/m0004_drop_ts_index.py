"""SQLite: drop the ledger's ``ts`` index. The console's overview index (``m0002``) leads with
``ts`` too, so every time-range query that used ``ts`` is served by it, and the writer no longer
maintains a sixth B-tree: about 2 µs of the writer's ~19 µs per record (issue 17,
``bench/bench_ledger_writer.py``). PostgreSQL keeps its index: its writer is another process.
"""

from __future__ import annotations

from turnout.ledger.migrations import Db

NAME = "sqlite: drop the ts index (the overview index leads with ts)"


def up(db: Db) -> None:
    if db.dialect == "sqlite":
        db.execute(f'DROP INDEX IF EXISTS "{db.ledger_bare}_ts"')

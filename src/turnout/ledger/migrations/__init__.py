"""Versioned schema migrations for the SQLite and PostgreSQL databases, applied once each.

Adding a migration is a one-file job: a module ``mNNNN_<what>.py`` in this package (NNNN =
the next number, never reused or reordered) with

    NAME = "what it does"

    def up(db: Db) -> None:
        db.execute(f"CREATE TABLE IF NOT EXISTS {db.name('feedback')} (...)")

``db.dialect`` is ``"sqlite"`` or ``"postgresql"`` for the few statements that differ;
``db.ledger`` is the quoted (schema-qualified) ledger table, ``db.ledger_bare`` its bare name
(for index names); ``db.name(t)`` quotes a new table's name in the ledger's schema.

How they run (``migrate``): inside the transaction the opening store already holds, under a
lock that serialises every process opening the same database at once (PostgreSQL: an
advisory transaction lock, so two gateways started together on a fresh database both come up;
SQLite: ``BEGIN IMMEDIATE``). The applied versions are rows of ``turnout_schema_migrations``
(scope = the ledger table, since one database may hold several ledgers), so each migration runs
once per database and an upgrade keeps the data. PostgreSQL and SQLite both run DDL inside
the transaction: a migration that fails leaves nothing half-applied. Write ``up`` so it also
accepts a database made by hand with the same objects (``IF NOT EXISTS``): the first
migration adopts databases created before migrations existed.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

MIGRATIONS_TABLE = "turnout_schema_migrations"
PG_LOCK_KEY = "turnout-schema-migrations"
_MODULE = re.compile(r"^m(\d{4})_[a-z0-9_]+$")


@dataclass(frozen=True, slots=True)
class Db:
    """What a migration's ``up`` gets: the dialect, a way to run SQL, and the table names."""

    dialect: str  # "sqlite" | "postgresql"
    execute: Callable[..., Any]
    ledger: str  # quoted, schema-qualified ledger table
    ledger_bare: str  # its name alone, for index names
    schema: str | None = None

    def name(self, table: str) -> str:
        """A new table's quoted name, in the ledger's schema."""
        return f'"{self.schema}"."{table}"' if self.schema else f'"{table}"'


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    up: Callable[[Db], None]


def discover() -> list[Migration]:
    """Every migration of this package, in version order (duplicates are a bug: refused)."""
    found: dict[int, Migration] = {}
    for info in pkgutil.iter_modules(__path__):
        match = _MODULE.match(info.name)
        if not match:
            continue
        module: ModuleType = importlib.import_module(f"{__name__}.{info.name}")
        version = int(match.group(1))
        if version in found:
            raise RuntimeError(f"two schema migrations with version {version}")
        found[version] = Migration(version, str(getattr(module, "NAME", info.name)), module.up)
    return [found[v] for v in sorted(found)]


def migrate(db: Db, scope: str, migrations: list[Migration] | None = None) -> list[int]:
    """Apply what is missing, in order; returns the versions applied now. The caller holds
    the transaction and the lock (see the module doc)."""
    table = db.name(MIGRATIONS_TABLE)
    real = "REAL" if db.dialect == "sqlite" else "float8"
    db.execute(f"CREATE TABLE IF NOT EXISTS {table} (scope TEXT NOT NULL, version INTEGER NOT NULL, "
               f"name TEXT NOT NULL, applied_at {real} NOT NULL, PRIMARY KEY (scope, version))")
    ph = "?" if db.dialect == "sqlite" else "%s"
    rows = db.execute(f"SELECT version FROM {table} WHERE scope = {ph}", [scope]).fetchall()
    done = {int(r[0]) for r in rows}
    applied = []
    for m in migrations if migrations is not None else discover():
        if m.version in done:
            continue
        m.up(db)
        db.execute(f"INSERT INTO {table} (scope, version, name, applied_at) VALUES ({ph}, {ph}, {ph}, {ph})",
                   [scope, m.version, m.name, time.time()])
        applied.append(m.version)
    return applied


def applied_versions(execute: Callable[..., Any], schema: str | None, scope: str, dialect: str) -> list[int]:
    """The versions recorded for ``scope`` (for ``turnout doctor`` and tests)."""
    db = Db(dialect, execute, "", "", schema)
    ph = "?" if dialect == "sqlite" else "%s"
    rows = execute(f"SELECT version FROM {db.name(MIGRATIONS_TABLE)} WHERE scope = {ph} ORDER BY version",
                   [scope]).fetchall()
    return [int(r[0]) for r in rows]

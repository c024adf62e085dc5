"""Versioned schema migrations (issue #11.5): applied once, an upgrade from the schema ledgers
had before migrations keeps its rows, and gateways opening a fresh PostgreSQL together all
come up."""

from __future__ import annotations

import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from turnout.ledger import open_ledger
from turnout.ledger.migrations import (
    MIGRATIONS_TABLE,
    Db,
    Migration,
    applied_versions,
    discover,
    migrate,
)

from .ledger_records import make_record

PG = "postgresql://postgres@127.0.0.1:5432/test"

# The schema every SQLite ledger had before migrations existed (as shipped in 0.1.0).
_OLD_SQLITE = """
CREATE TABLE turnout_usage (
    id INTEGER PRIMARY KEY, request_id TEXT NOT NULL UNIQUE, ts REAL NOT NULL, key_id TEXT,
    model_requested TEXT NOT NULL, model_used TEXT NOT NULL, rule TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
    tokens_estimated INTEGER NOT NULL, cost_usd REAL NOT NULL, saved_usd REAL NOT NULL,
    latency_ms REAL NOT NULL, ttft_ms REAL, cache TEXT NOT NULL, fallbacks INTEGER NOT NULL,
    status INTEGER NOT NULL, sensitivity TEXT NOT NULL, error TEXT, prompt TEXT
) STRICT;
CREATE INDEX turnout_usage_ts ON turnout_usage (ts);
PRAGMA user_version=1;
"""


def test_migrations_are_numbered_and_discovered() -> None:
    found = discover()
    assert [m.version for m in found] == sorted({m.version for m in found})
    assert found[0].version == 1


def test_sqlite_upgrade_from_the_old_schema_keeps_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(_OLD_SQLITE)
    conn.execute("INSERT INTO turnout_usage (request_id, ts, model_requested, model_used, rule, prompt_tokens, "
                 "completion_tokens, cached_tokens, tokens_estimated, cost_usd, saved_usd, latency_ms, cache, "
                 "fallbacks, status, sensitivity) VALUES ('old-1', 1.0, 'auto', 'm', 'r', 1, 2, 0, 0, 0.5, 0, 3, "
                 "'off', 0, 200, 'public')")
    conn.commit()
    conn.close()
    with open_ledger(f"sqlite:///{path}", journal_dir=tmp_path / "j") as ledger:
        assert ledger.count() == 1
        ledger.record(make_record(1, prefix="new"))
        ledger.flush()
        assert ledger.count() == 2
    conn = sqlite3.connect(path)
    assert applied_versions(conn.execute, None, "turnout_usage", "sqlite") == [m.version for m in discover()]
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    # m0004: the ts index is gone, the overview index (ts first) serves time ranges instead
    assert "turnout_usage_ts" not in indexes and "turnout_usage_overview" in indexes
    plan = " ".join(r[-1] for r in conn.execute("EXPLAIN QUERY PLAN SELECT COUNT(*), SUM(latency_ms) "
                                                 "FROM turnout_usage WHERE ts >= ?", [0.0]))
    assert "USING INDEX turnout_usage_overview (ts>?)" in plan, plan
    conn.close()
    with open_ledger(f"sqlite:///{path}", journal_dir=tmp_path / "j") as ledger:  # reopen: nothing re-applied
        assert ledger.count() == 2


def test_a_new_migration_runs_once_and_a_failing_one_leaves_nothing(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    calls: list[int] = []

    def add_feedback(db: Db) -> None:
        calls.append(1)
        db.execute(f"CREATE TABLE {db.name('feedback')} (id INTEGER PRIMARY KEY, note TEXT)")

    def broken(db: Db) -> None:
        db.execute(f"CREATE TABLE {db.name('half')} (id INTEGER)")
        raise RuntimeError("migration bug")

    ms = [*discover(), Migration(900, "feedback", add_feedback)]
    for _ in range(2):
        conn.execute("BEGIN IMMEDIATE")
        migrate(Db("sqlite", conn.execute, "turnout_usage", "turnout_usage"), "turnout_usage", ms)
        conn.execute("COMMIT")
    assert calls == [1]
    conn.execute("BEGIN IMMEDIATE")
    with pytest.raises(RuntimeError):
        migrate(Db("sqlite", conn.execute, "turnout_usage", "turnout_usage"), "turnout_usage",
                [*ms, Migration(901, "broken", broken)])
    conn.execute("ROLLBACK")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half" not in tables and "feedback" in tables
    assert 901 not in applied_versions(conn.execute, None, "turnout_usage", "sqlite")


@pytest.fixture
def pg_schema() -> Any:
    psycopg = pytest.importorskip("psycopg")
    schema = f"turnout_mig_{secrets.token_hex(5)}"
    yield schema
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.postgres
def test_gateways_opening_a_fresh_postgres_together_all_come_up(pg_schema: str, tmp_path: Path) -> None:
    from turnout.ledger.postgres import PostgresStore

    n = 6
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []
    stores: list[Any] = []

    def open_one() -> None:
        try:
            barrier.wait(5)
            stores.append(PostgresStore(PG, table=f"{pg_schema}.usage"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert len(stores) == n
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        rows = conn.execute(f'SELECT version FROM "{pg_schema}".{MIGRATIONS_TABLE}').fetchall()
    assert sorted(r[0] for r in rows) == [m.version for m in discover()]  # each applied once
    for store in stores:
        store.close()


@pytest.mark.postgres
def test_postgres_upgrade_from_the_old_schema_keeps_rows(pg_schema: str, tmp_path: Path) -> None:
    import psycopg

    from turnout.ledger.migrations import m0001_usage_table

    table = f'"{pg_schema}"."usage"'
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{pg_schema}"')
        # Today's schema, as the store created it before migrations existed.
        for statement in m0001_usage_table._POSTGRES.format(t=table, b="usage").split(";"):
            conn.execute(statement)
        conn.execute(f"INSERT INTO {table} (request_id, ts, model_requested, model_used, rule, prompt_tokens, "
                     "completion_tokens, cached_tokens, tokens_estimated, cost_usd, saved_usd, latency_ms, cache, "
                     "fallbacks, status, sensitivity) VALUES ('old-1', 1.0, 'auto', 'm', 'r', 1, 2, 0, false, 0.5, "
                     "0, 3, 'off', 0, 200, 'public')")
    url = f"{PG}?table={pg_schema}.usage"
    with open_ledger(url, journal_dir=tmp_path / "j") as ledger:
        assert ledger.count() == 1
        ledger.record(make_record(1, prefix="new"))
        ledger.flush()
        assert ledger.count() == 2


@pytest.mark.postgres
@pytest.mark.slow
def test_two_gateways_started_together_on_a_fresh_database_both_serve(tmp_path: Path) -> None:
    """The issue's case: two `turnout serve` on a brand-new PostgreSQL database, at once."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import httpx
    import psycopg

    db = f"turnout_fresh_{secrets.token_hex(5)}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{db}"
    cfg = tmp_path / "turnout.yaml"
    cfg.write_text(f"models:\n  - {{name: fake/local, provider: fake, local: true}}\nledger:\n  url: {url}\n"
                   "server:\n  master_key: sk-fresh\n")
    procs, ports = [], []
    try:
        for i in range(2):
            import socket

            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                ports.append(s.getsockname()[1])
            env = {**os.environ, "TURNOUT_JOURNAL_DIR": str(tmp_path / f"j{i}")}
            procs.append(subprocess.Popen([sys.executable, "-m", "turnout.cli", "serve", "--config", str(cfg),
                                           "--port", str(ports[-1])], env=env, cwd=tmp_path,
                                          stdout=subprocess.DEVNULL, start_new_session=True,
                                          stderr=(tmp_path / f"gw{i}.log").open("wb")))
        for proc, port in zip(procs, ports, strict=True):
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, (tmp_path / f"gw{procs.index(proc)}.log").read_text()
                try:
                    r = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", timeout=2,
                                   headers={"authorization": "Bearer sk-fresh"},
                                   json={"model": "fake/local", "messages": [{"role": "user", "content": "hi"}]})
                    if r.status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "gateway did not come up"
                time.sleep(0.2)
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

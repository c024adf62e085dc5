"""Fixtures for the ledger tests: a ledger URL per backend, each test on its own database
file or PostgreSQL table (dropped afterwards), and its own journal directory."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BASE = os.environ.get("TURNOUT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pg_available() -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_BASE, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL at {PG_BASE} unavailable: {exc}"
    return None


def drop_pg_table(table: str) -> None:
    import psycopg

    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f'DROP TABLE IF EXISTS "{table}"')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL ledger URL with a table unique to this test, dropped afterwards."""
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    table = f"ledger_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    yield f"{PG_BASE}?table={table}"
    drop_pg_table(table)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url: str = request.getfixturevalue("sqlite_url")
    else:
        url = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def journal_dir(tmp_path: Path) -> Path:
    return tmp_path / "journal"

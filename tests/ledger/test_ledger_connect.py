"""open_ledger: URL forms, default journal directories, the memory backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from turnout.ledger import JournaledLedger, MemoryLedger, open_ledger
from turnout.ledger.connect import _redact, split_table
from turnout.ledger.sqlite import SQLiteStore

from .ledger_records import make_record


def test_default_is_sqlite_turnout_db_in_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TURNOUT_HOME", str(home))
    monkeypatch.delenv("TURNOUT_LEDGER_URL", raising=False)
    with open_ledger() as ledger:
        assert isinstance(ledger, JournaledLedger)
        assert isinstance(ledger.store, SQLiteStore)
        assert ledger.store.path == home / "turnout.db"
        assert ledger.journal.directory == home / "turnout.db.turnout-journal"
        ledger.record(make_record(1))
    assert (home / "turnout.db").exists()
    assert not (tmp_path / "turnout.db").exists()  # never the working directory


def test_env_url_and_sqlite_url_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TURNOUT_LEDGER_URL", "sqlite:///sub/x.db?table=usage_v2")
    with open_ledger() as ledger:
        assert isinstance(ledger, JournaledLedger) and isinstance(ledger.store, SQLiteStore)
        assert ledger.store.path == tmp_path / "sub" / "x.db"
        assert ledger.store.table == "usage_v2"
        assert ledger.journal.directory.name == "x.db.usage_v2.turnout-journal"
    with open_ledger(f"sqlite:///{tmp_path}/abs.db") as ledger:
        assert ledger.store.path == tmp_path / "abs.db"  # type: ignore[attr-defined]
    with open_ledger(str(tmp_path / "plain.db")) as ledger:
        assert ledger.store.path == tmp_path / "plain.db"  # type: ignore[attr-defined]


def test_bad_urls_and_names_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported ledger URL 'mysql://u:\\*\\*\\*@h/db'"):
        open_ledger("mysql://u:secret@h/db")
    with pytest.raises(ValueError, match="invalid ledger table name"):
        open_ledger(f"sqlite:///{tmp_path}/x.db?table=drop;table")
    with pytest.raises(ValueError, match="needs a file"):
        open_ledger("sqlite:///:memory:")


def test_table_is_taken_out_of_postgres_urls() -> None:
    url, table = split_table("postgresql://u:pw@h:5/db?sslmode=disable&table=t1")
    assert (url, table) == ("postgresql://u:pw@h:5/db?sslmode=disable", "t1")
    assert _redact("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"


@pytest.mark.postgres
def test_postgres_journal_dir_is_per_database_and_table(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TURNOUT_JOURNAL_DIR", str(tmp_path / "journals"))
    with open_ledger(pg_url.replace("postgresql://", "postgres://")) as ledger:
        assert isinstance(ledger, JournaledLedger)
        directory = ledger.journal.directory
        assert directory.parent == tmp_path / "journals"
        assert directory.name.startswith("pg-127-0-0-1-5432-test-ledger-test")
    with open_ledger(pg_url) as again:
        assert again.journal.directory == directory  # type: ignore[attr-defined]


def test_memory_ledger_has_the_same_semantics() -> None:
    ledger = open_ledger("memory://")
    assert isinstance(ledger, MemoryLedger)
    for i in range(10):
        ledger.record(make_record(i, prompt="dropped"))
    ledger.record(make_record(3))
    assert ledger.count() == 10
    assert all(r.prompt is None for r in ledger.records())
    assert sum(r.requests for r in ledger.summary(0, by="key")) == 10
    ledger.close()
    with pytest.raises(RuntimeError):
        ledger.record(make_record(11))

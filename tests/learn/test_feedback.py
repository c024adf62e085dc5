"""Feedback labels: parsing (any body -> a Label or a ValueError), cascade outcomes as rows of
the feedback table (written off the request path), storage on SQLite and PostgreSQL (the
versioned migration), and the join into training rows."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from turnout.learn.feedback import Label, cascade_labels, label_table, parse_feedback, training_rows
from turnout.learn.feedback_store import (
    LedgerLocation,
    ledger_records,
    locate,
    open_feedback_store,
    outcome_writer,
)
from turnout.ledger import UsageRecord, open_ledger

PG_BASE = os.environ.get("TURNOUT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)


@given(st.dictionaries(st.sampled_from(["request_id", "score", "thumbs", "model", "comment", "x"]),
                       json_values, max_size=5) | json_values)
def test_any_body_parses_or_is_a_value_error(body):
    try:
        label = parse_feedback(body)
    except ValueError as exc:
        assert str(exc)
    else:
        assert 0.0 <= label.score <= 1.0 and label.request_id


def test_thumbs_and_scores():
    assert parse_feedback({"request_id": "r1", "thumbs": "up"}).score == 1.0
    assert parse_feedback({"request_id": "r1", "thumbs": "down"}).score == 0.0
    assert parse_feedback({"request_id": "r1", "score": 0.25, "model": "m"}).model == "m"
    for bad in ({"score": 1}, {"request_id": "r", "score": 2}, {"request_id": "r"},
                {"request_id": "r", "thumbs": "sideways"}, {"request_id": "r", "score": True}):
        with pytest.raises(ValueError):
            parse_feedback(bad)


def _cascade_route(threshold: float, *steps: tuple[str, float | None, bool]) -> dict:
    return {"cascade": {"threshold": threshold, "steps": [
        {"model": m, "accepted": acc, **({"confidence": c} if c is not None else {})} for m, c, acc in steps]}}


def test_cascade_outcomes_are_labels_of_the_judged_rungs():
    # cheap judged below the threshold (escalated), mid accepted, top rung never judged
    route = _cascade_route(0.7, ("cheap", 0.2, False), ("mid", 0.9, True), ("top", None, False))
    labels = cascade_labels("r1", route, ts=5.0)
    assert [(lb.model, lb.score, lb.source) for lb in labels] == [("cheap", 0.0, "cascade"), ("mid", 1.0, "cascade")]
    # a rung kept only because every stronger one failed was still judged below the threshold
    kept = _cascade_route(0.7, ("cheap", 0.3, True), ("top", None, False))
    assert [lb.score for lb in cascade_labels("r2", kept)] == [0.0]
    assert cascade_labels("r3", None) == [] and cascade_labels("r3", {"reason": "x"}) == []


@given(json_values)
def test_any_route_gives_labels_in_range_or_none(route):
    for lb in cascade_labels("r", route if isinstance(route, dict) else {"cascade": route}):
        assert lb.score in (0.0, 1.0) and lb.model


def test_feedback_overrules_the_cascade_and_the_last_feedback_counts():
    records = [
        {"request_id": "a", "ts": 1.0, "model_used": "big", "prompt": "p-a"},
        {"request_id": "b", "ts": 2.0, "model_used": "small", "prompt": "p-b"},
        {"request_id": "c", "ts": 3.0, "model_used": "big", "prompt": None, "route": None},
        {"request_id": "d", "ts": 4.0, "model_used": "small", "prompt": "p-d", "route": None},
    ]
    outcomes_a = cascade_labels("a", _cascade_route(0.5, ("small", 0.1, False), ("big", None, True)), ts=1.0)
    outcomes_b = cascade_labels("b", _cascade_route(0.5, ("small", 0.8, True)), ts=2.0)
    labels = [*outcomes_a,
              Label("a", 0.0, ts=10.0), Label("a", 1.0, ts=11.0),  # changed its mind: rates "big"
              Label("b", 0.0, model="small", ts=12.0),  # a person beats the cascade ...
              *outcomes_b,  # ... also when the cascade's row is stored after it
              Label("c", 1.0, ts=13.0),  # no stored prompt: nothing to learn from
              Label("zz", 1.0, ts=14.0)]  # unknown request
    assert training_rows(records, labels) == [
        {"prompt": "p-a", "scores": {"big": 1.0, "small": 0.0}},
        {"prompt": "p-b", "scores": {"small": 0.0}},
    ]
    table = label_table(records, labels)
    assert table[("a", "small")].source == "cascade" and table[("b", "small")].source == "feedback"


@given(st.lists(st.tuples(st.sampled_from(["feedback", "cascade"]), st.sampled_from(["r1", "r2"]),
                          st.sampled_from(["m1", "m2"]), st.sampled_from([0.0, 0.5, 1.0])), max_size=12))
def test_the_last_feedback_counts_else_the_last_cascade_outcome(rows):
    labels = [Label(rid, score, model, source, ts=float(i)) for i, (source, rid, model, score) in enumerate(rows)]
    table = label_table([], labels)
    for key in {(lb.request_id, lb.model or "") for lb in labels}:
        mine = [lb for lb in labels if (lb.request_id, lb.model) == key]
        people = [lb for lb in mine if lb.source == "feedback"]
        assert table[key] == (people or mine)[-1]


def test_locate_reads_every_ledger_url_form(tmp_path):
    path = str((tmp_path / "l.db").resolve())
    assert locate(f"sqlite:///{path}?table=t2") == LedgerLocation("sqlite", path, "t2")
    assert locate(path) == LedgerLocation("sqlite", path, "turnout_usage")
    pg = locate("postgres://u@h:5/db?table=s.t&sslmode=disable")
    assert (pg.kind, pg.table, pg.target) == ("postgresql", "s.t", "postgresql://u@h:5/db?sslmode=disable")
    assert pg.quoted_tables == ('"s"."t"', '"s"."t_feedback"')
    assert locate("sqlite:///x.db").quoted_tables[1] == '"turnout_feedback"'
    for bad in ("redis://x", "sqlite:///x.db?table=bad;name"):
        with pytest.raises(ValueError):
            locate(bad)


@pytest.fixture
def pg_ledger() -> Iterator[str]:
    """A PostgreSQL ledger URL in a schema of its own, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    try:
        with psycopg.connect(PG_BASE, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        pytest.skip(f"PostgreSQL at {PG_BASE} unavailable: {exc}")
    schema = f"turnout_fb_{uuid.uuid4().hex[:10]}"
    yield f"{PG_BASE}?table={schema}.usage"
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'led ger#1.db'}"  # a name a file: URI must escape
    url: str = request.getfixturevalue("pg_ledger")
    return url


def test_store_and_training_rows_on_each_backend(ledger_url, tmp_path):
    """The feedback table comes from the ledger's migration; labels and stored prompts join."""
    with open_ledger(ledger_url, store_prompts=True, journal_dir=tmp_path / "j") as ledger:
        route = _cascade_route(0.6, ("m0", 0.9, True))
        ledger.record(UsageRecord("a", "m1", ts=1.0, prompt="first prompt", route=route))
        ledger.record(UsageRecord("b", "m2", ts=2.0))
        ledger.record(UsageRecord("c", "m2", ts=3.0, prompt="third"))
        ledger.flush()
    # the cascade's verdict, as the gateway hands it over when it records the request
    writer = outcome_writer(ledger_url)
    writer.put(cascade_labels("a", route, ts=1.0))
    writer.flush()
    store = open_feedback_store(ledger_url)
    store.add(Label("a", 0.0, ts=10.0))
    store.add(Label("a", 1.0, ts=11.0))
    store.add(Label("b", 1.0, ts=12.0))
    store.add(Label("c", 0.5, model="m3", comment="half right"))  # stamped now
    with pytest.raises(Exception):  # noqa: B017 - the table's CHECK holds on both databases
        store.add(Label("c", 1.5))
    labels = store.labels()
    store.close()
    assert [(lb.request_id, lb.score, lb.source) for lb in labels] == [
        ("a", 1.0, "cascade"), ("a", 0.0, "feedback"), ("a", 1.0, "feedback"), ("b", 1.0, "feedback"),
        ("c", 0.5, "feedback")]
    assert labels[-1].comment == "half right" and labels[-1].ts > 1e9
    records = list(ledger_records(ledger_url))
    assert [r["request_id"] for r in records] == ["a", "c"]  # only records that kept their prompt
    assert records[0]["route"]["cascade"]["threshold"] == 0.6
    assert training_rows(records, labels) == [
        {"prompt": "first prompt", "scores": {"m0": 1.0, "m1": 1.0}},
        {"prompt": "third", "scores": {"m3": 0.5}},
    ]
    from turnout.ledger.migrations import applied_versions

    assert 3 in _applied(ledger_url, applied_versions)


def _applied(url, applied_versions):
    where = locate(url)
    if where.kind == "sqlite":
        conn = sqlite3.connect(where.target)
        try:
            return applied_versions(conn.execute, None, where.table, "sqlite")
        finally:
            conn.close()
    import psycopg

    schema = where.table.split(".")[0]
    with psycopg.connect(where.target) as conn:
        return applied_versions(conn.execute, schema, where.table, "postgresql")


def test_a_feedback_table_from_before_the_migration_is_adopted_with_its_rows(tmp_path):
    db = tmp_path / "ledger.db"
    conn = sqlite3.connect(db)
    # what the feedback store created before the migration existed
    conn.execute("CREATE TABLE turnout_feedback (request_id TEXT NOT NULL, ts DOUBLE PRECISION NOT NULL, "
                 "score DOUBLE PRECISION NOT NULL CHECK (score >= 0 AND score <= 1), model TEXT, "
                 "source TEXT NOT NULL DEFAULT 'feedback', comment TEXT)")
    conn.execute("INSERT INTO turnout_feedback (request_id, ts, score) VALUES ('old', 1.0, 1.0)")
    conn.commit()
    conn.close()
    store = open_feedback_store(f"sqlite:///{db}")
    store.add(Label("new", 0.0, ts=2.0))
    assert [lb.request_id for lb in store.labels()] == ["old", "new"]
    store.close()


def test_memory_ledgers_keep_labels_in_the_process():
    url = f"memory://{uuid.uuid4().hex}"
    open_feedback_store(url).add(Label("r", 1.0))
    assert [lb.request_id for lb in open_feedback_store(url).labels()] == ["r"]
    with pytest.raises(ValueError):
        list(ledger_records(url))


def test_outcomes_a_database_refuses_are_dropped_not_raised(caplog):
    writer = outcome_writer(f"redis://nowhere/{uuid.uuid4().hex}")  # not a ledger a store can open
    writer.put([Label("r", 1.0, "m", "cascade")])
    writer.flush()  # returns: the batch was logged and dropped
    assert "could not store 1 cascade outcomes" in caplog.text

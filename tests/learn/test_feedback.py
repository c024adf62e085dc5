"""Feedback labels: parsing (any body -> a Label or a ValueError), storage, ledger join."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from turnout.learn.feedback import FeedbackStore, Label, parse_feedback, training_rows

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


def test_store_keeps_the_last_label_per_request_and_joins_the_ledger(tmp_path):
    db = tmp_path / "ledger.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE turnout_usage (request_id TEXT, ts REAL, model_used TEXT, prompt TEXT)")
    conn.executemany("INSERT INTO turnout_usage VALUES (?, ?, ?, ?)",
                     [("a", 1.0, "m1", "first prompt"), ("b", 2.0, "m2", None), ("c", 3.0, "m2", "third")])
    conn.commit()
    conn.close()
    store = FeedbackStore(db)
    store.add(Label("a", 0.0, ts=10.0))
    store.add(Label("a", 1.0, ts=11.0))  # the caller changed its mind: the last label counts
    store.add(Label("b", 1.0, ts=12.0))  # no stored prompt: nothing to learn from
    store.add(Label("c", 0.5, model="m3", ts=13.0))
    store.close()
    rows = training_rows(db)
    assert rows == [{"prompt": "first prompt", "scores": {"m1": 1.0}},
                    {"prompt": "third", "scores": {"m3": 0.5}}]

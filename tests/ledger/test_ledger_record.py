"""UsageRecord's journal encoding, odd caller types, and parse_since."""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from turnout.ledger import UsageRecord, open_ledger, parse_since
from turnout.ledger.record import COLUMNS, decode_line, encode_line, normalized
from turnout.types import Sensitivity

from .ledger_records import make_record


def test_journal_line_round_trips_every_field() -> None:
    for i in range(40):
        rec = make_record(i, prompt="line one\nline two" if i % 2 else None)
        line = encode_line(rec)
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        assert decode_line(line[:-1]) == rec


def test_decode_rejects_what_is_not_a_record() -> None:
    for bad in (b"", b"{}", b"[2, 1]", b"[1, 'x']", b"[1", orjson.dumps([1, *range(19)])):
        with pytest.raises(ValueError):
            decode_line(bad)


def test_a_later_version_may_append_fields() -> None:
    values = orjson.loads(encode_line(make_record(1)))
    assert decode_line(orjson.dumps([*values, "a field from the future"])) == make_record(1)


def test_odd_types_from_callers_are_normalised_not_lost(tmp_path: Path) -> None:
    class NumpyLikeFloat(float):
        pass

    rec = make_record(
        1,
        cost_usd=Decimal("0.0042"),
        latency_ms=NumpyLikeFloat(12.5),
        sensitivity=Sensitivity.INTERNAL,
    )
    with pytest.raises(TypeError):
        encode_line(rec)
    assert decode_line(encode_line(normalized(rec))).cost_usd == pytest.approx(0.0042)
    with open_ledger(f"sqlite:///{tmp_path / 'x.db'}", journal_dir=tmp_path / "j") as ledger:
        ledger.record(rec)
        [row] = ledger.summary(0)
        assert row.cost_usd == pytest.approx(0.0042) and row.avg_latency_ms == 12.5


def test_record_defaults_are_usable() -> None:
    before = time.time()
    rec = UsageRecord(request_id="r1", model_used="gpt-4o-mini")
    assert before <= rec.ts <= time.time()
    assert rec.cache == "off" and rec.status == 200 and rec.prompt is None
    assert [f for f in COLUMNS if not hasattr(rec, f)] == []


def test_parse_since() -> None:
    now = datetime(2026, 3, 10, 15, 30).timestamp()
    assert parse_since("today", now) == datetime(2026, 3, 10).timestamp()
    assert parse_since("yesterday", now) == datetime(2026, 3, 9).timestamp()
    assert parse_since("7d", now) == now - 7 * 86400
    assert parse_since("12h", now) == now - 12 * 3600
    assert parse_since("30m", now) == now - 1800
    assert parse_since("2026-03-01", now) == datetime(2026, 3, 1).timestamp()
    assert parse_since("1700000000", now) == 1_700_000_000.0
    with pytest.raises(ValueError, match="invalid time 'last week'"):
        parse_since("last week", now)

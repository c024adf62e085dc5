"""UsageRecord's journal encoding, odd caller types, and parse_since."""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.ledger import UsageRecord, open_ledger, parse_since
from turnout.ledger.record import COLUMNS, decode_line, encode_line, normalized, row_of
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


def _reference_row(r: UsageRecord) -> tuple[object, ...]:
    """``row_of`` as it was before its plain-type shortcuts (the forgiving conversions only)."""
    import math

    def text(v: object) -> str:
        return "" if v is None else str(getattr(v, "value", v))

    def opt(v: object) -> str | None:
        return None if v is None else str(getattr(v, "value", v))

    def count(v: object, top: int) -> int:
        return 0 if v is None else min(max(int(v), 0), top)  # type: ignore[call-overload]

    def amount(v: object) -> float:
        n = 0.0 if v is None else float(v)  # type: ignore[arg-type]
        return n if math.isfinite(n) else 0.0

    route = r.route if r.route is None or isinstance(r.route, str) else orjson.dumps(r.route, default=str).decode()
    i4, i2 = 2**31 - 1, 2**15 - 1
    return (str(r.request_id), float(r.ts), opt(r.key_id), text(r.model_requested), text(r.model_used), text(r.rule),
            count(r.prompt_tokens, i4), count(r.completion_tokens, i4), count(r.cached_tokens, i4),
            bool(r.tokens_estimated), amount(r.cost_usd), amount(r.saved_usd), amount(r.latency_ms),
            None if r.ttft_ms is None else amount(r.ttft_ms), text(r.cache), count(r.fallbacks, i2),
            count(r.status, i2), text(r.sensitivity), opt(r.error), opt(r.prompt), route)


_odd_text = st.one_of(st.none(), st.text(max_size=8), st.sampled_from(list(Sensitivity)), st.integers(-5, 5))
_odd_count = st.one_of(st.none(), st.integers(-(2**40), 2**40), st.booleans(), st.floats(-1e12, 1e12),
                       st.decimals(-10**6, 10**6, allow_nan=False, allow_infinity=False))
_odd_amount = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**9, 10**9),
                        st.decimals(allow_nan=False, allow_infinity=False, places=6), st.booleans())


@settings(max_examples=400, deadline=None)
@given(rid=st.one_of(st.text(min_size=1, max_size=8), st.integers()), ts=st.one_of(st.floats(0, 2e9), st.integers(0, 2**31)),
       key_id=_odd_text, texts=st.tuples(_odd_text, _odd_text, _odd_text, _odd_text, _odd_text),
       counts=st.tuples(_odd_count, _odd_count, _odd_count, _odd_count, _odd_count),
       amounts=st.tuples(_odd_amount, _odd_amount, _odd_amount, _odd_amount),
       opts=st.tuples(_odd_text, _odd_text), route=st.one_of(st.none(), st.text(max_size=5),
                                                              st.dictionaries(st.text(max_size=3), st.integers(-1000, 1000))))
def test_row_shortcuts_give_what_the_conversions_gave(rid: object, ts: object, key_id: object, texts: tuple,
                                                       counts: tuple, amounts: tuple, opts: tuple, route: object) -> None:
    rec = UsageRecord(request_id=rid, model_used=texts[0], ts=ts, key_id=key_id,  # type: ignore[arg-type]
                      model_requested=texts[1], rule=texts[2], cache=texts[3], sensitivity=texts[4],
                      prompt_tokens=counts[0], completion_tokens=counts[1], cached_tokens=counts[2],
                      fallbacks=counts[3], status=counts[4], tokens_estimated=bool(counts[0]),
                      cost_usd=amounts[0], saved_usd=amounts[1], latency_ms=amounts[2], ttft_ms=amounts[3],
                      error=opts[0], prompt=opts[1], route=route)  # type: ignore[arg-type]
    got, want = row_of(rec), _reference_row(rec)
    assert [type(v) for v in got] == [type(v) for v in want]
    assert got == want

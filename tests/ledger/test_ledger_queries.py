"""Console queries: the hourly rollup answers exactly what a scan of the ledger answers, for any
records and any time range, also when records arrive late (journal replay) or between queries."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turnout.ledger import UsageRecord, open_ledger
from turnout.ledger.queries import Filters, LedgerQueries

T0 = 1_700_000_000.0  # a fixed clock: nothing here depends on now
MODELS = ["m-a", "m-b", ""]

_ids = itertools.count()

records = st.lists(
    st.builds(
        lambda off, model, p, c, cost, status, cache: UsageRecord(
            request_id=f"q-{next(_ids)}", ts=T0 + off, model_used=model, prompt_tokens=p, completion_tokens=c,
            cost_usd=cost, saved_usd=cost / 2 if cache == "hit" else 0.0, status=status, cache=cache,
            latency_ms=10.0),
        st.floats(0, 3 * 86400, allow_nan=False), st.sampled_from(MODELS), st.integers(0, 5000),
        st.integers(0, 5000), st.sampled_from([0.0, 0.001, 0.25, 1.5]), st.sampled_from([200, 200, 429, 502]),
        st.sampled_from(["miss", "hit", "off"])),
    max_size=60)


def _expected(rs: list[UsageRecord], since: float, until: float | None) -> dict[str, float]:
    inside = [r for r in rs if r.ts >= since and (until is None or r.ts < until)]
    return {
        "requests": len(inside),
        "tokens": sum(r.prompt_tokens + r.completion_tokens for r in inside),
        "cost_usd": sum(r.cost_usd for r in inside),
        "saved_usd": sum(r.saved_usd for r in inside),
        "cache_hits": sum(1 for r in inside if r.cache == "hit"),
        "errors": sum(1 for r in inside if r.status >= 400),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=records, later=records, since=st.floats(0, 3 * 86400), span=st.one_of(st.none(), st.floats(1, 86400)))
def test_rollup_matches_a_scan(tmp_path: Path, first, later, since, span) -> None:
    db = tmp_path / f"q{next(_ids)}.db"
    with open_ledger(f"sqlite:///{db}", journal_dir=tmp_path / f"j{next(_ids)}") as ledger:
        q = LedgerQueries(ledger)
        try:
            for r in first:
                ledger.record(r)
            ledger.flush()
            start = T0 + since
            until = start + span if span is not None else None
            q.totals(Filters(since=start, until=until))  # folds the first batch
            for r in later:  # arrive after a fold, some into hours already folded
                ledger.record(r)
            ledger.flush()
            f = Filters(since=start, until=until)
            got = q.totals(f)
            want = _expected(first + later, start, until)
            for name, value in want.items():
                assert abs(got[name] - value) < 1e-6, (name, got[name], value)
            # The same with a filter that forces a plain scan (status ok + errors = all).
            scanned = q.totals(Filters(since=start, until=until, status="ok"))["requests"] + \
                q.totals(Filters(since=start, until=until, status="error"))["requests"]
            assert scanned == want["requests"]
            by_model = {r["group"]: r["requests"] for r in q.usage(f, "model", percentiles=False)}
            for m in MODELS:
                n = sum(1 for r in first + later if r.model_used == m and r.ts >= start and (until is None or r.ts < until))
                assert by_model.get(m, 0) == n
            series = q.series(f, bucket="hour")
            assert sum(series["requests"]) == want["requests"]
            assert abs(sum(series["saved_usd"]) - want["saved_usd"]) < 1e-6
            days = q.usage(f, "day", percentiles=False)
            assert sum(r["requests"] for r in days) == want["requests"]
        finally:
            q.close()


def test_request_log_and_memory_ledger_agree(tmp_path: Path) -> None:
    rs = [UsageRecord(request_id=f"log-{i}", ts=T0 + i, model_used="m-a", key_id="key_x" if i % 2 else None,
                      status=200 if i % 3 else 502, route={"reason": f"r{i}"}, latency_ms=float(i)) for i in range(10)]
    with open_ledger("memory://") as mem, open_ledger(f"sqlite:///{tmp_path}/l.db", journal_dir=tmp_path / "j") as sql:
        for r in rs:
            mem.record(r)
            sql.record(r)
        sql.flush()
        for ledger in (mem, sql):
            q = LedgerQueries(ledger)
            log = q.requests(Filters(since=0), limit=4)
            assert [row["request_id"] for row in log] == ["log-9", "log-8", "log-7", "log-6"]
            assert log[0]["route"] == {"reason": "r9"}
            assert [row["request_id"] for row in q.requests(Filters(since=0, key_id="key_x"), limit=2,
                                                             before=T0 + 9)] == ["log-7", "log-5"]
            errors = q.requests(Filters(since=0, status="error"), limit=50)
            assert {row["request_id"] for row in errors} == {"log-0", "log-3", "log-6", "log-9"}
            usage = q.usage(Filters(since=0), "key")
            assert {row["group"]: row["requests"] for row in usage} == {"key_x": 5, None: 5}
            assert usage[0]["p50_latency_ms"] is not None
            assert q.request("log-3")["status"] == 502 and q.request("nope") is None
            q.close()

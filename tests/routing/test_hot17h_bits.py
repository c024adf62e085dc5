"""The router's per-request shortcuts of hot17h (issue 17) give what the long way gave: the
route record of one successful attempt, the speed fold without coroutines, the in-flight count
of a group's deployment."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.limits.base import ewma
from turnout.policy.engine import Decision
from turnout.policy.signals import ComplexityAssessment, SensitivityAssessment, Signals
from turnout.routing.fallback import Attempt
from turnout.routing.router import Router
from turnout.routing.speed import MIN_TOKENS, SpeedTracker
from turnout.types import Complexity, Sensitivity

_MODELS = ["m-a", "m-b", "m-c"]


def _router() -> Router:
    return Router.from_dict({"models": [{"name": n, "provider": "fake", "model": n} for n in _MODELS]})


def _record_before(router: Router, decision: Decision, attempts: list[Attempt]) -> dict[str, Any]:
    """Router._record's attempt summary as it was (latency_ms aside)."""
    record = decision.to_dict()
    record["attempts"] = [a.to_dict() for a in attempts]
    record["fallbacks_tried"] = len({a.model for a in attempts if not a.ok})
    answered = next((a.model for a in reversed(attempts) if a.ok), None)
    if decision.group is not None and answered is not None and answered in router.groups.members(decision.group):
        record["deployment"] = answered
    elif answered is not None and answered != decision.model and not decision.cascade:
        failed = next((a for a in attempts if not a.ok and a.model == decision.model), None)
        why = f"{failed.error_type}: {failed.error}" if failed else f"{decision.model} was not tried"
        runtime = f"{decision.model} failed ({why})"
        earlier = decision.fallback_reason
        record["fallback_reason"] = (f"{earlier}; then {runtime}" if earlier else runtime)[:400]
    return record


_attempt = st.builds(Attempt, st.sampled_from(_MODELS), st.booleans(), st.floats(0, 1e4),
                     st.one_of(st.none(), st.text(max_size=8)), st.one_of(st.none(), st.just("ProviderError")),
                     st.one_of(st.none(), st.integers(400, 599)))


@settings(max_examples=300, deadline=None)
@given(st.lists(_attempt, max_size=4), st.sampled_from(_MODELS), st.booleans(),
       st.one_of(st.none(), st.text(max_size=8)))
def test_the_route_record_is_the_one_built_before(attempts: list[Attempt], model: str, cascade: bool,
                                                  earlier: str | None) -> None:
    router = _router()
    signals = Signals(SensitivityAssessment(Sensitivity.PUBLIC, "default"),
                      ComplexityAssessment(Complexity.MODERATE, "default"), 10, 16)
    decision = Decision(model=model, rule="r", reason="why", signals=signals, estimated_cost_usd=0.0,
                        cascade=cascade, fallback_reason=earlier)
    got = router._record(decision, attempts, 0.0)
    got.pop("latency_ms")
    assert orjson.dumps(got) == orjson.dumps(_record_before(router, decision, attempts))


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _fold_before(tables: tuple[dict[str, float], ...], model: str, sample: tuple[Any, ...], kind: str) -> None:
    """observe_call / observe_stream's local fold as it was (one coroutine chain a call)."""
    ttft_t, tps_t, _ = tables
    if kind == "stream":
        ttft_ms, generation_ms, n = sample
        tps = SpeedTracker.sample(n, generation_ms)
        samples = (max(ttft_ms, 0.0), tps, float(n))
    else:
        latency_ms, n = sample
        if n < MIN_TOKENS:
            tps_now = tps_t.get(model)
            writing = n / tps_now * 1000.0 if tps_now else 0.0
            samples = (max(latency_ms - writing, 0.0), None, float(n))
        else:
            ttft = ttft_t.get(model)
            ttft = ttft if ttft is not None and ttft < latency_ms else 0.0
            samples = (None, SpeedTracker.sample(n, latency_ms - ttft), float(n))
    for table, value in zip(tables, samples, strict=True):
        if value is not None:
            table[model] = ewma(table.get(model), value)


_sample = st.one_of(
    st.tuples(st.just("stream"), st.tuples(st.floats(-10, 5e3), st.floats(-10, 5e4), st.integers(0, 500))),
    st.tuples(st.just("call"), st.tuples(st.floats(0, 5e4), st.integers(0, 500))))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_MODELS), _sample), max_size=12))
def test_the_speed_fold_without_coroutines_keeps_the_same_estimates(samples: list[Any]) -> None:
    tracker = SpeedTracker()
    tables: tuple[dict[str, float], ...] = ({}, {}, {})
    for model, (kind, sample) in samples:
        if kind == "stream":
            due = tracker.note_stream(model, *sample)
        else:
            due = tracker.note_call(model, *sample)
        assert due is False  # no Redis: nothing is ever pushed
        _fold_before(tables, model, sample, kind)
    assert (tracker._ttft, tracker._tps, tracker._out) == tables
    # the async API folds the same way
    again = SpeedTracker()
    for model, (kind, sample) in samples:
        call = again.observe_stream(model, *sample) if kind == "stream" else again.observe_call(model, *sample)
        asyncio.run(call)
    assert (again._ttft, again._tps, again._out) == tables


def test_a_push_is_due_at_most_once_a_second_per_model_with_redis() -> None:
    clock = _Clock()
    tracker = SpeedTracker("redis://127.0.0.1:6379/0?prefix=hot17h-test", clock=clock)
    assert tracker.note_call("m-a", 100.0, 20) is True
    clock.now = 0.5
    assert tracker.note_call("m-a", 100.0, 20) is False
    assert tracker.note_call("m-b", 100.0, 20) is True
    clock.now = 1.0
    assert tracker.note_call("m-a", 100.0, 20) is True


def test_only_a_groups_deployments_are_counted_in_flight() -> None:
    router = Router.from_dict({"models": [{"name": "d1", "provider": "fake", "model": "x", "group": "g"},
                                          {"name": "solo", "provider": "fake", "model": "y"}]})
    groups = router.groups
    assert groups.enter("solo") is False and "solo" not in groups.in_flight
    assert groups.enter("d1") is True and groups.in_flight["d1"] == 1
    groups.leave("d1")
    assert groups.in_flight["d1"] == 0

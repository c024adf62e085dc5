"""The small per-request shortcuts of the chat door and the metrics (issue 17): each gives what
the long way gave."""

from __future__ import annotations

import time
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from turnout import metrics
from turnout.gateway import new_request_id
from turnout.server.app import parse_hints
from turnout.types import RouteHints, Sensitivity


def test_request_ids_are_uuid7_hex_in_time_order() -> None:
    before_ms = time.time_ns() // 1_000_000
    ids = [new_request_id() for _ in range(500)]
    after_ms = time.time_ns() // 1_000_000
    assert len(set(ids)) == 500
    for rid in ids:
        parsed = uuid.UUID(hex=rid)
        assert parsed.hex == rid and parsed.version == 7 and parsed.variant == uuid.RFC_4122
        assert before_ms <= int(rid[:12], 16) <= after_ms  # the first 48 bits: Unix milliseconds
    # Ids made in later milliseconds sort after earlier ones: what keeps the ledger's unique
    # index appending at its end.
    millis = [int(rid[:12], 16) for rid in ids]
    assert millis == sorted(millis)
    assert sorted(ids) == sorted(ids, key=lambda rid: (int(rid[:12], 16), rid))


def test_request_ids_keep_74_random_bits() -> None:
    # Same millisecond, different ids: the random part varies in every one of its hex digits
    # (rand_a is digits 13-15, rand_b digits 17-31; digit 16 holds the variant's 2 bits).
    ids = [new_request_id() for _ in range(300)]
    for pos in (*range(13, 16), *range(17, 32)):
        assert len({rid[pos] for rid in ids}) > 4, pos


def _scope(*headers: tuple[bytes, bytes]) -> dict:
    return {"headers": [(b"host", b"x"), (b"content-type", b"application/json"), *headers]}


def test_no_hints_anywhere_is_the_default() -> None:
    assert parse_hints(None, _scope()) == RouteHints()


def test_a_hint_header_alone_is_still_read() -> None:
    hints = parse_hints(None, _scope((b"x-turnout-sensitivity", b"confidential"), (b"x-turnout-max-cost", b"0.5")))
    assert hints.sensitivity is Sensitivity.CONFIDENTIAL and hints.max_cost_usd == 0.5


def _value(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["m-a", "m-b", "not-registered"]), st.sampled_from(["requested", "r2"]),
                          st.sampled_from([200, 429]), st.sampled_from([None, "off", "miss"]),
                          st.integers(0, 50), st.integers(0, 50), st.integers(0, 2)), max_size=12))
def test_recorded_requests_add_up_per_label_set(calls: list[tuple]) -> None:
    """Children resolved once per label set count exactly what each call recorded."""
    metrics.register_models(["m-a", "m-b"])
    before: dict[tuple, float] = {}
    watched = [("turnout_requests_total", {"model": metrics.model_label(m), "route": r, "status": str(s)})
               for m, r, s, *_ in calls]
    watched += [("turnout_tokens_total", {"model": metrics.model_label(m), "direction": d})
                for m, *_ in calls for d in ("input", "output")]
    watched += [("turnout_fallbacks_total", {"model": metrics.model_label(m)}) for m, *_ in calls]
    watched += [("turnout_cache_lookups_total", {"result": c}) for *_, c, _, _, _ in calls if c is not None]
    for name, labels in watched:
        before[(name, tuple(sorted(labels.items())))] = _value(name, labels)
    expected = dict.fromkeys(before, 0.0)
    for model, route, status, cache, prompt, completion, fallbacks in calls:
        metrics.record_request(model, route, status, prompt_tokens=prompt, completion_tokens=completion,
                               latency_s=0.01, cache=cache, fallbacks=fallbacks)
        label = metrics.model_label(model)
        expected[("turnout_requests_total", tuple(sorted({"model": label, "route": route,
                                                          "status": str(status)}.items())))] += 1
        expected[("turnout_tokens_total", (("direction", "input"), ("model", label)))] += prompt
        expected[("turnout_tokens_total", (("direction", "output"), ("model", label)))] += completion
        expected[("turnout_fallbacks_total", (("model", label),))] += fallbacks
        if cache is not None:
            expected[("turnout_cache_lookups_total", (("result", cache),))] += 1
    for (name, labels), start in before.items():
        assert _value(name, dict(labels)) - start == expected[(name, labels)], (name, labels)


def test_a_model_registered_later_gets_its_own_label() -> None:
    labels = {"model": "late-model-x", "route": "requested", "status": "200"}
    metrics.record_request("late-model-x", "requested", 200)  # not registered yet: counted as "other"
    assert _value("turnout_requests_total", labels) == 0.0
    metrics.register_models(["late-model-x"])
    metrics.record_request("late-model-x", "requested", 200)
    assert _value("turnout_requests_total", labels) == 1.0

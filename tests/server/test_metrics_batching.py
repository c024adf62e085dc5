"""Metrics recorded into plain sums and handed to prometheus-client on read (issue 17): what
/metrics shows is exactly what recording each request straight into prometheus-client shows."""

from __future__ import annotations

import threading

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest

from turnout import metrics

_SERIES = ("turnout_requests", "turnout_tokens", "turnout_cost_usd", "turnout_cache_saved_usd",
           "turnout_request_duration_seconds", "turnout_time_to_first_token_seconds",
           "turnout_cache_lookups", "turnout_fallbacks")


def _reference_registry() -> tuple[CollectorRegistry, dict[str, object]]:
    """The same metrics, updated one call per series per request, as before batching."""
    reg = CollectorRegistry()
    b = metrics.LATENCY_BUCKETS
    return reg, {
        "requests": Counter("turnout_requests", "", ["model", "route", "status"], registry=reg),
        "tokens": Counter("turnout_tokens", "", ["model", "direction"], registry=reg),
        "cost": Counter("turnout_cost_usd", "", ["model"], registry=reg),
        "saved": Counter("turnout_cache_saved_usd", "", ["model"], registry=reg),
        "latency": Histogram("turnout_request_duration_seconds", "", ["model"], buckets=b, registry=reg),
        "ttft": Histogram("turnout_time_to_first_token_seconds", "", ["model"], buckets=b, registry=reg),
        "cache": Counter("turnout_cache_lookups", "", ["result"], registry=reg),
        "fallbacks": Counter("turnout_fallbacks", "", ["model"], registry=reg),
    }


def _samples(reg: CollectorRegistry, models: set[str]) -> dict[tuple, float]:
    out: dict[tuple, float] = {}
    for family in reg.collect():
        if family.name not in _SERIES:
            continue
        for s in family.samples:
            if s.name.endswith("_created"):
                continue
            labels = tuple(sorted(s.labels.items()))
            if "model" in s.labels and s.labels["model"] not in models:
                continue
            out[(s.name, labels)] = s.value
    return out


_seconds = st.one_of(st.none(), st.sampled_from([0.0, 0.001, 0.0025, 0.01, 1.0, 120.0, 500.0]),
                     st.floats(0, 200, allow_nan=False))
_request = st.tuples(st.sampled_from(["bm-a", "bm-b"]), st.sampled_from(["requested", "r2"]),
                     st.sampled_from([200, 502]), st.sampled_from([None, "off", "hit"]),
                     st.integers(0, 500), st.integers(0, 500), st.floats(0, 1, allow_nan=False),
                     st.floats(0, 1, allow_nan=False), _seconds, _seconds, st.integers(0, 3))


@settings(max_examples=60, deadline=None)
@given(batches=st.lists(st.lists(_request, max_size=15), min_size=1, max_size=4))
def test_exposition_equals_recording_each_request_directly(batches: list[list[tuple]]) -> None:
    """Requests recorded between reads; after each read the default registry's series moved by
    exactly what the one-call-per-series reference recorded."""
    metrics.register_models(["bm-a", "bm-b"])
    models = {"bm-a", "bm-b"}
    ref_reg, ref = _reference_registry()
    start = _samples(REGISTRY, models)
    for batch in batches:
        for model, route, status, cache, p, c, cost, saved, lat, ttft, fb in batch:
            metrics.record_request(model, route, status, prompt_tokens=p, completion_tokens=c, cost_usd=cost,
                                   latency_s=lat, ttft_s=ttft, cache=cache, fallbacks=fb, saved_usd=saved)
            ref["requests"].labels(model, route, str(status)).inc()  # type: ignore[attr-defined]
            if p:
                ref["tokens"].labels(model, "input").inc(p)  # type: ignore[attr-defined]
            if c:
                ref["tokens"].labels(model, "output").inc(c)  # type: ignore[attr-defined]
            if cost:
                ref["cost"].labels(model).inc(cost)  # type: ignore[attr-defined]
            if saved:
                ref["saved"].labels(model).inc(saved)  # type: ignore[attr-defined]
            if lat is not None:
                ref["latency"].labels(model).observe(lat)  # type: ignore[attr-defined]
            if ttft is not None:
                ref["ttft"].labels(model).observe(ttft)  # type: ignore[attr-defined]
            if cache is not None:
                ref["cache"].labels(cache).inc()  # type: ignore[attr-defined]
            if fb:
                ref["fallbacks"].labels(model).inc(fb)  # type: ignore[attr-defined]
        now = _samples(REGISTRY, models)  # a read: flushes first
        want = _samples(ref_reg, models)
        for key, value in want.items():
            moved = now.get(key, 0.0) - start.get(key, 0.0)
            assert abs(moved - value) <= 1e-9 * max(1.0, abs(value)), (key, moved, value)
        for key in now:  # nothing moved that the reference did not record
            if key not in want and not key[0].startswith(("turnout_cache_lookups",)):
                assert now[key] == start.get(key, 0.0), key


def test_rendered_text_includes_requests_recorded_just_before() -> None:
    metrics.register_models(["bm-render"])
    metrics.record_request("bm-render", "requested", 200, prompt_tokens=7, latency_s=0.003)
    text = metrics.render()[0].decode()
    assert 'turnout_requests_total{model="bm-render",route="requested",status="200"} 1.0' in text
    assert 'turnout_tokens_total{direction="input",model="bm-render"} 7.0' in text
    assert 'turnout_request_duration_seconds_bucket{le="0.005",model="bm-render"} 1.0' in text
    assert 'turnout_request_duration_seconds_bucket{le="0.0025",model="bm-render"} 0.0' in text
    assert generate_latest().decode().count('model="bm-render",route="requested",status="200"} 1.0') == 1


def test_no_count_is_lost_across_threads() -> None:
    metrics.register_models(["bm-threads"])
    label = {"model": "bm-threads", "route": "requested", "status": "200"}
    tokens_label = {"model": "bm-threads", "direction": "input"}
    before = REGISTRY.get_sample_value("turnout_requests_total", label) or 0.0
    tokens_before = REGISTRY.get_sample_value("turnout_tokens_total", tokens_label) or 0.0

    def work() -> None:
        for _ in range(2000):
            metrics.record_request("bm-threads", "requested", 200, prompt_tokens=1, latency_s=0.01)

    def reader() -> None:
        for _ in range(50):
            REGISTRY.get_sample_value("turnout_requests_total", label)

    threads = [threading.Thread(target=work) for _ in range(4)] + [threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert REGISTRY.get_sample_value("turnout_requests_total", label) == before + 8000
    assert REGISTRY.get_sample_value("turnout_tokens_total", tokens_label) == tokens_before + 8000


def test_registering_models_keeps_what_was_recorded_under_other() -> None:
    other = {"model": metrics.OTHER, "route": "rq-late", "status": "200"}
    before = REGISTRY.get_sample_value("turnout_requests_total", other) or 0.0
    metrics.record_request("bm-late-model", "rq-late", 200)
    metrics.register_models(["bm-late-model"])  # clears the resolved children: flushes first
    assert REGISTRY.get_sample_value("turnout_requests_total", other) == before + 1

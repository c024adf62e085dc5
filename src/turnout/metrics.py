"""Prometheus metrics (prometheus-client), in its conventions: ``_total`` counters, seconds.

Label children are cached per (model, route) so recording a request costs a few dict lookups,
not prometheus-client's label resolution each time. With several worker processes the server
sets PROMETHEUS_MULTIPROC_DIR before this module is imported, and /metrics aggregates.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

REQUESTS = Counter("turnout_requests", "Chat completion requests answered or refused.",
                   ["model", "route", "status"])
ERRORS = Counter("turnout_errors", "Requests that ended in an error, by error type.", ["type", "status"])
TOKENS = Counter("turnout_tokens", "Tokens processed.", ["model", "direction"])
COST = Counter("turnout_cost_usd", "Spend in US dollars (catalog prices).", ["model"])
SAVED = Counter("turnout_cache_saved_usd", "Spend avoided by cache hits, in US dollars.", ["model"])
LATENCY = Histogram("turnout_request_duration_seconds", "Time to the full answer.", ["model"],
                    buckets=LATENCY_BUCKETS)
TTFT = Histogram("turnout_time_to_first_token_seconds", "Time to the first streamed chunk.", ["model"],
                 buckets=LATENCY_BUCKETS)
CACHE = Counter("turnout_cache_lookups", "Cache lookups by result.", ["result"])
FALLBACKS = Counter("turnout_fallbacks", "Models that failed before another answered.", ["model"])
CACHE_BACKEND_UP = Gauge("turnout_cache_backend_up", "1 when the cache backend answers, 0 when it is down.",
                         multiprocess_mode="min")
LEDGER_PENDING = Gauge("turnout_ledger_pending_records", "Ledger records not yet in the database.",
                       multiprocess_mode="max")

_children: dict[tuple[Any, ...], Any] = {}

# Metric labels come from a bounded set: every distinct label value is a new time series, and
# a caller who could name models freely could grow /metrics (and memory) without bound. Model
# labels are the configured models (each gateway registers its own); anything else is "other".
MAX_MODEL_LABELS = 1_000
OTHER = "other"
_models: set[str] = {""}  # "": a request that failed before any model was chosen


def register_models(names: Any) -> None:
    """Allow these model names as label values (the gateway's configured models)."""
    for name in names:
        if len(_models) >= MAX_MODEL_LABELS:
            return
        if str(name) not in _models:
            _models.add(str(name))
            _request_children.clear()  # a name counted as "other" so far gets its own label now


def model_label(model: str) -> str:
    return model if model in _models else OTHER


def _child(metric: Any, *labels: str) -> Any:
    key = (id(metric), *labels)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*labels)
    return child


class _RequestChildren:
    """The label children one kind of request updates (same model, route, status and cache
    outcome), resolved once: recording a request is then one dict lookup, not one per metric
    (~35% of ``record_request``'s time went to finding children)."""

    __slots__ = ("cache", "cost", "fallbacks", "latency", "requests", "saved", "tokens_in", "tokens_out", "ttft")

    def __init__(self, model: str, route: str, status: int, cache: str | None) -> None:
        self.requests = _child(REQUESTS, model, route, str(status))
        self.tokens_in = _child(TOKENS, model, "input")
        self.tokens_out = _child(TOKENS, model, "output")
        self.cost = _child(COST, model)
        self.saved = _child(SAVED, model)
        self.latency = _child(LATENCY, model)
        self.ttft = _child(TTFT, model)
        self.cache = _child(CACHE, cache) if cache is not None else None
        self.fallbacks = _child(FALLBACKS, model)


_request_children: dict[tuple[str, str, int, str | None], _RequestChildren] = {}


def record_request(model: str, route: str, status: int, *, prompt_tokens: int = 0,
                   completion_tokens: int = 0, cost_usd: float = 0.0, latency_s: float | None = None,
                   ttft_s: float | None = None, cache: str | None = None, fallbacks: int = 0,
                   saved_usd: float = 0.0) -> None:
    key = (model, route, status, cache)
    children = _request_children.get(key)
    if children is None:
        if len(_request_children) > 4096:  # routes and statuses are few; stay bounded regardless
            _request_children.clear()
        children = _request_children[key] = _RequestChildren(model_label(model), route, status, cache)
    children.requests.inc()
    if prompt_tokens:
        children.tokens_in.inc(prompt_tokens)
    if completion_tokens:
        children.tokens_out.inc(completion_tokens)
    if cost_usd:
        children.cost.inc(cost_usd)
    if saved_usd:
        children.saved.inc(saved_usd)
    if latency_s is not None:
        children.latency.observe(latency_s)
    if ttft_s is not None:
        children.ttft.observe(ttft_s)
    if children.cache is not None:
        children.cache.inc()
    if fallbacks:
        children.fallbacks.inc(fallbacks)


def record_error(error_type: str, status: int) -> None:
    _child(ERRORS, error_type, str(status)).inc()


def render() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST

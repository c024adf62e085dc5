"""Prometheus metrics (prometheus-client), in its conventions: ``_total`` counters, seconds.

A request is recorded into plain sums per label set (``record_request``), handed to
prometheus-client whenever its registry is read (``flush``): /metrics stays exact while a request
costs a few additions under one lock instead of six or seven prometheus-client calls. With several
worker processes the server sets PROMETHEUS_MULTIPROC_DIR before this module is imported,
/metrics aggregates every worker's files, and each worker also flushes on a 0.1 s timer.
"""

from __future__ import annotations

import os
import threading
import time
from bisect import bisect_left as _bisect
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)


class _FlushFirst:
    """A collector with no metrics of its own, registered before every other one of this
    module: any collection of the default registry (generate_latest, get_sample_value) runs it
    first, so it sees every request recorded before it started."""

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> list[Any]:
        flush()
        return []


REGISTRY.register(_FlushFirst())  # before the metrics below: collected first

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
            with _lock:  # a name counted as "other" so far gets its own label now
                _flush_and_forget_children()


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
    outcome), resolved once, and what this process recorded for them since the last flush.

    Recording a request adds to plain numbers here (under one lock) instead of calling
    prometheus-client for each of its six or seven series, each with its own lock: ~3.5% of a
    request's instructions went there (issue 17). ``flush()`` hands the sums over; every read of
    the registry flushes first (``_FlushFirst``), so /metrics is exact when it is rendered."""

    __slots__ = ("cache", "cost", "cost_sum", "count", "dirty", "fallbacks", "fallbacks_sum", "latency",
                 "latency_buckets", "latency_sum", "requests", "saved", "saved_sum", "tokens_in",
                 "tokens_in_sum", "tokens_out", "tokens_out_sum", "ttft", "ttft_buckets", "ttft_sum")

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
        self.dirty = False
        self._reset()

    def _reset(self) -> None:
        self.count = 0
        self.tokens_in_sum = self.tokens_out_sum = self.fallbacks_sum = 0
        self.cost_sum = self.saved_sum = self.latency_sum = self.ttft_sum = 0.0
        self.latency_buckets = [0] * len(_BOUNDS)
        self.ttft_buckets = [0] * len(_BOUNDS)

    def hand_over(self) -> None:
        """Add what was recorded since the last call to the prometheus-client series."""
        count = self.count
        if count:
            self.requests.inc(count)
            if self.cache is not None:
                self.cache.inc(count)
        if self.tokens_in_sum:
            self.tokens_in.inc(self.tokens_in_sum)
        if self.tokens_out_sum:
            self.tokens_out.inc(self.tokens_out_sum)
        if self.cost_sum:
            self.cost.inc(self.cost_sum)
        if self.saved_sum:
            self.saved.inc(self.saved_sum)
        if self.fallbacks_sum:
            self.fallbacks.inc(self.fallbacks_sum)
        _add_observations(self.latency, self.latency_buckets, self.latency_sum)
        _add_observations(self.ttft, self.ttft_buckets, self.ttft_sum)
        self.dirty = False
        self._reset()


# A histogram's bucket bounds as prometheus-client keeps them (+Inf last). An observation goes
# to the first bucket whose bound is >= it, as Histogram.observe puts it: bisect_left.
_BOUNDS: tuple[float, ...] = (*map(float, LATENCY_BUCKETS), float("inf"))


def _add_observations(child: Any, buckets: list[int], total: float) -> None:
    """Many observations at once. prometheus-client has no public call for that (``observe``
    takes one value), so this adds to the histogram child's own bucket and sum values, the same
    objects ``observe`` adds to; a test checks the exposition equals ``observe`` one by one."""
    if not any(buckets):
        return
    child._sum.inc(total)
    for value, n in zip(child._buckets, buckets, strict=True):
        if n:
            value.inc(n)


_request_children: dict[tuple[str, str, int, str | None], _RequestChildren] = {}
_pending: list[_RequestChildren] = []  # children with recorded requests not yet handed over
# One lock for recording and flushing: the library's synchronous API may record from several
# threads, and a sum must never lose an addition or be handed over twice.
_lock = threading.Lock()


def flush() -> None:
    """Hand everything recorded so far to prometheus-client (before any read of its values)."""
    with _lock:
        for children in _pending:
            children.hand_over()
        _pending.clear()


def record_request(model: str, route: str, status: int, *, prompt_tokens: int = 0,
                   completion_tokens: int = 0, cost_usd: float = 0.0, latency_s: float | None = None,
                   ttft_s: float | None = None, cache: str | None = None, fallbacks: int = 0,
                   saved_usd: float = 0.0) -> None:
    """Count one request. Negative or NaN amounts add nothing (prometheus-client would raise on
    a negative one, and this runs after the answer was sent)."""
    key = (model, route, status, cache)
    children = _request_children.get(key)
    with _lock:
        if children is None:
            if len(_request_children) > 4096:  # routes and statuses are few; stay bounded regardless
                _flush_and_forget_children()
            children = _request_children[key] = _RequestChildren(model_label(model), route, status, cache)
        if not children.dirty:
            children.dirty = True
            _pending.append(children)
        children.count += 1
        if prompt_tokens > 0:
            children.tokens_in_sum += prompt_tokens
        if completion_tokens > 0:
            children.tokens_out_sum += completion_tokens
        if cost_usd > 0:
            children.cost_sum += cost_usd
        if saved_usd > 0:
            children.saved_sum += saved_usd
        if fallbacks > 0:
            children.fallbacks_sum += fallbacks
        if latency_s is not None:
            children.latency_buckets[_bisect(_BOUNDS, latency_s)] += 1
            children.latency_sum += latency_s
        if ttft_s is not None:
            children.ttft_buckets[_bisect(_BOUNDS, ttft_s)] += 1
            children.ttft_sum += ttft_s
    if _multiprocess:
        _flush_soon()


def _flush_and_forget_children() -> None:
    """Caller holds ``_lock``."""
    for children in _pending:
        children.hand_over()
    _pending.clear()
    _request_children.clear()


# With several workers (PROMETHEUS_MULTIPROC_DIR set before this module is imported) /metrics
# sums every worker's files, and a worker cannot flush the others: each hands its sums over at
# least every FLUSH_INTERVAL_S, from a timer thread, so a scrape lags another worker by at most that.
FLUSH_INTERVAL_S = 0.1
_multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
_flusher_pid = 0


def _flush_soon() -> None:
    global _flusher_pid
    if _flusher_pid != os.getpid():  # first request of this process (a forked worker too)
        _flusher_pid = os.getpid()
        threading.Thread(target=_flush_every_interval, name="turnout-metrics-flush", daemon=True).start()


def _flush_every_interval() -> None:
    while True:
        time.sleep(FLUSH_INTERVAL_S)
        flush()


def record_error(error_type: str, status: int) -> None:
    _child(ERRORS, error_type, str(status)).inc()


def render() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    flush()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST

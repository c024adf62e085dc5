"""What the gateway tells operators about each request: a JSON access log and OpenTelemetry traces.

Access log: one JSON line per HTTP request on stderr (or through the handlers attached to the
``turnout.access`` logger, when there are any): request id, key id, method, path, model, status, latency, cost, cache, rule. Never
prompt or answer text. On by default; ``TURNOUT_ACCESS_LOG=0`` turns it off.

Traces: when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``..._TRACES_ENDPOINT``) is set and the
``otel`` extra is installed, each chat request becomes a span following the OpenTelemetry
GenAI semantic conventions (``gen_ai.operation.name``, ``gen_ai.request.model``,
``gen_ai.response.model``, ``gen_ai.usage.input_tokens``...), with a child span per attempt
(each model tried: retries, fallbacks, cascade steps) and the routing decision as
``turnout.*`` attributes. Spans are built after the answer, from the decision record the
gateway already keeps, so the request path pays nothing when tracing is off and nothing
inside the router when it is on.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import logging
import os
import sys
import threading
import time
from typing import Any

import orjson

log = logging.getLogger("turnout.access")

_configured = False
_tracer: Any = None
_tracer_checked = False


def access_log_enabled() -> bool:
    return os.environ.get("TURNOUT_ACCESS_LOG", "1").strip().lower() not in ("0", "false", "off", "no")


def configure_access_log() -> None:
    """Decide once per process whether the access log is on (``TURNOUT_ACCESS_LOG``)."""
    global _configured
    if _configured:
        return
    _configured = True
    if not access_log_enabled():
        log.disabled = True


def access_entry(*, request_id: str, method: str, path: str, status: int, latency_ms: float,
                 key_id: str | None = None, record: dict[str, Any] | None = None,
                 error: str | None = None) -> dict[str, Any]:
    """The fields of one access-log line (no prompt or answer text, ever)."""
    if record:  # one literal, not a dict then an update(): this is every request's line
        get = record.get
        usage = get("usage") or {}
        entry: dict[str, Any] = {
            "ts": round(time.time(), 3), "request_id": request_id, "method": method, "path": path,
            "status": status, "latency_ms": round(latency_ms, 2), "key_id": key_id,
            "model": get("model"), "rule": get("rule"), "cache": get("cache"), "cost_usd": get("cost_usd", 0.0),
            "prompt_tokens": usage.get("prompt_tokens"), "completion_tokens": usage.get("completion_tokens"),
            "ledger_id": get("request_id"),
        }
    else:
        entry = {
            "ts": round(time.time(), 3), "request_id": request_id, "method": method, "path": path,
            "status": status, "latency_ms": round(latency_ms, 2), "key_id": key_id,
        }
    if error:
        entry["error"] = error[:200]
    return entry


class _LineWriter:
    """Access-log lines go to stderr from a background thread: serving never waits on the log.
    If stderr stops draining (a supervisor that pipes it and never reads), the newest
    ``capacity`` lines are kept and older ones dropped (counted in ``dropped``) instead of
    blocking every request behind a full pipe.

    The thread drains on a timer (``interval_s``), not on every line: waking it per request
    cost a thread switch and a GIL hand-over per request (~50 µs of the gateway's CPU per
    request, docs/benchmarks.md); a burst of ``wake_at`` lines still wakes it early."""

    def __init__(self, fd: int = 2, capacity: int = 10_000, interval_s: float = 0.1, wake_at: int = 1024) -> None:
        self.fd = fd
        self.lines: collections.deque[bytes] = collections.deque(maxlen=capacity)
        self.dropped = 0
        self.interval_s = interval_s
        self.wake_at = wake_at
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def put(self, line: bytes) -> None:
        if self._thread is None or self._pid != os.getpid():  # first use, or a forked worker
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="turnout-access-log", daemon=True)
            self._thread.start()
            atexit.register(self.drain)  # the last interval's lines, on a clean exit
        lines = self.lines
        if len(lines) == lines.maxlen:
            self.dropped += 1
        lines.append(line)
        if len(lines) == self.wake_at:
            self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval_s)
            self._wake.clear()
            self.drain()

    def drain(self) -> None:
        while self.lines:
            batch: list[bytes] = []
            with contextlib.suppress(IndexError):
                while len(batch) < 256:
                    batch.append(self.lines.popleft())
            with contextlib.suppress(OSError):  # stderr closed: the log is best effort
                os.write(self.fd, b"".join(batch))


_writer = _LineWriter()


def write_access(entry: dict[str, Any]) -> None:
    """Queue one line for stderr (a few microseconds; written by a background thread, whole
    lines only). When handlers are attached to the ``turnout.access`` logger, it goes through
    them instead."""
    if log.disabled:
        return
    if log.handlers or log.propagate is False:
        if log.isEnabledFor(logging.INFO):
            log.info(orjson.dumps(entry).decode())
        return
    _writer.put(orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE))


# ---- traces ------------------------------------------------------------------------------------


def tracer() -> Any:
    """The OTLP tracer when configured, else None (checked once per process)."""
    global _tracer, _tracer_checked
    if _tracer_checked:
        return _tracer
    _tracer_checked = True
    if not (os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        sys.stderr.write("turnout: OTEL_EXPORTER_OTLP_ENDPOINT is set but the otel extra is missing: "
                         "pip install 'turnout[otel]'\n")
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME",
                                                                                        "turnout")}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    _tracer = provider.get_tracer("turnout")
    return _tracer


def set_tracer(value: Any) -> None:
    """Use this tracer (tests: an in-memory exporter's provider), or None for none."""
    global _tracer, _tracer_checked
    _tracer, _tracer_checked = value, True


def _provider_of(model: str) -> str:
    head = model.split("/", 1)[0] if "/" in model else ""
    if head in ("anthropic", "openai", "ollama", "local", "litellm"):
        return head
    if model.startswith("claude"):
        return "anthropic"
    if model.startswith(("gpt", "o1", "o3", "o4")):
        return "openai"
    return head or "unknown"


def span_attributes(record: dict[str, Any], requested_model: str) -> dict[str, Any]:
    """GenAI semantic-convention attributes of the request span, plus the routing decision."""
    usage = record.get("usage") or {}
    signals = record.get("signals") or {}
    model = str(record.get("model") or "")
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": _provider_of(model),
        "gen_ai.request.model": requested_model,
        "gen_ai.response.model": model,
        "gen_ai.usage.input_tokens": int(usage.get("prompt_tokens", 0) or 0),
        "gen_ai.usage.output_tokens": int(usage.get("completion_tokens", 0) or 0),
        "turnout.request_id": str(record.get("request_id") or ""),
        "turnout.route.rule": str(record.get("rule") or ""),
        "turnout.route.reason": str(record.get("reason") or "")[:300],
        "turnout.route.rejected": len(record.get("rejected") or ()),
        "turnout.route.fallbacks_tried": int(record.get("fallbacks_tried", 0) or 0),
        "turnout.sensitivity": str(signals.get("sensitivity") or ""),
        "turnout.complexity": str(signals.get("complexity") or ""),
        "turnout.cache": str(record.get("cache") or ""),
        "turnout.cost_usd": float(record.get("cost_usd", 0.0) or 0.0),
    }
    if record.get("estimated_cost_usd") is not None:
        attrs["turnout.route.estimated_cost_usd"] = float(record["estimated_cost_usd"])
    return attrs


def trace_request(record: dict[str, Any] | None, *, requested_model: str, started_ns: int, ended_ns: int,
                  status: int, error: str | None = None) -> None:
    """Emit the span tree of one finished request (no-op without a tracer)."""
    t = tracer()
    if t is None:
        return
    from opentelemetry.trace import SpanKind, Status, StatusCode

    record = record or {}
    name = f"chat {requested_model}"
    span = t.start_span(name, kind=SpanKind.CLIENT, start_time=started_ns,
                        attributes=span_attributes(record, requested_model))
    span.set_attribute("http.response.status_code", status)
    if status >= 400:
        span.set_status(Status(StatusCode.ERROR, (error or "")[:200]))
        span.set_attribute("error.type", str(status))
    from opentelemetry import trace as otel_trace

    ctx = otel_trace.set_span_in_context(span)
    cursor = started_ns
    for attempt in record.get("attempts") or ():
        took = int(float(attempt.get("latency_ms", 0.0) or 0.0) * 1e6)
        model = str(attempt.get("model") or "")
        child = t.start_span(f"chat {model}", context=ctx, kind=SpanKind.CLIENT, start_time=cursor,
                             attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": model,
                                         "gen_ai.system": _provider_of(model),
                                         "turnout.attempt.ok": bool(attempt.get("ok"))})
        if not attempt.get("ok"):
            child.set_status(Status(StatusCode.ERROR, str(attempt.get("error") or "")[:200]))
            if attempt.get("error_type"):
                child.set_attribute("error.type", str(attempt["error_type"]))
        cursor = min(ended_ns, cursor + took)
        child.end(end_time=cursor)
    span.end(end_time=ended_ns)

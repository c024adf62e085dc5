"""Access log (JSON lines, never prompts) and OpenTelemetry spans (GenAI conventions, a child
per attempt) on a real server."""

from __future__ import annotations

import json
import logging
import threading
import time

import httpx
import pytest

from turnout import observability

MODELS = [
    {"name": "fake/flaky", "provider": "fake", "local": False, "tier": 2, "input_per_mtok": 1.0,
     "output_per_mtok": 2.0, "extra": {"default": "error:503"}},
    {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
]
SECRET_TEXT = "the launch code is swordfish"


@pytest.fixture
def spans():
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    observability.set_tracer(provider.get_tracer("test"))
    yield exporter
    observability.set_tracer(None)


class _Lines(logging.Handler):
    """Keeps the access log's records and says when ``count`` of them have arrived: the server
    writes a request's line after its answer has gone out, so the client can be here first."""

    def __init__(self, count: int) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []
        self.count = count
        self.arrived = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        if len(self.records) >= self.count:
            self.arrived.set()


def test_access_log_is_json_without_prompts(serve):
    server = serve({"models": MODELS, "routing": {"fallbacks": ["fake/flaky", "fake/local"]}})
    handler = _Lines(count=2)
    level = observability.log.level
    observability.log.setLevel(logging.INFO)
    observability.log.addHandler(handler)
    try:
        r = httpx.post(f"{server.base_url}/chat/completions",
                       json={"model": "fake/local", "messages": [{"role": "user", "content": SECRET_TEXT}]},
                       headers={"x-request-id": "req-42"})
        bad = httpx.post(f"{server.base_url}/chat/completions", content=b"{nope")
        assert handler.arrived.wait(timeout=10), f"access lines: {len(handler.records)} of 2"
    finally:
        observability.log.removeHandler(handler)
        observability.log.setLevel(level)
    assert r.status_code == 200 and r.headers["x-request-id"] == "req-42"
    assert bad.status_code == 400 and bad.headers["x-request-id"]
    lines = [json.loads(rec.getMessage()) for rec in handler.records]
    ok = next(line for line in lines if line["request_id"] == "req-42")
    assert ok["status"] == 200 and ok["model"] == "fake/local" and ok["path"] == "/v1/chat/completions"
    assert ok["latency_ms"] >= 0 and "cost_usd" in ok and ok["ledger_id"]
    err = next(line for line in lines if line["status"] == 400)
    assert "not valid JSON" in err["error"]
    assert all(SECRET_TEXT not in rec.getMessage() for rec in handler.records)


def test_spans_follow_genai_conventions_with_a_child_per_attempt(serve, spans):
    server = serve({"models": MODELS, "routing": {"fallbacks": ["fake/flaky", "fake/local"]}})
    r = httpx.post(f"{server.base_url}/chat/completions",
                   json={"model": "fake/flaky", "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 200, r.text
    # The server emits the span tree after the answer has gone out (off the caller's latency),
    # so the client can be here first: wait for the root span, up to a deadline.
    deadline = time.monotonic() + 5
    while not any(s.parent is None for s in spans.get_finished_spans()) and time.monotonic() < deadline:
        time.sleep(0.01)
    finished = spans.get_finished_spans()
    root = next(s for s in finished if s.parent is None)
    assert root.name == "chat fake/flaky"
    a = root.attributes
    assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.request.model"] == "fake/flaky"
    assert a["gen_ai.response.model"] == "fake/local"
    assert a["gen_ai.usage.input_tokens"] > 0 and "turnout.route.rule" in a
    assert a["turnout.sensitivity"] == "public"
    children = sorted((s for s in finished if s.parent is not None), key=lambda s: s.start_time)
    tried = [c.attributes["gen_ai.request.model"] for c in children]
    assert tried[0] == "fake/flaky" and tried[-1] == "fake/local" and len(tried) >= 2  # retries, then fallback
    assert [c.attributes["turnout.attempt.ok"] for c in children] == [False] * (len(tried) - 1) + [True]
    assert all(c.parent.span_id == root.context.span_id for c in children)
    assert all(root.start_time <= c.start_time <= c.end_time <= root.end_time for c in children)

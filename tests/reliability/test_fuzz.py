"""Property-based fuzzing of every endpoint in the gateway's own ``/openapi.json``: bodies
drawn from each operation's request schema (valid ones) and broken variants of them (wrong
types, extra fields, deep nesting, odd model names, random headers). Every request must get a
complete HTTP answer below 500: never a 5xx, never a dropped connection (issue #11.9)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

MODELS = [{"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3},
          {"name": "fake/local", "provider": "fake", "local": True, "tier": 1}]

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=30),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
                    max_leaves=25)
MODEL_NAMES = st.sampled_from(["auto", "fake/local", "fake/cloud", "gpt-4o", "fake/x\r\n", "local/\x00", "", "a" * 400]) \
    | st.text(max_size=40)
# What an HTTP client can send at all (h11 refuses surrounding whitespace on its side).
HEADER_VALUE = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30).map(str.strip)
HEADERS = st.dictionaries(st.sampled_from(["x-turnout-sensitivity", "x-turnout-complexity", "x-turnout-max-cost",
                                           "x-turnout-max-latency-ms", "x-turnout-cache", "authorization"]),
                          HEADER_VALUE, max_size=3)

STATS = {"cases": 0, "5xx": 0, "dropped": 0}
# How a complete stream ends on each door (an in-band error event ends it too).
STREAM_ENDS = {
    "/v1/messages": ('{"type":"message_stop"}', "}}"),
    "/v1/responses": ("}}",),
}
# Doors that never stream: a `stream` field in their body is ignored, the answer is JSON.
NEVER_STREAM = {"/v1/messages/count_tokens", "/v1/embeddings"}


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    import tempfile

    # A module-scoped copy of tests/server's ``serve`` (hypothesis reruns the test body, which a
    # function-scoped server would not survive).
    import threading
    import time

    import uvicorn
    from server.conftest import free_port

    from turnout.config import parse_config
    from turnout.gateway import Gateway
    from turnout.providers.fake import FakeProvider
    from turnout.server.app import TurnoutApp

    tmp = tempfile.mkdtemp()
    gateway = Gateway(parse_config({"models": MODELS, "ledger": {"url": f"sqlite:///{tmp}/l.db"},
                                    "budgets": {"daily_usd": 1000.0}}))
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(TurnoutApp(gateway), host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="on", loop="asyncio"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    FakeProvider.reset()


def _operations(base: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    doc = httpx.get(f"{base}/openapi.json").json()
    ops = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            schema = (((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get("schema")
            ops.append((path, method, schema))
    return ops


def _fail_closed(r: httpx.Response) -> bool:
    """A confidential request naming a cloud model is refused with 503 ``no_local_model`` by
    design (PRODUCT invariant 1: fail closed); not a crash."""
    if r.status_code != 503:
        return False
    if r.headers.get("x-turnout-error-code") == "no_local_model":  # any door's shape
        return True
    try:
        return bool(r.json()["error"]["code"] == "no_local_model")
    except (ValueError, KeyError, TypeError):
        return False


def _check(r: httpx.Response) -> None:
    STATS["cases"] += 1
    if _fail_closed(r):
        return
    if r.status_code >= 500:
        STATS["5xx"] += 1
    assert r.status_code < 500, (r.status_code, r.text[:400])
    if r.headers.get("content-type", "").startswith("application/json"):
        json.loads(r.content)  # a complete, parseable body


def _send(client: httpx.Client, base: str, method: str, path: str, body: Any, headers: dict[str, str]) -> None:
    try:
        if body is None:
            r = client.request(method.upper(), base + path, headers=headers)
        else:
            r = client.request(method.upper(), base + path, content=json.dumps(body).encode(),
                               headers={"content-type": "application/json", **headers})
            if isinstance(body, dict) and body.get("stream") is True and r.status_code == 200 \
                    and path not in NEVER_STREAM:
                assert r.text.rstrip().endswith(STREAM_ENDS.get(path, ("data: [DONE]",))), r.text[-300:]
    except httpx.TransportError:
        STATS["dropped"] += 1
        raise
    _check(r)


def _usable_model(body: Any) -> st.SearchStrategy[Any]:
    """Mostly a configured model name, so valid bodies reach the routing and the models."""
    if not isinstance(body, dict) or "model" not in body:
        return st.just(body)
    return st.sampled_from(["auto", "fake/local", "fake/cloud", body["model"]]).map(lambda m: {**body, "model": m})


@st.composite
def broken(draw: st.DrawFn, valid: st.SearchStrategy[Any]) -> Any:
    """A valid body with one thing wrong: a field replaced by random JSON, an odd model name,
    an unknown field, or the body replaced altogether."""
    body = draw(valid)
    kind = draw(st.sampled_from(["field", "model", "extra", "whole", "deep"]))
    if kind == "whole" or not isinstance(body, dict):
        return draw(JSON)
    if kind == "model":
        body["model"] = draw(MODEL_NAMES)
    elif kind == "extra":
        body[draw(st.text(max_size=12))] = draw(JSON)
    elif kind == "deep":
        depth = draw(st.integers(min_value=1, max_value=400))
        value: Any = draw(JSON)
        for _ in range(depth):
            value = [value] if draw(st.booleans()) else {"k": value}
        body[draw(st.sampled_from(["metadata", "tools", "messages", "stop", "turnout"]))] = value
    elif body:
        body[draw(st.sampled_from(sorted(body)))] = draw(JSON)
    return body


def _documented() -> list[tuple[str, str, dict[str, Any] | None]]:
    from turnout.server.openapi import document

    ops = []
    for path, methods in document()["paths"].items():
        for method, op in methods.items():
            schema = (((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get("schema")
            ops.append((path, method, schema))
    return ops


def test_the_served_document_is_the_one_fuzzed(server: str) -> None:
    assert _operations(server) == _documented()


@pytest.mark.slow
@pytest.mark.parametrize(("path", "method", "schema"), _documented(), ids=lambda v: v if isinstance(v, str) else "")
def test_fuzz_every_endpoint_against_the_openapi_document(server: str, path: str, method: str,
                                                         schema: dict[str, Any] | None) -> None:
    client = httpx.Client(timeout=20)
    before = dict(STATS)
    if schema is None:
        strategy: st.SearchStrategy[Any] = st.none()
        examples = 5
    else:
        valid = from_schema(schema).flatmap(_usable_model)
        strategy = st.one_of(valid, broken(valid))  # valid bodies, and each with one thing wrong
        # The other front doors translate into the same gateway path chat completions fuzzes at
        # length; their own parsing gets fewer cases. hypothesis-jsonschema draws ~0.3-1 s per
        # case on a loaded 2-core box: these keep the suite a few minutes.
        examples = 100 if path == "/v1/chat/completions" else 40

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=strategy, headers=HEADERS)
    def fuzz(body: Any, headers: dict[str, str]) -> None:
        _send(client, server, method, path, body, headers)

    try:
        fuzz()
    finally:
        client.close()
    cases = STATS["cases"] - before["cases"]
    print(f"\nfuzz {method.upper()} {path}: {cases} cases, {STATS['5xx'] - before['5xx']} 5xx, "
          f"{STATS['dropped'] - before['dropped']} dropped (total {STATS['cases']} cases)")
    assert STATS["5xx"] == before["5xx"] and STATS["dropped"] == before["dropped"]

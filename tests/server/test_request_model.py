"""Issue 9 through the HTTP gateway, with the official SDK as the client and an
OpenAI-compatible upstream on 127.0.0.1 that logs every body it receives:

- parameters today's SDKs send (and whatever comes next) reach an OpenAI-compatible upstream
  unchanged; a provider of another wire format drops them and the gateway says so in
  ``X-Turnout-Dropped-Params``; ``strict: true`` refuses them;
- the caller's body goes through natively, only the model name changed;
- a secret in a tool description, metadata or an unknown field goes to the local model and
  never to the cloud upstream.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import openai
import pytest

from turnout.providers.fake import FakeProvider

COMPLETION = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "up",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}}


class _Upstream(BaseHTTPRequestHandler):
    bodies: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.server.bodies.append(body)  # type: ignore[attr-defined]
        if body.get("stream"):
            chunk = {**COMPLETION, "object": "chat.completion.chunk",
                     "choices": [{"index": 0, "delta": {"content": "hello"}, "finish_reason": "stop"}]}
            data = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
        else:
            data = json.dumps(COMPLETION).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    server.bodies = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def config(upstream: ThreadingHTTPServer, **extra: Any) -> dict[str, Any]:
    return {
        "models": [
            {"name": "openai/up", "provider": "openai", "model": "up-model", "api_key": "k", "tier": 3,
             "api_base": f"http://127.0.0.1:{upstream.server_address[1]}/v1"},
            {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
        ],
        "detection": {"complexity": False},
        "routing": {"rules": [{"name": "private", "when": {"sensitivity": "confidential"}, "use": ["fake/local"]},
                              {"name": "rest", "use": ["openai/up"]}]},
        **extra,
    }


NEW_PARAMS = {"verbosity": "low", "prompt_cache_key": "pk-1", "safety_identifier": "sid", "service_tier": "flex",
              "x_next_year_param": {"nested": [1, "two"]}}


def test_new_and_unknown_parameters_reach_an_openai_compatible_upstream_unchanged(serve, upstream):
    server = serve(config(upstream))
    client = openai.OpenAI(base_url=server.base_url, api_key="x")
    raw = client.chat.completions.with_raw_response.create(
        model="openai/up", messages=[{"role": "user", "content": "hi"}], extra_body=NEW_PARAMS,
        reasoning_effort="low", max_completion_tokens=20)
    assert raw.parse().choices[0].message.content == "hello"
    assert raw.headers.get("x-turnout-dropped-params") is None
    (body,) = upstream.bodies
    for name, value in NEW_PARAMS.items():
        assert body[name] == value
    assert body["model"] == "up-model" and body["reasoning_effort"] == "low"
    assert body["messages"] == [{"role": "user", "content": "hi"}]


def test_streaming_passes_them_too(serve, upstream):
    server = serve(config(upstream))
    client = openai.OpenAI(base_url=server.base_url, api_key="x")
    stream = client.chat.completions.create(model="auto", messages=[{"role": "user", "content": "hi"}],
                                            stream=True, extra_body={"x_trace": "t1"})
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "hello"
    assert upstream.bodies[0]["x_trace"] == "t1" and upstream.bodies[0]["stream"] is True


def test_a_provider_that_cannot_take_them_drops_them_and_says_so(serve, upstream):
    server = serve(config(upstream))
    r = httpx.post(f"{server.base_url}/chat/completions", json={
        "model": "fake/local", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.1, "max_tokens": 9,
        **NEW_PARAMS})
    assert r.status_code == 200, r.text
    # the fake honours stop and the output cap only (tests/providers/test_fake_params.py)
    assert r.headers["x-turnout-dropped-params"].split(",") == sorted(["temperature", *NEW_PARAMS])


def test_strict_config_refuses_unknown_parameters(serve, upstream):
    server = serve(config(upstream, strict=True))
    r = httpx.post(f"{server.base_url}/chat/completions", json={
        "model": "openai/up", "messages": [{"role": "user", "content": "hi"}], "x_next_year_param": 1})
    assert r.status_code == 400 and r.json()["error"]["param"] == "x_next_year_param"
    assert upstream.bodies == []


@pytest.mark.parametrize("where", ["tools", "metadata", "unknown", "name"])
def test_a_secret_outside_the_messages_stays_local(serve, upstream, where):
    card = "4111 1111 1111 1111"
    body: dict[str, Any] = {"model": "auto", "messages": [{"role": "user", "content": "hi"}]}
    if where == "tools":
        body["tools"] = [{"type": "function", "function": {"name": "pay", "description": f"pays with {card}",
                                                           "parameters": {"type": "object", "properties": {}}}}]
    elif where == "metadata":
        body["metadata"] = {"card": card}
    elif where == "unknown":
        body["x_vendor"] = {"notes": [card]}
    else:
        body["messages"][0]["name"] = card.replace(" ", "")
    server = serve(config(upstream))
    r = httpx.post(f"{server.base_url}/chat/completions", json=body)
    assert r.status_code == 200, r.text
    assert r.headers["x-turnout-model"] == "fake/local"
    assert upstream.bodies == [] and [name for name, _ in FakeProvider.calls] == ["fake/local"]


def test_the_callers_body_goes_through_natively(serve, upstream):
    server = serve(config(upstream))
    body = {"model": "openai/up", "top_p": None, "temperature": 0.5,
            "messages": [{"role": "user", "content": "hi", "x_message_field": {"k": 1}}]}
    r = httpx.post(f"{server.base_url}/chat/completions", json=body)
    assert r.status_code == 200, r.text
    (sent,) = upstream.bodies
    assert list(sent) == ["model", "top_p", "temperature", "messages"] and sent["top_p"] is None
    assert sent["model"] == "up-model" and sent["messages"] == body["messages"]


def test_redacted_requests_are_translated_not_forwarded(serve, upstream):
    server = serve(config(upstream, detection={"complexity": False, "redact": True}))
    r = httpx.post(f"{server.base_url}/chat/completions", json={
        "model": "openai/up", "messages": [{"role": "user", "content": "write to ann@example.com"}],
        "metadata": {"owner": "bob@example.com"}})
    assert r.status_code == 200, r.text
    (sent,) = upstream.bodies
    assert "example.com" not in json.dumps(sent)
    assert sent["messages"][0]["content"] == "write to [EMAIL_1]" and sent["metadata"] == {"owner": "[EMAIL_2]"}


def test_dropped_parameter_names_are_header_safe(serve, upstream):
    server = serve(config(upstream))
    r = httpx.post(f"{server.base_url}/chat/completions", json={
        "model": "fake/local", "messages": [{"role": "user", "content": "hi"}], " #\u00e9x": 1, "ok_name": 2})
    assert r.status_code == 200, r.text
    assert r.headers["x-turnout-dropped-params"] == "%20%23%C3%A9x,ok_name"
    # A name with a control character is refused before routing (input_limits), never echoed.
    r = httpx.post(f"{server.base_url}/chat/completions", json={
        "model": "fake/local", "messages": [{"role": "user", "content": "hi"}], "a\nb": 1})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_parameter_name"

"""The translation conformance matrix: door x provider x capability.

Doors: chat completions (the reference), Anthropic Messages, OpenAI Responses, legacy
completions. Providers: an OpenAI-compatible upstream, an Anthropic upstream, an Ollama
upstream (each on 127.0.0.1 replaying recorded payloads) and the scripted fake (the embedded
model's stand-in; the real embedded model runs in test_embedded_model.py). Capabilities: text,
stream, tools, errors. Every door must give the same answer (text, tool name and arguments) as
chat completions does for that provider, and every upstream error must come back with its
status in the door's own error shape. What a door cannot carry is marked ``None`` here and
listed in docs/front-doors.md.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from .conftest import fixture_json, fixture_text
from .test_anthropic_wire import _replay

TOOL_SCHEMA = {"type": "object", "properties": {"location": {"type": "string"}}}

PROVIDERS: dict[str, dict[str, Any]] = {
    "openai": {"model": "gpt-4o-mini", "config": lambda url: {"name": "gpt-4o-mini", "api_base": url + "/v1", "api_key": "k"},
               "text": ("json", "openai_chat.json"), "stream": ("sse", "openai_stream.txt"),
               "tools": ("json", "openai_chat_tool_calls.json"), "stream_tools": ("sse", "openai_stream_tool_calls.txt"),
               "error": fixture_json("openai_errors.json")["400"]},
    "anthropic": {"model": "claude-sonnet-4-5-20250929",
                  "config": lambda url: {"name": "claude-sonnet-4-5-20250929", "api_base": url, "api_key": "k"},
                  "text": ("json", "anthropic_message.json"), "stream": ("sse", "anthropic_stream.txt"),
                  "tools": ("json", "anthropic_message_tool_use.json"),
                  "stream_tools": ("sse", "anthropic_stream_tool_use.txt"),
                  "error": {"type": "error", "error": {"type": "invalid_request_error", "message": "bad field"}}},
    "ollama": {"model": "ollama/llama3.2",
               "config": lambda url: {"name": "ollama/llama3.2", "provider": "ollama", "api_base": url},
               "text": ("json", "ollama_chat.json"), "stream": ("ndjson", "ollama_stream.txt"),
               "tools": ("json", "ollama_chat_tool_calls.json"), "stream_tools": ("ndjson", "ollama_stream_tool_calls.txt"),
               "error": {"error": "invalid options"}},
    "fake": {"model": "fake/m", "config": lambda url: {"name": "fake/m", "provider": "fake", "extra": {"reply": "a fake reply"}}},
}


def _upstream_reply(provider: str, body: dict[str, Any], fail: bool) -> tuple[str, Any]:
    spec = PROVIDERS[provider]
    if fail:
        return "status", (400, spec["error"])
    stream = bool(body.get("stream"))
    key = ("stream_tools" if stream else "tools") if body.get("tools") else ("stream" if stream else "text")
    kind, name = spec[key]
    return kind, fixture_json(name) if kind == "json" else fixture_text(name)


# -- the doors, each reduced to (text, [(tool name, arguments)]) or (status, error shape) ---------


def _sse(text: str) -> list[tuple[str | None, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        event, data = None, None
        for line in block.split("\n"):
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
        if data is not None and data != "[DONE]":
            events.append((event, json.loads(data)))
    return events


def chat(base: str, model: str, stream: bool, tools: bool) -> tuple[str, list[tuple[str, dict]]]:
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": "weather?"}], "stream": stream}
    if tools:
        body["tools"] = [{"type": "function", "function": {"name": "get_weather", "parameters": TOOL_SCHEMA}}]
    r = httpx.post(f"{base}/v1/chat/completions", json=body, timeout=30)
    r.raise_for_status()
    if not stream:
        message = r.json()["choices"][0]["message"]
        return message.get("content") or "", [(c["function"]["name"], json.loads(c["function"]["arguments"]))
                                              for c in message.get("tool_calls") or ()]
    text, calls = "", {}
    for _, chunk in _sse(r.text):
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            text += delta.get("content") or ""
            for call in delta.get("tool_calls") or ():
                entry = calls.setdefault(call.get("index", 0), ["", ""])
                entry[0] += (call.get("function") or {}).get("name") or ""
                entry[1] += (call.get("function") or {}).get("arguments") or ""
    return text, [(name, json.loads(args)) for name, args in calls.values()]


def messages(base: str, model: str, stream: bool, tools: bool) -> tuple[str, list[tuple[str, dict]]]:
    body: dict[str, Any] = {"model": model, "max_tokens": 256, "stream": stream,
                            "messages": [{"role": "user", "content": "weather?"}]}
    if tools:
        body["tools"] = [{"name": "get_weather", "input_schema": TOOL_SCHEMA}]
    r = httpx.post(f"{base}/v1/messages", json=body, timeout=30)
    r.raise_for_status()
    message = _replay(r.content) if stream else r.json()
    text = "".join(b["text"] for b in message["content"] if b["type"] == "text")
    return text, [(b["name"], b["input"]) for b in message["content"] if b["type"] == "tool_use"]


def responses(base: str, model: str, stream: bool, tools: bool) -> tuple[str, list[tuple[str, dict]]]:
    body: dict[str, Any] = {"model": model, "input": "weather?", "stream": stream, "store": False}
    if tools:
        body["tools"] = [{"type": "function", "name": "get_weather", "parameters": TOOL_SCHEMA}]
    r = httpx.post(f"{base}/v1/responses", json=body, timeout=30)
    r.raise_for_status()
    response = _sse(r.text)[-1][1]["response"] if stream else r.json()
    text = "".join(p["text"] for item in response["output"] if item["type"] == "message" for p in item["content"])
    return text, [(i["name"], json.loads(i["arguments"])) for i in response["output"] if i["type"] == "function_call"]


def completions(base: str, model: str, stream: bool, tools: bool) -> tuple[str, list[tuple[str, dict]]]:
    r = httpx.post(f"{base}/v1/completions", json={"model": model, "prompt": "weather?", "max_tokens": 256,
                                                    "stream": stream}, timeout=30)
    r.raise_for_status()
    if stream:
        return "".join(c["choices"][0]["text"] for _, c in _sse(r.text) if c.get("choices")), []
    return r.json()["choices"][0]["text"], []


DOORS = {"messages": messages, "responses": responses, "completions": completions}
ERROR_PATHS = {
    "chat": ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]}),
    "messages": ("/v1/messages", {"max_tokens": 10, "messages": [{"role": "user", "content": "x"}]}),
    "responses": ("/v1/responses", {"input": "x"}),
    "completions": ("/v1/completions", {"prompt": "x"}),
}


@pytest.fixture(params=list(PROVIDERS))
def provider_server(request, serve, upstream):
    provider = request.param
    state = {"fail": False}
    upstream.reply_by(lambda body: _upstream_reply(provider, body, state["fail"]))
    models = [PROVIDERS[provider]["config"](upstream.url)]
    if provider == "fake":
        models.append({"name": "fake/err", "provider": "fake", "extra": {"default": "error:400"}})
    server = serve({"models": models, "cache": {"enabled": False}, "routing": {"retries": {"max_retries": 0}}})
    return provider, server.base_url.removesuffix("/v1"), state


@pytest.mark.parametrize("door", list(DOORS))
@pytest.mark.parametrize("capability", ["text", "stream", "tools", "stream_tools"])
def test_door_answers_as_chat_completions_does(provider_server, door, capability):
    provider, base, _ = provider_server
    if provider == "fake" and "tools" in capability:
        pytest.skip("the scripted fake does not call tools")
    model = PROVIDERS[provider]["model"]
    stream, tools = capability.startswith("stream"), "tools" in capability
    if door == "completions" and tools:
        pytest.skip("the legacy completions API has no tools (docs/front-doors.md)")
    reference = chat(base, model, stream, tools)
    got = DOORS[door](base, model, stream, tools)
    assert got == reference
    assert reference[0] or reference[1]  # the fixture said something


@pytest.mark.parametrize("door", list(ERROR_PATHS))
def test_upstream_errors_keep_their_status_in_the_doors_shape(provider_server, door):
    provider, base, state = provider_server
    state["fail"] = True
    model = "fake/err" if provider == "fake" else PROVIDERS[provider]["model"]
    path, body = ERROR_PATHS[door]
    r = httpx.post(base + path, json={"model": model, **body}, timeout=30)
    assert r.status_code == 400, r.text
    shape = r.json()
    if door == "messages":
        assert shape["type"] == "error" and shape["error"]["type"] == "invalid_request_error"
        assert shape["error"]["message"]
    else:
        assert shape["error"]["message"] and shape["error"]["type"]

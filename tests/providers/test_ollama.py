from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web

from turnout import errors
from turnout.catalog import ModelInfo
from turnout.providers import transport
from turnout.providers.ollama import OllamaProvider, from_ollama, to_ollama
from turnout.providers.registry import provider_class
from turnout.types import ChatCompletionChunk, ChatRequest

from .upstream import Upstream, fixture_json, fixture_text, json_reply, stream_reply

USER = [{"role": "user", "content": "Why is the sky blue?"}]


@pytest.fixture(autouse=True, params=["http1", "aiohttp"])
def client(request: pytest.FixtureRequest) -> Any:
    """Every test on both HTTP clients: NDJSON streams go through http1 unless
    TURNOUT_HTTP_CLIENT=aiohttp, and both must read them the same."""
    before = list(transport._client_choice)
    transport._client_choice[:] = [request.param == "http1"]
    yield request.param
    transport._client_choice[:] = before


def request(messages: list[dict[str, Any]] = USER, **params: Any) -> ChatRequest:
    return ChatRequest(model="ollama/llama3.2", messages=messages, params=params)


def provider_at(upstream: Upstream, **extra: Any) -> OllamaProvider:
    return OllamaProvider(ModelInfo(name="ollama/llama3.2", provider="ollama", context_window=8192,
                                    local=True, api_base=upstream.url, extra=extra))


def replay(name: str) -> Any:
    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        if name.endswith(".txt"):
            return await stream_reply(request, fixture_text(name), content_type="application/x-ndjson")
        return json_reply(fixture_json(name))
    return handler


async def collect(provider: OllamaProvider, req: ChatRequest) -> list[ChatCompletionChunk]:
    return [c async for c in provider.astream(req)]


def test_registry() -> None:
    assert provider_class("ollama") is OllamaProvider


def test_options_and_format() -> None:
    body = to_ollama(request(temperature=0.1, top_p=0.5, seed=42, stop="\n\n", max_tokens=20,
                             frequency_penalty=0.2, logprobs=True, response_format={"type": "json_object"}),
                     "llama3.2", {"options": {"num_ctx": 8192}, "keep_alive": "10m"}, stream=False)
    assert body == {
        "model": "llama3.2", "messages": USER, "stream": False, "keep_alive": "10m", "format": "json",
        "options": {"num_ctx": 8192, "temperature": 0.1, "top_p": 0.5, "seed": 42, "stop": ["\n\n"],
                    "frequency_penalty": 0.2, "num_predict": 20},
    }
    schema = {"type": "object", "properties": {"age": {"type": "integer"}}}
    body = to_ollama(request(max_completion_tokens=5, response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}),
                     "llama3.2", {}, stream=True)
    assert body["format"] == schema and body["options"] == {"num_predict": 5} and body["stream"] is True
    assert "options" not in to_ollama(request(), "llama3.2", {}, stream=False)


def test_messages_images_and_tools() -> None:
    tools = [{"type": "function", "function": {"name": "get_current_weather", "parameters": {"type": "object"}}}]
    body = to_ollama(request([
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "What is in this picture?"},
                                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_current_weather", "arguments": '{"location": "Paris"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "name": "get_current_weather", "content": "18C"},
    ], tools=tools, tool_choice="auto"), "llama3.2", {}, stream=False)
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is in this picture?", "images": ["iVBORw0KGgo="]},
        {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_current_weather", "arguments": {"location": "Paris"}}}]},
        {"role": "tool", "content": "18C", "tool_name": "get_current_weather"},
    ]
    assert body["tools"] == tools and "tool_choice" not in body


def test_responses() -> None:
    response = from_ollama(fixture_json("ollama_chat.json"), request(), "ollama/llama3.2")
    assert response.object == "chat.completion" and response.model == "llama3.2"
    assert response.choices[0].message.content == "Hello! How are you today?"
    assert response.choices[0].finish_reason == "stop"
    assert response.usage == {"prompt_tokens": 26, "completion_tokens": 298, "total_tokens": 324}
    assert from_ollama(fixture_json("ollama_chat_length.json"), request(), "m").choices[0].finish_reason == "length"
    tools = from_ollama(fixture_json("ollama_chat_tool_calls.json"), request(), "m")
    call = tools.choices[0].message.tool_calls[0]
    assert call.id.startswith("call_") and call.type == "function" and call.function.name == "get_current_weather"
    assert json.loads(call.function.arguments) == {"format": "celsius", "location": "Paris, FR"}
    assert tools.choices[0].finish_reason == "tool_calls" and tools.choices[0].message.content is None


def test_prompt_count_missing_when_cached_is_estimated() -> None:
    usage = from_ollama(fixture_json("ollama_chat_cached_prompt.json"), request(), "m").usage
    assert usage["estimated"] is True and usage.prompt_tokens > 5 and usage.completion_tokens == 298


async def test_completion_over_http(upstream: Upstream) -> None:
    upstream.handler = replay("ollama_chat.json")
    response = await provider_at(upstream).acomplete(request(temperature=0))
    assert response.choices[0].message.content == "Hello! How are you today?"
    assert (upstream.last.path, upstream.last.body["stream"]) == ("/api/chat", False)
    assert upstream.last.body["options"] == {"temperature": 0}
    assert "Authorization" not in upstream.last.headers


async def test_base_url_from_environment(upstream: Upstream, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_BASE_URL", upstream.url + "/")
    upstream.handler = replay("ollama_chat.json")
    await OllamaProvider(ModelInfo(name="ollama/llama3", provider="ollama", context_window=8192)).acomplete(request())
    assert upstream.last.path == "/api/chat" and upstream.last.body["model"] == "llama3"


async def test_stream(upstream: Upstream) -> None:
    upstream.handler = replay("ollama_stream.txt")
    chunks = await collect(provider_at(upstream), request())
    assert upstream.last.body["stream"] is True
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta == {"role": "assistant", "content": "Hello"}
    assert "".join(c.choices[0].delta.get("content") or "" for c in chunks) == "Hello! How are you today?"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].usage == {"prompt_tokens": 26, "completion_tokens": 282, "total_tokens": 308}


async def test_stream_tool_calls(upstream: Upstream) -> None:
    upstream.handler = replay("ollama_stream_tool_calls.txt")
    chunks = await collect(provider_at(upstream), request())
    call = chunks[0].choices[0].delta.tool_calls[0]
    assert call.index == 0 and json.loads(call.function.arguments) == {"format": "celsius", "location": "Paris, FR"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    assert chunks[-1].usage.completion_tokens == 33


async def test_stream_error_line(upstream: Upstream) -> None:
    upstream.handler = replay("ollama_stream_error.txt")
    seen: list[ChatCompletionChunk] = []
    with pytest.raises(errors.ProviderUnavailableError, match="unexpected EOF") as info:
        async for chunk in provider_at(upstream).astream(request()):
            seen.append(chunk)
    assert len(seen) == 1 and info.value.raw == {"error": "an error was encountered while running the model: unexpected EOF"}


async def test_stream_cut_before_done_is_an_error(upstream: Upstream) -> None:
    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        return await stream_reply(request, "".join(fixture_text("ollama_stream.txt").splitlines(keepends=True)[:3]))
    upstream.handler = handler
    with pytest.raises(errors.ProviderError, match="before done"):
        await collect(provider_at(upstream), request())


async def test_malformed_stream_line(upstream: Upstream) -> None:
    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        return await stream_reply(request, '{"model": "llama3.2", "message": {"content": "Hi"}, "done": false}\n{oops\n')
    upstream.handler = handler
    with pytest.raises(errors.ProviderError, match="malformed"):
        await collect(provider_at(upstream), request())

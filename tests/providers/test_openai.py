from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web

from turnout import errors
from turnout.catalog import ModelInfo
from turnout.providers.openai import OpenAIProvider, to_openai
from turnout.providers.registry import provider_class
from turnout.types import ChatCompletionChunk, ChatRequest

from .upstream import Upstream, fixture_json, fixture_text, json_reply, stream_reply

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello!"}]


def provider_at(upstream: Upstream, **kw: Any) -> OpenAIProvider:
    info = ModelInfo(name="openai/gpt-4o", provider="openai", context_window=128_000,
                     api_base=upstream.url + "/v1", **kw)
    return OpenAIProvider(info)


def request(**params: Any) -> ChatRequest:
    return ChatRequest(model="openai/gpt-4o", messages=MESSAGES, params=params)


def replay(name: str) -> Any:
    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        if name.endswith(".txt"):
            return await stream_reply(request, fixture_text(name))
        return json_reply(fixture_json(name))
    return handler


def sse_payloads(name: str) -> list[Any]:
    """The JSON data events of an SSE fixture, in order (what the provider should yield)."""
    events = fixture_text(name).replace("\r\n", "\n").split("\n\n")
    datas = [line[len("data: "):] for e in events for line in e.splitlines() if line.startswith("data: ")]
    return [json.loads(d) for d in datas if d != "[DONE]"]


def test_registry_and_capabilities() -> None:
    assert provider_class("openai") is OpenAIProvider
    assert OpenAIProvider.capabilities.logprobs


async def test_completion_is_the_upstream_body(upstream: Upstream) -> None:
    upstream.handler = replay("openai_chat.json")
    response = await provider_at(upstream, api_key="sk-test").acomplete(
        request(temperature=0.2, max_tokens=50, seed=7, turnout={"sensitivity": "public"},
                top_p=None, unknown_param=1)
    )
    assert response == fixture_json("openai_chat.json")
    assert response.choices[0].message.content == "Hello! How can I assist you today?"
    sent = upstream.last
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.headers["Authorization"] == "Bearer sk-test"
    # the wire model has the provider prefix stripped; every param passes (unknown ones too),
    # None ones and turnout's own hints dropped
    assert sent.body == {"model": "gpt-4o", "messages": MESSAGES, "temperature": 0.2,
                         "max_tokens": 50, "seed": 7, "unknown_param": 1}


def test_max_tokens_name_per_server() -> None:
    official, local = "https://api.openai.com/v1/chat/completions", "http://127.0.0.1:8080/v1/chat/completions"
    assert to_openai(request(max_tokens=9), "o3-mini", official, stream=False)["max_completion_tokens"] == 9
    assert "max_tokens" not in to_openai(request(max_tokens=9), "o3-mini", official, stream=False)
    assert to_openai(request(max_completion_tokens=9), "local-qwen", local, stream=False)["max_tokens"] == 9
    both = to_openai(request(max_tokens=9, max_completion_tokens=8), "m", local, stream=False)
    assert (both["max_tokens"], both["max_completion_tokens"]) == (9, 8)


async def test_tool_calls_and_logprobs_pass_through(upstream: Upstream) -> None:
    provider = provider_at(upstream, api_key="k")
    tools = [{"type": "function", "function": {"name": "get_current_weather", "parameters": {"type": "object"}}}]
    upstream.handler = replay("openai_chat_tool_calls.json")
    response = await provider.acomplete(request(tools=tools, tool_choice="auto"))
    assert upstream.last.body["tools"] == tools and upstream.last.body["tool_choice"] == "auto"
    call = response.choices[0].message.tool_calls[0]
    assert (call.function.name, json.loads(call.function.arguments)) == ("get_current_weather", {"location": "Boston, MA"})
    assert response.choices[0].finish_reason == "tool_calls"
    upstream.handler = replay("openai_chat_logprobs.json")
    response = await provider.acomplete(request(logprobs=True, top_logprobs=2))
    assert upstream.last.body["logprobs"] is True and upstream.last.body["top_logprobs"] == 2
    assert response.choices[0].logprobs.content[0].logprob == pytest.approx(-0.31725305)


async def test_missing_usage_is_estimated(upstream: Upstream) -> None:
    upstream.handler = replay("openai_chat_no_usage.json")
    response = await provider_at(upstream).acomplete(request())
    usage = response.usage
    assert usage["estimated"] is True
    assert usage.prompt_tokens > 5 and usage.completion_tokens >= 5
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert "Authorization" not in upstream.last.headers  # a custom server needs no key


async def test_stream_yields_every_chunk_and_asks_for_usage(upstream: Upstream) -> None:
    upstream.handler = replay("openai_stream.txt")
    chunks = [c async for c in provider_at(upstream, api_key="k").astream(
        request(stream_options={"include_obfuscation": False}))]
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert chunks == sse_payloads("openai_stream.txt")  # verbatim, nothing added
    assert chunks[-1].usage.prompt_tokens == 19 and chunks[-1].choices == []
    assert upstream.last.body["stream"] is True
    assert upstream.last.body["stream_options"] == {"include_obfuscation": False, "include_usage": True}
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello! How can I assist you today?"


async def test_stream_without_usage_gets_an_estimated_usage_chunk(upstream: Upstream) -> None:
    upstream.handler = replay("openai_stream_no_usage.txt")
    chunks = [c async for c in provider_at(upstream).astream(request())]
    upstream_chunks = sse_payloads("openai_stream_no_usage.txt")
    assert chunks[:-1] == upstream_chunks
    last = chunks[-1]
    assert last.choices == [] and last.id == "chatcmpl-local-2" and last.model == "local-qwen"
    assert last.usage["estimated"] is True
    assert last.usage.completion_tokens >= 5 and last.usage.prompt_tokens > 5


async def test_stream_tool_call_deltas(upstream: Upstream) -> None:
    upstream.handler = replay("openai_stream_tool_calls.txt")
    chunks = [c async for c in provider_at(upstream).astream(request())]
    arguments = "".join(
        c.choices[0].delta.tool_calls[0].function.arguments for c in chunks if c.choices and c.choices[0].delta.tool_calls
    )
    assert json.loads(arguments) == {"location": "Paris, France"}
    assert chunks[-1].usage.completion_tokens == 17


async def test_stream_stops_at_done(upstream: Upstream) -> None:
    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        text = fixture_text("openai_stream.txt") + 'data: {"ignored": true}\n\n'
        return await stream_reply(request, text)
    upstream.handler = handler
    chunks = [c async for c in provider_at(upstream).astream(request())]
    assert chunks == sse_payloads("openai_stream.txt")


async def test_error_in_a_200_body_or_mid_stream_is_raised(upstream: Upstream) -> None:
    async def body_error(request: web.Request, body: Any) -> web.StreamResponse:
        return json_reply({"error": {"message": "model overloaded", "type": "server_error", "code": 503}})
    upstream.handler = body_error
    with pytest.raises(errors.ProviderUnavailableError, match="model overloaded"):
        await provider_at(upstream).acomplete(request())

    async def stream_error(request: web.Request, body: Any) -> web.StreamResponse:
        first = fixture_text("openai_stream.txt").split("\n\n")[0] + "\n\n"
        error = {"error": {"message": "This model's maximum context length is 4096 tokens", "type": "invalid_request_error", "code": 400}}
        return await stream_reply(request, first + "data: " + json.dumps(error) + "\n\n")
    upstream.handler = stream_error
    seen: list[ChatCompletionChunk] = []
    with pytest.raises(errors.ContextWindowExceededError) as info:
        async for chunk in provider_at(upstream).astream(request()):
            seen.append(chunk)
    assert len(seen) == 1 and info.value.raw["error"]["code"] == 400


async def test_malformed_stream_event_is_a_provider_error(upstream: Upstream) -> None:
    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        return await stream_reply(request, "data: {not json\n\n")
    upstream.handler = handler
    with pytest.raises(errors.ProviderError, match="malformed"):
        [c async for c in provider_at(upstream).astream(request())]


async def test_base_url_and_key_from_the_environment(upstream: Upstream, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", upstream.url + "/v1/")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    upstream.handler = replay("openai_chat.json")
    provider = OpenAIProvider(ModelInfo(name="gpt-4o", provider="openai", context_window=128_000))
    await provider.acomplete(request())
    assert upstream.last.path == "/v1/chat/completions"
    assert upstream.last.headers["Authorization"] == "Bearer sk-env"
    keyed = OpenAIProvider(ModelInfo(name="gpt-4o", provider="openai", context_window=128_000, api_key="sk-own"))
    await keyed.acomplete(request())
    assert upstream.last.headers["Authorization"] == "Bearer sk-own"


async def test_missing_key_for_openai_itself_fails_before_any_request() -> None:
    provider = OpenAIProvider(ModelInfo(name="gpt-4o", provider="openai", context_window=128_000))
    with pytest.raises(errors.AuthenticationError, match="OPENAI_API_KEY") as info:
        await provider.acomplete(request())
    assert info.value.provider == "openai" and info.value.model == "gpt-4o"
    with pytest.raises(errors.AuthenticationError, match="OPENAI_API_KEY"):
        [c async for c in provider.astream(request())]

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web

from turnout import errors
from turnout.catalog import ModelInfo
from turnout.providers.anthropic import AnthropicProvider, from_anthropic, to_anthropic
from turnout.providers.registry import provider_class
from turnout.types import ChatCompletionChunk, ChatRequest

from .upstream import Upstream, fixture_json, fixture_text, json_reply, stream_reply

INFO = ModelInfo(name="claude-3-7-sonnet-20250219", provider="anthropic", context_window=200_000,
                 max_output_tokens=64_000)
USER = [{"role": "user", "content": "Hello"}]


def translate(messages: list[dict[str, Any]] = USER, info: ModelInfo = INFO, **params: Any) -> dict[str, Any]:
    return to_anthropic(ChatRequest(model=info.name, messages=messages, params=params), info)


def provider_at(upstream: Upstream, api_base: str | None = None) -> AnthropicProvider:
    return AnthropicProvider(ModelInfo(name="anthropic/claude-3-7-sonnet-20250219", provider="anthropic",
                                       context_window=200_000, api_base=api_base or upstream.url,
                                       api_key="sk-ant-test"))


def replay(name: str) -> Any:
    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        if name.endswith(".txt"):
            return await stream_reply(request, fixture_text(name))
        return json_reply(fixture_json(name))
    return handler


async def collect(provider: AnthropicProvider, **params: Any) -> list[ChatCompletionChunk]:
    return [c async for c in provider.astream(ChatRequest(model="m", messages=USER, params=params))]


def test_registry_and_capabilities() -> None:
    assert provider_class("anthropic") is AnthropicProvider
    assert not AnthropicProvider.capabilities.logprobs


# -- request translation ----------------------------------------------------------------------


def test_system_messages_go_top_level_and_turns_merge() -> None:
    body = translate([
        {"role": "system", "content": "Be brief."},
        {"role": "developer", "content": [{"type": "text", "text": "Answer in French."}]},
        {"role": "user", "content": "Hi"},
        {"role": "user", "content": [{"type": "text", "text": "Still there?"}]},
        {"role": "assistant", "content": "Oui."},
        {"role": "assistant", "content": ""},  # empty turns are dropped
        {"role": "user", "content": "Bye"},
    ])
    assert body["system"] == "Be brief.\n\nAnswer in French."
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "Still there?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Oui."}]},
        {"role": "user", "content": [{"type": "text", "text": "Bye"}]},
    ]
    assert body["model"] == "claude-3-7-sonnet-20250219"


def test_system_blocks_kept_when_they_carry_cache_control() -> None:
    system = [{"type": "text", "text": "A long manual.", "cache_control": {"type": "ephemeral"}}]
    body = translate([{"role": "system", "content": system}, *USER])
    assert body["system"] == system


def test_images() -> None:
    body = translate([{"role": "user", "content": [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
    ]}])
    assert body["messages"][0]["content"][1:] == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
    ]
    with pytest.raises(errors.BadRequestError, match="input_audio"):
        translate([{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}])


def test_parameters() -> None:
    body = translate(temperature=1.7, top_p=0.9, stop="END", user="u-1", max_tokens=100,
                     seed=1, n=1, logprobs=True, frequency_penalty=0.5, response_format={"type": "json_object"})
    assert {k: v for k, v in body.items() if k not in ("model", "messages")} == {
        "max_tokens": 100, "temperature": 1.0, "top_p": 0.9, "stop_sequences": ["END"],
        "metadata": {"user_id": "u-1"},
    }
    assert translate(stop=["a", "b"])["stop_sequences"] == ["a", "b"]
    assert translate(max_completion_tokens=7)["max_tokens"] == 7
    assert translate()["max_tokens"] == 64_000  # the model's output limit
    bare = ModelInfo(name="anthropic/claude-x", provider="anthropic", context_window=200_000)
    assert translate(info=bare)["max_tokens"] == 4096
    assert translate(info=bare)["model"] == "claude-x"


WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather",
    "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}


@pytest.mark.parametrize(("tool_choice", "parallel", "expected"), [
    (None, None, None),
    ("auto", None, {"type": "auto"}),
    ("required", None, {"type": "any"}),
    ("none", None, {"type": "none"}),
    ({"type": "function", "function": {"name": "get_weather"}}, None, {"type": "tool", "name": "get_weather"}),
    (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
    ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
])
def test_tools_and_tool_choice(tool_choice: Any, parallel: Any, expected: Any) -> None:
    body = translate(tools=[WEATHER_TOOL], tool_choice=tool_choice, parallel_tool_calls=parallel)
    assert body["tools"] == [{"name": "get_weather", "description": "Current weather",
                              "input_schema": WEATHER_TOOL["function"]["parameters"]}]
    assert body.get("tool_choice") == expected


def test_tool_choice_without_tools_is_not_sent() -> None:
    assert "tool_choice" not in translate(tool_choice="auto")


def test_tool_call_round_trip() -> None:
    body = translate([
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {"role": "assistant", "content": "Checking.", "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"location": "Paris"}'}},
            {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": '{"location": "Rome"}'}},
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
        {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "24C"}]},
        {"role": "user", "content": "Thanks; which is warmer?"},
    ])
    assert body["messages"][1] == {"role": "assistant", "content": [
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"location": "Paris"}},
        {"type": "tool_use", "id": "call_2", "name": "get_weather", "input": {"location": "Rome"}},
    ]}
    assert body["messages"][2] == {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "call_1", "content": "18C"},
        {"type": "tool_result", "tool_use_id": "call_2", "content": "24C"},
        {"type": "text", "text": "Thanks; which is warmer?"},
    ]}
    assert len(body["messages"]) == 3


def test_tool_results_open_their_user_turn() -> None:
    body = translate([
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "f", "arguments": ""}}]},
        {"role": "user", "content": "by the way"},
        {"role": "tool", "tool_call_id": "c", "content": "done"},
    ])
    assert body["messages"][0]["content"] == [{"type": "tool_use", "id": "c", "name": "f", "input": {}}]
    assert [b["type"] for b in body["messages"][1]["content"]] == ["tool_result", "text"]


def test_bad_messages_are_bad_requests() -> None:
    with pytest.raises(errors.BadRequestError, match="not a JSON object"):
        translate([{"role": "assistant", "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "f", "arguments": "[1, 2"}}]}])
    with pytest.raises(errors.BadRequestError, match="role 'function'"):
        translate([{"role": "function", "name": "f", "content": "x"}])


# -- response translation ---------------------------------------------------------------------


def test_text_response() -> None:
    response = from_anthropic(fixture_json("anthropic_message.json"), "claude")
    assert response.id == "msg_013Zva2CMHLNnXjNJJKqJ2EF"
    assert response.object == "chat.completion"
    assert response.model == "claude-3-7-sonnet-20250219"
    assert response.choices[0].message == {"role": "assistant", "content": "Hi! My name is Claude."}
    assert response.choices[0].finish_reason == "stop"
    assert response.usage == {"prompt_tokens": 2095, "completion_tokens": 503, "total_tokens": 2598,
                              "prompt_tokens_details": {"cached_tokens": 0}}


def test_tool_use_response() -> None:
    response = from_anthropic(fixture_json("anthropic_message_tool_use.json"), "claude")
    message = response.choices[0].message
    assert message.content.startswith("<thinking>")
    assert message.tool_calls == [{"id": "toolu_01A09q90qw90lq917835lq9", "type": "function", "function": {
        "name": "get_weather", "arguments": json.dumps({"location": "San Francisco, CA", "unit": "celsius"})}}]
    assert response.choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize(("stop_reason", "finish"), [
    ("end_turn", "stop"), ("stop_sequence", "stop"), ("max_tokens", "length"), ("tool_use", "tool_calls"),
    ("refusal", "content_filter"), (None, "stop"),
])
def test_stop_reasons(stop_reason: str | None, finish: str) -> None:
    body = {**fixture_json("anthropic_message.json"), "stop_reason": stop_reason}
    assert from_anthropic(body, "claude").choices[0].finish_reason == finish


def test_cache_reads_count_as_cached_prompt_tokens() -> None:
    usage = from_anthropic(fixture_json("anthropic_message_cached.json"), "claude").usage
    assert usage.prompt_tokens == 21 + 188086
    assert usage.prompt_tokens_details.cached_tokens == 188086
    assert usage.total_tokens == 21 + 188086 + 393
    written = from_anthropic({**fixture_json("anthropic_message.json"), "usage": {
        "input_tokens": 10, "cache_creation_input_tokens": 1000, "output_tokens": 5}}, "claude").usage
    assert written.prompt_tokens == 1010 and written.cache_creation_input_tokens == 1000


def test_response_without_content_is_a_provider_error() -> None:
    with pytest.raises(errors.ProviderError):
        from_anthropic({"type": "message"}, "claude")


# -- over HTTP --------------------------------------------------------------------------------


async def test_request_on_the_wire(upstream: Upstream) -> None:
    upstream.handler = replay("anthropic_message.json")
    response = await provider_at(upstream).acomplete(ChatRequest(model="m", messages=USER, params={"max_tokens": 5}))
    assert response.choices[0].message.content == "Hi! My name is Claude."
    sent = upstream.last
    assert (sent.method, sent.path) == ("POST", "/v1/messages")
    assert sent.headers["x-api-key"] == "sk-ant-test" and sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.body == {"model": "claude-3-7-sonnet-20250219", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Hello"}]}], "max_tokens": 5}
    await provider_at(upstream, api_base=upstream.url + "/v1/").acomplete(ChatRequest(model="m", messages=USER))
    assert upstream.last.path == "/v1/messages"


async def test_environment(upstream: Upstream, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", upstream.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env")
    upstream.handler = replay("anthropic_message.json")
    await AnthropicProvider(INFO).acomplete(ChatRequest(model="m", messages=USER))
    assert upstream.last.headers["x-api-key"] == "sk-ant-env"


async def test_missing_key_names_the_variable() -> None:
    provider = AnthropicProvider(INFO)
    with pytest.raises(errors.AuthenticationError, match="ANTHROPIC_API_KEY"):
        await provider.acomplete(ChatRequest(model="m", messages=USER))
    with pytest.raises(errors.AuthenticationError, match="ANTHROPIC_API_KEY"):
        [c async for c in provider.astream(ChatRequest(model="m", messages=USER))]


async def test_stream_text(upstream: Upstream) -> None:
    upstream.handler = replay("anthropic_stream.txt")
    chunks = await collect(provider_at(upstream), temperature=0)
    assert upstream.last.body["stream"] is True and upstream.last.body["temperature"] == 0
    assert {c.id for c in chunks} == {"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY"}
    assert chunks[0].choices[0].delta == {"role": "assistant", "content": ""}
    assert [c.choices[0].delta.get("content") for c in chunks[1:-1]] == ["Hi", "! My name", " is Claude", "."]
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.choices[0].delta == {}
    assert last.usage == {"prompt_tokens": 25, "completion_tokens": 15, "total_tokens": 40,
                          "prompt_tokens_details": {"cached_tokens": 0}}
    assert all(c.usage is None for c in chunks[:-1])


async def test_stream_tool_use(upstream: Upstream) -> None:
    upstream.handler = replay("anthropic_stream_tool_use.txt")
    chunks = await collect(provider_at(upstream), tools=[WEATHER_TOOL])
    text = "".join(c.choices[0].delta.get("content") or "" for c in chunks)
    assert text == "Okay, let's check the weather for San Francisco, CA:"
    calls = [tc for c in chunks for tc in c.choices[0].delta.get("tool_calls") or []]
    assert calls[0] == {"index": 0, "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "type": "function",
                        "function": {"name": "get_weather", "arguments": ""}}
    assert {tc["index"] for tc in calls} == {0}
    arguments = "".join(tc["function"]["arguments"] for tc in calls)
    assert json.loads(arguments) == {"location": "San Francisco, CA", "unit": "fahrenheit"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    assert chunks[-1].usage.completion_tokens == 89 and chunks[-1].usage.prompt_tokens == 472


async def test_stream_error_event_raises_the_mapped_error(upstream: Upstream) -> None:
    upstream.handler = replay("anthropic_stream_error.txt")
    seen: list[ChatCompletionChunk] = []
    with pytest.raises(errors.ProviderUnavailableError, match="Overloaded") as info:
        async for chunk in provider_at(upstream).astream(ChatRequest(model="m", messages=USER)):
            seen.append(chunk)
    assert [c.choices[0].delta.get("content") for c in seen] == ["", "Hi"]
    assert info.value.raw["error"]["type"] == "overloaded_error"


async def test_stream_cut_before_message_stop_is_an_error(upstream: Upstream) -> None:
    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        return await stream_reply(request, fixture_text("anthropic_stream.txt").split("event: message_delta")[0])
    upstream.handler = handler
    with pytest.raises(errors.ProviderError, match="before message_stop"):
        await collect(provider_at(upstream))

"""Gemini's native generateContent API, against recorded payloads served from 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web

from turnout import errors
from turnout.catalog import Catalog, ModelInfo
from turnout.providers.gemini import GeminiProvider, from_gemini, to_gemini
from turnout.providers.registry import provider_class
from turnout.routing.router import availability
from turnout.types import ChatRequest

from .upstream import Upstream, fixture_json, fixture_text, json_reply, stream_reply

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]


@pytest.fixture(autouse=True)
def no_key(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "")
    monkeypatch.setenv("GOOGLE_API_KEY", "")


def provider_at(upstream: Upstream) -> GeminiProvider:
    return GeminiProvider(ModelInfo("gemini_native/gemini-2.5-flash", "gemini_native", 1_048_576,
                                    api_base=upstream.url + "/v1beta", api_key="g-key"))


def replay(name: str, status: int = 200) -> Any:
    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        if name.endswith(".txt"):
            return await stream_reply(request, fixture_text(name))
        return json_reply(fixture_json(name), status=status)
    return handler


def test_registry_catalog_and_availability(monkeypatch):
    assert provider_class("gemini_native") is GeminiProvider
    info = Catalog().resolve("gemini_native/gemini-2.5-pro")
    assert info.provider == "gemini_native" and info.wire_model == "gemini-2.5-pro" and info.input_per_mtok > 0
    assert availability(info) == (False, "GEMINI_API_KEY is not set")
    monkeypatch.setenv("GEMINI_API_KEY", "k")
    assert availability(info) == (True, None)


def test_request_translation():
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Look:"},
                                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]},
        {"role": "user", "content": "and the weather?"},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "call_9", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call_9", "content": "{\"temp\": 21}"},
    ]
    body = to_gemini(ChatRequest("g", messages, {"max_tokens": 100, "temperature": 0.3, "stop": "END", "tools": TOOLS,
                                                 "tool_choice": "required",
                                                 "response_format": {"type": "json_object"}}),
                     {"generation_config": {"thinkingConfig": {"thinkingBudget": 0}}})
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    roles = [c["role"] for c in body["contents"]]
    assert roles == ["user", "model", "user"]  # the two user turns merged
    assert body["contents"][0]["parts"][1] == {"inlineData": {"mimeType": "image/png", "data": "AAAA"}}
    assert body["contents"][1]["parts"][-1] == {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
    assert body["contents"][2]["parts"][0] == {"functionResponse": {"name": "get_weather", "response": {"temp": 21}}}
    assert body["generationConfig"] == {"maxOutputTokens": 100, "temperature": 0.3, "stopSequences": ["END"],
                                        "responseMimeType": "application/json", "thinkingConfig": {"thinkingBudget": 0}}
    assert body["tools"][0]["functionDeclarations"][0]["name"] == "get_weather"
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}


def test_bad_tool_arguments_are_a_400():
    msgs = [{"role": "assistant", "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": "{not json"}}]}]
    with pytest.raises(errors.BadRequestError):
        to_gemini(ChatRequest("g", msgs, {}))


async def test_completion_with_thoughts_and_cached_tokens(upstream: Upstream):
    upstream.handler = replay("gemini_generate.json")
    response = await provider_at(upstream).acomplete(ChatRequest("g", MESSAGES, {"max_tokens": 64}))
    message = response["choices"][0]["message"]
    assert message["content"] == "Paris is the capital of France."
    assert message["reasoning_content"].startswith("The user asks")
    assert response["usage"] == {"prompt_tokens": 9, "completion_tokens": 35, "total_tokens": 44,
                                 "prompt_tokens_details": {"cached_tokens": 4},
                                 "completion_tokens_details": {"reasoning_tokens": 28}}
    sent = upstream.last
    assert sent.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert sent.headers["x-goog-api-key"] == "g-key"


async def test_function_call_response(upstream: Upstream):
    upstream.handler = replay("gemini_generate_function_call.json")
    response = await provider_at(upstream).acomplete(ChatRequest("g", MESSAGES, {"tools": TOOLS}))
    choice = response["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    call = choice["message"]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather" and json.loads(call["function"]["arguments"]) == {
        "city": "Paris", "unit": "celsius"}


async def test_stream(upstream: Upstream):
    upstream.handler = replay("gemini_stream.txt")
    chunks = [c async for c in provider_at(upstream).astream(ChatRequest("g", MESSAGES, {}, True))]
    text = "".join((c["choices"][0]["delta"].get("content") or "") for c in chunks if c.get("choices"))
    assert text == "Paris is the capital of France."
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert [c["choices"][0]["finish_reason"] for c in chunks if c.get("choices")][-1] == "stop"
    assert chunks[-1]["usage"]["completion_tokens"] == 26 and chunks[-1]["usage"]["prompt_tokens"] == 9
    assert upstream.last.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"


@pytest.mark.parametrize(("fixture", "status", "cls"), [
    ("gemini_error_key.json", 400, errors.BadRequestError),
    ("gemini_error_quota.json", 429, errors.RateLimitError),
])
async def test_errors_keep_their_status(upstream: Upstream, fixture, status, cls):
    upstream.handler = replay(fixture, status)
    with pytest.raises(cls) as err:
        await provider_at(upstream).acomplete(ChatRequest("g", MESSAGES, {}))
    assert err.value.status_code == status
    assert fixture_json(fixture)["error"]["message"][:20] in err.value.message


def test_blocked_prompt_is_a_content_filter_answer():
    out = from_gemini({"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 5}}, "g")
    assert out["choices"][0]["finish_reason"] == "content_filter"
    with pytest.raises(errors.ProviderError):
        from_gemini({"usageMetadata": {}}, "g")

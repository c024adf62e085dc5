"""The conformance suite against every provider turnout ships: the scripted fake, and the HTTP
providers against a local server replaying their documented payloads (fixtures/). The replay
servers pick the payload from the request *as translated to the wire* (e.g. Anthropic's
``stop_sequences``, Ollama's ``options.num_predict``), so a broken translation fails here."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from turnout.catalog import ModelInfo
from turnout.providers.anthropic import AnthropicProvider
from turnout.providers.fake import FakeProvider
from turnout.providers.ollama import OllamaProvider
from turnout.providers.openai import OpenAIProvider

from .conformance import STOP, Expectations, run_all
from .upstream import Upstream, fixture_json, fixture_text, json_reply, stream_reply


async def test_fake() -> None:
    provider = FakeProvider(ModelInfo(name="fake/conformance", provider="fake", context_window=8192))
    await run_all(provider, Expectations(
        text="fake:fake/conformance: Say hello in five words.",
        stop_text="fake:fake/conformance: Repeat exactly: 1 2 3 4 ",
    ))


async def openai_replay(request: web.Request, body: Any) -> web.StreamResponse:
    assert request.path == "/v1/chat/completions" and body["model"] == "gpt-4o"
    if body.get("stream"):
        assert body["stream_options"] == {"include_usage": True}
        return await stream_reply(request, fixture_text("openai_stream.txt"))
    if body.get("max_tokens") == 1:
        return json_reply(fixture_json("openai_chat_length.json"))
    if body.get("stop") == STOP:
        return json_reply(fixture_json("openai_chat_stop.json"))
    return json_reply(fixture_json("openai_chat.json"))


async def test_openai(upstream: Upstream) -> None:
    upstream.handler = openai_replay
    provider = OpenAIProvider(ModelInfo(name="openai/gpt-4o", provider="openai", context_window=128_000,
                                        api_base=upstream.url + "/v1", api_key="sk-test"))
    await run_all(provider, Expectations(text="Hello! How can I assist you today?", stop_text="1 2 3 4 "))


# Anthropic answers unknown top-level fields with a 400 ("Extra inputs are not permitted").
ANTHROPIC_FIELDS = {"model", "messages", "max_tokens", "system", "temperature", "top_p", "top_k",
                    "stop_sequences", "stream", "metadata", "tools", "tool_choice"}


async def anthropic_replay(request: web.Request, body: Any) -> web.StreamResponse:
    assert request.path == "/v1/messages" and request.headers["x-api-key"] == "sk-ant-test"
    extra = set(body) - ANTHROPIC_FIELDS
    if extra:
        return json_reply({"type": "error", "error": {"type": "invalid_request_error",
                           "message": f"{sorted(extra)[0]}: Extra inputs are not permitted"}}, status=400)
    assert isinstance(body["max_tokens"], int) and body.get("system") in (None, "You are a concise assistant.")
    if body.get("stream"):
        return await stream_reply(request, fixture_text("anthropic_stream.txt"))
    if body["max_tokens"] == 1:
        return json_reply(fixture_json("anthropic_message_length.json"))
    if body.get("stop_sequences") == STOP:
        return json_reply(fixture_json("anthropic_message_stop.json"))
    return json_reply(fixture_json("anthropic_message.json"))


async def test_anthropic(upstream: Upstream) -> None:
    upstream.handler = anthropic_replay
    provider = AnthropicProvider(ModelInfo(name="claude-3-7-sonnet-20250219", provider="anthropic",
                                           context_window=200_000, api_base=upstream.url,
                                           api_key="sk-ant-test"))
    await run_all(provider, Expectations(text="Hi! My name is Claude.", stop_text="1 2 3 4 "))


async def ollama_replay(request: web.Request, body: Any) -> web.StreamResponse:
    assert request.path == "/api/chat" and body["model"] == "llama3.2"
    options = body.get("options") or {}
    if body["stream"]:
        return await stream_reply(request, fixture_text("ollama_stream.txt"), content_type="application/x-ndjson")
    if options.get("num_predict") == 1:
        return json_reply(fixture_json("ollama_chat_length.json"))
    if options.get("stop") == STOP:
        return json_reply(fixture_json("ollama_chat_stop.json"))
    return json_reply(fixture_json("ollama_chat.json"))


async def test_ollama(upstream: Upstream) -> None:
    upstream.handler = ollama_replay
    provider = OllamaProvider(ModelInfo(name="ollama/llama3.2", provider="ollama", context_window=8192,
                                        local=True, api_base=upstream.url))
    await run_all(provider, Expectations(text="Hello! How are you today?", stop_text="1 2 3 4 "))


async def gemini_replay(request: web.Request, body: Any) -> web.StreamResponse:
    assert request.path.startswith("/v1beta/models/gemini-2.5-flash:")
    assert body.get("systemInstruction", {"parts": [{"text": "You are a concise assistant."}]}) == {
        "parts": [{"text": "You are a concise assistant."}]}
    config = body.get("generationConfig") or {}
    if request.path.endswith(":streamGenerateContent"):
        return await stream_reply(request, fixture_text("gemini_stream.txt"))
    if config.get("maxOutputTokens") == 1:
        return json_reply(fixture_json("gemini_generate_length.json"))
    if config.get("stopSequences") == STOP:
        return json_reply(fixture_json("gemini_generate_stop.json"))
    return json_reply(fixture_json("gemini_generate.json"))


async def test_gemini_native(upstream: Upstream) -> None:
    from turnout.providers.gemini import GeminiProvider

    upstream.handler = gemini_replay
    provider = GeminiProvider(ModelInfo(name="gemini_native/gemini-2.5-flash", provider="gemini_native",
                                        context_window=1_048_576, api_base=upstream.url + "/v1beta", api_key="g"))
    await run_all(provider, Expectations(text="Paris is the capital of France.", stop_text="1 2 3 4 "))


async def test_azure_openai(upstream: Upstream) -> None:
    from turnout.providers.presets import AzureOpenAIProvider

    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        assert request.path == "/openai/deployments/prod/chat/completions" and request.query["api-version"]
        assert request.headers["api-key"] == "az"
        if body.get("stream"):
            return await stream_reply(request, fixture_text("openai_stream.txt"))
        if body.get("max_tokens") == 1:
            return json_reply(fixture_json("openai_chat_length.json"))
        if body.get("stop") == STOP:
            return json_reply(fixture_json("openai_chat_stop.json"))
        return json_reply(fixture_json("azure_chat.json"))

    upstream.handler = handler
    provider = AzureOpenAIProvider(ModelInfo(name="azure/prod", provider="azure", context_window=128_000,
                                             api_base=upstream.url, api_key="az"))
    await run_all(provider, Expectations(stop_text="1 2 3 4 ", deterministic=False))

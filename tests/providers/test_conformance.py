"""The conformance suite against every provider turnout ships: the scripted fake, and the HTTP
providers against a local server replaying their documented payloads (fixtures/). The replay
servers pick the payload from the request *as translated to the wire* (e.g. Anthropic's
``stop_sequences``, Ollama's ``options.num_predict``), so a broken translation fails here."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from turnout.catalog import ModelInfo
from turnout.providers.fake import FakeProvider
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

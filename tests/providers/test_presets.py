"""Gemini (OpenAI-compatible endpoint), Azure OpenAI and the OpenAI-compatible host presets,
against recorded payloads served from 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from turnout import errors
from turnout.catalog import Catalog, ModelInfo
from turnout.providers.hosts import PRESETS, preset_available
from turnout.providers.presets import AzureOpenAIProvider, PresetProvider
from turnout.providers.registry import provider_class, provider_for
from turnout.routing.router import availability
from turnout.types import ChatRequest

from .upstream import Upstream, fixture_json, fixture_text, json_reply, stream_reply

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(autouse=True)
def no_preset_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for preset in PRESETS.values():
        for var in (*preset.key_vars, preset.base_var):
            monkeypatch.setenv(var, "")
    for var in ("AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT", "AZURE_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_API_VERSION"):
        monkeypatch.setenv(var, "")


def replay(name: str) -> Any:
    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        if name.endswith(".txt"):
            return await stream_reply(request, fixture_text(name))
        return json_reply(fixture_json(name))
    return handler


def test_registry_maps_every_preset():
    assert provider_class("azure") is AzureOpenAIProvider
    for kind in PRESETS:
        assert provider_class(kind) is PresetProvider


async def test_gemini_through_its_openai_compatible_endpoint(upstream: Upstream, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "g-key")
    monkeypatch.setenv("GEMINI_API_BASE", upstream.url + "/v1beta/openai")
    info = Catalog().resolve("gemini-2.5-flash")
    assert availability(info) == (True, None)
    upstream.handler = replay("gemini_openai_chat.json")
    provider = provider_for(info)
    response = await provider.acomplete(ChatRequest("gemini-2.5-flash", MESSAGES, {"max_tokens": 64}))
    assert response["choices"][0]["message"]["content"] == "Paris is the capital of France."
    assert response["usage"]["prompt_tokens"] == 11
    sent = upstream.last
    assert sent.path == "/v1beta/openai/chat/completions"
    assert sent.headers["Authorization"] == "Bearer g-key"
    assert sent.body["model"] == "gemini-2.5-flash" and sent.body["max_tokens"] == 64


async def test_gemini_stream(upstream: Upstream, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "g-key")
    info = Catalog().resolve("gemini/gemini-2.5-pro").with_overrides(api_base=upstream.url + "/v1beta/openai")
    upstream.handler = replay("gemini_openai_stream.txt")
    chunks = [c async for c in provider_for(info).astream(ChatRequest(info.name, MESSAGES, {}, True))]
    text = "".join((c["choices"][0]["delta"].get("content") or "") for c in chunks if c.get("choices"))
    assert text == "Paris is the capital of France."
    assert chunks[-1]["usage"]["completion_tokens"] == 7
    assert upstream.last.body["model"] == "gemini-2.5-pro" and upstream.last.body["stream"] is True


async def test_gemini_without_a_key_is_unavailable_with_the_variable_named():
    assert availability(Catalog().resolve("gemini-2.5-pro")) == (False, "GEMINI_API_KEY is not set")
    with pytest.raises(errors.AuthenticationError, match="GEMINI_API_KEY"):
        await provider_for(Catalog().resolve("gemini-2.5-pro")).acomplete(ChatRequest("gemini-2.5-pro", MESSAGES, {}))


async def test_azure_deployment_url_version_and_key_header(upstream: Upstream):
    info = ModelInfo("azure/prod-gpt4o", "azure", 128_000, api_base=upstream.url, api_key="az-key",
                     extra={"api_version": "2024-10-21"})
    upstream.handler = replay("azure_chat.json")
    response = await provider_for(info).acomplete(ChatRequest(info.name, MESSAGES, {"max_tokens": 20}))
    assert response["choices"][0]["message"]["content"] == "Hello! How can I help you today?"
    sent = upstream.last
    assert sent.path == "/openai/deployments/prod-gpt4o/chat/completions"
    assert sent.headers["api-key"] == "az-key" and "Authorization" not in sent.headers


async def test_azure_api_version_query_and_env(upstream: Upstream, monkeypatch):
    seen: dict[str, str] = {}

    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        seen.update(request.query)
        return json_reply(fixture_json("azure_chat.json"))

    monkeypatch.setenv("AZURE_API_BASE", upstream.url)
    monkeypatch.setenv("AZURE_API_KEY", "env-key")
    monkeypatch.setenv("AZURE_API_VERSION", "2025-01-01-preview")
    upstream.handler = handler
    info = Catalog().resolve("azure/eu-deployment")
    assert availability(info) == (True, None)
    await provider_for(info).acomplete(ChatRequest(info.name, MESSAGES, {}))
    assert seen["api-version"] == "2025-01-01-preview"
    assert upstream.last.headers["api-key"] == "env-key"


async def test_azure_missing_deployment_is_a_404(upstream: Upstream):
    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        return json_reply(fixture_json("azure_error_deployment.json"), status=404)

    upstream.handler = handler
    info = ModelInfo("azure/nope", "azure", 128_000, api_base=upstream.url, api_key="k")
    with pytest.raises(errors.TurnoutError) as err:
        await provider_for(info).acomplete(ChatRequest(info.name, MESSAGES, {}))
    assert err.value.status_code == 404 and "deployment" in err.value.message.lower()


@pytest.mark.parametrize("kind", ["mistral", "groq", "together_ai", "openrouter"])
async def test_hosted_presets_use_their_key_variable(kind, upstream: Upstream, monkeypatch):
    preset = PRESETS[kind]
    assert preset_available(kind, None, None) == (False, f"{preset.key_vars[0]} is not set")
    monkeypatch.setenv(preset.key_vars[0], f"{kind}-key")
    monkeypatch.setenv(preset.base_var, upstream.url + "/v1")
    upstream.handler = replay("openai_chat.json")
    info = Catalog().resolve(f"{kind}/some-model")
    assert info.provider == kind and availability(info) == (True, None)
    await provider_for(info).acomplete(ChatRequest(info.name, MESSAGES, {}))
    assert upstream.last.headers["Authorization"] == f"Bearer {kind}-key"
    assert upstream.last.body["model"] == "some-model"


async def test_self_hosted_presets_need_no_key(upstream: Upstream, monkeypatch):
    assert preset_available("hosted_vllm", None, None)[0] is False  # no default endpoint
    monkeypatch.setenv("HOSTED_VLLM_API_BASE", upstream.url + "/v1")
    upstream.handler = replay("openai_chat.json")
    info = Catalog().resolve("hosted_vllm/Qwen/Qwen2.5-7B-Instruct")
    assert availability(info) == (True, None) and not info.local  # local only when marked so
    await provider_for(info).acomplete(ChatRequest(info.name, MESSAGES, {}))
    assert "Authorization" not in upstream.last.headers
    assert upstream.last.body["model"] == "Qwen/Qwen2.5-7B-Instruct"
    assert preset_available("lm_studio", None, None) == (True, None)

"""Upstream failures become the right turnout errors, for every HTTP provider: error statuses
with each provider's documented error bodies, refused connections, hangs, malformed bodies."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web

from turnout import errors
from turnout.catalog import ModelInfo
from turnout.providers.anthropic import AnthropicProvider
from turnout.providers.base import Provider
from turnout.providers.ollama import OllamaProvider
from turnout.providers.openai import OpenAIProvider
from turnout.types import ChatRequest

from .upstream import Upstream, fixture_json, fixture_text, json_reply, stream_reply

REQUEST = ChatRequest(model="m", messages=[{"role": "user", "content": "Hi"}], params={"max_tokens": 5})

# kind -> (provider at a base URL, its documented error bodies)
PROVIDERS: dict[str, tuple[Callable[[str], Provider], str]] = {
    "openai": (lambda url: OpenAIProvider(ModelInfo(name="openai/gpt-4o", provider="openai", context_window=128_000,
                                                    api_base=url + "/v1", api_key="sk-test")), "openai_errors.json"),
    "anthropic": (lambda url: AnthropicProvider(ModelInfo(name="claude-3-5-haiku-20241022", provider="anthropic",
                                                          context_window=200_000, api_base=url, api_key="sk-ant")),
                  "anthropic_errors.json"),
    "ollama": (lambda url: OllamaProvider(ModelInfo(name="ollama/llama3.2", provider="ollama", context_window=8192,
                                                    api_base=url, local=True)), "ollama_errors.json"),
}

CASES: list[tuple[str, type[errors.TurnoutError]]] = [
    ("400", errors.BadRequestError),
    ("400_context", errors.ContextWindowExceededError),
    ("401", errors.AuthenticationError),
    ("403", errors.PermissionDeniedError),
    ("404", errors.NotFoundError),
    ("413", errors.RequestTooLargeError),
    ("429", errors.RateLimitError),
    ("500", errors.ProviderUnavailableError),
    ("529", errors.ProviderUnavailableError),
]


def _params() -> list[Any]:
    params = []
    for kind in PROVIDERS:
        cases = CASES + ([("429_quota", errors.BudgetExceededError), ("503", errors.ProviderUnavailableError)]
                         if kind == "openai" else [])
        for key, error in cases:
            params.append(pytest.param(kind, key, error, id=f"{kind}-{key}"))
    return params


def _error_message(body: Any) -> str:
    err = body["error"]
    return str(err["message"] if isinstance(err, dict) else err)


@pytest.mark.parametrize(("kind", "key", "expected"), _params())
async def test_error_status(upstream: Upstream, kind: str, key: str, expected: type[errors.TurnoutError]) -> None:
    make, fixture = PROVIDERS[kind]
    body = fixture_json(fixture)[key]
    status = int(key.split("_")[0])

    async def handler(request: web.Request, _: Any) -> web.StreamResponse:
        headers = {"retry-after": "7"} if status == 429 else None
        return json_reply(body, status=status, headers=headers)

    upstream.handler = handler
    provider = make(upstream.url)
    for attempt in ("complete", "stream"):
        with pytest.raises(errors.TurnoutError) as info:
            if attempt == "complete":
                await provider.acomplete(REQUEST)
            else:
                async for _ in provider.astream(REQUEST):
                    pytest.fail("an error status must fail before the first chunk")
        exc = info.value
        assert type(exc) is expected, (attempt, exc)
        assert exc.message == _error_message(body)
        assert exc.raw == body  # what the upstream really said, kept
        assert (exc.provider, exc.model) == (kind, provider.name)
        if status == 429:
            assert exc.retry_after == 7.0  # type: ignore[attr-defined]
    assert len(upstream.requests) == 2


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # closed again: connecting is refused


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_connection_refused_is_unavailable(kind: str) -> None:
    provider = PROVIDERS[kind][0](f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(errors.ProviderUnavailableError, match="unreachable") as info:
        await provider.acomplete(REQUEST)
    assert info.value.retryable
    with pytest.raises(errors.ProviderUnavailableError):
        [c async for c in provider.astream(REQUEST)]


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_hanging_server_times_out(upstream: Upstream, kind: str) -> None:
    async def handler(request: web.Request, _: Any) -> web.StreamResponse:
        return await upstream.hang()

    upstream.handler = handler
    provider = PROVIDERS[kind][0](upstream.url)
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(errors.TimeoutError) as info:
        await provider.acomplete(REQUEST, timeout=0.2)
    assert loop.time() - start < 2.0 and info.value.retryable
    with pytest.raises(errors.TimeoutError):
        [c async for c in provider.astream(REQUEST, timeout=0.2)]


async def test_stream_that_stalls_after_the_first_chunk_times_out(upstream: Upstream) -> None:
    async def handler(request: web.Request, _: Any) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(fixture_text("openai_stream.txt").split("\n\n")[1].encode() + b"\n\n")
        await upstream.hang()
        return resp

    upstream.handler = handler
    seen = []
    with pytest.raises(errors.TimeoutError):
        async for chunk in PROVIDERS["openai"][0](upstream.url).astream(REQUEST, timeout=0.3):
            seen.append(chunk)
    assert [c.choices[0].delta.content for c in seen] == ["Hello"]


@pytest.mark.parametrize("kind", PROVIDERS)
@pytest.mark.parametrize("payload", [b"{not json", b"[1, 2]", b""])
async def test_malformed_body_is_a_provider_error(upstream: Upstream, kind: str, payload: bytes) -> None:
    async def handler(request: web.Request, _: Any) -> web.StreamResponse:
        return web.Response(body=payload, content_type="application/json")

    upstream.handler = handler
    with pytest.raises(errors.ProviderError) as info:
        await PROVIDERS[kind][0](upstream.url).acomplete(REQUEST)
    assert type(info.value) is errors.ProviderError


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_error_status_without_json_body(upstream: Upstream, kind: str) -> None:
    async def handler(request: web.Request, _: Any) -> web.StreamResponse:
        return web.Response(status=502, text="<html>Bad Gateway</html>", content_type="text/html")

    upstream.handler = handler
    with pytest.raises(errors.ProviderUnavailableError) as info:
        await PROVIDERS[kind][0](upstream.url).acomplete(REQUEST)
    assert info.value.raw == "<html>Bad Gateway</html>"


async def test_stream_in_tiny_writes_is_reassembled(upstream: Upstream) -> None:
    text = fixture_text("ollama_stream.txt")

    async def handler(request: web.Request, _: Any) -> web.StreamResponse:
        return await stream_reply(request, text, piece=5)

    upstream.handler = handler
    chunks = [c async for c in PROVIDERS["ollama"][0](upstream.url).astream(REQUEST)]
    assert "".join(c.choices[0].delta.get("content") or "" for c in chunks) == "Hello! How are you today?"

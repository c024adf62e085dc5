"""LiteLLMProvider without LiteLLM: the missing-dependency error, the response and exception
conversions, and the whole provider against a stand-in ``litellm`` module (used only when the
real one is absent, so it never shadows an installation)."""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import AsyncIterator
from typing import Any

import pytest

from turnout import errors
from turnout.catalog import ModelInfo
from turnout.providers.fake import FakeProvider
from turnout.providers.litellm import LiteLLMProvider, completion_from_litellm, error_from_litellm
from turnout.providers.registry import provider_class
from turnout.types import ChatCompletion, ChatRequest

from .conformance import Expectations, run_all

INFO = ModelInfo(name="litellm/anthropic/claude-3-haiku-20240307", provider="litellm", context_window=200_000)
MESSAGES = [{"role": "user", "content": "Hello"}]


class Dumped:
    """Stands in for LiteLLM's pydantic ModelResponse / ModelResponseStream."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def model_dump(self) -> dict[str, Any]:
        return dict(self.data)


def lite_error(name: str, status: int | None, retry_after: str | None = None) -> Exception:
    """An exception shaped like LiteLLM's (class name, status_code, message, httpx response)."""
    exc = type(name, (Exception,), {})(f"litellm.{name}: upstream said no")
    if status is not None:
        exc.status_code = status  # type: ignore[attr-defined]
    exc.message = f"litellm.{name}: upstream said no"  # type: ignore[attr-defined]
    if retry_after is not None:
        exc.response = types.SimpleNamespace(headers={"retry-after": retry_after})  # type: ignore[attr-defined]
    return exc


def test_registry() -> None:
    assert provider_class("litellm") is LiteLLMProvider


async def test_missing_litellm_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "litellm", None)  # makes `import litellm` fail
    provider = LiteLLMProvider(INFO)
    with pytest.raises(errors.ConfigError, match="pip install litellm"):
        await provider.acomplete(ChatRequest(model=INFO.name, messages=MESSAGES))
    with pytest.raises(errors.ConfigError, match="pip install litellm"):
        [c async for c in provider.astream(ChatRequest(model=INFO.name, messages=MESSAGES))]


def test_response_conversion() -> None:
    data = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "claude-3-haiku-20240307",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi there"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 8, "completion_tokens": 2, "total_tokens": 10}, "_hidden_params": {"x": 1}}
    completion = completion_from_litellm(Dumped(data), MESSAGES, INFO.name)
    assert isinstance(completion, ChatCompletion)
    assert completion == {k: v for k, v in data.items() if k != "_hidden_params"}
    no_usage = completion_from_litellm(Dumped({**data, "usage": None}), MESSAGES, INFO.name)
    assert no_usage.usage["estimated"] is True and no_usage.usage.completion_tokens == 2


@pytest.mark.parametrize(("name", "status", "expected"), [
    ("BadRequestError", 400, errors.BadRequestError),
    ("ContextWindowExceededError", 400, errors.ContextWindowExceededError),
    ("AuthenticationError", 401, errors.AuthenticationError),
    ("PermissionDeniedError", 403, errors.PermissionDeniedError),
    ("NotFoundError", 404, errors.NotFoundError),
    ("Timeout", 408, errors.TimeoutError),
    ("RateLimitError", 429, errors.RateLimitError),
    ("APIConnectionError", 500, errors.ProviderUnavailableError),
    ("ServiceUnavailableError", 503, errors.ProviderUnavailableError),
    ("APIError", None, errors.ProviderError),
])
def test_exception_conversion(name: str, status: int | None, expected: type[errors.TurnoutError]) -> None:
    exc = error_from_litellm(lite_error(name, status), INFO.name)
    assert type(exc) is expected
    assert "upstream said no" in exc.message and exc.provider == "litellm" and exc.model == INFO.name
    assert name in exc.raw


def test_retry_after_is_kept() -> None:
    exc = error_from_litellm(lite_error("RateLimitError", 429, retry_after="3"), INFO.name)
    assert isinstance(exc, errors.RateLimitError) and exc.retry_after == 3.0


class StandIn:
    """A ``litellm`` module whose acompletion answers through a FakeProvider."""

    def __init__(self, fail: Exception | None = None, usage_in_stream: bool = True) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = fail
        self.usage_in_stream = usage_in_stream
        self.fake = FakeProvider(ModelInfo(name="fake/litellm", provider="fake", context_window=8192))

    async def acompletion(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        if self.fail is not None:
            raise self.fail
        params = {k: v for k, v in kwargs.items() if k not in ("model", "messages", "stream", "stream_options", "timeout", "api_base", "api_key")}
        request = ChatRequest(model=kwargs["model"], messages=kwargs["messages"], params=params)
        if not kwargs.get("stream"):
            return Dumped(dict(await self.fake.acomplete(request)))
        return self._stream(request)

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Dumped]:
        async for chunk in self.fake.astream(request):
            data = dict(chunk)
            if not self.usage_in_stream:
                data.pop("usage", None)
            yield Dumped(data)


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> StandIn:
    if importlib.util.find_spec("litellm") is not None:
        pytest.skip("the real litellm is installed; the stand-in must not shadow it")
    module = StandIn()
    monkeypatch.setitem(sys.modules, "litellm", module)
    return module


async def test_call_through_litellm(stand_in: StandIn) -> None:
    info = ModelInfo(name=INFO.name, provider="litellm", context_window=1, api_base="http://proxy", api_key="k")
    provider = LiteLLMProvider(info)
    response = await provider.acomplete(ChatRequest(model=info.name, messages=MESSAGES,
                                                    params={"temperature": 0, "turnout": {}, "top_p": None}), timeout=5)
    assert response.choices[0].message.content == "fake:fake/litellm: Hello"
    assert stand_in.calls[-1] == {"model": "anthropic/claude-3-haiku-20240307", "messages": MESSAGES,
                                  "temperature": 0, "api_base": "http://proxy", "api_key": "k", "timeout": 5}
    chunks = [c async for c in provider.astream(ChatRequest(model=info.name, messages=MESSAGES))]
    assert stand_in.calls[-1]["stream"] is True
    assert stand_in.calls[-1]["stream_options"] == {"include_usage": True}
    assert chunks[-1].usage.completion_tokens == 2


async def test_stream_without_usage_gets_an_estimate(stand_in: StandIn) -> None:
    stand_in.usage_in_stream = False
    chunks = [c async for c in LiteLLMProvider(INFO).astream(ChatRequest(model=INFO.name, messages=MESSAGES))]
    assert chunks[-1].choices == [] and chunks[-1].usage["estimated"] is True


async def test_litellm_exceptions_are_mapped(stand_in: StandIn) -> None:
    stand_in.fail = lite_error("RateLimitError", 429, retry_after="2")
    provider = LiteLLMProvider(INFO)
    with pytest.raises(errors.RateLimitError) as info:
        await provider.acomplete(ChatRequest(model=INFO.name, messages=MESSAGES))
    assert info.value.retry_after == 2.0
    with pytest.raises(errors.RateLimitError):
        [c async for c in provider.astream(ChatRequest(model=INFO.name, messages=MESSAGES))]


async def test_conformance_through_the_stand_in(stand_in: StandIn) -> None:
    await run_all(LiteLLMProvider(INFO), Expectations(
        text="fake:fake/litellm: Say hello in five words.",
        stop_text="fake:fake/litellm: Repeat exactly: 1 2 3 4 ",
    ))

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from turnout import errors
from turnout.catalog import ModelInfo
from turnout.providers.fake import FakeProvider
from turnout.providers.registry import provider_class
from turnout.types import ChatCompletionChunk, ChatRequest


def fake(name: str = "fake/a", **extra: Any) -> FakeProvider:
    return FakeProvider(ModelInfo(name=name, provider="fake", context_window=8192, extra=extra))


def request(text: str = "hello there", **params: Any) -> ChatRequest:
    return ChatRequest(model="x", messages=[{"role": "user", "content": text}], params=params)


async def collect(provider: FakeProvider, req: ChatRequest) -> list[ChatCompletionChunk]:
    return [chunk async for chunk in provider.astream(req)]


def test_registry_knows_the_fake() -> None:
    assert provider_class("fake") is FakeProvider


async def test_default_reply_echoes_the_last_user_message() -> None:
    req = ChatRequest(model="x", messages=[
        {"role": "user", "content": "first"}, {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [{"type": "text", "text": "second"}]},
    ])
    response = await fake().acomplete(req)
    assert response.choices[0].message.content == "fake:fake/a: second"
    assert response.choices[0].finish_reason == "stop"
    assert response.usage.completion_tokens == 2  # fake tokens are words
    assert response.usage.prompt_tokens == fake().count_tokens(req.messages)


async def test_reply_and_usage_overrides() -> None:
    provider = fake(reply="Paris is the capital.", prompt_tokens=100, completion_tokens=7)
    response = await provider.acomplete(request())
    assert response.choices[0].message.content == "Paris is the capital."
    assert response.usage == {"prompt_tokens": 100, "completion_tokens": 7, "total_tokens": 107}
    chunks = await collect(provider, request())
    assert "".join(c.choices[0].delta.get("content") or "" for c in chunks) == "Paris is the capital."
    assert chunks[-1].usage == response.usage
    assert chunks[-1].choices[0].finish_reason == "stop"


async def test_stop_and_max_tokens() -> None:
    provider = fake(reply="one two three four")
    stopped = await provider.acomplete(request(stop=[" three"]))
    assert (stopped.choices[0].message.content, stopped.choices[0].finish_reason) == ("one two", "stop")
    cut = await provider.acomplete(request(max_tokens=2))
    assert (cut.choices[0].message.content, cut.choices[0].finish_reason) == ("one two", "length")
    assert cut.usage.completion_tokens == 2
    chunks = await collect(provider, request(max_completion_tokens=1))
    assert [c.choices[0].delta.get("content") for c in chunks] == ["one", None]
    assert chunks[-1].choices[0].finish_reason == "length"


async def test_script_is_consumed_per_call_then_default_applies() -> None:
    provider = fake(script=["error:500", "ok", "timeout"], default="error:429")
    outcomes = []
    for _ in range(5):
        try:
            await provider.acomplete(request())
            outcomes.append("ok")
        except errors.TurnoutError as exc:
            outcomes.append(type(exc).__name__)
    assert outcomes == ["ProviderUnavailableError", "ok", "TimeoutError", "RateLimitError", "RateLimitError"]


async def test_script_state_is_per_model_name_and_shared_by_instances() -> None:
    a1, a2, b = fake("fake/a", script=["unavailable"]), fake("fake/a", script=["unavailable"]), fake("fake/b", script=["unavailable"])
    with pytest.raises(errors.ProviderUnavailableError):
        await a1.acomplete(request())
    await a2.acomplete(request())  # fake/a's script is spent, whichever instance calls
    with pytest.raises(errors.ProviderUnavailableError):
        await b.acomplete(request())


@pytest.mark.parametrize(
    ("outcome", "error", "retry_after"),
    [
        ("error:400", errors.BadRequestError, None),
        ("error:401", errors.AuthenticationError, None),
        ("error:404", errors.NotFoundError, None),
        ("error:500", errors.ProviderUnavailableError, None),
        ("error:529", errors.ProviderUnavailableError, None),
        ("ratelimit:2.5", errors.RateLimitError, 2.5),
        ("timeout", errors.TimeoutError, None),
        ("unavailable", errors.ProviderUnavailableError, None),
        ("context", errors.ContextWindowExceededError, None),
        ("die_before_first", errors.ProviderUnavailableError, None),
    ],
)
async def test_outcomes_raise_the_mapped_errors(outcome: str, error: type[Exception], retry_after: float | None) -> None:
    provider = fake(script=[outcome, outcome])
    with pytest.raises(error) as info:
        await provider.acomplete(request())
    assert type(info.value) is error
    assert info.value.provider == "fake" and info.value.model == "fake/a"  # type: ignore[attr-defined]
    if retry_after is not None:
        assert info.value.retry_after == retry_after  # type: ignore[attr-defined]
    with pytest.raises(error):  # the stream fails the same way, before any chunk
        await collect(provider, request())


async def test_die_before_first_yields_nothing() -> None:
    seen: list[ChatCompletionChunk] = []
    with pytest.raises(errors.ProviderUnavailableError):
        async for chunk in fake(script=["die_before_first"]).astream(request()):
            seen.append(chunk)
    assert seen == []


async def test_die_after_first_yields_one_content_chunk() -> None:
    provider = fake(script=["die_after_first", "die_after_first"])
    seen: list[ChatCompletionChunk] = []
    with pytest.raises(errors.ProviderUnavailableError):
        async for chunk in provider.astream(request()):
            seen.append(chunk)
    assert len(seen) == 1 and seen[0].choices[0].delta.content == "fake:fake/a:"
    response = await provider.acomplete(request())  # a plain call is unaffected
    assert response.choices[0].message.content == "fake:fake/a: hello there"


async def test_latency_and_timeout() -> None:
    provider = fake(latency_ms=60)
    start = time.perf_counter()
    await provider.acomplete(request())
    assert time.perf_counter() - start >= 0.055
    start = time.perf_counter()
    stream = provider.astream(request())
    first = await anext(stream)
    assert first.choices[0].delta.role == "assistant"
    assert time.perf_counter() - start >= 0.055
    await stream.aclose()  # type: ignore[attr-defined]
    with pytest.raises(errors.TimeoutError):
        await provider.acomplete(request(), timeout=0.01)


async def test_logprobs_when_asked_and_configured() -> None:
    provider = fake(reply="a b", logprob=-0.25)
    assert provider.capabilities.logprobs
    assert not fake().capabilities.logprobs
    response = await provider.acomplete(request(logprobs=True))
    assert response.choices[0].logprobs == {"content": [
        {"token": "a", "logprob": -0.25, "bytes": [97], "top_logprobs": []},
        {"token": " b", "logprob": -0.25, "bytes": [32, 98], "top_logprobs": []},
    ]}
    assert (await provider.acomplete(request())).choices[0].logprobs is None
    chunks = await collect(provider, request(logprobs=True))
    assert [c.choices[0].logprobs["content"][0]["logprob"] for c in chunks[:-1]] == [-0.25, -0.25]


async def test_every_attempt_is_logged_at_entry_and_reset_clears_everything() -> None:
    provider = fake(script=["error:503"], latency_ms=10)
    req = request("secret")
    with pytest.raises(errors.ProviderUnavailableError):
        await provider.acomplete(req)
    provider.astream(req)  # asking for a stream is an attempt, even before iterating
    assert [(name, r.messages) for name, r in FakeProvider.calls] == [("fake/a", req.messages)] * 2
    assert FakeProvider.calls_to("fake/a")[0] == req
    FakeProvider.reset()
    assert FakeProvider.calls == []
    with pytest.raises(errors.ProviderUnavailableError):  # the script restarts
        await provider.acomplete(req)


def test_script_is_thread_safe() -> None:
    provider = fake(script=["error:500"] * 100)

    def worker(_: int) -> int:
        async def calls() -> int:
            failures = 0
            for _ in range(25):
                try:
                    await provider.acomplete(request())
                except errors.ProviderUnavailableError:
                    failures += 1
            return failures
        return asyncio.run(calls())

    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(worker, range(8))) == 100
    assert len(FakeProvider.calls) == 200


def test_unknown_outcome_is_a_config_error() -> None:
    with pytest.raises(errors.ConfigError, match="unknown outcome 'explode'"):
        fake(script=["ok", "explode"])
    with pytest.raises(errors.ConfigError):
        fake(default="ratelimit:soon")

"""X-Turnout-Dropped-Params for the fake provider (red9d): a parameter is named dropped exactly
when changing its value does not change the fake's answer or stream (as
test_dropped_params_translated does with the bodies the Gemini and Ollama translations send)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.providers.test_red9_anthropic_parts import SAMPLES
from turnout.catalog import ModelInfo
from turnout.providers.fake import FakeProvider
from turnout.types import ChatRequest

# long enough for both max_tokens samples to cut it, holding both stop samples
REPLY = " ".join(f"w{i}" for i in range(12)) + " A " + " ".join(f"v{i}" for i in range(12)) + " B end"


def fake(**extra: Any) -> FakeProvider:
    FakeProvider.reset()
    return FakeProvider(ModelInfo(name="fake/p", provider="fake", context_window=8192,
                                  extra={"reply": REPLY, **extra}))


def _request(name: str, value: Any, stream: bool = False) -> ChatRequest:
    return ChatRequest("m", [{"role": "user", "content": "hi"}], {name: value}, stream)


def _answer(completion: Any) -> Any:
    data = dict(completion)
    data.pop("id", None)
    data.pop("created", None)
    return data


async def _stream(provider: FakeProvider, request: ChatRequest) -> list[Any]:
    return [(c["choices"], c.get("usage")) async for c in provider.astream(request)]


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("logprob", [None, -0.25])
async def test_a_parameter_the_fake_ignores_is_named_dropped(name: str, logprob: float | None) -> None:
    provider = fake(logprob=logprob)
    a, b = SAMPLES[name]
    honoured = (_answer(await provider.acomplete(_request(name, a))) != _answer(await provider.acomplete(_request(name, b)))
                or await _stream(provider, _request(name, a, True)) != await _stream(provider, _request(name, b, True)))
    assert (name in provider.dropped_params(_request(name, a))) is not honoured


def test_stream_options_is_never_named_dropped() -> None:
    # usage comes with every stream whatever stream_options says: nothing to carry
    assert fake().dropped_params(_request("stream_options", {"include_usage": True})) == []

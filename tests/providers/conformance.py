"""The provider conformance suite: what every provider must do, whatever its wire format.

Each check is an async function taking a provider instance and the backend's
``Expectations``; ``run_all`` runs them in order. Use it from a test module of any provider:

    from .conformance import Expectations, run_all

    async def test_conformance(provider):
        await run_all(provider, Expectations(deterministic=True))

Replayed and scripted backends know their exact answers and say so (``text``, ``stop_text``);
real models only promise the shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from turnout.providers.base import Provider
from turnout.types import ChatCompletion, ChatCompletionChunk, ChatRequest

MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "You are a concise assistant."},
    {"role": "user", "content": "Say hello in five words."},
]
# A real model echoes the digits and must stop before "5"; a fixture server answers "1 2 3 4 ".
STOP_MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "Repeat exactly: 1 2 3 4 5 6 7 8 9 10"}]
STOP = ["5"]
LONG_MESSAGES: list[dict[str, Any]] = [
    {"role": "user", "content": "Write a long story about a lighthouse keeper."}
]


@dataclass(frozen=True)
class Expectations:
    text: str | None = None  # the exact reply to MESSAGES, when the backend is scripted
    stop_text: str | None = None  # the exact reply to STOP_MESSAGES with stop=STOP
    deterministic: bool = True  # the streamed text equals the non-streamed text
    honours_stop: bool = True
    honours_max_tokens: bool = True  # max_tokens=1 ends with finish_reason "length"
    exact_usage: bool = True  # usage comes from the backend (not estimated by turnout)
    params: dict[str, Any] = field(default_factory=lambda: {"temperature": 0, "max_tokens": 48})


def _request(provider: Provider, messages: list[dict[str, Any]], params: dict[str, Any],
             *, stream: bool = False) -> ChatRequest:
    return ChatRequest(model=provider.name, messages=messages, params=dict(params), stream=stream)


def _check_usage(usage: Any, expect: Expectations) -> None:
    assert isinstance(usage, dict), f"usage missing: {usage!r}"
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        assert isinstance(usage[key], int) and not isinstance(usage[key], bool), (key, usage)
        assert usage[key] >= 0, (key, usage)
    assert usage["prompt_tokens"] > 0, usage
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"], usage
    if expect.exact_usage:
        assert not usage.get("estimated"), f"usage was estimated, expected the backend's: {usage}"


async def check_complete(provider: Provider, expect: Expectations) -> ChatCompletion:
    """A non-streaming completion has OpenAI's shape, a text answer and integer usage."""
    response = await provider.acomplete(_request(provider, MESSAGES, expect.params))
    assert isinstance(response, ChatCompletion), type(response)
    assert isinstance(response["id"], str) and response["id"], response
    assert response["object"] == "chat.completion", response
    assert isinstance(response["created"], int), response
    assert isinstance(response["model"], str), response
    choice = response["choices"][0]
    assert choice["message"]["role"] == "assistant", choice
    content = response.choices[0].message.content  # attribute access, as with the OpenAI SDK
    assert isinstance(content, str) and content.strip(), choice
    assert choice["finish_reason"] in ("stop", "length"), choice
    if expect.text is not None:
        assert content == expect.text
    _check_usage(response["usage"], expect)
    return response


async def check_stream(provider: Provider, expect: Expectations, reference: str | None = None) -> str:
    """Chunks are ``chat.completion.chunk``s of one id; one finish_reason; the last has usage;
    the deltas add up to the non-streamed answer."""
    chunks: list[ChatCompletionChunk] = [
        chunk async for chunk in provider.astream(_request(provider, MESSAGES, expect.params, stream=True))
    ]
    assert chunks, "the stream yielded nothing"
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert all(c["object"] == "chat.completion.chunk" for c in chunks), chunks
    assert len({c["id"] for c in chunks}) == 1, "chunks of one stream must share an id"
    text = "".join(
        choice["delta"].get("content") or "" for c in chunks for choice in c["choices"]
    )
    finishes = [choice["finish_reason"] for c in chunks for choice in c["choices"] if choice.get("finish_reason")]
    assert len(finishes) == 1 and finishes[0] in ("stop", "length"), finishes
    roles = [choice["delta"]["role"] for c in chunks for choice in c["choices"] if choice["delta"].get("role")]
    assert roles[:1] == ["assistant"], roles
    assert text.strip(), "the stream carried no text"
    _check_usage(chunks[-1].get("usage"), expect)
    if expect.text is not None:
        assert text == expect.text
    if expect.deterministic and reference is not None:
        assert text == reference, (text, reference)
    return text


async def check_count_tokens(provider: Provider, expect: Expectations) -> None:
    assert provider.count_tokens(MESSAGES) > 0
    assert provider.count_tokens(LONG_MESSAGES) > provider.count_tokens([{"role": "user", "content": "Hi"}])


async def check_stop(provider: Provider, expect: Expectations) -> None:
    """``stop`` ends the answer before the stop string, with finish_reason "stop"."""
    if not expect.honours_stop:
        return
    response = await provider.acomplete(_request(provider, STOP_MESSAGES, {**expect.params, "stop": STOP}))
    content = response.choices[0].message.content
    assert isinstance(content, str)
    assert "5" not in content, content
    assert response.choices[0].finish_reason == "stop", response
    if expect.stop_text is not None:
        assert content == expect.stop_text


async def check_max_tokens(provider: Provider, expect: Expectations) -> None:
    """``max_tokens=1`` cuts the answer to one token, with finish_reason "length"."""
    if not expect.honours_max_tokens:
        return
    response = await provider.acomplete(_request(provider, LONG_MESSAGES, {**expect.params, "max_tokens": 1}))
    assert response.choices[0].finish_reason == "length", response
    usage = response["usage"]
    if not usage.get("estimated"):
        assert usage["completion_tokens"] <= 1, usage


async def run_all(provider: Provider, expect: Expectations) -> None:
    response = await check_complete(provider, expect)
    await check_stream(provider, expect, reference=response.choices[0].message.content)
    await check_count_tokens(provider, expect)
    await check_stop(provider, expect)
    await check_max_tokens(provider, expect)

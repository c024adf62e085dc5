"""The OpenAI provider's streamed chunks, with the per-chunk checks and usage tracking inlined
in ``astream`` (issue 17): byte for byte what the former loop (``_chunk`` per event, then
``with_final_usage``) sent, over random chunk shapes, and the same errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turnout.catalog import ModelInfo
from turnout.errors import TurnoutError
from turnout.providers import openai as openai_mod
from turnout.providers import transport
from turnout.types import ChatRequest

MESSAGES = [{"role": "user", "content": "count to three"}]
text = st.text(max_size=12) | st.text(alphabet="ab ,{}", min_size=1, max_size=12)
scalar = st.none() | st.booleans() | st.integers(-5, 5) | text
function = st.fixed_dictionaries({"name": text | st.none()}, optional={"arguments": text | st.none()})
tool_call = st.fixed_dictionaries({"index": st.integers(0, 2), "function": function | st.none()},
                                  optional={"id": text, "type": st.just("function")})
delta = st.fixed_dictionaries({}, optional={
    "role": st.just("assistant"), "content": text | st.none() | st.integers(0, 3),
    "tool_calls": st.lists(tool_call, max_size=2) | st.none(), "refusal": text | st.none()})
choice = st.fixed_dictionaries({"index": st.integers(0, 2), "delta": delta | st.none()},
                               optional={"finish_reason": st.sampled_from([None, "stop", "length"]),
                                         "logprobs": st.none()})
usage = st.fixed_dictionaries({"prompt_tokens": st.integers(0, 99), "completion_tokens": st.integers(0, 99),
                               "total_tokens": st.integers(0, 199)})
chunk = st.fixed_dictionaries({"id": text, "object": st.just("chat.completion.chunk"),
                               "created": st.integers(0, 2**31), "model": text,
                               "choices": st.lists(choice, max_size=3) | st.none()},
                              optional={"usage": usage | st.none() | st.just({}),
                                        "system_fingerprint": scalar, "x_extra": scalar})
# how a stream ends: nothing more, [DONE] (then anything), a non-JSON event, an error event
ending = st.sampled_from([[], ["[DONE]"], ["[DONE]", "[DONE]"], ["not json"], [7]]) | st.builds(
    lambda c, e: [{**c, "error": e}], chunk, st.fixed_dictionaries({"message": text}))
stream = st.builds(lambda body, end, more: body + end + more,
                   st.lists(chunk, max_size=8), ending, st.lists(chunk, max_size=2))


def provider() -> openai_mod.OpenAIProvider:
    return openai_mod.OpenAIProvider(ModelInfo(name="openai/gpt-4o", provider="openai", context_window=128_000,
                                               api_base="http://127.0.0.1:9/v1", api_key="sk-test"))


async def former(p: openai_mod.OpenAIProvider, events: list[Any]) -> AsyncIterator[Any]:
    """The loop as it was before the inlining: one ``_chunk`` call and one ``see`` a chunk."""
    async def chunks() -> AsyncIterator[Any]:
        for data in events:
            if data == "[DONE]":
                break
            yield p._chunk(data)

    async for c in openai_mod.with_final_usage(chunks(), MESSAGES, p.name):
        yield c


async def sent(stream: AsyncIterator[Any]) -> tuple[list[bytes], str | None]:
    """Each chunk's bytes as a door serialises them, and the error that ended the stream."""
    out: list[bytes] = []
    try:
        async for c in stream:
            out.append(orjson.dumps(c))
    except TurnoutError as exc:
        return out, f"{type(exc).__name__}: {exc.message}"
    return out, None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream, st.booleans())
def test_inlined_stream_sends_the_same_bytes(events: list[Any], with_usage: bool) -> None:
    if not with_usage:  # half the streams carry no usage: the closing chunk's estimate counts the text
        events = [{k: v for k, v in e.items() if k != "usage"} if isinstance(e, dict) else e for e in events]
    async def fake_sse(*_a: Any, **_k: Any) -> AsyncIterator[tuple[str | None, Any]]:
        for data in events:
            yield None, data

    p = provider()
    request = ChatRequest("gpt-4o", MESSAGES, {}, True)

    async def both() -> tuple[Any, Any]:
        return await sent(p.astream(request)), await sent(former(p, events))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(transport, "stream_sse", fake_sse)
        mp.setattr(openai_mod, "new_completion_id", lambda: "chatcmpl-fixed")
        mp.setattr(openai_mod.time, "time", lambda: 1_700_000_000.0)
        now, before = asyncio.run(both())
    assert now == before

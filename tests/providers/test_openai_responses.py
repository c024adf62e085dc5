"""The Responses API's answers and events as the gateway accounts them (no I/O)."""

from __future__ import annotations

import copy
import itertools

import orjson
import pytest

from providers.upstream import fixture_json, fixture_text
from turnout.cache import completion_from_chunks
from turnout.errors import ProviderError, RateLimitError, TurnoutError
from turnout.providers.openai_responses import (
    EVENT_KEY,
    EventTranslator,
    native_of,
    request_body,
    to_completion,
)


def _events(name):
    lines = fixture_text(name).splitlines()
    return [(line[7:], orjson.loads(nxt[6:])) for line, nxt in itertools.pairwise(lines)
            if line.startswith("event: ")]


def test_answer_becomes_a_completion_holding_the_original():
    raw = fixture_json("openai_responses_reasoning.json")
    completion = to_completion(raw, "o4-mini")
    message = completion["choices"][0]["message"]
    assert message["content"] == "27 × 453 = 12,231" and "total 12231." in message["reasoning_content"]
    assert completion["usage"]["prompt_tokens"] == 13 and completion["usage"]["completion_tokens"] == 212
    assert completion["usage"]["completion_tokens_details"]["reasoning_tokens"] == 192
    assert native_of(completion) is raw
    assert native_of(dict(completion)) is None  # a copy (what the cache keeps) is a plain answer
    assert "native" not in completion  # not a key: never serialised, never cached


def test_function_call_and_incomplete_answers():
    call = to_completion(fixture_json("openai_responses_function_call.json"), "m")
    choice = call["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    assert choice["message"]["tool_calls"][0]["function"] == {"name": "get_weather",
                                                              "arguments": '{"location":"Boston, MA"}'}
    cut = copy.deepcopy(fixture_json("openai_responses_reasoning.json"))
    cut.update(status="incomplete", incomplete_details={"reason": "max_output_tokens"})
    assert to_completion(cut, "m")["choices"][0]["finish_reason"] == "length"


def test_failed_answers_raise_in_the_callers_terms():
    with pytest.raises(RateLimitError):
        to_completion({"status": "failed", "output": [],
                       "error": {"code": "rate_limit_exceeded", "message": "slow down"}}, "m")
    with pytest.raises(ProviderError):
        to_completion({"object": "response"}, "m")


def test_stream_events_become_one_chunk_each_with_the_event_kept():
    state = EventTranslator("o4-mini", "o4-mini")
    events = _events("openai_responses_stream_reasoning.txt")
    chunks = [state.feed(kind, data) for kind, data in events]
    assert state.finished and all(c is not None and c[EVENT_KEY] is data for c, (_, data) in zip(chunks, events, strict=True))
    answer = completion_from_chunks(c for c in chunks if c is not None)
    assert answer["choices"][0]["message"]["content"] == "27 × 453 = 12,231"
    assert answer["usage"]["completion_tokens"] == 212
    reasoning = "".join(c["choices"][0]["delta"].get("reasoning_content", "") for c in chunks if c)
    assert reasoning.endswith("total 12231.")


def test_streamed_function_call_arguments_and_errors():
    state = EventTranslator("m", "m")
    added = state.feed(None, {"type": "response.output_item.added", "output_index": 0,
                              "item": {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": ""}})
    more = state.feed(None, {"type": "response.function_call_arguments.delta", "output_index": 0, "delta": "{}"})
    assert added and added["choices"][0]["delta"]["tool_calls"][0]["id"] == "call_1"
    assert more and more["choices"][0]["delta"]["tool_calls"] == [{"index": 0, "function": {"arguments": "{}"}}]
    with pytest.raises(TurnoutError):
        state.feed("error", {"type": "error", "code": "server_error", "message": "boom"})
    with pytest.raises(TurnoutError):
        state.feed(None, {"type": "response.failed", "response": {"status": "failed",
                                                                  "error": {"code": "server_error", "message": "x"}}})
    with pytest.raises(ProviderError):
        state.feed(None, "not json")


def test_request_body_changes_only_the_model_and_stream():
    caller = {"model": "auto", "input": [{"type": "reasoning", "id": "rs_1", "encrypted_content": "e", "summary": []}],
              "store": False, "include": ["reasoning.encrypted_content"], "stream": True}
    assert request_body(caller, "o4-mini", stream=False) == {**{k: v for k, v in caller.items() if k != "stream"},
                                                             "model": "o4-mini"}
    assert request_body(caller, "o4-mini", stream=True) == {**caller, "model": "o4-mini"}
    assert caller["model"] == "auto"  # the caller's body is not modified

"""The Messages translation, pure: Anthropic -> neutral -> Anthropic keeps what the table in
docs/front-doors.md says it keeps (property over random conversations), and an Anthropic event
stream survives provider translation + door translation intact."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.catalog import Catalog
from turnout.errors import BadRequestError, RateLimitError
from turnout.providers.anthropic import StreamTranslator, from_anthropic, to_anthropic
from turnout.providers.native import native_body
from turnout.providers.portable import for_provider
from turnout.server.doors import anthropic_wire as wire

from .conftest import fixture_json, fixture_text

INFO = Catalog().resolve("claude-sonnet-4-5")
text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30)
cache = st.sampled_from([None, {"type": "ephemeral"}])


@st.composite
def text_block(draw):
    block = {"type": "text", "text": draw(text)}
    mark = draw(cache)
    if mark:
        block["cache_control"] = mark
    return block


@st.composite
def conversation(draw):
    """Alternating turns; assistant turns may call tools, the next user turn answers them."""
    messages = []
    pending: list[str] = []
    for turn in range(draw(st.integers(1, 6))):
        if turn % 2 == 0:
            blocks = [{"type": "tool_result", "tool_use_id": i, "content": draw(text)} for i in pending]
            blocks += draw(st.lists(text_block(), min_size=0 if pending else 1, max_size=3))
            pending = []
            messages.append({"role": "user", "content": blocks})
        else:
            blocks = draw(st.lists(text_block(), min_size=0, max_size=2))
            calls = draw(st.integers(0 if blocks else 1, 2))
            for c in range(calls):
                tool_id = f"toolu_{turn}_{c}"
                pending.append(tool_id)
                blocks.append({"type": "tool_use", "id": tool_id, "name": "f",
                               "input": draw(st.dictionaries(st.sampled_from("abc"), st.integers(), max_size=2))})
            messages.append({"role": "assistant", "content": blocks})
    return messages


def _normal(messages):
    """Anthropic's equivalences: adjacent text blocks without cache marks read as one string."""
    out = []
    for m in messages:
        blocks = []
        for b in m["content"]:
            if b["type"] == "text" and "cache_control" not in b and blocks and blocks[-1]["type"] == "text" \
                    and "cache_control" not in blocks[-1] and m["role"] == "assistant":
                blocks[-1] = {**blocks[-1], "text": blocks[-1]["text"] + b["text"]}
            else:
                blocks.append(b)
        out.append({"role": m["role"], "content": blocks})
    return out


@settings(max_examples=150, deadline=None)
@given(conversation(), st.lists(text_block(), max_size=2))
def test_round_trip_through_the_neutral_request(messages, system):
    body = {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": messages, "system": system}
    request = wire.to_request(body, {})
    assert native_body(request, "anthropic.messages") == body  # the native path has it as sent
    # The translated path (as after a rewrite) gives back the same conversation.
    request.raw_body = None
    back = to_anthropic(request, INFO)
    assert _normal(back["messages"]) == _normal(messages)
    if system:
        sys_back = back["system"]
        if isinstance(sys_back, str):
            assert sys_back == "\n\n".join(b["text"] for b in system)
        else:
            assert sys_back == system


def test_request_fields_map_to_neutral_params():
    body = {"model": "m", "max_tokens": 10, "temperature": 0.5, "top_p": 0.9, "top_k": 3, "stop_sequences": ["X"],
            "metadata": {"user_id": "u"}, "thinking": {"type": "enabled", "budget_tokens": 64},
            "tools": [{"name": "t", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral"}},
                      {"type": "web_search_20250305", "name": "web_search"}],
            "tool_choice": {"type": "tool", "name": "t"}, "service_tier": "auto",
            "messages": [{"role": "user", "content": [
                {"type": "image", "source": {"type": "url", "url": "https://x/y.png"}},
                {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"}},
                {"type": "text", "text": "hi"}]}]}
    r = wire.to_request(body, {"anthropic-beta": "prompt-caching-2024-07-31"})
    assert r.params == {"max_tokens": 10, "temperature": 0.5, "top_p": 0.9, "top_k": 3, "stop": ["X"], "user": "u",
                        "thinking": {"type": "enabled", "budget_tokens": 64},
                        "tools": [{"type": "function", "function": {"name": "t", "parameters": {"type": "object"}},
                                   "cache_control": {"type": "ephemeral"}},
                                  {"type": "web_search_20250305", "name": "web_search"}],
                        "tool_choice": {"type": "function", "function": {"name": "t"}}, "service_tier": "auto"}
    assert r.messages[0]["content"] == [
        {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBE"}},
        {"type": "text", "text": "hi"}]
    portable = for_provider(r, "openai")
    assert set(portable.params) == {"max_tokens", "temperature", "top_p", "stop", "user", "tools", "tool_choice"}
    assert [t["type"] for t in portable.params["tools"]] == ["function"]
    assert for_provider(r, "anthropic") is r


@pytest.mark.parametrize("body", [
    {"max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
    {"model": "m", "messages": [{"role": "user", "content": "x"}]},
    {"model": "m", "max_tokens": 0, "messages": [{"role": "user", "content": "x"}]},
    {"model": "m", "max_tokens": 5, "messages": []},
    {"model": "m", "max_tokens": 5, "messages": [{"role": "system", "content": "x"}]},
    {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": 3}]},
    {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "tool_result"}]}]},
    {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]},
    {"model": "m", "max_tokens": 5, "system": 5, "messages": [{"role": "user", "content": "x"}]},
    {"model": "m", "max_tokens": 5, "tools": [{"name": "t"}], "messages": [{"role": "user", "content": "x"}]},
    {"model": "m", "max_tokens": 5, "tool_choice": {"type": "x"}, "tools": [], "messages": [{"role": "user", "content": "x"}]},
    {"model": "m", "max_tokens": 5, "stream": "yes", "messages": [{"role": "user", "content": "x"}]},
])
def test_bad_bodies_are_400s(body):
    with pytest.raises(BadRequestError):
        wire.to_request(body, {})


def test_error_body_shape():
    assert orjson.loads(wire.error_body(RateLimitError("slow down"))) == {
        "type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}


def _replay(events: bytes) -> dict:
    """Rebuild a message from Anthropic events, as the SDK's accumulator does."""
    message: dict = {}
    blocks: list[dict] = []
    partial: dict[int, str] = {}
    for raw in events.decode().strip().split("\n\n"):
        kind_line, data_line = raw.split("\n")
        kind, data = kind_line.removeprefix("event: "), json.loads(data_line.removeprefix("data: "))
        assert data["type"] == kind
        if kind == "message_start":
            message = data["message"]
        elif kind == "content_block_start":
            assert data["index"] == len(blocks)
            blocks.append(dict(data["content_block"]))
        elif kind == "content_block_delta":
            block, delta = blocks[data["index"]], data["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] = delta["signature"]
            elif delta["type"] == "input_json_delta":
                partial[data["index"]] = partial.get(data["index"], "") + delta["partial_json"]
        elif kind == "message_delta":
            message.update(data["delta"])
            message["usage"] = data["usage"]
    for index, text_json in partial.items():
        blocks[index]["input"] = json.loads(text_json)
    message["content"] = blocks
    return message


def _through_the_gateway(fixture: str) -> dict:
    translator = StreamTranslator("claude", "claude")
    writer = wire.MessageStreamWriter("claude", 0)
    out = writer.start()
    for raw in fixture_text(fixture).strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in raw.split("\n"))
        for chunk in translator.feed(lines["event"], json.loads(lines["data"])):
            out += writer.feed(chunk)
    return _replay(out + writer.end())


def test_stream_round_trip_with_thinking():
    message = _through_the_gateway("anthropic_stream_thinking.txt")
    expected = fixture_json("anthropic_message_thinking.json")
    assert [b["type"] for b in message["content"]] == ["thinking", "text"]
    assert message["content"][0]["signature"] == expected["content"][0]["signature"]
    assert message["content"][1]["text"] == expected["content"][1]["text"]
    assert message["stop_reason"] == "end_turn"
    assert message["usage"]["cache_read_input_tokens"] == 2048 and message["usage"]["input_tokens"] == 12


def test_stream_round_trip_with_tool_use():
    message = _through_the_gateway("anthropic_stream_tool_use.txt")
    assert [b["type"] for b in message["content"]] == ["text", "tool_use"]
    assert message["content"][1]["name"] == "get_weather"
    assert message["content"][1]["input"]["location"].startswith("San Francisco")
    assert message["stop_reason"] == "tool_use"


def test_plain_round_trip_keeps_thinking_and_cache_usage():
    body = fixture_json("anthropic_message_thinking.json")
    message = wire.to_message(from_anthropic(body, "claude"))
    assert message["content"] == body["content"]
    assert message["usage"] == body["usage"] and message["stop_reason"] == "end_turn"


def test_a_conversation_with_nothing_in_it_is_a_400():
    with pytest.raises(BadRequestError):
        wire.to_request({"model": "m", "max_tokens": 5, "system": "s", "messages": [{"role": "user", "content": []}]}, {})

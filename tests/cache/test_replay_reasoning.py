"""Reasoning and thinking survive the cache's stream <-> answer round trip."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.cache import completion_from_chunks, replay_chunks
from turnout.providers.anthropic import StreamTranslator
from turnout.types import make_completion

_text = st.text(max_size=40)
_thinking = st.builds(lambda t, s: {"type": "thinking", "thinking": t, "signature": s},
                      _text, st.text(alphabet="abcdefXYZ0123456789+/=", min_size=1, max_size=30))
_redacted = st.builds(lambda d: {"type": "redacted_thinking", "data": d},
                      st.text(alphabet="abcdefXYZ0123456789+/=", min_size=1, max_size=30))
_calls = st.lists(st.builds(lambda i, n, a: {"id": f"call_{i}", "type": "function",
                                             "function": {"name": n, "arguments": a}},
                            st.integers(0, 999), st.from_regex(r"[a-z_]{1,12}", fullmatch=True), _text),
                  max_size=3)


@settings(max_examples=200, deadline=None)
@given(blocks=st.lists(st.one_of(_thinking, _redacted), max_size=4), content=_text, calls=_calls,
       chunk_chars=st.one_of(st.none(), st.integers(1, 7)))
def test_thinking_blocks_and_reasoning_round_trip(blocks, content, calls, chunk_chars):
    answer = make_completion(model="m", content=content if content or not calls else None,
                             tool_calls=calls or None, prompt_tokens=3, completion_tokens=5)
    message = answer["choices"][0]["message"]
    if blocks:
        message["thinking_blocks"] = blocks
        message["reasoning_content"] = "".join(b.get("thinking", "") for b in blocks)
    again = completion_from_chunks(replay_chunks(answer, include_usage=True, chunk_chars=chunk_chars))
    replayed = again["choices"][0]["message"]
    assert replayed.get("thinking_blocks", []) == blocks
    assert replayed.get("reasoning_content", "") == message.get("reasoning_content", "")
    assert replayed["content"] == message["content"] and replayed.get("tool_calls") == message.get("tool_calls")


@given(reasoning=st.text(min_size=1, max_size=60), content=_text)
def test_reasoning_content_alone_round_trips(reasoning, content):
    answer = make_completion(model="m", content=content)
    answer["choices"][0]["message"]["reasoning_content"] = reasoning
    replayed = completion_from_chunks(replay_chunks(answer))["choices"][0]["message"]
    assert replayed["reasoning_content"] == reasoning and "thinking_blocks" not in replayed


def test_replay_streams_thinking_as_the_anthropic_translation_does():
    """A stored Anthropic stream replays as the chunks the live stream gave (thinking first,
    then the signature, then the text)."""
    state = StreamTranslator("claude", "claude")
    events = [
        {"type": "message_start", "message": {"id": "msg_1", "model": "claude", "usage": {"input_tokens": 5}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "27*453"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": " = 12231"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQB"}},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "redacted_thinking", "data": "Zm9v"}},
        {"type": "content_block_start", "index": 2, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": "12,231"}},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 9}},
        {"type": "message_stop"},
    ]
    live = [chunk for event in events for chunk in state.feed(None, event)]
    stored = completion_from_chunks(live)
    assert stored["choices"][0]["message"]["thinking_blocks"] == [
        {"type": "thinking", "thinking": "27*453 = 12231", "signature": "EqQB"},
        {"type": "redacted_thinking", "data": "Zm9v"}]
    replayed = replay_chunks(stored)
    deltas = [c["choices"][0]["delta"] for c in replayed]
    assert [d.get("thinking_blocks") for d in deltas if d.get("thinking_blocks")] == [
        [{"type": "thinking", "thinking": "27*453 = 12231"}],
        [{"type": "thinking", "thinking": "", "signature": "EqQB"}],
        [{"type": "redacted_thinking", "data": "Zm9v"}]]
    assert completion_from_chunks(replayed)["choices"][0]["message"] == stored["choices"][0]["message"]

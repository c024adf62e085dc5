"""Redaction round trip, tool-call coverage, streaming restore at every split, fail-closed."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from turnout.detect.pii import Detector
from turnout.detect.redact import (
    RedactionError,
    RedactionMap,
    Redactor,
    StreamRestorer,
    redact_messages,
)
from turnout.errors import BadRequestError
from turnout.types import make_chunk, make_completion

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"


def test_round_trip_and_stable_placeholders() -> None:
    messages = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Mail bob@example.com and call +1-984-182-0190. Again: bob@example.com"},
        {"role": "user", "content": "Also alice@example.org"},
    ]
    original = copy.deepcopy(messages)
    new, mapping = redact_messages(messages)
    assert messages == original  # the input is never modified
    assert new[0] == messages[0]
    assert new[1]["content"] == "Mail [EMAIL_1] and call [PHONE_1]. Again: [EMAIL_1]"
    assert new[2]["content"] == "Also [EMAIL_2]"
    assert "bob@example.com" not in json.dumps(new)
    assert mapping.restore(new[1]["content"]) == messages[1]["content"]
    assert mapping.restore("Hi [EMAIL_2], unknown [EMAIL_9] stays") == "Hi alice@example.org, unknown [EMAIL_9] stays"
    assert "example" not in repr(mapping)  # never logs the originals


def test_list_parts_tool_calls_and_tool_messages() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": "card 4111 1111 1111 1111"},
                                     {"type": "image_url", "image_url": {"url": "https://img/x.png"}}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "1", "type": "function",
                            "function": {"name": "store", "arguments": json.dumps({"key": PEM, "n": 3})}}],
        },
        {"role": "tool", "tool_call_id": "1", "content": "stored for 10.20.30.40"},
        {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": '{"to": "x@example.com"}'}},
    ]
    new, mapping = redact_messages(messages)
    assert new[0]["content"][0]["text"] == "card [CARD_1]"
    assert new[0]["content"][1] == messages[0]["content"][1]
    args = json.loads(new[1]["tool_calls"][0]["function"]["arguments"])
    assert args == {"key": "[PRIVATE_KEY_1]", "n": 3}
    assert new[2]["content"] == "stored for [IP_1]"
    assert json.loads(new[3]["function_call"]["arguments"]) == {"to": "[EMAIL_1]"}
    blob = json.dumps(new)
    for secret in ("4111", "MIIEvQ", "10.20.30.40", "x@example.com"):
        assert secret not in blob
    # restoring tool call arguments keeps valid JSON even with newlines in the original
    restored = mapping.restore_arguments(new[1]["tool_calls"][0]["function"]["arguments"])
    assert json.loads(restored) == {"key": PEM, "n": 3}


def test_invalid_json_arguments_are_redacted_as_text() -> None:
    messages = [{"role": "assistant", "content": None,
                 "tool_calls": [{"id": "1", "function": {"name": "f", "arguments": "{to: a@example.com"}}]}]  # fmt: skip
    new, _ = redact_messages(messages)
    assert new[0]["tool_calls"][0]["function"]["arguments"] == "{to: [EMAIL_1]"


def test_existing_placeholder_text_is_not_reused() -> None:
    new, mapping = redact_messages([{"role": "user", "content": "literal [EMAIL_1] and real a@example.com"}])
    assert new[0]["content"] == "literal [EMAIL_1] and real [EMAIL_2]"
    assert mapping.restore(new[0]["content"]) == "literal [EMAIL_1] and real a@example.com"


def test_types_filter_and_custom_labels() -> None:
    det = Detector(custom_patterns={"CUSTOMER_ID": r"CUST-\d{6}"})
    new, _ = Redactor(det, types=["CUSTOMER_ID"]).redact([{"role": "user", "content": "CUST-000042 at a@b.io"}])
    assert new[0]["content"] == "[CUSTOMER_ID_1] at a@b.io"


def test_restore_completion() -> None:
    _, mapping = redact_messages([{"role": "user", "content": "bob@example.com"}])
    completion = make_completion(
        model="m",
        content="Sure, I wrote to [EMAIL_1].",
        tool_calls=[{"id": "t", "type": "function", "function": {"name": "send", "arguments": '{"to": "[EMAIL_1]"}'}}],
    )
    mapping.restore_completion(completion)
    message = completion["choices"][0]["message"]
    assert message["content"] == "Sure, I wrote to bob@example.com."
    assert json.loads(message["tool_calls"][0]["function"]["arguments"]) == {"to": "bob@example.com"}


# -- streaming ------------------------------------------------------------------------------


def _mapping() -> RedactionMap:
    m = RedactionMap()
    m.placeholder_for("EMAIL_ADDRESS", "bob@example.com")
    m.placeholder_for("PERSON", "Anna Schmidt")
    for i in range(11):  # [PHONE_1] .. [PHONE_11]: one placeholder is a prefix of another
        m.placeholder_for("PHONE_NUMBER", f"+1-555-000-{i:04d}")
    return m


ANSWER = "Dear [PERSON_1], we wrote to [EMAIL_1] [x] and [PHONE_1] / [PHONE_11]. [EMAIL_1]"


@pytest.mark.parametrize("json_escape", [False, True])
def test_stream_restore_every_split_position(json_escape: bool) -> None:
    mapping = _mapping()
    expected = mapping.restore(ANSWER, json_escape=json_escape)
    for i in range(len(ANSWER) + 1):
        for j in range(i, len(ANSWER) + 1):
            r = StreamRestorer(mapping, json_escape=json_escape)
            out = r.feed(ANSWER[:i]) + r.feed(ANSWER[i:j]) + r.feed(ANSWER[j:]) + r.flush()
            assert out == expected, (i, j)


def test_stream_restore_char_by_char_holds_only_a_placeholder_prefix() -> None:
    mapping = _mapping()
    r = StreamRestorer(mapping)
    out = []
    for ch in ANSWER:
        out.append(r.feed(ch))
        assert r.pending == "" or any(p.startswith(r.pending) for p in mapping.originals)
        assert len(r.pending) <= max(len(p) for p in mapping.originals)
    out.append(r.flush())
    assert "".join(out) == mapping.restore(ANSWER)


def test_stream_flushes_plain_text_immediately() -> None:
    r = StreamRestorer(_mapping())
    assert r.feed("Hello world, ") == "Hello world, "
    assert r.feed("see [EM") == "see "
    assert r.feed("AIL_1] ok") == "bob@example.com ok"
    assert r.feed("[not a placeholder") == "[not a placeholder"
    assert r.flush() == ""


def test_chunk_restorer_content_and_tool_args() -> None:
    mapping = _mapping()
    cr = mapping.chunk_restorer()
    pieces = ["Hi [PER", "SON_1], mail [EMA", "IL_1"]
    out = []
    for p in pieces:
        chunk = make_chunk(completion_id="c", model="m", created=0, delta={"content": p})
        out.append(cr.restore(chunk)["choices"][0]["delta"]["content"])
    last = make_chunk(completion_id="c", model="m", created=0, delta={}, finish_reason="stop")
    last_delta = cr.restore(last)["choices"][0]["delta"]
    out.append(last_delta.get("content", ""))
    assert "".join(out) == "Hi Anna Schmidt, mail [EMAIL_1"  # an unfinished placeholder is emitted as is
    args_out = []
    for p in ['{"to": "[EM', 'AIL_1]"}']:
        chunk = make_chunk(completion_id="c", model="m", created=0,
                           delta={"tool_calls": [{"index": 0, "function": {"arguments": p}}]})  # fmt: skip
        args_out.append(cr.restore(chunk)["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"])
    assert json.loads("".join(args_out)) == {"to": "bob@example.com"}
    assert cr.finish() == []


# -- fail closed ----------------------------------------------------------------------------


class _Boom(Detector):
    def scan(self, text: str) -> list[Any]:
        if "secret" in text:
            raise RuntimeError("detector crashed")
        return super().scan(text)


def test_fail_closed_on_detector_error() -> None:
    messages = [{"role": "user", "content": "a@example.com"}, {"role": "user", "content": "my secret stuff"}]
    with pytest.raises(RedactionError) as info:
        Redactor(_Boom()).redact(messages)
    assert "a@example.com" not in str(info.value)


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "user", "content": 42}],
        [{"role": "user", "content": [42]}],
        [{"role": "user", "content": [{"type": "text", "text": None}]}],
        ["not a message"],
    ],
)
def test_fail_closed_on_unreadable_content(messages: list[Any]) -> None:
    with pytest.raises(BadRequestError):
        redact_messages(messages)


def test_not_a_list() -> None:
    with pytest.raises(BadRequestError):
        redact_messages({"role": "user"})  # type: ignore[arg-type]

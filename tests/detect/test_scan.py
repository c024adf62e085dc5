"""The attacks of issue 9: a secret anywhere in a request, hidden or split, is found; what is
found is redacted as written; odd shapes never crash; harmless seams stay harmless."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from turnout.detect.pii import default_detector
from turnout.detect.redact import Redactor
from turnout.detect.scan import scan_request
from turnout.detect.sensitivity import assess
from turnout.errors import BadRequestError
from turnout.types import ChatRequest, Sensitivity

CARD = "4111 1111 1111 1111"
HI = [{"role": "user", "content": "hi"}]


def in_param(name: str, value: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return HI, {name: value}


def tool(description: str = "d", prop: str = "p") -> dict[str, Any]:
    return {"type": "function", "function": {"name": "f", "description": description, "parameters": {
        "type": "object", "properties": {"x": {"type": "string", "description": prop}}}}}


POSITIONS = {
    "tool description": in_param("tools", [tool(f"card {CARD}")]),
    "tool schema": in_param("tools", [tool(prop=f"e.g. {CARD}")]),
    "message name": ([{"role": "user", "content": "hi", "name": CARD}], {}),
    "metadata": in_param("metadata", {"note": CARD}),
    "metadata key": in_param("metadata", {CARD: "x"}),
    "user": in_param("user", CARD),
    "response_format": in_param("response_format", {"type": "json_schema", "json_schema": {
        "name": "s", "schema": {"type": "object", "description": CARD}}}),
    "stop": in_param("stop", [CARD]),
    "unknown field": in_param("x_vendor", {"deep": [{"a": CARD}]}),
    "number": in_param("metadata", {"c": 4111111111111111}),
    "image url query": ([{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": f"https://x.test/a.png?c={CARD.replace(' ', '')}"}}]}], {}),
    "text file": ([{"role": "user", "content": [{"type": "file", "file": {
        "filename": "a.txt", "file_data": "data:text/plain;base64," + base64.b64encode(CARD.encode()).decode()}}]}], {}),
    "thinking": ([{"role": "assistant", "content": [{"type": "thinking", "thinking": CARD, "signature": "s"}]}], {}),
    "unknown part": ([{"role": "user", "content": [{"type": "future_part", "body": {"t": CARD}}]}], {}),
    "tool args": ([{"role": "assistant", "content": None, "tool_calls": [
        {"id": "1", "type": "function", "function": {"name": "f", "arguments": json.dumps({"c": CARD})}}]}], {}),
    "tool result": ([{"role": "tool", "tool_call_id": "1", "content": CARD}], {}),
    "system": ([{"role": "system", "content": CARD}], {}),
    "zero-width": ([{"role": "user", "content": "\u200b".join(CARD)}], {}),
    "full-width": ([{"role": "user", "content": "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in CARD)}], {}),
    "nbsp": ([{"role": "user", "content": CARD.replace(" ", "\u00a0")}], {}),
    "url-encoded": ([{"role": "user", "content": "pay " + CARD.replace(" ", "%20")}], {}),
    "base64": ([{"role": "user", "content": "decode " + base64.b64encode(CARD.encode()).decode()}], {}),
    "hex": ([{"role": "user", "content": "decode " + CARD.encode().hex()}], {}),
    "escaped json": ([{"role": "assistant", "content": None, "tool_calls": [
        {"id": "1", "type": "function", "function": {"name": "f", "arguments": '{"c": "\\u0034111 1111 1111 1111"}'}}]}], {}),
    "split in two": ([{"role": "user", "content": "my card: 4111 1111"}, {"role": "user", "content": "1111 1111 ok"}], {}),
    "split in four": ([{"role": "user", "content": p} for p in CARD.split()], {}),
    "split over parts": ([{"role": "user", "content": [{"type": "text", "text": "4111 1111 11"},
                                                       {"type": "text", "text": "11 1111"}]}], {}),
}


@pytest.mark.parametrize("where", list(POSITIONS))
def test_a_card_anywhere_is_confidential(where: str) -> None:
    messages, params = POSITIONS[where]
    result = assess(messages, params=params)
    assert result.level is Sensitivity.CONFIDENTIAL, (where, result.types)
    assert result.types == ["CREDIT_CARD"]


@pytest.mark.parametrize("where", list(POSITIONS))
def test_redaction_removes_it_wherever_it_is(where: str) -> None:
    messages, params = POSITIONS[where]
    request = ChatRequest("m", messages, params, raw_body={"messages": messages, **params})
    redacted, mapping = Redactor().redact_request(request)
    assert len(mapping) >= 1 and redacted.raw_body is None
    again = assess(redacted.messages, params=redacted.params)
    assert again.level is Sensitivity.PUBLIC, (where, again.types)


def test_findings_report_paths_outside_messages() -> None:
    result = assess(*POSITIONS["tool description"][:1], params=POSITIONS["tool description"][1])
    assert result.findings[0][0] == -1 and result.paths == ["tools[0].function.description"]


def test_seams_do_not_invent_secrets() -> None:
    messages = [{"role": "user", "content": "Mail bob@example.com"}, {"role": "user", "content": "Also hello"},
                {"role": "user", "content": "order 12"}, {"role": "user", "content": "34 arrived"}]
    result = assess(messages)
    assert result.types == ["EMAIL_ADDRESS"] and result.level is Sensitivity.INTERNAL


def test_opaque_fields_are_not_random_secrets() -> None:
    signature = "ErUBCkYIBBgCIkCwRz8ZP1xC5z9h4Q0m3vYvJ2Jx8Ck8W2n6Q7cXfE3bLpT9sK1aH0dG5uN4rM2eV8yW6iB3jO7lP1qS9tX0zAvEgyQ"
    messages = [{"role": "assistant", "content": [{"type": "thinking", "thinking": "let me see", "signature": signature},
                                                  {"type": "redacted_thinking", "data": signature}],
                 "tool_calls": [{"id": "call_" + signature[:24], "type": "function",
                                 "function": {"name": "f", "arguments": "{}"}}]}]
    assert assess(messages).level is Sensitivity.PUBLIC


def test_binary_modes() -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256))).decode()
    messages = [{"role": "user", "content": [{"type": "text", "text": "what is this?"},
                                             {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}}]}]
    assert assess(messages).level is Sensitivity.PUBLIC
    local = assess(messages, binary="local")
    assert local.level is Sensitivity.CONFIDENTIAL and local.types == ["BINARY_CONTENT"]
    assert assess(messages, "public", binary="local").level is Sensitivity.CONFIDENTIAL  # a label cannot lower it
    with pytest.raises(BadRequestError, match="image/png"):
        assess(messages, binary="refuse")


@pytest.mark.parametrize("message", [
    {"role": "assistant", "content": None, "tool_calls": 5},
    {"role": "assistant", "content": None, "tool_calls": [5, None, {"function": 7}]},
    {"role": "assistant", "content": None, "function_call": "x"},
    {"role": "user", "content": [{"type": "image_url", "image_url": 3}, {"type": "file", "file": None}]},
    {"role": "user", "content": {"odd": [1, 2.5, None, True]}},
])
def test_malformed_shapes_do_not_crash(message: dict[str, Any]) -> None:
    assert assess([message], params={"tools": 5, "metadata": [None]}).level is Sensitivity.PUBLIC


def test_redaction_restores_the_original_text() -> None:
    messages = [{"role": "user", "content": "card " + "\u200b".join(CARD) + " and " + base64.b64encode(CARD.encode()).decode()}]
    redacted, mapping = Redactor().redact_request(ChatRequest("m", messages, {"metadata": {"n": CARD}}))
    assert "4111" not in json.dumps(redacted.messages) + json.dumps(redacted.params)
    assert mapping.restore(redacted.messages[0]["content"]) == messages[0]["content"]


def test_scan_reports_original_offsets() -> None:
    text = "x " + "\u200b".join(CARD) + " y"
    scan = scan_request([{"role": "user", "content": text}], {}, default_detector())
    (f,) = scan.findings
    assert text[f.start : f.end] == "\u200b".join(CARD)


def test_reasoning_is_restored_in_answers_and_streams() -> None:
    _, mapping = Redactor().redact_request(ChatRequest("m", [{"role": "user", "content": "mail ann@example.com"}]))
    message = {"role": "assistant", "content": "ok", "reasoning_content": "write to [EMAIL_1]",
               "thinking_blocks": [{"type": "thinking", "thinking": "[EMAIL_1] it is", "signature": "s"}]}
    mapping.restore_message(message)
    assert message["reasoning_content"] == "write to ann@example.com"
    assert message["thinking_blocks"][0]["thinking"] == "ann@example.com it is"
    restorer = mapping.chunk_restorer()
    pieces = ["to [EMA", "IL_1] now", ""]
    out = ""
    for i, piece in enumerate(pieces):
        chunk = {"choices": [{"index": 0, "delta": {"reasoning_content": piece},
                              "finish_reason": "stop" if i == len(pieces) - 1 else None}]}
        out += restorer.restore(chunk)["choices"][0]["delta"].get("reasoning_content") or ""
    assert out == "to ann@example.com now"

"""The walker reaches every text-bearing field, never crashes on odd shapes, and rewrites
without touching its input."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from turnout.detect.walk import KEY, OPAQUE, format_path, rewrite, walk

PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def paths(messages: Any, params: dict[str, Any] | None = None) -> dict[str, str]:
    return {format_path(p.path): p.text for p in walk(messages, params).pieces}


def test_every_field_of_a_rich_request() -> None:
    messages = [
        {"role": "system", "content": "sys"},
        {"role": "user", "name": "nm", "content": [
            {"type": "text", "text": "t", "cache_control": {"type": "ephemeral"}},
            {"type": "image_url", "image_url": {"url": "https://x/y.png?q=1", "detail": "high"}},
            {"type": "image_url", "image_url": {"url": PNG}},
            {"type": "input_audio", "input_audio": {"data": "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=", "format": "wav"}},
            {"type": "file", "file": {"filename": "f.txt", "file_data": "data:text/plain;base64,aGVsbG8gd29ybGQ="}},
            {"type": "novel_part", "payload": {"deep": ["u1"]}},
        ]},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "th", "signature": "sig"},
                                          {"type": "redacted_thinking", "data": "opaque"}],
         "tool_calls": [{"id": "call_1", "type": "function",
                         "function": {"name": "fn", "arguments": json.dumps({"city": "Paris", "n": 12345678})}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "result"},
        {"role": "user", "content": "u", "x_unknown": "xu"},
    ]
    params = {
        "tools": [{"type": "function", "function": {"name": "fn", "description": "desc", "parameters": {
            "type": "object", "properties": {"city": {"type": "string", "description": "pd"}}}}}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": {"description": "rd"}}},
        "metadata": {"mk": "mv"}, "user": "us", "stop": ["st"], "vendor_param": {"a": [{"b": "vp"}]},
        "temperature": 0.2, "seed": 123456789,
    }
    got = paths(messages, params)
    for path, text in {
        "messages[0].content": "sys", "messages[1].name": "nm", "messages[1].content[0].text": "t",
        "messages[1].content[1].image_url.url": "https://x/y.png?q=1",
        "messages[1].content[4].file.filename": "f.txt",
        "messages[1].content[4].file.file_data": "data:text/plain;base64,aGVsbG8gd29ybGQ=",
        "messages[1].content[5].payload.deep[0]": "u1",
        "messages[2].content[0].thinking": "th", "messages[2].content[0].signature": "sig",
        "messages[2].content[1].data": "opaque",
        "messages[2].tool_calls[0].function.name": "fn",
        "messages[2].tool_calls[0].function.arguments(json).city": "Paris",
        "messages[2].tool_calls[0].function.arguments(json).n": "12345678",
        "messages[3].content": "result", "messages[4].x_unknown": "xu",
        "tools[0].function.description": "desc", "tools[0].function.parameters.properties.city.description": "pd",
        "tools[0].function.parameters.properties.<key>.city": "city",
        "response_format.json_schema.schema.description": "rd", "metadata.<key>.mk": "mk", "metadata.mk": "mv",
        "user": "us", "stop[0]": "st", "vendor_param.a[0].<key>.b": "b", "vendor_param.a[0].b": "vp",
        "seed": "123456789",
    }.items():
        assert got.get(path) == text, path
    w = walk(messages, params)
    kinds = {format_path(p.path): p.kind for p in w.pieces}
    assert kinds["messages[2].content[0].signature"] == OPAQUE and kinds["metadata.<key>.mk"] == KEY
    assert [media for _, media in w.binary] == ["image/png", "audio/wav"]
    assert "messages[1].content[1].image_url.detail" not in got  # enum values are not text


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3),
                    max_leaves=15))
def test_any_shape_walks_and_rewrites_without_crashing(value: Any) -> None:
    messages = [{"role": "user", "content": value, "tool_calls": value}, value]
    params = {"extra": value, "tools": value}
    before = copy.deepcopy((messages, params))
    w = walk(messages, params)
    new_messages, new_params = rewrite(messages, params, lambda i, p: "X")
    assert (messages, params) == before  # the input is never modified
    assert all(p.text == "X" for p in walk(new_messages, new_params).pieces if p.kind != KEY) or w.pieces == []


def test_rewrite_copies_only_what_changed() -> None:
    messages = [{"role": "user", "content": "keep"}, {"role": "user", "content": "change me"}]
    params = {"metadata": {"a": "keep"}, "tools": [{"type": "function", "function": {"name": "f"}}]}
    new_messages, new_params = rewrite(messages, params, lambda i, p: "changed" if p.text == "change me" else None)
    assert new_messages[1]["content"] == "changed" and new_messages[0] is messages[0]
    assert new_params["metadata"] is params["metadata"] and new_params["tools"] is params["tools"]


def test_json_arguments_are_rewritten_as_json() -> None:
    messages = [{"role": "assistant", "content": None, "tool_calls": [
        {"id": "1", "type": "function", "function": {"name": "f", "arguments": '{"to": "a\\nb", "k": 1}'}}]}]
    new, _ = rewrite(messages, {}, lambda i, p: "[X]" if p.text == "a\nb" else None)
    assert json.loads(new[0]["tool_calls"][0]["function"]["arguments"]) == {"to": "[X]", "k": 1}


@given(st.text(min_size=1, max_size=80).filter(lambda s: any(c in s for c in " \\!?\"'#%&(){}<>@")))
def test_a_payload_field_that_is_no_base64_is_read_as_text(text: str) -> None:
    # a file's data that base64 cannot hold (spaces, escapes, punctuation) is no binary payload,
    # whatever its label: it is a piece, so a secret written there is scanned
    messages = [{"role": "user", "content": [{"type": "file", "file": {"filename": "a.bin", "file_data": text}}]}]
    got = walk(messages, {})
    assert text in [p.text for p in got.pieces] and not got.binary


def test_a_binary_base64_payload_is_still_binary() -> None:
    import base64

    data = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256))).decode()
    messages = [{"role": "user", "content": [{"type": "file", "file": {"filename": "a.png", "file_data": data}}]}]
    got = walk(messages, {})
    assert data not in [p.text for p in got.pieces] and got.binary

"""What a door forwards natively, privacy detection reads.

The Messages and Responses doors keep the caller's body (``NativeBody``) for a provider of the
same format, which sends it as it came; privacy detection reads the neutral request (its
messages and params). So every string the native body holds must also be a piece of the
neutral request's walk: a field the translation drops (a document's ``context``, a text
block's ``citations``, metadata besides ``user_id``, an input item's ``status``, a
``text.format`` option...) would otherwise reach Anthropic or OpenAI unscanned.

Property: an extra field with a fresh marker (as a value, a key, inside a nested object or
list, or as a number) added to any object of a body that uses every block / item type is read
by detection. The chat door is checked too (its body is its request: nothing to lose).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.walk import walk
from turnout.errors import BadRequestError
from turnout.server.doors import anthropic_wire, responses_wire

PDF = "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCg=="
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def messages_body() -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-5", "max_tokens": 64,
        "system": [{"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}],
        "metadata": {"user_id": "u-1"},
        "stop_sequences": ["END"],
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "tools": [{"name": "lookup", "description": "look up", "input_schema": {
                      "type": "object", "properties": {"q": {"type": "string"}}}},
                  {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}],
        "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "look at these"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
                {"type": "image", "source": {"type": "url", "url": "https://img.test/a.png"}},
                {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF},
                 "title": "report"},
                {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain doc"}},
            ]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "c2ln"},
                {"type": "text", "text": "calling"},
                {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "x"}},
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "found"}]},
                {"type": "text", "text": "thanks"},
            ]},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "go on"},
        ],
    }


def responses_body() -> dict[str, Any]:
    return {
        "model": "gpt-4o", "instructions": "be brief", "store": False, "max_output_tokens": 64,
        "metadata": {"k": "v"}, "user": "u-1", "reasoning": {"effort": "low"},
        "text": {"format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}}},
        "tools": [{"type": "function", "name": "lookup", "description": "look up",
                   "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}},
                  {"type": "web_search"}],
        "tool_choice": {"type": "function", "name": "lookup"},
        "parallel_tool_calls": True,
        "input": [
            {"role": "user", "content": [
                {"type": "input_text", "text": "look at these"},
                {"type": "input_image", "image_url": "https://img.test/a.png", "detail": "low"},
                {"type": "input_file", "file_data": "data:application/pdf;base64," + PDF, "filename": "r.pdf"},
            ]},
            {"type": "message", "role": "assistant", "id": "msg_1", "status": "completed",
             "content": [{"type": "output_text", "text": "calling", "annotations": []}]},
            {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": "{\"q\": \"x\"}",
             "id": "fc_1", "status": "completed"},
            {"type": "function_call_output", "call_id": "call_1", "output": "found"},
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "thought"}]},
            {"role": "developer", "content": "mind the format"},
            {"role": "user", "content": "go on"},
        ],
    }


def dict_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every object in ``value`` (the body itself included)."""
    out = []
    if isinstance(value, dict):
        out.append(path)
        for k, v in value.items():
            out.extend(dict_paths(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(dict_paths(v, (*path, i)))
    return out


def at(value: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        value = value[p]
    return value


MARKER = "zqxvmarker"
KEYS = st.sampled_from(["context", "citations", "note", "x_vendor", "title", "status", "id", "name", "alt",
                        "examples", "input_examples", "defer_loading", "strict", "caller"])
FORMS = st.sampled_from(["value", "key", "nested", "list", "number"])


def planted(body: dict[str, Any], path: tuple[Any, ...], key: str, form: str) -> tuple[dict[str, Any], str]:
    body = copy.deepcopy(body)
    target = at(body, path)
    marker = f"{MARKER}{len(path)}{key}"
    if form == "number":
        marker = "4539578763621486"
        target[key] = int(marker)
    elif form == "key":
        target[marker] = "v"
    elif form == "nested":
        target[key] = {"inner": [{"deep": marker}]}
    elif form == "list":
        target[key] = ["a", marker]
    else:
        target[key] = marker
    return body, marker


def walked_text(request: Any) -> str:
    return "\n".join(p.text for p in walk(request.messages, request.params).pieces)


def native_text(request: Any) -> str:
    return json.dumps(request.raw_body, ensure_ascii=False)


BODIES = {"messages": messages_body(), "responses": responses_body()}
PATHS = {door: dict_paths(body) for door, body in BODIES.items()}


def to_request(door: str, body: dict[str, Any]) -> Any:
    if door == "messages":
        return anthropic_wire.to_request(body, {})
    return responses_wire.to_request(body, [], None)[0]


def test_the_bodies_translate_and_hold_every_block_kind():
    for door, body in BODIES.items():
        request = to_request(door, copy.deepcopy(body))
        assert request.raw_body is not None
        assert "look at these" in walked_text(request)


@settings(max_examples=400, deadline=None)
@given(door=st.sampled_from(sorted(BODIES)), data=st.data(), key=KEYS, form=FORMS)
def test_every_string_the_native_body_forwards_is_read_by_detection(door, data, key, form):
    path = data.draw(st.sampled_from(PATHS[door]), label="object")
    body, marker = planted(BODIES[door], path, key, form)
    try:
        request = to_request(door, body)
    except BadRequestError:
        return  # refused: nothing is forwarded
    if marker not in native_text(request):
        return  # the native body does not carry it either (e.g. the door dropped the field)
    assert marker in walked_text(request), (path, key, form)

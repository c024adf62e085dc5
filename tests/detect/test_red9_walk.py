"""Hostile shapes the walker must still read (red9): a field *named* with a secret at every
level of a request, values under keys that usually hold enum words, numbers written as floats."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.walk import KEY, rewrite, walk

SECRET = "4539 5787 6362 1486"


def request() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "hi"},
                                     {"type": "image_url", "image_url": {"url": "https://img.test/a.png"}},
                                     {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
                                     {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0x"}}]},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"q\": 1}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "done"},
        {"role": "user", "content": "thanks"},
    ]
    params = {"temperature": 0.2, "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}
    return messages, params


def objects(messages: list[Any], params: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    out: list[tuple[str, tuple[Any, ...]]] = [("params", ())]

    def visit(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict):
            out.append(("messages", path))
            for k, v in value.items():
                visit(v, (*path, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                visit(v, (*path, i))

    visit(messages, ())
    return out


TARGETS = objects(*request())


@settings(max_examples=100, deadline=None)
@given(target=st.sampled_from(TARGETS), name=st.sampled_from([SECRET, "4539578763621486", "sk-proj-AbC9xYz"]))
def test_a_field_named_with_a_secret_is_a_piece_and_can_be_rewritten(target, name):
    messages, params = request()
    where, path = target
    obj: Any = params if where == "params" else messages
    for p in path:
        obj = obj[p]
    obj[name] = "x"
    before = copy.deepcopy((messages, params))
    pieces = walk(messages, params).pieces
    hits = [i for i, p in enumerate(pieces) if p.text == name and p.kind == KEY]
    assert hits, (where, path)
    new_messages, new_params = rewrite(messages, params, lambda i, p: "[CARD_1]" if i in hits else None)
    assert (messages, params) == before  # copy on write
    assert name not in repr((new_messages, new_params))
    assert "[CARD_1]" in repr((new_messages, new_params))


def test_plain_parameter_and_field_names_are_not_pieces():
    messages, params = request()
    texts = {p.text for p in walk(messages, params).pieces}
    assert not texts & {"temperature", "tools", "tool_call_id", "image_url", "input_audio"}

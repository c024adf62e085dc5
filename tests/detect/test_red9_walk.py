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


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(["type", "role", "detail", "format", "media_type", "mode", "effort"]),
       value=st.sampled_from(["de89370400440532013000", "x-4539-5787-6362-1486", "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
                              "gb82west12345698765432"]))
def test_a_digit_laden_value_under_an_enum_key_is_read(key, value):
    """Enum words ("function", "auto", "gpt-4o-mini") are skipped; a lowercase IBAN or token
    under the same keys is not an enum word."""
    params = {"x_vendor": {key: value}, "tools": [{"type": "function", "function": {"name": "f", "parameters": {
        "type": "object", "properties": {"q": {"type": "string", key: value}}}}}]}
    texts = [p.text for p in walk([{"role": "user", "content": "hi"}], params).pieces]
    assert texts.count(value) == 2


def test_enum_words_stay_out_of_the_walk():
    params = {"x": {"type": "function", "mode": "auto", "format": "date-time", "effort": "gpt-4o-mini",
                    "detail": "claude-3-5-sonnet-20241022"}}
    texts = {p.text for p in walk([{"role": "user", "content": "hi"}], params).pieces}
    assert not texts & {"function", "auto", "date-time", "gpt-4o-mini"}


def test_a_card_sent_as_a_float_is_read():
    pieces = walk([{"role": "user", "content": "hi"}], {"x": {"n": 4539578763621486.0}}).pieces
    assert "4539578763621486" in [p.text for p in pieces]


def test_an_unchanged_float_keeps_its_request_unchanged():
    params = {"x": {"n": 4539578763621486.0}}
    _, new = rewrite([{"role": "user", "content": "hi"}], params, lambda i, p: None)
    assert new["x"] is params["x"]

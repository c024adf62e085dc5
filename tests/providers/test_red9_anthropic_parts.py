"""Malformed content parts sent through the chat door to a Claude model are a 400 naming the
part (red9: a part missing its payload was a KeyError / AttributeError: a 500)."""

from __future__ import annotations

import pytest

from turnout.catalog import ModelInfo
from turnout.errors import BadRequestError
from turnout.providers.anthropic import to_anthropic
from turnout.types import ChatRequest

INFO = ModelInfo(name="claude-3-7-sonnet-20250219", provider="anthropic", context_window=200_000,
                 input_per_mtok=3.0, output_per_mtok=15.0)


@pytest.mark.parametrize("part", [
    {"type": "image_url"},
    {"type": "image_url", "image_url": None},
    {"type": "image_url", "image_url": {"url": 1}},
    {"type": "image_url", "image_url": {}},
    {"type": "file", "file": "x"},
    {"type": "file"},
    {"type": "text", "text": 5},
    {"type": 5},
])
def test_a_malformed_part_is_a_400(part):
    request = ChatRequest("claude", [{"role": "user", "content": [part]}], {}, False)
    with pytest.raises(BadRequestError):
        to_anthropic(request, INFO)


def test_a_well_formed_image_and_file_still_translate():
    request = ChatRequest("claude", [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://img.test/a.png"}},
        {"type": "image_url", "image_url": "data:image/png;base64,iVBORw0KGgo="},
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0x"}}]}], {}, False)
    blocks = to_anthropic(request, INFO)["messages"][0]["content"]
    assert [b["type"] for b in blocks] == ["image", "image", "document"]
    assert blocks[1]["source"] == {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}

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


SAMPLES = {"temperature": (0.2, 0.7), "top_p": (0.5, 0.9), "stop": (["A"], ["B"]), "user": ("u1", "u2"),
           "top_k": (3, 5), "max_tokens": (10, 20), "max_completion_tokens": (10, 20), "seed": (1, 2), "n": (1, 2),
           "logprobs": (False, True), "top_logprobs": (1, 2), "presence_penalty": (0.1, 0.2),
           "frequency_penalty": (0.1, 0.2), "logit_bias": ({"1": 1}, {"2": 1}), "metadata": ({"a": "1"}, {"a": "2"}),
           "response_format": ({"type": "json_object"}, {"type": "text"}), "service_tier": ("flex", "priority"),
           "verbosity": ("low", "high"), "reasoning_effort": ("low", "high"), "prompt_cache_key": ("a", "b"),
           "safety_identifier": ("a", "b"), "store": (False, True), "modalities": (["text"], ["text", "audio"]),
           "prediction": ({"type": "content", "content": "a"}, {"type": "content", "content": "b"}),
           "web_search_options": ({}, {"search_context_size": "low"}), "x_future": (1, 2),
           "thinking": ({"type": "enabled", "budget_tokens": 1024}, {"type": "enabled", "budget_tokens": 2048})}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_parameter_claude_does_not_get_is_named_dropped(name):
    """X-Turnout-Dropped-Params on the chat door names every parameter the translation leaves
    out, and only those: a parameter not named must change what Claude is sent."""
    from turnout.providers.anthropic import AnthropicProvider

    provider = AnthropicProvider(INFO)
    a, b = SAMPLES[name]
    first = ChatRequest("claude", [{"role": "user", "content": "hi"}], {name: a}, False)
    second = ChatRequest("claude", [{"role": "user", "content": "hi"}], {name: b}, False)
    carried = to_anthropic(first, INFO) != to_anthropic(second, INFO)
    assert (name in provider.dropped_params(first)) is not carried

"""X-Turnout-Dropped-Params for the Gemini and Ollama translations: a parameter is named dropped
exactly when changing its value does not change what the provider is sent (as
test_red9_anthropic_parts does for Claude)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.providers.test_red9_anthropic_parts import SAMPLES
from turnout.catalog import ModelInfo
from turnout.providers.gemini import GeminiProvider, to_gemini
from turnout.providers.ollama import OllamaProvider, to_ollama
from turnout.types import ChatRequest

GEMINI = ModelInfo(name="gemini-2.5-flash", provider="gemini", context_window=1_000_000,
                   input_per_mtok=0.0, output_per_mtok=0.0)
OLLAMA = ModelInfo(name="ollama/llama3.2", provider="ollama", context_window=128_000,
                   input_per_mtok=0.0, output_per_mtok=0.0, local=True)

# usage comes with every answer whatever stream_options says: accepted, though nothing changes
NOTHING_TO_CARRY = {"stream_options"}


def _request(name: str, value: Any) -> ChatRequest:
    return ChatRequest("m", [{"role": "user", "content": "hi"}], {name: value}, False)


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("kind", ["gemini", "ollama"])
def test_a_parameter_the_translation_leaves_out_is_named_dropped(kind: str, name: str) -> None:
    a, b = SAMPLES[name]
    if kind == "gemini":
        provider: GeminiProvider | OllamaProvider = GeminiProvider(GEMINI)
        carried = to_gemini(_request(name, a)) != to_gemini(_request(name, b))
    else:
        provider = OllamaProvider(OLLAMA)
        carried = (to_ollama(_request(name, a), "llama3.2", {}, stream=False)
                   != to_ollama(_request(name, b), "llama3.2", {}, stream=False))
    assert (name in provider.dropped_params(_request(name, a))) is not carried


@pytest.mark.parametrize("provider", [GeminiProvider(GEMINI), OllamaProvider(OLLAMA)])
def test_stream_options_is_never_named_dropped(provider: GeminiProvider | OllamaProvider) -> None:
    assert provider.dropped_params(_request("stream_options", {"include_usage": True})) == []
    assert (provider.accepted_params or frozenset()) >= NOTHING_TO_CARRY

"""OpenAIProvider against a real OpenAI-compatible server: llama-cpp-python's
``python -m llama_cpp.server`` on the embedded model (session fixture ``llama_server_url``,
model alias ``local-qwen``)."""

from __future__ import annotations

import pytest

from turnout.catalog import ModelInfo
from turnout.providers.openai import OpenAIProvider
from turnout.types import ChatRequest

from .conformance import Expectations, run_all

pytestmark = pytest.mark.model

QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]


@pytest.fixture
def provider(llama_server_url: str) -> OpenAIProvider:
    return OpenAIProvider(ModelInfo(name="openai/local-qwen", provider="openai", api_base=llama_server_url,
                                    context_window=8192))


async def test_completion(provider: OpenAIProvider) -> None:
    response = await provider.acomplete(ChatRequest(model=provider.name, messages=QUESTION,
                                                    params={"temperature": 0, "max_tokens": 16}))
    assert "paris" in response.choices[0].message.content.lower()
    assert response.choices[0].finish_reason in ("stop", "length")
    usage = response.usage
    assert not usage.get("estimated")  # llama.cpp's own counts
    assert usage.prompt_tokens > 5 and 0 < usage.completion_tokens <= 16


async def test_streaming(provider: OpenAIProvider) -> None:
    chunks = [c async for c in provider.astream(ChatRequest(model=provider.name, messages=QUESTION,
                                                            params={"temperature": 0, "max_tokens": 16}))]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "paris" in text.lower()
    usage = chunks[-1].usage
    assert usage.prompt_tokens > 5 and usage.completion_tokens > 0


async def test_conformance(provider: OpenAIProvider) -> None:
    # The server may leave usage out of streams (then turnout estimates it); temperature 0 is
    # greedy, so the streamed text must equal the non-streamed one.
    await run_all(provider, Expectations(exact_usage=False, deterministic=True))

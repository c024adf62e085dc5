"""The doors end to end on the real embedded model (llama.cpp in-process): the official SDKs,
a confidential prompt kept local, tools through /v1/messages."""

from __future__ import annotations

import anthropic
import openai
import pytest

pytestmark = pytest.mark.model

MODELS = [{"name": "local/qwen2.5-coder-0.5b", "context_window": 4096},
          {"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3}]
QUESTION = "What is the capital of France? Answer in one word."


@pytest.fixture
def server(serve, embedded_model_path):
    return serve({"models": MODELS})


def test_messages_and_stream_on_the_embedded_model(server):
    client = anthropic.Anthropic(base_url=server.base_url.removesuffix("/v1"), api_key="x", max_retries=0)
    message = client.messages.create(model="local/qwen2.5-coder-0.5b", max_tokens=8, temperature=0,
                                     messages=[{"role": "user", "content": QUESTION}])
    assert "paris" in message.content[0].text.lower() and message.usage.output_tokens > 0
    # confidential (a card number) on auto: the embedded model, never the cloud one
    with client.messages.stream(model="auto", max_tokens=8, temperature=0, system="card 4111 1111 1111 1111",
                                messages=[{"role": "user", "content": QUESTION}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert final.model == "local/qwen2.5-coder-0.5b" and "paris" in text.lower()


def test_responses_on_the_embedded_model(server):
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
    first = client.responses.create(model="local/qwen2.5-coder-0.5b", input=QUESTION, max_output_tokens=8,
                                    temperature=0)
    assert "paris" in first.output_text.lower()
    events = list(client.responses.create(model="local/qwen2.5-coder-0.5b", input="And of Italy? One word.",
                                          previous_response_id=first.id, max_output_tokens=8, temperature=0,
                                          stream=True))
    assert events[-1].type in ("response.completed", "response.incomplete")
    assert "rome" in events[-1].response.output_text.lower()

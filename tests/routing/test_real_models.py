"""Routing end to end on real local models: the embedded llama.cpp model and a llama.cpp
OpenAI-compatible server posing as a priced "cloud" model. Fallback from a dead endpoint,
cascade with real logprobs, confidential requests kept on the embedded model."""

from __future__ import annotations

import socket

import pytest

from turnout.routing.router import Router
from turnout.types import ChatRequest, RouteHints, Sensitivity

pytestmark = pytest.mark.model

QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _router(server_url: str, **routing) -> Router:
    models = [
        {"name": "local/qwen2.5-coder-0.5b", "context_window": 4096},
        {"name": "openai/local-qwen", "provider": "openai", "api_base": server_url, "api_key": "x",
         "local": False, "tier": 3, "context_window": 4096, "input_per_mtok": 2.5, "output_per_mtok": 10.0},
        {"name": "openai/dead", "provider": "openai", "api_base": f"http://127.0.0.1:{_dead_port()}/v1",
         "api_key": "x", "local": False, "tier": 3, "context_window": 4096,
         "fallbacks": ["openai/local-qwen", "local/qwen2.5-coder-0.5b"]},
    ]
    routing.setdefault("retries", {"max_retries": 0})
    return Router.from_dict({"models": models, "routing": routing})


async def test_fallback_from_a_dead_endpoint_to_a_real_server(llama_server_url):
    router = _router(llama_server_url)
    resp = await router.acomplete(ChatRequest("openai/dead", QUESTION, {"max_tokens": 8, "temperature": 0}))
    t = resp["turnout"]
    assert t["model"] == "openai/local-qwen"
    assert t["attempts"][0]["model"] == "openai/dead" and not t["attempts"][0]["ok"]
    assert "paris" in resp.choices[0].message.content.lower()
    assert t["cost_usd"] > 0  # priced as a cloud model, from the server's real usage


async def test_stream_fallback_before_the_first_chunk(llama_server_url):
    router = _router(llama_server_url)
    routed = await router.astream(ChatRequest("openai/dead", QUESTION, {"max_tokens": 8, "temperature": 0}, True))
    text = "".join([(c["choices"][0]["delta"].get("content") or "") async for c in routed if c.get("choices")])
    assert routed.model == "openai/local-qwen" and "paris" in text.lower()


@pytest.mark.parametrize(("threshold", "escalated"), [(0.0, False), (0.999999, True)])
async def test_cascade_on_real_logprobs(llama_server_url, threshold, escalated):
    rules = [{"name": "cascade-all", "choose": "cheapest", "cascade": True}]
    router = _router(llama_server_url, rules=rules, fallbacks=["openai/local-qwen"],
                     cascade={"threshold": threshold, "cheap": ["local/qwen2.5-coder-0.5b"],
                              "strong": ["openai/local-qwen"]})
    resp = await router.acomplete(ChatRequest("auto", QUESTION, {"max_tokens": 8, "temperature": 0}))
    c = resp["turnout"]["cascade"]
    assert c["method"] == "logprobs" and 0.0 < c["confidence"] <= 1.0
    assert c["escalated"] is escalated
    assert resp["turnout"]["model"] == ("openai/local-qwen" if escalated else "local/qwen2.5-coder-0.5b")
    assert "paris" in resp.choices[0].message.content.lower()


async def test_confidential_request_answered_by_the_embedded_model(llama_server_url):
    router = _router(llama_server_url)
    resp = await router.acomplete(ChatRequest("auto", QUESTION, {"max_tokens": 8, "temperature": 0}),
                                  RouteHints(sensitivity=Sensitivity.CONFIDENTIAL))
    assert resp["turnout"]["model"] == "local/qwen2.5-coder-0.5b"
    assert {r["model"] for r in resp["turnout"]["rejected"]} == {"openai/local-qwen", "openai/dead"}

"""A configured embedding model is never a chat candidate (red9g: with text-embedding-3-small
listed in `models:`, its low price made every `auto` chat request go to it), and naming one on
a chat door says where it belongs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.catalog import EMBEDDING_MODELS
from turnout.errors import NotFoundError
from turnout.model_access import check_callable
from turnout.routing.router import Router
from turnout.types import ChatRequest

CHAT = [{"name": "gpt-4o-mini", "api_key": "sk-x"}, {"name": "gpt-4o", "api_key": "sk-x"},
        {"name": "local/qwen2.5-coder-0.5b"}]
EMBED = [name for name in EMBEDDING_MODELS if not name.startswith("local/")]


@settings(max_examples=25, deadline=None)
@given(embedding=st.sampled_from(EMBED), how=st.sampled_from(["name", "model"]),
       prompt=st.sampled_from(["hi", "Prove that there are infinitely many primes, step by step.",
                               "Write a long essay on the history of Rome " * 20]))
def test_auto_never_routes_chat_to_an_embedding_model(embedding: str, how: str, prompt: str) -> None:
    entry = {"name": embedding, "api_key": "sk-x"} if how == "name" else {
        "name": "my-embedder", how: embedding, "provider": "openai", "api_key": "sk-x"}
    router = Router.from_dict({"models": [*CHAT, entry]})
    decision = router.route(ChatRequest("auto", [{"role": "user", "content": prompt}], {}))
    assert decision.model in {m["name"] for m in CHAT}
    assert entry["name"] in router.embedding_models and entry["name"] not in router.models


def test_naming_an_embedding_model_on_a_chat_door_says_where_it_belongs() -> None:
    router = Router.from_dict({"models": [*CHAT, {"name": "text-embedding-3-small", "api_key": "sk-x"}]})
    with pytest.raises(NotFoundError, match="embedding model"):
        check_callable(router, "text-embedding-3-small", configured=True)

"""Retrieval-first over a real store (`routing.retrieval.store`): what the decision record says,
confidential entries, and the embedded model as the answer checker."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.config import RetrievalConfig
from turnout.kb.store import Entry, KnowledgeStore
from turnout.knowledge_base import Hit
from turnout.providers.fake import FakeProvider
from turnout.routing.retrieval import clear_lead
from turnout.routing.router import Router
from turnout.types import ChatRequest


@pytest.fixture(autouse=True)
def _reset_fake():
    FakeProvider.reset()
    yield
    FakeProvider.reset()


def ask(text: str) -> ChatRequest:
    return ChatRequest("auto", [{"role": "user", "content": text}], {"max_tokens": 16})


def _store(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    kb = KnowledgeStore.open(url)
    kb.add([Entry(question="How long does a refund take?", answer="Refunds arrive within 14 days."),
            Entry(text="Warehouse door codes change every Monday.", source="ops.md", confidential=True)])
    kb.close()
    return url


async def test_store_backed_retrieval_records_entry_ids(tmp_path):
    url = _store(tmp_path)
    r = Router.from_dict({"models": [{"name": "fake/cloud", "provider": "fake", "input_per_mtok": 1, "output_per_mtok": 1},
                                     {"name": "fake/judge", "provider": "fake", "local": True, "tier": 1,
                                      "extra": {"reply": "YES"}}],
                          "routing": {"retrieval": {"store": url}}})
    resp = await r.acomplete(ask("how many days until my refund arrives"))
    t = resp["turnout"]
    assert resp.choices[0].message.content == "Refunds arrive within 14 days."
    assert t["retrieval"]["answered"] is True and t["retrieval"]["hits"][0]["index"] == 1  # the store's id
    assert t["retrieval"]["check"]["model"] == "fake/judge"


async def test_a_confidential_store_entry_keeps_the_request_local(tmp_path):
    url = _store(tmp_path)
    r = Router.from_dict({"models": [{"name": "fake/cloud", "provider": "fake", "input_per_mtok": 0.1, "output_per_mtok": 0.1},
                                     {"name": "fake/local", "provider": "fake", "local": True, "tier": 1,
                                      "input_per_mtok": 1, "output_per_mtok": 1}],
                          "routing": {"retrieval": {"store": url},
                                      "rules": [{"name": "cheap", "choose": "cheapest"}]}})
    resp = await r.acomplete(ask("when do the warehouse door codes change"))
    t = resp["turnout"]
    assert t["model"] == "fake/local" and [n for n, _ in FakeProvider.calls] == ["fake/local"]
    assert t["retrieval"] == {"answered": False, "hits": [{"index": 2, "score": t["retrieval"]["hits"][0]["score"],
                                                            "source": "ops.md"}]}
    assert "door codes change every Monday" in FakeProvider.calls[0][1].messages[0]["content"]


@pytest.mark.model
async def test_the_embedded_model_checks_stored_answers(tmp_path):
    url = _store(tmp_path)
    r = Router.from_dict({"models": [{"name": "local/qwen2.5-coder-0.5b"},
                                     {"name": "fake/cloud", "provider": "fake", "input_per_mtok": 1, "output_per_mtok": 1}],
                          "routing": {"retrieval": {"store": url}}})
    resp = await r.acomplete(ask("How long does it take to get a refund?"))
    check = resp["turnout"]["retrieval"]["check"]
    assert check["model"] == "local/qwen2.5-coder-0.5b" and 0.0 <= check["confidence"] <= 1.0
    assert resp["turnout"]["retrieval"]["answered"] is (check["confidence"] >= check["threshold"])
    unrelated = await r.acomplete(ask("Write a limerick about a cat."))
    assert unrelated["turnout"]["retrieval"]["answered"] is False and "check" not in unrelated["turnout"]["retrieval"]


class _TwoEntries:
    """A knowledge base whose two best entries score as given (the lead rule is under test)."""

    def __init__(self, first: float, second: float) -> None:
        self.hits = [Hit(first, "How do I add a bag after booking?", "In Manage booking, until 24 hours before.", None, 7),
                     Hit(second, "How much is an extra bag?", "40 EUR online, 70 EUR at the airport.", None, 2)]

    def search(self, query: str, k: int) -> list[Hit]:
        return self.hits[:k]


def _lead_router(first: float, second: float, margin: float) -> Router:
    return Router.from_dict({"models": [{"name": "fake/cloud", "provider": "fake", "input_per_mtok": 1, "output_per_mtok": 1}],
                             "routing": {"retrieval": {"checker": "none", "coverage": False, "answer_margin": margin}}},
                            knowledge_base=_TwoEntries(first, second))


@settings(max_examples=60, deadline=None)
@given(st.floats(0.7, 1.0), st.floats(0.0, 0.3), st.floats(0.0, 0.3))  # both above passage_threshold
async def test_a_stored_answer_needs_a_clear_lead_over_the_next_entry(first, drop, margin):
    """Answered directly exactly when the best entry leads the next by the margin; otherwise both
    entries go to the model (the wrong one of two close entries may cover the question's words)."""
    FakeProvider.reset()
    second = first - drop
    resp = await _lead_router(first, second, margin).acomplete(ask("how much to add a bag at the airport"))
    record = resp["turnout"]["retrieval"]
    assert record["answered"] is (first - second >= margin) is clear_lead(_TwoEntries(first, second).hits,
                                                                           RetrievalConfig(answer_margin=margin))
    if not record["answered"]:
        assert [h["index"] for h in record["hits"]] == [7, 2]
        assert "40 EUR online" in FakeProvider.calls[0][1].messages[0]["content"]

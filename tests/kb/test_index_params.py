"""The approximate index's graph parameters: configurable, reaching usearch, and a saved index
built with other ones is rebuilt rather than loaded."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from turnout.config import RetrievalConfig
from turnout.kb import index as kb_index
from turnout.kb.store import Entry, KnowledgeStore

needs_usearch = pytest.mark.skipif(not kb_index.usearch_available(), reason="usearch not installed")

FAQ = [
    Entry(question="How do I reset my password?", answer="Settings > Security > Reset password."),
    Entry(question="Which payment methods do you accept?", answer="Cards, PayPal and bank transfer."),
    Entry(text="Parcels to Switzerland pay customs duties on delivery.", source="shipping.md"),
]


def test_config_defaults_are_the_index_defaults_and_bad_values_are_refused():
    cfg = RetrievalConfig()
    assert (cfg.index_connectivity, cfg.index_expansion_add, cfg.search_expansion) == (
        kb_index.DEFAULT_CONNECTIVITY, kb_index.DEFAULT_EXPANSION_ADD, kb_index.DEFAULT_EXPANSION_SEARCH)
    assert RetrievalConfig(index_connectivity=48, index_expansion_add=300).index_connectivity == 48
    for bad in ({"index_connectivity": 1}, {"index_connectivity": 1000}, {"index_expansion_add": 0}):
        with pytest.raises(ValidationError):
            RetrievalConfig(**bad)


@needs_usearch
def test_graph_parameters_reach_usearch():
    idx = kb_index.VectorIndex(8, approximate=True, connectivity=40, expansion_add=96, expansion_search=200)
    assert (idx._ann.connectivity, idx._ann.expansion_add, idx._ann.expansion_search) == (40, 96, 200)


@needs_usearch
def test_a_snapshot_with_other_graph_parameters_is_rebuilt(tmp_path):
    url, snap = f"sqlite:///{tmp_path / 'kb.db'}", tmp_path / "kb.index"
    first = KnowledgeStore.open(url, snapshot=snap, connectivity=16, expansion_add=64)
    first.add(FAQ)
    first.save_snapshot()

    same = KnowledgeStore.open(url, snapshot=snap, index="lazy", connectivity=16, expansion_add=64)

    def no_rebuild(*_a, **_k):
        raise AssertionError("rebuilt from the store instead of loading the snapshot")

    same._db.stream = no_rebuild  # type: ignore[method-assign]
    assert same.search("I forgot my password", 1)[0].answer.startswith("Settings")

    denser = KnowledgeStore.open(url, snapshot=snap, connectivity=32, expansion_add=128)
    assert denser._index is not None and denser._index._ann.connectivity == 32  # rebuilt, not the file's 16
    assert denser.search("I forgot my password", 1)[0].answer.startswith("Settings")
    for kb in (first, same, denser):
        kb.close()

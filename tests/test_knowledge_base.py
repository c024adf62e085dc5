"""Knowledge base: JSONL loading with line-numbered errors, cached embeddings, cosine search."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from turnout.knowledge_base import Hit, KnowledgeBase, KnowledgeBaseError

FAQ = [
    {"question": "How do I reset my password?", "answer": "Settings > Security > Reset password."},
    {"question": "How do I cancel my subscription?", "answer": "Billing > Cancel plan."},
    {"question": "What payment methods do you accept?", "answer": "Cards and PayPal."},
    {"text": "Refunds are issued within 14 days after the returned item arrives at our warehouse."},
    {"text": "Our office in Lisbon is open Monday to Friday from 9am to 6pm."},
]


def write(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_search_finds_the_right_entry(tmp_path: Path) -> None:
    kb = KnowledgeBase.load(write(tmp_path / "faq.jsonl", FAQ))
    assert len(kb) == 5
    hits = kb.search("I forgot my password, how can I reset it?", k=2)
    assert len(hits) == 2 and isinstance(hits[0], Hit)
    assert hits[0].index == 0 and (hits[0].answer or "").startswith("Settings")
    assert hits[0].score > hits[1].score
    refund = kb.search("When will I get my refund?", k=1)[0]
    assert refund.index == 3 and refund.question is None and refund.text and refund.text.startswith("Refunds")
    assert refund.passage == refund.text
    assert "Q: How do I reset" in hits[0].passage


def test_k_larger_than_the_base_and_empty_query(tmp_path: Path) -> None:
    kb = KnowledgeBase.load(write(tmp_path / "faq.jsonl", FAQ))
    assert len(kb.search("payment", k=50)) == 5
    assert kb.search("", k=3) == []
    assert kb.search("payment", k=0) == []


def test_bad_lines_are_named_by_line_number(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.jsonl", [
        FAQ[0],
        "",  # blank lines are fine
        "{not json",
        '["a list"]',
        {"question": "Q without answer"},
        {"text": ""},
        {"title": "unknown shape"},
        FAQ[1],
    ])
    with pytest.raises(KnowledgeBaseError) as info:
        KnowledgeBase.load(path)
    message = str(info.value)
    for line in (3, 4, 5, 6, 7):
        assert f"bad.jsonl:{line}:" in message
    assert "bad.jsonl:1:" not in message and "bad.jsonl:8:" not in message
    assert "5 bad line(s)" in message


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="cannot read"):
        KnowledgeBase.load(tmp_path / "nope.jsonl")
    with pytest.raises(KnowledgeBaseError, match="no entries"):
        KnowledgeBase.load(write(tmp_path / "empty.jsonl", ["", "  "]))


def test_embeddings_are_cached_by_content_and_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TURNOUT_HOME", str(tmp_path / "home"))
    path = write(tmp_path / "faq.jsonl", FAQ)
    KnowledgeBase.load(path)
    cached = list(tmp_path.glob(".faq.jsonl.*.npy"))
    assert len(cached) == 1

    from turnout.embeddings import default_embedder

    class Counting:
        dim = default_embedder().dim
        model_id = default_embedder().model_id
        calls = 0

        def embed(self, texts: list[str]) -> np.ndarray:
            Counting.calls += 1
            return default_embedder().embed(texts)

    kb = KnowledgeBase.load(path, embedder=Counting())  # type: ignore[arg-type]
    assert Counting.calls == 0  # matrix from the cache
    assert kb.search("reset password", 1)[0].index == 0
    assert Counting.calls == 1  # the query only
    write(path, [*FAQ, {"text": "New entry about shipping to Canada."}])
    kb = KnowledgeBase.load(path, embedder=Counting())  # type: ignore[arg-type]
    assert len(kb) == 6 and Counting.calls == 2  # content changed: embedded again


def test_read_only_directory_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("TURNOUT_HOME", str(home))
    monkeypatch.delenv("TURNOUT_CACHE_DIR", raising=False)  # the cache follows TURNOUT_HOME
    ro = tmp_path / "ro"
    ro.mkdir()
    path = write(ro / "faq.jsonl", FAQ)
    ro.chmod(0o555)
    try:
        kb = KnowledgeBase.load(path)
        assert len(kb) == 5
    finally:
        ro.chmod(0o755)
    # root ignores permission bits; either place is fine, but it must be cached somewhere
    assert list(ro.glob(".faq.jsonl.*.npy")) or list((home / "knowledge_base").glob("*.npy"))


def test_from_rows() -> None:
    kb = KnowledgeBase.from_rows(FAQ)
    assert kb.search("Which payment methods are accepted?", 1)[0].index == 2
    with pytest.raises(KnowledgeBaseError, match="<rows>:1"):
        KnowledgeBase.from_rows([{"answer": "A without Q"}])

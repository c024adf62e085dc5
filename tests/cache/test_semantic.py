"""Semantic cache: the near-miss table must all miss, paraphrases should mostly hit."""

from __future__ import annotations

import numpy as np
import pytest

from turnout.cache import ResponseCache
from turnout.cache.guards import compatible, signature
from turnout.cache.semantic import LocalSemanticIndex, SemanticEntry
from turnout.types import make_completion

from .semantic_pairs import NEAR_MISSES, PARAPHRASES


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def answer(text: str) -> dict[str, object]:
    return make_completion(model="gpt-4o", content=text, prompt_tokens=10, completion_tokens=5)


def test_tables_are_big_enough() -> None:
    assert len(NEAR_MISSES) >= 40 and len(PARAPHRASES) >= 20


@pytest.mark.parametrize("stored, asked, why", NEAR_MISSES, ids=[f"{i}-{w}" for i, (_, _, w) in enumerate(NEAR_MISSES)])
def test_guards_reject_every_near_miss(stored: str, asked: str, why: str) -> None:
    ok, reason = compatible(signature(stored), signature(asked))
    assert not ok, f"guards let through ({why}): {stored!r} -> {asked!r}"
    assert reason


async def test_near_misses_all_miss_through_the_cache() -> None:
    # guards on and the threshold at its lowest useful value: they must hold on their own
    cache = ResponseCache.from_url("memory", semantic=True, threshold=0.3)
    for i, (stored, asked, _) in enumerate(NEAR_MISSES):
        ns = f"n{i}"
        await cache.store(ns, "gpt-4o", ask(stored), {}, answer(f"answer to {stored}"))
        hit = await cache.lookup(ns, "gpt-4o", ask(asked), {})
        assert hit is None, f"false hit: {stored!r} answered {asked!r} (similarity {hit.similarity:.3f})"
    assert sum(cache.stats.guard_rejections.values()) >= len(NEAR_MISSES) // 2


async def test_paraphrase_hit_rate() -> None:
    cache = ResponseCache.from_url("memory", semantic=True)
    hits = []
    for i, (stored, asked) in enumerate(PARAPHRASES):
        ns = f"p{i}"
        await cache.store(ns, "gpt-4o", ask(stored), {}, answer(f"answer to {stored}"))
        hit = await cache.lookup(ns, "gpt-4o", ask(asked), {})
        if hit is not None:
            assert hit.kind == "semantic" and hit.matched_prompt == stored
            assert hit.response.choices[0].message.content == f"answer to {stored}"
        hits.append(hit is not None)
    rate = sum(hits) / len(hits)
    print(f"paraphrase hit rate at the default threshold: {sum(hits)}/{len(hits)} = {rate:.0%}")
    assert rate >= 0.6


async def test_semantic_never_crosses_tenants_or_contexts() -> None:
    cache = ResponseCache.from_url("memory", semantic=True)
    await cache.store("alice", "gpt-4o", ask("What is the capital of France?"), {}, answer("Paris"))
    paraphrase = ask("What's the capital of France?")
    assert await cache.lookup("alice", "gpt-4o", paraphrase, {}) is not None
    assert await cache.lookup("bob", "gpt-4o", paraphrase, {}) is None
    assert await cache.lookup("alice", "gpt-4o-mini", paraphrase, {}) is None
    assert await cache.lookup("alice", "gpt-4o", paraphrase, {"max_tokens": 5}) is None
    with_system = [{"role": "system", "content": "Answer in French."}, *paraphrase]
    assert await cache.lookup("alice", "gpt-4o", with_system, {}) is None


async def test_semantic_skips_non_text_and_long_prompts() -> None:
    cache = ResponseCache.from_url("memory", semantic=True, max_semantic_chars=50)
    long_q = "Explain " + "very " * 20 + "carefully how tides work."
    await cache.store("t", "m", ask(long_q), {}, answer("tides"))
    assert await cache.lookup("t", "m", ask(long_q.replace("Explain", "Describe")), {}) is None
    image = [{"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                           {"type": "image_url", "image_url": {"url": "data:..."}}]}]
    await cache.store("t", "m", image, {}, answer("a cat"))
    other = [{"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                          {"type": "image_url", "image_url": {"url": "data:other"}}]}]
    assert await cache.lookup("t", "m", other, {}) is None


async def test_local_index_search_order_expiry_and_removal() -> None:
    index = LocalSemanticIndex()
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sig = signature("x")
    for i, v in enumerate(vectors):
        expires = 1.0 if i == 3 else None  # long expired
        await index.add("ns:s:c", v, SemanticEntry(f"ns:x:{i}", f"q{i}", sig, 0.0, expires))
    found = await index.search("ns:s:c", vectors[7], threshold=0.99)
    assert [e.entry_key for _, e in found] == ["ns:x:7"]
    assert await index.search("ns:s:c", vectors[3], threshold=0.99) == []  # expired
    await index.remove("ns:s:c", "ns:x:7")
    assert await index.search("ns:s:c", vectors[7], threshold=0.99) == []
    assert await index.search("other:s:c", vectors[8], threshold=0.0) == []
    await index.clear("ns")
    assert len(index) == 0


async def test_local_index_bounded() -> None:
    index = LocalSemanticIndex(max_entries_per_partition=10)
    sig = signature("x")
    for i in range(25):
        v = np.zeros(4, dtype=np.float32)
        v[i % 4] = 1.0
        await index.add("ns:s:c", v, SemanticEntry(f"ns:x:{i}", "q", sig, 0.0, None))
    assert len(index) == 10
    found = await index.search("ns:s:c", np.array([1, 0, 0, 0], dtype=np.float32), 0.5, k=20)
    assert {e.entry_key for _, e in found} == {"ns:x:16", "ns:x:20", "ns:x:24"}  # oldest went first

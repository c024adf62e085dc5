"""The runnable knowledge base: SQLite and PostgreSQL stores, the in-process index kept in
step with the store across processes sharing it, chunking, confidential entries."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turnout.kb.chunking import chunk_text, entries_from_file
from turnout.kb.index import VectorIndex
from turnout.kb.store import Entry, KnowledgeStore

PG_BASE = os.environ.get("TURNOUT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

FAQ = [
    Entry(question="How do I reset my password?", answer="Settings > Security > Reset password."),
    Entry(question="Which payment methods do you accept?", answer="Cards, PayPal and bank transfer."),
    Entry(text="Parcels to Switzerland pay customs duties on delivery.", source="shipping.md"),
]


def _pg_ok() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_BASE, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception:
        return False
    return True


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path) -> Iterator[tuple[str, str]]:
    prefix = f"kbtest_{uuid.uuid4().hex[:10]}"
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kb.db'}", prefix
        return
    if not _pg_ok():
        pytest.skip(f"PostgreSQL at {PG_BASE} unavailable")
    yield PG_BASE, prefix
    import psycopg

    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {prefix}_entries")
        conn.execute(f"DROP TABLE IF EXISTS {prefix}_changes")


def test_add_search_remove(store_url):
    url, prefix = store_url
    kb = KnowledgeStore.open(url, prefix=prefix)
    ids = kb.add(FAQ)
    assert len(ids) == 3 and len(kb) == 3
    hits = kb.search("I forgot my password", 2)
    assert hits[0].index == ids[0] and hits[0].answer.startswith("Settings") and hits[0].score > hits[1].score
    assert kb.search("customs for parcels to Switzerland", 1)[0].source == "shipping.md"
    assert kb.remove([ids[0]]) == 1 and len(kb) == 2
    assert ids[0] not in [h.index for h in kb.search("I forgot my password", 3)]
    assert kb.remove(source="shipping.md") == 1
    assert [e.id for e in kb.entries()] == [ids[1]]
    assert kb.remove([12345]) == 0
    kb.close()


def test_a_second_process_sees_changes_without_a_restart(store_url):
    url, prefix = store_url
    a = KnowledgeStore.open(url, prefix=prefix)
    b = KnowledgeStore.open(url, prefix=prefix)
    [pid] = a.add(FAQ[:1])
    assert b.search("reset my password", 1)[0].index == pid  # b synced from the change log
    a.remove([pid])
    assert b.search("reset my password", 1) == []
    c = KnowledgeStore.open(url, prefix=prefix)  # a late starter builds its index from the store
    a.add(FAQ[1:])
    assert {h.index for h in c.search("payment methods", 3)} == {h.index for h in a.search("payment methods", 3)}
    for kb in (a, b, c):
        kb.close()


def test_confidential_entries_are_marked_on_their_hits(tmp_path):
    kb = KnowledgeStore.open(f"sqlite:///{tmp_path / 'kb.db'}")
    kb.add([Entry(text="The staging database password rotates monthly.", confidential=True)])
    assert kb.search("staging password rotation", 1)[0].confidential is True
    kb.close()


def test_entry_needs_content():
    with pytest.raises(ValueError):
        Entry(question="q?")
    with pytest.raises(ValueError):
        Entry(text="  ")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 30)), min_size=1, max_size=40))
def test_index_stays_in_step_with_the_store(tmp_path_factory, ops):
    """Random adds and removes through one handle; another handle's searches only ever return
    live entries, and exactly the ones a brute-force scan of the live set ranks first."""
    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'kb.db'}"
    writer, reader = KnowledgeStore.open(url), KnowledgeStore.open(url)
    live: dict[int, str] = {}
    for add, n in ops:
        if add:
            text = f"passage number {n} about topic {n % 7} and item {n * 13 % 11}"
            [i] = writer.add([Entry(text=text)])
            live[i] = text
        elif live:
            victim = sorted(live)[n % len(live)]
            writer.remove([victim])
            del live[victim]
    hits = reader.search("passage about topic 3 and item 5", 50)
    assert {h.index for h in hits} == set(live)
    assert all(h.text == live[h.index] for h in hits)
    writer.close()
    reader.close()


def test_exact_and_approximate_index_agree_on_small_sets():
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((500, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact, approx = VectorIndex(32, approximate=False), VectorIndex(32, approximate=True)
    keys = np.arange(500, dtype=np.uint64)
    exact.add(keys, vectors)
    approx.add(keys, vectors)
    agree = sum(exact.search(v, 1)[0][0] == approx.search(v, 1)[0][0] for v in vectors[:100])
    assert agree >= 98
    exact.remove([0, 1])
    approx.remove([0, 1])
    assert len(exact) == len(approx) == 498
    assert approx.search(vectors[0], 1)[0][0] != 0


def test_chunking_keeps_headings_and_size(tmp_path):
    doc = "# Billing\n\nIntro line.\n\n## Refunds\n\n" + " ".join(f"Sentence {i} is here." for i in range(100))
    chunks = chunk_text(doc, max_words=50)
    assert chunks[0] == "Billing\n\nIntro line."
    assert all(c.startswith("Billing > Refunds") for c in chunks[1:])
    assert all(len(c.split("\n\n", 1)[1].split()) <= 50 for c in chunks[1:])
    body = " ".join(c.split("\n\n", 1)[1] for c in chunks[1:])
    assert body.split() == " ".join(f"Sentence {i} is here." for i in range(100)).split()  # nothing lost
    path = tmp_path / "guide.md"
    path.write_text(doc)
    entries = entries_from_file(path, confidential=True, max_words=50)
    assert all(e.source == str(path) and e.confidential for e in entries)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q"}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:1"):
        entries_from_file(bad)


def _unit_vectors(n: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((n, 128)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_bulk_add_past_sqlites_parameter_limit(store_url):
    """One add of 40,000 entries (more than SQLite's 32,766 placeholders a statement): one
    transaction, contiguous ids, every entry found, and a remove of them all in one call.
    (Lazy handles with exact searches: the index is the next test's business.)"""
    url, prefix = store_url
    n = 40_000
    vectors = _unit_vectors(n, 3)
    entries = [Entry(text=f"synthetic passage {i}", source="bulk") for i in range(n)]
    kb = KnowledgeStore.open(url, prefix=prefix, index="lazy")
    [first] = kb.add(FAQ[:1])
    ids = kb.add(entries, vectors=vectors)
    assert ids == list(range(ids[0], ids[0] + n)) and ids[0] > first and len(kb) == n + 1
    other = KnowledgeStore.open(url, prefix=prefix, index="lazy")
    for probe in (0, n // 2, n - 1):
        assert other.search_vector(vectors[probe], 1, exact=True)[0].index == ids[probe]
    assert set(other.get(ids)) == set(ids)
    assert kb.remove(source="bulk") == n and len(kb) == 1
    assert [h.index for h in other.search_vector(vectors[7], 3, exact=True)] == [first]
    with pytest.raises(ValueError, match="vectors do not match"):
        kb.add(entries[:2], vectors=vectors[:1])
    kb.close()
    other.close()


@pytest.mark.slow
def test_indexes_stay_in_step_through_a_bulk_add(store_url):
    """12,000 entries added at once: the writer's index takes the vectors it wrote, another
    handle's index reads them from the change log in parts; both find every probe."""
    url, prefix = store_url
    n = 12_000
    vectors = _unit_vectors(n, 4)
    writer = KnowledgeStore.open(url, prefix=prefix, index_threads=2)
    reader = KnowledgeStore.open(url, prefix=prefix, index_threads=2)
    ids = writer.add([Entry(text=f"passage {i}") for i in range(n)], vectors=vectors)
    for probe in range(0, n, 997):
        assert writer.search_vector(vectors[probe], 1)[0].index == ids[probe]
        assert reader.search_vector(vectors[probe], 1)[0].index == ids[probe]
    writer.remove(ids[: n // 2])
    assert all(h.index in ids[n // 2 :] for h in reader.search_vector(vectors[0], 5))
    writer.close()
    reader.close()


def test_ids_are_never_reused_after_a_remove(store_url):
    url, prefix = store_url
    kb = KnowledgeStore.open(url, prefix=prefix)
    ids = kb.add(FAQ)
    kb.remove([ids[-1]])
    [again] = kb.add(FAQ[-1:])
    assert again > ids[-1]  # an old id in someone's decision record never names a new entry
    kb.close()


def test_a_lazy_handle_builds_no_index_and_its_exact_search_agrees(tmp_path):
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    lazy = KnowledgeStore.open(url, index="lazy")
    lazy.add(FAQ)
    assert lazy.index_bytes() == 0  # `turnout kb add` never pays for an index
    exact = lazy.search("I forgot my password", 3, exact=True)
    assert lazy.index_bytes() == 0
    indexed = KnowledgeStore.open(url).search("I forgot my password", 3)
    assert [h.index for h in exact] == [h.index for h in indexed]
    assert [round(h.score, 3) for h in exact] == [round(h.score, 3) for h in indexed]
    assert lazy.search("I forgot my password", 1)[0].index == exact[0].index  # a plain search builds it
    assert lazy.index_bytes() > 0
    lazy.close()


def test_a_restart_loads_the_saved_index_and_replays_what_changed_since(tmp_path):
    url, snap = f"sqlite:///{tmp_path / 'kb.db'}", tmp_path / "kb.index"
    first = KnowledgeStore.open(url, snapshot=snap)
    ids = first.add(FAQ)
    first.save_snapshot()
    assert snap.exists() and snap.with_name("kb.index.json").exists()
    writer = KnowledgeStore.open(url, index="lazy")  # changes after the snapshot was saved
    [late] = writer.add([Entry(question="Do you sell gift wrapping?", answer="Yes, for 3 EUR.")])
    writer.remove([ids[0]])
    restarted = KnowledgeStore.open(url, snapshot=snap, index="lazy")

    def no_rebuild(*_a, **_k):
        raise AssertionError("rebuilt from the store instead of loading the snapshot")

    restarted._db.stream = no_rebuild  # type: ignore[method-assign]
    assert restarted.search("gift wrapping", 1)[0].index == late
    assert ids[0] not in {h.index for h in restarted.search("I forgot my password", 3)}
    other_table = KnowledgeStore.open(url, prefix="other_kb", snapshot=snap)  # not its snapshot: rebuilt
    assert other_table.search("gift wrapping", 1) == []
    for kb in (first, writer, restarted, other_table):
        kb.close()


def test_search_expansion_is_the_callers_also_after_a_snapshot(tmp_path):
    url, snap = f"sqlite:///{tmp_path / 'kb.db'}", tmp_path / "kb.index"
    kb = KnowledgeStore.open(url, snapshot=snap, search_expansion=300)
    kb.add(FAQ)
    kb.save_snapshot()
    again = KnowledgeStore.open(url, snapshot=snap, search_expansion=40)
    if again._index is not None and again._index.approximate:
        assert again._index._ann.expansion_search == 40
    assert again.search("I forgot my password", 1)[0].answer.startswith("Settings")
    kb.close()
    again.close()

"""The word-cached embedding is the shipped embedder's vector, for any text."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.embeddings import default_embedder
from turnout.learn.word_embed import WordCachedEmbedder

_fast = WordCachedEmbedder(default_embedder())
# words, punctuation, digits, accents, CJK, ligatures, odd spaces and control characters
_pieces = st.sampled_from(["the", "The", "THE", "routing", "Straße", "İstanbul", "café", "naïve", "中文",
                           "ﬁle", "ＦＵＬＬ", "don't", "x=y+1;", "a_b", "€5", "²", "\x00", "\x0b", "\u00a0",
                           "\u3000", "\t", "\n", " ", "  ", ",", ".", "?", "(", "##", "[UNK]", "[CLS]",
                           "zqxjv", "antidisestablishmentarianism", "🙂", "e\u0301"])
texts = st.lists(_pieces | st.text(max_size=12), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, min_size=1, max_size=3))
def test_same_vector_as_the_tokenizer_over_the_whole_text(batch):
    slow = default_embedder().embed(batch)
    fast = _fast.embed(batch)
    for a, b in zip(slow, fast, strict=True):
        if not a.any():
            assert not b.any()
        else:
            assert float(a @ b) > 0.9999


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.characters(max_codepoint=127), max_size=60) | st.from_regex(
    r"[A-Za-z]{0,6}[0-9]{0,7}[$%(),.:;=+*/#\[\]_-]{0,3}[0-9A-Za-z]{0,5}", fullmatch=True), max_size=12).map(" ".join))
def test_ascii_words_assembled_from_pieces_give_the_tokenizers_vector(text):
    """New ASCII words (numbers, code, punctuation stuck to words) are cut as BERT cuts them and
    read from the pieces' ids; a fresh cache each time, so every word takes that path."""
    fast = WordCachedEmbedder(default_embedder())
    a, b = default_embedder().embed([text])[0], fast.embed([text])[0]
    if not a.any():
        assert not b.any()
    else:
        assert float(a @ b) > 0.9999


def test_the_cache_is_bounded(monkeypatch):
    from turnout.learn import word_embed

    emb = WordCachedEmbedder(default_embedder())
    monkeypatch.setattr(word_embed, "MAX_CACHED_WORDS", len(emb._ids) + 5)
    emb.embed([" ".join(f"qq{i}zz" for i in range(50))])
    assert len(emb._ids) == word_embed.MAX_CACHED_WORDS - 5 + 50  # one batch past the bound, then no more
    before = len(emb._ids)
    vec = emb.embed(["qq999zz qq998zz"])
    assert len(emb._ids) == before and np.isclose(np.linalg.norm(vec), 1.0)

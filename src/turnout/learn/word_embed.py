"""The shipped static embedding of a prompt, computed word by word from a cache: the same
vector as ``Embedder.embed`` (the mean of the prompt's WordPiece token vectors), without
running the tokenizer over the whole prompt on every request.

Why: a static model's embedding is a mean over tokens, and WordPiece tokenises each word on
its own (BERT's pre-tokenizer cuts at spaces and punctuation before WordPiece sees a word). So
a prompt's token ids are its words' token ids, concatenated. The tokenizer's whole-word
vocabulary seeds the cache (a vocabulary word is one token of itself); other words are
tokenised once, in one batch, and remembered (up to :data:`MAX_CACHED_WORDS`, so hostile
input cannot grow memory without bound). On a 1k-token prompt this is ~4x faster than the
tokenizer (bench/bench_router.py).

"Words" here are runs between spaces, tabs and newlines: BERT always cuts there, and cuts
further inside (punctuation, CJK characters), which the tokenizer does when it meets the run
alone, exactly as in context, so the ids are the same. ASCII text is lower-cased before the
look-up (ASCII lower-casing is BERT's) unless it holds a "[" (the tokenizer matches its
special tokens, "[UNK]", before lower-casing); other text is looked up as it is.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

MAX_CACHED_WORDS = 200_000
_RUN = re.compile(r"[^ \t\n\r]+")
# BERT's pre-tokenizer on lower-cased ASCII: runs of letters and digits; every other character
# (punctuation, symbols, control characters) is a piece of its own
_PIECE = re.compile(r"[a-z0-9]+|[^a-z0-9]")


class WordCachedEmbedder:
    def __init__(self, embedder: Any) -> None:
        # the embedder's own table and tokenizer (embeddings.Embedder keeps them private: this
        # module is its one friend, for the learned router's latency)
        self.table: np.ndarray = embedder._table
        self.tokenizer = embedder._tokenizer
        self.dim = int(self.table.shape[1])
        # the tokenizer truncates a whole text (512 tokens): so do we, to give the same vector
        trunc = self.tokenizer.truncation
        self.max_tokens: int | None = int(trunc["max_length"]) if trunc else None
        unk = self.tokenizer.token_to_id("[UNK]")
        self._unk = unk
        vocab: dict[str, int] = self.tokenizer.get_vocab()
        self._ids: dict[str, tuple[int, ...]] = {
            w: (i,) for w, i in vocab.items()
            if i != unk and not w.startswith("##") and not (w.startswith("[") and w.endswith("]"))
            # ASCII only: a vocabulary entry such as "é" is not what the normaliser makes of "é";
            # letters and digits only, or one character: "..." is in the vocabulary, yet the
            # pre-tokenizer cuts "..." into three "."
            and w.isascii() and (w.isalnum() or len(w) == 1) and not w.isspace() and w == w.lower()
        }

    def _learn(self, words: set[str]) -> dict[str, tuple[int, ...]]:
        """Token ids of words the cache lacks. An ASCII word is cut as BERT's pre-tokenizer cuts
        it (lower-cased, at every character that is not a letter or digit) and assembled from
        its pieces' cached ids; only pieces the cache lacks too (a long number, a rare word) go
        to the tokenizer, in one batch. On prompts with numbers and code most new words are
        known pieces ("x=y+1;", "$12.", "(3)"), and the tokenizer is not called at all."""
        get = self._ids.get
        # (a control character is deleted by BERT's normaliser, joining its neighbours: such a
        # word goes to the tokenizer whole, as do non-ASCII words and "[", its special tokens)
        pieces = {w: _PIECE.findall(w.lower()) if w.isascii() and w.isprintable() and "[" not in w else [w]
                  for w in words}
        unknown = list({p for ps in pieces.values() for p in ps if get(p) is None})
        known: dict[str, tuple[int, ...]] = {}
        if unknown:
            encodings = self.tokenizer.encode_batch(unknown, add_special_tokens=False)
            known = {p: tuple(t for t in e.ids if t != self._unk) for p, e in zip(unknown, encodings, strict=True)}
        learned: dict[str, tuple[int, ...]] = {}
        for w, ps in pieces.items():
            ids: list[int] = []
            for p in ps:
                got = get(p)
                ids.extend(got if got is not None else known[p])
            learned[w] = tuple(ids)
        if len(self._ids) < MAX_CACHED_WORDS:
            self._ids.update(learned)
        return learned

    def token_ids(self, text: str) -> list[int]:
        if text.isascii() and "[" not in text:
            words = _RUN.findall(text.lower())
        else:  # lower-casing would hide the tokenizer's special tokens ("[UNK]") from it
            words = _RUN.findall(text)
        get = self._ids.get
        ids: list[int] = []
        missing: set[str] | None = None
        for w in words:
            got = get(w)
            if got is None:
                missing = missing or set()
                missing.add(w)
            else:
                ids.extend(got)
        if missing:
            learned = self._learn(missing)
            ids = []
            for w in words:
                got = get(w)
                ids.extend(got if got is not None else learned[w])
        return ids

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text (zeros for a text with no known token)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            ids = self.token_ids(text)
            if self.max_tokens is not None:
                ids = ids[: self.max_tokens]
            if ids:
                v = self.table[ids].sum(axis=0)
                n = float(np.sqrt(v @ v))
                if n > 0:
                    out[i] = v / n
        return out

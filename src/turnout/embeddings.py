"""Sentence embeddings on the CPU with numpy + tokenizers: no torch, no network.

The shipped model (``turnout/data/embedding_model``) is a static embedding model built once
from sentence-transformers/all-MiniLM-L6-v2 by ``scripts/build_embedding_model.py``
(model2vec distillation, aligned to and fine-tuned against the full model): a sentence's vector
is the mean of its WordPiece tokens' rows, L2-normalised. That is one table look-up per token,
so a short prompt embeds in tens of microseconds and the model loads in tens of milliseconds.

    from turnout.embeddings import default_embedder
    vectors = default_embedder().embed(["What is the capital of France?"])  # (1, 128) float32

Static embeddings see words, not word order: "dog bites man" and "man bites dog" embed the
same. Callers that must tell such texts apart (the semantic cache) add their own guards.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from turnout.errors import ModelIntegrityError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

__all__ = ["DEFAULT_MODEL_DIR", "Embedder", "cosine_scores", "default_embedder"]

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "data" / "embedding_model"


class Embedder:
    """A static (bag-of-tokens) embedding model. Thread-safe: it holds no mutable state."""

    def __init__(self, table: np.ndarray, tokenizer: Tokenizer, *, model_id: str) -> None:
        if table.ndim != 2 or table.dtype != np.float32:
            raise ValueError("table must be a 2-D float32 array")
        self._table = table
        self._tokenizer = tokenizer
        self._unk_id = tokenizer.token_to_id("[UNK]")
        self.model_id = model_id
        # tokenizers >= 0.20 has encode_batch_fast (no offsets: ~2x faster); older ones do not
        self._encode_batch = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)

    @property
    def dim(self) -> int:
        return int(self._table.shape[1])

    @classmethod
    def from_dir(cls, path: str | Path, *, verify: bool = True) -> Embedder:
        """Load a model directory: config.json, vectors.npz (int8 + row scales), tokenizer.json."""
        from tokenizers import Tokenizer

        path = Path(path)
        try:
            config: dict[str, Any] = json.loads((path / "config.json").read_text())
            vectors_bytes = (path / "vectors.npz").read_bytes()
            tokenizer_bytes = (path / "tokenizer.json").read_bytes()
        except (OSError, ValueError) as exc:
            raise ModelIntegrityError(f"embedding model at {path} is missing or unreadable: {exc}") from exc
        if verify and config.get("sha256"):
            digest = hashlib.sha256(vectors_bytes + tokenizer_bytes).hexdigest()
            if digest != config["sha256"]:
                raise ModelIntegrityError(f"embedding model at {path} is corrupt (sha256 mismatch)")
        import io

        with np.load(io.BytesIO(vectors_bytes), allow_pickle=False) as npz:
            vectors, scales = npz["vectors"], npz["scales"]
        # dequantise once: 15 MB of float32 makes every look-up a plain gather
        table = vectors.astype(np.float32) * scales.astype(np.float32)[:, None]
        tokenizer = Tokenizer.from_str(tokenizer_bytes.decode("utf-8"))
        tokenizer.no_padding()
        return cls(table, tokenizer, model_id=str(config.get("model_id", path.name)))

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        encodings = self._encode_batch(texts, add_special_tokens=False)
        unk = self._unk_id
        return [[t for t in e.ids if t != unk] for e in encodings]

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text (a text with no known token gets zeros)."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a list of strings")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = self.token_ids(list(texts))
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        nonempty = lengths > 0
        if nonempty.any():
            flat = np.fromiter((t for x in ids for t in x), dtype=np.int64, count=int(lengths.sum()))
            starts = np.concatenate(([0], np.cumsum(lengths[nonempty])[:-1]))
            sums = np.add.reduceat(self._table[flat], starts, axis=0)
            out[nonempty] = sums / lengths[nonempty, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


# OpenBLAS spreads a large matrix-vector product over threads; on a busy machine the threads
# wait for cores and a 100k-row search took 10-20 ms instead of 2 ms. Blocks of 1024 rows stay
# under its threading threshold (measured: bench/bench_cache.py).
_SCORE_BLOCK = 1024


def cosine_scores(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``matrix @ vector`` for unit rows and a unit vector, single-threaded by construction."""
    out = np.empty(len(matrix), dtype=np.float32)
    for start in range(0, len(matrix), _SCORE_BLOCK):
        np.matmul(matrix[start : start + _SCORE_BLOCK], vector, out=out[start : start + _SCORE_BLOCK])
    return out


_default: Embedder | None = None
_default_lock = threading.Lock()


def default_embedder() -> Embedder:
    """The shipped model, loaded once per process (thread-safe)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Embedder.from_dir(DEFAULT_MODEL_DIR)
    return _default

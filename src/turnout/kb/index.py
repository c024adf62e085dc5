"""The in-process nearest-neighbour index over a knowledge store's vectors.

usearch (HNSW, from PyPI; ``pip install "turnout[kb]"``) when installed: sub-millisecond
searches at a million passages. Without it, an exact numpy scan (cosine_scores), which is
fine up to tens of thousands of passages. Keys are the store's entry ids; scores are cosine
similarities, best first.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

import numpy as np

from turnout.embeddings import cosine_scores

__all__ = ["DEFAULT_CONNECTIVITY", "DEFAULT_EXPANSION_ADD", "DEFAULT_EXPANSION_SEARCH", "VectorIndex",
           "usearch_available"]

# HNSW defaults, from the sweep in docs/benchmarks.md ("The knowledge base index: recall sweep"),
# 100k synthetic passages: 16 links / 128 search kept the exact scan's top 1 for only 0.69 of
# queries; 32 links / 512 search keeps it for 0.97 (search ~3x slower, index +40% bytes). More
# links beat a wider build (expansion_add 256 at 16 links: 0.94 at search 512) at less build time.
DEFAULT_CONNECTIVITY = 32
DEFAULT_EXPANSION_ADD = 64
DEFAULT_EXPANSION_SEARCH = 512


def usearch_available() -> bool:
    return importlib.util.find_spec("usearch") is not None


class VectorIndex:
    def __init__(self, dim: int, *, approximate: bool | None = None,
                 expansion_search: int = DEFAULT_EXPANSION_SEARCH, connectivity: int = DEFAULT_CONNECTIVITY,
                 expansion_add: int = DEFAULT_EXPANSION_ADD) -> None:
        self.dim = dim
        self._expansion_search, self._expansion_add = expansion_search, expansion_add
        self.approximate = usearch_available() if approximate is None else approximate
        self._lock = threading.Lock()
        if self.approximate:
            from usearch.index import Index

            # f16 halves memory against f32 and leaves the exact top 1 unchanged (bench_kb_scale.py
            # --sweep: 1.000 at 100k); connectivity (links per node) and expansion_add shape the
            # graph when it is built, expansion_search only how wide a search looks.
            self._ann = Index(ndim=dim, metric="cos", dtype="f16", connectivity=connectivity,
                              expansion_add=expansion_add, expansion_search=expansion_search)
        else:
            self._keys = np.zeros(0, dtype=np.uint64)
            self._matrix = np.zeros((0, dim), dtype=np.float32)

    def __len__(self) -> int:
        return len(self._ann) if self.approximate else len(self._keys)

    def add(self, keys: np.ndarray, vectors: np.ndarray, *, threads: int = 1) -> None:
        """Add (or replace) vectors. One thread by default: a gateway's event loop shares the CPU."""
        keys = np.asarray(keys, dtype=np.uint64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._lock:
            self._remove_locked(keys)  # re-adding a key replaces it
            if self.approximate:
                self._ann.add(keys, vectors, threads=threads)
            else:
                self._keys = np.concatenate([self._keys, keys])
                self._matrix = np.concatenate([self._matrix, vectors])

    def remove(self, keys: list[int]) -> None:
        with self._lock:
            self._remove_locked(np.asarray(keys, dtype=np.uint64))

    def _remove_locked(self, keys: np.ndarray) -> None:
        if not len(keys) or not len(self):
            return
        if self.approximate:
            present = keys[np.asarray(self._ann.contains(keys), dtype=bool).reshape(-1)]
            if len(present):
                self._ann.remove(present)
        else:
            keep = ~np.isin(self._keys, keys)
            self._keys, self._matrix = self._keys[keep], self._matrix[keep]

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        with self._lock:
            n = len(self)
            if n == 0 or k < 1:
                return []
            k = min(k, n)
            if self.approximate:
                found = self._ann.search(vector, k, threads=1)
                return [(int(key), float(1.0 - dist)) for key, dist in zip(found.keys, found.distances, strict=True)]
            scores = cosine_scores(self._matrix, vector)
            top = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
            top = top[np.argsort(-scores[top], kind="stable")]
            return [(int(self._keys[i]), float(scores[i])) for i in top]

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (atomically: a reader never loads half a file)."""
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with self._lock:
            if self.approximate:
                self._ann.save(str(tmp))
            else:
                with tmp.open("wb") as fh:
                    np.savez(fh, keys=self._keys, matrix=self._matrix)
        tmp.replace(path)

    def load(self, path: Path) -> None:
        """Replace the contents with a saved index (of the same kind and dimension)."""
        with self._lock:
            if self.approximate:
                self._ann.load(str(path))
                # this process's settings, not the file's (usearch has setters its typing misses);
                # the graph's connectivity is the file's (the store rebuilds when it differs)
                self._ann.expansion_search = self._expansion_search  # type: ignore[misc]
                self._ann.expansion_add = self._expansion_add  # type: ignore[misc]
                if self._ann.ndim != self.dim:
                    raise ValueError(f"saved index has {self._ann.ndim} dimensions, not {self.dim}")
            else:
                with np.load(path, allow_pickle=False) as npz:
                    keys, matrix = npz["keys"], npz["matrix"]
                if matrix.shape[1:] != (self.dim,) or len(keys) != len(matrix):
                    raise ValueError("saved index does not match")
                self._keys, self._matrix = keys.astype(np.uint64), matrix.astype(np.float32)

    def memory_bytes(self) -> int:
        if self.approximate:
            return int(self._ann.memory_usage)
        return int(self._keys.nbytes + self._matrix.nbytes)

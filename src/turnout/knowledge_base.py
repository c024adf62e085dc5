"""Retrieval-first knowledge base: answer from known Q&A pairs or hand passages to the model.

The founding design's "Pattern 2": embed the question cheaply, search a vector store, and only
call an expensive model when the answer is not already known. Here the store is a JSONL file,
one entry per line:

    {"question": "How do I reset my password?", "answer": "Settings > Security > Reset."}
    {"text": "Refunds are issued within 14 days of a return being received."}

Questions (or passages) are embedded once with turnout.embeddings; the matrix is cached next to
the file (or under turnout's home directory when that is read-only), keyed by the file's content
hash and the model id, so a restart does not re-embed and an edit or a new model does.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from turnout.embeddings import cosine_scores
from turnout.errors import ConfigError

if TYPE_CHECKING:
    from turnout.embeddings import Embedder

__all__ = ["Hit", "KnowledgeBase", "KnowledgeBaseError"]

log = logging.getLogger("turnout.knowledge_base")
_MAX_REPORTED_ERRORS = 10


class KnowledgeBaseError(ConfigError):
    """The knowledge-base file is missing or has bad lines (each named with its line number)."""


@dataclass(frozen=True, slots=True)
class Hit:
    score: float  # cosine similarity, in [-1, 1]
    question: str | None
    answer: str | None
    text: str | None
    index: int  # the entry's position (0-based) among the file's entries (a store: its id)
    source: str | None = None  # where the entry came from (a store's documents)
    confidential: bool = False  # a request answered with it becomes confidential

    @property
    def passage(self) -> str:
        """What to show a model: the passage, or the Q&A pair."""
        return self.text if self.text is not None else f"Q: {self.question}\nA: {self.answer}"


@dataclass(frozen=True, slots=True)
class _Entry:
    question: str | None
    answer: str | None
    text: str | None
    line: int
    confidential: bool = False

    @property
    def key_text(self) -> str:
        """What gets embedded: question and answer together (bench/bench_retrieval.py: recall@1
        of paraphrases 0.85 -> 0.90 against the question alone), or the passage."""
        return f"{self.question} {self.answer}" if self.question is not None else self.text or ""


class KnowledgeBase:
    def __init__(self, entries: list[_Entry], matrix: np.ndarray, embedder: Embedder, source: str | None = None) -> None:
        if matrix.shape != (len(entries), embedder.dim):
            raise ValueError("matrix does not match the entries and the embedder")
        self._entries = entries
        self._matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self._embedder = embedder
        self.source = source

    def __len__(self) -> int:
        return len(self._entries)

    # ---- building -----------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path, *, embedder: Embedder | None = None, cache: bool = True) -> KnowledgeBase:
        """Read and validate a JSONL file; embed it (or reuse the cached matrix)."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise KnowledgeBaseError(f"cannot read knowledge base {path}: {exc.strerror or exc}") from exc
        entries = _parse(data.splitlines(), str(path))
        embedder = embedder or _default_embedder()
        digest = hashlib.sha256(data).hexdigest()[:16]
        matrix = _load_cached(path, digest, embedder) if cache else None
        if matrix is None or matrix.shape != (len(entries), embedder.dim):
            matrix = _embed(embedder, (e.key_text for e in entries))
            if cache:
                _save_cached(path, digest, embedder, matrix)
        return cls(entries, matrix, embedder, source=str(path))

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, Any]], *, embedder: Embedder | None = None) -> KnowledgeBase:
        """From rows already in memory (same shape and checks as the file's lines)."""
        lines = [orjson.dumps(row) for row in rows]
        entries = _parse(lines, "<rows>")
        embedder = embedder or _default_embedder()
        return cls(entries, _embed(embedder, (e.key_text for e in entries)), embedder)

    # ---- searching ----------------------------------------------------------------------

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The k entries most similar to ``query``, best first."""
        return self.search_vector(self._embedder.embed([query])[0], k)

    def search_vector(self, vector: np.ndarray, k: int = 3) -> list[Hit]:
        if k < 1 or not self._entries or not vector.any():
            return []
        scores = cosine_scores(self._matrix, np.asarray(vector, dtype=np.float32))
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [self._hit(int(i), float(scores[i])) for i in top]

    def _hit(self, i: int, score: float) -> Hit:
        e = self._entries[i]
        return Hit(score=score, question=e.question, answer=e.answer, text=e.text, index=i,
                   confidential=e.confidential)


def _default_embedder() -> Embedder:
    from turnout.embeddings import default_embedder

    return default_embedder()


def _embed(embedder: Embedder, texts: Iterable[str]) -> np.ndarray:
    texts = list(texts)
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    parts = [embedder.embed(texts[i : i + 4096]) for i in range(0, len(texts), 4096)]
    return np.concatenate(parts)


def _parse(lines: list[bytes], source: str) -> list[_Entry]:
    entries: list[_Entry] = []
    errors: list[str] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            row = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            errors.append(f"{source}:{number}: not valid JSON ({exc})")
            continue
        problem = _check_row(row)
        if problem:
            errors.append(f"{source}:{number}: {problem}")
            continue
        if "question" in row:
            entries.append(_Entry(row["question"].strip(), row["answer"], None, number, bool(row.get("confidential"))))
        else:
            entries.append(_Entry(None, None, row["text"], number, bool(row.get("confidential"))))
    if errors:
        shown = errors[:_MAX_REPORTED_ERRORS]
        more = len(errors) - len(shown)
        tail = f"\n... and {more} more bad lines" if more else ""
        raise KnowledgeBaseError(f"{len(errors)} bad line(s) in knowledge base:\n" + "\n".join(shown) + tail)
    if not entries:
        raise KnowledgeBaseError(f"knowledge base {source} has no entries")
    return entries


def _check_row(row: Any) -> str | None:
    if not isinstance(row, dict):
        return f"expected a JSON object, got {type(row).__name__}"
    if "question" in row or "answer" in row:
        for field in ("question", "answer"):
            value = row.get(field)
            if not isinstance(value, str) or not value.strip():
                return f'"{field}" must be a non-empty string (a Q&A row needs both "question" and "answer")'
        return None
    if "text" in row:
        if not isinstance(row["text"], str) or not row["text"].strip():
            return '"text" must be a non-empty string'
        return None
    return 'expected {"question": ..., "answer": ...} or {"text": ...}'


def _cache_paths(path: Path, digest: str, embedder: Embedder) -> list[Path]:
    name = f".{path.name}.{embedder.model_id}.qa.{digest}.npy"  # .qa: keyed by question + answer
    from turnout.settings import home_dir

    return [path.parent / name, home_dir() / "knowledge_base" / name]


def _load_cached(path: Path, digest: str, embedder: Embedder) -> np.ndarray | None:
    for candidate in _cache_paths(path, digest, embedder):
        try:
            matrix = np.load(candidate, allow_pickle=False)
        except (OSError, ValueError):
            continue
        if matrix.dtype == np.float32 and matrix.ndim == 2:
            return matrix
    return None


def _save_cached(path: Path, digest: str, embedder: Embedder, matrix: np.ndarray) -> None:
    for candidate in _cache_paths(path, digest, embedder):
        try:
            candidate.parent.mkdir(parents=True, exist_ok=True)
            tmp = candidate.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                np.save(fh, matrix, allow_pickle=False)
            tmp.replace(candidate)  # atomic: a concurrent reader never sees half a file
            return
        except OSError:
            continue
    log.info("knowledge base %s: embeddings not cached (no writable place); kept in memory", path)

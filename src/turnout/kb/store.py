"""A knowledge base you can run: entries in SQL (SQLite on one machine, PostgreSQL when
gateways share it), searched through an in-process approximate index kept in step with it.

    kb = KnowledgeStore.open("sqlite:///kb.db")          # or postgresql://host/db
    ids = kb.add([Entry(question="...", answer="...")])  # embedded once, here
    kb.search("a paraphrase", k=3)                       # -> [Hit, ...] best first
    kb.remove(ids)

Every add and remove also writes a row to a change log with a growing sequence number. Each
process's index remembers the last sequence it applied and, before a search, applies what
other processes changed since (one indexed ``SELECT`` when nothing did), so gateways sharing a
PostgreSQL store answer from the same entries without a restart.

Vectors are stored with the entry (float32 bytes, with the embedding model's id): a process
never re-embeds what another already did, and a model change is detected, not mixed.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from turnout.errors import ConfigError
from turnout.kb.index import VectorIndex
from turnout.knowledge_base import Hit

if TYPE_CHECKING:
    from turnout.embeddings import Embedder

__all__ = ["Entry", "KnowledgeStore", "StoredEntry"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")


@dataclass(frozen=True, slots=True)
class Entry:
    """A Q&A pair (question + answer) or a passage (text), with where it came from."""

    question: str | None = None
    answer: str | None = None
    text: str | None = None
    source: str | None = None
    confidential: bool = False

    def __post_init__(self) -> None:
        qa = self.question is not None or self.answer is not None
        if qa and not (self.question and self.question.strip() and self.answer and self.answer.strip()):
            raise ValueError('a Q&A entry needs a non-empty "question" and "answer"')
        if not qa and not (self.text and self.text.strip()):
            raise ValueError('an entry needs "question" and "answer", or "text"')

    @property
    def key_text(self) -> str:
        """What gets embedded: question and answer together, or the passage (as knowledge_base)."""
        return f"{self.question} {self.answer}" if self.question is not None else self.text or ""


@dataclass(frozen=True, slots=True)
class StoredEntry:
    id: int
    entry: Entry


class _Db:
    """The few statements the store needs, on sqlite3 or psycopg (placeholders adapted)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.kind = "postgres" if url.startswith(("postgresql://", "postgres://")) else "sqlite"
        self._lock = threading.Lock()
        if self.kind == "sqlite":
            path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._conn: Any = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
        else:
            try:
                import psycopg
            except ImportError as exc:
                raise ConfigError('a PostgreSQL knowledge base needs psycopg (pip install "turnout[postgres]")') from exc
            self._conn = psycopg.connect(url, autocommit=True)

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.kind == "postgres" else sql

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            cur = self._conn.execute(self._sql(sql), params)
            return list(cur.fetchall()) if cur.description else []

    def transaction(self, statements: Iterable[tuple[str, Sequence[Any]]]) -> list[list[tuple[Any, ...]]]:
        out = []
        with self._lock:
            if self.kind == "sqlite":
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    for sql, params in statements:
                        cur = self._conn.execute(sql, params)
                        out.append(list(cur.fetchall()) if cur.description else [])
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
            else:
                with self._conn.transaction():
                    for sql, params in statements:
                        cur = self._conn.execute(self._sql(sql), params)
                        out.append(list(cur.fetchall()) if cur.description else [])
        return out

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class KnowledgeStore:
    """Entries in SQL plus an in-process index; the router's ``search(query, k)`` interface."""

    def __init__(self, db: _Db, embedder: Embedder, *, prefix: str = "turnout_kb") -> None:
        if not _NAME.match(prefix):
            raise ConfigError(f"knowledge base table prefix {prefix!r} is not a plain SQL name")
        self._db = db
        self._embedder = embedder
        self._entries_t = f"{prefix}_entries"
        self._changes_t = f"{prefix}_changes"
        self._index = VectorIndex(embedder.dim)
        self._seq = 0
        self._sync_lock = threading.Lock()
        self.source = db.url
        self._create()
        self.sync()

    @classmethod
    def open(cls, url: str, *, embedder: Embedder | None = None, prefix: str = "turnout_kb") -> KnowledgeStore:
        if embedder is None:
            from turnout.embeddings import default_embedder

            embedder = default_embedder()
        return cls(_Db(url), embedder, prefix=prefix)

    def _create(self) -> None:
        e, c = self._entries_t, self._changes_t
        if self._db.kind == "sqlite":
            key, blob, flag = "INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB", "INTEGER"
        else:
            key, blob, flag = "BIGSERIAL PRIMARY KEY", "BYTEA", "INTEGER"
        self._db.run(f"CREATE TABLE IF NOT EXISTS {e} (id {key}, question TEXT, answer TEXT, text TEXT, "
                     f"source TEXT, confidential {flag} NOT NULL DEFAULT 0, model_id TEXT NOT NULL, "
                     f"vector {blob} NOT NULL, created REAL NOT NULL)")
        self._db.run(f"CREATE TABLE IF NOT EXISTS {c} (seq {key}, entry_id BIGINT NOT NULL, op TEXT NOT NULL)")
        self._db.run(f"CREATE INDEX IF NOT EXISTS {e}_source ON {e} (source)")

    # ---- changes --------------------------------------------------------------------------

    def _last_id(self) -> str:
        if self._db.kind == "sqlite":
            return "last_insert_rowid()"
        return f"currval(pg_get_serial_sequence('{self._entries_t}', 'id'))"

    def _locked(self, statements: list[tuple[str, Sequence[Any]]]) -> list[tuple[str, Sequence[Any]]]:
        """On PostgreSQL writers take the change log in turn, so change numbers commit in order
        and a reader that has seen number n never misses a smaller one committed later.
        (SQLite's BEGIN IMMEDIATE already serialises writers.)"""
        if self._db.kind == "postgres":
            return [(f"LOCK TABLE {self._changes_t} IN EXCLUSIVE MODE", ()), *statements]
        return statements

    def add(self, entries: Sequence[Entry]) -> list[int]:
        """Embed and store entries; their ids, in order."""
        if not entries:
            return []
        vectors = self._embedder.embed([e.key_text for e in entries])
        model_id = self._embedder.model_id
        now = time.time()
        statements: list[tuple[str, Sequence[Any]]] = []
        for entry, vec in zip(entries, vectors, strict=True):
            statements.append((
                f"INSERT INTO {self._entries_t} (question, answer, text, source, confidential, model_id, vector, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (entry.question, entry.answer, entry.text, entry.source, int(entry.confidential), model_id,
                 np.asarray(vec, dtype=np.float32).tobytes(), now)))
            statements.append((f"INSERT INTO {self._changes_t} (entry_id, op) VALUES ({self._last_id()}, 'add')", ()))
        results = self._db.transaction(self._locked(statements))
        ids = [int(rows[0][0]) for rows in results if rows]
        self.sync()
        return ids

    def remove(self, ids: Sequence[int] = (), *, source: str | None = None) -> int:
        """Remove entries by id and/or all entries of a source; how many went."""
        targets = set(int(i) for i in ids)
        if source is not None:
            targets |= {int(r[0]) for r in self._db.run(f"SELECT id FROM {self._entries_t} WHERE source = ?", (source,))}
        if not targets:
            return 0
        present = {int(r[0]) for r in self._db.run(
            f"SELECT id FROM {self._entries_t} WHERE id IN ({','.join('?' * len(targets))})", sorted(targets))}
        statements: list[tuple[str, Sequence[Any]]] = []
        for i in sorted(present):
            statements.append((f"DELETE FROM {self._entries_t} WHERE id = ?", (i,)))
            statements.append((f"INSERT INTO {self._changes_t} (entry_id, op) VALUES (?, 'remove')", (i,)))
        self._db.transaction(self._locked(statements))
        self.sync()
        return len(present)

    def sync(self) -> int:
        """Apply changes made since the last sync (by any process) to the index; how many."""
        with self._sync_lock:
            rows = self._db.run(f"SELECT seq, entry_id, op FROM {self._changes_t} WHERE seq > ? ORDER BY seq", (self._seq,))
            if not rows:
                return 0
            live: dict[int, bool] = {}
            for _, entry_id, op in rows:
                live[int(entry_id)] = op == "add"
            adds = [i for i, alive in live.items() if alive]
            removes = [i for i, alive in live.items() if not alive]
            if removes:
                self._index.remove(removes)
            for start in range(0, len(adds), 50_000):
                part = adds[start : start + 50_000]
                found = self._db.run(f"SELECT id, vector, model_id FROM {self._entries_t} WHERE id IN "
                                     f"({','.join('?' * len(part))})", part)
                found = [r for r in found if r[2] == self._embedder.model_id]
                if found:
                    keys = np.array([int(r[0]) for r in found], dtype=np.uint64)
                    vecs = np.stack([np.frombuffer(bytes(r[1]), dtype=np.float32) for r in found])
                    self._index.add(keys, vecs)
            self._seq = int(rows[-1][0])
            return len(rows)

    # ---- reading --------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._db.run(f"SELECT COUNT(*) FROM {self._entries_t}")[0][0])

    def entries(self, *, source: str | None = None, limit: int = 100, offset: int = 0) -> list[StoredEntry]:
        where, params = ("WHERE source = ?", [source]) if source is not None else ("", [])
        rows = self._db.run(f"SELECT id, question, answer, text, source, confidential FROM {self._entries_t} {where} "
                            "ORDER BY id LIMIT ? OFFSET ?", [*params, limit, offset])
        return [StoredEntry(int(r[0]), Entry(r[1], r[2], r[3], r[4], bool(r[5]))) for r in rows]

    def get(self, ids: Sequence[int]) -> dict[int, Entry]:
        if not ids:
            return {}
        rows = self._db.run(f"SELECT id, question, answer, text, source, confidential FROM {self._entries_t} "
                            f"WHERE id IN ({','.join('?' * len(ids))})", list(ids))
        return {int(r[0]): Entry(r[1], r[2], r[3], r[4], bool(r[5])) for r in rows}

    def search(self, query: str, k: int = 3) -> list[Hit]:
        return self.search_vector(self._embedder.embed([query])[0], k)

    def search_vector(self, vector: np.ndarray, k: int = 3) -> list[Hit]:
        self.sync()
        if k < 1 or not vector.any():
            return []
        found = self._index.search(np.asarray(vector, dtype=np.float32), k)
        entries = self.get([key for key, _ in found])
        hits = []
        for key, score in found:
            e = entries.get(key)
            if e is None:
                continue  # removed after the index was synced
            hits.append(Hit(score=score, question=e.question, answer=e.answer, text=e.text, index=key,
                            source=e.source, confidential=e.confidential))
        return hits

    def close(self) -> None:
        self._db.close()

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

Bulk loads (a million passages) go in one transaction: texts embedded in batches before the
write lock is taken, ids reserved in one statement, rows written with executemany (SQLite) or
COPY (PostgreSQL), and the vectors just written handed to the index directly instead of read
back. The index is built on first use (``index="lazy"``), so `turnout kb add|list|remove` on a
large store never pays for an index they do not search.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np
import orjson

from turnout.embeddings import cosine_scores
from turnout.errors import ConfigError
from turnout.kb.index import (
    DEFAULT_CONNECTIVITY,
    DEFAULT_EXPANSION_ADD,
    DEFAULT_EXPANSION_SEARCH,
    VectorIndex,
)
from turnout.knowledge_base import Hit

if TYPE_CHECKING:
    from turnout.embeddings import Embedder

__all__ = ["Entry", "KnowledgeStore", "StoredEntry", "default_snapshot"]

_T = TypeVar("_T")
_PARAMS_PER_QUERY = 10_000  # SQLite allows 32,766 placeholders a statement
_EMBED_BATCH = 8_192
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
        self._lock = threading.RLock()  # re-entrant: a caller streaming rows may still run()
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

    def write(self, fn: Callable[[Any], _T]) -> _T:
        """``fn(connection)`` inside one write transaction (writers serialised), committed or
        rolled back as a whole. The connection speaks this backend's own placeholders."""
        with self._lock:
            if self.kind == "sqlite":
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    out = fn(self._conn)
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                return out
            with self._conn.transaction():
                return fn(self._conn)

    def stream(self, sql: str, params: Sequence[Any] = (), *, size: int = 20_000) -> Iterator[list[tuple[Any, ...]]]:
        """A large result in parts of ``size`` rows (a million vectors never sit in one list)."""
        with self._lock:
            if self.kind == "sqlite":
                cur = self._conn.cursor()
                cur.execute(sql, params)
                while rows := cur.fetchmany(size):
                    yield list(rows)
                return
            # a server-side cursor: psycopg's default one would fetch every row on execute
            with self._conn.transaction(), self._conn.cursor(name="turnout_kb_stream") as cur:
                cur.execute(self._sql(sql), params)
                while rows := cur.fetchmany(size):
                    yield list(rows)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def default_snapshot(url: str, prefix: str = "turnout_kb") -> Path:
    """Where a store's index snapshot lives: next to a SQLite file, else under turnout's home."""
    if not url.startswith(("postgresql://", "postgres://")):
        path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
        if path != ":memory:":
            return Path(f"{path}.{prefix}.index")
    from turnout.settings import home_dir

    return home_dir() / "knowledge_base" / f"{hashlib.sha256(url.encode()).hexdigest()[:16]}.{prefix}.index"


class KnowledgeStore:
    """Entries in SQL plus an in-process index; the router's ``search(query, k)`` interface."""

    def __init__(self, db: _Db, embedder: Embedder, *, prefix: str = "turnout_kb",
                 index: Literal["now", "lazy"] = "now", index_threads: int = 1,
                 snapshot: str | Path | None = None, search_expansion: int = DEFAULT_EXPANSION_SEARCH,
                 connectivity: int = DEFAULT_CONNECTIVITY, expansion_add: int = DEFAULT_EXPANSION_ADD) -> None:
        if not _NAME.match(prefix):
            raise ConfigError(f"knowledge base table prefix {prefix!r} is not a plain SQL name")
        self._db = db
        self._embedder = embedder
        self._entries_t = f"{prefix}_entries"
        self._changes_t = f"{prefix}_changes"
        self._index: VectorIndex | None = None  # built from the store on first sync
        # one thread by default: a gateway's event loop shares the CPU; bulk tools pass more
        self._index_threads = index_threads
        # a saved index (file) and what it holds (file.json): a restart loads it and replays
        # the changes made since, instead of rebuilding (minutes at a million passages)
        self._snapshot = Path(snapshot) if snapshot else None
        self._search_expansion = search_expansion  # HNSW: more = better recall, slower searches
        # HNSW graph shape (links per node, build breadth): fixed when the index is built, so a
        # snapshot built with others is rebuilt (they are in its metadata)
        self._connectivity, self._expansion_add = connectivity, expansion_add
        self._seq = 0
        self._sync_lock = threading.Lock()
        self.source = db.url
        self._create()
        if index == "now":
            self.sync()

    @classmethod
    def open(cls, url: str, *, embedder: Embedder | None = None, prefix: str = "turnout_kb",
             index: Literal["now", "lazy"] = "now", index_threads: int = 1,
             snapshot: str | Path | None = None, search_expansion: int = DEFAULT_EXPANSION_SEARCH,
             connectivity: int = DEFAULT_CONNECTIVITY, expansion_add: int = DEFAULT_EXPANSION_ADD) -> KnowledgeStore:
        if embedder is None:
            from turnout.embeddings import default_embedder

            embedder = default_embedder()
        return cls(_Db(url), embedder, prefix=prefix, index=index, index_threads=index_threads, snapshot=snapshot,
                   search_expansion=search_expansion, connectivity=connectivity, expansion_add=expansion_add)

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

    def _locked(self, statements: list[tuple[str, Sequence[Any]]]) -> list[tuple[str, Sequence[Any]]]:
        """On PostgreSQL writers take the change log in turn, so change numbers commit in order
        and a reader that has seen number n never misses a smaller one committed later.
        (SQLite's BEGIN IMMEDIATE already serialises writers.)"""
        if self._db.kind == "postgres":
            return [(f"LOCK TABLE {self._changes_t} IN EXCLUSIVE MODE", ()), *statements]
        return statements

    def embed_entries(self, entries: Sequence[Entry]) -> np.ndarray:
        """The entries' vectors, in batches (one batch of a million texts would hold every
        token list at once)."""
        out = np.empty((len(entries), self._embedder.dim), dtype=np.float32)
        for start in range(0, len(entries), _EMBED_BATCH):
            part = entries[start : start + _EMBED_BATCH]
            out[start : start + len(part)] = self._embedder.embed([e.key_text for e in part])
        return out

    def add(self, entries: Sequence[Entry], *, vectors: np.ndarray | None = None) -> list[int]:
        """Embed and store entries in one transaction; their ids, in order. ``vectors``: the
        entries' embeddings when the caller already has them (from :meth:`embed_entries`)."""
        if not entries:
            return []
        if vectors is None:
            vectors = self.embed_entries(entries)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(entries), self._embedder.dim):
            raise ValueError("vectors do not match the entries and the embedding model")
        model_id, now, n = self._embedder.model_id, time.time(), len(entries)
        columns = "id, question, answer, text, source, confidential, model_id, vector, created"

        def rows(ids: Sequence[int]) -> Iterator[tuple[Any, ...]]:
            for i, entry, vec in zip(ids, entries, vectors, strict=True):
                yield (i, entry.question, entry.answer, entry.text, entry.source, int(entry.confidential),
                       model_id, vec.tobytes(), now)

        def write_sqlite(conn: Any) -> list[int]:
            # ids reserved explicitly past the highest ever given (AUTOINCREMENT never reuses one)
            top = conn.execute("SELECT MAX(v) FROM (SELECT seq AS v FROM sqlite_sequence WHERE name = ? "
                               f"UNION ALL SELECT MAX(id) FROM {self._entries_t})", (self._entries_t,)).fetchone()[0]
            ids = list(range(int(top or 0) + 1, int(top or 0) + 1 + n))
            conn.executemany(f"INSERT INTO {self._entries_t} ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows(ids))
            conn.execute(f"INSERT INTO {self._changes_t} (entry_id, op) SELECT id, 'add' FROM {self._entries_t} "
                         "WHERE id BETWEEN ? AND ? ORDER BY id", (ids[0], ids[-1]))
            return ids

        def write_postgres(conn: Any) -> list[int]:
            conn.execute(f"LOCK TABLE {self._changes_t} IN EXCLUSIVE MODE")  # see _locked
            ids = [int(r[0]) for r in conn.execute(
                f"SELECT nextval(pg_get_serial_sequence('{self._entries_t}', 'id')) FROM generate_series(1, %s)",
                (n,)).fetchall()]
            with conn.cursor().copy(f"COPY {self._entries_t} ({columns}) FROM STDIN") as copy:
                for row in rows(ids):
                    copy.write_row(row)
            conn.execute(f"INSERT INTO {self._changes_t} (entry_id, op) SELECT unnest(%s::bigint[]), 'add'", (ids,))
            return ids

        ids = self._db.write(write_sqlite if self._db.kind == "sqlite" else write_postgres)
        if self._index is not None:  # a lazy handle (`turnout kb add`) builds no index to write
            self.sync(known=(np.asarray(ids, dtype=np.uint64), vectors))
        return ids

    def remove(self, ids: Sequence[int] = (), *, source: str | None = None) -> int:
        """Remove entries by id and/or all entries of a source; how many went."""
        targets = set(int(i) for i in ids)
        if source is not None:
            targets |= {int(r[0]) for r in self._db.run(f"SELECT id FROM {self._entries_t} WHERE source = ?", (source,))}
        if not targets:
            return 0
        ordered = sorted(targets)
        present: list[int] = []
        for start in range(0, len(ordered), _PARAMS_PER_QUERY):
            part = ordered[start : start + _PARAMS_PER_QUERY]
            present += [int(r[0]) for r in self._db.run(
                f"SELECT id FROM {self._entries_t} WHERE id IN ({','.join('?' * len(part))})", part)]
        if not present:
            return 0
        # a JSON array as the one parameter: any number of ids in one statement on both backends
        listed = orjson.dumps(sorted(present)).decode()
        if self._db.kind == "sqlite":
            gone = "SELECT value FROM json_each(?)"
        else:
            gone = "SELECT jsonb_array_elements_text(?::jsonb)::bigint"
        statements: list[tuple[str, Sequence[Any]]] = [
            (f"DELETE FROM {self._entries_t} WHERE id IN ({gone})", (listed,)),
            (f"INSERT INTO {self._changes_t} (entry_id, op) SELECT removed.*, 'remove' FROM ({gone}) AS removed", (listed,)),
        ]
        self._db.transaction(self._locked(statements))
        if self._index is not None:
            self.sync()
        return len(present)

    def sync(self, *, known: tuple[np.ndarray, np.ndarray] | None = None) -> int:
        """Apply changes made since the last sync (by any process) to the index; how many.
        The first sync builds the index from the store. ``known``: (ids, vectors) this handle
        just wrote, added without reading them back."""
        with self._sync_lock:
            if self._index is None:
                self._build_index()  # then replay what changed since (a snapshot may be old)
            assert self._index is not None
            rows = self._db.run(f"SELECT seq, entry_id, op FROM {self._changes_t} WHERE seq > ? ORDER BY seq", (self._seq,))
            if not rows:
                return 0
            live: dict[int, bool] = {}
            for _, entry_id, op in rows:
                live[int(entry_id)] = op == "add"
            adds = np.fromiter((i for i, alive in live.items() if alive), dtype=np.uint64)
            removes = [i for i, alive in live.items() if not alive]
            if removes:
                self._index.remove(removes)
            if known is not None and len(adds):
                mine = np.isin(known[0], adds)
                if mine.any():
                    self._index.add(known[0][mine], known[1][mine], threads=self._index_threads)
                adds = adds[~np.isin(adds, known[0])]
            for start in range(0, len(adds), _PARAMS_PER_QUERY):
                part = [int(i) for i in adds[start : start + _PARAMS_PER_QUERY]]
                self._add_rows(self._db.run(f"SELECT id, vector FROM {self._entries_t} WHERE model_id = ? AND id IN "
                                            f"({','.join('?' * len(part))})", [self._embedder.model_id, *part]))
            self._seq = int(rows[-1][0])
            return len(rows)

    def _build_index(self) -> None:
        """From the snapshot when it matches this store and model, else every entry of this
        embedding model streamed from the store (then saved as the snapshot). Changes committed
        while it streams are replayed by the next sync (adding an entry twice replaces it)."""
        self._index = self._new_index()
        if self._load_snapshot():
            return
        self._seq = int(self._db.run(f"SELECT COALESCE(MAX(seq), 0) FROM {self._changes_t}")[0][0])
        for part in self._db.stream(f"SELECT id, vector FROM {self._entries_t} WHERE model_id = ?",
                                    (self._embedder.model_id,), size=50_000):
            self._add_rows(part)
        self.save_snapshot()

    def _new_index(self) -> VectorIndex:
        return VectorIndex(self._embedder.dim, expansion_search=self._search_expansion,
                           connectivity=self._connectivity, expansion_add=self._expansion_add)

    def _snapshot_meta(self) -> dict[str, Any]:
        # the store's URL hashed: a PostgreSQL URL may carry a password
        return {"store": hashlib.sha256(self._db.url.encode()).hexdigest()[:16], "table": self._entries_t, "model_id": self._embedder.model_id,
                "dim": self._embedder.dim, "approximate": self._index.approximate if self._index is not None else None,
                "connectivity": self._connectivity, "expansion_add": self._expansion_add}

    def save_snapshot(self) -> bool:
        """Save the index and the change number it reflects (when a snapshot path is set)."""
        if self._snapshot is None or self._index is None:
            return False
        self._snapshot.parent.mkdir(parents=True, exist_ok=True)
        self._index.save(self._snapshot)
        meta = self._snapshot.with_name(self._snapshot.name + ".json")
        tmp = meta.with_name(f"{meta.name}.{os.getpid()}.tmp")
        tmp.write_bytes(orjson.dumps({**self._snapshot_meta(), "seq": self._seq, "count": len(self._index)}))
        tmp.replace(meta)
        return True

    def _load_snapshot(self) -> bool:
        if self._snapshot is None or self._index is None:
            return False
        try:
            meta = orjson.loads(self._snapshot.with_name(self._snapshot.name + ".json").read_bytes())
            if {k: meta.get(k) for k in self._snapshot_meta()} != self._snapshot_meta():
                return False  # another store, table or model: rebuild
            if int(meta["seq"]) > int(self._db.run(f"SELECT COALESCE(MAX(seq), 0) FROM {self._changes_t}")[0][0]):
                return False  # newer than the store (restored from a backup?): rebuild
            self._index.load(self._snapshot)
        except (OSError, ValueError, KeyError, RuntimeError, orjson.JSONDecodeError):
            self._index = self._new_index()
            return False
        self._seq = int(meta["seq"])
        return True

    def _add_rows(self, rows: list[tuple[Any, ...]]) -> None:
        assert self._index is not None
        if rows:
            keys = np.fromiter((int(r[0]) for r in rows), dtype=np.uint64, count=len(rows))
            vecs = np.frombuffer(b"".join(bytes(r[1]) for r in rows), dtype=np.float32).reshape(len(rows), -1)
            self._index.add(keys, vecs, threads=self._index_threads)

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
        out: dict[int, Entry] = {}
        for start in range(0, len(ids), _PARAMS_PER_QUERY):
            part = list(ids[start : start + _PARAMS_PER_QUERY])
            rows = self._db.run(f"SELECT id, question, answer, text, source, confidential FROM {self._entries_t} "
                                f"WHERE id IN ({','.join('?' * len(part))})", part)
            out.update((int(r[0]), Entry(r[1], r[2], r[3], r[4], bool(r[5]))) for r in rows)
        return out

    def search(self, query: str, k: int = 3, *, exact: bool = False) -> list[Hit]:
        """The k entries nearest ``query``. ``exact``: scan the stored vectors instead of
        building the index (a one-off search, as `turnout kb search`, on a large store)."""
        return self.search_vector(self._embedder.embed([query])[0], k, exact=exact)

    def search_vector(self, vector: np.ndarray, k: int = 3, *, exact: bool = False) -> list[Hit]:
        if k < 1 or not vector.any():
            return []
        vector = np.asarray(vector, dtype=np.float32)
        if exact and self._index is None:
            found = self._scan(vector, k)
        else:
            self.sync()
            found = self._index.search(vector, k) if self._index is not None else []
        entries = self.get([key for key, _ in found])
        hits = []
        for key, score in found:
            e = entries.get(key)
            if e is None:
                continue  # removed after the index was synced
            hits.append(Hit(score=score, question=e.question, answer=e.answer, text=e.text, index=key,
                            source=e.source, confidential=e.confidential))
        return hits

    def _scan(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        best: list[tuple[int, float]] = []
        for part in self._db.stream(f"SELECT id, vector FROM {self._entries_t} WHERE model_id = ?",
                                    (self._embedder.model_id,), size=50_000):
            vecs = np.frombuffer(b"".join(bytes(r[1]) for r in part), dtype=np.float32).reshape(len(part), -1)
            scores = cosine_scores(vecs, vector)
            top = np.argsort(-scores, kind="stable")[:k]
            best = sorted(best + [(int(part[i][0]), float(scores[i])) for i in top], key=lambda x: -x[1])[:k]
        return best

    @property
    def snapshot_path(self) -> Path | None:
        return self._snapshot

    def index_bytes(self) -> int:
        """Memory the in-process index holds (0 before it is built)."""
        return self._index.memory_bytes() if self._index is not None else 0

    def close(self) -> None:
        self._db.close()

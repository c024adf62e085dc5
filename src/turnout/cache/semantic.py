"""Vector indexes for the semantic cache: past prompts, searched by cosine similarity.

An index is split into partitions, ``"<namespace>:s:<context hash>"``: one per tenant and per
context (model, parameters, system prompt, earlier turns), so a lookup only ever compares
prompts that were asked in the same setting, and a partition stays small.

- ``LocalSemanticIndex``: numpy matrices in this process (the memory cache).
- ``SQLiteSemanticIndex``: the same, with every vector also written to the SQLite cache, so
  the index survives a restart (a partition is read back on its first lookup).
- ``RedisSemanticIndex``: vectors kept in Redis (a hash per partition plus an append-only log
  of what was added), mirrored into local matrices; a lookup asks Redis only for the log's
  length and fetches what other processes added since, so several gateway processes share one
  index and a lookup stays a local matrix product.
"""

from __future__ import annotations

import struct
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from turnout.cache.guards import PromptSignature
from turnout.embeddings import cosine_scores

if TYPE_CHECKING:
    from turnout.cache.redis_backend import RedisBackend
    from turnout.cache.sqlite_backend import SQLiteBackend

__all__ = ["LocalSemanticIndex", "RedisSemanticIndex", "SQLiteSemanticIndex", "SemanticEntry", "SemanticIndex"]


@dataclass(slots=True)
class SemanticEntry:
    entry_key: str  # the cache key of the stored response
    text: str  # the prompt it answered
    signature: PromptSignature
    created_at: float  # unix time
    expires_at: float | None  # unix time

    def encode(self, vector: np.ndarray) -> bytes:
        meta = orjson.dumps(
            {"k": self.entry_key, "t": self.text, "s": self.signature.to_list(),
             "c": self.created_at, "e": self.expires_at}
        )
        return struct.pack("<I", len(meta)) + meta + np.asarray(vector, dtype=np.float32).tobytes()

    @classmethod
    def decode(cls, blob: bytes) -> tuple[SemanticEntry, np.ndarray]:
        (size,) = struct.unpack_from("<I", blob)
        meta = orjson.loads(blob[4 : 4 + size])
        vector = np.frombuffer(blob[4 + size :], dtype=np.float32)
        entry = cls(meta["k"], meta["t"], PromptSignature.from_list(meta["s"]), meta["c"], meta["e"])
        return entry, vector


class _Partition:
    """A growable matrix of unit vectors with their entries; deletions leave holes until compaction."""

    __slots__ = ("entries", "live", "matrix", "rows", "size")

    def __init__(self, dim: int) -> None:
        self.matrix = np.zeros((16, dim), dtype=np.float32)
        self.entries: list[SemanticEntry | None] = []
        self.rows: dict[str, int] = {}
        self.size = 0
        self.live = 0

    def add(self, vector: np.ndarray, entry: SemanticEntry, max_entries: int) -> None:
        old = self.rows.get(entry.entry_key)
        if old is not None:  # the same answer stored again: replace in place
            self.matrix[old] = vector
            self.entries[old] = entry
            return
        if self.size == len(self.matrix):
            if self.live < self.size // 2:
                self.compact()
            if self.size == len(self.matrix):
                grown = np.zeros((len(self.matrix) * 2, self.matrix.shape[1]), dtype=np.float32)
                grown[: self.size] = self.matrix[: self.size]
                self.matrix = grown
        self.matrix[self.size] = vector
        self.entries.append(entry)
        self.rows[entry.entry_key] = self.size
        self.size += 1
        self.live += 1
        while self.live > max_entries:  # oldest first
            for row, old_entry in enumerate(self.entries):
                if old_entry is not None:
                    self.remove_row(row)
                    break

    def remove(self, entry_key: str) -> None:
        row = self.rows.get(entry_key)
        if row is not None:
            self.remove_row(row)

    def remove_row(self, row: int) -> None:
        entry = self.entries[row]
        if entry is None:
            return
        del self.rows[entry.entry_key]
        self.entries[row] = None
        self.matrix[row] = 0.0  # a hole scores 0 and never passes a threshold > 0
        self.live -= 1

    def compact(self) -> None:
        keep = [row for row, entry in enumerate(self.entries) if entry is not None]
        self.matrix[: len(keep)] = self.matrix[keep]
        self.matrix[len(keep) : self.size] = 0.0
        self.entries = [self.entries[row] for row in keep]
        self.rows = {entry.entry_key: row for row, entry in enumerate(self.entries) if entry is not None}
        self.size = self.live = len(keep)

    def search(self, vector: np.ndarray, threshold: float, k: int, now: float) -> list[tuple[float, SemanticEntry]]:
        if self.live == 0:
            return []
        scores = cosine_scores(self.matrix[: self.size], vector)
        top = np.argpartition(-scores, k)[:k] if self.size > k else np.arange(self.size)
        top = top[np.argsort(-scores[top])]
        found: list[tuple[float, SemanticEntry]] = []
        for row in top:
            score = float(scores[row])
            if score < threshold:
                break
            entry = self.entries[row]
            if entry is None:
                continue
            if entry.expires_at is not None and entry.expires_at <= now:
                self.remove_row(int(row))
                continue
            found.append((score, entry))
        return found


class SemanticIndex(ABC):
    def __init__(self, *, max_entries_per_partition: int = 100_000) -> None:
        self.max_entries = max_entries_per_partition

    @abstractmethod
    async def add(self, partition: str, vector: np.ndarray, entry: SemanticEntry) -> None: ...

    @abstractmethod
    async def search(self, partition: str, vector: np.ndarray, threshold: float, k: int = 5) -> list[tuple[float, SemanticEntry]]:
        """Entries scoring >= threshold, best first (at most k)."""

    @abstractmethod
    async def remove(self, partition: str, entry_key: str) -> None: ...

    @abstractmethod
    async def clear(self, namespace: str | None = None) -> None: ...

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        pass


class LocalSemanticIndex(SemanticIndex):
    def __init__(self, *, max_entries_per_partition: int = 100_000) -> None:
        super().__init__(max_entries_per_partition=max_entries_per_partition)
        self._partitions: dict[str, _Partition] = {}

    def __len__(self) -> int:
        return sum(p.live for p in self._partitions.values())

    async def add(self, partition: str, vector: np.ndarray, entry: SemanticEntry) -> None:
        part = self._partitions.get(partition)
        if part is None:
            part = self._partitions[partition] = _Partition(len(vector))
        part.add(vector, entry, self.max_entries)

    async def search(self, partition: str, vector: np.ndarray, threshold: float, k: int = 5) -> list[tuple[float, SemanticEntry]]:
        part = self._partitions.get(partition)
        return part.search(vector, threshold, k, time.time()) if part else []

    async def remove(self, partition: str, entry_key: str) -> None:
        part = self._partitions.get(partition)
        if part:
            part.remove(entry_key)

    async def clear(self, namespace: str | None = None) -> None:
        if namespace is None:
            self._partitions.clear()
        else:
            for name in [n for n in self._partitions if n.startswith(namespace + ":")]:
                del self._partitions[name]


class SQLiteSemanticIndex(LocalSemanticIndex):
    """A local index whose vectors are also kept in the SQLite cache (with the answers' TTL)."""

    def __init__(self, backend: SQLiteBackend, *, max_entries_per_partition: int = 100_000) -> None:
        super().__init__(max_entries_per_partition=max_entries_per_partition)
        self.backend = backend
        self._loaded: set[str] = set()

    @staticmethod
    def _key(partition: str, entry_key: str) -> str:
        return f"{partition}:v:{entry_key.rsplit(':', 1)[-1]}"

    async def _load(self, partition: str) -> None:
        if partition in self._loaded:
            return
        rows = await self.backend.scan(partition + ":v:")
        if not self.backend.healthy:
            return  # try again on the next lookup
        self._loaded.add(partition)
        for _, blob in rows:
            entry, vector = SemanticEntry.decode(blob)
            await super().add(partition, vector, entry)

    async def add(self, partition: str, vector: np.ndarray, entry: SemanticEntry) -> None:
        await self._load(partition)
        await super().add(partition, vector, entry)
        ttl = entry.expires_at - time.time() if entry.expires_at is not None else None
        await self.backend.set(self._key(partition, entry.entry_key), entry.encode(vector), ttl)

    async def search(self, partition: str, vector: np.ndarray, threshold: float, k: int = 5) -> list[tuple[float, SemanticEntry]]:
        await self._load(partition)
        return await super().search(partition, vector, threshold, k)

    async def remove(self, partition: str, entry_key: str) -> None:
        await super().remove(partition, entry_key)
        await self.backend.delete(self._key(partition, entry_key))

    async def clear(self, namespace: str | None = None) -> None:
        # the rows live under the namespace's keys: the backend's clear() drops them
        await super().clear(namespace)
        self._loaded = {p for p in self._loaded if namespace is not None and not p.startswith(namespace + ":")}


class RedisSemanticIndex(SemanticIndex):
    """Vectors in Redis, shared by every process; each process searches a local mirror."""

    def __init__(self, backend: RedisBackend, *, max_entries_per_partition: int = 100_000,
                 refresh_interval_s: float = 0.0) -> None:
        super().__init__(max_entries_per_partition=max_entries_per_partition)
        self.backend = backend
        self.refresh_interval_s = refresh_interval_s  # 0: ask Redis for news on every lookup
        self._mirrors: dict[str, _Partition] = {}
        self._offsets: dict[str, int] = {}  # log entries already applied to the mirror
        self._checked: dict[str, float] = {}

    def _hash(self, partition: str) -> str:
        return self.backend.k(partition + ":vec")

    def _log(self, partition: str) -> str:
        return self.backend.k(partition + ":log")

    async def add(self, partition: str, vector: np.ndarray, entry: SemanticEntry) -> None:
        blob = entry.encode(vector)
        ttl = entry.expires_at - time.time() if entry.expires_at is not None else None
        client = self.backend.client

        async def op() -> None:
            async with client.pipeline(transaction=True) as pipe:
                pipe.hset(self._hash(partition), entry.entry_key, blob)
                pipe.rpush(self._log(partition), entry.entry_key)
                if ttl is not None:
                    # a partition nobody writes to disappears once its newest entry expired
                    ms = max(1, int(ttl * 1000))
                    pipe.pexpire(self._hash(partition), ms)
                    pipe.pexpire(self._log(partition), ms)
                else:
                    pipe.persist(self._hash(partition))
                    pipe.persist(self._log(partition))
                await pipe.execute()

        await self.backend.call(op, None)

    async def _refresh(self, partition: str, dim: int) -> _Partition:
        mirror = self._mirrors.get(partition)
        now = time.monotonic()
        if mirror is not None and now - self._checked.get(partition, 0.0) < self.refresh_interval_s:
            return mirror
        client = self.backend.client
        length: Any = await self.backend.call(lambda: client.llen(self._log(partition)), None)
        if length is None:  # Redis unavailable: search what we have
            return mirror or _Partition(dim)
        self._checked[partition] = now
        offset = self._offsets.get(partition, 0)
        if mirror is None or length < offset:  # first look, or the log was cleared / expired
            mirror = _Partition(dim)
            self._mirrors[partition] = mirror
            offset = 0
        if length > offset:
            keys: Any = await self.backend.call(lambda: client.lrange(self._log(partition), offset, length - 1), None)
            if keys is None:
                return mirror
            unique = list(dict.fromkeys(keys))
            blobs: Any = await self.backend.call(lambda: client.hmget(self._hash(partition), unique), None)
            if blobs is None:
                return mirror
            for blob in blobs:
                if blob is not None:
                    entry, vector = SemanticEntry.decode(bytes(blob))
                    mirror.add(vector, entry, self.max_entries)
            self._offsets[partition] = offset + len(keys)
        return mirror

    async def search(self, partition: str, vector: np.ndarray, threshold: float, k: int = 5) -> list[tuple[float, SemanticEntry]]:
        mirror = await self._refresh(partition, len(vector))
        return mirror.search(vector, threshold, k, time.time())

    async def remove(self, partition: str, entry_key: str) -> None:
        mirror = self._mirrors.get(partition)
        if mirror is not None:
            mirror.remove(entry_key)
        client = self.backend.client
        await self.backend.call(lambda: client.hdel(self._hash(partition), entry_key), None)

    async def clear(self, namespace: str | None = None) -> None:
        # the Redis keys live under the backend's namespace prefix: backend.clear() drops them
        for name in [n for n in self._mirrors if namespace is None or n.startswith(namespace + ":")]:
            del self._mirrors[name]
            self._offsets.pop(name, None)
            self._checked.pop(name, None)

"""In-process cache: an LRU bounded by entry count and by bytes, with per-entry TTL (the default)."""

from __future__ import annotations

import time
from collections import OrderedDict

from turnout.cache.backend import CacheBackend, check_key, check_namespace

__all__ = ["MemoryBackend"]


class MemoryBackend(CacheBackend):
    name = "memory"

    def __init__(self, *, max_entries: int = 10_000, max_bytes: int = 256 * 1024 * 1024) -> None:
        super().__init__()
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("max_entries and max_bytes must be positive")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        # key -> (value, expires_at monotonic or None); order = least recently used first
        self._data: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()
        self._bytes = 0
        self.evictions = 0

    def __len__(self) -> int:
        return len(self._data)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    async def get(self, key: str) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires_at = item
        if expires_at is not None and expires_at <= time.monotonic():
            self._drop(key)
            return None
        self._data.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl_s: float | None) -> None:
        check_key(key)
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError("cache values are bytes")
        value = bytes(value)
        size = len(key) + len(value)
        if size > self.max_bytes:
            return  # larger than the whole cache: storing it would evict everything for nothing
        if key in self._data:
            self._drop(key)
        expires_at = time.monotonic() + ttl_s if ttl_s is not None else None
        self._data[key] = (value, expires_at)
        self._bytes += size
        while len(self._data) > self.max_entries or self._bytes > self.max_bytes:
            oldest = next(iter(self._data))
            self._drop(oldest)
            self.evictions += 1

    async def delete(self, key: str) -> None:
        if key in self._data:
            self._drop(key)

    async def clear(self, namespace: str | None = None) -> None:
        if namespace is None:
            self._data.clear()
            self._bytes = 0
            return
        prefix = check_namespace(namespace) + ":"
        for key in [k for k in self._data if k.startswith(prefix)]:
            self._drop(key)

    def _drop(self, key: str) -> None:
        value, _ = self._data.pop(key)
        self._bytes -= len(key) + len(value)

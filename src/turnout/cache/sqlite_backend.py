"""SQLite cache: survives restarts, can be shared by processes on one machine (WAL mode).

sqlite3 blocks, so every statement runs on one dedicated worker thread: the event loop never
waits on the disk, and one connection serialises access without locks of our own.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from turnout.cache.backend import CacheBackend, check_key, check_namespace

__all__ = ["SQLiteBackend"]

log = logging.getLogger("turnout.cache")
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cache_entries (
    key        TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    expires_at REAL            -- unix time; NULL = never
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cache_entries_expiry ON cache_entries(expires_at) WHERE expires_at IS NOT NULL;
"""

# expired rows are invisible at once (get checks the time) and deleted every this many writes
_PURGE_EVERY = 1000


class SQLiteBackend(CacheBackend):
    name = "sqlite"

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path).expanduser()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="turnout-cache-sqlite")
        self._conn: sqlite3.Connection | None = None
        self._writes = 0
        self._closed = False

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=5.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # a cache may lose its last writes on power loss
            conn.execute("PRAGMA busy_timeout=5000")
            conn.executescript(_SCHEMA)
            self._conn = conn
        return self._conn

    async def _run(self, fn: Callable[[sqlite3.Connection], T], default: T) -> T:
        if self._closed:
            raise RuntimeError("cache backend is closed")
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._executor, lambda: fn(self._connect()))
        except sqlite3.Error as exc:
            self.errors += 1
            if self.healthy:
                log.warning("sqlite cache %s failed (%s); serving misses until it works again", self.path, exc)
            self.healthy = False
            return default
        if not self.healthy:
            log.info("sqlite cache %s works again", self.path)
            self.healthy = True
        return result

    async def get(self, key: str) -> bytes | None:
        def op(conn: sqlite3.Connection) -> bytes | None:
            row = conn.execute(
                "SELECT value FROM cache_entries WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)",
                (key, time.time()),
            ).fetchone()
            return bytes(row[0]) if row else None

        return await self._run(op, None)

    async def set(self, key: str, value: bytes, ttl_s: float | None) -> None:
        check_key(key)
        expires_at = time.time() + ttl_s if ttl_s is not None else None
        self._writes += 1
        purge = self._writes % _PURGE_EVERY == 0

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO cache_entries (key, value, expires_at) VALUES (?, ?, ?)",
                (key, bytes(value), expires_at),
            )
            if purge:
                conn.execute("DELETE FROM cache_entries WHERE expires_at <= ?", (time.time(),))

        await self._run(op, None)

    async def delete(self, key: str) -> None:
        await self._run(lambda conn: conn.execute("DELETE FROM cache_entries WHERE key = ?", (key,)), None)

    async def clear(self, namespace: str | None = None) -> None:
        ns = check_namespace(namespace) if namespace is not None else None

        def op(conn: sqlite3.Connection) -> Any:
            if ns is None:
                return conn.execute("DELETE FROM cache_entries")
            # prefix range scan on the primary key: ';' is the character after ':'
            return conn.execute("DELETE FROM cache_entries WHERE key >= ? AND key < ?", (ns + ":", ns + ";"))

        await self._run(op, None)

    async def scan(self, prefix: str) -> list[tuple[str, bytes]]:
        """Every live entry whose key starts with ``prefix`` (a primary-key range scan)."""
        check_key(prefix + "x")
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)

        def op(conn: sqlite3.Connection) -> list[tuple[str, bytes]]:
            rows = conn.execute(
                "SELECT key, value FROM cache_entries WHERE key >= ? AND key < ? AND (expires_at IS NULL OR expires_at > ?)",
                (prefix, upper, time.time()),
            ).fetchall()
            return [(str(k), bytes(v)) for k, v in rows]

        return await self._run(op, [])

    async def aclose(self) -> None:
        if self._closed:
            return
        conn, self._conn = self._conn, None
        if conn is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, conn.close)
        self._closed = True
        self._executor.shutdown(wait=False)

"""Stored Responses-API conversations, for ``previous_response_id`` and ``GET /v1/responses/{id}``.

A record is one response object plus the conversation that led to it (neutral messages), its
owner (the virtual key, so one tenant never reads another's) and its sensitivity. Records live
on the same kinds of store as the rest of turnout's state, chosen by URL:

    memory                          this process only
    sqlite:///turnout-responses.db  survives restarts (the default beside an SQLite ledger)
    redis://host:6379/0             shared by gateway processes
    postgresql://user@host/db       shared by gateway processes (table turnout_responses)

Memory, SQLite and Redis reuse the cache's byte stores (``cache/``); PostgreSQL has its own
small one here. Confidential conversations stay out of shared stores (Redis, PostgreSQL)
unless ``confidential_shared`` is set: they go to a process-local memory store instead, so a
follow-up still works on the gateway process that answered.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import orjson

from turnout.cache.backend import CacheBackend

__all__ = ["PostgresBackend", "ResponseStore", "open_response_store"]

DEFAULT_TTL_S = 30 * 86_400.0  # OpenAI keeps stored responses for 30 days
_NAMESPACE = "responses"


class ResponseStore:
    def __init__(self, backend: CacheBackend, *, shared: bool, ttl_s: float = DEFAULT_TTL_S,
                 confidential_shared: bool = False) -> None:
        self.backend = backend
        self.shared = shared
        self.ttl_s = ttl_s
        self.confidential_shared = confidential_shared
        from turnout.cache.memory_backend import MemoryBackend

        self._local: CacheBackend = backend if not shared else MemoryBackend(max_entries=10_000)

    def _store_for(self, record: dict[str, Any]) -> CacheBackend:
        if record.get("sensitivity") == "confidential" and self.shared and not self.confidential_shared:
            return self._local
        return self.backend

    async def put(self, response_id: str, record: dict[str, Any]) -> None:
        record = {**record, "stored_at": time.time()}
        await self._store_for(record).set(f"{_NAMESPACE}:{response_id}", orjson.dumps(record), self.ttl_s)

    async def get(self, response_id: str, tenant: str | None) -> dict[str, Any] | None:
        """The record, if it exists and belongs to ``tenant`` (None: the open gateway)."""
        key = f"{_NAMESPACE}:{response_id}"
        raw = await self._local.get(key) if self.shared else None
        if raw is None:
            raw = await self.backend.get(key)
        if raw is None:
            return None
        try:
            record: dict[str, Any] = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        return record if record.get("tenant") == tenant else None

    async def delete(self, response_id: str, tenant: str | None) -> bool:
        if await self.get(response_id, tenant) is None:
            return False
        key = f"{_NAMESPACE}:{response_id}"
        if self.shared:
            await self._local.delete(key)
        await self.backend.delete(key)
        return True

    async def aclose(self) -> None:
        await self.backend.aclose()


def open_response_store(url: str, *, ttl_s: float = DEFAULT_TTL_S, confidential_shared: bool = False) -> ResponseStore:
    if url.startswith(("postgresql://", "postgres://")):
        return ResponseStore(PostgresBackend(url), shared=True, ttl_s=ttl_s, confidential_shared=confidential_shared)
    from turnout.cache.response_cache import backend_from_url

    if url.startswith(("redis://", "rediss://", "unix://")) and "prefix=" not in url:
        url += ("&" if "?" in url else "?") + "prefix=turnout:responses:"
    backend = backend_from_url(url)
    shared = backend.name == "redis"
    return ResponseStore(backend, shared=shared, ttl_s=ttl_s, confidential_shared=confidential_shared)


def default_store_url(ledger_url: str) -> str:
    """Beside the ledger: the same PostgreSQL database, or an SQLite file next to the ledger's."""
    if ledger_url.startswith(("postgresql://", "postgres://")):
        from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

        parts = urlsplit(ledger_url)  # drop the ledger's table= option; libpq rejects it
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "table"])
        return urlunsplit(parts._replace(query=query, fragment=""))
    if ledger_url.startswith("sqlite:///"):
        path = ledger_url[len("sqlite:///"):].split("?", 1)[0]
        stem = path[:-3] if path.endswith(".db") else path
        return f"sqlite:///{stem}-responses.db"
    return "memory"


class PostgresBackend(CacheBackend):
    """A byte store with TTL in one PostgreSQL table; psycopg (sync) on a worker thread."""

    name = "postgres"

    def __init__(self, conninfo: str, *, table: str = "turnout_responses") -> None:
        super().__init__()
        if not table.replace("_", "").isalnum():
            raise ValueError(f"invalid table name {table!r}")
        self.conninfo = conninfo
        self.table = table
        self._conn: Any = None
        self._lock = threading.Lock()

    def _connect(self) -> Any:
        if self._conn is None or self._conn.closed:
            import psycopg

            conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5)
            conn.execute(f"CREATE TABLE IF NOT EXISTS {self.table} "
                         "(key text PRIMARY KEY, value bytea NOT NULL, expires_at float8)")
            self._conn = conn
        return self._conn

    def _run(self, sql: str, args: tuple[Any, ...], fetch: bool = False) -> Any:
        with self._lock:
            try:
                cur = self._connect().execute(sql, args)
                row = cur.fetchone() if fetch else None
            except Exception:
                self.healthy = False
                self.errors += 1
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
                return None
            self.healthy = True
            return row

    async def get(self, key: str) -> bytes | None:
        row = await asyncio.to_thread(
            self._run, f"SELECT value FROM {self.table} WHERE key = %s AND (expires_at IS NULL OR expires_at > %s)",
            (key, time.time()), True)
        return bytes(row[0]) if row else None

    async def set(self, key: str, value: bytes, ttl_s: float | None) -> None:
        expires = time.time() + ttl_s if ttl_s is not None else None
        await asyncio.to_thread(
            self._run, f"INSERT INTO {self.table} (key, value, expires_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at",
            (key, value, expires))

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._run, f"DELETE FROM {self.table} WHERE key = %s", (key,))

    async def clear(self, namespace: str | None = None) -> None:
        if namespace is None:
            await asyncio.to_thread(self._run, f"DELETE FROM {self.table}", ())
        else:
            await asyncio.to_thread(self._run, f"DELETE FROM {self.table} WHERE key LIKE %s",
                                    (namespace.replace("%", r"\%").replace("_", r"\_") + ":%",))

    async def aclose(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

"""What only one backend does: memory's bounds, SQLite's persistence, Redis's outage handling
and its index shared between processes."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from turnout.cache import MemoryBackend, RedisBackend, ResponseCache, SQLiteBackend
from turnout.types import make_completion

from .conftest import REDIS_URL, drop_redis_prefix, redis_prefix

Q = [{"role": "user", "content": "How do I undo the last git commit?"}]
PARA = [{"role": "user", "content": "How can I undo my last git commit?"}]


async def test_memory_lru_by_entries() -> None:
    m = MemoryBackend(max_entries=3)
    for i in range(3):
        await m.set(f"n:{i}", b"x", None)
    await m.get("n:0")  # now the most recently used
    await m.set("n:3", b"x", None)
    assert await m.get("n:1") is None
    assert await m.get("n:0") == b"x" and await m.get("n:3") == b"x"
    assert len(m) == 3 and m.evictions == 1


async def test_memory_lru_by_bytes() -> None:
    m = MemoryBackend(max_bytes=1000)
    for i in range(10):
        await m.set(f"n:{i}", b"x" * 200, None)
    assert m.size_bytes <= 1000 and len(m) == 4
    await m.set("n:big", b"x" * 5000, None)  # larger than the whole cache: not stored
    assert await m.get("n:big") is None and len(m) == 4
    await m.clear()
    assert m.size_bytes == 0


async def test_sqlite_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cache.db"
    first = ResponseCache(SQLiteBackend(path))
    await first.store("t", "m", Q, {}, make_completion(model="m", content="git reset --soft HEAD~1"), cost_usd=0.5)
    await first.aclose()
    second = ResponseCache(SQLiteBackend(path))
    hit = await second.lookup("t", "m", Q, {})
    assert hit is not None and hit.response.choices[0].message.content == "git reset --soft HEAD~1"
    assert hit.saved_cost_usd == 0.5
    await second.aclose()


async def test_sqlite_semantic_index_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    first = ResponseCache(SQLiteBackend(path), semantic=True)
    await first.store("t", "m", Q, {}, make_completion(model="m", content="git reset --soft HEAD~1"))
    await first.store("u", "m", Q, {}, make_completion(model="m", content="tenant u"))
    await first.aclose()
    second = ResponseCache(SQLiteBackend(path), semantic=True)
    hit = await second.lookup("t", "m", PARA, {})
    assert hit is not None and hit.kind == "semantic"
    assert hit.response.choices[0].message.content == "git reset --soft HEAD~1"
    await second.clear("t")
    assert await second.lookup("t", "m", PARA, {}) is None
    await second.aclose()
    third = ResponseCache(SQLiteBackend(path), semantic=True)
    assert await third.lookup("t", "m", PARA, {}) is None  # the clear reached the disk
    hit = await third.lookup("u", "m", PARA, {})
    assert hit is not None and hit.response.choices[0].message.content == "tenant u"
    await third.aclose()


async def test_sqlite_broken_file_is_a_miss_not_an_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "cache.db"
    path.write_bytes(b"this is not a database" * 100)
    backend = SQLiteBackend(path)
    with caplog.at_level(logging.WARNING, logger="turnout.cache"):
        assert await backend.get("n:k") is None
        await backend.set("n:k", b"v", 60)
    assert not backend.healthy and backend.errors >= 2
    assert len([r for r in caplog.records if "sqlite cache" in r.message]) == 1  # logged once
    await backend.aclose()


class _Proxy:
    """A TCP proxy to Redis that the test can cut and restore: Redis 'goes away' for this client only."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.conns: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in self.conns:
            w.close()
        self.conns.clear()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.conns += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.mark.redis
async def test_redis_outage_turns_into_misses_and_recovers(caplog: pytest.LogCaptureFixture) -> None:
    from urllib.parse import urlparse

    target = urlparse(REDIS_URL)
    proxy = _Proxy(target.hostname or "127.0.0.1", target.port or 6379)
    await proxy.start()
    backend = RedisBackend(f"redis://127.0.0.1:{proxy.port}/0", prefix=redis_prefix(), min_backoff_s=0.2)
    cache = ResponseCache(backend, semantic=True)
    answer = make_completion(model="m", content="git reset --soft HEAD~1")
    try:
        await cache.store("t", "m", Q, {}, answer)
        assert await cache.lookup("t", "m", Q, {}) is not None
        assert backend.healthy and backend.errors == 0

        await proxy.stop()  # Redis goes away
        with caplog.at_level(logging.INFO, logger="turnout.cache"):
            for _ in range(5):
                assert await cache.lookup("t", "m", Q, {}) is None  # a miss, not an exception
                assert await cache.lookup("t", "m", PARA, {}) is None
                await cache.store("t", "m", Q, {}, answer)  # a no-op
            assert not backend.healthy and backend.errors >= 1
            errors_while_down = backend.errors
            # backing off: no connection attempt (and no timeout) per request
            assert errors_while_down <= 2
            assert len([r for r in caplog.records if "unavailable" in r.message]) == 1  # logged once

            await proxy.start()  # Redis is back on the same port
            await asyncio.sleep(0.25)
            hit = await cache.lookup("t", "m", Q, {})
            assert hit is not None and backend.healthy
            assert any("is back" in r.message for r in caplog.records)
        assert await cache.lookup("t", "m", PARA, {}) is not None  # semantic works again too
    finally:
        direct = RedisBackend(REDIS_URL, prefix=backend.prefix)  # clean up whether or not the proxy is up
        await drop_redis_prefix(direct)
        await direct.aclose()
        await cache.aclose()
        if proxy.server is not None and proxy.server.is_serving():
            await proxy.stop()


@pytest.mark.redis
async def test_redis_down_from_the_start() -> None:
    backend = RedisBackend("redis://127.0.0.1:1/0", prefix=redis_prefix())  # nothing listens on port 1
    assert await backend.get("t:k") is None
    await backend.set("t:k", b"v", 60)
    await backend.clear("t")
    assert not backend.healthy and backend.errors == 1  # the rest skipped while backing off
    await backend.aclose()


@pytest.mark.redis
async def test_redis_semantic_index_is_shared_between_processes() -> None:
    prefix = redis_prefix()
    # two gateway processes: separate clients, separate local mirrors, one Redis
    a = ResponseCache(RedisBackend(REDIS_URL, prefix=prefix), semantic=True)
    b = ResponseCache(RedisBackend(REDIS_URL, prefix=prefix), semantic=True)
    try:
        assert await b.lookup("t", "m", PARA, {}) is None  # b's mirror starts (empty)
        await a.store("t", "m", Q, {}, make_completion(model="m", content="git reset --soft HEAD~1"))
        hit = await b.lookup("t", "m", PARA, {})  # b sees a's entry through the log
        assert hit is not None and hit.kind == "semantic"
        await a.clear("t")
        assert await b.lookup("t", "m", PARA, {}) is None  # and sees the clear
        await b.store("t", "m", Q, {}, make_completion(model="m", content="again"))
        hit = await a.lookup("t", "m", PARA, {})
        assert hit is not None and hit.response.choices[0].message.content == "again"
    finally:
        await drop_redis_prefix(a.backend)
        await a.aclose()
        await b.aclose()

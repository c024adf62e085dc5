"""Fixtures for the cache tests: one fresh backend per test, for each real backend.

Redis tests use a key prefix unique to this run and test, and delete what they wrote."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

REDIS_URL = os.environ.get("TURNOUT_TEST_REDIS", "redis://127.0.0.1:6379/0")
RUN_ID = uuid.uuid4().hex[:8]

BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("redis", id="redis", marks=pytest.mark.redis),
]


def redis_prefix() -> str:
    return f"turnout-test:{RUN_ID}:{uuid.uuid4().hex[:8]}:"


async def make_backend(kind: str, tmp_path: Path) -> Any:
    if kind == "memory":
        from turnout.cache.memory_backend import MemoryBackend

        return MemoryBackend()
    if kind == "sqlite":
        from turnout.cache.sqlite_backend import SQLiteBackend

        return SQLiteBackend(tmp_path / "cache.db")
    from turnout.cache.redis_backend import RedisBackend

    # Conformance, not the outage policy (test_backends.py tests that): a burst of 100 operations
    # opens up to 100 connections, and on a loaded 2-core machine one may take longer than the
    # production 0.25 s connect timeout, which would turn the rest of the burst into misses.
    backend = RedisBackend(REDIS_URL, prefix=redis_prefix(), connect_timeout_s=5.0, op_timeout_s=5.0)
    try:
        await backend.client.ping()
    except Exception as exc:  # pragma: no cover - the CI machine runs Redis
        await backend.aclose()
        pytest.skip(f"Redis at {REDIS_URL} unavailable: {exc}")
    return backend


async def drop_redis_prefix(backend: Any) -> None:
    """Delete every key this test wrote (the backend's clear() covers only its own layout)."""
    keys = [k async for k in backend.client.scan_iter(match=backend.prefix + "*", count=1000)]
    if keys:
        await backend.client.delete(*keys)


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    b = await make_backend(request.param, tmp_path)
    try:
        yield b
    finally:
        if request.param == "redis":
            await drop_redis_prefix(b)
        await b.aclose()

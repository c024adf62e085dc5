"""One behaviour for every cache backend: memory, SQLite and Redis (all real)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest


async def test_get_missing_is_none(backend: Any) -> None:
    assert await backend.get("ns:missing") is None
    assert backend.healthy


async def test_set_get_roundtrip_bytes(backend: Any) -> None:
    value = bytes(range(256)) * 10  # arbitrary binary, NULs included
    await backend.set("ns:k1", value, 60)
    assert await backend.get("ns:k1") == value


async def test_overwrite(backend: Any) -> None:
    await backend.set("ns:k", b"one", 60)
    await backend.set("ns:k", b"two", 60)
    assert await backend.get("ns:k") == b"two"


async def test_empty_value(backend: Any) -> None:
    await backend.set("ns:empty", b"", 60)
    assert await backend.get("ns:empty") == b""


async def test_ttl_expires(backend: Any) -> None:
    await backend.set("ns:short", b"x", 0.2)
    await backend.set("ns:long", b"y", 60)
    assert await backend.get("ns:short") == b"x"
    await asyncio.sleep(0.35)
    assert await backend.get("ns:short") is None
    assert await backend.get("ns:long") == b"y"


async def test_no_ttl_means_no_expiry(backend: Any) -> None:
    await backend.set("ns:forever", b"x", None)
    assert await backend.get("ns:forever") == b"x"


async def test_delete(backend: Any) -> None:
    await backend.set("ns:d", b"x", 60)
    await backend.delete("ns:d")
    assert await backend.get("ns:d") is None
    await backend.delete("ns:never-there")  # no error


async def test_clear_namespace_only_touches_that_namespace(backend: Any) -> None:
    await backend.set("alice:1", b"a1", 60)
    await backend.set("alice:2", b"a2", 60)
    await backend.set("alice-2:1", b"other tenant with a prefix-like name", 60)
    await backend.set("bob:1", b"b1", 60)
    await backend.clear("alice")
    assert await backend.get("alice:1") is None
    assert await backend.get("alice:2") is None
    assert await backend.get("alice-2:1") is not None
    assert await backend.get("bob:1") == b"b1"


async def test_clear_all(backend: Any) -> None:
    await backend.set("a:1", b"x", 60)
    await backend.set("b:1", b"y", 60)
    await backend.clear()
    assert await backend.get("a:1") is None
    assert await backend.get("b:1") is None


async def test_keys_need_a_namespace(backend: Any) -> None:
    with pytest.raises(ValueError):
        await backend.set("no-namespace", b"x", 60)
    with pytest.raises(ValueError):
        await backend.clear("bad:namespace")


async def test_concurrent_writers(backend: Any) -> None:
    await asyncio.gather(*(backend.set(f"ns:c{i}", str(i).encode(), 60) for i in range(100)))
    values = await asyncio.gather(*(backend.get(f"ns:c{i}") for i in range(100)))
    assert values == [str(i).encode() for i in range(100)]


async def test_unicode_keys(backend: Any) -> None:
    await backend.set("ns:clé-✓", b"x", 60)
    assert await backend.get("ns:clé-✓") == b"x"
    assert backend.errors == 0

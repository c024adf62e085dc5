"""The Responses-API store on every backend: memory, SQLite, Redis, PostgreSQL (real servers)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from turnout.responses_store import ResponseStore, default_store_url, open_response_store

REDIS_URL = "redis://127.0.0.1:6379/0"
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis),
                        pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ResponseStore]:
    tag = secrets.token_hex(4)
    if request.param == "memory":
        s = open_response_store("memory")
    elif request.param == "sqlite":
        s = open_response_store(f"sqlite:///{tmp_path}/responses.db")
    elif request.param == "redis":
        s = open_response_store(f"{REDIS_URL}?prefix=test:{tag}:")
    else:
        from turnout.responses_store import PostgresBackend

        try:
            import psycopg

            psycopg.connect(PG_URL, connect_timeout=2).close()
        except Exception:
            pytest.skip("PostgreSQL not reachable")
        s = ResponseStore(PostgresBackend(PG_URL, table=f"t{tag}_responses"), shared=True)
    yield s
    if request.param == "redis":
        await s.backend.clear("responses")
    if request.param == "postgres":
        backend = s.backend
        backend._run(f"DROP TABLE IF EXISTS {backend.table}", ())  # type: ignore[attr-defined]
    await s.aclose()


def _record(tenant: str | None, sensitivity: str = "public") -> dict:
    return {"tenant": tenant, "sensitivity": sensitivity, "response": {"id": "r", "output": []},
            "messages": [{"role": "user", "content": "hi"}]}


async def test_put_get_delete_per_tenant(store: ResponseStore) -> None:
    await store.put("resp_a", _record("key-1"))
    got = await store.get("resp_a", "key-1")
    assert got is not None and got["messages"] == [{"role": "user", "content": "hi"}]
    assert await store.get("resp_a", "key-2") is None  # another tenant never reads it
    assert await store.get("resp_a", None) is None
    assert await store.get("resp_missing", "key-1") is None
    assert not await store.delete("resp_a", "key-2")
    assert await store.delete("resp_a", "key-1")
    assert await store.get("resp_a", "key-1") is None


async def test_confidential_records_stay_out_of_shared_stores(store: ResponseStore) -> None:
    await store.put("resp_c", _record(None, "confidential"))
    assert (await store.get("resp_c", None)) is not None  # this process can still continue it
    in_backend = await store.backend.get("responses:resp_c")
    assert (in_backend is None) == store.shared


async def test_configured_confidential_sharing(tmp_path: Path) -> None:
    store = open_response_store("memory", confidential_shared=True)
    await store.put("resp_c", _record(None, "confidential"))
    assert await store.backend.get("responses:resp_c") is not None


def test_default_store_sits_beside_the_ledger() -> None:
    assert default_store_url("sqlite:///data/turnout.db") == "sqlite:///data/turnout-responses.db"
    assert default_store_url("postgresql://u@h/db?table=x") == "postgresql://u@h/db"
    assert default_store_url("memory://") == "memory"

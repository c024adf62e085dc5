"""ResponseCache on every real backend: exact and semantic hits, per-request control, tenants,
streams, and what a hit reports (kind, age, what it saved)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from turnout.cache import CacheControl, ResponseCache, completion_from_chunks
from turnout.types import make_completion

from .conftest import BACKENDS, drop_redis_prefix, make_backend

Q = [{"role": "user", "content": "What is the capital of France?"}]


def answer(content: str = "Paris.", **kw: Any) -> dict[str, Any]:
    return make_completion(model="gpt-4o-2024-08-06", content=content, prompt_tokens=14, completion_tokens=3, **kw)


@pytest.fixture(params=BACKENDS)
async def cache(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ResponseCache]:
    backend = await make_backend(request.param, tmp_path)
    c = ResponseCache(backend, semantic=True)
    try:
        yield c
    finally:
        if request.param == "redis":
            await drop_redis_prefix(backend)
        await c.aclose()


async def test_miss_then_exact_hit(cache: ResponseCache) -> None:
    assert await cache.lookup("acme", "gpt-4o", Q, {"temperature": 0}) is None
    assert await cache.store("acme", "gpt-4o", Q, {"temperature": 0}, answer(), cost_usd=0.00123)
    hit = await cache.lookup("acme", "gpt-4o", Q, {"temperature": 0, "user": "someone", "stream": True})
    assert hit is not None
    assert hit.kind == "exact" and hit.similarity == 1.0
    assert hit.response.choices[0].message.content == "Paris."
    assert hit.saved_cost_usd == pytest.approx(0.00123)
    assert (hit.saved_prompt_tokens, hit.saved_completion_tokens) == (14, 3)
    assert hit.model == "gpt-4o-2024-08-06"
    assert 0 <= hit.age_s < 5
    assert hit.record()["kind"] == "exact" and hit.record()["saved_tokens"] == 17
    assert "turnout" not in hit.response
    assert cache.stats.exact_hits == 1


async def test_semantic_hit(cache: ResponseCache) -> None:
    await cache.store("acme", "gpt-4o", Q, {}, answer(), cost_usd=0.002)
    hit = await cache.lookup("acme", "gpt-4o", [{"role": "user", "content": "What's the capital of France?"}], {})
    assert hit is not None and hit.kind == "semantic"
    assert cache.threshold <= hit.similarity < 1.0
    assert hit.matched_prompt == Q[0]["content"]
    assert hit.saved_cost_usd == pytest.approx(0.002)
    assert await cache.lookup("acme", "gpt-4o", [{"role": "user", "content": "What is the capital of Spain?"}], {}) is None


async def test_tenants_are_isolated(cache: ResponseCache) -> None:
    await cache.store("alice", "gpt-4o", Q, {}, answer("Alice's answer"))
    assert await cache.lookup("bob", "gpt-4o", Q, {}) is None
    hit = await cache.lookup("alice", "gpt-4o", Q, {})
    assert hit is not None and hit.response.choices[0].message.content == "Alice's answer"
    await cache.clear("alice")
    assert await cache.lookup("alice", "gpt-4o", Q, {}) is None


async def test_no_store_no_cache_max_age(cache: ResponseCache) -> None:
    assert not await cache.store("t", "m", Q, {}, answer("v1"), control=CacheControl.parse("no-store"))
    assert await cache.lookup("t", "m", Q, {}) is None
    await cache.store("t", "m", Q, {}, answer("v1"))
    assert await cache.lookup("t", "m", Q, {}, CacheControl.parse("no-store")) is None
    assert await cache.lookup("t", "m", Q, {}, CacheControl.parse("no-cache")) is None
    # no-cache still writes: the fresh answer replaces the old one
    await cache.store("t", "m", Q, {}, answer("v2"), control=CacheControl.parse("no-cache"))
    hit = await cache.lookup("t", "m", Q, {})
    assert hit is not None and hit.response.choices[0].message.content == "v2"
    await asyncio.sleep(0.3)
    assert await cache.lookup("t", "m", Q, {}, CacheControl(max_age_s=0.1)) is None
    assert await cache.lookup("t", "m", Q, {}, CacheControl(max_age_s=60)) is not None


async def test_ttl(cache: ResponseCache) -> None:
    await cache.store("t", "m", Q, {}, answer(), control=CacheControl(ttl_s=0.2))
    assert await cache.lookup("t", "m", Q, {}) is not None
    await asyncio.sleep(0.35)
    assert await cache.lookup("t", "m", Q, {}) is None
    para = [{"role": "user", "content": "What's the capital of France?"}]
    assert await cache.lookup("t", "m", para, {}) is None  # the semantic entry went with it


async def test_what_is_not_cached(cache: ResponseCache) -> None:
    assert not await cache.store("t", "m", Q, {"temperature": 0.8}, answer())
    assert not await cache.store("t", "m", Q, {"n": 2}, answer())
    assert not await cache.store("t", "m", Q, {}, answer(finish_reason=None))
    assert not await cache.store("t", "m", Q, {}, answer(finish_reason="content_filter"))
    assert await cache.lookup("t", "m", Q, {}) is None
    allowing = ResponseCache(cache.backend, cache_temperature_gt0=True)
    assert await allowing.store("t", "m", Q, {"temperature": 0.8}, answer())
    assert await allowing.lookup("t", "m", Q, {"temperature": 0.8}) is not None


async def test_stream_answers_serve_plain_requests_and_back(cache: ResponseCache) -> None:
    # a streamed answer, assembled and stored ...
    tool_call = {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}
    original = answer("Sunny", tool_calls=[tool_call], finish_reason="tool_calls")
    streamed = completion_from_chunks(
        [*(c.model_dump() for c in _chunks_of(original)),
         {"id": "x", "model": original["model"], "choices": [], "usage": original["usage"]}]
    )
    assert streamed.choices[0].message.content == "Sunny"
    assert streamed.choices[0].message.tool_calls[0]["function"]["arguments"] == '{"city": "Paris"}'
    assert streamed.usage.total_tokens == 17
    await cache.store("t", "m", Q, {"stream": True}, streamed, cost_usd=0.01)
    # ... serves a non-stream request
    hit = await cache.lookup("t", "m", Q, {"stream": False})
    assert hit is not None
    assert hit.response.choices[0].finish_reason == "tool_calls"
    # ... and replays as a stream
    chunks = hit.chunks(include_usage=True, chunk_chars=2)
    again = completion_from_chunks(c.model_dump() for c in chunks)
    assert again.choices[0].message.content == "Sunny"
    assert again.choices[0].message.tool_calls == streamed.choices[0].message.tool_calls
    assert again.choices[0].finish_reason == "tool_calls"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 17
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == chunks[0]["id"] for c in chunks)


def _chunks_of(response: dict[str, Any]) -> list[Any]:
    from turnout.cache import replay_chunks

    return replay_chunks(response, chunk_chars=3)


async def test_unreadable_entry_is_a_miss(cache: ResponseCache) -> None:
    from turnout.cache.keys import exact_key

    await cache.backend.set(exact_key("t", "m", Q, {}), b"\x00garbage", 60)
    assert await cache.lookup("t", "m", Q, {}) is None


async def test_evicted_entry_leaves_the_semantic_index(tmp_path: Path) -> None:
    from turnout.cache.memory_backend import MemoryBackend

    cache = ResponseCache(MemoryBackend(max_entries=1), semantic=True)
    await cache.store("t", "m", Q, {}, answer())
    await cache.store("t", "m", [{"role": "user", "content": "Tell me a joke about cats."}], {}, answer("joke"))
    para = [{"role": "user", "content": "What's the capital of France?"}]
    assert await cache.lookup("t", "m", para, {}) is None  # its answer was evicted


def test_from_url() -> None:
    from turnout.cache.memory_backend import MemoryBackend
    from turnout.cache.redis_backend import RedisBackend
    from turnout.cache.response_cache import backend_from_url
    from turnout.cache.sqlite_backend import SQLiteBackend

    assert isinstance(backend_from_url("memory"), MemoryBackend)
    assert backend_from_url("memory://?max_entries=5").max_entries == 5  # type: ignore[attr-defined]
    rel = backend_from_url("sqlite:///cache.db")
    assert isinstance(rel, SQLiteBackend) and str(rel.path) == "cache.db"
    assert str(backend_from_url("sqlite:////var/x/cache.db").path) == "/var/x/cache.db"  # type: ignore[attr-defined]
    r = backend_from_url("redis://127.0.0.1:6379/0?prefix=app:")
    assert isinstance(r, RedisBackend) and r.prefix == "app:"
    with pytest.raises(ValueError):
        backend_from_url("ftp://nope")

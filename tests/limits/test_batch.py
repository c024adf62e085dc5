"""``limits/batch.py``: commands of one event-loop turn go to Redis as one pipeline, in the order
they were submitted, each caller getting its own answer (or error)."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turnout.limits.batch import Batcher, Script, make_pool_client

from .conftest import REDIS_URL

pytestmark = pytest.mark.redis


def _batcher(url: str = REDIS_URL, **kw: Any) -> Batcher:
    return Batcher(make_pool_client(url, connect_timeout_s=1.0, timeout_s=1.0), **kw)


# (key index, amount, deferred?, yield to the loop before the next op?)
OPS = st.lists(st.tuples(st.integers(0, 2), st.integers(-5, 5), st.booleans(), st.booleans()),
               min_size=1, max_size=40)


async def _sequential_equivalence(ops: list[tuple[int, int, bool, bool]]) -> None:
    prefix = f"turnout-test-batch-{secrets.token_hex(6)}"
    keys = [f"{prefix}:{i}" for i in range(3)]
    batch = _batcher()
    model = [0, 0, 0]
    waiting: list[tuple[asyncio.Future[Any], int]] = []
    try:
        for key, amount, deferred, pause in ops:
            model[key] += amount
            if deferred:
                batch.defer(("INCRBY", keys[key], amount))
            else:  # a caller waiting for its answer: the running total at its turn
                waiting.append((batch.call("INCRBY", keys[key], amount), model[key]))
            if pause:
                await asyncio.sleep(0)
        for task, expected in waiting:
            assert await task == expected
        await batch.flush()
        got = [await batch.call("GET", k) for k in keys]
        assert [int(v or 0) for v in got] == model
        assert batch.commands == len(ops) + 3
    finally:
        await batch.client.delete(*keys)
        await batch.aclose()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_answers_are_those_of_the_commands_run_one_by_one_in_order(ops: list[tuple[int, int, bool, bool]]) -> None:
    asyncio.run(_sequential_equivalence(ops))


async def test_one_turn_one_pipeline_and_errors_stay_with_their_caller() -> None:
    from redis.exceptions import ResponseError

    batch = _batcher()
    key = f"turnout-test-batch-{secrets.token_hex(6)}"
    try:
        ok1, bad, ok2 = await asyncio.gather(batch.call("SET", key, "x"), batch.call("INCR", key),
                                             batch.call("GET", key), return_exceptions=True)
        assert ok1 == b"OK" and ok2 == b"x" and isinstance(bad, ResponseError)
        assert batch.pipelines == 1 and batch.commands == 3
    finally:
        await batch.client.delete(key)
        await batch.aclose()


async def test_deferred_commands_ride_along_or_go_after_the_linger() -> None:
    batch = _batcher(linger_s=0.05)
    key = f"turnout-test-batch-{secrets.token_hex(6)}"
    try:
        batch.defer(("SET", key, "1"))
        assert await batch.call("GET", key) == b"1"  # sent after the write, in the same pipeline
        assert batch.pipelines == 1
        batch.defer(("SET", key, "2"))
        await asyncio.sleep(0.01)
        assert batch.pipelines == 1  # still lingering
        await asyncio.sleep(0.1)
        assert batch.pipelines == 2  # went on its own
    finally:
        await batch.client.delete(key)
        await batch.aclose()


async def test_a_script_redis_has_never_seen_is_loaded_and_run() -> None:
    batch = _batcher()
    token = secrets.token_hex(8)
    script = Script(f"return '{token}'")  # new source: NOSCRIPT on the first EVALSHA
    try:
        assert await batch.eval(script, [], []) == token.encode()
    finally:
        await batch.aclose()


async def test_unreachable_redis_fails_every_command_of_the_batch() -> None:
    batch = _batcher("redis://127.0.0.1:1/0")
    errors: list[BaseException] = []
    batch.defer(("SET", "k", "v"), errors.append)
    results = await asyncio.gather(batch.call("GET", "k"), batch.call("GET", "j"), return_exceptions=True)
    assert all(isinstance(r, ConnectionError | OSError) or "onnect" in type(r).__name__ for r in results)
    assert len(errors) == 1
    await batch.aclose()

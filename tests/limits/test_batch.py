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


class _StallingRedis:
    """A Redis stand-in on 127.0.0.1: answers ``+OK`` (``+PONG`` to a PING) until ``stall`` is set,
    then neither reads nor answers (a Redis stuck in a long script, or a dead peer)."""

    def __init__(self) -> None:
        self.stall = asyncio.Event()
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}/0"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stalled = asyncio.ensure_future(self.stall.wait())
        try:
            while True:
                line = asyncio.ensure_future(reader.readline())
                await asyncio.wait({line, stalled}, return_when=asyncio.FIRST_COMPLETED)
                if stalled.done():  # from now on nothing is read: the client's writes back up
                    line.cancel()
                    break
                head = line.result()
                if not head:
                    return
                args = []
                for _ in range(int(head[1:])):  # *n, then n bulk strings
                    size = int((await reader.readline())[1:])
                    args.append((await reader.readexactly(size + 2))[:-2])
                name = args[0].upper()
                writer.write(b"-ERR unknown command\r\n" if name == b"HELLO"  # redis-py falls back to RESP2
                             else b"+PONG\r\n" if name == b"PING" else b"+OK\r\n")
            await asyncio.Event().wait()  # stalled: read nothing more, answer nothing
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            stalled.cancel()
            writer.close()


@pytest.mark.parametrize("payload", [b"x", b"x" * (64 << 20)], ids=["answer", "write"])
async def test_a_stalled_redis_fails_the_pipeline_within_its_deadline(payload: bytes) -> None:
    """Neither the answers nor the write itself (a payload the socket cannot take while Redis
    reads nothing) may wait past the batcher's deadline: the admission fails fast."""
    from redis.exceptions import TimeoutError as RedisTimeout

    stalling = _StallingRedis()
    async with stalling as url:
        batch = Batcher(make_pool_client(url, connect_timeout_s=1.0, timeout_s=0.3))
        try:
            assert await batch.call("SET", "k", "v") == b"OK"
            stalling.stall.set()
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises((RedisTimeout, ConnectionError)):
                await asyncio.wait_for(batch.call("SET", "k", payload), timeout=5.0)
            assert loop.time() - started < 2.0
        finally:
            await asyncio.wait_for(batch.aclose(), timeout=10.0)

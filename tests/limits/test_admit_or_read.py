"""``RedisLimitStore.admit_or_read`` (the cache read and the admission in one script) decides as
the two steps it replaces: read the entry; if it is there, admit the request as a hit (its rate
limits with no tokens, no budget), else admit it in full. Over random sequences, two stores on
separate prefixes, one each way, must give the same answers and hold the same state."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turnout.errors import BudgetExceededError, RateLimitError
from turnout.limits import BudgetScope
from turnout.limits.redis_store import RedisLimitStore

from .conftest import REDIS_URL, T0, FakeClock, purge

pytestmark = pytest.mark.redis

# (seconds to advance, estimate USD, tokens, entry in the cache?, settle the oldest first)
OPS = st.lists(st.tuples(st.sampled_from([0.0, 1.0, 20.0]), st.floats(0.0, 0.5), st.integers(0, 400),
                         st.booleans(), st.booleans()), min_size=1, max_size=20)


def _outcome(exc: BaseException | None) -> str:
    if exc is None:
        return "ok"
    if isinstance(exc, RateLimitError):
        return f"rate:{exc.param}:{exc.retry_after}"
    assert isinstance(exc, BudgetExceededError)
    return f"budget:{exc.param}:{exc.retry_after}"


async def _scenario(ops: list[tuple[float, float, int, bool, bool]], limit_usd: float, rpm: int, tpm: int) -> None:
    clock = FakeClock(T0)
    one, two = (f"turnout-test-{secrets.token_hex(6)}" for _ in range(2))
    fused = RedisLimitStore(REDIS_URL, prefix=one, clock=clock)
    steps = RedisLimitStore(REDIS_URL, prefix=two, clock=clock)
    entry_key = f"turnout-test-entry-{secrets.token_hex(6)}"
    scope = BudgetScope("key:k", limit_usd, "daily")
    held: list[tuple[Any, Any]] = []
    client = fused.redis
    try:
        for advance, estimate, tokens, cached, settle_first in ops:
            clock.advance(advance)
            if settle_first and held:
                a, b = held.pop(0)
                await fused.settle(a, estimate / 2, [("key_k", -tokens // 2)])
                await steps.settle(b, estimate / 2, [("key_k", -tokens // 2)])
            if cached:
                await client.set(entry_key, b"answer")
            else:
                await client.delete(entry_key)
            rates = [("key_k", rpm, tpm, tokens)]
            got_exc = want_exc = None
            res_a = res_b = None
            entry = None
            try:
                res_a, entry = await fused.admit_or_read(rates, [scope], estimate, entry_key)
            except (RateLimitError, BudgetExceededError) as exc:
                got_exc = exc
            try:  # the two steps the script replaces
                if await client.get(entry_key) is not None:
                    await steps.admit([("key_k", rpm, tpm, 0)], [], 0.0)
                else:
                    res_b = await steps.admit(rates, [scope], estimate)
            except (RateLimitError, BudgetExceededError) as exc:
                want_exc = exc
            assert _outcome(got_exc) == _outcome(want_exc)
            if got_exc is None:
                assert (entry == b"answer") == cached
                assert (res_a is None) == (res_b is None)
                if res_a is not None:
                    assert res_a.remaining_usd == res_b.remaining_usd
                    held.append((res_a, res_b))
            ua, ub = await fused.usage(scope), await steps.usage(scope)
            assert (ua.spent_usd, ua.reserved_usd, ua.in_flight) == (ub.spent_usd, ub.reserved_usd, ub.in_flight)
    finally:
        await client.delete(entry_key)
        await fused.aclose()
        await steps.aclose()
        purge(one)
        purge(two)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, limit_usd=st.floats(0.0, 2.0), rpm=st.integers(1, 8), tpm=st.integers(400, 2000))
def test_one_script_decides_as_the_read_then_the_admission(
    ops: list[tuple[float, float, int, bool, bool]], limit_usd: float, rpm: int, tpm: int
) -> None:
    asyncio.run(_scenario(ops, limit_usd, rpm, tpm))

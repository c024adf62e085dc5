"""``LimitStore.admit`` / ``settle`` (the gateway's one-round-trip path) against a reference
model of the documented rules (limits/base.py), over random sequences, on both backends:

- every rate limit is checked before the budgets, a rate refusal names the limit;
- a refusal of any kind consumes nothing (neither rate capacity nor budget);
- with actual costs at most the estimate, spent + reserved never exceeds any limit.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turnout.errors import BudgetExceededError, RateLimitError
from turnout.limits import BudgetScope
from turnout.limits.base import (
    US,
    admits,
    gcra_check,
    gcra_interval_us,
    to_nano_actual,
    to_nano_estimate,
)

from .conftest import REDIS_URL, T0, FakeClock, purge

# (seconds to advance, estimate USD, actual as a fraction of the estimate, settle the oldest first)
OPS = st.lists(st.tuples(st.sampled_from([0.0, 0.5, 7.0, 30.0]), st.floats(0.0, 0.4),
                         st.floats(0.0, 1.0), st.booleans()), min_size=1, max_size=25)


class Reference:
    """The rules of limits/base.py, written out plainly."""

    def __init__(self, limits: list[int], rpms: list[int]) -> None:
        self.limits, self.rpms = limits, rpms
        self.tats = [0 for _ in rpms]
        self.spent = [0 for _ in limits]
        self.reserved = [0 for _ in limits]

    def admit(self, now: float, amount: int) -> str:
        now_us = round(now * US)
        new_tats = []
        for i, rpm in enumerate(self.rpms):
            ok, tat, _ = gcra_check(self.tats[i], now_us, 1, gcra_interval_us(rpm))
            if not ok:
                return f"rate{i}"
            new_tats.append(tat)
        for i, limit in enumerate(self.limits):
            if not admits(limit, self.spent[i], self.reserved[i], amount):
                return f"budget{i}"
        self.tats = new_tats
        self.reserved = [r + amount for r in self.reserved]
        return "ok"

    def settle(self, amount: int, actual: int) -> None:
        self.reserved = [r - amount for r in self.reserved]
        self.spent = [s + actual for s in self.spent]


def _store(backend: str, clock: FakeClock, prefix: str) -> Any:
    if backend == "memory":
        from turnout.limits import MemoryLimitStore

        return MemoryLimitStore(clock=clock)
    from turnout.limits.redis_store import RedisLimitStore

    return RedisLimitStore(REDIS_URL, prefix=prefix, clock=clock)


async def _scenario(backend: str, ops: list[tuple[float, float, float, bool]], limits_usd: tuple[float, float],
                    rpms: tuple[int, int]) -> None:
    clock = FakeClock(T0)
    prefix = f"turnout-test-{secrets.token_hex(6)}"
    store = _store(backend, clock, prefix)
    scopes = [BudgetScope("key:k", limits_usd[0]), BudgetScope("team:t", limits_usd[1])]
    rates = [("key_k", rpms[0], None, 10), ("team_t", rpms[1], None, 10)]
    ref = Reference([s.limit_nano for s in scopes], list(rpms))
    held: list[tuple[Any, float]] = []
    try:
        for advance, estimate, fraction, settle_first in ops:
            clock.advance(advance)
            if settle_first and held:
                res, actual = held.pop(0)
                await store.settle(res, actual)
                ref.settle(res.amount_nano, to_nano_actual(actual))
            expected = ref.admit(clock(), to_nano_estimate(estimate))
            try:
                res = await store.admit(rates, scopes, estimate)
                got = "ok"
                held.append((res, estimate * fraction))
            except BudgetExceededError as exc:  # a RateLimitError too (both 429): first
                got = f"budget{0 if exc.param == 'key:k' else 1}"
            except RateLimitError as exc:
                got = f"rate{0 if 'key_k' in str(exc) else 1}"
                assert exc.retry_after is not None and exc.retry_after > 0
            assert got == expected
            for scope, limit in zip(scopes, ref.limits, strict=True):
                usage = await store.usage(scope)
                assert round((usage.spent_usd + usage.reserved_usd) * 1e9) <= limit
    finally:
        await store.aclose()
        if backend == "redis":
            purge(prefix)


@pytest.mark.parametrize("backend", ["memory", pytest.param("redis", marks=pytest.mark.redis)])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, limits_usd=st.tuples(st.floats(0.0, 2.0), st.floats(0.0, 2.0)),
       rpms=st.tuples(st.integers(1, 6), st.integers(1, 6)))
def test_admit_matches_the_documented_rules(backend: str, ops: list[tuple[float, float, float, bool]],
                                            limits_usd: tuple[float, float], rpms: tuple[int, int]) -> None:
    asyncio.run(_scenario(backend, ops, limits_usd, rpms))

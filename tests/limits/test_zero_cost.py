"""A $0 request (a local model, a cache hit) under a budget: reserve 0, commit 0, on both
backends. Redis used to reject the commit of a zero reservation (``HINCRBY ... "-0"``)."""

from __future__ import annotations

import pytest

from turnout.limits import BudgetScope

from .conftest import StoreFactory


async def test_zero_reservation_commits_and_releases(make_limits: StoreFactory) -> None:
    store = make_limits()
    scopes = [BudgetScope("global:zero", 1.0, "daily"), BudgetScope("key:zero", 0.5, "total")]
    r1 = await store.reserve(scopes, 0.0)
    assert r1.amount_nano == 0
    await store.commit(r1, 0.0)
    r2 = await store.reserve(scopes, 0.0)
    await store.release(r2)
    r3 = await store.reserve(scopes, 0.0)
    await store.commit(r3, 0.25)  # estimated free, actually charged: still lands
    for scope in scopes:
        usage = await store.usage(scope)
        assert usage.spent_usd == pytest.approx(0.25)
        assert usage.reserved_usd == 0 and usage.in_flight == 0


async def test_expired_zero_reservation_is_swept(make_limits: StoreFactory, clock) -> None:  # type: ignore[no-untyped-def]
    store = make_limits()
    scope = BudgetScope("key:zero-sweep", 1.0, "total")
    await store.reserve([scope], 0.0, ttl_s=5)
    clock.advance(10)
    usage = await store.usage(scope)  # the sweep subtracts the zero amount
    assert usage.reserved_usd == 0 and usage.in_flight == 0
    r = await store.reserve([scope], 0.1)
    await store.commit(r, 0.1)
    assert await store.spent(scope) == pytest.approx(0.1)

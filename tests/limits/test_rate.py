"""Rate limits (GCRA): requests and tokens per minute, exact retry_after, corrections."""

from __future__ import annotations

import pytest

from turnout.errors import BadRequestError, RateLimitError

from .conftest import FakeClock, StoreFactory


async def _refused(store: object, *args: object) -> RateLimitError:
    with pytest.raises(RateLimitError) as ei:
        await store.check_rate(*args)  # type: ignore[attr-defined]
    return ei.value


async def test_rpm_burst_then_steady_rate(make_limits: StoreFactory, clock: FakeClock) -> None:
    store = make_limits()
    for _ in range(3):
        await store.check_rate("k", 3, None)
    err = await _refused(store, "k", 3, None)
    assert err.retry_after == pytest.approx(20.0)  # one request every 60/3 s
    assert err.status_code == 429 and err.param == "requests"
    clock.advance(19.9)
    err = await _refused(store, "k", 3, None)
    assert err.retry_after == pytest.approx(0.1)
    clock.advance(0.1)
    await store.check_rate("k", 3, None)  # retry_after was accurate
    await _refused(store, "k", 3, None)


async def test_idle_minute_restores_the_full_quota(
    make_limits: StoreFactory, clock: FakeClock
) -> None:
    store = make_limits()
    for _ in range(5):
        await store.check_rate("k", 5, None)
    await _refused(store, "k", 5, None)
    clock.advance(60)
    for _ in range(5):
        await store.check_rate("k", 5, None)
    await _refused(store, "k", 5, None)


async def test_tpm(make_limits: StoreFactory, clock: FakeClock) -> None:
    store = make_limits()
    await store.check_rate("k", None, 1000, 600)
    err = await _refused(store, "k", None, 1000, 600)
    assert err.param == "tokens"
    assert err.retry_after == pytest.approx(12.0)  # 200 tokens over the minute, at 1000/60 per s
    clock.advance(12)
    await store.check_rate("k", None, 1000, 600)


async def test_a_refusal_consumes_nothing(make_limits: StoreFactory) -> None:
    store = make_limits()
    await store.check_rate("k", 2, 100, 90)
    err = await _refused(store, "k", 2, 100, 90)  # rpm fine, tpm not
    assert err.param == "tokens"
    await store.check_rate("k", 2, 100, 10)  # so the rpm slot was not used up: 2nd of 2
    err = await _refused(store, "k", 2, 100, 0)
    assert err.param == "requests"


async def test_request_larger_than_tpm_is_refused_for_good(make_limits: StoreFactory) -> None:
    store = make_limits()
    err = await _refused(store, "k", None, 1000, 1001)
    assert err.retry_after is None and err.code == "tokens_exceed_tpm"


async def test_add_tokens_corrects_the_estimate(
    make_limits: StoreFactory, clock: FakeClock
) -> None:
    store = make_limits()
    await store.check_rate("k", None, 600, 100)
    await store.add_tokens("k", 400)  # the answer used 400 more than estimated: 500 of 600
    err = await _refused(store, "k", None, 600, 200)
    assert err.retry_after == pytest.approx(10.0)  # 100 over, at 10 tokens/s
    await store.add_tokens("k", -300)  # and then it was less after all: 200 of 600
    await store.check_rate("k", None, 600, 400)
    await _refused(store, "k", None, 600, 1)
    # Giving back never creates more than a full bucket.
    clock.advance(120)
    await store.add_tokens("k", -10_000)
    await store.check_rate("k", None, 600, 600)
    await _refused(store, "k", None, 600, 1)
    await store.add_tokens("nobody", 50)  # unknown key: nothing to correct, no error


async def test_keys_are_independent(make_limits: StoreFactory) -> None:
    store = make_limits()
    await store.check_rate("a", 1, None)
    await _refused(store, "a", 1, None)
    await store.check_rate("b", 1, None)
    await store.check_rate("c", None, None, 10**9)  # no limits: always fine


async def test_shared_between_store_instances(make_limits: StoreFactory) -> None:
    """Two stores (two gateway processes) over the same backend share the limit."""
    one, two = make_limits(), make_limits()
    await one.check_rate("k", 2, None)
    await two.check_rate("k", 2, None)
    await _refused(one, "k", 2, None)
    await _refused(two, "k", 2, None)


async def test_invalid_limits(make_limits: StoreFactory) -> None:
    store = make_limits()
    with pytest.raises(BadRequestError):
        await store.check_rate("k", 0, None)
    with pytest.raises(BadRequestError):
        await store.check_rate("k", None, 10, -1)

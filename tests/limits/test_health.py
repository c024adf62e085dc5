"""Model health: breaker threshold and cooldown, probes vs stragglers, latency EWMAs, and the
Redis mirror (another process sees a cooldown within the mirror interval; Redis down keeps
working locally)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from turnout.limits import HealthStore, MemoryHealthStore, open_health_store

from .conftest import REDIS_URL, FakeClock

HealthFactory = Callable[..., HealthStore]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def make_health(
    request: pytest.FixtureRequest, clock: FakeClock
) -> AsyncIterator[HealthFactory]:
    made: list[HealthStore] = []
    shared: list[HealthStore] = []
    prefix = request.getfixturevalue("redis_prefix") if request.param == "redis" else None

    def factory(**kw: Any) -> HealthStore:
        kw.setdefault("clock", clock)
        if prefix is None:
            if not shared:
                shared.append(MemoryHealthStore(**kw))
            return shared[0]
        from turnout.limits.redis_store import RedisHealthStore

        store = RedisHealthStore(REDIS_URL, prefix=prefix, **kw)
        made.append(store)
        return store

    yield factory
    for store in made:
        await store.aclose()


async def test_threshold_starts_a_cooldown(make_health: HealthFactory, clock: FakeClock) -> None:
    h = make_health()
    assert h.cooling_until("m") is None
    assert await h.record_failure("m", 30, 3) is False
    assert await h.record_failure("m", 30, 3) is False
    assert h.cooling_until("m") is None
    assert await h.record_failure("m", 30, 3) is True
    assert h.cooling_until("m") == pytest.approx(clock.t + 30)
    assert h.cooling_for("m") == pytest.approx(30)
    assert h.cooling_until("other") is None
    # More failures during the cooldown do not extend it.
    clock.advance(10)
    assert await h.record_failure("m", 30, 3) is True
    assert h.cooling_until("m") == pytest.approx(clock.t + 20)
    clock.advance(20)
    assert h.cooling_until("m") is None and h.cooling_for("m") is None


async def test_half_open_probe_failure_trips_again(
    make_health: HealthFactory, clock: FakeClock
) -> None:
    h = make_health()
    for _ in range(3):
        await h.record_failure("m", 30, 3)
    clock.advance(31)
    assert h.cooling_until("m") is None
    assert await h.record_failure("m", 30, 3) is True  # one failed probe is enough
    clock.advance(31)
    await h.record_success("m", 100.0)  # a probe got through: the count starts over
    assert await h.record_failure("m", 30, 3) is False


async def test_success_ends_cooldown_only_for_requests_sent_after_the_trip(
    make_health: HealthFactory, clock: FakeClock
) -> None:
    h = make_health()
    await h.record_failure("m", 30, 1)
    clock.advance(2)
    await h.record_success("m", latency_ms=5000)  # started 3 s before the trip: a straggler
    assert h.cooling_until("m") is not None
    await h.record_success("m", latency_ms=1500)  # started 0.5 s after the trip: a probe
    assert h.cooling_until("m") is None


async def test_defaults_make_it_a_routing_health_view(
    make_health: HealthFactory, clock: FakeClock
) -> None:
    h = make_health(failure_threshold=2, cooldown_s=10)
    assert await h.record_failure("m") is False
    assert await h.record_failure("m") is True
    assert h.cooling_for("m") == pytest.approx(10)
    assert h.latency_ms("m") is None


async def test_latency_ewma(make_health: HealthFactory) -> None:
    h = make_health()
    assert h.latency_estimate("m") is None
    await h.record_success("m", 100.0)
    assert h.latency_estimate("m") == (100.0, None)
    await h.record_success("m", 200.0, ttft_ms=50.0)
    lat, ttft = h.latency_estimate("m")  # type: ignore[misc]
    assert lat == pytest.approx(120.0) and ttft == pytest.approx(50.0)
    await h.record_success("m", 100.0, ttft_ms=100.0)
    lat, ttft = h.latency_estimate("m")  # type: ignore[misc]
    assert lat == pytest.approx(116.0) and ttft == pytest.approx(60.0)
    assert h.latency_ms("m") == h.latency_estimate("m")


@pytest.mark.redis
async def test_another_store_sees_the_cooldown_within_the_mirror_interval(
    redis_prefix: str,
) -> None:
    from turnout.limits.redis_store import RedisHealthStore

    a = RedisHealthStore(REDIS_URL, prefix=redis_prefix, mirror_interval_s=0.1)
    b = RedisHealthStore(REDIS_URL, prefix=redis_prefix, mirror_interval_s=0.1)
    try:
        await b.start()
        await a.record_success("m", 250.0, ttft_ms=40.0)
        assert await a.record_failure("m", 30, 1) is True
        t0 = time.perf_counter()
        while b.cooling_until("m") is None:
            assert time.perf_counter() - t0 < 1.0, "cooldown not visible within 1 s"
            await asyncio.sleep(0.005)
        assert time.perf_counter() - t0 <= 0.1 + 0.15  # one interval + a round trip, with slack
        assert b.latency_estimate("m") == (250.0, 40.0)
        assert b.mirror_age_s < 0.5
    finally:
        await a.aclose()
        await b.aclose()


@pytest.mark.redis
async def test_cooldown_from_another_process(redis_prefix: str) -> None:
    from turnout.limits.redis_store import RedisHealthStore

    mirror = RedisHealthStore(REDIS_URL, prefix=redis_prefix, mirror_interval_s=0.1)
    await mirror.start()
    code = (
        "import asyncio\n"
        "from turnout.limits.redis_store import RedisHealthStore\n"
        "async def main():\n"
        f"    h = RedisHealthStore({REDIS_URL!r}, prefix={redis_prefix!r})\n"
        "    for _ in range(3):\n"
        "        cooling = await h.record_failure('gpt-4o', 60, 3)\n"
        "    print('tripped' if cooling else 'not', flush=True)\n"
        "    await asyncio.sleep(2)\n"  # stay alive while the parent watches
        "    await h.aclose()\n"
        "asyncio.run(main())\n"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        t0 = time.perf_counter()
        assert line.decode().strip() == "tripped"
        while mirror.cooling_until("gpt-4o") is None:
            assert time.perf_counter() - t0 < 1.0, "cooldown not visible within 1 s"
            await asyncio.sleep(0.005)
        seen_after = time.perf_counter() - t0
        assert seen_after <= 0.1 + 0.15
        assert mirror.cooling_for("gpt-4o") == pytest.approx(60, abs=2)
    finally:
        await proc.wait()
        await mirror.aclose()


@pytest.mark.redis
async def test_reads_never_touch_redis(redis_prefix: str) -> None:
    from turnout.limits.redis_store import RedisHealthStore

    h = RedisHealthStore(REDIS_URL, prefix=redis_prefix)
    try:
        await h.start()
        await h.record_failure("m", 30, 1)

        def boom(*_: Any, **__: Any) -> Any:
            raise AssertionError("a read went to Redis")

        real = h.redis.execute_command
        h.redis.execute_command = boom
        t = time.perf_counter()
        for _ in range(10_000):
            h.cooling_until("m")
            h.latency_estimate("m")
        per_call_us = (time.perf_counter() - t) / 20_000 * 1e6
        h.redis.execute_command = real
        assert per_call_us < 50  # a dict lookup, not a round trip
    finally:
        await h.aclose()


async def test_unreachable_redis_keeps_health_working(clock: FakeClock) -> None:
    h = open_health_store("redis://127.0.0.1:1/0", prefix="nowhere", clock=clock, timeout_s=0.2)
    try:
        assert await h.record_failure("m", 30, 2) is False
        assert await h.record_failure("m", 30, 2) is True
        assert h.cooling_until("m") == pytest.approx(clock.t + 30)
        await h.refresh()  # fails quietly, keeps the local state
        assert h.cooling_until("m") is not None
        await h.record_success("m", 80.0, 20.0)
        assert h.latency_estimate("m") == (80.0, 20.0)
        clock.advance(1)
        await h.record_success("m", 100.0)  # a probe, sent after the trip
        assert h.cooling_until("m") is None
    finally:
        await h.aclose()

"""Output speed per model (tokens/s EWMA): measured from streams and plain calls, shared by
two gateways through Redis, shown to routing as ModelState.tokens_per_s."""

from __future__ import annotations

import uuid

import pytest

from tests.routing.fake_deployments import Fleet, Spec
from turnout.routing.router import Router
from turnout.routing.speed import MIN_TOKENS, SpeedTracker
from turnout.types import ChatRequest


async def test_ewma_and_tiny_answers_are_ignored():
    t = SpeedTracker()
    await t.record("m", MIN_TOKENS - 1, 10.0)
    assert t.tokens_per_s("m") is None
    await t.record("m", 100, 1000.0)
    assert t.tokens_per_s("m") == pytest.approx(100.0)
    await t.record("m", 100, 500.0)
    assert 100.0 < t.tokens_per_s("m") < 200.0


async def test_router_measures_streams_and_plain_calls():
    fleet = await Fleet.start([Spec("s", delay_ms=5, completion_tokens=40)])
    try:
        r = Router.from_dict({"models": fleet.models("g")})
        req = ChatRequest("g", [{"role": "user", "content": "count"}], {"max_tokens": 60})
        await r.acomplete(req)
        plain = r.speed("g@s")
        assert plain is not None and plain > 0
        routed = await r.astream(ChatRequest("g", req.messages, req.params, True))
        _ = [c async for c in routed]
        assert r.speed("g@s") != plain  # the stream's sample was folded in
        assert next(s for s in r.model_states() if s.info.name == "g@s").tokens_per_s == r.speed("g@s")
    finally:
        await fleet.close()


@pytest.mark.redis
async def test_speed_is_shared_through_redis():
    prefix = f"route-speed-{uuid.uuid4().hex[:8]}"
    a = SpeedTracker("redis://127.0.0.1:6379/0", prefix=prefix)
    b = SpeedTracker("redis://127.0.0.1:6379/0", prefix=prefix)
    try:
        await a.record("m", 200, 1000.0)
        await b.refresh()
        assert b.tokens_per_s("m") == pytest.approx(200.0)
        await b.record("m", 100, 1000.0)
        await a.refresh()
        assert a.tokens_per_s("m") == b.tokens_per_s("m")
        await a._redis.delete(a._key)
    finally:
        await a.aclose()
        await b.aclose()

"""Live speed per model (routing/speed.py): TTFT and tokens/s EWMAs measured on every call,
streamed or not, shared by gateways through Redis, and driving `choose: fastest`, the
`lowest_latency` group strategy and a request's max_latency_ms through the predicted latency
TTFT + expected output / tokens per second. Upstreams are paced on an injected clock."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.routing.paced import FakeClock, use_paced
from turnout.catalog import ModelInfo
from turnout.config import parse_config
from turnout.errors import TurnoutError
from turnout.gateway import Gateway
from turnout.policy.engine import ModelState
from turnout.routing.router import RouteHints, Router
from turnout.routing.speed import MIN_TOKENS, SpeedTracker
from turnout.types import ChatRequest

REDIS = "redis://127.0.0.1:6379/0"

# quick to start, slow to write / slow to start, quick to write
SNAPPY = {"ttft_ms": 50.0, "tokens_per_s": 100.0, "completion_tokens": 400}
WRITER = {"ttft_ms": 400.0, "tokens_per_s": 400.0, "completion_tokens": 400}


def _config(redis_url: str | None = None, strategy: str = "fastest") -> dict[str, Any]:
    models = [{"name": name, "provider": "paced", "model": name, "tier": 2, "input_per_mtok": 1.0,
               "output_per_mtok": 1.0, "context_window": 32_000, "extra": extra}
              for name, extra in (("snappy", SNAPPY), ("writer", WRITER))]
    cfg: dict[str, Any] = {"models": models, "routing": {"rules": [{"name": "speed", "choose": strategy}]}}
    if redis_url:
        cfg["server"] = {"redis_url": redis_url}
    return cfg


def _ask(max_tokens: int, stream: bool = False) -> ChatRequest:
    return ChatRequest("auto", [{"role": "user", "content": "go"}], {"max_tokens": max_tokens}, stream)


async def _drain(router: Router, request: ChatRequest) -> None:
    routed = await router.astream(request)
    _ = [c async for c in routed]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    c = FakeClock()
    use_paced(monkeypatch, c)
    return c


# -- the tracker --------------------------------------------------------------------------------
async def test_stream_samples_are_exact():
    t = SpeedTracker()
    await t.observe_stream("m", 120.0, 2000.0, 200)
    assert t.ttft_ms("m") == pytest.approx(120.0)
    assert t.tokens_per_s("m") == pytest.approx(100.0)
    assert t.answer_tokens("m") == pytest.approx(200.0)


async def test_plain_calls_short_answers_are_ttft_long_ones_speed():
    t = SpeedTracker()
    await t.observe_call("m", 300.0, MIN_TOKENS - 1)  # all overhead: TTFT ~ total latency
    assert t.ttft_ms("m") == pytest.approx(300.0) and t.tokens_per_s("m") is None
    await t.observe_call("m", 300.0 + 2000.0, 100)  # 100 tokens after a 300 ms start
    assert t.tokens_per_s("m") == pytest.approx(50.0)
    assert t.ttft_ms("m") == pytest.approx(300.0)  # a long answer does not move the TTFT


async def test_plain_call_without_ttft_predicts_its_own_latency():
    """Before any TTFT is known a long plain answer is a lower bound on speed, N / L; the
    prediction for an answer of that length is then L, not 2L."""
    t = SpeedTracker()
    await t.observe_call("m", 1000.0, 50)
    state = ModelState(info=ModelInfo(name="m", provider="paced", context_window=8192), ttft_ms=t.ttft_ms("m"),
                       tokens_per_s=t.tokens_per_s("m"), answer_tokens=t.answer_tokens("m"))
    assert state.predicted_ms(1024) == pytest.approx(1000.0)


@settings(max_examples=100, deadline=None)
@given(ttft=st.floats(1, 5000), tps=st.floats(1, 2000),
       lengths=st.lists(st.integers(MIN_TOKENS, 4000), min_size=1, max_size=20))
async def test_streams_of_a_steady_model_measure_it_exactly(ttft, tps, lengths):
    """Whatever the answer lengths, a model of steady speed is measured as it is, and the
    prediction for an answer of the usual length is its real latency."""
    t = SpeedTracker()
    for n in lengths:
        await t.observe_stream("m", ttft, n / tps * 1000.0, n)
    assert t.ttft_ms("m") == pytest.approx(ttft)
    assert t.tokens_per_s("m") == pytest.approx(tps)
    usual = t.answer_tokens("m")
    assert usual is not None and min(lengths) <= usual + 1e-6 and usual <= max(lengths) + 1e-6
    state = ModelState(info=ModelInfo(name="m", provider="paced", context_window=8192), ttft_ms=t.ttft_ms("m"),
                       tokens_per_s=t.tokens_per_s("m"), answer_tokens=usual)
    assert state.predicted_ms(100_000) == pytest.approx(ttft + usual / tps * 1000.0)


@settings(max_examples=200, deadline=None)
@given(ttft=st.floats(0, 5000), tps=st.floats(1, 2000), answer=st.floats(1, 4000), budget=st.integers(1, 100_000),
       mean=st.none() | st.floats(0, 10_000))
def test_prediction_is_ttft_plus_expected_output_over_speed(ttft, tps, answer, budget, mean):
    state = ModelState(info=ModelInfo(name="m", provider="paced", context_window=8192), latency_ms=mean, ttft_ms=ttft,
                       tokens_per_s=tps, answer_tokens=answer)
    predicted = state.predicted_ms(budget)
    assert predicted == pytest.approx(ttft + min(budget, answer) / tps * 1000)
    assert predicted >= ttft
    # a larger output budget never predicts a faster answer
    assert state.predicted_ms(budget + 1) >= predicted
    # nothing measured: the mean latency stands in, or nothing (not assumed slow)
    assert ModelState(info=state.info, latency_ms=mean).predicted_ms(budget) == mean


# -- routing on live speed ------------------------------------------------------------------
async def _warm(router: Router, clock: FakeClock, *, stream: bool, rounds: int = 3) -> None:
    for name in ("snappy", "writer"):
        for _ in range(rounds):
            req = ChatRequest(name, [{"role": "user", "content": "go"}], {"max_tokens": 1000}, stream)
            if stream:
                await _drain(router, req)
            else:
                await router.acomplete(req)
                # short answers: what plain calls learn TTFT from
                await router.acomplete(ChatRequest(name, req.messages, {"max_tokens": 2}))


@pytest.mark.parametrize("stream", [True, False])
async def test_fastest_depends_on_the_output_budget(clock, stream):
    """A quick starter wins a short answer, a quick writer a long one: one mean latency per
    model could not tell these apart."""
    router = Router.from_dict(_config(), clock=clock)
    # plain calls split latency into TTFT and speed over a few calls (a stream at once)
    await _warm(router, clock, stream=stream, rounds=3 if stream else 10)
    snappy = router.speeds
    assert snappy.ttft_ms("snappy") == pytest.approx(50.0, rel=0.05)
    assert snappy.ttft_ms("writer") == pytest.approx(400.0, rel=0.05)
    assert snappy.tokens_per_s("snappy") == pytest.approx(100.0, rel=0.05)
    assert snappy.tokens_per_s("writer") == pytest.approx(400.0, rel=0.05)
    assert router.route(_ask(10)).model == "snappy"  # 50 + 100 ms  vs 400 + 25 ms
    assert router.route(_ask(1000)).model == "writer"  # ~50 + 4000 ms vs ~400 + 1000 ms


async def test_max_latency_ms_uses_the_predicted_latency(clock):
    router = Router.from_dict(_config(strategy="cheapest"), clock=clock)
    await _warm(router, clock, stream=True)
    short = router.route(_ask(10), RouteHints(max_latency_ms=300))
    assert short.model == "snappy"
    assert [r.model for r in short.rejected if r.reason == "too_slow"] == ["writer"]
    long = router.route(_ask(1000), RouteHints(max_latency_ms=3000))
    assert long.model == "writer"
    detail = next(r.detail for r in long.rejected if r.model == "snappy")
    assert "predicted latency" in detail
    with pytest.raises(TurnoutError):
        router.route(_ask(1000), RouteHints(max_latency_ms=500))


async def test_group_lowest_latency_follows_predicted_latency(clock):
    models = [{"name": f"g@{name}", "group": "g", "provider": "paced", "model": name, "context_window": 32_000,
               "extra": extra} for name, extra in (("snappy", SNAPPY), ("writer", WRITER))]
    router = Router.from_dict({"models": models, "routing": {"groups": {"g": {"strategy": "lowest_latency"}}}},
                              clock=clock)
    for name in ("g@snappy", "g@writer"):
        await _drain(router, ChatRequest(name, [{"role": "user", "content": "go"}], {"max_tokens": 1000}, True))
    assert router.route(ChatRequest("g", [{"role": "user", "content": "go"}], {"max_tokens": 10})).model == "g@snappy"
    assert router.route(ChatRequest("g", [{"role": "user", "content": "go"}], {"max_tokens": 1000})).model == "g@writer"


# -- shared through Redis -------------------------------------------------------------------
@pytest.mark.redis
async def test_tracker_estimates_are_shared_through_redis():
    prefix = f"route-speed-{uuid.uuid4().hex[:8]}"
    a = SpeedTracker(REDIS, prefix=prefix)
    b = SpeedTracker(f"{REDIS}?prefix={prefix}")  # the URL form the gateways use
    try:
        await a.observe_stream("m", 100.0, 1000.0, 200)
        await b.refresh()
        assert (b.ttft_ms("m"), b.tokens_per_s("m"), b.answer_tokens("m")) == pytest.approx((100.0, 200.0, 200.0))
        await b.observe_stream("m", 300.0, 1000.0, 100)
        await a.refresh()
        assert a.tokens_per_s("m") == b.tokens_per_s("m")
        assert 100.0 < a.ttft_ms("m") < 300.0
    finally:
        await a._client().delete(*a._keys)
        await a.aclose()
        await b.aclose()


@pytest.mark.redis
async def test_two_gateways_route_on_each_others_measurements(clock):
    """Gateway A serves the traffic; gateway B, which has served nothing, routes `fastest`
    by A's measurements once it reads the shared store; B's traffic then feeds A."""
    url = f"{REDIS}?prefix=route-speed-{uuid.uuid4().hex[:8]}"
    a = Gateway(parse_config(_config(url)), router=Router.from_dict(_config(url), clock=clock))
    b = Gateway(parse_config(_config(url)), router=Router.from_dict(_config(url), clock=clock))
    try:
        for name in ("snappy", "writer"):
            stream = await a.astream(ChatRequest(name, [{"role": "user", "content": "go"}], {"max_tokens": 1000}, True))
            _ = [c async for c in stream.chunks()]
        assert b.router.speeds.tokens_per_s("snappy") is None
        await b.router.speeds.refresh()
        for gw in (a, b):
            assert gw.router.speeds.ttft_ms("writer") == pytest.approx(400.0)
            assert gw.router.route(_ask(10)).model == "snappy"
            assert gw.router.route(_ask(1000)).model == "writer"
        # B's own traffic (plain calls) folds into the same shared estimates
        clock.advance_ms(2000)  # past the once-a-second push interval
        answer = await b.acomplete(ChatRequest("snappy", [{"role": "user", "content": "go"}], {"max_tokens": 1000}))
        assert answer["model"] == "snappy"
        await a.router.speeds.refresh()
        assert a.router.speeds.tokens_per_s("snappy") == pytest.approx(b.router.speeds.tokens_per_s("snappy"))
        assert a.router.speeds.tokens_per_s("snappy") == pytest.approx(100.0)
    finally:
        redis = a.router.speeds._client()
        await redis.delete(*a.router.speeds._keys)
        await a.aclose()
        await b.aclose()

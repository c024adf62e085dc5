"""Model groups and load balancing against several fake OpenAI upstreams on 127.0.0.1 of
different speeds and failure rates: each strategy's spread, failover inside the group, the
group name on the response, per-deployment rpm/tpm (also shared through Redis), cool-downs."""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.routing.fake_deployments import Fleet, Spec
from turnout.errors import RateLimitError
from turnout.limits.deployments import MemoryDeploymentUsage, RedisDeploymentUsage
from turnout.routing.router import Router
from turnout.types import ChatRequest


def req(model="gpt-4o", stream=False):
    return ChatRequest(model=model, messages=[{"role": "user", "content": "Say hello to the team."}],
                       params={"max_tokens": 50}, stream=stream)


def router(fleet, strategy="weighted", per=None, usage=None, seed=7, **routing):
    cfg = {"models": fleet.models("gpt-4o", **(per or {})),
           "routing": {"groups": {"gpt-4o": {"strategy": strategy}},
                       "retries": {"max_retries": 0, "backoff_s": 0.0}, **routing}}
    r = Router.from_dict(cfg, deployment_usage=usage)
    r.groups._rng = random.Random(seed)
    return r


@pytest.fixture
async def fleet():
    f = await Fleet.start([Spec("a", delay_ms=2), Spec("b", delay_ms=2), Spec("c", delay_ms=2)])
    yield f
    await f.close()


async def test_group_name_answers_and_response_names_the_group(fleet):
    r = router(fleet)
    resp = await r.acomplete(req())
    assert resp["model"] == "gpt-4o"
    t = resp["turnout"]
    assert t["group"] == "gpt-4o" and t["deployment"] in {"gpt-4o@a", "gpt-4o@b", "gpt-4o@c"}
    assert "fallback_reason" not in t  # a deployment of the group is the group: no substitution
    assert t["model"] == t["deployment"]  # accounting by deployment


async def test_weighted_spreads_in_proportion_to_weight(fleet):
    r = router(fleet, per={"a": {"weight": 6}, "b": {"weight": 3}, "c": {"weight": 1}})
    for _ in range(200):
        await r.acomplete(req())
    served = {n: fleet[n].served for n in "abc"}
    assert sum(served.values()) == 200
    assert served["a"] > served["b"] > served["c"] > 0
    assert 0.45 < served["a"] / 200 < 0.75


async def test_failing_deployment_falls_over_inside_the_group():
    f = await Fleet.start([Spec("ok", delay_ms=1), Spec("bad", delay_ms=1, fail_rate=1.0)])
    try:
        r = router(f, health={"failure_threshold": 2, "cooldown_s": 60})
        results = [await r.acomplete(req()) for _ in range(20)]
        assert all(x["model"] == "gpt-4o" and x["turnout"]["deployment"] == "gpt-4o@ok" for x in results)
        # After two failures the bad deployment cools down and is no longer tried first.
        assert f["bad"].failed <= 3
        assert r.health.cooling_for("gpt-4o@bad")
    finally:
        await f.close()


async def test_least_busy_spreads_concurrent_requests():
    f = await Fleet.start([Spec("a", delay_ms=30), Spec("b", delay_ms=30), Spec("c", delay_ms=30)])
    try:
        r = router(f, "least_busy")
        await asyncio.gather(*(r.acomplete(req()) for _ in range(9)))
        assert [f[n].served for n in "abc"] == [3, 3, 3]
        assert all(f[n].max_in_flight == 3 for n in "abc")
    finally:
        await f.close()


async def test_lowest_latency_learns_the_fast_deployment():
    f = await Fleet.start([Spec("fast", delay_ms=2), Spec("slow", delay_ms=60)])
    try:
        r = router(f, "lowest_latency")
        for _ in range(12):
            await r.acomplete(req())
        # Each is measured once (unmeasured first), then the fast one takes the rest.
        assert f["slow"].served == 1 and f["fast"].served == 11
    finally:
        await f.close()


async def test_cheapest_deployment_first(fleet):
    r = router(fleet, "cheapest", per={"b": {"input_per_mtok": 0.1, "output_per_mtok": 0.2}})
    for _ in range(5):
        assert (await r.acomplete(req()))["turnout"]["deployment"] == "gpt-4o@b"


async def test_stream_through_a_group(fleet):
    r = router(fleet)
    routed = await r.astream(req(stream=True))
    chunks = [c async for c in routed]
    assert routed.model == "gpt-4o" and all(c["model"] == "gpt-4o" for c in chunks)
    assert chunks[-1]["turnout"]["deployment"].startswith("gpt-4o@")
    assert r.groups.in_flight[chunks[-1]["turnout"]["deployment"]] == 0


async def test_rpm_limit_moves_to_the_next_deployment_then_429(fleet):
    now = [1_000_020.0]
    usage = MemoryDeploymentUsage(clock=lambda: now[0])
    r = router(fleet, per={n: {"rpm": 2} for n in "abc"}, usage=usage)
    for _ in range(6):
        await r.acomplete(req())
    assert [fleet[n].served for n in "abc"] == [2, 2, 2]
    with pytest.raises(RateLimitError) as err:
        await r.acomplete(req())
    assert err.value.status_code == 429 and 1 <= err.value.retry_after <= 60
    now[0] += 60  # the next minute
    await r.acomplete(req())


async def test_tpm_counts_the_estimate_then_corrects_it(fleet):
    now = [2_000_000.0]
    usage = MemoryDeploymentUsage(clock=lambda: now[0])
    r = router(fleet, "cheapest", per={"a": {"tpm": 1000, "input_per_mtok": 0.0, "output_per_mtok": 0.0}}, usage=usage)
    await r.acomplete(req())
    requests, tokens = usage.current("gpt-4o@a")
    assert requests == 1 and tokens == 10 + 24  # the upstream's usage replaced the estimate


@pytest.mark.redis
async def test_rpm_is_shared_by_two_gateways_through_redis(fleet):
    prefix = f"route-test-{uuid.uuid4().hex[:8]}"
    now = [3_000_010.0]
    usages = [RedisDeploymentUsage("redis://127.0.0.1:6379/0", prefix=prefix, clock=lambda: now[0]) for _ in range(2)]
    per = {n: {"rpm": 3} for n in "abc"}
    routers = [router(fleet, per=per, usage=u, seed=i) for i, u in enumerate(usages)]
    try:
        for i in range(9):
            await routers[i % 2].acomplete(req())
        assert [fleet[n].served for n in "abc"] == [3, 3, 3]
        with pytest.raises(RateLimitError):
            await routers[1].acomplete(req())
    finally:
        for u in usages:
            await u.aclose()


async def test_group_fallbacks_after_every_deployment():
    f = await Fleet.start([Spec("x", fail_rate=1.0), Spec("other")])
    try:
        models = [m for m in f.models("gpt-4o") if m["name"] == "gpt-4o@x"]
        models.append({**f.models("claude")[1], "name": "claude-like", "group": None})
        r = Router.from_dict({"models": models, "routing": {
            "groups": {"gpt-4o": {"fallbacks": ["claude-like"]}}, "retries": {"max_retries": 0}}})
        resp = await r.acomplete(req())
        assert resp["model"] == "claude-like"
        assert "gpt-4o@x failed" in resp["turnout"]["fallback_reason"]
    finally:
        await f.close()


async def test_gateway_lists_groups_and_caches_under_the_group_name(fleet, tmp_path):
    from turnout.config import parse_config
    from turnout.gateway import Gateway

    gw = Gateway(parse_config({"models": fleet.models("gpt-4o"), "ledger": {"url": f"sqlite:///{tmp_path}/l.db"},
                               "routing": {"groups": {"gpt-4o": {"strategy": "weighted"}}}}))
    try:
        ids = {m["id"] for m in gw.list_models()["data"]}
        assert "gpt-4o" in ids and "gpt-4o@a" in ids
        first = await gw.acomplete(req())
        hits = [await gw.acomplete(req()) for _ in range(5)]
        assert all(h["turnout"]["cache"] == "hit" for h in hits)  # whichever deployment comes first
        assert sum(fleet[n].served for n in "abc") == 1 and first["model"] == "gpt-4o"
    finally:
        await gw.aclose()


def test_group_config_errors_are_clear():
    from turnout.errors import ConfigError

    with pytest.raises(ConfigError, match="no model has `group: gpt-5`"):
        Router.from_dict({"models": [{"name": "a", "provider": "fake"}], "routing": {"groups": {"gpt-5": {}}}})
    with pytest.raises(ConfigError, match="also a model's name"):
        Router.from_dict({"models": [{"name": "a", "provider": "fake", "group": "b"},
                                     {"name": "b", "provider": "fake"}]})
    with pytest.raises(ConfigError, match="strategy"):
        Router.from_dict({"models": [{"name": "a", "provider": "fake", "group": "g"}],
                          "routing": {"groups": {"g": {"strategy": "fastest-ever"}}}})


@settings(max_examples=200, deadline=None)
@given(
    strategy=st.sampled_from(["weighted", "least_busy", "lowest_latency", "cheapest", "simple_shuffle"]),
    deps=st.lists(st.tuples(st.floats(0.1, 10), st.booleans(), st.one_of(st.none(), st.floats(1, 500)),
                            st.integers(0, 5)), min_size=1, max_size=6),
    seed=st.integers(0, 1000),
)
def test_property_order_is_a_permutation_with_healthy_deployments_first(strategy, deps, seed):
    from turnout.catalog import ModelInfo
    from turnout.config import parse_config
    from turnout.policy.engine import ModelState
    from turnout.policy.signals import ComplexityAssessment, SensitivityAssessment, Signals
    from turnout.routing.groups import Groups
    from turnout.types import Complexity, Sensitivity

    models = [{"name": f"d{i}", "provider": "fake", "group": "g", "weight": w} for i, (w, _, _, _) in enumerate(deps)]
    groups = Groups(parse_config({"models": models, "routing": {"groups": {"g": {"strategy": strategy}}}}),
                    rng=random.Random(seed))
    states = []
    for i, (_, cooling, latency, busy) in enumerate(deps):
        groups.in_flight[f"d{i}"] = busy
        states.append(ModelState(ModelInfo(f"d{i}", "fake", 1000, input_per_mtok=i), cooling_for_s=5.0 if cooling else None,
                                 latency_ms=latency))
    sig = Signals(SensitivityAssessment(Sensitivity.PUBLIC, "given"), ComplexityAssessment(Complexity.SIMPLE, "given"), 10, 10)
    order = groups.order("g", states, sig)
    assert sorted(order) == sorted(f"d{i}" for i in range(len(deps)))
    cooling = [bool(deps[int(n[1:])][1]) for n in order]
    assert cooling == sorted(cooling)  # every healthy one before every cooling one
    healthy = [n for n in order if not deps[int(n[1:])][1]]
    if strategy == "least_busy" and healthy:
        assert groups.in_flight[healthy[0]] == min(groups.in_flight[n] for n in healthy)


async def test_a_stream_dropped_unread_releases_its_deployment(fleet):
    import gc

    r = router(fleet, "least_busy")
    routed = await r.astream(req(stream=True))
    assert sum(r.groups.in_flight.values()) == 1
    del routed
    gc.collect()
    assert sum(r.groups.in_flight.values()) == 0

"""The cascade as a ladder: two OpenAI-shaped upstreams on 127.0.0.1 (a cheap one whose
logprobs say "unsure", a strong one), the ladder's construction as a property, and the
decision record (cheap model, confidence, method, threshold, escalated or not and why, both
costs)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.providers.upstream import Upstream, json_reply
from turnout.catalog import ModelInfo
from turnout.providers.fake import FakeProvider
from turnout.routing.cascade import build_ladder
from turnout.routing.router import Router
from turnout.types import ChatRequest, Complexity, RouteHints, Sensitivity


@pytest.fixture(autouse=True)
def _reset_fake():
    FakeProvider.reset()
    yield
    FakeProvider.reset()


def _completion(text: str, logprob: float | None, *, prompt: int = 20) -> dict[str, Any]:
    words = text.split(" ")
    tokens = [w if i == 0 else " " + w for i, w in enumerate(words)]
    logprobs = None
    if logprob is not None:
        logprobs = {"content": [{"token": t, "logprob": logprob, "bytes": list(t.encode()), "top_logprobs": []}
                                for t in tokens]}
    return {"id": "chatcmpl-x", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "logprobs": logprobs, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": len(tokens), "total_tokens": prompt + len(tokens)}}


def _upstream_handler(text: str, logprob: float):
    async def handler(request, body):
        return json_reply(_completion(text, logprob if body.get("logprobs") else None))
    return handler


@pytest.fixture
async def upstreams():
    cheap, strong = await Upstream().start(), await Upstream().start()
    cheap.handler = _upstream_handler("Chaining or open addressing, probably", -1.5)  # p ~= 0.22: unsure
    strong.handler = _upstream_handler("Colliding keys share a bucket list or probe onward.", -0.01)
    yield cheap, strong
    await cheap.close()
    await strong.close()


def _router(cheap_up: Upstream, strong_up: Upstream, **cascade: Any) -> Router:
    return Router.from_dict({
        "models": [
            {"name": "openai/mini-x", "provider": "openai", "api_base": cheap_up.url + "/v1", "api_key": "k",
             "tier": 1, "input_per_mtok": 0.15, "output_per_mtok": 0.6, "context_window": 128000},
            {"name": "openai/big-x", "provider": "openai", "api_base": strong_up.url + "/v1", "api_key": "k",
             "tier": 3, "input_per_mtok": 2.5, "output_per_mtok": 10.0, "context_window": 128000},
        ],
        "routing": {"cascade": {"enabled": True, "threshold": 0.7, **cascade},
                    "retries": {"max_retries": 0}},  # no fallbacks configured: the ladder is the cascade
    })


QUESTION = [{"role": "user", "content": "Explain how a hash map handles collisions."}]


async def test_unsure_cheap_answer_escalates_with_no_fallbacks_configured(upstreams):
    cheap, strong = upstreams
    router = _router(cheap, strong)
    resp = await router.acomplete(ChatRequest("auto", QUESTION, {}), RouteHints(complexity=Complexity.SIMPLE))
    t = resp["turnout"]
    c = t["cascade"]
    assert t["model"] == "openai/big-x" and resp.choices[0].message.content.startswith("Colliding")
    assert c["cheap_model"] == "openai/mini-x" and c["method"] == "logprobs"
    assert c["confidence"] == pytest.approx(math.exp(-1.5), abs=1e-3) and c["threshold"] == 0.7
    assert c["escalated"] is True and c["strong_model"] == "openai/big-x"
    assert "< threshold" in c["reason"] and c["ladder"] == ["openai/mini-x", "openai/big-x"]
    # the cheap call asked for logprobs; the strong (top) rung is not judged, so it did not
    assert cheap.last.body["logprobs"] is True and "logprobs" not in strong.last.body
    assert len(cheap.requests) == 1 and len(strong.requests) == 1  # no self-check paid for
    assert c["cheap_cost_usd"] > 0 and c["strong_cost_usd"] > c["cheap_cost_usd"]
    assert t["cost_usd"] == pytest.approx(c["cheap_cost_usd"] + c["strong_cost_usd"])
    assert resp.choices[0].get("logprobs") is None  # the caller did not ask for them


async def test_complex_prompt_still_starts_cheap_and_keeps_a_confident_answer(upstreams):
    cheap, strong = upstreams
    cheap.handler = _upstream_handler("Buckets chain colliding entries.", -0.02)
    router = _router(cheap, strong)
    resp = await router.acomplete(ChatRequest("auto", QUESTION, {}), RouteHints(complexity=Complexity.COMPLEX))
    t = resp["turnout"]
    assert t["rule"] == "complex-strong"  # the rule chose the strong model ...
    assert t["model"] == "openai/mini-x"  # ... and the ladder still tried the cheap one first
    assert t["cascade"]["escalated"] is False and t["cascade"]["confidence"] > 0.9
    assert "threshold" in t["cascade"]["reason"] and strong.requests == []
    assert t["cost_usd"] == pytest.approx(t["cascade"]["cheap_cost_usd"]) and t["cascade"]["strong_cost_usd"] == 0


async def test_no_check_is_paid_for_when_nothing_is_stronger(upstreams):
    cheap, strong = upstreams
    router = _router(cheap, strong)
    resp = await router.acomplete(ChatRequest("auto", QUESTION, {}), RouteHints(complexity=Complexity.SIMPLE),
                                  allowed=lambda name: name != "openai/big-x")
    c = resp["turnout"]["cascade"]
    assert resp["turnout"]["model"] == "openai/mini-x" and c["escalated"] is False
    assert c["confidence"] is None and c["method"] is None and "no model stronger" in c["reason"]
    assert len(cheap.requests) == 1 and "logprobs" not in cheap.last.body and strong.requests == []


async def test_configured_lists_drive_the_ladder(upstreams):
    cheap, strong = upstreams
    router = _router(cheap, strong, cheap=["openai/big-x"], strong=["openai/mini-x"])
    resp = await router.acomplete(ChatRequest("auto", QUESTION, {}), RouteHints(complexity=Complexity.SIMPLE))
    assert resp["turnout"]["cascade"]["ladder"] == ["openai/big-x", "openai/mini-x"]


async def test_failing_cheap_rung_escalates(upstreams):
    cheap, strong = upstreams

    async def broken(request, body):
        return json_reply({"error": {"message": "overloaded", "type": "server_error"}}, status=503)

    cheap.handler = broken
    router = _router(cheap, strong)
    resp = await router.acomplete(ChatRequest("auto", QUESTION, {}), RouteHints(complexity=Complexity.SIMPLE))
    c = resp["turnout"]["cascade"]
    assert resp["turnout"]["model"] == "openai/big-x" and c["escalated"] is True
    assert "failed" in c["reason"] and c["steps"][0]["error"]


async def test_streamed_cascade_judges_before_the_first_byte_and_records_both_costs(upstreams):
    cheap, strong = upstreams
    router = _router(cheap, strong)
    routed = await router.astream(ChatRequest("auto", QUESTION, {}, True), RouteHints(complexity=Complexity.SIMPLE))
    # by the time the stream is handed over, both upstreams have answered
    assert len(cheap.requests) == 1 and len(strong.requests) == 1
    chunks = [c async for c in routed]
    text = "".join((c["choices"][0]["delta"].get("content") or "") for c in chunks if c.get("choices"))
    assert text.startswith("Colliding")
    c = chunks[-1]["turnout"]["cascade"]
    assert c["escalated"] is True and c["cheap_cost_usd"] > 0 and c["strong_cost_usd"] > 0
    assert chunks[-1]["turnout"]["cost_usd"] == pytest.approx(c["cheap_cost_usd"] + c["strong_cost_usd"])


async def test_confidential_request_cascades_among_local_models_only(upstreams):
    _, strong = upstreams
    router = Router.from_dict({
        "models": [
            {"name": "fake/local-small", "provider": "fake", "local": True, "tier": 1,
             "extra": {"logprob": -3.0}},
            {"name": "fake/local-big", "provider": "fake", "local": True, "tier": 2,
             "input_per_mtok": 0.01, "output_per_mtok": 0.01},
            {"name": "openai/big-x", "provider": "openai", "api_base": strong.url + "/v1", "api_key": "k",
             "tier": 3, "input_per_mtok": 2.5, "output_per_mtok": 10.0},
        ],
        "routing": {"cascade": {"enabled": True, "threshold": 0.7}},
    })
    resp = await router.acomplete(ChatRequest("auto", QUESTION, {}), RouteHints(sensitivity=Sensitivity.CONFIDENTIAL))
    c = resp["turnout"]["cascade"]
    assert c["ladder"] == ["fake/local-small", "fake/local-big"] and c["escalated"] is True
    assert resp["turnout"]["model"] == "fake/local-big" and strong.requests == []


def _info(name: str, tier: int, price: float, local: bool = False) -> ModelInfo:
    return ModelInfo(name=name, provider="fake", context_window=8192, input_per_mtok=price,
                     output_per_mtok=price, local=local, tier=tier)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.floats(0, 50, allow_nan=False)), min_size=1, max_size=8),
       st.data())
def test_ladder_starts_cheapest_and_only_climbs(specs, data):
    pool = [_info(f"m{i}", tier, price) for i, (tier, price) in enumerate(specs)]
    chosen = data.draw(st.sampled_from([m.name for m in pool]))
    ladder, why = build_ladder(pool, chosen, 100, 100)
    by = {m.name: m for m in pool}
    cheapest = min(m.cost_usd(100, 100) for m in pool)
    assert by[ladder[0]].cost_usd(100, 100) == cheapest
    tiers = [by[n].tier for n in ladder]
    assert tiers == sorted(set(tiers))  # strictly stronger each rung
    assert tiers[-1] == max(m.tier for m in pool)  # up to the strongest
    assert (why is None) == (len(ladder) > 1)
    if by[chosen].tier > by[ladder[0]].tier:
        assert chosen in ladder  # the rule's own choice is its tier's rung


@pytest.mark.model
async def test_cascade_with_the_embedded_model_as_cheap_rung(upstreams):
    _, strong = upstreams

    def router(threshold: float) -> Router:
        return Router.from_dict({
            "models": [{"name": "local/qwen2.5-coder-0.5b"},
                       {"name": "openai/big-x", "provider": "openai", "api_base": strong.url + "/v1", "api_key": "k",
                        "tier": 3, "input_per_mtok": 2.5, "output_per_mtok": 10.0}],
            # the founding rules keep simple requests on cloud models; this one lets the local rung in
            "routing": {"rules": [{"name": "any", "choose": "cheapest", "cascade": True}],
                        "cascade": {"threshold": threshold}},
        })

    ask = ChatRequest("auto", [{"role": "user", "content": "What is 2 + 2? Reply with the number only."}],
                      {"max_tokens": 4, "temperature": 0})
    kept = await router(0.0).acomplete(ask, RouteHints(complexity=Complexity.SIMPLE))
    c = kept["turnout"]["cascade"]
    assert kept["turnout"]["model"] == "local/qwen2.5-coder-0.5b" and c["escalated"] is False
    assert c["method"] == "logprobs" and 0 < c["confidence"] <= 1 and "4" in kept.choices[0].message.content
    escalated = await router(1.0).acomplete(ask, RouteHints(complexity=Complexity.SIMPLE))
    assert escalated["turnout"]["model"] == "openai/big-x" and escalated["turnout"]["cascade"]["escalated"] is True
    assert strong.requests


async def test_when_every_stronger_model_fails_the_cheap_answer_is_kept(upstreams):
    cheap, strong = upstreams

    async def broken(request, body):
        return json_reply({"error": {"message": "overloaded", "type": "server_error"}}, status=503)

    strong.handler = broken
    router = _router(cheap, strong)
    resp = await router.acomplete(ChatRequest("auto", QUESTION, {}), RouteHints(complexity=Complexity.SIMPLE))
    t = resp["turnout"]
    c = t["cascade"]
    assert t["model"] == "openai/mini-x" and resp.choices[0].message.content.startswith("Chaining")
    assert c["escalated"] is False and "kept the answer of openai/mini-x" in c["reason"]
    assert [s["accepted"] for s in c["steps"]] == [True, False]
    assert t["cost_usd"] == pytest.approx(c["cheap_cost_usd"]) and c["strong_cost_usd"] == 0


@given(st.lists(st.tuples(st.floats(0, 1, allow_nan=False), st.booleans()), min_size=2, max_size=60))
def test_auroc_matches_its_definition(pairs):
    from turnout.routing.cascade import auroc

    conf, ok = [c for c, _ in pairs], [o for _, o in pairs]
    pos, neg = [c for c, o in pairs if o], [c for c, o in pairs if not o]
    got = auroc(conf, ok)
    if not pos or not neg:
        assert math.isnan(got)
        return
    want = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))
    assert got == pytest.approx(want)


def test_threshold_for_precision_keeps_only_answers_that_reach_the_target():
    from turnout.routing.cascade import threshold_for_precision

    conf = [0.1, 0.2, 0.3, 0.8, 0.9, 0.95]
    ok = [False, False, True, True, False, True]
    t, share = threshold_for_precision(conf, ok, 0.6)
    assert t == 0.2 and share == pytest.approx(1 / 6)  # kept: five answers, three right
    assert threshold_for_precision(conf, ok, 0.7)[0] == 0.3  # kept: four, three right
    assert threshold_for_precision(conf, [False] * 6, 0.5) == (1.0, 1.0)

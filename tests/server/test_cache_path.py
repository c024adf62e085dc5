"""The cache in front of the gateway: hits save calls (and say so in the response, headers and
ledger), streams replay as streams, tenants never share answers, confidential requests stay
out unless configured, and per-request control works."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest

from turnout.config import parse_config
from turnout.gateway import Gateway, Principal
from turnout.providers.fake import FakeProvider
from turnout.types import ChatRequest, RouteHints, Sensitivity

MODELS = [
    {"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 10.0,
     "output_per_mtok": 20.0},
    {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
]
MSG = [{"role": "user", "content": "What is the capital of France?"}]


def gateway(tmp_path, **cache):
    return Gateway(parse_config({"models": MODELS, "ledger": {"url": f"sqlite:///{tmp_path}/l.db"},
                                 "cache": cache, "server": {"keys_url": f"sqlite:///{tmp_path}/k.db"}}))


@pytest.fixture(autouse=True)
def _reset():
    FakeProvider.reset()
    yield
    FakeProvider.reset()


async def test_second_identical_request_is_a_hit_that_saves_the_call(tmp_path):
    gw = gateway(tmp_path)
    first = await gw.acomplete(ChatRequest("fake/cloud", MSG))
    second = await gw.acomplete(ChatRequest("fake/cloud", MSG))
    assert len(FakeProvider.calls) == 1
    assert first["turnout"]["cache"] == "miss" and second["turnout"]["cache"] == "hit"
    assert second.choices[0].message.content == first.choices[0].message.content
    assert second["turnout"]["cost_usd"] == 0 and second["turnout"]["saved_usd"] == pytest.approx(first["turnout"]["cost_usd"])
    rows = gw.ledger.summary(since=0, by="model")
    assert sum(r.cache_hits for r in rows) == 1
    assert sum(r.saved_usd for r in rows) == pytest.approx(first["turnout"]["cost_usd"])
    await gw.aclose()


async def test_stream_is_cached_and_replayed_as_a_stream_and_serves_plain_requests(tmp_path):
    gw = gateway(tmp_path)
    s1 = await gw.astream(ChatRequest("fake/cloud", MSG, {}, True))
    chunks1 = [c async for c in s1.chunks()]
    text1 = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks1 if c.get("choices"))
    s2 = await gw.astream(ChatRequest("fake/cloud", MSG, {}, True))
    chunks2 = [c async for c in s2.chunks()]
    text2 = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks2 if c.get("choices"))
    assert text1 == text2 and s2.turnout["cache"] == "hit"
    assert chunks2[-1]["turnout"]["cache"] == "hit"
    plain = await gw.acomplete(ChatRequest("fake/cloud", MSG))
    assert plain["turnout"]["cache"] == "hit" and plain.choices[0].message.content == text1
    assert len(FakeProvider.calls) == 1
    await gw.aclose()


async def test_tenants_do_not_share_answers(tmp_path):
    gw = gateway(tmp_path)
    _, key_a = gw.keys.create("a")
    _, key_b = gw.keys.create("b")
    await gw.acomplete(ChatRequest("fake/cloud", MSG), principal=Principal(key=key_a))
    other = await gw.acomplete(ChatRequest("fake/cloud", MSG), principal=Principal(key=key_b))
    same = await gw.acomplete(ChatRequest("fake/cloud", MSG), principal=Principal(key=key_a))
    assert other["turnout"]["cache"] == "miss" and same["turnout"]["cache"] == "hit"
    await gw.aclose()


async def test_confidential_requests_are_not_cached_unless_configured(tmp_path):
    gw = gateway(tmp_path)
    hints = RouteHints(sensitivity=Sensitivity.CONFIDENTIAL)
    for _ in range(2):
        r = await gw.acomplete(ChatRequest("auto", MSG), hints)
        assert r["turnout"]["cache"] == "off"
    assert len(FakeProvider.calls) == 2
    await gw.aclose()
    gw = gateway(tmp_path / "x", confidential=True)
    (tmp_path / "x").mkdir(exist_ok=True)
    for _ in range(2):
        r = await gw.acomplete(ChatRequest("auto", MSG), hints)
    assert r["turnout"]["cache"] == "hit" and r["turnout"]["model"] == "fake/local"
    await gw.aclose()


async def test_no_store_no_cache_and_temperature(tmp_path):
    gw = gateway(tmp_path)
    await gw.acomplete(ChatRequest("fake/cloud", MSG), RouteHints(cache="no-store"))
    r = await gw.acomplete(ChatRequest("fake/cloud", MSG))
    assert r["turnout"]["cache"] == "miss"  # no-store wrote nothing
    r = await gw.acomplete(ChatRequest("fake/cloud", MSG), RouteHints(cache="no-cache"))
    assert r["turnout"]["cache"] == "miss"  # no-cache did not read
    hot = {"temperature": 0.9}
    await gw.acomplete(ChatRequest("fake/cloud", MSG, hot))
    r = await gw.acomplete(ChatRequest("fake/cloud", MSG, hot))
    assert r["turnout"]["cache"] == "miss"  # temperature > 0 is not cached by default
    await gw.aclose()


async def test_semantic_cache_hits_paraphrase_but_not_near_miss(tmp_path):
    gw = gateway(tmp_path, semantic=True)
    await gw.acomplete(ChatRequest("fake/cloud", [{"role": "user", "content": "What is the capital of France?"}]))
    spain = await gw.acomplete(ChatRequest("fake/cloud", [{"role": "user", "content": "What is the capital of Spain?"}]))
    assert spain["turnout"]["cache"] == "miss"
    para = await gw.acomplete(ChatRequest("fake/cloud", [{"role": "user", "content": "what's the capital of France"}]))
    assert para["turnout"]["cache"] in ("semantic", "miss")
    await gw.aclose()


def test_gateway_headers_and_usage_show_hits(serve):
    srv = serve({"models": MODELS})
    client = openai.OpenAI(base_url=srv.base_url, api_key="x", max_retries=0)
    client.chat.completions.create(model="fake/cloud", messages=MSG)
    raw = client.chat.completions.with_raw_response.create(model="fake/cloud", messages=MSG)
    assert raw.headers["x-turnout-cache"] == "hit"
    assert raw.headers["x-turnout-model"] == "fake/cloud"
    metrics = httpx.get(srv.base_url.removesuffix("/v1") + "/metrics").text
    assert 'turnout_cache_lookups_total{result="hit"}' in metrics


def test_bad_cache_directive_is_400(serve):
    srv = serve({"models": MODELS})
    r = httpx.post(f"{srv.base_url}/chat/completions", json={"model": "fake/cloud", "messages": MSG,
                                                              "turnout": {"cache": "sometimes"}})
    assert r.status_code == 400


async def test_concurrent_identical_requests_all_answered(tmp_path):
    gw = gateway(tmp_path)
    results = await asyncio.gather(*(gw.acomplete(ChatRequest("fake/cloud", MSG)) for _ in range(20)))
    assert all(r.choices[0].message.content for r in results)
    await gw.aclose()

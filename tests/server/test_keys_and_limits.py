"""Virtual keys, budgets and rate limits through the gateway, on every path: plain and
streamed answers, the master key, the library API. PRODUCT invariant 3: a budget is never
overrun by more than the requests in flight when it was reached."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest

from turnout.config import parse_config
from turnout.errors import BudgetExceededError, PermissionDeniedError
from turnout.gateway import Gateway
from turnout.types import ChatRequest

MASTER = "sk-master-test-123"
# 1000 tokens of output at $1000/1M = $1 per request at most: easy budget arithmetic.
MODELS = [
    {"name": "fake/pricey", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 1000.0,
     "output_per_mtok": 1000.0, "extra": {"completion_tokens": 100, "prompt_tokens": 100}},
    {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
]
MSG = [{"role": "user", "content": "hello"}]


@pytest.fixture
def gw_server(serve, tmp_path):
    return serve({"models": MODELS, "server": {"master_key": MASTER, "keys_url": f"sqlite:///{tmp_path}/keys.db"}})


def client(server, key):
    return openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0)


def test_missing_and_wrong_keys_are_401(gw_server):
    r = httpx.post(f"{gw_server.base_url}/chat/completions", json={"model": "fake/local", "messages": MSG})
    assert r.status_code == 401 and "missing API key" in r.json()["error"]["message"]
    with pytest.raises(openai.AuthenticationError):
        client(gw_server, "sk-turnout-wrong").chat.completions.create(model="fake/local", messages=MSG)


def test_master_key_and_virtual_key_work_and_revocation_applies(gw_server):
    assert client(gw_server, MASTER).chat.completions.create(model="fake/local", messages=MSG).choices
    keys = gw_server.gateway.keys
    plaintext, key = keys.create("team-a")
    assert client(gw_server, plaintext).chat.completions.create(model="fake/local", messages=MSG).choices
    keys.revoke(key.id)
    keys.invalidate()
    with pytest.raises(openai.AuthenticationError):
        client(gw_server, plaintext).chat.completions.create(model="fake/local", messages=MSG)


def test_key_model_allow_list_and_sensitivity_cap_are_403(gw_server):
    plaintext, _ = gw_server.gateway.keys.create("limited", models=["fake/local"], max_sensitivity="internal")
    c = client(gw_server, plaintext)
    with pytest.raises(openai.PermissionDeniedError, match="may not use model"):
        c.chat.completions.create(model="fake/pricey", messages=MSG)
    with pytest.raises(openai.PermissionDeniedError, match="confidential"):
        c.chat.completions.create(model="auto", messages=MSG, extra_body={"turnout": {"sensitivity": "confidential"}})
    # "auto" only considers the models the key may use.
    assert c.chat.completions.create(model="auto", messages=MSG).model == "fake/local"
    assert [m.id for m in c.models.list()] == ["auto", "fake/local"]


def test_rate_limit_is_429_with_retry_after(gw_server):
    plaintext, _ = gw_server.gateway.keys.create("slow", rpm=2)
    for _ in range(2):
        r = httpx.post(f"{gw_server.base_url}/chat/completions", json={"model": "fake/local", "messages": MSG},
                       headers={"authorization": f"Bearer {plaintext}"})
        assert r.status_code == 200
    r = httpx.post(f"{gw_server.base_url}/chat/completions", json={"model": "fake/local", "messages": MSG},
                   headers={"authorization": f"Bearer {plaintext}"})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert r.json()["error"]["type"] == "rate_limit_error"


@pytest.mark.parametrize("stream", [False, True])
def test_key_budget_holds_on_plain_and_streamed_paths(gw_server, stream):
    # Each answer costs 100 in + 100 out tokens at $1000/1M = $0.20; the estimate reserves
    # prompt + max_tokens(200) at the same price, so the 10th..: refused once $1 is reached.
    plaintext, key = gw_server.gateway.keys.create("budgeted", budget_usd=1.0)
    c = client(gw_server, plaintext)
    answered = refused = 0
    for i in range(10):
        try:
            resp = c.chat.completions.create(model="fake/pricey", messages=[{"role": "user", "content": f"q{i}"}],
                                             max_tokens=200, stream=stream)
            if stream:
                list(resp)
            answered += 1
        except openai.RateLimitError as exc:
            assert "budget" in str(exc)
            refused += 1
    assert refused > 0 and answered > 0
    spent = asyncio.run(gw_server.gateway.limits.spent(key.budget_scope()))
    assert spent <= 1.0 + 1e-9


def test_global_budget_applies_to_the_master_key(serve, tmp_path):
    srv = serve({"models": MODELS, "budgets": {"daily_usd": 0.5},
                 "server": {"master_key": MASTER, "keys_url": f"sqlite:///{tmp_path}/keys.db"}})
    c = client(srv, MASTER)
    outcomes = []
    for i in range(5):
        try:
            c.chat.completions.create(model="fake/pricey", messages=[{"role": "user", "content": f"q{i}"}],
                                      max_tokens=200)
            outcomes.append("ok")
        except openai.RateLimitError:
            outcomes.append("429")
    assert "429" in outcomes and outcomes[0] == "ok"


async def test_concurrent_requests_cannot_overspend(tmp_path):
    cfg = parse_config({"models": MODELS, "ledger": {"url": f"sqlite:///{tmp_path}/l.db"},
                        "server": {"master_key": MASTER, "keys_url": f"sqlite:///{tmp_path}/keys.db"}})
    models = [{**MODELS[0], "extra": {**MODELS[0]["extra"], "latency_ms": 30}}, MODELS[1]]
    cfg = parse_config({**cfg.model_dump(exclude_none=True), "models": models})
    gw = Gateway(cfg)
    _, key = gw.keys.create("burst", budget_usd=2.0)
    principal = gw.authenticate(MASTER).__class__(key=key)

    async def one(i):
        try:
            await gw.acomplete(ChatRequest("fake/pricey", [{"role": "user", "content": f"q{i}"}], {"max_tokens": 200}),
                               principal=principal)
            return 1
        except BudgetExceededError:
            return 0

    answered = sum(await asyncio.gather(*(one(i) for i in range(50))))
    spent = await gw.limits.spent(key.budget_scope())
    # Estimates are upper bounds here ($0.3 reserved per $0.2 answer): never over the limit.
    assert spent <= 2.0 + 1e-9
    assert answered >= 6
    await gw.aclose()


async def test_library_path_checks_key_limits_too(tmp_path):
    gw = Gateway(parse_config({"models": MODELS, "ledger": {"url": f"sqlite:///{tmp_path}/l.db"},
                               "server": {"keys_url": f"sqlite:///{tmp_path}/keys.db"}}))
    _, key = gw.keys.create("lib", models=["fake/local"])
    with pytest.raises(PermissionDeniedError):
        await gw.acomplete(ChatRequest("fake/pricey", MSG), principal=gw.authenticate(None).__class__(key=key))
    await gw.aclose()


async def test_budget_left_steers_routing_to_a_model_that_fits(tmp_path):
    models = [{**MODELS[0]}, {"name": "fake/thrifty", "provider": "fake", "local": False, "tier": 1,
                               "input_per_mtok": 1.0, "output_per_mtok": 1.0}]
    gw = Gateway(parse_config({"models": models, "ledger": {"url": f"sqlite:///{tmp_path}/l.db"},
                               "server": {"keys_url": f"sqlite:///{tmp_path}/keys.db"}}))
    _, key = gw.keys.create("tight", budget_usd=0.15)  # fake/pricey's estimate is ~$0.21
    from turnout.gateway import Principal
    from turnout.types import Complexity, RouteHints

    r = await gw.acomplete(ChatRequest("auto", MSG, {"max_tokens": 200}), RouteHints(complexity=Complexity.COMPLEX),
                           principal=Principal(key=key))
    t = r["turnout"]
    assert t["model"] == "fake/thrifty"
    assert {"model": "fake/pricey", "reason": "over_budget"}.items() <= next(
        x for x in t["rejected"] if x["model"] == "fake/pricey").items()
    await gw.aclose()

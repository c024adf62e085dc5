"""The admin API (/admin/v1/) on a real server: keys with budgets and spend, teams, usage, the
request log with decisions, models, route dry-run, auth, errors in OpenAI's shape, X-Request-Id."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

MASTER = "sk-master-admin-test"
MODELS = [
    {"name": "fake/pricey", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 1000.0,
     "output_per_mtok": 1000.0, "extra": {"completion_tokens": 100, "prompt_tokens": 100}},
    {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
]
MSG = [{"role": "user", "content": "hello there"}]


@pytest.fixture
def server(serve, tmp_path):
    return serve({"models": MODELS, "server": {"master_key": MASTER, "keys_url": f"sqlite:///{tmp_path}/keys.db"}})


def admin(server, method, path, key=MASTER, **kw):
    url = f"http://127.0.0.1:{server.port}/admin/v1{path}"
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return httpx.request(method, url, headers=headers, timeout=10, **kw)


def chat(server, key, model="fake/pricey", **kw):
    c = openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0)
    return c.chat.completions.create(model=model, messages=MSG, **kw)


def test_create_key_returns_secret_once_and_list_shows_spend(server):
    r = admin(server, "POST", "/keys", json={"name": "ci-bot", "budget_usd": 5, "rpm": 100, "tags": ["ci"],
                                             "models": ["fake/*"], "max_sensitivity": "internal"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["key"].startswith("sk-turnout-") and created["name"] == "ci-bot"
    assert created["budget_usd"] == 5 and created["tags"] == ["ci"]
    # The key works on the gateway, and what it spends shows in the list.
    answer = chat(server, created["key"])
    cost = float(answer.model_extra["turnout"]["cost_usd"])
    assert cost > 0
    listed = admin(server, "GET", "/keys").json()["data"]
    row = next(k for k in listed if k["name"] == "ci-bot")
    assert "key" not in row and "key_hash" not in row  # the secret is never listed
    assert row["spend_usd"] == pytest.approx(cost)
    assert row["budget_left_usd"] == pytest.approx(5 - cost)
    assert row["state"] == "active"


def test_revoke_by_name_and_update(server):
    key = admin(server, "POST", "/keys", json={"name": "temp"}).json()
    r = admin(server, "PATCH", "/keys/temp", json={"budget_usd": 2.5, "tags": ["a", "b"], "rpm": None})
    assert r.status_code == 200 and r.json()["budget_usd"] == 2.5 and r.json()["tags"] == ["a", "b"]
    r = admin(server, "DELETE", "/keys/temp")
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    server.gateway.keys.invalidate()
    with pytest.raises(openai.AuthenticationError):
        chat(server, key["key"])
    assert admin(server, "DELETE", "/keys/no-such-key").status_code == 404


def test_expired_key_is_refused(server):
    key = admin(server, "POST", "/keys", json={"name": "short", "expires_in_s": 3600}).json()
    assert chat(server, key["key"], model="fake/local").choices
    admin(server, "PATCH", f"/keys/{key['id']}", json={"expires_at": time.time() - 1})
    server.gateway.keys.invalidate()
    with pytest.raises(openai.AuthenticationError):
        chat(server, key["key"], model="fake/local")
    row = admin(server, "GET", f"/keys/{key['id']}").json()
    assert row["state"] == "expired"


def test_team_budget_is_shared_by_its_keys(server):
    # Each request costs $0.2 (100 + 100 tokens at $1000/1M); the team may spend $0.5.
    r = admin(server, "POST", "/teams", json={"name": "research", "budget_usd": 0.5})
    assert r.status_code == 201, r.text
    a = admin(server, "POST", "/keys", json={"name": "r-a", "team": "research"}).json()
    b = admin(server, "POST", "/keys", json={"name": "r-b", "team": "research"}).json()
    assert a["team"] == "research"
    chat(server, a["key"], max_tokens=100)
    with pytest.raises(openai.RateLimitError):  # the team's budget, reached by its other key: 429
        for _ in range(3):
            chat(server, b["key"], max_tokens=100)
    team = admin(server, "GET", "/teams/research").json()
    assert 0.4 - 1e-9 <= team["spend_usd"] <= 0.5 + 0.2 + 1e-9  # over by at most the one in flight
    assert set(team["keys"]) == {a["id"], b["id"]}
    by_team = admin(server, "GET", "/usage?by=team&since=1d").json()
    assert any(row["group"] == "research" and row["requests"] >= 2 for row in by_team["rows"])


def test_usage_totals_and_breakdowns(server):
    k = admin(server, "POST", "/keys", json={"name": "u", "tags": ["batch"]}).json()
    for _ in range(3):
        chat(server, k["key"], model="fake/local")
    chat(server, k["key"], model="fake/pricey")
    u = admin(server, "GET", "/usage?since=today&by=model").json()
    assert u["totals"]["requests"] == 4
    assert u["totals"]["cost_usd"] == pytest.approx(0.2)
    rows = {r["group"]: r for r in u["rows"]}
    assert rows["fake/local"]["requests"] == 3 and rows["fake/pricey"]["cost_usd"] == pytest.approx(0.2)
    assert rows["fake/local"]["p50_latency_ms"] is not None
    for by in ("key", "tag", "rule", "day", "hour", "status", "cache"):
        r = admin(server, "GET", f"/usage?by={by}")
        assert r.status_code == 200, (by, r.text)
        assert sum(row["requests"] for row in r.json()["rows"]) >= 4
    assert admin(server, "GET", "/usage?by=colour").status_code == 400
    assert admin(server, "GET", "/usage?since=yesteryear").status_code == 400
    series = admin(server, "GET", "/usage/series?since=24h").json()
    assert sum(series["requests"]) == 4 and set(series["models"]) == {"fake/local", "fake/pricey"}


def test_request_log_explains_each_decision(server):
    k = admin(server, "POST", "/keys", json={"name": "logged"}).json()
    r = httpx.post(f"{server.base_url}/chat/completions", json={"model": "auto", "messages": MSG},
                   headers={"authorization": f"Bearer {k['key']}", "x-request-id": "trace-abc-123"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "trace-abc-123"
    bad = httpx.post(f"{server.base_url}/chat/completions", json={"model": "nope/none", "messages": MSG},
                     headers={"authorization": f"Bearer {k['key']}"})
    assert bad.status_code == 404 and len(bad.headers["x-request-id"]) == 32
    log = admin(server, "GET", "/requests?limit=10").json()["data"]
    assert len(log) == 2 and log[0]["ts"] >= log[1]["ts"]
    ok = next(row for row in log if row["status"] == 200)
    assert ok["key_name"] == "logged" and ok["model_requested"] == "auto"
    assert ok["route"]["signals"]["sensitivity"] == "public"
    assert "reason" in ok["route"] and ok["explanation"]
    assert "prompt" not in ok  # store_prompts is off
    errors = admin(server, "GET", "/requests?status=error").json()["data"]
    assert [row["status"] for row in errors] == [404]
    one = admin(server, "GET", f"/requests/{ok['request_id']}").json()
    assert one["request_id"] == ok["request_id"]
    assert admin(server, "GET", "/requests/nope").status_code == 404


def test_prompts_are_stored_only_when_asked_and_redacted(serve, tmp_path):
    server = serve({"models": MODELS, "ledger": {"store_prompts": True},
                    "server": {"master_key": MASTER, "keys_url": f"sqlite:///{tmp_path}/keys2.db"}})
    msg = [{"role": "user", "content": "Please email the summary to jane.doe@example.com today"}]
    openai.OpenAI(base_url=server.base_url, api_key=MASTER, max_retries=0).chat.completions.create(
        model="fake/local", messages=msg)
    row = admin(server, "GET", "/requests").json()["data"][0]
    assert "jane.doe@example.com" not in row["prompt"] and "[EMAIL_1]" in row["prompt"]


def test_models_and_route_dry_run(server):
    models = admin(server, "GET", "/models").json()["data"]
    assert {m["id"] for m in models} == {"fake/local", "fake/pricey"}
    assert all(m["health"] == "ok" for m in models)
    before = len(admin(server, "GET", "/requests").json()["data"])
    d = admin(server, "POST", "/route", json={"prompt": "hi", "turnout": {"sensitivity": "confidential"}}).json()
    assert d["model"] == "fake/local"
    assert any(rej["model"] == "fake/pricey" for rej in d["rejected"])
    assert len(admin(server, "GET", "/requests").json()["data"]) == before  # nothing was called
    assert admin(server, "POST", "/route", json={}).status_code == 400
    assert admin(server, "POST", "/route", content=b"{not json").status_code == 400


def test_auth_admin_keys_and_errors(server):
    assert admin(server, "GET", "/keys", key="").status_code == 401
    assert admin(server, "GET", "/keys", key="sk-turnout-" + "x" * 43).status_code == 401
    user = admin(server, "POST", "/keys", json={"name": "plain"}).json()
    r = admin(server, "GET", "/keys", key=user["key"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_admin"
    boss = admin(server, "POST", "/keys", json={"name": "ops", "role": "admin"}).json()
    assert admin(server, "GET", "/keys", key=boss["key"]).status_code == 200
    # Bad input: 4xx in OpenAI's shape, never a 500.
    for body in ({"name": "x", "budget_usd": -1}, {"name": "x", "budget_usd": "lots"}, {"nme": "typo"},
                 {"name": "x", "rpm": 0}, {"name": "x", "role": "root"}, {"name": "x", "team": "ghosts"},
                 {"name": "x", "expires_in_s": -5}, {"name": "x", "models": 3}):
        r = admin(server, "POST", "/keys", json=body)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
        assert r.json()["error"]["message"]
    assert admin(server, "POST", "/keys", content=b"[1,2]").status_code == 400
    assert admin(server, "GET", "/nothing-here").status_code == 404
    assert admin(server, "PUT", "/keys").status_code == 405
    assert admin(server, "GET", "/requests?limit=100000").status_code == 400


def test_openapi_document_describes_the_admin_api(server):
    doc = admin(server, "GET", "/openapi.json").json()
    assert "/admin/v1/keys" in doc["paths"] and "post" in doc["paths"]["/admin/v1/keys"]
    assert "/admin/v1/usage" in doc["paths"]


def test_admin_api_is_off_without_a_master_key(serve):
    server = serve({"models": MODELS})
    r = httpx.get(f"http://127.0.0.1:{server.port}/admin/v1/keys")
    assert r.status_code == 403 and r.json()["error"]["code"] == "admin_disabled"

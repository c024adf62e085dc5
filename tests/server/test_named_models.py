"""A named model is a contract, seen by an unchanged `openai` SDK client: the named model
answers, or an allowed fallback with `model` naming it and `X-Turnout-Fallback-Reason` saying
why, or a clear error. And the zero-config fallback chain for "auto" requests."""

from __future__ import annotations

import subprocess
import sys

import httpx
import openai
import pytest

from turnout.providers.fake import FakeProvider

MSG = [{"role": "user", "content": "hello gateway"}]
CLOUD = {"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 1.0,
         "output_per_mtok": 2.0}
BACKUP = {"name": "fake/backup", "provider": "fake", "local": False, "tier": 3}
LOCAL = {"name": "fake/local", "provider": "fake", "local": True, "tier": 1}
DEAD = {"extra": {"default": "unavailable"}}


@pytest.fixture(autouse=True)
def no_provider_env(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OLLAMA_BASE_URL",
                 "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.setenv(name, "")


def test_caller_allowed_fallback_is_named_in_model_and_header(serve):
    srv = serve({"models": [{**CLOUD, **DEAD}, BACKUP, LOCAL], "routing": {"retries": {"max_retries": 0}}})
    client = openai.OpenAI(base_url=srv.base_url, api_key="x", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(
        model="fake/cloud", messages=MSG, extra_body={"turnout": {"fallbacks": ["fake/backup"]}})
    r = raw.parse()
    assert r.model == "fake/backup" and raw.headers["x-turnout-model"] == "fake/backup"
    assert "fake/cloud failed" in raw.headers["x-turnout-fallback-reason"]
    assert raw.headers["x-turnout-requested-model"] == "fake/cloud"
    assert [name for name, _ in FakeProvider.calls] == ["fake/cloud", "fake/backup"]  # never the local one


def test_dead_named_model_without_fallbacks_fails_and_local_model_is_not_swapped_in(serve):
    srv = serve({"models": [{**CLOUD, **DEAD}, LOCAL], "routing": {"retries": {"max_retries": 0}}})
    r = httpx.post(f"{srv.base_url}/chat/completions", json={"model": "fake/cloud", "messages": MSG})
    assert r.status_code == 503
    assert [name for name, _ in FakeProvider.calls] == ["fake/cloud"]


def test_fallbacks_field_is_validated(serve):
    srv = serve({"models": [CLOUD]})
    r = httpx.post(f"{srv.base_url}/chat/completions",
                   json={"model": "fake/cloud", "messages": MSG, "turnout": {"fallbacks": "fake/backup"}})
    assert r.status_code == 400 and "turnout.fallbacks" in r.json()["error"]["message"]


def test_auto_falls_back_to_another_provider_then_local_without_config(serve):
    # Two cloud providers of the same tier, no fallbacks configured: a dead first choice goes to
    # the other provider's model, and with both dead, to the local model.
    gem = {"name": "gemini-like", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 2.0,
           "output_per_mtok": 4.0}
    srv = serve({"models": [{**CLOUD, **DEAD}, gem, LOCAL],
                 "routing": {"retries": {"max_retries": 0},
                             "rules": [{"name": "strong", "choose": "cheapest", "among": {"local": False}}]}})
    decision = srv.gateway.router.route(__import__("turnout").types.ChatRequest("auto", MSG))
    # Same provider kind (fake) on both here, so the chain goes straight to local; with distinct
    # providers the peer comes first (tests/policy/test_named_contract.py).
    assert decision.fallback_chain[-1] == "fake/local"
    client = openai.OpenAI(base_url=srv.base_url, api_key="x", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=MSG)
    assert raw.parse().model == "fake/local"
    assert "fake/cloud failed" in raw.headers["x-turnout-fallback-reason"]


def test_library_fallbacks_argument(tmp_path):
    import turnout
    from turnout.config import parse_config
    from turnout.gateway import Gateway

    gw = Gateway(parse_config({"models": [{**CLOUD, **DEAD}, BACKUP], "routing": {"retries": {"max_retries": 0}},
                               "ledger": {"url": f"sqlite:///{tmp_path}/l.db"}}))
    try:
        r = turnout.completion(model="fake/cloud", messages=MSG, fallbacks=["fake/backup"], gateway=gw)
        assert r["model"] == "fake/backup" and "fallback_reason" in r["turnout"]
        with pytest.raises(turnout.errors.TurnoutError) as err:
            turnout.completion(model="fake/cloud", messages=MSG, gateway=gw)
        assert err.value.status_code == 503
    finally:
        from turnout import blocking

        blocking.run(gw.aclose())


def test_cli_named_model_without_key_exits_non_zero_with_the_reason(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": ":".join(sys.path),
           "OPENAI_API_KEY": "", "TURNOUT_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "turnout.cli", "route", "hello", "--model", "gpt-4o"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert out.returncode != 0
    assert "gpt-4o is not available: OPENAI_API_KEY is not set" in out.stderr
    assert "Traceback" not in out.stderr


def test_unknown_fallback_name_is_a_404(serve):
    srv = serve({"models": [CLOUD]})
    r = httpx.post(f"{srv.base_url}/chat/completions",
                   json={"model": "fake/cloud", "messages": MSG, "turnout": {"fallbacks": ["no-such-model"]}})
    assert r.status_code == 404 and "turnout.fallbacks" in r.json()["error"]["message"]


def test_streamed_fallback_carries_the_reason_header(serve):
    srv = serve({"models": [{**CLOUD, **DEAD}, BACKUP], "routing": {"retries": {"max_retries": 0}}})
    with httpx.stream("POST", f"{srv.base_url}/chat/completions",
                      json={"model": "fake/cloud", "messages": MSG, "stream": True,
                            "turnout": {"fallbacks": ["fake/backup"]}}) as r:
        body = r.read().decode()
    assert r.status_code == 200 and r.headers["x-turnout-model"] == "fake/backup"
    assert "fake/cloud failed" in r.headers["x-turnout-fallback-reason"]
    assert '"model":"fake/backup"' in body.replace(" ", "")

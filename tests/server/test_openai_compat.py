"""The gateway with the official `openai` SDK as its client, unchanged; and raw HTTP for the
malformed requests an SDK would never send. Every bad input gets an OpenAI-shaped 4xx."""

from __future__ import annotations

import httpx
import openai
import pytest

from turnout.providers.fake import FakeProvider

MODELS = [
    {"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 1.0,
     "output_per_mtok": 2.0},
    {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
]
MSG = [{"role": "user", "content": "hello gateway"}]


@pytest.fixture
def server(serve):
    return serve({"models": MODELS})


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)


def test_chat_completion_via_sdk(client):
    r = client.chat.completions.create(model="fake/cloud", messages=MSG)
    assert r.choices[0].message.content == "fake:fake/cloud: hello gateway"
    assert r.usage.prompt_tokens > 0 and r.choices[0].finish_reason == "stop"
    extra = r.model_extra["turnout"]
    assert extra["model"] == "fake/cloud" and extra["cost_usd"] > 0


def test_headers_carry_the_decision(client):
    raw = client.chat.completions.with_raw_response.create(model="fake/cloud", messages=MSG)
    assert raw.headers["x-turnout-model"] == "fake/cloud"
    assert float(raw.headers["x-turnout-cost-usd"]) > 0
    assert raw.headers["x-turnout-cache"] in ("miss", "off", "hit")


def test_streaming_via_sdk(client):
    stream = client.chat.completions.create(model="fake/cloud", messages=MSG, stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "fake:fake/cloud: hello gateway"
    assert chunks[-1].usage is not None


def test_auto_routing_with_hints_in_body_and_headers(client):
    r = client.chat.completions.create(model="auto", messages=MSG, extra_body={"turnout": {"sensitivity": "confidential"}})
    assert r.model == "fake/local"
    r = client.chat.completions.create(model="auto", messages=MSG, extra_headers={"X-Turnout-Sensitivity": "confidential"})
    assert r.model == "fake/local"
    assert all(name == "fake/local" for name, _ in FakeProvider.calls[-2:])


def test_models_list(client):
    ids = [m.id for m in client.models.list()]
    assert ids == ["auto", "fake/cloud", "fake/local"]


def test_health_and_metrics(server):
    base = server.base_url.removesuffix("/v1")
    assert httpx.get(f"{base}/health").json()["status"] == "ok"
    httpx.post(f"{server.base_url}/chat/completions", json={"model": "fake/cloud", "messages": MSG})
    text = httpx.get(f"{base}/metrics").text
    assert 'turnout_requests_total{model="fake/cloud",route="requested",status="200"}' in text
    assert "turnout_request_duration_seconds_bucket" in text


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (b'{"messages": []}', 400, "`model` is required"),
        (b'{"model": "fake/cloud", "messages": []}', 400, "at least one message"),
        (b'{"model": "fake/cloud", "messages": "hi"}', 400, "must be a list"),
        (b'{"model": "fake/cloud", "messages": [{"role": "wizard", "content": "x"}]}', 400, "role"),
        (b'{"model": "fake/cloud", "messages": [{"role": "user", "content": 5}]}', 400, "content"),
        (b'{"model": "fake/cloud", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"}', 400, "temperature"),
        (b'{"model": "fake/cloud", "messages": [{"role": "user", "content": "x"}], "max_tokens": -1}', 400, "max_tokens"),
        (b'{"model": "fake/cloud", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}', 400, "stream"),
        (b'{"model": "fake/cloud", "messages": [{"role": "user", "content": "x"}], "verbosity": "loud"}', 400, "verbosity"),
        (b'{"model": "fake/cloud", "messages": [{"role": "user", "content": "x"}], "turnout": {"sensitivity": "secret"}}', 400, "sensitivity"),
        (b'{"model": "no-such-model", "messages": [{"role": "user", "content": "x"}]}', 404, "unknown model"),
    ],
)
def test_bad_requests_get_openai_errors(server, body, status, needle):
    r = httpx.post(f"{server.base_url}/chat/completions", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert needle in err["message"]
    assert set(err) == {"message", "type", "param", "code"}


def test_body_over_limit_is_413(serve):
    srv = serve({"models": MODELS, "server": {"max_body_bytes": 1000}})
    big = {"model": "fake/cloud", "messages": [{"role": "user", "content": "x" * 5000}]}
    r = httpx.post(f"{srv.base_url}/chat/completions", json=big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"


def test_unknown_path_and_method(server):
    base = server.base_url
    assert httpx.get(f"{base}/nothing").status_code == 404
    r = httpx.get(f"{base}/chat/completions")
    assert r.status_code == 405 and r.headers["allow"] == "POST"


def test_upstream_failure_after_fallbacks_is_5xx(serve):
    models = [{**MODELS[0], "extra": {"default": "unavailable"}}]
    srv = serve({"models": models, "routing": {"retries": {"max_retries": 0}}})
    r = httpx.post(f"{srv.base_url}/chat/completions", json={"model": "fake/cloud", "messages": MSG})
    assert r.status_code == 503 and r.json()["error"]["type"] == "service_unavailable"


def test_confidential_without_local_model_fails_closed(serve):
    srv = serve({"models": [MODELS[0]]})
    client = openai.OpenAI(base_url=srv.base_url, api_key="x", max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="auto", messages=MSG, extra_body={"turnout": {"sensitivity": "confidential"}})
    assert info.value.status_code == 503
    assert "confidential" in info.value.message
    assert FakeProvider.calls == []


def test_failing_provider_falls_back_invisibly(serve):
    models = [{**MODELS[0], "extra": {"default": "unavailable"}, "fallbacks": ["fake/backup"]},
              {"name": "fake/backup", "provider": "fake", "local": False}]
    srv = serve({"models": models, "routing": {"retries": {"max_retries": 0}}})
    client = openai.OpenAI(base_url=srv.base_url, api_key="x", max_retries=0)
    r = client.chat.completions.create(model="fake/cloud", messages=MSG)
    assert r.model == "fake/backup"
    s = list(client.chat.completions.create(model="fake/cloud", messages=MSG, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in s if c.choices).startswith("fake:fake/backup")

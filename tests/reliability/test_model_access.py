"""Callers reach only what the operator configured (issue #11.4): no ad-hoc ``fake/`` or
``local/`` models, the fake provider only in tests, and metric labels from a bounded set."""

from __future__ import annotations

import secrets

import httpx
import pytest

from turnout.catalog import ModelInfo
from turnout.config import parse_config
from turnout.errors import NotFoundError
from turnout.gateway import Gateway
from turnout.providers.registry import provider_for
from turnout.types import ChatRequest

MODELS = [{"name": "fake/local", "provider": "fake", "local": True, "tier": 1}]
MSG = [{"role": "user", "content": "hello"}]


def test_unconfigured_names_are_404_and_leave_no_metric_series(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve({"models": MODELS})
    names = [f"fake/{secrets.token_hex(4)}" for _ in range(20)] + ["local/qwen2.5-coder-0.5b", "gpt-4o",
                                                                   "openai/gpt-4o", "ollama/llama3"]
    def series_of(name: str) -> set[str]:
        # The metric registry is the process's: another test may have served one of the fixed
        # names for real, so what counts is that these requests added no series.
        text = httpx.get(f"http://127.0.0.1:{server.port}/metrics").text
        return {line for line in text.splitlines() if f'model="{name}"' in line and not line.startswith("#")}

    before = {name: {line.rsplit(" ", 1)[0] for line in series_of(name)} for name in names}
    for name in names:
        r = httpx.post(f"{server.base_url}/chat/completions", json={"model": name, "messages": MSG})
        assert r.status_code == 404, (name, r.text)
        assert "not configured" in r.json()["error"]["message"]
    for name in names:
        assert {line.rsplit(" ", 1)[0] for line in series_of(name)} == before[name], name
    ok = httpx.post(f"{server.base_url}/chat/completions", json={"model": "fake/local", "messages": MSG})
    assert ok.status_code == 200


def test_the_embedded_model_is_not_loaded_when_not_configured(serve) -> None:  # type: ignore[no-untyped-def]
    from turnout.providers import registry

    server = serve({"models": MODELS})
    before = {k for k in registry._cache if k[0].provider == "local"}
    r = httpx.post(f"{server.base_url}/chat/completions", json={"model": "local/qwen2.5-coder-0.5b", "messages": MSG})
    assert r.status_code == 404
    assert {k for k in registry._cache if k[0].provider == "local"} == before


async def test_zero_config_refuses_ad_hoc_fake_and_local_names(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TURNOUT_ENABLE_FAKE")
    gw = Gateway(parse_config({"ledger": {"url": f"sqlite:///{tmp_path}/l.db"}}))
    gw.remote_callers = True  # as when served over HTTP
    try:
        for name in ("fake/anything", "local/some-model"):
            with pytest.raises(NotFoundError, match="only when configured"):
                await gw.acomplete(ChatRequest(name, MSG))
    finally:
        await gw.aclose()


def test_the_fake_provider_needs_its_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    info = ModelInfo(name="fake/x", provider="fake", context_window=1000)
    assert provider_for(info) is not None
    monkeypatch.delenv("TURNOUT_ENABLE_FAKE")
    with pytest.raises(NotFoundError, match="tests only"):
        provider_for(ModelInfo(name="fake/y", provider="fake", context_window=1000))


def test_fake_call_log_is_bounded() -> None:
    import asyncio

    from turnout.providers.fake import MAX_LOGGED_CALLS, FakeProvider

    FakeProvider.reset()
    provider = FakeProvider(ModelInfo(name="fake/bounded", provider="fake", context_window=1000))

    async def many() -> None:
        for _ in range(MAX_LOGGED_CALLS + 50):
            await provider.acomplete(ChatRequest("fake/bounded", MSG))

    asyncio.run(many())
    assert len(FakeProvider.calls) == MAX_LOGGED_CALLS
    FakeProvider.reset()

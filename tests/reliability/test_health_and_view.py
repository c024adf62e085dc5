"""Liveness and readiness (issue #11.6), the OpenAPI document, and what a restricted key may
see of a decision (issue #11.8)."""

from __future__ import annotations

import httpx
import openai
import pytest

MODELS = [
    {"name": "fake/pricey", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 1000.0,
     "output_per_mtok": 1000.0},
    {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
]
MSG = [{"role": "user", "content": "hello"}]
MASTER = "sk-master-view"


def root(server) -> str:  # type: ignore[no-untyped-def]
    return f"http://127.0.0.1:{server.port}"


def test_live_and_ready_with_local_state(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve({"models": MODELS})
    live = httpx.get(f"{root(server)}/health/live")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = httpx.get(f"{root(server)}/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["ledger"]["ok"] is True
    assert httpx.get(f"{root(server)}/health").json()["status"] == "ok"  # kept


@pytest.mark.redis
def test_ready_fails_while_redis_is_unreachable(serve) -> None:  # type: ignore[no-untyped-def]
    from server.conftest import free_port

    server = serve({"models": MODELS, "server": {"redis_url": f"redis://127.0.0.1:{free_port()}/0"}})
    assert httpx.get(f"{root(server)}/health/live").status_code == 200
    ready = httpx.get(f"{root(server)}/health/ready", timeout=10)
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not_ready" and body["checks"]["redis"]["ok"] is False
    assert body["checks"]["ledger"]["ok"] is True


@pytest.mark.redis
def test_ready_with_reachable_redis(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve({"models": MODELS, "server": {"redis_url": "redis://127.0.0.1:6379/0"}})
    ready = httpx.get(f"{root(server)}/health/ready", timeout=10)
    assert ready.status_code == 200 and ready.json()["checks"]["redis"]["ok"] is True


def test_openapi_document_lists_every_endpoint(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve({"models": MODELS})
    doc = httpx.get(f"{root(server)}/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    for path in ("/v1/chat/completions", "/v1/models", "/health", "/health/live", "/health/ready", "/metrics"):
        assert path in doc["paths"]


def test_a_restricted_key_sees_only_its_models_and_no_shared_budget(serve, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = serve({"models": MODELS, "budgets": {"daily_usd": 100.0},
                    "server": {"master_key": MASTER, "keys_url": f"sqlite:///{tmp_path}/keys.db"}})
    plaintext, _ = server.gateway.keys.create("limited", models=["fake/local"])
    limited = openai.OpenAI(base_url=server.base_url, api_key=plaintext, max_retries=0)
    record = limited.chat.completions.create(model="auto", messages=MSG).model_extra["turnout"]
    assert all(r["model"] == "fake/local" for r in record["rejected"])
    assert all(r["reason"] != "not_allowed_for_key" for r in record["rejected"])
    assert "budget_remaining_usd" not in record["signals"]
    chunks = list(limited.chat.completions.create(model="auto", messages=MSG, stream=True))
    streamed = [c.model_extra["turnout"] for c in chunks if (c.model_extra or {}).get("turnout")]
    assert streamed and "budget_remaining_usd" not in streamed[-1]["signals"]
    assert "fake/pricey" not in str(streamed[-1])
    # The operator still sees everything.
    master = openai.OpenAI(base_url=server.base_url, api_key=MASTER, max_retries=0)
    full = master.chat.completions.create(model="auto", messages=MSG).model_extra["turnout"]
    assert "budget_remaining_usd" in full["signals"]

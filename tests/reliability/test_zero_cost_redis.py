"""Issue #11.1: a $0 model under a Redis-backed budget. Plain requests used to get a 500 and
streams stopped without [DONE], both with no ledger row, because the Redis commit of a zero
reservation sent ``HINCRBY ... "-0"``."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from turnout.config import parse_config
from turnout.gateway import Gateway
from turnout.limits import BudgetScope
from turnout.types import ChatRequest

pytestmark = pytest.mark.redis

REDIS_URL = "redis://127.0.0.1:6379/0"
MODELS = [{"name": "fake/free", "provider": "fake", "local": True, "tier": 1}]
MSG = [{"role": "user", "content": "hello"}]


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    from turnout.limits.redis_store import RedisLimitStore

    from .conftest import purge

    prefix = f"turnout-test-{secrets.token_hex(6)}"
    limits = RedisLimitStore(REDIS_URL, prefix=prefix)
    config = parse_config({"models": MODELS, "budgets": {"daily_usd": 5.0, "monthly_usd": 50.0},
                           "ledger": {"url": f"sqlite:///{tmp_path}/ledger.db"}})
    gw = Gateway(config, limits=limits)
    yield gw
    await gw.aclose()
    purge(prefix)


async def test_free_model_plain_request_is_answered_charged_and_recorded(gateway: Gateway) -> None:
    for _ in range(3):
        response = await gateway.acomplete(ChatRequest("fake/free", MSG))
        assert response["choices"][0]["message"]["content"]
        assert response["turnout"]["cost_usd"] == 0
    gateway.ledger.flush()
    assert gateway.ledger.count() == 3
    usage = await gateway.limits.usage(BudgetScope("global:daily", 5.0, "daily"))
    assert usage.spent_usd == 0 and usage.reserved_usd == 0 and usage.in_flight == 0


async def test_free_model_stream_ends_and_is_recorded(gateway: Gateway) -> None:
    stream = await gateway.astream(ChatRequest("fake/free", MSG, {}, True))
    chunks = [c async for c in stream.chunks()]
    assert chunks and any(c["choices"] and c["choices"][0].get("finish_reason") for c in chunks)
    gateway.ledger.flush()
    assert gateway.ledger.count() == 1
    usage = await gateway.limits.usage(BudgetScope("global:monthly", 50.0, "monthly"))
    assert usage.reserved_usd == 0 and usage.in_flight == 0

"""The gateway's cache read and admission in one script (``Gateway._admit_with_lookup``, with the
cache and the limits on one Redis) keeps the rules of the two steps it replaces:

- a cache hit counts against the rate limits, and holds and spends no budget;
- an entry too old for the caller's max-age is a miss, forwarded, and the request is counted
  against its rpm once, not once as a hit and again as a miss.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from turnout.config import parse_config
from turnout.errors import RateLimitError
from turnout.gateway import Gateway, Principal
from turnout.providers.fake import FakeProvider
from turnout.types import ChatRequest, RouteHints

from .conftest import REDIS_URL, purge

pytestmark = pytest.mark.redis

MODELS = [{"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3,
           "input_per_mtok": 1.0, "output_per_mtok": 2.0}]


@pytest.fixture
async def gateway(tmp_path: Path, redis_prefix: str) -> AsyncIterator[Gateway]:
    FakeProvider.reset()
    cache_prefix = f"{redis_prefix}-cache"
    gw = Gateway(parse_config({
        "models": MODELS,
        "cache": {"enabled": True, "backend": f"{REDIS_URL}?prefix={cache_prefix}"},
        "ledger": {"url": f"sqlite:///{tmp_path}/ledger.db"},
        "server": {"keys_url": f"sqlite:///{tmp_path}/keys.db", "redis_url": f"{REDIS_URL}?prefix={redis_prefix}"},
    }))
    assert gw.limits.reads_with_admission(gw.cache.backend)
    yield gw
    await gw.aclose()
    purge(cache_prefix)
    FakeProvider.reset()


def _ask(text: str) -> ChatRequest:
    return ChatRequest("fake/cloud", [{"role": "user", "content": text}], {"max_tokens": 50})


async def test_a_hit_counts_as_a_request_and_holds_no_budget(gateway: Gateway) -> None:
    _, key = gateway.keys.create("hits", budget_usd=1.0, budget_period="daily", rpm=3)
    principal = Principal(key=gateway.keys.get(key.id))
    scope = gateway.keys.get(key.id).budget_scope()
    assert (await gateway.acomplete(_ask("hit probe"), principal=principal))["turnout"]["cache"] == "miss"
    await gateway.limits.flush()
    spent = (await gateway.limits.usage(scope)).spent_usd
    assert spent > 0
    assert (await gateway.acomplete(_ask("hit probe"), principal=principal))["turnout"]["cache"] == "hit"
    await gateway.limits.flush()
    usage = await gateway.limits.usage(scope)
    assert (usage.spent_usd, usage.reserved_usd, usage.in_flight) == (spent, 0.0, 0)
    await gateway.acomplete(_ask("a new question"), principal=principal)
    with pytest.raises(RateLimitError):  # the hit was the second of three requests this minute
        await gateway.acomplete(_ask("hit probe"), principal=principal)


async def test_an_entry_too_old_is_forwarded_and_counted_once(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    import turnout.cache.response_cache as response_cache

    _, key = gateway.keys.create("stale", rpm=2)
    principal = Principal(key=gateway.keys.get(key.id))
    assert (await gateway.acomplete(_ask("stale probe"), principal=principal))["turnout"]["cache"] == "miss"
    await gateway.limits.flush()
    later = response_cache.time.time() + 3600
    monkeypatch.setattr(response_cache.time, "time", lambda: later)  # the entry is an hour old
    second = await gateway.acomplete(_ask("stale probe"), RouteHints(cache_max_age_s=60), principal=principal)
    assert second["turnout"]["cache"] == "miss"  # forwarded: the entry was read but too old
    with pytest.raises(RateLimitError):  # two requests used the two of this minute
        await gateway.acomplete(_ask("a third"), principal=principal)

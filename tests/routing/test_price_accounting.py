"""The ledger's cost uses the catalog's full price list: cached reads, cache writes and the
long-prompt tier, from the provider's own usage."""

from __future__ import annotations

import pytest

from turnout.catalog import Catalog
from turnout.routing.router import Router
from turnout.types import ChatRequest

REQ = ChatRequest("claude-sonnet-4-5", [{"role": "user", "content": "hi"}])


def cost(usage):
    r = Router.from_dict({"models": [{"name": "claude-sonnet-4-5-20250929", "api_key": "k"}]})
    return r.account({}, "claude-sonnet-4-5-20250929", usage, REQ, "")["cost_usd"]


def test_cache_reads_and_writes_are_priced_apart():
    info = Catalog().resolve("claude-sonnet-4-5")
    plain = cost({"prompt_tokens": 10_000, "completion_tokens": 100})
    read = cost({"prompt_tokens": 10_000, "completion_tokens": 100, "prompt_tokens_details": {"cached_tokens": 8_000}})
    write = cost({"prompt_tokens": 10_000, "completion_tokens": 100, "cache_creation_input_tokens": 8_000})
    assert read < plain < write
    assert write == pytest.approx((2_000 * info.input_per_mtok + 8_000 * info.cache_write_per_mtok
                                   + 100 * info.output_per_mtok) / 1e6)


def test_long_prompt_tier():
    below = cost({"prompt_tokens": 200_000, "completion_tokens": 0})
    above = cost({"prompt_tokens": 200_001, "completion_tokens": 0})
    assert above == pytest.approx(below * 2, rel=1e-4)

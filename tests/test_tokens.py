"""Token estimates count everything a request sends; the byte bound never undercounts."""

from __future__ import annotations

import base64
import json
import struct
import zlib

from hypothesis import given
from hypothesis import strategies as st

from turnout import tokens
from turnout.catalog import Catalog
from turnout.policy.signals import SensitivityAssessment, Signals
from turnout.types import Sensitivity


def png(width: int, height: int) -> str:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return "data:image/png;base64," + base64.b64encode(raw + chunk(b"IEND", b"")).decode()


TOOLS = [{"type": "function", "function": {"name": f"tool_{i}", "description": "Look up an order by id " * 5,
                                           "parameters": {"type": "object", "properties": {
                                               "order_id": {"type": "string", "description": "the id"}}}}}
         for i in range(20)]


def test_tools_and_schemas_are_counted() -> None:
    messages = [{"role": "user", "content": "hi"}]
    plain = tokens.count_request(messages, {})
    with_tools = tokens.count_request(messages, {"tools": TOOLS})
    assert with_tools - plain == tokens.count_text(json.dumps(TOOLS, separators=(",", ":")))
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "description": "d " * 200}}}
    assert tokens.count_request(messages, {"response_format": schema}) > plain + 200


def test_images_follow_each_providers_rule() -> None:
    assert tokens.image_tokens(1024, 1024, "high", "openai") == 85 + 170 * 4
    assert tokens.image_tokens(4096, 2048, "auto", "openai") == 85 + 170 * 6  # 2048x1024 -> 1536x768
    assert tokens.image_tokens(1024, 1024, "low", "openai") == 85
    assert tokens.image_tokens(1000, 1000, provider="anthropic") == 1334
    assert tokens.image_tokens(3000, 3000, provider="anthropic") <= 1534  # fitted into ~1.15 MP
    assert tokens.image_tokens(1024, 1024) == max(765, tokens.image_tokens(1024, 1024, provider="anthropic"))
    msg = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": png(512, 512), "detail": "high"}}]}]
    assert tokens.count_messages(msg, provider="openai") == 3 + 6 + 85 + 170
    remote = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x.test/a.jpg"}}]}]
    assert tokens.count_messages(remote, provider="openai") == 3 + 6 + 765  # unknown size: 1024x1024


texts = st.text(max_size=60)
parts = st.one_of(texts, st.builds(lambda t: {"type": "text", "text": t}, texts),
                  st.just({"type": "image_url", "image_url": {"url": "https://x.test/i.png"}}))
messages = st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]),
                                           "content": st.one_of(texts, st.lists(parts, max_size=3))}),
                    min_size=1, max_size=4)


@given(messages, st.sampled_from([{}, {"tools": TOOLS[:2]}]))
def test_the_byte_bound_never_undercounts(msgs, params) -> None:
    assert tokens.prompt_token_bound(msgs, params) >= tokens.count_request(msgs, params)


def signals(params: dict, max_tokens: int = 1000) -> Signals:
    return Signals(SensitivityAssessment(Sensitivity.PUBLIC, "default"), lambda: None,  # type: ignore[arg-type,return-value]
                   prompt_tokens=100, max_tokens=max_tokens, params=params)


def test_output_estimate_understands_n_reasoning_verbosity_and_service_tier() -> None:
    cat = Catalog()
    gpt, o3, claude = cat.resolve("gpt-4o"), cat.resolve("o3-mini"), cat.resolve("claude-sonnet-4-20250514")
    assert signals({}).output_tokens_for(gpt) == 1000
    assert signals({"n": 3}).output_tokens_for(gpt) == 3000
    assert signals({"max_completion_tokens": 1000}).output_tokens_for(o3) == 1000  # the cap bounds reasoning
    assert signals({}).output_tokens_for(o3) == 1000 + 4096
    assert signals({"reasoning_effort": "high"}).output_tokens_for(o3) == 1000 + 16384
    assert signals({"verbosity": "low"}).output_tokens_for(gpt) == 500
    assert signals({"thinking": {"type": "enabled", "budget_tokens": 8000}}).output_tokens_for(claude) == 9000
    base = signals({}).cost_for(gpt)
    assert signals({"service_tier": "flex"}).cost_for(gpt) == base / 2
    assert signals({"service_tier": "priority"}).cost_for(gpt) == base * 2
    assert signals({"service_tier": "priority"}).cost_for(claude) == signals({}).cost_for(claude)

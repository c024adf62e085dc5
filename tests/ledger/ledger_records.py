"""Records for the ledger tests, built deterministically."""

from __future__ import annotations

from typing import Any

from turnout.ledger import UsageRecord


def make_record(
    i: int, *, prefix: str = "req", ts: float = 1_700_000_000.0, **overrides: Any
) -> UsageRecord:
    fields: dict[str, Any] = {
        "request_id": f"{prefix}-{i:08d}",
        "ts": ts + i,
        "key_id": f"key{i % 3}" if i % 4 else None,
        "model_requested": "auto",
        "model_used": ("gpt-4o-mini", "claude-3-haiku", "local/qwen")[i % 3],
        "rule": "default",
        "prompt_tokens": 100 + i,
        "completion_tokens": 10 + i % 7,
        "cached_tokens": i % 5,
        "tokens_estimated": i % 6 == 0,
        "cost_usd": 0.001 * (i % 3),
        "saved_usd": 0.0005 if i % 10 == 0 else 0.0,
        "latency_ms": float(100 + i % 50),
        "ttft_ms": float(20 + i % 9) if i % 2 else None,
        "cache": ("miss", "hit", "semantic", "off")[i % 4],
        "fallbacks": i % 2,
        "status": 502 if i % 17 == 0 else 200,
        "sensitivity": ("public", "internal", "confidential")[i % 3],
        "error": "upstream 502" if i % 17 == 0 else None,
    }
    fields.update(overrides)
    return UsageRecord(**fields)

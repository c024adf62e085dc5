"""Fixtures for the reliability suite: the gateway server of tests/server, a fault-injecting
upstream, and Redis key prefixes that are cleaned up."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from server.conftest import RunningServer, free_port, serve  # noqa: F401 - fixtures reused

from .faulty_upstream import FaultyUpstream

REDIS_URL = "redis://127.0.0.1:6379/0"


def purge(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match="{" + prefix + "}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"turnout-test-{secrets.token_hex(6)}"
    yield prefix
    purge(prefix)


@pytest.fixture
def upstream() -> Iterator[FaultyUpstream]:
    up = FaultyUpstream().start()
    yield up
    up.stop()


def openai_model(name: str, url: str, **kw: object) -> dict[str, object]:
    """A model served by an OpenAI-compatible upstream at ``url``."""
    return {"name": name, "provider": "openai", "api_base": url, "api_key": "sk-test", "local": False,
            "tier": 2, "input_per_mtok": 1.0, "output_per_mtok": 2.0, **kw}

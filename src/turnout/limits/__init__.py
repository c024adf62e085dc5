"""Budgets, rate limits and shared model health.

    store = open_limit_store("redis://127.0.0.1:6379/0")   # or None / "memory"
    res = await store.reserve([BudgetScope("key:key_ab12cd34", 10.0, "daily")], estimate_usd)
    try:
        answer = await call_model()
    except Exception:
        await store.release(res)
        raise
    await store.commit(res, actual_usd)

The budget rule, the rate-limit algorithm and the failure modes are documented in
``turnout.limits.base`` and ``turnout.limits.redis_store``. The Redis backends import redis
only when built, so ``import turnout.limits`` stays light.
"""

from __future__ import annotations

from typing import Any

from turnout.limits.base import (
    PERIODS,
    BudgetScope,
    BudgetUsage,
    Clock,
    HealthStore,
    LimitStore,
    LimitStoreUnavailableError,
    Period,
    Reservation,
    window_of,
)
from turnout.limits.memory import MemoryHealthStore, MemoryLimitStore

__all__ = [
    "PERIODS",
    "BudgetScope",
    "BudgetUsage",
    "Clock",
    "HealthStore",
    "LimitStore",
    "LimitStoreUnavailableError",
    "MemoryHealthStore",
    "MemoryLimitStore",
    "Period",
    "Reservation",
    "open_health_store",
    "open_limit_store",
    "window_of",
]


def _is_redis(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("redis://", "rediss://", "unix://"))


def split_prefix(url: str, prefix: str) -> tuple[str, str]:
    """``redis://host/0?prefix=team-a`` -> (``redis://host/0``, ``team-a``): deployments (and
    tests) sharing one Redis keep apart by key prefix. redis-py rejects unknown URL options."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    found = [v for k, v in query if k == "prefix"]
    if not found:
        return url, prefix
    rest = urlencode([(k, v) for k, v in query if k != "prefix"])
    return urlunsplit(parts._replace(query=rest)), found[-1]


def open_limit_store(url: str | None = None, *, prefix: str = "turnout", **kw: Any) -> LimitStore:
    """``None``/``"memory"``: this process only; ``redis://...``: shared by every process."""
    if _is_redis(url):
        from turnout.limits.redis_store import RedisLimitStore

        url, prefix = split_prefix(str(url), prefix)
        return RedisLimitStore(url, prefix=prefix, **kw)
    if url not in (None, "", "memory"):
        from turnout.errors import ConfigError

        raise ConfigError(f"unsupported limit store {url!r}; use 'memory' or a redis:// URL")
    return MemoryLimitStore(**kw)


def open_health_store(url: str | None = None, *, prefix: str = "turnout", **kw: Any) -> HealthStore:
    """Same choice as ``open_limit_store``, for the router's circuit-breaker state."""
    if _is_redis(url):
        from turnout.limits.redis_store import RedisHealthStore

        url, prefix = split_prefix(str(url), prefix)
        return RedisHealthStore(url, prefix=prefix, **kw)
    if url not in (None, "", "memory"):
        from turnout.errors import ConfigError

        raise ConfigError(f"unsupported health store {url!r}; use 'memory' or a redis:// URL")
    return MemoryHealthStore(**kw)

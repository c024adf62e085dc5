"""Liveness and readiness, as load balancers and Kubernetes probe them.

    GET /health/live    200 while the process serves HTTP at all (restart it when this fails)
    GET /health/ready   200 when every configured dependency answers, else 503 with each
                        dependency's state (take the gateway out of rotation, don't restart it)
    GET /health         the models' state (kept for existing monitors)

Readiness probes only what is configured: Redis (``server.redis_url``: budgets, rate limits,
health), the ledger database (SQLite or PostgreSQL), a Redis cache. Each probe has its own
short timeout, and they run concurrently, so a hung dependency costs one timeout, not a hang.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

PROBE_TIMEOUT_S = 2.0


async def _timed(name: str, probe: Any) -> tuple[str, dict[str, Any]]:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(probe, PROBE_TIMEOUT_S)
        state: dict[str, Any] = {"ok": True}
        if detail:
            state.update(detail)
    except TimeoutError:
        state = {"ok": False, "error": f"no answer within {PROBE_TIMEOUT_S:g}s"}
    except Exception as exc:  # any failure is "not ready", reported, never raised
        state = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    state["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return name, state


async def _redis(client: Any) -> None:
    await client.ping()


async def _ledger(ledger: Any) -> dict[str, Any]:
    store = getattr(ledger, "store", None)
    if store is not None and hasattr(store, "ping"):
        await asyncio.to_thread(store.ping)
    stats = ledger.stats()
    return {"pending_records": stats.pending}


async def _cache(cache: Any) -> None:
    if not cache.healthy:
        raise ConnectionError("the cache backend is unreachable (answers are served uncached)")


def _probes(gateway: Any) -> dict[str, Any]:
    probes: dict[str, Any] = {}
    if gateway.config.server.redis_url:
        client = getattr(gateway.limits, "redis", None)
        if client is not None:
            probes["redis"] = _redis(client)
    if gateway.config.ledger.enabled:
        ledger = gateway.ledger
        if ledger is not None:
            probes["ledger"] = _ledger(ledger)
    cache = gateway.cache
    if cache is not None and str(gateway.config.cache.backend).startswith(("redis://", "rediss://")):
        probes["cache"] = _cache(cache)
    return probes


async def readiness(gateway: Any) -> tuple[bool, dict[str, Any]]:
    """(ready, body): body names every probed dependency with ok, latency and the error."""
    probes = _probes(gateway)
    results = dict(await asyncio.gather(*(_timed(n, p) for n, p in probes.items())))
    ready = all(r["ok"] for r in results.values())
    return ready, {"status": "ready" if ready else "not_ready", "checks": results}


def liveness() -> dict[str, Any]:
    return {"status": "ok"}

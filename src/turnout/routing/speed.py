"""Output speed per model: tokens per second (EWMA), beside the health store's latency and
time-to-first-token EWMAs, shared through Redis when the gateways share one.

A stream measures it exactly: completion tokens over the time from the first content chunk to
the end. A plain call knows only the total: its completion tokens over (latency - the model's
TTFT estimate), or over the whole latency when no TTFT is known yet (a lower bound).

Reads are synchronous (a local mirror), as routing reads every candidate on every request.
Samples fold into the local estimate at once; at most once a second per model the local
estimate goes to Redis as one sample of the shared EWMA (one small Lua script, which returns
the shared value), so the hot path does not pay a round trip per request. The mirror refreshes
from Redis at most once a second. Redis down: the mirror keeps answering, writes stay local.

    {p}:s:tps   hash  model -> tokens/s EWMA
"""

from __future__ import annotations

import time
from typing import Any

from turnout.limits.base import EWMA_ALPHA, Clock, ewma

_FOLD = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
local v = tonumber(ARGV[2])
if old then v = tonumber(ARGV[3]) * v + (1 - tonumber(ARGV[3])) * tonumber(old) end
redis.call('HSET', KEYS[1], ARGV[1], tostring(v))
return tostring(v)
"""

MIN_TOKENS = 8  # fewer tokens say more about overhead than about speed


class SpeedTracker:
    def __init__(self, redis_url: str | None = None, *, prefix: str = "turnout", clock: Clock | None = None) -> None:
        self._tps: dict[str, float] = {}
        self.clock: Clock = clock or time.monotonic
        self._url = redis_url
        self._redis: Any = None  # connected on first use: a router that never answers opens nothing
        self._key = "{" + prefix + "}:s:tps"
        self._refreshed = 0.0
        self._pushed: dict[str, float] = {}  # model -> when its estimate last went to Redis

    def _client(self) -> Any:
        if self._redis is None and self._url:
            from turnout.limits.redis_store import make_client

            self._redis = make_client(self._url)
            self._fold = self._redis.register_script(_FOLD)
        return self._redis

    def tokens_per_s(self, model: str) -> float | None:
        return self._tps.get(model)

    @staticmethod
    def sample(completion_tokens: int, generation_ms: float) -> float | None:
        if completion_tokens < MIN_TOKENS or generation_ms <= 0:
            return None
        return completion_tokens / (generation_ms / 1000.0)

    async def record(self, model: str, completion_tokens: int, generation_ms: float) -> None:
        value = self.sample(completion_tokens, generation_ms)
        if value is None:
            return
        local = self._tps[model] = ewma(self._tps.get(model), value)
        now = self.clock()
        if self._client() is None or now - self._pushed.get(model, float("-inf")) < 1.0:
            return
        self._pushed[model] = now
        try:
            shared = await self._fold(keys=[self._key], args=[model, repr(local), repr(EWMA_ALPHA)])
            self._tps[model] = float(shared)
            await self._maybe_refresh()
        except Exception:  # Redis down: the local estimate stands
            return

    async def _maybe_refresh(self) -> None:
        now = self.clock()
        if now - self._refreshed >= 1.0:
            self._refreshed = now
            await self.refresh()

    async def refresh(self) -> None:
        """Load every model's shared estimate (other gateways' measurements too)."""
        if self._client() is None:
            return
        try:
            values = await self._redis.hgetall(self._key)
        except Exception:
            return
        for model, value in values.items():
            self._tps[model] = float(value)

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()

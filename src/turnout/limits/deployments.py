"""Per-deployment rpm/tpm for load-balanced model groups, per process or shared through Redis.

A deployment (one entry of a model group: an API key, a region, a server) may carry ``rpm``
and ``tpm`` limits, as in LiteLLM's Router. ``admit`` takes one request and its estimated
tokens for the current minute if both still fit, atomically (one Lua script on Redis, so two
gateways cannot both take the last request of a minute); otherwise it takes nothing and says
how long until the window resets. Fixed one-minute windows, as the providers count them.

Keys (new; the budget and health keys of ``redis_store`` are untouched):

    {p}:d:<deployment>:<minute>   hash  r (requests), t (tokens); expires after two minutes

Redis down: ``admit`` admits (a deployment limit protects the upstream's quota, not money;
the upstream's own 429 still reaches the fallback logic) and logs once.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from turnout.limits.base import Clock

log = logging.getLogger("turnout.limits")

WINDOW_S = 60


class DeploymentUsage(Protocol):
    async def admit(self, deployment: str, rpm: int | None, tpm: int | None, tokens: int) -> float | None:
        """Take one request of ``tokens`` if it fits; None when admitted, else seconds to wait."""

    async def add_tokens(self, deployment: str, delta: int) -> None:
        """Correct the minute's token count once the real usage is known."""

    def current(self, deployment: str) -> tuple[int, int]:
        """(requests, tokens) this minute, as last seen by this process (cheap, sync)."""


class MemoryDeploymentUsage:
    def __init__(self, *, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or time.time
        self._windows: dict[str, tuple[int, int, int]] = {}  # name -> (minute, requests, tokens)

    def _get(self, deployment: str) -> tuple[int, int, int]:
        minute = int(self.clock() // WINDOW_S)
        window = self._windows.get(deployment)
        if window is None or window[0] != minute:
            window = (minute, 0, 0)
        return window

    async def admit(self, deployment: str, rpm: int | None, tpm: int | None, tokens: int) -> float | None:
        minute, requests, used = self._get(deployment)
        if (rpm is not None and requests + 1 > rpm) or (tpm is not None and used + tokens > tpm):
            return (minute + 1) * WINDOW_S - self.clock()
        self._windows[deployment] = (minute, requests + 1, used + tokens)
        return None

    async def add_tokens(self, deployment: str, delta: int) -> None:
        minute, requests, used = self._get(deployment)
        self._windows[deployment] = (minute, requests, max(0, used + delta))

    def current(self, deployment: str) -> tuple[int, int]:
        _, requests, used = self._get(deployment)
        return requests, used


# KEYS[1]: the window hash. ARGV: rpm (0 = none), tpm (0 = none), tokens, ttl s.
_ADMIT = """
local r = tonumber(redis.call('HGET', KEYS[1], 'r') or '0')
local t = tonumber(redis.call('HGET', KEYS[1], 't') or '0')
local rpm, tpm, tok = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if (rpm > 0 and r + 1 > rpm) or (tpm > 0 and t + tok > tpm) then
  return {0, r, t}
end
redis.call('HINCRBY', KEYS[1], 'r', 1)
redis.call('HINCRBY', KEYS[1], 't', tok)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {1, r + 1, t + tok}
"""


class RedisDeploymentUsage:
    def __init__(self, url_or_client: Any, *, prefix: str = "turnout", clock: Clock | None = None) -> None:
        if isinstance(url_or_client, str):
            from turnout.limits.redis_store import make_client

            url_or_client = make_client(url_or_client)
        self._redis = url_or_client
        self._prefix = "{" + prefix + "}"
        self.clock: Clock = clock or time.time
        self._admit = self._redis.register_script(_ADMIT)
        self._seen: dict[str, tuple[int, int, int]] = {}
        self._warned = False

    def _key(self, deployment: str, minute: int) -> str:
        return f"{self._prefix}:d:{deployment}:{minute}"

    async def admit(self, deployment: str, rpm: int | None, tpm: int | None, tokens: int) -> float | None:
        now = self.clock()
        minute = int(now // WINDOW_S)
        try:
            ok, requests, used = await self._admit(keys=[self._key(deployment, minute)],
                                                   args=[rpm or 0, tpm or 0, max(0, tokens), 2 * WINDOW_S])
        except Exception as exc:  # Redis down: admit, say so once
            if not self._warned:
                self._warned = True
                log.warning("deployment limits unavailable (%s); admitting without them", exc)
            return None
        self._seen[deployment] = (minute, int(requests), int(used))
        return None if int(ok) == 1 else (minute + 1) * WINDOW_S - now

    async def add_tokens(self, deployment: str, delta: int) -> None:
        if not delta:
            return
        minute = int(self.clock() // WINDOW_S)
        try:
            await self._redis.hincrby(self._key(deployment, minute), "t", delta)
        except Exception:  # a correction only; the next window starts clean anyway
            return

    def current(self, deployment: str) -> tuple[int, int]:
        seen = self._seen.get(deployment)
        if seen is None or seen[0] != int(self.clock() // WINDOW_S):
            return 0, 0
        return seen[1], seen[2]

    async def aclose(self) -> None:
        close = getattr(self._redis, "aclose", None)
        if close is not None:
            await close()


def open_deployment_usage(url: str | None, *, prefix: str = "turnout", clock: Clock | None = None) -> DeploymentUsage:
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        from turnout.limits import split_prefix

        url, prefix = split_prefix(url, prefix)  # redis://h/0?prefix=team-a
        return RedisDeploymentUsage(url, prefix=prefix, clock=clock)
    return MemoryDeploymentUsage(clock=clock)

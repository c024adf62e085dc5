"""Live speed per model: time to first token (TTFT) and output tokens per second, each an
EWMA measured on every answered call, kept in memory and shared through Redis when the
gateways share one. Routing predicts a request's latency from them (policy/engine.py:
``TTFT + expected output tokens / tokens per second``) for ``choose: fastest``, the
``lowest_latency`` group strategy and a request's ``max_latency_ms``.

What a call tells:

- a stream, everything: TTFT is the time to its first content chunk; tokens/s its completion
  tokens over the time from that chunk to the end.
- a plain call, only its total latency L for its N completion tokens (L = TTFT + N / speed,
  one equation for two unknowns). A short answer (N < ``MIN_TOKENS``) is mostly overhead: L is a
  TTFT sample ("TTFT ~ total latency"), less N / speed once a speed is known. A longer one is a speed sample, N / (L - TTFT) with the
  model's TTFT estimate, or N / L while none is known (a lower bound; the prediction for an
  answer of that length is then L again, so it neither under- nor double-counts).
- every call, its answer length: an EWMA of completion tokens, so the prediction expects what
  the model usually writes, capped by the request's output budget (``max_tokens``), instead of
  the whole budget (a 1,024-token default budget would make every model look slow).

Reads are synchronous (a local mirror), as routing reads every candidate on every request.
Samples fold into the local estimate at once; at most once a second per model the local
estimates go to Redis as one sample of the shared EWMAs (one small Lua script, which returns
the shared values), so the hot path does not pay a round trip per request. The mirror
refreshes from Redis at most once a second. Redis down: the mirror keeps answering, writes
stay local.

    {p}:s:ttft  hash  model -> TTFT ms EWMA
    {p}:s:tps   hash  model -> tokens/s EWMA
    {p}:s:out   hash  model -> completion tokens EWMA
"""

from __future__ import annotations

import time
from typing import Any

from turnout.limits.base import EWMA_ALPHA, Clock, ewma

# KEYS: ttft, tps, out. ARGV: model, alpha, then one value per key ('' = no sample).
# Returns the shared value of each key ('' = none yet).
_FOLD = """
local out = {}
for i = 1, 3 do
  local v = ARGV[i + 2]
  local old = redis.call('HGET', KEYS[i], ARGV[1])
  if v ~= '' then
    local x = tonumber(v)
    if old then x = tonumber(ARGV[2]) * x + (1 - tonumber(ARGV[2])) * tonumber(old) end
    old = tostring(x)
    redis.call('HSET', KEYS[i], ARGV[1], old)
  end
  out[i] = old or ''
end
return out
"""

MIN_TOKENS = 8  # fewer tokens say more about overhead than about speed
PUSH_EVERY_S = 1.0  # per model, local estimates go to the shared EWMAs at most this often
REFRESH_EVERY_S = 1.0


class SpeedTracker:
    def __init__(self, redis_url: str | None = None, *, prefix: str = "turnout", clock: Clock | None = None) -> None:
        # metric -> model -> EWMA; the metrics in the order of the Redis keys and the script
        self._ttft: dict[str, float] = {}
        self._tps: dict[str, float] = {}
        self._out: dict[str, float] = {}
        self._tables = (self._ttft, self._tps, self._out)
        self.clock: Clock = clock or time.monotonic
        if redis_url:
            from turnout.limits import split_prefix

            redis_url, prefix = split_prefix(redis_url, prefix)  # redis://h/0?prefix=team-a
        self._url = redis_url
        self._redis: Any = None  # connected on first use: a router that never answers opens nothing
        self._keys = ["{" + prefix + "}:s:" + m for m in ("ttft", "tps", "out")]
        self._refreshed = float("-inf")
        self._pushed: dict[str, float] = {}  # model -> when its estimates last went to Redis

    def _client(self) -> Any:
        if self._redis is None and self._url:
            from turnout.limits.redis_store import make_client

            self._redis = make_client(self._url)
            self._fold = self._redis.register_script(_FOLD)
        return self._redis

    # -- reads (routing) ----------------------------------------------------------------
    def ttft_ms(self, model: str) -> float | None:
        return self._ttft.get(model)

    def tokens_per_s(self, model: str) -> float | None:
        return self._tps.get(model)

    def answer_tokens(self, model: str) -> float | None:
        """How many completion tokens the model's answers have (EWMA)."""
        return self._out.get(model)

    def readings(self, model: str) -> tuple[float | None, float | None, float | None]:
        """(TTFT ms, tokens/s, answer tokens) at once: routing reads all three of every
        configured model on every request (one call, not three)."""
        return self._ttft.get(model), self._tps.get(model), self._out.get(model)

    # -- samples --------------------------------------------------------------------------
    @staticmethod
    def sample(completion_tokens: int, generation_ms: float) -> float | None:
        seconds = generation_ms / 1000.0  # (a subnormal time divided is 0: no sample, not a crash)
        if completion_tokens < MIN_TOKENS or seconds <= 0:
            return None
        return completion_tokens / seconds

    async def observe_stream(self, model: str, ttft_ms: float, generation_ms: float, completion_tokens: int) -> None:
        """A streamed answer: exact TTFT, speed from the first chunk to the end."""
        if self.note_stream(model, ttft_ms, generation_ms, completion_tokens):
            await self.push(model)

    async def observe_call(self, model: str, latency_ms: float, completion_tokens: int) -> None:
        """A plain (non-streamed) answer: only its total latency is known."""
        if self.note_call(model, latency_ms, completion_tokens):
            await self.push(model)

    async def record(self, model: str, completion_tokens: int, generation_ms: float) -> None:
        """A speed sample alone (tokens over generation time)."""
        if self.fold(model, None, self.sample(completion_tokens, generation_ms), None):
            await self.push(model)

    # The request path folds without a coroutine (``note_*``, then ``push`` only when one is
    # due: at most once a second per model, and never without Redis): three coroutines a
    # request were most of the fold's cost (issue 17).
    def note_stream(self, model: str, ttft_ms: float, generation_ms: float, completion_tokens: int) -> bool:
        """``observe_stream``'s local fold; True when ``push(model)`` is due."""
        return self.fold(model, max(ttft_ms, 0.0), self.sample(completion_tokens, generation_ms), completion_tokens)

    def note_call(self, model: str, latency_ms: float, completion_tokens: int) -> bool:
        """``observe_call``'s local fold; True when ``push(model)`` is due."""
        if completion_tokens < MIN_TOKENS:
            # mostly overhead: TTFT ~ latency, less the few tokens' time when the speed is known
            tps = self._tps.get(model)
            writing = completion_tokens / tps * 1000.0 if tps else 0.0
            return self.fold(model, max(latency_ms - writing, 0.0), None, completion_tokens)
        ttft = self._ttft.get(model)
        ttft = ttft if ttft is not None and ttft < latency_ms else 0.0
        return self.fold(model, None, self.sample(completion_tokens, latency_ms - ttft), completion_tokens)

    def fold(self, model: str, ttft_ms: float | None, tps: float | None, tokens: int | None) -> bool:
        """Fold samples into the local estimates at once. True when the model's estimates are
        due to go to Redis (``push``): shared through Redis, and not pushed this last second."""
        if ttft_ms is not None:
            self._ttft[model] = ewma(self._ttft.get(model), ttft_ms)
        if tps is not None:
            self._tps[model] = ewma(self._tps.get(model), tps)
        if tokens is not None:
            self._out[model] = ewma(self._out.get(model), float(tokens))
        if not self._url:
            return False
        now = self.clock()
        if now - self._pushed.get(model, float("-inf")) < PUSH_EVERY_S:
            return False
        self._pushed[model] = now
        return True

    async def push(self, model: str) -> None:
        """The model's local estimates as one sample of the shared EWMAs, whose values come
        back into the mirror (then, at most once a second, every model's)."""
        if self._client() is None:
            return
        args = [model, repr(EWMA_ALPHA)]
        args += ["" if (v := table.get(model)) is None else repr(v) for table in self._tables]
        try:
            shared = await self._fold(keys=self._keys, args=args)
            for table, value in zip(self._tables, shared, strict=True):
                if value not in ("", b""):
                    table[model] = float(value)
            await self._maybe_refresh()
        except Exception:  # Redis down: the local estimates stand
            return

    async def _maybe_refresh(self) -> None:
        now = self.clock()
        if now - self._refreshed >= REFRESH_EVERY_S:
            self._refreshed = now
            await self.refresh()

    async def refresh(self) -> None:
        """Load every model's shared estimates (other gateways' measurements too)."""
        if self._client() is None:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in self._keys:
                    pipe.hgetall(key)
                values = await pipe.execute()
        except Exception:
            return
        for table, shared in zip(self._tables, values, strict=True):
            for model, value in shared.items():
                table[model if isinstance(model, str) else model.decode()] = float(value)

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()

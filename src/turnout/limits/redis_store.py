"""Redis backends: budgets, rate limits and model health shared by several gateway processes.

Every read-check-write is one Lua script, so concurrent processes cannot both take the last
dollar. Times come from the caller's clock (an argument of the script), which keeps the
backends interchangeable and testable with a fake clock; gateway hosts are assumed to run NTP
(a skew of a second shifts a rate limit or a daily reset by that second, nothing worse).

Keys live under ``{prefix}`` (a Redis Cluster hash tag: one slot, so multi-key scripts work):

    {p}:b:<scope>:<window>   hash  spent, reserved (nano-USD), seq
    {p}:z:<scope>:<window>   zset  reservation id -> expiry (epoch s)
    {p}:a:<scope>:<window>   hash  reservation id -> amount (nano-USD)
    {p}:r:<key id>           hash  GCRA state: r (rpm tat µs), t (tpm tat µs), ti (µs/token)
    {p}:h:fail|cool|lat|ttft hash  model -> consecutive failures | cooldown end | EWMAs

Expired reservations are swept by every script that touches their window (at most 256 a call,
oldest first), so a dead process' holds disappear within ``ttl_s`` of its last request.

Round trips (``limits/batch.py``): every script goes through the process's batcher for this
Redis URL, so the scripts of all requests of one event-loop turn (and the response cache's
reads when it lives on the same Redis) travel in one pipeline. ``settle``, the gateway's call
after the answer, does not wait: its script rides along with the next pipeline (or goes after
10 ms at most). Until it lands the reservation still holds the estimate, so the
budget bound of ``limits/base.py`` is unchanged; a process killed in that gap loses those
commits, and their reservations expire after ``ttl_s``.

Redis down: ``reserve`` and ``check_rate`` raise ``LimitStoreUnavailableError`` (503): budgets
fail closed. ``commit`` and ``settle`` never raise: the request was answered, so its cost is
kept in memory and replayed ahead of the next call (a reservation that expired meanwhile is not
subtracted twice). Health reads keep answering from the local mirror, health writes fall back
to local counting.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from turnout.errors import BadRequestError
from turnout.limits.base import (
    EWMA_ALPHA,
    NANO,
    US,
    BudgetScope,
    BudgetUsage,
    Clock,
    HealthStore,
    LimitStore,
    LimitStoreUnavailableError,
    RateCheck,
    Reservation,
    budget_refusal,
    ewma,
    rate_refusal,
    to_nano_actual,
    window_of,
)
from turnout.limits.batch import Run, Script, SharedBatcher

log = logging.getLogger("turnout.limits")

# Keep window keys a day past their reset: late commits still land, reporting can look back.
WINDOW_GRACE_S = 86400
MAX_PENDING_COMMITS = 100_000
# How old remaining_usd's answer may be (a routing hint; reservations enforce the budgets):
# long enough that a busy worker reads usage a few times a second, not once per request.
REMAINING_MAX_AGE_S = 0.25

# Lua helpers: numbers go back to Redis as plain integer strings ('%.0f'), never "1e+15",
# and never "-0": string.format('%.0f', -0) gives "-0", which HINCRBY rejects (a $0 model's
# zero reservation would fail every commit and sweep).
_LUA_S = "local function s(x) if x == 0 then return '0' end return string.format('%.0f', x) end\n"
# What changes on every request travels as one argument, its values separated by spaces (one
# argument to encode instead of five to ten; see limits/batch.py): fields() splits it.
_LUA_FIELDS = """
local function fields(x)
  local f = {}
  for v in string.gmatch(x, '%S+') do f[#f+1] = v end
  return f
end
"""
_LUA_SWEEP = _LUA_S + _LUA_FIELDS + """
local function sweep(b, z, a, now)
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', now, 'LIMIT', 0, 256)
  for _, m in ipairs(old) do
    local v = redis.call('HGET', a, m)
    if v then
      redis.call('HINCRBY', b, 'reserved', s(-tonumber(v)))
      redis.call('HDEL', a, m)
    end
    redis.call('ZREM', z, m)
  end
end
"""

# Budgets, in functions the scripts below share. Scope i (1..n) uses KEYS[3i-2..3i] (b, z, a)
# and ARGV[o+2i] (limit), ARGV[o+2i+1] (the window's reset, epoch s, or 0), ``o`` set by each
# script. A window's keys live a day past its reset (late commits still land, reporting can look
# back), never less than an hour, counted from the caller's ``now`` (a test's fake clock too):
# the arguments of a scope are then the same on every request of its window, so the store sends
# them pre-encoded (``Run``).
_LUA_BUDGET = _LUA_SWEEP + """
local function ttl(reset, now)
  if reset == '0' then return nil end
  return s(math.max(3600, math.ceil(tonumber(reset) + GRACE - tonumber(now))))
end
local function budget_check(n, now, amount, o)
  for i = 1, n do
    local b, z, a = KEYS[3*i-2], KEYS[3*i-1], KEYS[3*i]
    sweep(b, z, a, now)
    local limit = tonumber(ARGV[o+2*i])
    local v = redis.call('HMGET', b, 'spent', 'reserved')
    local spent, reserved = tonumber(v[1]) or 0, tonumber(v[2]) or 0
    if not (spent + reserved + amount <= limit and spent + reserved < limit) then
      return i, spent, reserved
    end
  end
  return nil
end
local function budget_hold(n, rid, amount, exp, now, o, out)
  for i = 1, n do
    local b, z, a = KEYS[3*i-2], KEYS[3*i-1], KEYS[3*i]
    local limit = tonumber(ARGV[o+2*i])
    local reserved = redis.call('HINCRBY', b, 'reserved', s(amount))
    local seq = redis.call('HINCRBY', b, 'seq', 1)
    local spent = tonumber(redis.call('HGET', b, 'spent')) or 0
    redis.call('HSET', a, rid, s(amount))
    redis.call('ZADD', z, exp, rid)
    local ea = ttl(ARGV[o+2*i+1], now)
    if ea then
      redis.call('EXPIRE', b, ea)
      redis.call('EXPIRE', z, ea)
      redis.call('EXPIRE', a, ea)
    end
    out[#out+1] = seq
    out[#out+1] = s(limit - spent - reserved)
  end
  -- One string, not an array: the client parses one answer, not 2n+1.
  return table.concat(out, ' ')
end
-- Commit (actual > 0) or release (0) rid on n scopes; ARGV[o+i] = the window's reset (or 0).
-- Once per rid: a settle that timed out (a Redis stall) may have landed and is sent again, so
-- a settled hold leaves a marker '~rid' in z alone (no amount in a; swept at the hold's expiry)
-- and a second settle of the same rid changes nothing.
local function settle_all(n, rid, actual, now, o)
  local out = {}
  local mark = '~' .. rid
  for i = 1, n do
    local b, z, a = KEYS[3*i-2], KEYS[3*i-1], KEYS[3*i]
    local v = redis.call('HGET', a, rid)
    if v or not redis.call('ZSCORE', z, mark) then
      if v then
        local exp = redis.call('ZSCORE', z, rid)
        redis.call('HINCRBY', b, 'reserved', s(-tonumber(v)))
        redis.call('HDEL', a, rid)
        if exp then redis.call('ZADD', z, exp, mark) end
      end
      redis.call('ZREM', z, rid)
      if tonumber(actual) ~= 0 then
        redis.call('HINCRBY', b, 'spent', actual)
      end
    end
    out[i] = redis.call('HINCRBY', b, 'seq', 1)
    local ea = ttl(ARGV[o+i], now)
    if ea then redis.call('EXPIRE', b, ea) end
  end
  return out
end
""".replace("GRACE", str(WINDOW_GRACE_S))

# GCRA, both limits of one key at once (see base.py), split in check and write so a script can
# check every limit before it changes any. State: r (rpm tat µs), t (tpm tat µs), ti (µs/token).
_LUA_RATE = """
local MIN = 60000000
local function rate_check(key, now, rpm, tpm, tokens)
  local v = redis.call('HMGET', key, 'r', 't')
  local rtat, ttat = tonumber(v[1]) or 0, tonumber(v[2]) or 0
  local nr, nt = rtat, ttat
  if rpm > 0 then
    nr = math.max(rtat, now) + math.floor(MIN / rpm + 0.5)
    if nr - now - MIN > 0 then return false, 'requests', nr - now - MIN end
  end
  if tpm > 0 then
    nt = math.max(ttat, now) + math.floor(tokens * MIN / tpm + 0.5)
    if nt - now - MIN > 0 then return false, 'tokens', nt - now - MIN end
  end
  return true, nr, nt
end
local function rate_write(key, now, rpm, tpm, nr, nt)
  if tpm > 0 then redis.call('HSET', key, 't', s(nt), 'ti', string.format('%.6f', MIN / tpm)) end
  if rpm > 0 then redis.call('HSET', key, 'r', s(nr)) end
  redis.call('PEXPIRE', key, s(math.floor((math.max(nr, nt) - now) / 1000) + 60000))
end
local function add_tokens(key, now, delta)
  local v = redis.call('HMGET', key, 't', 'ti')
  local tat, ti = tonumber(v[1]), tonumber(v[2])
  if not tat or not ti then return 0 end
  local shift = math.floor(delta * ti + 0.5)
  if delta > 0 then tat = math.max(tat, now) + shift else tat = math.max(now, tat + shift) end
  redis.call('HSET', key, 't', s(tat))
  redis.call('PEXPIRE', key, s(math.floor(math.max(tat - now, 0) / 1000) + 60000))
  return 1
end
"""

# KEYS: (b, z, a) per scope. ARGV: n, "now rid amount expires_at", then (limit, reset or 0) per
# scope. Returns {0, i, spent, reserved} (scope i refused) or "1 seq remaining ..." ((seq,
# remaining) per scope).
_RESERVE = _LUA_BUDGET + """
local n, f = tonumber(ARGV[1]), fields(ARGV[2])
local now, rid, amount, exp = f[1], f[2], tonumber(f[3]), f[4]
local i, spent, reserved = budget_check(n, now, amount, 1)
if i then return {0, i, s(spent), s(reserved)} end
return budget_hold(n, rid, amount, exp, now, 1, {1})
"""

# KEYS: (b, z, a) per scope. ARGV: n, "rid actual now", then reset (or 0) per scope. Returns seqs.
_SETTLE = _LUA_BUDGET + """
local f = fields(ARGV[2])
return settle_all(tonumber(ARGV[1]), f[1], f[2], f[3], 2)
"""

# KEYS: (b, z, a) per scope. ARGV: now. Returns (spent, reserved, in flight) per scope.
_USAGE = _LUA_SWEEP + """
local out = {}
for i = 1, #KEYS / 3 do
  local b, z, a = KEYS[3*i-2], KEYS[3*i-1], KEYS[3*i]
  sweep(b, z, a, ARGV[1])
  local v = redis.call('HMGET', b, 'spent', 'reserved')
  out[#out+1] = s(tonumber(v[1]) or 0)
  out[#out+1] = s(tonumber(v[2]) or 0)
  out[#out+1] = redis.call('HLEN', a)
end
return out
"""

# KEYS: rate hash. ARGV: now_us, rpm (0 = none), tpm (0 = none), tokens.
# Returns {1} or {0, which, retry_after_us}.
_RATE = _LUA_S + _LUA_RATE + """
local now, rpm, tpm = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local ok, nr, nt = rate_check(KEYS[1], now, rpm, tpm, tonumber(ARGV[4]))
if not ok then return {0, nr, s(nt)} end
rate_write(KEYS[1], now, rpm, tpm, nr, nt)
return {1}
"""

# KEYS: rate hash. ARGV: now_us, delta tokens.
_ADD_TOKENS = _LUA_S + _LUA_RATE + """
return add_tokens(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
"""

# The gateway's admission in one round trip: every rate limit, then every budget, all checked
# before anything is written, so a refusal consumes nothing. ``hit``: the request is answered
# from the cache, so it counts against its rate limits with no tokens, and holds no budget.
# KEYS: (b, z, a) per scope, then one rate hash per rate check.
# ARGV: n, m, "now rid amount expires_at now_us tokens_1 .. tokens_m", then (limit, reset) per
# scope and (rpm, tpm) per rate check (the same on every request: they go pre-encoded). Returns
# {0, 'rate', j, which, retry_after_us}, {0, 'budget', i, spent, reserved} or "1 seq remaining
# ..." ((seq, remaining) per scope); {2} when admitted as a hit.
_LUA_ADMIT = _LUA_BUDGET + _LUA_RATE + """
local function admit(hit)
  local n, m, f = tonumber(ARGV[1]), tonumber(ARGV[2]), fields(ARGV[3])
  local now, rid, amount, exp, now_us = f[1], f[2], tonumber(f[3]), f[4], tonumber(f[5])
  local r = 3 + 2 * n
  local tats = {}
  for j = 1, m do
    local tokens = 0
    if not hit then tokens = tonumber(f[5+j]) end
    local ok, nr, nt = rate_check(KEYS[3*n+j], now_us, tonumber(ARGV[r+2*j-1]),
                                  tonumber(ARGV[r+2*j]), tokens)
    if not ok then return {0, 'rate', j, nr, s(nt)} end
    tats[j] = {nr, nt}
  end
  if not hit then
    local i, spent, reserved = budget_check(n, now, amount, 2)
    if i then return {0, 'budget', i, s(spent), s(reserved)} end
  end
  for j = 1, m do
    rate_write(KEYS[3*n+j], now_us, tonumber(ARGV[r+2*j-1]), tonumber(ARGV[r+2*j]), tats[j][1], tats[j][2])
  end
  if hit then return {2} end
  return budget_hold(n, rid, amount, exp, now, 2, {1})
end
"""
_ADMIT = _LUA_ADMIT + "return admit(false)\n"

# The admission with the response cache's read: KEYS and ARGV as _ADMIT, plus the cache entry's
# key last. Entry there: admitted as a hit, returns {2, entry} (or a rate refusal); else _ADMIT.
_ADMIT_OR_READ = _LUA_ADMIT + """
local entry = redis.call('GET', KEYS[#KEYS])
if not entry then return admit(false) end
local out = admit(true)
if out[1] == 2 then return {2, entry} end
return out
"""

# After the answer in one round trip: commit or release on every scope, then token corrections.
# KEYS: (b, z, a) per scope, then one rate hash per correction.
# ARGV: n, m, "rid actual now now_us delta_1 .. delta_m", then reset per scope. Returns the first
# scope's seq (0 without one): nobody waits for this answer, so it is kept short.
_FINISH = _LUA_BUDGET + _LUA_RATE + """
local n, m, f = tonumber(ARGV[1]), tonumber(ARGV[2]), fields(ARGV[3])
local out = settle_all(n, f[1], f[2], f[3], 3)
for j = 1, m do add_tokens(KEYS[3*n+j], tonumber(f[4]), tonumber(f[4+j])) end
return out[1] or 0
"""

# Cooldowns are stored as "until,since" (epoch s) so a success can tell a probe from a straggler.
# KEYS: fail, cool. ARGV: model, now, cooldown_s, threshold. Returns "until,since" or "0,0".
_FAILURE = """
local f = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
local now = tonumber(ARGV[2])
local cur = redis.call('HGET', KEYS[2], ARGV[1]) or '0,0'
local till = tonumber(string.match(cur, '^([^,]+)'))
if f >= tonumber(ARGV[4]) and till <= now then
  cur = string.format('%.6f,%.6f', now + tonumber(ARGV[3]), now)
  redis.call('HSET', KEYS[2], ARGV[1], cur)
end
return cur
"""

# KEYS: fail, cool, lat, ttft. ARGV: model, now, latency_ms, ttft_ms ('' = none), alpha.
# Returns {lat, ttft or '', cooldown cleared 0/1}.
_SUCCESS = """
redis.call('HDEL', KEYS[1], ARGV[1])
local now, latency = tonumber(ARGV[2]), tonumber(ARGV[3])
local cleared = 0
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur then
  local till, since = string.match(cur, '^([^,]+),([^,]+)$')
  if tonumber(till) <= now or now - latency / 1000 >= tonumber(since) then
    redis.call('HDEL', KEYS[2], ARGV[1])
    cleared = 1
  end
end
local alpha = tonumber(ARGV[5])
local function upd(key, x)
  local old = tonumber(redis.call('HGET', key, ARGV[1]))
  local new = x
  if old then new = alpha * x + (1 - alpha) * old end
  local str = string.format('%.3f', new)
  redis.call('HSET', key, ARGV[1], str)
  return str
end
local lat = upd(KEYS[3], latency)
local ttft = redis.call('HGET', KEYS[4], ARGV[1]) or ''
if ARGV[4] ~= '' then ttft = upd(KEYS[4], tonumber(ARGV[4])) end
return {lat, ttft, cleared}
"""


_S_RESERVE, _S_SETTLE, _S_USAGE = Script(_RESERVE), Script(_SETTLE), Script(_USAGE)
_S_RATE, _S_ADD_TOKENS = Script(_RATE), Script(_ADD_TOKENS)
_S_ADMIT, _S_ADMIT_OR_READ, _S_FINISH = Script(_ADMIT), Script(_ADMIT_OR_READ), Script(_FINISH)


def _text(value: Any) -> str:
    """A script's string answer (bytes from the pool's clients, str from a decoding one)."""
    return value.decode() if isinstance(value, bytes) else str(value)


def _cooldown(value: str) -> tuple[float, float]:
    till, _, since = value.partition(",")
    return float(till), float(since or 0.0)


def _unavailable_types() -> tuple[type[BaseException], ...]:
    import redis.exceptions as rex

    return (rex.ConnectionError, rex.TimeoutError, OSError, asyncio.TimeoutError)


def make_client(url: str, *, timeout_s: float = 1.0) -> Any:
    """An asyncio Redis client that fails fast (the admission path must not hang)."""
    import redis.asyncio as aredis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return aredis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=30,
    )


def _reset_arg(resets_at: float | None) -> str:
    """A window's reset as the scripts take it (their ``ttl``): epoch seconds, or 0 for never."""
    return "0" if resets_at is None else repr(resets_at)


def _tag(prefix: str) -> str:
    if not prefix or any(c in prefix for c in "{}"):
        raise BadRequestError(f"invalid redis key prefix {prefix!r}")
    return "{" + prefix + "}"


class _Window(NamedTuple):
    """A budget window's script arguments, encoded once (they are the same on every request)."""

    keys: Run  # b, z, a
    hold: Run  # limit, reset: reserve and admit
    reset: Run  # reset: settle


# Bounds of the encoded-argument caches (old windows, deleted keys): past it they start afresh.
MAX_CACHED_RUNS = 10_000


class RedisLimitStore(LimitStore):
    """Budgets and rate limits in Redis, shared by every process using the same prefix."""

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "turnout",
        client: Any = None,
        clock: Clock | None = None,
        reservation_ttl_s: float | None = None,
        timeout_s: float = 1.0,
    ):
        kw = {} if reservation_ttl_s is None else {"reservation_ttl_s": reservation_ttl_s}
        super().__init__(clock=clock, **kw)
        self.prefix = prefix
        self._p = _tag(prefix)
        # One batcher per Redis URL in this process (shared with a Redis cache on the same URL).
        self._shared = SharedBatcher(url, connect_timeout_s=timeout_s, timeout_s=timeout_s, client=client)
        # remaining_usd's recent view: (scope, window) -> (spent + reserved nano-USD, monotonic
        # time read). Fed by every admission and usage read, corrected by this process' settles.
        self.remaining_max_age_s = REMAINING_MAX_AGE_S
        self._used: dict[tuple[str, str], tuple[int, float]] = {}
        self._down = _unavailable_types()
        # Settles buffered during an outage: (reservation id, packed _SETTLE command).
        self._pending: deque[tuple[str, bytes]] = deque(maxlen=MAX_PENDING_COMMITS)
        self._windows: dict[tuple[BudgetScope, str], _Window] = {}
        self._rates: dict[tuple[str, int, int], tuple[Run, Run]] = {}  # (id, rpm, tpm) -> key, limits

    async def _run(self, script: Script, packed: bytes) -> Any:
        return await self._shared.get().send(packed, script)

    async def _eval(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        return await self._run(script, script.call(len(keys), *keys, *args))

    @property
    def redis(self) -> Any:
        """The redis-py client under this store's batcher (tests count its round trips)."""
        return self._shared.client

    def _keys(self, scope_name: str, window: str) -> list[str]:
        tail = f"{scope_name}:{window}"
        return [f"{self._p}:b:{tail}", f"{self._p}:z:{tail}", f"{self._p}:a:{tail}"]

    def _window(self, scope: BudgetScope, wid: str, at: float) -> _Window:
        """Scope ``scope``'s window ``wid`` (the one containing ``at``), its arguments encoded."""
        window = self._windows.get((scope, wid))
        if window is None:
            if len(self._windows) >= MAX_CACHED_RUNS:
                self._windows.clear()
            reset = _reset_arg(window_of(scope.period, at)[1])
            window = self._windows[(scope, wid)] = _Window(
                Run.of(*self._keys(scope.name, wid)), Run.of(scope.limit_nano, reset), Run.of(reset))
        return window

    def _rate(self, key_id: str, rpm: int | None, tpm: int | None) -> tuple[Run, Run]:
        """A rate limit's key and limits, encoded."""
        runs = self._rates.get((key_id, rpm or 0, tpm or 0))
        if runs is None:
            if len(self._rates) >= MAX_CACHED_RUNS:
                self._rates.clear()
            runs = self._rates[(key_id, rpm or 0, tpm or 0)] = (
                Run.of(f"{self._p}:r:{key_id}"), Run.of(rpm or 0, tpm or 0))
        return runs

    def _unavailable(self, exc: BaseException) -> LimitStoreUnavailableError:
        return LimitStoreUnavailableError(
            f"the shared limit store (Redis) is unreachable, so budgets and rate limits cannot be "
            f"checked; refusing the request (budgets fail closed): {exc}",
            provider="redis",
        )

    def _replay_pending(self) -> None:
        """Queue the commits buffered during an outage ahead of the caller's script (same
        pipeline, sent first). Each is taken off the buffer as it is queued, so two callers
        never replay one twice, and put back if Redis is still unreachable."""
        batch = self._shared.get()
        n = len(self._pending)
        while self._pending:
            rid, packed = self._pending.popleft()
            batch.send_later(packed, _S_SETTLE, self._buffer_on_outage(rid, _given(packed), "replayed"))
        log.warning("replaying %d budget commits buffered during a Redis outage", n)

    def _buffer_on_outage(self, rid: str, packed: Callable[[], bytes], what: str) -> Callable[[BaseException], None]:
        """An error handler that keeps the commit ``packed()`` (a _SETTLE command, built only
        when needed) for replay when Redis was unreachable."""
        def failed(exc: BaseException) -> None:
            if isinstance(exc, self._down):  # answered: its cost must still be charged
                self._pending.append((rid, packed()))
                log.error("Redis unreachable; %s budget commit %s buffered (%d pending): %s",
                          what, rid, len(self._pending), exc)
            else:
                log.error("budget commit %s failed: %s", rid, exc)

        return failed

    async def reserve(
        self, scopes: Sequence[BudgetScope], estimate_usd: float, *, ttl_s: float | None = None
    ) -> Reservation:
        scopes, amount, ttl, now, rid = self._begin_reservation(scopes, estimate_usd, ttl_s)
        if not scopes:  # no budget applies: nothing to hold, no round trip
            return Reservation(rid, (), (), amount, now, now + ttl)
        wins = [window_of(s.period, now) for s in scopes]
        held = [self._window(scope, wid, now) for scope, (wid, _) in zip(scopes, wins, strict=True)]
        packed = _S_RESERVE.call(3 * len(scopes), *(w.keys for w in held), len(scopes),
                                 f"{now!r} {rid} {amount} {now + ttl!r}", *(w.hold for w in held))
        try:
            if self._pending:
                self._replay_pending()
            out = await self._run(_S_RESERVE, packed)
        except self._down as exc:
            raise self._unavailable(exc) from exc
        if not isinstance(out, bytes | str):  # {0, i, spent, reserved} (str: a decoding client's)
            i = int(out[1]) - 1
            wid, resets = wins[i]
            raise budget_refusal(scopes[i], wid, resets, int(out[2]), int(out[3]), amount, now)
        return self._admitted(rid, scopes, wins, amount, now, ttl, out)

    def _settle_parts(self, reservation: Reservation, actual: int) -> tuple[list[Run], str, list[Run]]:
        """``reservation``'s windows' keys, "rid actual now" and the windows' resets, as the
        settling scripts take them (no keys: nothing to settle)."""
        if reservation.done:
            raise BadRequestError(f"reservation {reservation.id} was already committed or released")
        reservation.done = True
        self._note_settled(reservation, actual)
        held = [self._window(scope, wid, reservation.admitted_at)  # the windows it was admitted in
                for scope, wid in zip(reservation.scopes, reservation.windows, strict=True)]
        return [w.keys for w in held], f"{reservation.id} {actual} {self.clock()!r}", [w.reset for w in held]

    @staticmethod
    def _settle_command(keys: list[Run], fresh: str, resets: list[Run]) -> bytes:
        return _S_SETTLE.call(3 * len(keys), *keys, len(keys), fresh, *resets)

    async def commit(self, reservation: Reservation, actual_usd: float) -> int:
        keys, fresh, resets = self._settle_parts(reservation, to_nano_actual(actual_usd))
        if not keys:
            return 0
        packed = self._settle_command(keys, fresh, resets)
        try:
            if self._pending:
                self._replay_pending()
            out = await self._run(_S_SETTLE, packed)
        except self._down as exc:
            # Answered requests must be charged: keep the commit and replay it later.
            self._pending.append((reservation.id, packed))
            log.error(
                "Redis unreachable; budget commit %s buffered (%d pending): %s",
                reservation.id,
                len(self._pending),
                exc,
            )
            return 0
        return int(out[0])

    async def release(self, reservation: Reservation) -> int:
        keys, fresh, resets = self._settle_parts(reservation, 0)
        if not keys:
            return 0
        try:
            out = await self._run(_S_SETTLE, self._settle_command(keys, fresh, resets))
        except self._down as exc:
            # Harmless: the reservation expires on its own after ttl_s.
            log.warning(
                "Redis unreachable; reservation %s will expire instead: %s", reservation.id, exc
            )
            return 0
        return int(out[0])

    async def usage(self, scope: BudgetScope) -> BudgetUsage:
        now = self.clock()
        wid, resets = window_of(scope.period, now)
        try:
            out = await self._eval(_S_USAGE, self._keys(scope.name, wid), [repr(now)])
        except self._down as exc:
            raise self._unavailable(exc) from exc
        self._used[(scope.name, wid)] = (int(out[0]) + int(out[1]), time.monotonic())
        return BudgetUsage(scope, wid, int(out[0]) / NANO, int(out[1]) / NANO, int(out[2]), resets)

    async def check_rate(
        self, key_id: str, rpm: int | None, tpm: int | None, tokens: int = 0
    ) -> None:
        if not self._rate_applies(key_id, rpm, tpm, tokens):
            return
        now_us = round(self.clock() * US)
        try:
            out = await self._eval(_S_RATE, [f"{self._p}:r:{key_id}"], [now_us, rpm or 0, tpm or 0, tokens])
        except self._down as exc:
            raise self._unavailable(exc) from exc
        if int(out[0]) == 0:
            what = _text(out[1])
            limit = rpm if what == "requests" else tpm
            raise rate_refusal(key_id, what, int(limit or 0), int(out[2]) / US)

    async def add_tokens(self, key_id: str, delta: int) -> None:
        if delta == 0:
            return
        now_us = round(self.clock() * US)
        try:
            await self._eval(_S_ADD_TOKENS, [f"{self._p}:r:{key_id}"], [now_us, int(delta)])
        except self._down as exc:
            log.warning("Redis unreachable; token correction for %s dropped: %s", key_id, exc)

    # -- the gateway's per-request calls, one round trip each --------------------------------
    async def admit(
        self, rates: Sequence[RateCheck], scopes: Sequence[BudgetScope], estimate_usd: float
    ) -> Reservation | None:
        return (await self._admission(rates, scopes, estimate_usd, None))[0]

    def reads_with_admission(self, backend: Any) -> bool:
        from turnout.cache.redis_backend import RedisBackend

        return isinstance(backend, RedisBackend) and backend.shares_batcher(self._shared)

    async def admit_or_read(
        self, rates: Sequence[RateCheck], scopes: Sequence[BudgetScope], estimate_usd: float, key: str
    ) -> tuple[Reservation | None, bytes | None]:
        """``admit``, with the Redis key ``key`` (a response cache entry) read in the same
        script: when the entry is there the request is admitted as a cache hit instead (its
        rate limits with no tokens, no budget) and the entry is returned with no reservation."""
        return await self._admission(rates, scopes, estimate_usd, key)

    async def _admission(
        self, rates: Sequence[RateCheck], scopes: Sequence[BudgetScope], estimate_usd: float, read: str | None
    ) -> tuple[Reservation | None, bytes | None]:
        checks = self._rate_checks(rates)
        scopes, amount, ttl, now, rid = self._begin_reservation(scopes, estimate_usd, None)
        if not scopes and not checks and read is None:
            return None, None
        wins = [window_of(s.period, now) for s in scopes]
        held = [self._window(scope, wid, now) for scope, (wid, _) in zip(scopes, wins, strict=True)]
        limited = [self._rate(key_id, rpm, tpm) for key_id, rpm, tpm, _ in checks]
        keys: list[Any] = [w.keys for w in held] + [key for key, _ in limited]
        if read is not None:
            keys.append(read)
        script = _S_ADMIT if read is None else _S_ADMIT_OR_READ
        fresh = f"{now!r} {rid} {amount} {now + ttl!r} {round(now * US)}"
        for check in checks:
            fresh += f" {check[3]}"
        packed = script.call(
            3 * len(held) + len(limited) + (read is not None), *keys, _counts(len(held), len(limited)),
            fresh, *(w.hold for w in held), *(limits for _, limits in limited))
        try:
            if self._pending:
                self._replay_pending()
            out = await self._run(script, packed)
        except self._down as exc:
            raise self._unavailable(exc) from exc
        if isinstance(out, bytes | str):  # admitted: "1 seq remaining ..."
            if not scopes:
                return None, None
            return self._admitted(rid, scopes, wins, amount, now, ttl, out), None
        if int(out[0]) == 2:
            entry = out[1]
            return None, entry.encode() if isinstance(entry, str) else bytes(entry)
        if _text(out[1]) == "rate":
            key_id, rpm, tpm, _ = checks[int(out[2]) - 1]
            what = _text(out[3])
            limit = rpm if what == "requests" else tpm
            raise rate_refusal(key_id, what, int(limit or 0), int(out[4]) / US)
        i = int(out[2]) - 1
        wid, resets = wins[i]
        self._used[(scopes[i].name, wid)] = (int(out[3]) + int(out[4]), time.monotonic())
        raise budget_refusal(scopes[i], wid, resets, int(out[3]), int(out[4]), amount, now)

    def _admitted(
        self,
        rid: str,
        scopes: tuple[BudgetScope, ...],
        wins: list[tuple[str, float | None]],
        amount: int,
        now: float,
        ttl: float,
        out: bytes | str,
    ) -> Reservation:
        fields = out.split()  # b"1", then (seq, remaining) per scope
        seqs = tuple(map(int, fields[1::2]))
        left = tuple(map(int, fields[2::2]))
        mono = time.monotonic()
        for scope, (wid, _), rem in zip(scopes, wins, left, strict=True):
            self._used[(scope.name, wid)] = (scope.limit_nano - rem, mono)
        return Reservation.held(rid, scopes, wins, amount, now, ttl, seqs, [x / NANO for x in left])

    async def settle(
        self,
        reservation: Reservation | None,
        actual_usd: float | None,
        corrections: Sequence[tuple[str, int]] = (),
    ) -> None:
        fixes = [(k, int(d)) for k, d in corrections if d]
        keys: list[Run] = []
        resets: list[Run] = []
        fresh = f"- 0 {self.clock()!r}"
        if reservation is not None:
            actual = 0 if actual_usd is None else to_nano_actual(actual_usd)
            keys, fresh, resets = self._settle_parts(reservation, actual)
        if not keys and not fixes:
            return
        tail = f" {round(self.clock() * US)}"
        for _, delta in fixes:
            tail += f" {delta}"
        packed = _S_FINISH.call(3 * len(keys) + len(fixes), *keys, *(self._rate(k, None, None)[0] for k, _ in fixes),
                                _counts(len(keys), len(fixes)), fresh + tail, *resets)
        if self._pending:
            self._replay_pending()
        # Nobody waits for it (see the module doc): the reservation holds until it lands.
        on_error: Callable[[BaseException], None]
        if keys and actual_usd is not None:
            assert reservation is not None
            on_error = self._buffer_on_outage(
                reservation.id, lambda: self._settle_command(keys, fresh, resets), "")
        else:  # a release expires on its own; a token correction is only a correction
            on_error = _log_dropped
        self._shared.get().send_later(packed, _S_FINISH, on_error)

    async def flush(self) -> None:
        """Wait until every settle of this process has reached Redis (tests, shutdown)."""
        await self._shared.get().flush()

    def _note_settled(self, reservation: Reservation, actual: int) -> None:
        # This process' own settle, applied to the recent view without a read.
        for scope, wid in zip(reservation.scopes, reservation.windows, strict=True):
            seen = self._used.get((scope.name, wid))
            if seen is not None:
                self._used[(scope.name, wid)] = (seen[0] + actual - reservation.amount_nano, seen[1])

    async def remaining_usd(self, scopes: Sequence[BudgetScope]) -> float | None:
        """As the base class, from a view at most ``remaining_max_age_s`` old (plus this
        process' own admissions and settles since): one read for all stale scopes, none
        while the view is fresh. Other processes' spending shows up within that age."""
        if not scopes:
            return None
        now, mono = self.clock(), time.monotonic()
        if len(self._used) > 10_000:  # old windows and deleted keys: start the view afresh
            self._used.clear()
        stale: list[tuple[BudgetScope, str]] = []
        views: list[tuple[str, str]] = []  # (scope name, window id): where each scope's view is
        for scope in scopes:
            view = (scope.name, window_of(scope.period, now)[0])
            views.append(view)
            seen = self._used.get(view)
            if seen is None or mono - seen[1] >= self.remaining_max_age_s:
                stale.append((scope, view[1]))
        if stale:
            keys = [k for scope, wid in stale for k in self._keys(scope.name, wid)]
            try:
                out = await self._eval(_S_USAGE, keys, [repr(now)])
            except self._down as exc:
                raise self._unavailable(exc) from exc
            for j, (scope, wid) in enumerate(stale):
                total = int(out[3 * j]) + int(out[3 * j + 1])
                self._used[(scope.name, wid)] = (total, mono)
        used = self._used
        left = [s.limit_nano - used[view][0] for s, view in zip(scopes, views, strict=True)]
        return max(0, min(left)) / NANO

    async def aclose(self) -> None:
        await self._shared.release()


@functools.cache
def _counts(n: int, m: int) -> Run:
    """A script's two counts (budget scopes, rate limits), encoded once per shape."""
    return Run.of(n, m)


def _given(packed: bytes) -> Callable[[], bytes]:
    return lambda: packed


def _log_dropped(exc: BaseException) -> None:
    log.warning("Redis unreachable; release / token correction dropped: %s", exc)


class RedisHealthStore(HealthStore):
    """Model health in Redis with a local mirror, so routing reads never wait on the network.

    The mirror is refreshed in the background every ``mirror_interval_s`` (one pipelined round
    trip for all models) and at once by this process' own writes, so another process sees a
    cooldown at most ``mirror_interval_s`` (+ one round trip) after it started. The refresher
    starts on first use inside an event loop (or with ``await start()``).
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "turnout",
        client: Any = None,
        clock: Clock | None = None,
        failure_threshold: int = 3,
        cooldown_s: float = 30.0,
        mirror_interval_s: float = 0.2,
        timeout_s: float = 1.0,
    ):
        super().__init__(clock=clock, failure_threshold=failure_threshold, cooldown_s=cooldown_s)
        self.prefix = prefix
        p = _tag(prefix)
        self._kfail, self._kcool = f"{p}:h:fail", f"{p}:h:cool"
        self._klat, self._kttft = f"{p}:h:lat", f"{p}:h:ttft"
        self._owns_client = client is None
        self.redis = client if client is not None else make_client(url, timeout_s=timeout_s)
        self._failure = self.redis.register_script(_FAILURE)
        self._success = self.redis.register_script(_SUCCESS)
        self._down = _unavailable_types()
        self.mirror_interval_s = mirror_interval_s
        self._cool: dict[str, tuple[float, float]] = {}  # model -> (until, since)
        self._lat: dict[str, tuple[float, float | None]] = {}
        # A success costs a Redis round trip; a healthy model answering thousands of requests a
        # second needs one now and then (reset the shared failure count, share latency), not
        # one per request. Successes in between only update this process's latency estimate.
        self.success_interval_s = 0.1
        self._success_sent: dict[str, float] = {}
        # Used only while Redis is unreachable: local breaker counts and cooldowns.
        self._local_fail: dict[str, int] = {}
        self._local_cool: dict[str, tuple[float, float]] = {}
        self._refreshed_at = 0.0
        self._gen = 0
        self._written: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._last_error_log = 0.0

    # -- mirror --------------------------------------------------------------------------------
    def _ensure_refresher(self) -> None:
        if self._closed or (self._task is not None and not self._task.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # sync caller without a loop: the mirror stays as it is
        self._task = loop.create_task(self._refresh_loop(), name="turnout-health-mirror")

    async def _refresh_loop(self) -> None:
        me = asyncio.current_task()
        # Stop on the flag too, not only on cancellation: a cancel that lands while a redis-py
        # read races its own socket timeout can be swallowed (Python 3.11's asyncio.timeout),
        # and the loop would then run on forever and hang aclose().
        while not self._closed:
            try:
                await self.refresh()
            except Exception:  # never let the mirror die on a surprise (bad data, ...)
                log.exception("model health mirror refresh failed")
            if self._closed or (me is not None and me.cancelling()):
                return
            await asyncio.sleep(self.mirror_interval_s)

    async def start(self) -> None:
        """Load the mirror and start refreshing it (otherwise done lazily on first use)."""
        await self.refresh()
        self._ensure_refresher()

    def _touched(self, model: str) -> None:
        # Called after a write reached Redis and the mirror: a refresh that was already under
        # way may carry older data for this model and must not overwrite it (see refresh).
        self._gen += 1
        self._written[model] = self._gen

    async def refresh(self) -> None:
        started = self._gen
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.hgetall(self._kcool)
                pipe.hgetall(self._klat)
                pipe.hgetall(self._kttft)
                cool, lat, ttft = await pipe.execute()
        except self._down as exc:
            mono = time.monotonic()
            if mono - self._last_error_log > 30:
                self._last_error_log = mono
                log.warning("Redis unreachable; model health served from the local mirror: %s", exc)
            return
        now = self.clock()
        new_cool = {m: _cooldown(v) for m, v in cool.items()}
        # Cooldowns decided locally during an outage stay until they end.
        for m, (till, since) in list(self._local_cool.items()):
            if till <= now:
                del self._local_cool[m]
            elif till > new_cool.get(m, (0.0, 0.0))[0]:
                new_cool[m] = (till, since)
        new_lat = {m: (float(v), float(ttft[m]) if m in ttft else None) for m, v in lat.items()}
        for m, gen in self._written.items():
            if gen > started:  # written while this read was in flight: the local state is newer
                for new, old in ((new_cool, self._cool), (new_lat, self._lat)):
                    if m in old:
                        new[m] = old[m]  # type: ignore[assignment]
                    else:
                        new.pop(m, None)
        self._written = {m: g for m, g in self._written.items() if g > started}
        self._cool = new_cool
        self._lat = new_lat
        self._refreshed_at = time.monotonic()

    # -- writes --------------------------------------------------------------------------------
    async def record_failure(
        self, model: str, cooldown_s: float | None = None, threshold: int | None = None
    ) -> bool:
        cool, limit = self._breaker_args(cooldown_s, threshold)
        self._ensure_refresher()
        now = self.clock()
        try:
            state = _cooldown(
                await self._failure(
                    keys=[self._kfail, self._kcool], args=[model, repr(now), repr(cool), str(limit)]
                )
            )
        except self._down as exc:
            log.warning("Redis unreachable; counting the failure of %s locally: %s", model, exc)
            n = self._local_fail[model] = self._local_fail.get(model, 0) + 1
            state = self._cool.get(model, (0.0, 0.0))
            if n >= limit and state[0] <= now:
                state = self._local_cool[model] = (now + cool, now)
        if state[0] > now:
            self._cool[model] = state
            self._touched(model)
        return state[0] > now

    async def record_success(
        self, model: str, latency_ms: float, ttft_ms: float | None = None
    ) -> None:
        self._ensure_refresher()
        now = self.clock()
        if (model not in self._local_fail and model not in self._cool
                and now - self._success_sent.get(model, 0.0) < self.success_interval_s):
            old = self._lat.get(model)
            t_old = old[1] if old else None
            self._lat[model] = (ewma(old[0] if old else None, latency_ms),
                                ewma(t_old, ttft_ms) if ttft_ms is not None else t_old)
            return
        self._success_sent[model] = now
        self._local_fail.pop(model, None)
        try:
            lat, ttft, cleared = await self._success(
                keys=[self._kfail, self._kcool, self._klat, self._kttft],
                args=[
                    model,
                    repr(now),
                    repr(float(latency_ms)),
                    "" if ttft_ms is None else repr(float(ttft_ms)),
                    repr(EWMA_ALPHA),
                ],
            )
        except self._down as exc:
            log.warning("Redis unreachable; health of %s kept locally: %s", model, exc)
            old = self._lat.get(model)
            t_old = old[1] if old else None
            lat_v = ewma(old[0] if old else None, latency_ms)
            self._lat[model] = (lat_v, ewma(t_old, ttft_ms) if ttft_ms is not None else t_old)
            till, since = self._cool.get(model, (0.0, 0.0))
            if till and now - latency_ms / 1000.0 >= since:
                self._cool.pop(model, None)
                self._local_cool.pop(model, None)
            self._touched(model)
            return
        self._lat[model] = (float(lat), float(ttft) if ttft else None)
        if int(cleared):
            self._cool.pop(model, None)
            self._local_cool.pop(model, None)
        self._touched(model)

    # -- reads (sync, local) -------------------------------------------------------------------
    def cooling_until(self, model: str) -> float | None:
        self._ensure_refresher()
        state = self._cool.get(model)
        if state is None or state[0] <= self.clock():
            return None
        return state[0]

    def latency_estimate(self, model: str) -> tuple[float, float | None] | None:
        self._ensure_refresher()
        return self._lat.get(model)

    @property
    def mirror_age_s(self) -> float:
        """Seconds since the mirror was last loaded from Redis (inf: never)."""
        return time.monotonic() - self._refreshed_at if self._refreshed_at else math.inf

    async def aclose(self) -> None:
        self._closed = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            # Bounded: never let shutdown hang on the mirror.
            await asyncio.wait({task}, timeout=2.0)
        if task is not None and task.done() and not task.cancelled():
            task.exception()  # retrieved, so asyncio does not log "never retrieved"
        if self._owns_client:
            await self.redis.aclose()

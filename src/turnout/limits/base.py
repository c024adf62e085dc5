"""Budgets, rate limits and model health: the interfaces and the rules both backends share.

Budget rule (PRODUCT invariant 3), applied atomically per request over all its scopes:

    admit  iff  spent + reserved + estimate <= limit  and  spent + reserved < limit
    commit replaces the request's reservation by its actual cost; release drops it.

``spent`` is the committed cost of the current window, ``reserved`` the sum of the estimates of
admitted requests still in flight. At the last admission L of a window, ``spent + reserved <=
limit``, and after L nothing new is admitted, so the window ends at

    final spent <= limit + sum over requests in flight at L of (actual - estimate)

i.e. a budget is only ever overrun by the requests already in flight when it was reached, and
only by how much they cost beyond their estimate (zero when estimates are upper bounds, e.g.
priced at ``max_tokens``). A budget with nothing left refuses every request, free ones too.
A backend may send a commit after the caller moved on (Redis: with its next pipeline); until it
lands the request is still in flight and its estimate still reserved, so the bound holds.

A refusal is a 429 ``BudgetExceededError``; its ``retry_after`` is the time to the window's
reset (None for ``total``), or 1 s when only in-flight reservations stand in the way (they may
be released or commit below their estimate).

Money is counted in integer nano-dollars (1e-9 USD) so sums are exact in both backends and in
Redis' Lua (doubles: exact below 2**53 nano-dollars, hence limits of at most $9M); estimates
round up, actual costs to the nearest nano-dollar.

Windows are UTC: ``total`` (never resets), ``daily`` (midnight), ``monthly`` (the 1st). A
request is charged to the window it was admitted in, even if it commits after the reset.

Reservations expire (``ttl_s``, default 600 s) so a process that dies mid-request does not keep
its reservation forever; a commit that arrives after its reservation expired is still charged
(the money was spent), which is why ``ttl_s`` must exceed the longest request.

Rate limits are GCRA (a token bucket kept as one "theoretical arrival time"): capacity = the
per-minute limit, refilled continuously at limit/60 per second. A full minute's quota may be
used at once; after that one request (or token) is admitted every 60/limit seconds. The
``retry_after`` of a refusal is exact: the time until enough capacity has refilled.
"""

from __future__ import annotations

import abc
import calendar
import itertools
import math
import os
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from turnout.errors import (
    BadRequestError,
    BudgetExceededError,
    ProviderUnavailableError,
    RateLimitError,
)

Clock = Callable[[], float]
# One rate-limit check of ``LimitStore.admit``: (key or team id, rpm, tpm, estimated tokens).
RateCheck = tuple[str, int | None, int | None, int]
Period = Literal["total", "daily", "monthly"]
PERIODS: tuple[str, ...] = ("total", "daily", "monthly")

NANO = 1_000_000_000  # nano-dollars per dollar
# Lua numbers are doubles: nano-dollar sums are exact below 2**53, i.e. about $9 million.
MAX_LIMIT_USD = 9_000_000.0
DEFAULT_RESERVATION_TTL_S = 600.0
# When a refusal is caused only by reservations of requests in flight (they may be released
# or commit below their estimate), the client may retry soon; not at the window's reset.
IN_FLIGHT_RETRY_AFTER_S = 1.0
MINUTE_S = 60.0


class LimitStoreUnavailableError(ProviderUnavailableError):
    """The shared limit store (Redis) cannot be reached: budgets fail closed with a 503."""

    code = "limit_store_unavailable"
    retryable = False  # not the model's fault: falling back to another model would not help


@dataclass(frozen=True, slots=True)
class BudgetScope:
    """One budget: ``name`` (e.g. ``"global"``, ``"key:key_ab12cd34"``), limit and window."""

    name: str
    limit_usd: float
    period: Period = "total"

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise BadRequestError(
                f"invalid budget period {self.period!r}; expected one of: total, daily, monthly"
            )
        if not self.name:
            raise BadRequestError("budget scope name must not be empty")
        if not (self.limit_usd >= 0 and math.isfinite(self.limit_usd)):
            raise BadRequestError(
                f"budget limit must be a finite number >= 0, got {self.limit_usd!r}"
            )

    @property
    def limit_nano(self) -> int:
        return round(self.limit_usd * NANO)


@dataclass(slots=True)
class Reservation:
    """An admitted request's hold on its budgets, until ``commit`` or ``release``.

    ``windows`` are the window ids it was admitted in (one per scope), so a commit lands in
    the same windows even after a reset. ``seq`` is the scopes' operation numbers at admission
    (every reserve/commit/release of a window increments it): an audit trail that orders
    events across processes. ``remaining_usd`` is what was left of each budget after it.
    """

    id: str
    scopes: tuple[BudgetScope, ...]
    windows: tuple[str, ...]
    amount_nano: int
    admitted_at: float
    expires_at: float
    seq: tuple[int, ...] = ()
    remaining_usd: tuple[float, ...] = ()
    done: bool = field(default=False, compare=False)

    @property
    def amount_usd(self) -> float:
        return self.amount_nano / NANO

    @classmethod
    def held(cls, rid: str, scopes: tuple[BudgetScope, ...], windows: Sequence[tuple[str, float | None]],
             amount_nano: int, now: float, ttl: float, seq: Sequence[int],
             remaining_usd: Sequence[float]) -> Reservation:
        """What a store hands back after holding ``amount_nano`` on every scope at ``now``
        (``windows``: each scope's ``(window id, reset time)``, as ``window_of`` gives)."""
        return cls(id=rid, scopes=scopes, windows=tuple(w for w, _ in windows), amount_nano=amount_nano,
                   admitted_at=now, expires_at=now + ttl, seq=tuple(seq), remaining_usd=tuple(remaining_usd))


@dataclass(frozen=True, slots=True)
class BudgetUsage:
    """Where a budget stands in its current window."""

    scope: BudgetScope
    window: str
    spent_usd: float
    reserved_usd: float
    in_flight: int
    resets_at: float | None

    @property
    def remaining_usd(self) -> float:
        return max(0.0, self.scope.limit_usd - self.spent_usd - self.reserved_usd)


def window_of(period: str, now: float) -> tuple[str, float | None]:
    """The UTC window id containing ``now`` and when it ends (None: never)."""
    if period == "total":
        return "total", None
    # On the request path: reuse the last window while ``now`` is inside it (no datetime math).
    hit = _last_window.get(period)
    if hit is not None and hit[1] <= now < hit[2]:
        return hit[0], hit[2]
    dt = datetime.fromtimestamp(now, UTC)
    if period == "daily":
        start = float(calendar.timegm((dt.year, dt.month, dt.day, 0, 0, 0)))
        wid, end = f"d{dt:%Y-%m-%d}", start + 86400
    elif period == "monthly":
        year, month = (dt.year + 1, 1) if dt.month == 12 else (dt.year, dt.month + 1)
        start = float(calendar.timegm((dt.year, dt.month, 1, 0, 0, 0)))
        wid, end = f"m{dt:%Y-%m}", float(calendar.timegm((year, month, 1, 0, 0, 0)))
    else:
        raise BadRequestError(f"invalid budget period {period!r}")
    _last_window[period] = (wid, start, end)
    return wid, end


_last_window: dict[str, tuple[str, float, float]] = {}  # period -> (id, start, end)


def new_reservation_id() -> str:
    """Unique across processes: this process's random 64 bits, then a counter (one request, one
    id: no system call per request, and no collision within a process)."""
    return f"res_{_rid_prefix}{next(_rid_counter):x}"


def _new_rid_source() -> None:
    global _rid_prefix, _rid_counter
    _rid_prefix = secrets.token_hex(8)
    _rid_counter = itertools.count()


_rid_prefix = ""
_rid_counter = itertools.count()
_new_rid_source()
os.register_at_fork(after_in_child=_new_rid_source)  # a forked worker must not reuse its parent's ids


def to_nano_estimate(usd: float) -> int:
    _check_amount(usd, "estimate")
    return math.ceil(usd * NANO - 1e-6)  # round up, but not 0.1+0.2 style float noise


def to_nano_actual(usd: float) -> int:
    _check_amount(usd, "actual cost")
    return round(usd * NANO)


def _check_amount(usd: float, what: str) -> None:
    if not (usd >= 0 and math.isfinite(usd)):
        raise BadRequestError(f"{what} must be a finite number >= 0 USD, got {usd!r}")


def budget_refusal(
    scope: BudgetScope,
    window: str,
    resets_at: float | None,
    spent: int,
    reserved: int,
    amount: int,
    now: float,
) -> BudgetExceededError:
    """The 429 for a refused reservation, with a retry_after that can actually help."""
    if spent + amount <= scope.limit_nano and spent < scope.limit_nano:
        retry_after: float | None = IN_FLIGHT_RETRY_AFTER_S
        why = "fully reserved by requests in flight"
    else:
        retry_after = None if resets_at is None else max(0.0, resets_at - now)
        why = "exhausted"
    when = "" if retry_after is None else f"; retry after {retry_after:.0f}s"
    return BudgetExceededError(
        f"budget '{scope.name}' ({scope.period}, ${scope.limit_usd:g}) is {why}: "
        f"spent ${spent / NANO:.6f}, reserved ${reserved / NANO:.6f}, "
        f"request needs ${amount / NANO:.6f}{when}",
        retry_after=retry_after,
        param=scope.name,
    )


def admits(limit: int, spent: int, reserved: int, amount: int) -> bool:
    """The budget rule, in one place (the Lua script mirrors it)."""
    return spent + reserved + amount <= limit and spent + reserved < limit


# ---- GCRA (rate limits) ----------------------------------------------------------------------
# State per limit: tat = "theoretical arrival time" in integer microseconds. With interval
# T = 60 s / limit and capacity one minute (burst = limit), a cost c is admitted at now iff
# max(tat, now) + c*T - now <= 60 s; retry_after = that excess. Same math in the Lua script.

US = 1_000_000
MINUTE_US = 60 * US


def gcra_interval_us(per_minute: int) -> float:
    return MINUTE_US / per_minute


def gcra_check(tat_us: int, now_us: int, cost: int, interval_us: float) -> tuple[bool, int, float]:
    """(allowed, new_tat_us, retry_after_s) for ``cost`` units at ``now``."""
    new_tat = max(tat_us, now_us) + math.floor(cost * interval_us + 0.5)
    excess = new_tat - now_us - MINUTE_US
    if excess <= 0:
        return True, new_tat, 0.0
    return False, tat_us, excess / US


def corrected_tat(tat_us: int, now_us: int, delta: int, interval_us: float) -> int:
    """Apply ``actual - estimate`` tokens after the fact (``add_tokens``).

    More tokens than estimated push the arrival time on (a debt that later requests wait out,
    even past the bucket's capacity); fewer give capacity back, never beyond a full bucket.
    """
    shift = math.floor(delta * interval_us + 0.5)
    if delta > 0:
        return max(tat_us, now_us) + shift
    return max(now_us, tat_us + shift)


def rate_refusal(key_id: str, what: str, limit: int, retry_after: float) -> RateLimitError:
    return RateLimitError(
        f"rate limit for key '{key_id}' reached: {limit} {what} per minute; retry after {retry_after:.2f}s",
        retry_after=retry_after,
        param=what,
    )


def too_large_for_tpm(key_id: str, tpm: int, tokens: int) -> RateLimitError:
    # It can never pass, so no retry_after: waiting would not help.
    return RateLimitError(
        f"request of {tokens} tokens is larger than key '{key_id}''s limit of {tpm} tokens per minute",
        retry_after=None,
        param="tokens",
        code="tokens_exceed_tpm",
    )


def validate_rate(rpm: int | None, tpm: int | None, tokens: int) -> None:
    for name, value in (("rpm", rpm), ("tpm", tpm)):
        if value is not None and value <= 0:
            raise BadRequestError(f"{name} must be a positive integer or None, got {value!r}")
    if tokens < 0:
        raise BadRequestError(f"tokens must be >= 0, got {tokens}")


class LimitStore(abc.ABC):
    """Budgets and rate limits. Memory (one process) or Redis (several processes).

    All methods are coroutines; the Redis backend raises ``LimitStoreUnavailableError`` (503)
    from ``reserve`` and ``check_rate`` when Redis cannot be reached: budgets fail closed.
    """

    def __init__(
        self, *, clock: Clock | None = None, reservation_ttl_s: float = DEFAULT_RESERVATION_TTL_S
    ):
        self.clock: Clock = clock or time.time
        self.reservation_ttl_s = reservation_ttl_s

    @abc.abstractmethod
    async def reserve(
        self, scopes: Sequence[BudgetScope], estimate_usd: float, *, ttl_s: float | None = None
    ) -> Reservation:
        """Hold ``estimate_usd`` on every scope, atomically, or raise BudgetExceededError."""

    @abc.abstractmethod
    async def commit(self, reservation: Reservation, actual_usd: float) -> int:
        """Replace the reservation by the actual cost.

        Returns the first scope's operation number (0 if it had to be buffered, Redis down).
        """

    @abc.abstractmethod
    async def release(self, reservation: Reservation) -> int:
        """Drop the reservation (the request failed and cost nothing). Returns the op number."""

    @abc.abstractmethod
    async def usage(self, scope: BudgetScope) -> BudgetUsage:
        """Spent and reserved in the scope's current window."""

    async def spent(self, scope: BudgetScope) -> float:
        """Committed USD in the scope's current window."""
        return (await self.usage(scope)).spent_usd

    @abc.abstractmethod
    async def check_rate(
        self, key_id: str, rpm: int | None, tpm: int | None, tokens: int = 0
    ) -> None:
        """Admit one request of ``tokens`` (estimated) or raise RateLimitError(retry_after).

        Both limits are checked together: a refusal consumes nothing.
        """

    @abc.abstractmethod
    async def add_tokens(self, key_id: str, delta: int) -> None:
        """Correct the key's token count by ``actual - estimate`` once usage is known."""

    # -- the gateway's per-request calls: each one round trip on Redis ------------------------
    async def admit(
        self, rates: Sequence[RateCheck], scopes: Sequence[BudgetScope], estimate_usd: float
    ) -> Reservation | None:
        """Every rate limit of ``rates`` and then the reservation on ``scopes`` (None when there
        are no scopes), as ``check_rate`` each and ``reserve`` would. A refusal raises the
        error of the first limit that refused (rate limits first)."""
        for key_id, rpm, tpm, tokens in rates:
            await self.check_rate(key_id, rpm, tpm, tokens)
        return await self.reserve(scopes, estimate_usd) if scopes else None

    def reads_with_admission(self, backend: Any) -> bool:
        """True when ``admit_or_read`` (the admission and a read of the cache ``backend`` in
        one round trip) is available: only the Redis store, with a Redis cache on its URL."""
        return False

    async def settle(
        self,
        reservation: Reservation | None,
        actual_usd: float | None,
        corrections: Sequence[tuple[str, int]] = (),
    ) -> None:
        """After the answer: ``commit`` (``release`` when ``actual_usd`` is None) and the
        token corrections ``(key id, actual - estimate)`` of ``add_tokens``."""
        if reservation is not None:
            if actual_usd is None:
                await self.release(reservation)
            else:
                await self.commit(reservation, actual_usd)
        for key_id, delta in corrections:
            await self.add_tokens(key_id, delta)

    async def remaining_usd(self, scopes: Sequence[BudgetScope]) -> float | None:
        """The least left on any of ``scopes`` (None: no scope), a routing signal only: the
        reservation is what enforces budgets, so a backend may answer from a recent view."""
        if not scopes:
            return None
        left = [(await self.usage(scope)).remaining_usd for scope in scopes]
        return max(0.0, min(left))

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def _begin_reservation(
        self, scopes: Sequence[BudgetScope], estimate_usd: float, ttl_s: float | None
    ) -> tuple[tuple[BudgetScope, ...], int, float, float, str]:
        """What both backends check and compute before holding money:
        (scopes, amount in nano-dollars, ttl, now, reservation id)."""
        amount = to_nano_estimate(estimate_usd)
        ttl = self._ttl(ttl_s)
        scopes = tuple(scopes)
        if len({s.name for s in scopes}) != len(scopes):
            raise BadRequestError("the same budget scope appears twice in one reservation")
        return scopes, amount, ttl, self.clock(), new_reservation_id()

    def _rate_checks(self, rates: Sequence[RateCheck]) -> list[RateCheck]:
        """The rate checks of one admission that apply (validated; each key at most once)."""
        checks = [r for r in rates if self._rate_applies(*r)]
        if len({r[0] for r in checks}) != len(checks):
            raise BadRequestError("the same rate-limit key appears twice in one admission")
        return checks

    @staticmethod
    def _rate_applies(key_id: str, rpm: int | None, tpm: int | None, tokens: int) -> bool:
        """Validate a rate check; False when the key has no rate limit at all."""
        validate_rate(rpm, tpm, tokens)
        if rpm is None and tpm is None:
            return False
        if tpm is not None and tokens > tpm:
            raise too_large_for_tpm(key_id, tpm, tokens)
        return True

    def _ttl(self, ttl_s: float | None) -> float:
        ttl = self.reservation_ttl_s if ttl_s is None else ttl_s
        if not ttl > 0:
            raise BadRequestError(f"reservation ttl must be > 0 s, got {ttl!r}")
        return ttl


# ---- model health (the router's circuit breaker) ----------------------------------------------

EWMA_ALPHA = 0.2  # weight of the newest latency sample


def ewma(old: float | None, sample: float) -> float:
    return sample if old is None else EWMA_ALPHA * sample + (1 - EWMA_ALPHA) * old


class HealthStore(abc.ABC):
    """Consecutive failures, cooldowns and latency EWMAs per model, shareable across processes.

    Breaker: ``threshold`` consecutive failures start a cooldown of ``cooldown_s``. The count is
    not reset when the cooldown starts, so once it is over a single failure (the half-open
    probe) cools the model again at once. A success resets the count and ends a running
    cooldown only if the request *started after* the cooldown did (start = now - latency):
    a probe sent during or after the cooldown proves the model is back, a straggler that was
    already in flight when the model tripped does not (with many gateway processes, stragglers
    are common and would otherwise cut every cooldown short).

    Reads (``cooling_until``, ``latency_estimate``) are synchronous and never wait on the
    network: the Redis backend answers from a local mirror refreshed in the background.

    ``cooling_for``, ``latency_ms`` and ``record_failure(model)`` with the store's default
    threshold and cooldown make any store a drop-in ``turnout.routing.health.HealthView``.
    """

    def __init__(
        self, *, clock: Clock | None = None, failure_threshold: int = 3, cooldown_s: float = 30.0
    ):
        self.clock: Clock = clock or time.time
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s

    def _breaker_args(self, cooldown_s: float | None, threshold: int | None) -> tuple[float, int]:
        cool = self.cooldown_s if cooldown_s is None else cooldown_s
        return max(0.0, float(cool)), max(
            1, self.failure_threshold if threshold is None else threshold
        )

    @abc.abstractmethod
    async def record_failure(
        self, model: str, cooldown_s: float | None = None, threshold: int | None = None
    ) -> bool:
        """Count a failure; True when the model is (now) cooling down."""

    @abc.abstractmethod
    async def record_success(
        self, model: str, latency_ms: float, ttft_ms: float | None = None
    ) -> None:
        """Reset the failure count, maybe end the cooldown, fold latencies into the EWMAs."""

    @abc.abstractmethod
    def cooling_until(self, model: str) -> float | None:
        """Epoch seconds the model's cooldown ends, or None when it may be used."""

    @abc.abstractmethod
    def latency_estimate(self, model: str) -> tuple[float, float | None] | None:
        """(EWMA total latency ms, EWMA time-to-first-token ms or None), None if never seen."""

    def cooling_for(self, model: str) -> float | None:
        """Seconds left in the cooldown, or None (``HealthView``)."""
        till = self.cooling_until(model)
        return None if till is None else max(0.0, till - self.clock())

    def latency_ms(self, model: str) -> tuple[float, float | None] | None:
        """Same as ``latency_estimate`` (``HealthView``)."""
        return self.latency_estimate(model)

    async def refresh(self) -> None:  # noqa: B027 - optional hook
        """Bring the local view up to date now (Redis backend); a no-op in memory."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Stop background work and release connections."""

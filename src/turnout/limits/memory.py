"""In-process backends: one gateway process (or the library), no Redis.

A ``threading.Lock`` makes every operation atomic, also when sync callers reach the store from
other threads; nothing inside awaits, so the lock is never held across a suspension.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from turnout.errors import BadRequestError
from turnout.limits.base import (
    NANO,
    US,
    BudgetScope,
    BudgetUsage,
    Clock,
    HealthStore,
    LimitStore,
    RateCheck,
    Reservation,
    admits,
    budget_refusal,
    corrected_tat,
    ewma,
    gcra_check,
    gcra_interval_us,
    rate_refusal,
    to_nano_actual,
    window_of,
)


@dataclass(slots=True)
class _Window:
    spent: int = 0
    reserved: int = 0
    seq: int = 0
    holds: dict[str, tuple[int, float]] = field(default_factory=dict)  # res id -> (amount, expiry)
    # (expiry, res id), oldest first; entries of settled reservations are dropped lazily.
    expiries: list[tuple[float, str]] = field(default_factory=list)

    def hold(self, rid: str, amount: int, expiry: float) -> None:
        self.holds[rid] = (amount, expiry)
        heapq.heappush(self.expiries, (expiry, rid))
        if len(self.expiries) > 2 * len(self.holds) + 64:  # mostly settled: compact, O(1) amortised
            self.expiries = [(exp, r) for r, (_, exp) in self.holds.items()]
            heapq.heapify(self.expiries)

    def expire(self, now: float) -> None:
        heap = self.expiries
        while heap and heap[0][0] <= now:
            _, rid = heapq.heappop(heap)
            held = self.holds.pop(rid, None)
            if held is not None:
                self.reserved -= held[0]


@dataclass(slots=True)
class _Rate:
    rpm_tat: int = 0
    tpm_tat: int = 0
    tpm_interval: float = 0.0  # µs per token, remembered for add_tokens


class MemoryLimitStore(LimitStore):
    def __init__(self, *, clock: Clock | None = None, reservation_ttl_s: float | None = None):
        kw = {} if reservation_ttl_s is None else {"reservation_ttl_s": reservation_ttl_s}
        super().__init__(clock=clock, **kw)
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], _Window] = {}
        self._scope_windows: dict[str, set[str]] = {}  # scope -> its window ids in _windows
        self._rates: dict[str, _Rate] = {}

    def _window(self, scope_name: str, window: str, now: float) -> _Window:
        w = self._windows.get((scope_name, window))
        if w is None:
            w = self._windows[(scope_name, window)] = _Window()
            # A new daily/monthly window: forget this scope's earlier ones (one entry per key and
            # day would otherwise pile up), except those still holding reservations. Window ids
            # sort chronologically, and only *earlier* ones go: a late commit that recreates
            # yesterday's window must not drop today's.
            known = self._scope_windows.setdefault(scope_name, set())
            for old in [o for o in known if o < window]:
                self._windows[(scope_name, old)].expire(now)
                if self._windows[(scope_name, old)].holds:
                    continue
                known.discard(old)
                del self._windows[(scope_name, old)]
            known.add(window)
        return w

    async def reserve(
        self, scopes: Sequence[BudgetScope], estimate_usd: float, *, ttl_s: float | None = None
    ) -> Reservation:
        scopes, amount, ttl, now, rid = self._begin_reservation(scopes, estimate_usd, ttl_s)
        with self._lock:
            return self._hold(scopes, amount, ttl, now, rid)

    def _hold(
        self, scopes: tuple[BudgetScope, ...], amount: int, ttl: float, now: float, rid: str
    ) -> Reservation:
        """Check every scope, then hold ``amount`` on each; the caller holds the lock."""
        wins = [window_of(s.period, now) for s in scopes]
        states = [self._window(s.name, w, now) for s, (w, _) in zip(scopes, wins, strict=True)]
        for scope, (wid, resets), st in zip(scopes, wins, states, strict=True):
            st.expire(now)
            if not admits(scope.limit_nano, st.spent, st.reserved, amount):
                raise budget_refusal(scope, wid, resets, st.spent, st.reserved, amount, now)
        seqs, remaining = [], []
        for scope, st in zip(scopes, states, strict=True):
            st.reserved += amount
            st.seq += 1
            st.hold(rid, amount, now + ttl)
            seqs.append(st.seq)
            remaining.append((scope.limit_nano - st.spent - st.reserved) / NANO)
        return Reservation.held(rid, scopes, wins, amount, now, ttl, seqs, remaining)

    async def admit(
        self, rates: Sequence[RateCheck], scopes: Sequence[BudgetScope], estimate_usd: float
    ) -> Reservation | None:
        # As one Redis script does: every rate limit and every budget checked, under one lock,
        # before anything is written, so a refusal consumes nothing.
        checks = self._rate_checks(rates)
        scopes, amount, ttl, now, rid = self._begin_reservation(scopes, estimate_usd, None)
        now_us = round(now * US)
        with self._lock:
            new = [self._rate_step(now_us, *check) for check in checks]
            reservation = self._hold(scopes, amount, ttl, now, rid) if scopes else None
            for (key_id, rpm, tpm, _), tats in zip(checks, new, strict=True):
                self._rate_write(key_id, rpm, tpm, *tats)
        return reservation

    def _rate_step(
        self, now_us: int, key_id: str, rpm: int | None, tpm: int | None, tokens: int
    ) -> tuple[int, int]:
        """The key's new (rpm, tpm) arrival times if admitted, or raise; the caller holds the
        lock and writes them."""
        st = self._rates.get(key_id) or _Rate()
        new_rpm = new_tpm = 0
        if rpm is not None:
            ok, new_rpm, wait = gcra_check(st.rpm_tat, now_us, 1, gcra_interval_us(rpm))
            if not ok:
                raise rate_refusal(key_id, "requests", rpm, wait)
        if tpm is not None:
            ok, new_tpm, wait = gcra_check(st.tpm_tat, now_us, tokens, gcra_interval_us(tpm))
            if not ok:
                raise rate_refusal(key_id, "tokens", tpm, wait)
        return new_rpm, new_tpm

    def _rate_write(self, key_id: str, rpm: int | None, tpm: int | None, new_rpm: int, new_tpm: int) -> None:
        st = self._rates.setdefault(key_id, _Rate())
        if rpm is not None:
            st.rpm_tat = new_rpm
        if tpm is not None:
            st.tpm_tat = new_tpm
            st.tpm_interval = gcra_interval_us(tpm)

    def _settle(self, reservation: Reservation, actual: int) -> int:
        if reservation.done:
            raise BadRequestError(f"reservation {reservation.id} was already committed or released")
        reservation.done = True
        first = 0
        now = self.clock()
        with self._lock:
            for i, (scope, wid) in enumerate(
                zip(reservation.scopes, reservation.windows, strict=True)
            ):
                st = self._window(scope.name, wid, now)
                hold = st.holds.pop(reservation.id, None)
                if hold is not None:  # else it expired: the cost still counts
                    st.reserved -= hold[0]
                st.spent += actual
                st.seq += 1
                if i == 0:
                    first = st.seq
        return first

    async def commit(self, reservation: Reservation, actual_usd: float) -> int:
        return self._settle(reservation, to_nano_actual(actual_usd))

    async def release(self, reservation: Reservation) -> int:
        return self._settle(reservation, 0)

    async def usage(self, scope: BudgetScope) -> BudgetUsage:
        now = self.clock()
        wid, resets = window_of(scope.period, now)
        with self._lock:
            st = self._windows.get((scope.name, wid)) or _Window()
            st.expire(now)
            return BudgetUsage(
                scope, wid, st.spent / NANO, st.reserved / NANO, len(st.holds), resets
            )

    async def check_rate(
        self, key_id: str, rpm: int | None, tpm: int | None, tokens: int = 0
    ) -> None:
        if not self._rate_applies(key_id, rpm, tpm, tokens):
            return
        now_us = round(self.clock() * US)
        with self._lock:
            self._rate_write(key_id, rpm, tpm, *self._rate_step(now_us, key_id, rpm, tpm, tokens))

    async def add_tokens(self, key_id: str, delta: int) -> None:
        now_us = round(self.clock() * US)
        with self._lock:
            st = self._rates.get(key_id)
            if st is None or not st.tpm_interval or delta == 0:
                return
            st.tpm_tat = corrected_tat(st.tpm_tat, now_us, delta, st.tpm_interval)


@dataclass(slots=True)
class _Health:
    failures: int = 0
    cooling_since: float = 0.0
    cooling_until: float = 0.0
    latency_ms: float | None = None
    ttft_ms: float | None = None


class MemoryHealthStore(HealthStore):
    def __init__(
        self, *, clock: Clock | None = None, failure_threshold: int = 3, cooldown_s: float = 30.0
    ):
        super().__init__(clock=clock, failure_threshold=failure_threshold, cooldown_s=cooldown_s)
        self._lock = threading.Lock()
        self._models: dict[str, _Health] = {}

    def _get(self, model: str) -> _Health:
        h = self._models.get(model)
        if h is None:
            h = self._models[model] = _Health()
        return h

    async def record_failure(
        self, model: str, cooldown_s: float | None = None, threshold: int | None = None
    ) -> bool:
        cool, limit = self._breaker_args(cooldown_s, threshold)
        now = self.clock()
        with self._lock:
            h = self._get(model)
            h.failures += 1
            if h.failures >= limit and h.cooling_until <= now:
                h.cooling_since, h.cooling_until = now, now + cool
            return h.cooling_until > now

    async def record_success(
        self, model: str, latency_ms: float, ttft_ms: float | None = None
    ) -> None:
        now = self.clock()
        with self._lock:
            h = self._get(model)
            h.failures = 0
            if h.cooling_until > now and now - latency_ms / 1000.0 >= h.cooling_since:
                h.cooling_until = 0.0  # a request sent after the trip got through: it is back
            h.latency_ms = ewma(h.latency_ms, latency_ms)
            if ttft_ms is not None:
                h.ttft_ms = ewma(h.ttft_ms, ttft_ms)

    def cooling_until(self, model: str) -> float | None:
        h = self._models.get(model)
        if h is None or h.cooling_until <= self.clock():
            return None
        return h.cooling_until

    def latency_estimate(self, model: str) -> tuple[float, float | None] | None:
        h = self._models.get(model)
        if h is None or h.latency_ms is None:
            return None
        return h.latency_ms, h.ttft_ms

"""The one place where config, policy, routing, cache, limits and the ledger meet.

Both entry points use it: the library (``turnout.completion``) and the HTTP server. A request:

    signals -> key checks (sensitivity, models) -> decision -> cache lookup
    -> admission (rate limits + budget reservation, one limits call) -> call (retries,
       fallbacks, cascade) -> account: budget commit + token correction (one limits call),
       cache store, ledger record, metrics

Every path that answers, from the cache or a model, streamed or not, passes through the same
accounting, so budgets and the ledger cannot be skipped by choosing a different path.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import importlib
import os
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from turnout import metrics
from turnout.catalog import ModelInfo
from turnout.config import TurnoutConfig, load_config
from turnout.errors import (
    AuthenticationError,
    BadRequestError,
    PermissionDeniedError,
    TurnoutError,
)
from turnout.input_limits import check_model_name
from turnout.model_access import check_callable
from turnout.policy.detectors import complexity_classifier, sensitivity_detector
from turnout.policy.engine import Decision
from turnout.policy.signals import Signals
from turnout.record_view import caller_view
from turnout.routing.router import AUTO, Router
from turnout.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    RouteHints,
    Sensitivity,
    prompt_text,
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a virtual key, the master key, or the library/open gateway (neither)."""

    key: Any = None  # turnout.keys.VirtualKey
    is_master: bool = False

    @property
    def key_id(self) -> str | None:
        return self.key.id if self.key is not None else None

    def allowed(self, model: str) -> bool:
        if self.key is None:
            return True
        return _lazy("turnout.keys").allows_model(self.key, model)


OPEN = Principal()
MASTER = Principal(is_master=True)


@dataclass(slots=True)
class _Admission:
    """A request on its way through the gateway: its decision, cache plan and hit, and what it
    holds while in flight (budget reservation, rate-limit token estimate)."""

    decision: Decision | None = None
    plan: tuple[str, Any] | None = None  # (cache namespace, control), None: cache not used
    hit: Any = None  # a CacheHit
    reservation: Any = None
    rate_tokens: int = 0
    rates: list[Any] = field(default_factory=list)  # (id, rpm, tpm, tokens) for limits.admit
    admitted: bool = False  # admitted with the cache read (_admit_with_lookup)


@dataclass(slots=True)
class GatewayStream:
    model: str
    turnout: dict[str, Any]
    _chunks: AsyncIterator[ChatCompletionChunk]
    _closed: bool = field(default=False)

    def chunks(self) -> AsyncIterator[ChatCompletionChunk]:
        return self._chunks

    async def cancelled(self) -> None:
        """The client went away (or the sender failed): stop the upstream and account what
        was produced. A no-op once the stream has ended; safe to call twice."""
        aclose = getattr(self._chunks, "aclose", None)
        if aclose is not None and not self._closed:
            self._closed = True
            with contextlib.suppress(Exception):
                await aclose()


class _AssessmentMemo:
    """Sensitivity assessments of recent HTTP request bodies, by a hash of the caller's bytes.

    The same bytes parse to the same request, and its assessment is a pure function of the
    request and the caller's label, so a body sent again (a retry, a repeated prompt) skips
    the PII scan (~20 µs of a forwarded request's CPU even for five words) and gets the very
    same level. The key is BLAKE2b-256 of the bytes plus the label: a hash costs ~1 µs per KB
    against the scan's ~75, and a collision is out of reach. Bounded; the oldest go first."""

    __slots__ = ("_entries", "_lock", "_size")

    def __init__(self, size: int = 4096) -> None:
        self._entries: dict[tuple[bytes, Sensitivity | None], Any] = {}
        self._size = size
        self._lock = threading.Lock()

    @staticmethod
    def key(body: bytes, given: Sensitivity | None) -> tuple[bytes, Sensitivity | None]:
        return hashlib.blake2b(body, digest_size=32).digest(), given

    def get(self, key: tuple[bytes, Sensitivity | None]) -> Any:
        return self._entries.get(key)

    def put(self, key: tuple[bytes, Sensitivity | None], assessment: Any) -> None:
        with self._lock:  # the library may call from several threads
            if len(self._entries) >= self._size:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = assessment


class Gateway:
    def __init__(self, config: TurnoutConfig | None = None, *, router: Router | None = None,
                 ledger: Any = None, limits: Any = None, keys: Any = None, cache: Any = None) -> None:
        self.config = config or TurnoutConfig()
        redis_url = self.config.server.redis_url
        health = None
        if redis_url:
            from turnout.limits import open_health_store

            hc = self.config.routing.health
            health = open_health_store(redis_url, cooldown_s=hc.cooldown_s, failure_threshold=hc.failure_threshold)
        self.router = router or Router(self.config, health=health,
                                       sensitivity_detector=sensitivity_detector(self.config.detection),
                                       complexity_classifier=complexity_classifier(self.config.detection))
        self._ledger = ledger
        self._limits = limits
        self._keys = keys
        self._cache = cache
        self._lock = threading.Lock()
        self._assessments = _AssessmentMemo()
        from turnout.settings import env

        self.master_key = self.config.server.master_key or env("TURNOUT_MASTER_KEY")
        budgets = self.config.budgets
        from turnout.limits import BudgetScope

        metrics.register_models(self.router.models)
        # True once an HTTP app serves this gateway (server/app.py sets it): callers are then
        # not the operator, and only configured models are callable (model_access.py).
        self.remote_callers = False
        if self.config.server.max_upstream_response_bytes is not None:
            from turnout.providers.transport import set_response_limit

            set_response_limit(self.config.server.max_upstream_response_bytes)
        self._global_scopes = []
        if budgets.daily_usd is not None:
            self._global_scopes.append(BudgetScope("global:daily", budgets.daily_usd, "daily"))
        if budgets.monthly_usd is not None:
            self._global_scopes.append(BudgetScope("global:monthly", budgets.monthly_usd, "monthly"))

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> Gateway:
        return cls(load_config(path))

    # -- state, opened lazily so `turnout route` creates no files -------------------------
    @property
    def ledger(self) -> Any:
        if self._ledger is None and self.config.ledger.enabled:
            with self._lock:
                if self._ledger is None:
                    from turnout.ledger import open_ledger

                    self._ledger = open_ledger(self.config.ledger.url, store_prompts=self.config.ledger.store_prompts)
        return self._ledger

    @property
    def cache(self) -> Any:
        """The response cache, or None when caching is off."""
        if self._cache is None and self.config.cache.enabled:
            with self._lock:
                if self._cache is None:
                    from turnout.cache import ResponseCache

                    c = self.config.cache
                    kw: dict[str, Any] = {"semantic": c.semantic, "ttl_s": c.ttl_s,
                                          "cache_temperature_gt0": c.cache_temperature}
                    if c.semantic_threshold is not None:
                        kw["threshold"] = c.semantic_threshold
                    self._cache = ResponseCache.from_url(c.backend, **kw)
        return self._cache

    @property
    def limits(self) -> Any:
        if self._limits is None:
            with self._lock:
                if self._limits is None:
                    from turnout.limits import open_limit_store

                    self._limits = open_limit_store(self.config.server.redis_url)
        return self._limits

    @property
    def keys(self) -> Any:
        if self._keys is None:
            with self._lock:
                if self._keys is None:
                    from turnout.keys import KeyStore

                    self._keys = KeyStore(self.keys_location())
        return self._keys

    def keys_location(self) -> str:
        """Keys live beside the ledger (same SQLite file or PostgreSQL database) by default."""
        if self.config.server.keys_url:
            return self.config.server.keys_url
        from turnout.settings import default_ledger_url

        url = self.config.ledger.url or default_ledger_url()
        if url.startswith(("postgresql://", "postgres://")):
            from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

            parts = urlsplit(url)  # drop the ledger's own table= option; libpq rejects it
            query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "table"])
            return urlunsplit(parts._replace(query=query, fragment=""))
        if url.startswith("sqlite:///"):
            return url
        from turnout.settings import data_dir

        return str(data_dir() / "keys.sqlite3")  # memory:// ledger: keys still persist

    @property
    def requires_auth(self) -> bool:
        return bool(self.master_key)

    async def astart(self) -> None:
        """Open what the server needs before its first request."""
        _ = self.ledger
        _ = self.limits
        _ = self.cache
        if self.requires_auth:
            _ = self.keys

    async def aclose(self) -> None:
        from turnout.providers.transport import close_sessions

        await close_sessions()
        await self.router.aclose()
        if self._ledger is not None:
            self._ledger.close()
            from turnout.learn.feedback_store import flush_outcomes

            flush_outcomes()
        if self._limits is not None:
            await self._limits.aclose()
        if self._cache is not None:
            await self._cache.aclose()

    # -- authentication and authorisation -------------------------------------------------
    def authenticate(self, token: str | None) -> Principal:
        """Who is calling (sync; the key store's cache answers, a miss reads the database)."""
        principal = self.authenticate_cached(token)
        if principal is not None:
            return principal
        return self._principal_for(self.keys.verify(token))

    async def aauthenticate(self, token: str | None) -> Principal:
        """As ``authenticate``, but a cache miss reads the database off the event loop."""
        principal = self.authenticate_cached(token)
        if principal is not None:
            return principal
        return self._principal_for(await self.keys.averify(token))

    def authenticate_cached(self, token: str | None) -> Principal | None:
        """Who is calling, when that is known without the key store (no key needed, the master
        key); None: ask ``aauthenticate``. The HTTP server asks this first, so that the usual
        request makes no coroutine for it (issue 17)."""
        if not self.requires_auth:
            return OPEN
        if not token:
            raise AuthenticationError("missing API key: send `Authorization: Bearer <key>`")
        if _lazy("turnout.keys").matches_secret(token, self.master_key):
            return MASTER
        return None

    @staticmethod
    def _principal_for(key: Any) -> Principal:
        if key is None:
            raise AuthenticationError("invalid or revoked API key")
        return Principal(key=key)

    def _authorize(self, principal: Principal, request: ChatRequest, signals: Signals) -> None:
        key = principal.key
        if key is None:
            return
        if not _lazy("turnout.keys").allows_sensitivity(key, signals.sensitivity.level):
            raise PermissionDeniedError(
                f"this key may not send {signals.sensitivity.level.value} requests "
                f"(its limit is {key.limits.max_sensitivity.value})", code="sensitivity_not_allowed")
        if request.model != AUTO and not principal.allowed(request.model):
            raise PermissionDeniedError(f"this key may not use model {request.model!r}", code="model_not_allowed")

    def _scopes(self, principal: Principal) -> list[Any]:
        scopes = list(self._global_scopes)
        if principal.key is not None:
            scopes.extend(principal.key.budget_scopes())  # the key's and its team's
        return scopes

    def _rate_checks(self, principal: Principal, signals: Signals, admission: _Admission) -> None:
        """Requests and tokens per minute, checked at admission: every request counts, cache
        hits too."""
        key = principal.key
        tokens = signals.prompt_tokens + signals.max_tokens
        if key is not None and (key.limits.rpm or key.limits.tpm):
            admission.rate_tokens = tokens
            admission.rates.append((key.id, key.limits.rpm, key.limits.tpm, tokens))
        team = key.team if key is not None else None
        if team is not None and (team.limits.rpm or team.limits.tpm):  # shared by the team's keys
            admission.rates.append((team.id, team.limits.rpm, team.limits.tpm, tokens))

    def _admits(self, principal: Principal, admission: _Admission) -> bool:
        """Whether ``_admit`` may have anything to do (checked before making its coroutine: an
        open gateway with no budget and no key has nothing to admit, on every request)."""
        return not admission.admitted and bool(admission.rates or self._global_scopes or principal.key is not None)

    async def _admit(self, principal: Principal, decision: Decision | None, admission: _Admission) -> None:
        """The rate limits and, before a model is called (``decision``), the estimate held on
        every budget: one call, one Redis round trip."""
        if admission.admitted:
            return
        scopes = self._scopes(principal) if decision is not None else []
        if scopes or admission.rates:
            admission.reservation = await self.limits.admit(
                admission.rates, scopes, decision.estimated_cost_usd if decision is not None else 0.0)

    # -- cache ----------------------------------------------------------------------------
    def _cache_plan(self, principal: Principal, hints: RouteHints | None, signals: Signals) -> tuple[str, Any] | None:
        """(namespace, control) when this request may use the cache, else None."""
        cache = self.cache
        if cache is None:
            return None
        if signals.sensitivity.level is Sensitivity.CONFIDENTIAL and not self.config.cache.confidential:
            return None  # confidential answers stay out of (possibly shared) caches unless configured
        cache_mod = _lazy("turnout.cache")  # not an import statement: this runs on every request
        try:
            control = cache_mod.CacheControl.parse(hints.cache if hints else None,
                                                   hints.cache_max_age_s if hints else None)
        except ValueError as exc:
            raise BadRequestError(str(exc), param="turnout.cache") from None
        tenant = principal.key_id or ("master" if principal.is_master else None)
        return cache_mod.namespace_id(tenant), control

    async def _lookup(self, plan: tuple[str, Any] | None, request: ChatRequest, decision: Decision) -> Any:
        if plan is None:
            return None
        # A model group caches under its name: any deployment's answer is the group's.
        hit = await self.cache.lookup(plan[0], decision.group or decision.model, request.messages, request.params,
                                      plan[1])
        metrics.CACHE_BACKEND_UP.set(1 if self.cache.healthy else 0)
        return hit

    async def _admit_with_lookup(self, principal: Principal, request: ChatRequest, adm: _Admission) -> bool:
        """The cache's exact read and the admission (as a hit or as a miss) in one Redis round
        trip, when the cache and the limits share one Redis and no semantic index would be
        asked after a miss. False: not possible here, nothing was done."""
        cache, decision = self.cache, adm.decision
        if adm.plan is None or decision is None or cache.index is not None \
                or not self.limits.reads_with_admission(cache.backend):
            return False
        namespace, control = adm.plan
        key = cache.exact_entry_key(namespace, decision.group or decision.model, request.messages,
                                    request.params or {}, control)
        if key is None:
            return False
        adm.reservation, entry = await self.limits.admit_or_read(
            adm.rates, self._scopes(principal), decision.estimated_cost_usd, cache.backend.k(key))
        adm.hit = cache.exact_found(key, entry, control)
        metrics.CACHE_BACKEND_UP.set(1 if cache.healthy else 0)
        if adm.hit is not None:  # admitted as a hit: it counted as a request, used no tokens
            adm.rate_tokens = 0
            adm.admitted = True
        elif entry is None:  # admitted as a miss
            adm.admitted = True
        else:  # admitted as a hit, but the entry is unusable (older than the caller's max-age):
            # the request is counted; its tokens and budget are admitted by _admit as usual
            adm.rates = [(who, None, tpm, tokens) for who, _, tpm, tokens in adm.rates]
        return True

    async def _store(self, plan: tuple[str, Any] | None, request: ChatRequest, decision: Decision,
                     response: dict[str, Any], cost_usd: float) -> None:
        if plan is None:
            return
        answer = {k: v for k, v in response.items() if k != "turnout"}
        await self.cache.store(plan[0], decision.group or decision.model, request.messages, request.params, answer,
                               cost_usd, plan[1])

    def _hit_record(self, decision: Decision, hit: Any, request_id: str) -> dict[str, Any]:
        record = decision.to_dict()
        record.update(model=hit.model, cache="hit" if hit.kind == "exact" else "semantic", cache_info=hit.record(),
                      cost_usd=0.0, saved_usd=hit.saved_cost_usd, attempts=[], fallbacks_tried=0,
                      usage={"prompt_tokens": 0, "completion_tokens": 0, "cached_tokens": 0, "estimated": False},
                      request_id=request_id)
        return record

    async def _settle(self, principal: Principal, admission: _Admission, cost_usd: float | None,
                      used_tokens: int | None) -> None:
        """Turn the reservation into the actual cost (or drop it), correct the token count."""
        fixes = []
        if admission.rate_tokens and used_tokens is not None and principal.key is not None:
            fixes.append((principal.key.id, used_tokens - admission.rate_tokens))
        if admission.reservation is not None or fixes:
            await self.limits.settle(admission.reservation, cost_usd, fixes)

    # -- the request path -----------------------------------------------------------------
    def _extra_model(self, request: ChatRequest, overrides: dict[str, Any] | None) -> ModelInfo | None:
        if request.model == AUTO or not overrides or not any(v is not None for v in overrides.values()):
            return None
        return self.router.info(request.model).with_overrides(**overrides)

    def route(self, request: ChatRequest, hints: RouteHints | None = None, *,
              principal: Principal = OPEN, model_overrides: dict[str, Any] | None = None) -> Decision:
        """The decision alone (``turnout route``): nothing is called, nothing is spent."""
        return self.router.route(request, hints, allowed=principal.allowed if principal.key else None,
                                 extra_model=self._extra_model(request, model_overrides))

    async def _signals(self, request: ChatRequest, hints: RouteHints | None, budget_left: float | None,
                       body: bytes | None = None) -> Signals:
        """The routing signals. A body sent again reuses its sensitivity assessment (the memo);
        with a slow detector (the deep scan, detect/deep.py) they are worked out in that
        detector's bounded pool, so the event loop serves other requests meanwhile."""
        return self._signals_here(request, hints, budget_left, body) or await self._signals_in_pool(
            request, hints, budget_left, body)

    def _scan_pool(self) -> Any:
        """The slow detector's bounded pool (the deep scan); None for the default scan."""
        return getattr(getattr(self.router.sensitivity_detector, "detector", None), "executor", None)

    def _signals_here(self, request: ChatRequest, hints: RouteHints | None, budget_left: float | None,
                      body: bytes | None) -> Signals | None:
        """``_signals`` on the event loop (no coroutine: the common case, issue 17); None when
        the scan must run in the detector's pool."""
        key = seen = None
        if body is not None:
            key = self._assessments.key(body, hints.sensitivity if hints else None)
            seen = self._assessments.get(key)
        if seen is None and self._scan_pool() is not None:
            return None
        signals = self.router.signals(request, hints, budget_remaining_usd=budget_left, sensitivity=seen)
        if key is not None and seen is None:
            self._assessments.put(key, signals.sensitivity)
        return signals

    async def _signals_in_pool(self, request: ChatRequest, hints: RouteHints | None, budget_left: float | None,
                               body: bytes | None) -> Signals:
        """The signals worked out in the slow detector's pool (``_signals_here`` said None)."""
        work = functools.partial(self.router.signals, request, hints, budget_remaining_usd=budget_left)
        signals = await asyncio.get_running_loop().run_in_executor(self._scan_pool(), work)
        if body is not None:
            self._assessments.put(self._assessments.key(body, hints.sensitivity if hints else None),
                                  signals.sensitivity)
        return signals

    def _decide(self, request: ChatRequest, hints: RouteHints | None, principal: Principal,
                overrides: dict[str, Any] | None, signals: Signals) -> Decision:
        self._authorize(principal, request, signals)
        return self.router.route(request, hints, signals=signals,
                                 allowed=principal.allowed if principal.key else None,
                                 extra_model=self._extra_model(request, overrides))

    async def _front(self, adm: _Admission, request: ChatRequest, hints: RouteHints | None,
                     principal: Principal, overrides: dict[str, Any] | None, body: bytes | None) -> Decision:
        """Steps 1-4, the same for plain and streamed requests: signals, key checks, decision,
        rate limit, cache lookup. Fills ``adm`` as it goes (a failure is accounted with what
        was decided so far)."""
        if self.remote_callers:  # HTTP callers reach only what the operator configured
            check_callable(self.router, request.model, self.config.models is not None,
                           bool(overrides and any(v is not None for v in overrides.values())))
        else:  # the library's caller is the operator: any model, but a name fit for headers and logs
            check_model_name(request.model)
        # The least left on any budget this request counts against (a routing signal: models
        # whose estimate is over it are rejected, so a cheaper one can still answer).
        scopes = self._scopes(principal)
        budget_left = await self.limits.remaining_usd(scopes) if scopes else None
        signals = self._signals_here(request, hints, budget_left, body) or await self._signals_in_pool(
            request, hints, budget_left, body)
        adm.decision = self._decide(request, hints, principal, overrides, signals)
        self._rate_checks(principal, signals, adm)
        adm.plan = self._cache_plan(principal, hints, signals)
        if adm.plan is None:  # the cache is not used: nothing to read (and no coroutines to run for it)
            return adm.decision
        if await self._admit_with_lookup(principal, request, adm):
            return adm.decision
        adm.hit = await self._lookup(adm.plan, request, adm.decision)
        if adm.hit is not None:  # answered from the cache: it counts as a request, uses no tokens
            adm.rates = [(who, rpm, tpm, 0) for who, rpm, tpm, _ in adm.rates]
            adm.rate_tokens = 0  # so nothing to correct afterwards (no second round trip)
            await self._admit(principal, None, adm)
        return adm.decision

    async def acomplete(self, request: ChatRequest, hints: RouteHints | None = None, *,
                        principal: Principal = OPEN, model_overrides: dict[str, Any] | None = None,
                        request_id: str | None = None, body: bytes | None = None) -> ChatCompletion:
        """``body``: the bytes ``request`` was parsed from, exactly (the HTTP server's): a body
        seen before skips the sensitivity scan (``_AssessmentMemo``)."""
        started = time.perf_counter()
        request_id = request_id or new_request_id()
        admission = _Admission()
        try:
            decision = await self._front(admission, request, hints, principal, model_overrides, body)
            plan, hit = admission.plan, admission.hit
            if hit is not None:
                response = ChatCompletion(hit.response)
                response["turnout"] = record = self._hit_record(decision, hit, request_id)
                await self._settle(principal, admission, None, 0)
                self._account(request_id, request, principal, record, started, ttft_ms=None, status=200)
                response["turnout"] = self._view(record, principal)
                return response
            if self._admits(principal, admission):
                await self._admit(principal, decision, admission)
            try:
                response = await self.router.carry_out(request, decision)
            except BaseException:
                await self._settle(principal, admission, None, None)
                raise
            record = response["turnout"]
            if admission.reservation is not None or admission.rate_tokens:  # else _settle has nothing to do
                usage = record.get("usage") or {}
                await self._settle(principal, admission, record.get("cost_usd", 0.0),
                                   int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0)))
            record["cache"] = "miss" if plan is not None else "off"
            record["request_id"] = request_id
            self._account(request_id, request, principal, record, started, ttft_ms=None, status=200)
            # A fallback's answer is not the named model's: keep it out of that model's cache entry.
            if plan is not None and record.get("rule") != "retrieval-answer" and not record.get("fallback_reason"):
                await self._store(plan, request, decision, response, float(record.get("cost_usd", 0.0)))
            if principal.key is not None:  # else the caller sees the whole record (record_view)
                response["turnout"] = self._view(record, principal)
            return response
        except TurnoutError as exc:
            self._account_error(request_id, request, principal, admission.decision, exc, started)
            raise

    async def astream(self, request: ChatRequest, hints: RouteHints | None = None, *,
                      principal: Principal = OPEN, model_overrides: dict[str, Any] | None = None,
                      request_id: str | None = None, body: bytes | None = None) -> GatewayStream:
        started = time.perf_counter()
        request_id = request_id or new_request_id()
        admission = _Admission()
        try:
            decision = await self._front(admission, request, hints, principal, model_overrides, body)
            plan, hit = admission.plan, admission.hit
            if hit is None:
                if self._admits(principal, admission):
                    await self._admit(principal, decision, admission)
                try:
                    routed = await self.router.astream(request, hints, decision=decision)
                except BaseException:
                    await self._settle(principal, admission, None, None)
                    raise
        except TurnoutError as exc:
            self._account_error(request_id, request, principal, admission.decision, exc, started)
            raise
        ttft_ms = (time.perf_counter() - started) * 1000
        if hit is not None:
            return self._replay_hit(hit, decision, request, principal, admission, request_id, started, ttft_ms)
        record = routed.turnout
        record["cache"] = "miss" if plan is not None else "off"
        record["request_id"] = request_id
        seen: list[ChatCompletionChunk] | None = [] if plan is not None and plan[1].may_write else None

        async def chunks() -> AsyncIterator[ChatCompletionChunk]:
            status = 499  # the client closed the stream, unless it ends or fails below
            error: str | None = "client closed the stream"
            try:
                async for chunk in routed:  # the router collects the text (routed.text)
                    if seen is not None:
                        seen.append(chunk)
                    if "turnout" in chunk and principal.key is not None:
                        chunk = ChatCompletionChunk({**chunk, "turnout": self._view(chunk["turnout"], principal)})
                    yield chunk
                status, error = 200, None
            except TurnoutError as exc:
                status, error = exc.status_code, exc.message
                raise
            finally:
                if "usage" not in record:  # ended early: count what was produced
                    self.router.account(record, routed.model, None, request, "".join(routed.text))
                usage = record.get("usage") or {}
                await self._settle(principal, admission, record.get("cost_usd", 0.0),
                                   int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0)))
                self._account(request_id, request, principal, record, started, ttft_ms=ttft_ms,
                              status=status, error=error)
            if seen and status == 200 and record.get("rule") != "retrieval-answer" and not record.get("fallback_reason"):
                from turnout.cache import completion_from_chunks

                await self._store(plan, request, decision, completion_from_chunks(seen),
                                  float(record.get("cost_usd", 0.0)))

        return GatewayStream(routed.model, record, chunks())

    def _replay_hit(self, hit: Any, decision: Decision, request: ChatRequest, principal: Principal,
                    admission: _Admission, request_id: str, started: float, ttft_ms: float) -> GatewayStream:
        """A cache hit as a stream: the stored answer replayed as OpenAI chunks."""
        record = self._hit_record(decision, hit, request_id)

        async def chunks() -> AsyncIterator[ChatCompletionChunk]:
            replay = hit.chunks(include_usage=True)
            for i, chunk in enumerate(replay):
                if i == len(replay) - 1:
                    chunk["turnout"] = self._view(record, principal)
                yield chunk
            await self._settle(principal, admission, None, 0)
            self._account(request_id, request, principal, record, started, ttft_ms=ttft_ms, status=200)

        return GatewayStream(hit.model, record, chunks())

    def _view(self, record: dict[str, Any], principal: Principal) -> dict[str, Any]:
        """The decision record as this caller may see it (``record_view``)."""
        return caller_view(record, principal, shared_budget=bool(self._global_scopes))

    # -- accounting -----------------------------------------------------------------------
    def _account(self, request_id: str, request: ChatRequest, principal: Principal, record: dict[str, Any],
                 started: float, *, ttft_ms: float | None, status: int, error: str | None = None) -> None:
        latency_ms = (time.perf_counter() - started) * 1000
        usage = record.get("usage") or {}
        model = record.get("model", "")
        cost = float(record.get("cost_usd", 0.0) or 0.0)
        fallbacks = int(record.get("fallbacks_tried", 0) or 0)
        cache = record.get("cache", "off")
        saved = float(record.get("saved_usd", 0.0) or 0.0)
        sensitivity = record.get("signals", {}).get("sensitivity", "public")
        rule = record.get("rule", "")
        prompt_tokens = int(usage.get("prompt_tokens", 0))
        completion_tokens = int(usage.get("completion_tokens", 0))
        ledger = self.ledger
        if ledger is not None:
            ledger.record(_lazy("turnout.ledger").UsageRecord(
                request_id=request_id, model_used=model, key_id=principal.key_id,
                model_requested=request.model, rule=rule,
                prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                cached_tokens=int(usage.get("cached_tokens", 0)), tokens_estimated=bool(usage.get("estimated")),
                cost_usd=cost, saved_usd=saved, latency_ms=latency_ms, ttft_ms=ttft_ms, cache=cache,
                fallbacks=fallbacks, status=status, sensitivity=sensitivity, error=error,
                prompt=prompt_text(request.messages) if self.config.ledger.store_prompts and sensitivity != "confidential" else None,
                route=route_detail(record),
            ))
            if record.get("cascade"):  # its verdicts are labels: rows of the feedback table (every
                # decision record has the key; only a cascade that ran holds its outcomes there)
                self._record_outcomes(request_id, record)
        metrics.record_request(
            model, rule, status, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, cost_usd=cost,
            latency_s=latency_ms / 1000, ttft_s=ttft_ms / 1000 if ttft_ms is not None else None, cache=cache,
            fallbacks=fallbacks, saved_usd=saved,
        )

    def _record_outcomes(self, request_id: str, record: dict[str, Any]) -> None:
        from turnout.learn.feedback import cascade_labels
        from turnout.learn.feedback_store import outcome_writer
        from turnout.settings import default_ledger_url

        outcome_writer(self.config.ledger.url or default_ledger_url()).put(cascade_labels(request_id, record))

    def _account_error(self, request_id: str, request: ChatRequest, principal: Principal,
                       decision: Decision | None, exc: TurnoutError, started: float) -> None:
        metrics.record_error(type(exc).__name__, exc.status_code)
        ledger = self.ledger
        if ledger is None:
            return
        from turnout.ledger import UsageRecord

        ledger.record(UsageRecord(
            request_id=request_id, model_used="", key_id=principal.key_id, model_requested=request.model,
            rule=decision.rule if decision else "", status=exc.status_code, error=exc.message[:200],
            latency_ms=(time.perf_counter() - started) * 1000, cache="off",
            sensitivity=decision.signals.sensitivity.level.value if decision else "public",
            route=route_detail(decision.to_dict()) if decision else None,
        ))

    # -- listings -------------------------------------------------------------------------
    def list_models(self, principal: Principal = OPEN) -> dict[str, Any]:
        data = [{"id": AUTO, "object": "model", "created": 0, "owned_by": "turnout"}]
        for state in self.router.model_states():
            if state.available and principal.allowed(state.info.name):
                data.append({"id": state.info.name, "object": "model", "created": 0, "owned_by": state.info.provider})
        for group in self.router.groups.names():  # model groups answer to their own name
            if principal.allowed(group):
                data.append({"id": group, "object": "model", "created": 0, "owned_by": "turnout"})
        return {"object": "list", "data": data}

    def health(self) -> dict[str, Any]:
        states = self.router.model_states()
        return {
            "status": "ok",
            "models": {s.info.name: ("cooling_down" if s.cooling_for_s else "ok" if s.available else "unavailable")
                       for s in states},
        }


@functools.cache
def _lazy(module: str) -> Any:
    """A module imported on first use, then kept: ``from m import f`` inside a function costs
    ~1 µs on every call (issue 17), and these run on every request. For the modules the library
    may never need (keys, the ledger: tens of milliseconds to import)."""
    return importlib.import_module(module)


def new_request_id() -> str:
    """A time-ordered random id: a UUID version 7 (RFC 9562) as 32 hex digits, 48 bits of Unix
    milliseconds then 74 random bits.

    Every answer's id is the ledger's unique key. A random (version 4) id lands at a random
    place in that index, so each batch the writer commits touched a different page per record;
    ids that grow with time all go to the index's last pages, which halves the writer's CPU per
    record (bench/bench_ledger_writer.py, docs/benchmarks.md, issue 17). The 74 random bits keep
    ids as hard to guess as before for anyone who does not already know the millisecond."""
    raw = bytearray((time.time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(10))
    raw[6] = raw[6] & 0x0F | 0x70  # version 7
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 / 9562 variant
    return raw.hex()


_ROUTE_FIELDS = ("requested_model", "reason", "signals", "rejected", "fallback_chain", "estimated_cost_usd",
                 "cascade", "attempts", "cache_info", "escalated")


def route_detail(record: dict[str, Any]) -> dict[str, Any]:
    """What the request log keeps of a decision (never message text: signals carry PII spans
    as offsets only)."""
    out = {}
    for k in _ROUTE_FIELDS:  # (a loop, not a comprehension: no function frame, every request)
        if k in record:
            out[k] = record[k]
    return out


_default: Gateway | None = None
_default_lock = threading.Lock()


def default_gateway() -> Gateway:
    """The library's gateway, from ./turnout.yaml (or $TURNOUT_CONFIG) or the defaults."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Gateway.from_file()
    return _default


def set_default_gateway(gateway: Gateway | None) -> None:
    global _default
    _default = gateway


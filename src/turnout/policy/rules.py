"""Routing rules are data: an ordered list of ``when`` conditions on the signals -> a choice.

    rules:
      - name: confidential-local
        when: {sensitivity: confidential}
        choose: cheapest            # cheapest | fastest | longest_context | strongest | balanced | by_complexity
        among: {local: true}
      - name: simple-cheap
        when: {complexity: simple}
        use: [gpt-4o-mini, gpt-3.5-turbo]   # first that qualifies
      - name: long-context
        when: {context_tokens_gt: 8000}
        choose: by_complexity       # among the models whose window fits: as the request needs

One pydantic schema checks them, so a typo is a clear error naming the rule and the field.
"""

from __future__ import annotations

import fnmatch
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from turnout.catalog import ModelInfo
from turnout.policy.signals import Signals
from turnout.types import Complexity, Sensitivity

Strategy = Literal["cheapest", "fastest", "longest_context", "strongest", "balanced", "by_complexity"]

# ``by_complexity``: the strategy the request's complexity asks for (the founding design's own
# mapping: simple -> cheap, moderate -> balanced, complex -> strong).
_BY_COMPLEXITY: dict[Complexity, Strategy] = {
    Complexity.SIMPLE: "cheapest", Complexity.MODERATE: "balanced", Complexity.COMPLEX: "strongest",
}


def _as_list(value: Any) -> Any:
    if value is None or isinstance(value, list):
        return value
    return [value]


class Condition(BaseModel):
    """All given fields must hold (AND). Lists mean any-of."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sensitivity: list[Sensitivity] | None = None
    complexity: list[Complexity] | None = None
    min_sensitivity: Sensitivity | None = None
    min_complexity: Complexity | None = None
    context_tokens_gt: int | None = None
    prompt_tokens_gt: int | None = None
    max_cost_usd_lt: float | None = None
    max_latency_ms_lt: float | None = None
    complexity_score_gte: float | None = None
    has_tools: bool | None = None
    stream: bool | None = None

    _listify = field_validator("sensitivity", "complexity", mode="before")(_as_list)

    def matches(self, s: Signals) -> bool:
        if self.sensitivity is not None and s.sensitivity.level not in self.sensitivity:
            return False
        if self.complexity is not None and s.complexity.level not in self.complexity:
            return False
        if self.min_sensitivity is not None and s.sensitivity.level.rank < self.min_sensitivity.rank:
            return False
        if self.min_complexity is not None and s.complexity.level.rank < self.min_complexity.rank:
            return False
        if self.context_tokens_gt is not None and not s.context_tokens > self.context_tokens_gt:
            return False
        if self.prompt_tokens_gt is not None and not s.prompt_tokens > self.prompt_tokens_gt:
            return False
        if self.max_cost_usd_lt is not None and not (
            s.max_cost_usd is not None and s.max_cost_usd < self.max_cost_usd_lt
        ):
            return False
        if self.max_latency_ms_lt is not None and not (
            s.max_latency_ms is not None and s.max_latency_ms < self.max_latency_ms_lt
        ):
            return False
        if self.complexity_score_gte is not None and not (
            s.complexity.score is not None and s.complexity.score >= self.complexity_score_gte
        ):
            return False
        if self.has_tools is not None and s.has_tools != self.has_tools:
            return False
        return not (self.stream is not None and s.stream != self.stream)

    def describe(self) -> str:
        parts = []
        for key, value in self.model_dump(exclude_none=True).items():
            if isinstance(value, list):
                value = "|".join(str(getattr(v, "value", v)) for v in value)
            parts.append(f"{key}={getattr(value, 'value', value)}")
        return ", ".join(parts) or "always"


class Among(BaseModel):
    """Narrows a strategy's pool: by locality, tier, provider or name pattern."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    local: bool | None = None
    min_tier: int | None = None
    max_tier: int | None = None
    provider: list[str] | None = None
    models: list[str] | None = None  # glob patterns

    _listify = field_validator("provider", "models", mode="before")(_as_list)

    def admits(self, info: ModelInfo) -> bool:
        if self.local is not None and info.local != self.local:
            return False
        if self.min_tier is not None and info.tier < self.min_tier:
            return False
        if self.max_tier is not None and info.tier > self.max_tier:
            return False
        if self.provider is not None and info.provider not in self.provider:
            return False
        return not (
            self.models is not None and not any(fnmatch.fnmatchcase(info.name, p) for p in self.models)
        )


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    when: Condition = Field(default_factory=Condition)
    use: list[str] | None = None  # named models in preference order
    choose: Strategy | None = None
    among: Among | None = None
    cascade: bool = False  # answer with the cheap model first, escalate on low confidence

    _listify = field_validator("use", mode="before")(_as_list)

    @model_validator(mode="after")
    def _one_choice(self) -> Rule:
        if (self.use is None) == (self.choose is None):
            raise ValueError(f"rule {self.name!r}: give exactly one of `use` (model names) or `choose` (a strategy)")
        return self

    def describe(self) -> str:
        target = f"use {', '.join(self.use)}" if self.use else f"choose {self.choose}"
        return f"{self.name}: when {self.when.describe()} -> {target}"


def order_by_strategy(pool: list[ModelInfo], strategy: Strategy, signals: Signals,
                      latency_ms: dict[str, float]) -> list[ModelInfo]:
    """The pool sorted best-first for a strategy; ties broken by estimated cost, then name.
    ``latency_ms``: each model's predicted latency for this request (ModelState.predicted_ms);
    `fastest` puts unmeasured models last."""

    def cost(m: ModelInfo) -> float:
        return signals.cost_for(m)

    def latency(m: ModelInfo) -> float:
        return latency_ms.get(m.name, float("inf"))

    if strategy == "by_complexity":
        strategy = _BY_COMPLEXITY[signals.complexity.level]
    if strategy == "cheapest":
        key: Any = lambda m: (cost(m), -m.tier, m.name)  # noqa: E731
    elif strategy == "fastest":
        key = lambda m: (latency(m), cost(m), m.name)  # noqa: E731
    elif strategy == "longest_context":
        key = lambda m: (-m.context_window, cost(m), m.name)  # noqa: E731
    elif strategy == "strongest":
        key = lambda m: (-m.tier, cost(m), m.name)  # noqa: E731
    else:  # balanced: mid tier first, then nearest tiers, cheaper first
        key = lambda m: (abs(m.tier - 2), -m.tier, cost(m), m.name)  # noqa: E731
    return sorted(pool, key=key)


DEFAULT_LONG_CONTEXT_TOKENS = 8_000


def founding_rules() -> list[Rule]:
    """The founding design's rules 1-4 and its default, as data.

    Rule 3 there read ``max_tokens > 8000``; here it is the real context: prompt tokens plus
    the output budget, and it means "a model that can read it": the context window is a hard
    constraint on every candidate, so among the cloud models whose window fits, the request's
    complexity chooses as in the other rules (not the longest window, nor the weakest model
    that has one). Rule 2 picks the cheapest *cloud* model (the design's gpt-3.5-turbo);
    when no cloud model is available the later rules and the default still find a local one.
    """
    return [
        Rule(name="confidential-local", when=Condition(sensitivity=[Sensitivity.CONFIDENTIAL]),
             choose="cheapest", among=Among(local=True)),
        Rule(name="simple-cheap", when=Condition(complexity=[Complexity.SIMPLE]),
             choose="cheapest", among=Among(local=False)),
        Rule(name="long-context", when=Condition(context_tokens_gt=DEFAULT_LONG_CONTEXT_TOKENS),
             choose="by_complexity", among=Among(local=False)),
        Rule(name="complex-strong", when=Condition(complexity=[Complexity.COMPLEX]),
             choose="strongest", among=Among(local=False)),
        Rule(name="default-balanced", choose="balanced", among=Among(local=False)),
    ]

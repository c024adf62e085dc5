"""The five routing signals of a request, given by the caller or measured.

1. sensitivity  (given, or found by a detector: the seam ``SensitivityDetector``)
2. complexity   (given, or scored by a classifier: the seam ``ComplexityClassifier``)
3. context      real prompt tokens + the output budget (max_tokens), against each window
4. cost         per-candidate estimate, a per-request cap, the remaining budget
5. latency      a per-request cap, against each model's live latency estimate
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from turnout import tokens
from turnout.catalog import ModelInfo
from turnout.types import Complexity, Sensitivity


class PiiSpan(NamedTuple):
    """Where a detector found something: type and position, never the value. (A named tuple:
    a PII-dense prompt makes dozens per request, on the routing hot path.)"""

    type: str
    message: int  # -1: not in a message but in a request parameter, named by ``path``
    start: int
    end: int
    path: str = ""  # e.g. "tools[0].function.description", for findings outside messages

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "message": self.message, "start": self.start, "end": self.end}
        if self.path:
            out["path"] = self.path
        return out


@dataclass(frozen=True, slots=True)
class SensitivityAssessment:
    level: Sensitivity
    source: str  # "given" | "detected" | "given+detected" | "default"
    findings: tuple[PiiSpan, ...] = ()


@dataclass(frozen=True, slots=True)
class ComplexityAssessment:
    level: Complexity
    source: str  # "given" | "classifier" | "default"
    score: float | None = None  # estimated need for a strong model, in [0, 1]


class SensitivityDetector(Protocol):
    def assess(self, messages: list[dict[str, Any]], given: Sensitivity | None) -> SensitivityAssessment: ...


class ComplexityClassifier(Protocol):
    def assess(self, messages: list[dict[str, Any]], given: Complexity | None) -> ComplexityAssessment: ...


class LabelsOnly:
    """The seam's trivial filling: the caller's label, else a fixed default."""

    def __init__(self, sensitivity: Sensitivity = Sensitivity.PUBLIC,
                 complexity: Complexity = Complexity.MODERATE) -> None:
        self.default_sensitivity = sensitivity
        self.default_complexity = complexity

    def assess_sensitivity(self, messages: list[dict[str, Any]], given: Sensitivity | None) -> SensitivityAssessment:
        if given is not None:
            return SensitivityAssessment(given, "given")
        return SensitivityAssessment(self.default_sensitivity, "default")

    def assess_complexity(self, messages: list[dict[str, Any]], given: Complexity | None) -> ComplexityAssessment:
        if given is not None:
            return ComplexityAssessment(given, "given")
        return ComplexityAssessment(self.default_complexity, "default")


class Signals:
    """The signals of one request. Complexity is scored lazily, on first use: a request naming
    its model, or one a confidential rule takes, never pays for the classifier."""

    __slots__ = ("_complexity", "_score_complexity", "budget_remaining_usd", "extra", "has_tools",
                 "max_cost_usd", "max_latency_ms", "max_tokens", "params", "prompt_tokens", "prompt_tokens_exact",
                 "sensitivity", "stream")

    def __init__(
        self,
        sensitivity: SensitivityAssessment,
        complexity: ComplexityAssessment | Callable[[], ComplexityAssessment],
        prompt_tokens: int,
        max_tokens: int,  # the output budget the request reserves
        max_cost_usd: float | None = None,
        max_latency_ms: float | None = None,
        budget_remaining_usd: float | None = None,
        has_tools: bool = False,
        stream: bool = False,
        extra: dict[str, Any] | None = None,
        prompt_tokens_exact: bool = True,  # False: an upper bound that fits every threshold
        params: dict[str, Any] | None = None,  # the request's parameters (n, reasoning_effort, ...)
    ) -> None:
        self.sensitivity = sensitivity
        if isinstance(complexity, ComplexityAssessment):
            self._complexity: ComplexityAssessment | None = complexity
            self._score_complexity: Callable[[], ComplexityAssessment] | None = None
        else:
            self._complexity, self._score_complexity = None, complexity
        self.prompt_tokens = prompt_tokens
        self.prompt_tokens_exact = prompt_tokens_exact
        self.max_tokens = max_tokens
        self.max_cost_usd = max_cost_usd
        self.max_latency_ms = max_latency_ms
        self.budget_remaining_usd = budget_remaining_usd
        self.has_tools = has_tools
        self.stream = stream
        self.extra = extra if extra is not None else {}
        self.params = params if params is not None else {}

    @property
    def complexity(self) -> ComplexityAssessment:
        if self._complexity is None:
            assert self._score_complexity is not None
            self._complexity = self._score_complexity()
        return self._complexity

    @property
    def context_tokens(self) -> int:
        return self.prompt_tokens + self.max_tokens

    # -- what the parameters do to the cost ----------------------------------------------------

    def output_tokens_for(self, info: ModelInfo) -> int:
        """The output a request may bill on ``info``: per choice, the caller's cap (which
        bounds reasoning too) or, with none, the default budget scaled by ``verbosity`` plus
        the reasoning a reasoning model is expected to spend (``reasoning_effort``, or an
        Anthropic ``thinking`` budget); times ``n`` choices."""
        params = self.params
        n = params.get("n")
        choices = n if isinstance(n, int) and not isinstance(n, bool) and n > 1 else 1
        if params.get("max_completion_tokens") is not None or params.get("max_tokens") is not None:
            return self.max_tokens * choices
        visible = self.max_tokens
        verbosity = params.get("verbosity")
        if verbosity == "low":
            visible = max(1, visible // 2)
        elif verbosity == "high":
            visible *= 2
        reasoning = 0
        thinking = params.get("thinking")
        if isinstance(thinking, dict) and thinking.get("type") == "enabled":
            budget = thinking.get("budget_tokens")
            reasoning = budget if isinstance(budget, int) and budget > 0 else 0
        elif tokens.is_reasoning_model(info.wire_model) or info.extra.get("reasoning"):
            effort = params.get("reasoning_effort")
            reasoning = tokens.REASONING_TOKENS.get(effort if isinstance(effort, str) else "medium", 4_096)
        return (visible + reasoning) * choices

    def price_factor_for(self, info: ModelInfo) -> float:
        """OpenAI's ``service_tier``: ``flex`` bills half, ``priority`` about twice."""
        tier = self.params.get("service_tier")
        if info.provider != "openai" or tier not in ("flex", "priority"):
            return 1.0
        return 0.5 if tier == "flex" else 2.0

    def cost_for(self, info: ModelInfo) -> float:
        """The estimated cost of this request on ``info``: every input token counted (tools,
        schemas, images), the output as :meth:`output_tokens_for`, the service tier's price."""
        return info.cost_usd(self.prompt_tokens, self.output_tokens_for(info)) * self.price_factor_for(info)

    def to_dict(self) -> dict[str, Any]:
        c = self._complexity
        out: dict[str, Any] = {
            "sensitivity": self.sensitivity.level.value,
            "sensitivity_source": self.sensitivity.source,
            "complexity": c.level.value if c else None,
            "complexity_source": c.source if c else "not_needed",
            "complexity_score": c.score if c else None,
            "prompt_tokens": self.prompt_tokens,
            "prompt_tokens_exact": self.prompt_tokens_exact,
            "max_tokens": self.max_tokens,
            "context_tokens": self.context_tokens,
        }
        if self.sensitivity.findings:
            out["pii"] = [f.to_dict() for f in self.sensitivity.findings]
        if self.max_cost_usd is not None:
            out["max_cost_usd"] = self.max_cost_usd
        if self.max_latency_ms is not None:
            out["max_latency_ms"] = self.max_latency_ms
        if self.budget_remaining_usd is not None:
            out["budget_remaining_usd"] = round(self.budget_remaining_usd, 6)
        return out

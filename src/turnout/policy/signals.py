"""The five routing signals of a request, given by the caller or measured.

1. sensitivity  (given, or found by a detector: the seam ``SensitivityDetector``)
2. complexity   (given, or scored by a classifier: the seam ``ComplexityClassifier``)
3. context      real prompt tokens + the output budget (max_tokens), against each window
4. cost         per-candidate estimate, a per-request cap, the remaining budget
5. latency      a per-request cap, against each model's live latency estimate
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from turnout.types import Complexity, Sensitivity


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """Where a detector found something: type and position, never the value."""

    type: str
    message: int
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "message": self.message, "start": self.start, "end": self.end}


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


@dataclass(slots=True)
class Signals:
    sensitivity: SensitivityAssessment
    complexity: ComplexityAssessment
    prompt_tokens: int
    max_tokens: int  # the output budget the request reserves
    max_cost_usd: float | None = None
    max_latency_ms: float | None = None
    budget_remaining_usd: float | None = None
    has_tools: bool = False
    stream: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def context_tokens(self) -> int:
        return self.prompt_tokens + self.max_tokens

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sensitivity": self.sensitivity.level.value,
            "sensitivity_source": self.sensitivity.source,
            "complexity": self.complexity.level.value,
            "complexity_source": self.complexity.source,
            "complexity_score": self.complexity.score,
            "prompt_tokens": self.prompt_tokens,
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

"""Fill the policy's two seams with the detectors: PII/secrets -> sensitivity, the trained
scorer -> complexity. The router calls ``assess`` on every request that carries no label
(sensitivity detection also runs on labelled requests: a label may raise the level freely but
lower it only where the config allows)."""

from __future__ import annotations

from typing import Any

from turnout.config import DetectionConfig
from turnout.policy.signals import ComplexityAssessment, PiiSpan, SensitivityAssessment
from turnout.types import ChatRequest, Complexity, Sensitivity, message_text

_SOURCES = {"given": "given", "detected": "detected", "both": "given+detected"}


class PiiSensitivityDetector:
    def __init__(self, config: DetectionConfig) -> None:
        from turnout.detect.pii import Detector, default_detector
        from turnout.detect.sensitivity import SensitivityPolicy

        if config.custom_terms or config.custom_patterns:
            self.detector = Detector(config.custom_terms, config.custom_patterns)
        else:
            self.detector = default_detector()
        if config.deep:  # the optional deep scan: the same interface, fast findings first
            from turnout.detect.deep import deep_detector

            self.detector = deep_detector(config.custom_terms, config.custom_patterns, model=config.deep_model)
        self.policy = SensitivityPolicy.from_dict({
            "levels": {k: v.value for k, v in config.policy.items()},
            "allow_downgrade": config.allow_downgrade,
        })
        from turnout.detect.pii_policy import PiiPolicy
        from turnout.detect.sensitivity import assess_located

        # kept, not imported in ``assess``: an import statement costs ~1 µs on every request
        self._assess_located = assess_located

        self.pii_policy = PiiPolicy.from_config(
            None if config.combinations is None else [c.model_dump() for c in config.combinations],
            config.public_figures,
            config.historical_context,
        )
        self.binary = config.binary

    def assess(self, messages: list[dict[str, Any]], given: Sensitivity | None,
               params: dict[str, Any] | None = None) -> SensitivityAssessment:
        level, source, _, located = self._assess_located(messages, given, self.policy, self.detector, params=params,
                                                   binary=self.binary, pii_policy=self.pii_policy)
        spans = tuple(PiiSpan(kind, index, start, end, "" if index >= 0 else path)
                      for index, kind, start, end, _score, path in located)
        return SensitivityAssessment(level, _SOURCES[source] if located or given is not None else "detected", spans)

    def assess_request(self, request: ChatRequest, given: Sensitivity | None) -> SensitivityAssessment:
        """Every field the request carries: messages and every parameter, known or not."""
        return self.assess(request.messages, given, request.params)


class ScoredComplexityClassifier:
    """Scores the last user message (what the trained scorer saw: one prompt)."""

    def __init__(self, config: DetectionConfig) -> None:
        from turnout.detect.complexity import ComplexityScorer

        self.scorer = ComplexityScorer.load()
        self.thresholds = (self.scorer.thresholds_for_strong_share(config.target_strong_share)
                           if config.target_strong_share is not None else None)

    def assess(self, messages: list[dict[str, Any]], given: Complexity | None) -> ComplexityAssessment:
        if given is not None:
            return ComplexityAssessment(given, "given")
        user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
        text = message_text(user) if user is not None else message_text(messages[-1])
        level, score = self.scorer.classify(text, self.thresholds)
        return ComplexityAssessment(level, "classifier", round(score, 4))


def sensitivity_detector(config: DetectionConfig) -> PiiSensitivityDetector | None:
    return PiiSensitivityDetector(config) if config.pii else None


def complexity_classifier(config: DetectionConfig) -> ScoredComplexityClassifier | None:
    return ScoredComplexityClassifier(config) if config.complexity else None

"""The learned router as the policy engine's ``quality`` seam: configured models' expected
quality on one request, for ``routing.quality_target``. Loaded once per Router; the model
itself (numpy, the shipped embedding) loads on first use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from turnout.catalog import ModelInfo
from turnout.errors import ConfigError

if TYPE_CHECKING:
    from turnout.config import RoutingConfig
    from turnout.learn.model import LearnedRouter

DEFAULT_QUALITY_TARGET = 0.85


def learned_router_for(rcfg: RoutingConfig) -> tuple[LearnedRouter | None, float | None]:
    """(router, target) from ``routing.router`` / ``routing.quality_target``; (None, None)
    when neither is set. A router directory that does not load is a config error."""
    if rcfg.router is None and rcfg.quality_target is None:
        return None, None
    from turnout.learn.model import LearnedRouter

    try:
        router = LearnedRouter.load(rcfg.router)
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"routing.router: cannot load {rcfg.router or 'the shipped router'}: {exc}") from None
    target = rcfg.quality_target if rcfg.quality_target is not None else DEFAULT_QUALITY_TARGET
    return router, target


def request_text(messages: Sequence[dict[str, Any]]) -> str:
    """What the router reads: the last user turn (as the complexity scorer does)."""
    from turnout.types import message_text

    user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    if user is not None:
        return message_text(user)
    return message_text(messages[-1]) if messages else ""


def quality_of(router: LearnedRouter, messages: Sequence[dict[str, Any]]
               ) -> Callable[[Sequence[ModelInfo]], dict[str, float]]:
    """The engine's callback: called at most once, only when the quality target decides."""
    def quality(pool: Sequence[ModelInfo]) -> dict[str, float]:
        text = request_text(messages)
        return router.predict(text, [m.name for m in pool], {m.name: m.tier for m in pool})
    return quality


class NeedClassifier:
    """The complexity seam filled by a fitted router (``turnout classify --router DIR``): score =
    need for the strong model (the best in the fitted data); the level is a view over it:
    below 0.25 SIMPLE (the best other model is likely right), from 0.5 COMPLEX (only the
    strong model, or neither, is likely right)."""

    SIMPLE_BELOW = 0.25
    COMPLEX_FROM = 0.5

    def __init__(self, directory: str) -> None:
        from turnout.learn.model import LearnedRouter

        try:
            self.router = LearnedRouter.load(directory)
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"--router {directory}: {exc}") from None

    def assess(self, messages: list[dict[str, Any]], given: Any) -> Any:
        from turnout.policy.signals import ComplexityAssessment
        from turnout.types import Complexity

        if given is not None:
            return ComplexityAssessment(given, "given")
        score = self.router.score(request_text(messages))
        level = (Complexity.SIMPLE if score < self.SIMPLE_BELOW else
                 Complexity.COMPLEX if score >= self.COMPLEX_FROM else Complexity.MODERATE)
        return ComplexityAssessment(level, "router", round(score, 4))

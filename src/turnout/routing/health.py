"""Live model state for routing: a circuit breaker per model and moving latency estimates.

``HealthTracker`` is the in-process version; a shared (Redis) store can stand in for it with the
same methods so several gateways cool a failing model down together. Reads are synchronous and
cheap because the policy engine asks for every candidate on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

EWMA_ALPHA = 0.2  # weight of the newest sample: reacts in ~5 calls, smooths single outliers


class HealthView(Protocol):
    def cooling_for(self, model: str) -> float | None: ...
    def latency_ms(self, model: str) -> tuple[float, float | None] | None: ...
    async def record_success(self, model: str, latency_ms: float, ttft_ms: float | None) -> None: ...
    async def record_failure(self, model: str) -> bool: ...


@dataclass(slots=True)
class _ModelHealth:
    consecutive_failures: int = 0
    cooling_until: float = 0.0
    latency_ms: float | None = None
    ttft_ms: float | None = None


class HealthTracker:
    def __init__(self, failure_threshold: int = 3, cooldown_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._models: dict[str, _ModelHealth] = {}

    def _get(self, model: str) -> _ModelHealth:
        state = self._models.get(model)
        if state is None:
            state = self._models[model] = _ModelHealth()
        return state

    def cooling_for(self, model: str) -> float | None:
        """Seconds left in the model's cool-down, or None when it may be called."""
        state = self._models.get(model)
        if state is None or state.cooling_until == 0.0:
            return None
        left = state.cooling_until - self._clock()
        return left if left > 0 else None

    def latency_ms(self, model: str) -> tuple[float, float | None] | None:
        state = self._models.get(model)
        if state is None or state.latency_ms is None:
            return None
        return state.latency_ms, state.ttft_ms

    async def record_success(self, model: str, latency_ms: float, ttft_ms: float | None = None) -> None:
        state = self._get(model)
        state.consecutive_failures = 0
        state.cooling_until = 0.0
        state.latency_ms = latency_ms if state.latency_ms is None else (
            EWMA_ALPHA * latency_ms + (1 - EWMA_ALPHA) * state.latency_ms)
        if ttft_ms is not None:
            state.ttft_ms = ttft_ms if state.ttft_ms is None else (
                EWMA_ALPHA * ttft_ms + (1 - EWMA_ALPHA) * state.ttft_ms)

    async def record_failure(self, model: str) -> bool:
        """Count a failure; at the threshold the model cools down. Returns True if cooling."""
        state = self._get(model)
        state.consecutive_failures += 1
        if state.consecutive_failures >= self.failure_threshold:
            state.cooling_until = self._clock() + self.cooldown_s
            state.consecutive_failures = 0
            return True
        return False

"""What routing needs to know of live model state: a circuit breaker per model and moving
latency estimates. The stores live in ``turnout.limits`` (memory for one process, Redis shared
by several gateways); reads are synchronous and cheap because the policy engine asks for every
candidate on every request.
"""

from __future__ import annotations

from typing import Protocol


class HealthView(Protocol):
    def cooling_for(self, model: str) -> float | None: ...
    def latency_ms(self, model: str) -> tuple[float, float | None] | None: ...
    async def record_success(self, model: str, latency_ms: float, ttft_ms: float | None) -> None: ...
    async def record_failure(self, model: str) -> bool: ...

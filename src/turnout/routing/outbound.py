"""The one door every call to a model passes through.

Routing, retries, fallbacks, cascades, self-checks and retrieval all call models through an
``OutboundGuard``; it refuses to send a confidential request to a model not marked local, so
PRODUCT invariant 1 is enforced here once instead of in each strategy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from turnout.errors import ConfidentialityError
from turnout.providers.base import Provider
from turnout.types import ChatCompletion, ChatCompletionChunk, ChatRequest, Sensitivity


class OutboundGuard:
    def check(self, provider: Provider, sensitivity: Sensitivity) -> None:
        if sensitivity is Sensitivity.CONFIDENTIAL and not provider.local:
            raise ConfidentialityError(
                f"refusing to send a confidential request to {provider.name}, which is not a local model",
                model=provider.name,
            )

    async def complete(self, provider: Provider, request: ChatRequest, sensitivity: Sensitivity,
                       *, timeout: float | None) -> ChatCompletion:
        self.check(provider, sensitivity)
        return await provider.acomplete(request, timeout=timeout)

    def stream(self, provider: Provider, request: ChatRequest, sensitivity: Sensitivity,
               *, timeout: float | None) -> AsyncIterator[ChatCompletionChunk]:
        self.check(provider, sensitivity)
        return provider.astream(request, timeout=timeout)

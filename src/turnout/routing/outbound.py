"""The one door every call to a model passes through.

Routing, retries, fallbacks, cascades, self-checks and retrieval all call models through an
``OutboundGuard``. It refuses to send a confidential request to a model not marked local, so
PRODUCT invariant 1 is enforced here once instead of in each strategy. With redaction on, it
also replaces PII in whatever goes to a non-local model with placeholders and restores the
originals in the answer, streamed or not; a redaction error fails the call (closed), it never
sends the original text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any

from turnout.errors import ConfidentialityError
from turnout.providers.base import Provider
from turnout.providers.portable import for_provider
from turnout.types import ChatCompletion, ChatCompletionChunk, ChatRequest, Sensitivity


class OutboundGuard:
    def __init__(self, redactor: Any = None) -> None:
        self.redactor = redactor  # turnout.detect.redact.Redactor, or None: no redaction

    def check(self, provider: Provider, sensitivity: Sensitivity) -> None:
        if sensitivity is Sensitivity.CONFIDENTIAL and not provider.local:
            raise ConfidentialityError(
                f"refusing to send a confidential request to {provider.name}, which is not a local model",
                model=provider.name,
            )

    def _redact(self, provider: Provider, request: ChatRequest) -> tuple[ChatRequest, Any]:
        if self.redactor is None or provider.local:
            return request, None
        redacted, mapping = self.redactor.redact_request(request)  # every field, not only messages
        if not len(mapping):
            return request, None
        return redacted, mapping

    def complete(self, provider: Provider, request: ChatRequest, sensitivity: Sensitivity,
                 *, timeout: float | None) -> Awaitable[ChatCompletion]:
        """The call to await. Checked here, before anything is sent; without redaction it is
        the provider's own coroutine (no coroutine of ours in between on every call)."""
        self.check(provider, sensitivity)
        request, mapping = self._redact(provider, for_provider(request, provider.kind))
        if mapping is None:
            return provider.acomplete(request, timeout=timeout)
        return _restored_completion(provider.acomplete(request, timeout=timeout), mapping)

    def stream(self, provider: Provider, request: ChatRequest, sensitivity: Sensitivity,
               *, timeout: float | None) -> AsyncIterator[ChatCompletionChunk]:
        self.check(provider, sensitivity)
        request, mapping = self._redact(provider, for_provider(request, provider.kind))
        upstream = provider.astream(request, timeout=timeout)
        if mapping is None:
            return upstream
        return _restored(upstream, mapping.chunk_restorer())


async def _restored_completion(call: Awaitable[ChatCompletion], mapping: Any) -> ChatCompletion:
    response = await call
    mapping.restore_completion(response)
    return response


async def _restored(upstream: AsyncIterator[ChatCompletionChunk], restorer: Any) -> AsyncIterator[ChatCompletionChunk]:
    """Restore placeholders chunk by chunk; a placeholder split across chunks is held back
    only as long as it could still be one."""
    try:
        async for chunk in upstream:
            yield restorer.restore(chunk)
    finally:
        aclose = getattr(upstream, "aclose", None)
        if aclose is not None:
            await aclose()

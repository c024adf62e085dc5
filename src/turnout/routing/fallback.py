"""Retries and fallback chains: try the chosen model, retry transient errors with backoff
(honouring ``Retry-After``), then walk the fallback chain. For streams all of it happens
before the first content chunk reaches the caller (PRODUCT invariant 5).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from turnout.catalog import ModelInfo
from turnout.config import RetryConfig
from turnout.errors import (
    BadRequestError,
    ConfidentialityError,
    ContextWindowExceededError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    RequestTooLargeError,
    TurnoutError,
)
from turnout.errors import TimeoutError as TurnoutTimeout
from turnout.providers.base import Provider
from turnout.providers.registry import provider_for
from turnout.routing.health import HealthView
from turnout.routing.outbound import OutboundGuard
from turnout.types import ChatCompletion, ChatCompletionChunk, ChatRequest, Sensitivity


@dataclass(slots=True)
class Attempt:
    model: str
    ok: bool
    latency_ms: float
    error: str | None = None
    error_type: str | None = None
    status: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"model": self.model, "ok": self.ok, "latency_ms": round(self.latency_ms, 2)}
        if self.error is not None:
            out.update(error=self.error[:300], error_type=self.error_type, status=self.status)
        return out


def _retryable_here(exc: TurnoutError, retry: RetryConfig) -> bool:
    if isinstance(exc, RateLimitError):
        return exc.retryable and (exc.retry_after is None or exc.retry_after <= retry.max_retry_after_s)
    return exc.retryable


def caused_by_request(exc: TurnoutError) -> bool:
    """An upstream 400, 404, 413 or 422: the request itself was refused. It goes back to the
    caller as that 4xx and says nothing about the model's health (one caller's bad input must
    never take a model out of service for everyone, PRODUCT invariant 4)."""
    return isinstance(exc, BadRequestError | NotFoundError | RequestTooLargeError)


def counts_against_health(exc: TurnoutError) -> bool:
    """Only what the model's side caused: 5xx, timeouts, resets, malformed answers, 429."""
    if isinstance(exc, RateLimitError):
        return True
    return isinstance(exc, ProviderError) and not isinstance(exc, ConfidentialityError)


def _falls_back(exc: TurnoutError) -> bool:
    """A request the upstream refused would fail anywhere; all else may succeed elsewhere
    (a context-window error moves on to models with a larger window)."""
    if isinstance(exc, ContextWindowExceededError):
        return True
    return not (caused_by_request(exc) or isinstance(exc, ConfidentialityError))


def _backoff(retry: RetryConfig, attempt: int, retry_after: float | None) -> float:
    delay = min(retry.max_backoff_s, retry.backoff_s * (2**attempt))
    delay = delay * (0.5 + random.random() / 2)  # jitter: spread retries of many clients apart
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay



class FallbackRunner:
    def __init__(
        self,
        guard: OutboundGuard,
        health: HealthView,
        retry: RetryConfig,
        timeout_s: float,
        total_timeout_s: float,
        *,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._clock = clock  # times attempts (latency, TTFT); deadlines stay on the real clock
        self._guard = guard
        self._providers: dict[int, Provider] = {}
        self._health = health
        self._retry = retry
        self._timeout_s = timeout_s
        self._total_timeout_s = total_timeout_s

    def provider(self, info: ModelInfo) -> Provider:
        """The provider for ``info`` (the registry's instance). Hashing a ModelInfo per call is
        measurable at gateway rates: remembered by identity."""
        provider = self._providers.get(id(info))
        if provider is None or provider.info is not info:
            if len(self._providers) > 1024:  # ad-hoc models are new objects per call: stay bounded
                self._providers.clear()
            provider = self._providers[id(info)] = provider_for(info)
        return provider

    def _plan(self, chain: list[str]) -> list[str]:
        if len(chain) == 1:  # one model: it is tried, cooling or not (as below), with no health read
            return chain
        return [m for m in chain if self._health.cooling_for(m) is None] or chain[:1]

    async def _note_failure(self, model: str, exc: TurnoutError) -> None:
        if counts_against_health(exc):
            await self._health.record_failure(model)

    async def _attempt_chain(
        self, chain: list[str], request: ChatRequest, sensitivity: Sensitivity,
        info_for: Callable[[str], ModelInfo], attempts: list[Attempt], *, stream: bool,
    ) -> tuple[str, Any, float, float]:
        """Call each model of the chain in turn (``complete``, or ``_open`` a stream): retry
        what a retry can fix, fall back on the rest. Returns (model, result, start time,
        elapsed ms) of the first success. Every call goes through the guard."""
        deadline = time.monotonic() + self._total_timeout_s
        last: TurnoutError | None = None
        min_window = 0
        for model in self._plan(chain):
            info = info_for(model)
            if info.context_window <= min_window:
                continue  # a context-window error moves on to larger windows only
            provider = self.provider(info)
            sent = request if request.model == model else request.with_model(model)
            for n in range(self._retry.max_retries + 1):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TurnoutTimeout("overall timeout reached before any model answered") from last
                timeout = self._timeout_s if self._timeout_s < remaining else remaining
                started = self._clock()
                try:
                    if stream:
                        result: Any = await self._open(provider, sent, sensitivity, timeout)
                    else:
                        result = await self._guard.complete(provider, sent, sensitivity, timeout=timeout)
                except TurnoutError as exc:
                    elapsed = (self._clock() - started) * 1000
                    attempts.append(Attempt(model, False, elapsed, exc.message, type(exc).__name__, exc.status_code))
                    last = exc
                    if isinstance(exc, ConfidentialityError):
                        raise
                    await self._note_failure(model, exc)
                    if n < self._retry.max_retries and _retryable_here(exc, self._retry):
                        await asyncio.sleep(_backoff(self._retry, n, getattr(exc, "retry_after", None)))
                        continue
                    if not _falls_back(exc):
                        raise
                    if isinstance(exc, ContextWindowExceededError):
                        min_window = max(min_window, info.context_window)
                    break
                elapsed = (self._clock() - started) * 1000
                attempts.append(Attempt(model, True, elapsed))
                return model, result, started, elapsed
        if last is None:
            raise ProviderUnavailableError("no model in the fallback chain could be tried")
        raise last

    async def complete(
        self, chain: list[str], request: ChatRequest, sensitivity: Sensitivity, attempts: list[Attempt],
        info_for: Callable[[str], ModelInfo],
    ) -> tuple[str, ChatCompletion]:
        model, response, _, elapsed = await self._attempt_chain(chain, request, sensitivity, info_for, attempts,
                                                                stream=False)
        await self._health.record_success(model, elapsed, None)
        return model, response

    async def stream(
        self, chain: list[str], request: ChatRequest, sensitivity: Sensitivity, attempts: list[Attempt],
        info_for: Callable[[str], ModelInfo],
    ) -> tuple[str, OpenedStream]:
        """Open a stream, retrying and falling back until the first content chunk arrives."""
        model, (head, upstream), started, ttft = await self._attempt_chain(chain, request, sensitivity, info_for,
                                                                           attempts, stream=True)
        return model, OpenedStream(self, model, head, upstream, started, ttft)

    async def _open(self, provider: Provider, request: ChatRequest, sensitivity: Sensitivity,
                    timeout: float) -> tuple[list[ChatCompletionChunk], AsyncIterator[ChatCompletionChunk]]:
        """A stream read up to its first content chunk: (the chunks so far, the rest)."""
        upstream = self._guard.stream(provider, request, sensitivity, timeout=timeout)
        head: list[ChatCompletionChunk] = []
        try:
            async for chunk in upstream:
                head.append(chunk)
                if _has_content(chunk):
                    break
        except TurnoutError:
            await _aclose(upstream)
            raise
        return head, upstream


class OpenedStream:
    """A stream past its first content chunk: ``head`` (the chunks read so far), then the rest
    of ``upstream``. Its one reader (the router) iterates both itself, with no generator of
    ours in between (every chunk would pay for it), and reports how the stream ended."""

    __slots__ = ("_runner", "_started", "_ttft_ms", "head", "model", "upstream")

    def __init__(self, runner: FallbackRunner, model: str, head: list[ChatCompletionChunk],
                 upstream: AsyncIterator[ChatCompletionChunk], started: float, ttft_ms: float) -> None:
        self._runner, self.model, self.head, self.upstream = runner, model, head, upstream
        self._started, self._ttft_ms = started, ttft_ms

    async def failed(self, exc: TurnoutError) -> None:
        await self._runner._note_failure(self.model, exc)

    async def succeeded(self) -> None:
        runner = self._runner
        await runner._health.record_success(self.model, (runner._clock() - self._started) * 1000, self._ttft_ms)

    async def aclose(self) -> None:
        await _aclose(self.upstream)


def _has_content(chunk: ChatCompletionChunk) -> bool:
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") or {}
        if delta.get("content") or delta.get("tool_calls") or choice.get("finish_reason"):
            return True
    return bool(chunk.get("usage"))


async def _aclose(it: AsyncIterator[Any]) -> None:
    aclose = getattr(it, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(Exception):  # closing a broken upstream must not mask the real error
            await aclose()

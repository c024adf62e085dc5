"""An in-process upstream whose speed is set, timed on an injected clock instead of sleeping:
time to first token ``ttft_ms``, then ``tokens_per_s`` for ``completion_tokens`` tokens (cut at
the request's max_tokens). The test advances ``PacedProvider.clock`` by exactly what the answer
should take, so measured latencies are exact and no test sleeps.

Register with ``use_paced(monkeypatch, clock)``; configure models as
``{"name": "m", "provider": "paced", "extra": {"ttft_ms": 50, "tokens_per_s": 100}}``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

from turnout.providers import registry
from turnout.providers.base import Provider
from turnout.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    make_chunk,
    make_completion,
)


class FakeClock:
    """Seconds, like time.perf_counter; only moves when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance_ms(self, ms: float) -> None:
        self.now += ms / 1000.0


class PacedProvider(Provider):
    kind = "paced"
    clock: ClassVar[FakeClock] = FakeClock()

    def _plan(self, request: ChatRequest) -> tuple[float, float, int]:
        extra = self.info.extra
        tokens = int(extra.get("completion_tokens", 200))
        if request.params.get("max_tokens"):
            tokens = min(tokens, int(request.params["max_tokens"]))
        return float(extra["ttft_ms"]), tokens / float(extra["tokens_per_s"]) * 1000.0, tokens

    async def acomplete(self, request: ChatRequest, *, timeout: float | None = None) -> ChatCompletion:
        ttft, generation, tokens = self._plan(request)
        self.clock.advance_ms(ttft + generation)
        return make_completion(model=self.name, content="x " * tokens, prompt_tokens=5, completion_tokens=tokens)

    def astream(self, request: ChatRequest, *, timeout: float | None = None) -> AsyncIterator[ChatCompletionChunk]:
        return self._stream(request)

    async def _stream(self, request: ChatRequest) -> AsyncIterator[ChatCompletionChunk]:
        ttft, generation, tokens = self._plan(request)
        common: dict[str, Any] = {"completion_id": "c", "model": self.name, "created": 1}
        self.clock.advance_ms(ttft)
        yield make_chunk(delta={"role": "assistant", "content": "x"}, **common)
        # runs only when the caller asks for the rest: the head was timed before this
        self.clock.advance_ms(generation)
        yield make_chunk(delta={"content": " x" * (tokens - 1)}, **common)
        yield make_chunk(delta={}, finish_reason="stop", **common,
                         usage={"prompt_tokens": 5, "completion_tokens": tokens, "total_tokens": 5 + tokens})


def use_paced(monkeypatch: Any, clock: FakeClock) -> None:
    monkeypatch.setitem(registry._PROVIDER_CLASSES, "paced", f"{__name__}:PacedProvider")
    monkeypatch.setattr(PacedProvider, "clock", clock)

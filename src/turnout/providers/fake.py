"""A scripted provider for tests and fault injection, shipped with the library.

Behaviour comes from ``ModelInfo.extra``:

    reply              the answer text (default ``"fake:<name>: " + last user message``)
    script             outcomes consumed one per call, then ``default`` (default ``"ok"``) applies
    latency_ms         sleep before answering (and before the first chunk of a stream)
    logprob            per-token logprob returned when the request asks for ``logprobs``
    prompt_tokens, completion_tokens   usage overrides

Outcomes: ``ok``, ``error:<status>``, ``ratelimit:<retry_after_s>``, ``timeout``, ``unavailable``,
``context``, ``die_before_first`` (stream fails before its first chunk; a plain call fails),
``die_after_first`` (stream fails after one content chunk; a plain call succeeds).

Every call attempt is logged at entry, before anything can fail, in ``FakeProvider.calls``:
routing tests read it to prove where a request went (e.g. that a confidential one never reached
a cloud model). Script state is kept per model name, so separate instances of one model share
it; ``FakeProvider.reset()`` clears both; only the newest ``MAX_LOGGED_CALLS`` are kept.

It exists for tests only: ``providers.registry`` builds it only when ``TURNOUT_ENABLE_FAKE=1``
(the test suite sets it), so a gateway's callers can never reach it.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from turnout import tokens
from turnout.catalog import ModelInfo
from turnout.errors import (
    ConfigError,
    ContextWindowExceededError,
    ProviderUnavailableError,
    TimeoutError,
    error_from_status,
)
from turnout.providers.base import Capabilities, Provider
from turnout.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    make_chunk,
    make_completion,
    message_text,
    new_completion_id,
)

PROVIDER = "fake"
MAX_LOGGED_CALLS = 10_000  # newest calls kept in ``FakeProvider.calls``
ENABLE_ENV = "TURNOUT_ENABLE_FAKE"  # the provider refuses to load unless this is "1"
_PLAIN_OUTCOMES = frozenset(
    {"ok", "timeout", "unavailable", "context", "die_before_first", "die_after_first"}
)
# What the fake honours (``_answer``, ``_logprobs``): a stop string and the output cap; usage comes
# with every stream, so ``stream_options`` has nothing to carry. ``logprobs`` is honoured only by
# a fake configured with a ``logprob``. Every other parameter is named in X-Turnout-Dropped-Params.
_HONOURED = frozenset({"stop", "max_tokens", "max_completion_tokens", "stream_options"})
# A fake "token" is a word with its leading whitespace, so joined tokens rebuild the text.
_TOKEN = re.compile(r"\s*\S+|\s+")


def _check_outcome(outcome: Any, model: str) -> str:
    if isinstance(outcome, str):
        kind, _, arg = outcome.partition(":")
        if outcome in _PLAIN_OUTCOMES or (kind == "error" and arg.isdigit()):
            return outcome
        if kind == "ratelimit":
            try:
                float(arg)
                return outcome
            except ValueError:
                pass
    raise ConfigError(
        f"fake model {model!r}: unknown outcome {outcome!r}; expected ok, error:<status>, "
        "ratelimit:<seconds>, timeout, unavailable, context, die_before_first or die_after_first"
    )


class FakeProvider(Provider):
    kind = PROVIDER

    calls: ClassVar[list[tuple[str, ChatRequest]]] = []
    _scripts: ClassVar[dict[str, list[str]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, info: ModelInfo) -> None:
        super().__init__(info)
        extra = info.extra
        self._script = [_check_outcome(o, info.name) for o in extra.get("script", ())]
        self._default = _check_outcome(extra.get("default", "ok"), info.name)
        self._latency_s = float(extra.get("latency_ms", 0.0)) / 1000.0
        self._logprob: float | None = (
            float(extra["logprob"]) if extra.get("logprob") is not None else None
        )
        self.capabilities = Capabilities(logprobs=self._logprob is not None)
        self.accepted_params = _HONOURED | {"logprobs"} if self._logprob is not None else _HONOURED

    @classmethod
    def reset(cls) -> None:
        """Forget every logged call and restart every script."""
        with cls._lock:
            cls.calls.clear()
            cls._scripts.clear()

    @classmethod
    def calls_to(cls, model: str) -> list[ChatRequest]:
        with cls._lock:
            return [request for name, request in cls.calls if name == model]

    # -- the Provider interface -------------------------------------------------------------

    async def acomplete(self, request: ChatRequest, *, timeout: float | None = None) -> ChatCompletion:
        outcome = self._enter(request)
        await self._wait(timeout)
        if outcome == "die_before_first":
            raise self._unavailable("died before answering")
        self._raise_for(outcome)
        pieces, finish = self._answer(request)
        prompt_tokens, completion_tokens = self._usage(request, pieces)
        return make_completion(
            model=self.name,
            content="".join(pieces),
            finish_reason=finish,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            logprobs=self._logprobs(request, pieces),
        )

    def astream(
        self, request: ChatRequest, *, timeout: float | None = None
    ) -> AsyncIterator[ChatCompletionChunk]:
        # Not an async generator itself: the call is logged (and its outcome drawn) when the
        # caller asks for the stream, not when it first iterates.
        outcome = self._enter(request)
        return self._stream(request, outcome, timeout)

    async def _stream(
        self, request: ChatRequest, outcome: str, timeout: float | None
    ) -> AsyncIterator[ChatCompletionChunk]:
        await self._wait(timeout)
        if outcome == "die_before_first":
            raise self._unavailable("died before the first chunk")
        self._raise_for(outcome)
        pieces, finish = self._answer(request)
        completion_id, created = new_completion_id(), int(time.time())
        for i, piece in enumerate(pieces or [""]):
            delta: dict[str, Any] = {"content": piece}
            if i == 0:
                delta = {"role": "assistant", **delta}
            yield make_chunk(
                completion_id=completion_id, model=self.name, created=created, delta=delta,
                logprobs=self._logprobs(request, [piece] if piece else []),
            )
            if outcome == "die_after_first":
                raise self._unavailable("died after the first chunk")
        prompt_tokens, completion_tokens = self._usage(request, pieces)
        yield make_chunk(
            completion_id=completion_id, model=self.name, created=created, delta={},
            finish_reason=finish,
            usage={
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        )

    # -- behaviour ---------------------------------------------------------------------------

    def _enter(self, request: ChatRequest) -> str:
        """Log the attempt and draw its outcome, atomically."""
        logged = ChatRequest(
            model=request.model, messages=list(request.messages), params=dict(request.params),
            stream=request.stream, origin=request.origin, raw_body=request.raw_body,
        )
        with self._lock:
            self.calls.append((self.name, logged))
            if len(self.calls) > MAX_LOGGED_CALLS:  # a long-running process must not grow forever
                del self.calls[: len(self.calls) - MAX_LOGGED_CALLS]
            remaining = self._scripts.get(self.name)
            if remaining is None:
                remaining = self._scripts[self.name] = list(self._script)
            return remaining.pop(0) if remaining else self._default

    async def _wait(self, timeout: float | None) -> None:
        if timeout is not None and self._latency_s > timeout:
            await asyncio.sleep(timeout)
            raise TimeoutError(f"fake model {self.name} did not answer in {timeout}s",
                               provider=PROVIDER, model=self.name)
        if self._latency_s:
            await asyncio.sleep(self._latency_s)

    def _raise_for(self, outcome: str) -> None:
        kind, _, arg = outcome.partition(":")
        kw: dict[str, Any] = {"provider": PROVIDER, "model": self.name}
        if kind == "error":
            status = int(arg)
            message = f"fake error {status}"
            raise error_from_status(status, message, raw={"error": {"message": message}}, **kw)
        if kind == "ratelimit":
            raise error_from_status(429, "fake rate limit", retry_after=float(arg),
                                    raw={"error": {"message": "fake rate limit"}}, **kw)
        if kind == "timeout":
            raise TimeoutError(f"fake model {self.name} timed out", **kw)
        if kind == "unavailable":
            raise self._unavailable("is unavailable")
        if kind == "context":
            raise ContextWindowExceededError(
                f"fake model {self.name}: prompt exceeds the context window", **kw
            )

    def _unavailable(self, what: str) -> ProviderUnavailableError:
        return ProviderUnavailableError(f"fake model {self.name} {what}", provider=PROVIDER,
                                        model=self.name)

    def _answer(self, request: ChatRequest) -> tuple[list[str], str]:
        """The reply's tokens, cut at the first stop string and at max_tokens."""
        text = self.info.extra.get("reply")
        if text is None:
            last_user: dict[str, Any] = next(
                (m for m in reversed(request.messages) if m.get("role") == "user"), {}
            )
            text = f"fake:{self.name}: {message_text(last_user)}"
        stop = request.params.get("stop")
        stops = [stop] if isinstance(stop, str) else [s for s in stop or () if s]
        cuts = [text.find(s) for s in stops if s in text]
        if cuts:
            text = text[: min(cuts)]
        pieces = _TOKEN.findall(text)
        limit = request.max_tokens
        if limit is not None and len(pieces) > limit:
            return pieces[:limit], "length"
        return pieces, "stop"

    def _usage(self, request: ChatRequest, pieces: list[str]) -> tuple[int, int]:
        extra = self.info.extra
        prompt = extra.get("prompt_tokens")
        completion = extra.get("completion_tokens")
        return (
            int(prompt) if prompt is not None else tokens.count_messages(request.messages, self.name),
            int(completion) if completion is not None else len(pieces),
        )

    def _logprobs(self, request: ChatRequest, pieces: list[str]) -> dict[str, Any] | None:
        if self._logprob is None or not request.params.get("logprobs"):
            return None
        return {
            "content": [
                {"token": p, "logprob": self._logprob, "bytes": list(p.encode()), "top_logprobs": []}
                for p in pieces
            ]
        }

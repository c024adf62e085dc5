"""``litellm/<anything>``: handed to LiteLLM, for the providers turnout has no adapter for.

LiteLLM is optional and slow to import (seconds), so it is imported on the first call only.
Its responses are already OpenAI-shaped pydantic objects; its exceptions carry an HTTP
``status_code`` that goes through turnout's one status-to-error boundary.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from turnout.errors import (
    ConfigError,
    ProviderError,
    TurnoutError,
    error_from_status,
    parse_retry_after,
)
from turnout.providers.base import OPENAI_PARAMS, Capabilities, Provider
from turnout.providers.openai import estimated_usage, with_final_usage
from turnout.types import ChatCompletion, ChatCompletionChunk, ChatRequest

PROVIDER = "litellm"

# LiteLLM exception class name -> the code that makes error_from_status pick the right class
# when the status alone cannot (a context overflow is a plain 400 otherwise).
_CODES = {"ContextWindowExceededError": "context_length_exceeded"}


class LiteLLMProvider(Provider):
    kind = PROVIDER
    capabilities = Capabilities(logprobs=True)

    async def acomplete(self, request: ChatRequest, *, timeout: float | None = None) -> ChatCompletion:
        litellm = self._litellm()
        try:
            response = await litellm.acompletion(**self._kwargs(request, timeout))
        except Exception as exc:
            raise error_from_litellm(exc, self.name) from exc
        return completion_from_litellm(response, request.messages, self.name)

    async def astream(
        self, request: ChatRequest, *, timeout: float | None = None
    ) -> AsyncIterator[ChatCompletionChunk]:
        litellm = self._litellm()
        kwargs = self._kwargs(request, timeout)
        kwargs["stream"] = True
        kwargs["stream_options"] = {**(kwargs.get("stream_options") or {}), "include_usage": True}
        try:
            stream = await litellm.acompletion(**kwargs)
            async for chunk in with_final_usage(_chunks(stream), request.messages, self.name):
                yield chunk
        except TurnoutError:
            raise
        except Exception as exc:
            raise error_from_litellm(exc, self.name) from exc

    def _litellm(self) -> Any:
        try:
            import litellm
        except ImportError as exc:
            raise ConfigError(
                f"model {self.name!r} needs LiteLLM, which is not installed: pip install litellm"
            ) from exc
        return litellm

    def _kwargs(self, request: ChatRequest, timeout: float | None) -> dict[str, Any]:
        kwargs = {k: v for k, v in request.params.items() if k in OPENAI_PARAMS and v is not None}
        kwargs.pop("stream_options", None)
        kwargs.update(model=self.info.wire_model, messages=request.messages)
        if self.info.api_base:
            kwargs["api_base"] = self.info.api_base
        if self.info.api_key:
            kwargs["api_key"] = self.info.api_key
        if timeout is not None:
            kwargs["timeout"] = timeout
        return kwargs


async def _chunks(stream: Any) -> AsyncIterator[ChatCompletionChunk]:
    async for chunk in stream:
        yield ChatCompletionChunk(_dump(chunk))


def _dump(obj: Any) -> dict[str, Any]:
    data = obj.model_dump() if hasattr(obj, "model_dump") else dict(obj)
    return {k: v for k, v in data.items() if not k.startswith("_")}  # LiteLLM's _hidden_params


def completion_from_litellm(response: Any, messages: list[dict[str, Any]], model: str) -> ChatCompletion:
    completion = ChatCompletion(_dump(response))
    if not completion.get("usage"):
        text = "".join(
            ((choice.get("message") or {}).get("content") or "") for choice in completion.get("choices") or ()
        )
        completion["usage"] = estimated_usage(messages, text, model)
    return completion


def error_from_litellm(exc: BaseException, model: str) -> TurnoutError:
    """LiteLLM's exceptions mirror OpenAI's and carry ``status_code`` (and often the httpx
    ``response``, whose ``Retry-After`` we keep)."""
    status = getattr(exc, "status_code", None)
    message = str(getattr(exc, "message", None) or exc)
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    retry_after = parse_retry_after(headers.get("retry-after") if hasattr(headers, "get") else None)
    if not isinstance(status, int):
        return ProviderError(f"LiteLLM call failed: {message}", provider=PROVIDER, model=model,
                             raw=repr(exc))
    return error_from_status(status, message, provider=PROVIDER, model=model, raw=repr(exc),
                             retry_after=retry_after, code=_CODES.get(type(exc).__name__))

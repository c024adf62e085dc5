"""``turnout.completion`` / ``turnout.acompletion``: the OpenAI-shaped library entry points.

Every call goes through the gateway core (routing, fallbacks, cache, ledger), so a named model
gets its fallbacks and a confidential request stays local on this path too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from turnout import blocking
from turnout.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    Complexity,
    RouteHints,
    Sensitivity,
)
from turnout.validation import validate_messages, validate_params


def _build(model: str, messages: Any, stream: bool, sensitivity: Any, complexity: Any,
           max_cost_usd: float | None, max_latency_ms: float | None, cache: str | None,
           params: dict[str, Any], fallbacks: Any = None) -> tuple[ChatRequest, RouteHints]:
    from turnout.errors import BadRequestError

    if not isinstance(model, str) or not model:
        raise BadRequestError("`model` must be a model name or \"auto\"", param="model")
    validate_messages(messages)
    validate_params(params)
    if fallbacks is not None and (isinstance(fallbacks, str) or not all(isinstance(f, str) and f for f in fallbacks)):
        raise BadRequestError("`fallbacks` must be a list of model names", param="fallbacks")
    try:
        hints = RouteHints(
            sensitivity=Sensitivity.parse(sensitivity) if sensitivity is not None else None,
            complexity=Complexity.parse(complexity) if complexity is not None else None,
            max_cost_usd=max_cost_usd, max_latency_ms=max_latency_ms, cache=cache,
            fallbacks=tuple(fallbacks or ()),
        )
    except ValueError as exc:
        raise BadRequestError(str(exc)) from None
    return ChatRequest(model=model, messages=messages, params=params, stream=stream), hints


async def acompletion(
    model: str = "auto",
    messages: list[dict[str, Any]] | None = None,
    *,
    stream: bool = False,
    sensitivity: Sensitivity | str | None = None,
    complexity: Complexity | str | None = None,
    max_cost_usd: float | None = None,
    max_latency_ms: float | None = None,
    cache: str | None = None,
    api_base: str | None = None,
    api_key: str | None = None,
    model_path: str | None = None,
    fallbacks: list[str] | None = None,
    gateway: Any = None,
    **params: Any,
) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]:
    """Async completion. With ``stream=True`` returns an async iterator of chunks."""
    from turnout.gateway import default_gateway

    request, hints = _build(model, messages, stream, sensitivity, complexity, max_cost_usd,
                            max_latency_ms, cache, params, fallbacks)
    gw = gateway or default_gateway()
    overrides = {"api_base": api_base, "api_key": api_key, "model_path": model_path}
    if stream:
        routed = await gw.astream(request, hints, model_overrides=overrides)
        return routed.chunks()
    return await gw.acomplete(request, hints, model_overrides=overrides)


def completion(
    model: str = "auto",
    messages: list[dict[str, Any]] | None = None,
    *,
    stream: bool = False,
    **kwargs: Any,
) -> ChatCompletion | Iterator[ChatCompletionChunk]:
    """Sync completion, as ``litellm.completion``: ``response.choices[0].message.content``."""
    if stream:
        # Route and open the stream now, so errors before the first chunk raise here.
        chunks = blocking.run(acompletion(model, messages, stream=True, **kwargs))
        assert not isinstance(chunks, dict)
        return blocking.iterate(chunks)
    result = blocking.run(acompletion(model, messages, stream=False, **kwargs))
    assert isinstance(result, dict)
    return result

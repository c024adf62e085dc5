"""Turnout: a smart LLM router. One OpenAI-shaped API over cloud and local models.

    import turnout
    response = turnout.completion(model="auto", messages=[{"role": "user", "content": "Hi"}])
    print(response.choices[0].message.content, response.turnout["model"])

Nothing heavy runs at import: the public names below resolve lazily on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "completion": "turnout.api",
    "acompletion": "turnout.api",
    "Router": "turnout.routing.router",
    "Sensitivity": "turnout.types",
    "Complexity": "turnout.types",
    "ChatRequest": "turnout.types",
    "RouteHints": "turnout.types",
    "ChatCompletion": "turnout.types",
    "ChatCompletionChunk": "turnout.types",
    "ModelInfo": "turnout.catalog",
    "Catalog": "turnout.catalog",
    "TurnoutError": "turnout.errors",
    "BadRequestError": "turnout.errors",
    "AuthenticationError": "turnout.errors",
    "PermissionDeniedError": "turnout.errors",
    "NotFoundError": "turnout.errors",
    "ContextWindowExceededError": "turnout.errors",
    "RateLimitError": "turnout.errors",
    "BudgetExceededError": "turnout.errors",
    "TimeoutError": "turnout.errors",
    "ProviderError": "turnout.errors",
    "ProviderUnavailableError": "turnout.errors",
    "ConfidentialityError": "turnout.errors",
    "ConfigError": "turnout.errors",
    "ModelIntegrityError": "turnout.errors",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from turnout.api import acompletion, completion
    from turnout.catalog import Catalog, ModelInfo
    from turnout.errors import (
        AuthenticationError,
        BadRequestError,
        BudgetExceededError,
        ConfidentialityError,
        ConfigError,
        ContextWindowExceededError,
        ModelIntegrityError,
        NotFoundError,
        PermissionDeniedError,
        ProviderError,
        ProviderUnavailableError,
        RateLimitError,
        TimeoutError,
        TurnoutError,
    )
    from turnout.routing.router import Router
    from turnout.types import (
        ChatCompletion,
        ChatCompletionChunk,
        ChatRequest,
        Complexity,
        RouteHints,
        Sensitivity,
    )


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'turnout' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

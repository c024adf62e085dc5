"""Which model names a request may name: the configured ones, or the zero-config defaults.

A caller must not reach what the operator never set up. Before this check any key allowed
"all models" could name ``fake/<anything>`` (the test provider, which keeps every request in
memory) or ``local/<name>`` (loading a 0.6 GB embedded model nobody configured), and every new
name added Prometheus series.

    configured (``models:`` in turnout.yaml)  only those names (and their aliases / provider-
                                              prefixed spellings) are callable
    zero-config (no ``models:``)              the catalog models whose provider is set up, and
                                              ad-hoc ``openai/``, ``anthropic/``, ``ollama/``,
                                              ``litellm/`` names (LiteLLM's conventions), whose
                                              provider the operator switched on with a key or URL
    the library with explicit overrides       (``api_base=`` ...) the caller is the operator:
                                              any name

``local/`` and ``fake/`` names are never ad-hoc: a local model is loaded only when configured
(or the zero-config default), the fake provider only in tests (``TURNOUT_ENABLE_FAKE=1``).
"""

from __future__ import annotations

from typing import Any

from turnout.catalog import ALIASES, EMBEDDING_MODELS, FAKE, LOCAL, provider_of, strip_prefix
from turnout.errors import NotFoundError
from turnout.input_limits import check_model_name

AUTO = "auto"


def is_configured(models: Any, name: str) -> bool:
    """``name`` is one of ``models`` (a name -> info mapping) under one of its spellings."""
    if name in models:
        return True
    canonical = ALIASES.get(name, name)
    if canonical in models:
        return True
    bare = strip_prefix(canonical)
    return ALIASES.get(bare, bare) in models


def check_callable(router: Any, name: str, configured: bool, overridden: bool = False) -> None:
    """Raise a 400 for a malformed name, a 404 for one this gateway does not serve."""
    check_model_name(name)
    if name == AUTO or overridden or is_configured(router.models, name) or name in getattr(router, "groups", ()):
        return  # (a model group answers to its own name)
    kind = provider_of(name)
    if strip_prefix(name) in EMBEDDING_MODELS:
        raise NotFoundError(f"{name!r} is an embedding model: POST /v1/embeddings", model=name)
    if configured:
        raise NotFoundError(f"unknown model {name!r}: it is not configured on this gateway; "
                            "GET /v1/models lists the models you can use", model=name)
    if kind in (LOCAL, FAKE):
        from turnout.providers.registry import fake_enabled

        if kind == FAKE and fake_enabled():
            return
        raise NotFoundError(f"model {name!r} is not available: {kind}/ models are served only when "
                            "configured in turnout.yaml", model=name)

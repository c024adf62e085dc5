"""Model info -> provider instance. Provider modules are imported only when first used, so
``import turnout`` stays fast and optional dependencies (llama_cpp, litellm) stay optional."""

from __future__ import annotations

import importlib
import os
import threading

from turnout.catalog import ModelInfo
from turnout.errors import ConfigError, NotFoundError
from turnout.providers.base import Provider

# kind -> "module:Class"
_PROVIDER_CLASSES = {
    "openai": "turnout.providers.openai:OpenAIProvider",
    "anthropic": "turnout.providers.anthropic:AnthropicProvider",
    "ollama": "turnout.providers.ollama:OllamaProvider",
    "local": "turnout.providers.llamacpp:LlamaCppProvider",
    "litellm": "turnout.providers.litellm:LiteLLMProvider",
    "fake": "turnout.providers.fake:FakeProvider",
    # OpenAI-compatible hosts by LiteLLM prefix, and Azure OpenAI (providers/presets.py).
    "azure": "turnout.providers.presets:AzureOpenAIProvider",
    "gemini_native": "turnout.providers.gemini:GeminiProvider",
    **{kind: "turnout.providers.presets:PresetProvider"
       for kind in ("gemini", "mistral", "groq", "together_ai", "openrouter", "hosted_vllm", "lm_studio")},
}

_cache: dict[tuple[ModelInfo, str], Provider] = {}
_lock = threading.Lock()


def provider_class(kind: str) -> type[Provider]:
    target = _PROVIDER_CLASSES.get(kind)
    if target is None:
        raise ConfigError(f"unknown provider {kind!r}; known: {', '.join(sorted(_PROVIDER_CLASSES))}")
    module_name, _, cls_name = target.partition(":")
    cls: type[Provider] = getattr(importlib.import_module(module_name), cls_name)
    return cls


def fake_enabled() -> bool:
    """The scripted ``fake`` provider is for tests: it keeps calls in memory and answers
    anything. Only with ``TURNOUT_ENABLE_FAKE=1`` (the test suite sets it)."""
    from turnout.providers.fake import ENABLE_ENV

    return os.environ.get(ENABLE_ENV) == "1"


def provider_for(info: ModelInfo) -> Provider:
    """One provider instance per distinct model info (endpoint, key, path), reused."""
    if info.provider == "fake" and not fake_enabled():
        raise NotFoundError(f"model {info.name!r} is not available: the fake provider is for tests only "
                            "(set TURNOUT_ENABLE_FAKE=1 to enable it)", model=info.name)
    # ModelInfo's hash leaves out `extra` (a dict); provider-specific settings still matter.
    key = (info, repr(sorted(info.extra.items())) if info.extra else "")
    provider = _cache.get(key)
    if provider is None:
        with _lock:
            provider = _cache.get(key)
            if provider is None:
                provider = provider_class(info.provider)(info)
                _cache[key] = provider
    return provider

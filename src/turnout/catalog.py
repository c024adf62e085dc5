"""What turnout knows about models: provider, context window, prices, local or cloud, tier.

Prices are US dollars per 1M tokens, input and output apart (the founding design had one price
for both), with the cached-input price where the provider bills cache reads. Everything here
can be overridden or extended from turnout.yaml.

``tier`` is a coarse strength scale used by routing and cascades: 1 = small/cheap,
2 = mid, 3 = strong.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from turnout.errors import NotFoundError

# Provider kinds. A model name's prefix (LiteLLM's convention) or the catalog names its kind.
OPENAI = "openai"
ANTHROPIC = "anthropic"
OLLAMA = "ollama"
LOCAL = "local"  # embedded llama.cpp, in-process
LITELLM = "litellm"
FAKE = "fake"  # scripted provider for tests and fault injection

PROVIDER_KINDS = (OPENAI, ANTHROPIC, OLLAMA, LOCAL, LITELLM, FAKE)

DEFAULT_LOCAL_MODEL = "local/qwen2.5-coder-0.5b"


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str  # the name callers use, e.g. "gpt-4o" or "local/qwen2.5-coder-0.5b"
    provider: str  # one of PROVIDER_KINDS
    context_window: int
    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0
    cached_input_per_mtok: float | None = None
    cache_write_per_mtok: float | None = None  # prompt-cache writes (Anthropic); None: the input price
    max_output_tokens: int | None = None
    local: bool = False  # runs on our own machine: allowed for CONFIDENTIAL requests
    tier: int = 2
    strengths: tuple[str, ...] = ()
    upstream_model: str | None = None  # the id sent to the provider, when it differs
    api_base: str | None = None
    api_key: str | None = None
    model_path: str | None = None  # GGUF file for local models
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def wire_model(self) -> str:
        """The model id the provider expects (prefix stripped)."""
        if self.upstream_model:
            return self.upstream_model
        return strip_prefix(self.name)

    def cost_usd(self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0,
                 cache_write_tokens: int = 0) -> float:
        """``prompt_tokens`` includes cache reads (``cached_tokens``) and writes, as OpenAI's
        usage does; each part is billed at its own price."""
        cached = min(cached_tokens, prompt_tokens)
        written = min(cache_write_tokens, prompt_tokens - cached)
        cached_price = self.cached_input_per_mtok if self.cached_input_per_mtok is not None else self.input_per_mtok
        write_price = self.cache_write_per_mtok if self.cache_write_per_mtok is not None else self.input_per_mtok
        return (
            (prompt_tokens - cached - written) * self.input_per_mtok
            + cached * cached_price
            + written * write_price
            + completion_tokens * self.output_per_mtok
        ) / 1_000_000

    def with_overrides(self, **changes: Any) -> ModelInfo:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _m(name: str, provider: str, ctx: int, inp: float, out: float, cached: float | None = None,
       *, max_out: int | None = None, tier: int = 2, strengths: tuple[str, ...] = (),
       local: bool = False) -> ModelInfo:
    # Anthropic bills prompt-cache writes (5-minute TTL) at 1.25x the input price.
    write = round(inp * 1.25, 6) if provider == ANTHROPIC else None
    return ModelInfo(name=name, provider=provider, context_window=ctx, input_per_mtok=inp,
                     output_per_mtok=out, cached_input_per_mtok=cached, cache_write_per_mtok=write,
                     max_output_tokens=max_out, tier=tier, strengths=strengths, local=local)


# Public list prices (USD / 1M tokens) as published by OpenAI and Anthropic.
_BUILTIN: tuple[ModelInfo, ...] = (
    # OpenAI: the founding design's models ...
    _m("gpt-4", OPENAI, 8_192, 30.0, 60.0, max_out=8_192, tier=3, strengths=("reasoning", "code", "complex_tasks")),
    _m("gpt-3.5-turbo", OPENAI, 16_385, 0.50, 1.50, max_out=4_096, tier=1, strengths=("simple_tasks", "fast", "cheap")),
    # ... and the current line-up.
    _m("gpt-4-turbo", OPENAI, 128_000, 10.0, 30.0, max_out=4_096, tier=3),
    _m("gpt-4o", OPENAI, 128_000, 2.50, 10.0, 1.25, max_out=16_384, tier=3, strengths=("reasoning", "code", "vision")),
    _m("gpt-4o-mini", OPENAI, 128_000, 0.15, 0.60, 0.075, max_out=16_384, tier=1, strengths=("simple_tasks", "fast", "cheap")),
    _m("gpt-4.1", OPENAI, 1_047_576, 2.00, 8.00, 0.50, max_out=32_768, tier=3, strengths=("reasoning", "code", "long_context")),
    _m("gpt-4.1-mini", OPENAI, 1_047_576, 0.40, 1.60, 0.10, max_out=32_768, tier=2, strengths=("long_context", "cheap")),
    _m("gpt-4.1-nano", OPENAI, 1_047_576, 0.10, 0.40, 0.025, max_out=32_768, tier=1, strengths=("long_context", "cheap", "fast")),
    _m("o1", OPENAI, 200_000, 15.0, 60.0, 7.50, max_out=100_000, tier=3, strengths=("reasoning",)),
    _m("o3-mini", OPENAI, 200_000, 1.10, 4.40, 0.55, max_out=100_000, tier=3, strengths=("reasoning", "code")),
    _m("o4-mini", OPENAI, 200_000, 1.10, 4.40, 0.275, max_out=100_000, tier=3, strengths=("reasoning", "code")),
    # Anthropic (cache reads bill at 10% of input).
    _m("claude-3-sonnet-20240229", ANTHROPIC, 200_000, 3.0, 15.0, 0.30, max_out=4_096, tier=2, strengths=("long_context", "safety", "instruction_following")),
    _m("claude-3-opus-20240229", ANTHROPIC, 200_000, 15.0, 75.0, 1.50, max_out=4_096, tier=3, strengths=("reasoning", "long_context")),
    _m("claude-3-haiku-20240307", ANTHROPIC, 200_000, 0.25, 1.25, 0.03, max_out=4_096, tier=1, strengths=("fast", "cheap", "long_context")),
    _m("claude-3-5-sonnet-20240620", ANTHROPIC, 200_000, 3.0, 15.0, 0.30, max_out=8_192, tier=3, strengths=("code", "long_context")),
    _m("claude-3-5-sonnet-20241022", ANTHROPIC, 200_000, 3.0, 15.0, 0.30, max_out=8_192, tier=3, strengths=("code", "long_context")),
    _m("claude-3-5-haiku-20241022", ANTHROPIC, 200_000, 0.80, 4.0, 0.08, max_out=8_192, tier=1, strengths=("fast", "cheap", "long_context")),
    _m("claude-3-7-sonnet-20250219", ANTHROPIC, 200_000, 3.0, 15.0, 0.30, max_out=64_000, tier=3, strengths=("reasoning", "code", "long_context")),
    _m("claude-sonnet-4-20250514", ANTHROPIC, 200_000, 3.0, 15.0, 0.30, max_out=64_000, tier=3, strengths=("reasoning", "code", "long_context")),
    _m("claude-opus-4-20250514", ANTHROPIC, 200_000, 15.0, 75.0, 1.50, max_out=32_000, tier=3, strengths=("reasoning", "code", "long_context")),
    _m("claude-sonnet-4-5-20250929", ANTHROPIC, 200_000, 3.0, 15.0, 0.30, max_out=64_000, tier=3, strengths=("reasoning", "code", "long_context")),
    _m("claude-opus-4-1-20250805", ANTHROPIC, 200_000, 15.0, 75.0, 1.50, max_out=32_000, tier=3, strengths=("reasoning", "code", "long_context")),
    _m("claude-haiku-4-5-20251001", ANTHROPIC, 200_000, 1.0, 5.0, 0.10, max_out=64_000, tier=2, strengths=("fast", "long_context")),
    # Local: the founding design's Ollama model and the embedded default.
    _m("ollama/llama3", OLLAMA, 8_192, 0.0, 0.0, tier=1, strengths=("privacy", "offline", "zero_cost"), local=True),
    _m(DEFAULT_LOCAL_MODEL, LOCAL, 8_192, 0.0, 0.0, max_out=4_096, tier=1, strengths=("privacy", "offline", "zero_cost"), local=True),
)

# Short names people type, mapped to catalog entries.
ALIASES: dict[str, str] = {
    "claude-3-sonnet": "claude-3-sonnet-20240229",
    "claude-3-opus": "claude-3-opus-20240229",
    "claude-3-haiku": "claude-3-haiku-20240307",
    "claude-3-5-sonnet-latest": "claude-3-5-sonnet-20241022",
    "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022",
    "claude-3-7-sonnet-latest": "claude-3-7-sonnet-20250219",
    "claude-sonnet-4-0": "claude-sonnet-4-20250514",
    "claude-opus-4-0": "claude-opus-4-20250514",
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
    "claude-opus-4-1": "claude-opus-4-1-20250805",
    "claude-haiku-4-5": "claude-haiku-4-5-20251001",
    "local/default": DEFAULT_LOCAL_MODEL,
    "local/qwen2.5-coder-0.5b-instruct": DEFAULT_LOCAL_MODEL,
}

BUILTIN_MODELS: dict[str, ModelInfo] = {m.name: m for m in _BUILTIN}

# Embedding models (POST /v1/embeddings), apart from the chat models so chat routing never
# picks one. Prices per 1M input tokens; ``extra["dim"]`` is the default vector length.
LOCAL_EMBEDDING_MODEL = "local/minilm-static"
EMBEDDING_MODELS: dict[str, ModelInfo] = {m.name: m for m in (
    ModelInfo("text-embedding-3-small", OPENAI, 8_191, 0.02, tier=1, extra={"dim": 1536}),
    ModelInfo("text-embedding-3-large", OPENAI, 8_191, 0.13, tier=2, extra={"dim": 3072}),
    ModelInfo("text-embedding-ada-002", OPENAI, 8_191, 0.10, tier=1, extra={"dim": 1536}),
    # The shipped static model (turnout/data/embedding_model): in-process, for confidential text.
    ModelInfo(LOCAL_EMBEDDING_MODEL, LOCAL, 512, 0.0, local=True, tier=1, extra={"dim": 128}),
)}


def strip_prefix(name: str) -> str:
    """``openai/gpt-4o`` -> ``gpt-4o``; names without a known provider prefix are unchanged."""
    head, sep, rest = name.partition("/")
    if sep and head in PROVIDER_KINDS:
        return rest
    return name


def provider_of(name: str) -> str | None:
    """The provider kind a model name implies, by LiteLLM's conventions."""
    head, sep, _ = name.partition("/")
    if sep and head in PROVIDER_KINDS:
        return head
    if sep and head == "ollama_chat":
        return OLLAMA
    bare = name.lower()
    if bare.startswith(("gpt-", "o1", "o3", "o4", "chatgpt-", "text-", "davinci", "babbage")):
        return OPENAI
    if bare.startswith("claude"):
        return ANTHROPIC
    return None


class Catalog:
    """Known models: the built-ins plus what the config adds or overrides."""

    def __init__(self, models: dict[str, ModelInfo] | None = None) -> None:
        self._models: dict[str, ModelInfo] = dict(BUILTIN_MODELS if models is None else models)

    def add(self, info: ModelInfo) -> None:
        self._models[info.name] = info

    def names(self) -> list[str]:
        return list(self._models)

    def all(self) -> list[ModelInfo]:
        return list(self._models.values())

    def get(self, name: str) -> ModelInfo | None:
        name = ALIASES.get(name, name)
        info = self._models.get(name)
        if info is not None:
            return info
        # "openai/gpt-4o" finds "gpt-4o"'s prices; "anthropic/claude-..." likewise.
        bare = strip_prefix(name)
        if bare != name:
            base = self._models.get(ALIASES.get(bare, bare))
            if base is not None:
                return replace(base, name=name, provider=provider_of(name) or base.provider,
                               upstream_model=base.wire_model)
        return None

    def resolve(self, name: str) -> ModelInfo:
        """The model's info; unknown names with a known provider get an unpriced entry."""
        info = self.get(name)
        if info is not None:
            return info
        provider = provider_of(name)
        if provider is None:
            raise NotFoundError(
                f"unknown model {name!r}: use a catalog name (see `turnout models`) or a provider "
                "prefix such as openai/<model>, anthropic/<model>, ollama/<model>, local/<name>, "
                "litellm/<model>",
                model=name,
            )
        local = provider in (LOCAL, OLLAMA)
        return ModelInfo(name=name, provider=provider, context_window=8_192 if local else 128_000,
                         local=local, tier=1 if local else 2)

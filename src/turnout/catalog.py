"""What turnout knows about models: provider, context window, prices, local or cloud, tier.

Prices are US dollars per 1M tokens, input and output apart (the founding design had one price
for both), with the cached-input price where the provider bills cache reads and the tiers where
a long prompt is billed at a higher rate. They come from ``genai-prices`` (a maintained price
list bundled with the package, read offline); this module adds only what it lacks: strength
tier, strengths, output limits, which models are current routing candidates and which are
legacy (used only when named). Everything here can be overridden or extended from turnout.yaml.

``tier`` is a coarse strength scale used by routing and cascades: 1 = small/cheap,
2 = mid, 3 = strong.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from turnout.errors import NotFoundError

# Provider kinds. A model name's prefix (LiteLLM's convention) or the catalog names its kind.
OPENAI = "openai"
ANTHROPIC = "anthropic"
OLLAMA = "ollama"
LOCAL = "local"  # embedded llama.cpp, in-process
LITELLM = "litellm"
FAKE = "fake"  # scripted provider for tests and fault injection
GEMINI = "gemini"  # Google's OpenAI-compatible endpoint
GEMINI_NATIVE = "gemini_native"  # generateContent (providers/gemini.py)
AZURE = "azure"
# OpenAI-compatible hosts with a preset endpoint and key variable (providers/presets.py).
MISTRAL = "mistral"
GROQ = "groq"
TOGETHER = "together_ai"
OPENROUTER = "openrouter"
VLLM = "hosted_vllm"
LM_STUDIO = "lm_studio"
PRESET_KINDS = (GEMINI, MISTRAL, GROQ, TOGETHER, OPENROUTER, VLLM, LM_STUDIO)

PROVIDER_KINDS = (OPENAI, ANTHROPIC, OLLAMA, LOCAL, LITELLM, FAKE, AZURE, GEMINI_NATIVE, *PRESET_KINDS)
# LiteLLM's long tail: these prefixes go to LiteLLM (when installed) with the full name.
LITELLM_PREFIXES = ("bedrock", "vertex_ai", "vertex_ai_beta", "sagemaker", "cohere", "replicate",
                    "huggingface", "deepseek", "xai", "fireworks_ai", "perplexity", "cerebras")

DEFAULT_LOCAL_MODEL = "local/qwen2.5-coder-0.5b"


@dataclass(frozen=True, slots=True)
class PriceTier:
    """Above ``start`` prompt tokens the whole request is billed at these rates (the "cliff"
    model of Anthropic, Google and OpenAI)."""

    start: int
    input_per_mtok: float
    output_per_mtok: float
    cached_input_per_mtok: float | None = None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str  # the name callers use, e.g. "gpt-4o" or "local/qwen2.5-coder-0.5b"
    provider: str  # one of PROVIDER_KINDS
    context_window: int
    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0
    cached_input_per_mtok: float | None = None
    max_output_tokens: int | None = None
    local: bool = False  # runs on our own machine: allowed for CONFIDENTIAL requests
    tier: int = 2
    strengths: tuple[str, ...] = ()
    upstream_model: str | None = None  # the id sent to the provider, when it differs
    api_base: str | None = None
    api_key: str | None = None
    model_path: str | None = None  # GGUF file for local models
    cache_write_per_mtok: float | None = None  # Anthropic's cache writes (5 min)
    price_tiers: tuple[PriceTier, ...] = ()
    legacy: bool = False  # known and callable by name, not a routing candidate by default
    price_source: str = ""  # "genai-prices" | "local" | "config" | "" (unknown)
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
        usage does; each part is billed at its own price (the long-prompt tier's, above it)."""
        inp, out, read = self.input_per_mtok, self.output_per_mtok, self.cached_input_per_mtok
        for tier in reversed(self.price_tiers):  # the highest tier the prompt crosses
            if prompt_tokens > tier.start:
                inp, out = tier.input_per_mtok, tier.output_per_mtok
                read = tier.cached_input_per_mtok if tier.cached_input_per_mtok is not None else read
                break
        cached = min(cached_tokens, prompt_tokens)
        written = min(cache_write_tokens, prompt_tokens - cached)
        cached_price = read if read is not None else inp
        write_price = self.cache_write_per_mtok if self.cache_write_per_mtok is not None else inp
        return (
            (prompt_tokens - cached - written) * inp
            + cached * cached_price
            + written * write_price
            + completion_tokens * out
        ) / 1_000_000

    def with_overrides(self, **changes: Any) -> ModelInfo:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _m(name: str, provider: str, ctx: int, *, max_out: int | None = None, tier: int = 2,
       strengths: tuple[str, ...] = (), local: bool = False, legacy: bool = False,
       ref: str | None = None) -> ModelInfo:
    return ModelInfo(name=name, provider=provider, context_window=ctx, max_output_tokens=max_out,
                     tier=tier, strengths=strengths, local=local, legacy=legacy,
                     extra={"price_ref": ref} if ref else {})


# Facts genai-prices does not keep: strength tier, strengths, output limit, whether the model is
# a routing candidate by default (``legacy`` ones are used only when named), and a context window
# where genai-prices has none. Prices come from genai-prices (``_priced``); only local models and
# models it does not know carry prices here.
_OPENAI_STRONG = ("reasoning", "code", "complex_tasks")
_BUILTIN_FACTS: tuple[ModelInfo, ...] = (
    # OpenAI, current: the GPT-5 family, GPT-4.1, GPT-4o and the o-series reasoning models.
    _m("gpt-5", OPENAI, 400_000, max_out=128_000, tier=3, strengths=(*_OPENAI_STRONG, "long_context", "vision")),
    _m("gpt-5-mini", OPENAI, 400_000, max_out=128_000, tier=2, strengths=("reasoning", "code", "cheap", "long_context")),
    _m("gpt-5-nano", OPENAI, 400_000, max_out=128_000, tier=1, strengths=("simple_tasks", "fast", "cheap")),
    _m("gpt-4.1", OPENAI, 1_047_576, max_out=32_768, tier=3, strengths=("reasoning", "code", "long_context")),
    _m("gpt-4.1-mini", OPENAI, 1_047_576, max_out=32_768, tier=2, strengths=("long_context", "cheap")),
    _m("gpt-4.1-nano", OPENAI, 1_047_576, max_out=32_768, tier=1, strengths=("long_context", "cheap", "fast")),
    _m("gpt-4o", OPENAI, 128_000, max_out=16_384, tier=3, strengths=("reasoning", "code", "vision")),
    _m("gpt-4o-mini", OPENAI, 128_000, max_out=16_384, tier=1, strengths=("simple_tasks", "fast", "cheap")),
    _m("o3", OPENAI, 200_000, max_out=100_000, tier=3, strengths=("reasoning", "code")),
    _m("o4-mini", OPENAI, 200_000, max_out=100_000, tier=3, strengths=("reasoning", "code")),
    # OpenAI, legacy: the founding design's models and superseded ones.
    _m("gpt-4", OPENAI, 8_192, max_out=8_192, tier=3, strengths=_OPENAI_STRONG, legacy=True),
    _m("gpt-3.5-turbo", OPENAI, 16_385, max_out=4_096, tier=1, strengths=("simple_tasks", "fast", "cheap"), legacy=True),
    _m("gpt-4-turbo", OPENAI, 128_000, max_out=4_096, tier=3, legacy=True),
    _m("o1", OPENAI, 200_000, max_out=100_000, tier=3, strengths=("reasoning",), legacy=True),
    _m("o3-mini", OPENAI, 200_000, max_out=100_000, tier=3, strengths=("reasoning", "code"), legacy=True),
    # Anthropic, current generation.
    _m("claude-opus-4-5-20251101", ANTHROPIC, 200_000, max_out=64_000, tier=3, strengths=("reasoning", "code", "long_context"), ref="claude-opus-4-5"),
    _m("claude-opus-4-1-20250805", ANTHROPIC, 200_000, max_out=32_000, tier=3, strengths=("reasoning", "code", "long_context"), ref="claude-opus-4-1"),
    _m("claude-sonnet-4-5-20250929", ANTHROPIC, 200_000, max_out=64_000, tier=3, strengths=("reasoning", "code", "long_context"), ref="claude-sonnet-4-5"),
    _m("claude-haiku-4-5-20251001", ANTHROPIC, 200_000, max_out=64_000, tier=2, strengths=("fast", "long_context"), ref="claude-haiku-4-5"),
    # Anthropic, legacy.
    _m("claude-3-sonnet-20240229", ANTHROPIC, 200_000, max_out=4_096, tier=2, strengths=("long_context", "safety", "instruction_following"), legacy=True, ref="claude-3-sonnet"),
    _m("claude-3-opus-20240229", ANTHROPIC, 200_000, max_out=4_096, tier=3, strengths=("reasoning", "long_context"), legacy=True, ref="claude-3-opus-latest"),
    _m("claude-3-haiku-20240307", ANTHROPIC, 200_000, max_out=4_096, tier=1, strengths=("fast", "cheap", "long_context"), legacy=True, ref="claude-3-haiku"),
    _m("claude-3-5-sonnet-20240620", ANTHROPIC, 200_000, max_out=8_192, tier=3, strengths=("code", "long_context"), legacy=True, ref="claude-3-5-sonnet"),
    _m("claude-3-5-sonnet-20241022", ANTHROPIC, 200_000, max_out=8_192, tier=3, strengths=("code", "long_context"), legacy=True, ref="claude-3-5-sonnet"),
    _m("claude-3-5-haiku-20241022", ANTHROPIC, 200_000, max_out=8_192, tier=1, strengths=("fast", "cheap", "long_context"), legacy=True, ref="claude-3-5-haiku-latest"),
    _m("claude-3-7-sonnet-20250219", ANTHROPIC, 200_000, max_out=64_000, tier=3, strengths=("reasoning", "code", "long_context"), legacy=True, ref="claude-3-7-sonnet-latest"),
    _m("claude-sonnet-4-20250514", ANTHROPIC, 200_000, max_out=64_000, tier=3, strengths=("reasoning", "code", "long_context"), legacy=True, ref="claude-sonnet-4-0"),
    _m("claude-opus-4-20250514", ANTHROPIC, 200_000, max_out=32_000, tier=3, strengths=("reasoning", "code", "long_context"), legacy=True, ref="claude-opus-4-0"),
    # Google Gemini 2.5 (through its OpenAI-compatible endpoint; GEMINI_API_KEY).
    _m("gemini-2.5-pro", GEMINI, 1_048_576, max_out=65_536, tier=3, strengths=("reasoning", "code", "long_context", "vision")),
    _m("gemini-2.5-flash", GEMINI, 1_048_576, max_out=65_536, tier=2, strengths=("fast", "long_context", "cheap")),
    _m("gemini-2.5-flash-lite", GEMINI, 1_048_576, max_out=65_536, tier=1, strengths=("fast", "cheap", "long_context")),
    # Local: the founding design's Ollama model and the embedded default (free: priced here).
    _m("ollama/llama3", OLLAMA, 8_192, tier=1, strengths=("privacy", "offline", "zero_cost"), local=True),
    _m(DEFAULT_LOCAL_MODEL, LOCAL, 8_192, max_out=4_096, tier=1, strengths=("privacy", "offline", "zero_cost"), local=True),
)

# Our provider kind -> genai-prices' provider id.
_PRICE_PROVIDERS = {OPENAI: "openai", ANTHROPIC: "anthropic", GEMINI: "google", GEMINI_NATIVE: "google", AZURE: "azure",
                    MISTRAL: "mistral", GROQ: "groq", TOGETHER: "together", OPENROUTER: "openrouter"}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _split_tiers(value: Any) -> tuple[float | None, dict[int, float]]:
    """A genai-prices price (Decimal or TieredPrices) -> (base, {tier start: price})."""
    if value is None:
        return None, {}
    tiers = getattr(value, "tiers", None)
    if tiers is None:
        return float(value), {}
    return float(value.base), {int(t.start): float(t.price) for t in tiers}


def price_facts(provider: str, ref: str, at: datetime | None = None) -> dict[str, Any] | None:
    """Prices for a model from genai-prices (bundled data, no network), as ModelInfo fields;
    None when genai-prices does not know the model."""
    try:
        from genai_prices import data_snapshot
    except ImportError:  # pragma: no cover - a core dependency; keep routing alive without it
        return None
    snapshot = data_snapshot.get_snapshot()
    try:
        _, model = snapshot.find_provider_model(ref, None, _PRICE_PROVIDERS.get(provider), None)
    except LookupError:
        return None
    prices = model.get_prices(at or datetime.now(UTC))
    inp, in_tiers = _split_tiers(getattr(prices, "input_mtok", None))
    out, out_tiers = _split_tiers(getattr(prices, "output_mtok", None))
    read, read_tiers = _split_tiers(getattr(prices, "cache_read_mtok", None))
    write, _ = _split_tiers(getattr(prices, "cache_write_mtok", None))
    starts = sorted(set(in_tiers) | set(out_tiers) | set(read_tiers))
    tiers = tuple(
        PriceTier(start, in_tiers.get(start, inp or 0.0), out_tiers.get(start, out or 0.0),
                  read_tiers.get(start, read))
        for start in starts
    )
    facts: dict[str, Any] = {
        "input_per_mtok": inp or 0.0, "output_per_mtok": out or 0.0, "cached_input_per_mtok": read,
        "cache_write_per_mtok": write, "price_tiers": tiers, "price_source": "genai-prices",
    }
    if model.context_window:
        facts["context_window"] = int(model.context_window)
    return facts


def _priced(info: ModelInfo) -> ModelInfo:
    if info.local:
        return replace(info, price_source="local")
    facts = price_facts(info.provider, info.extra.get("price_ref") or info.name)
    if facts is None:
        return info
    # genai-prices' window where it has one; ours (the fallback) where it has none.
    return replace(info, **facts)


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
    "claude-sonnet-4-5-latest": "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5": "claude-haiku-4-5-20251001",
    "claude-opus-4-1": "claude-opus-4-1-20250805",
    "claude-opus-4-5": "claude-opus-4-5-20251101",
    "claude-opus-4-5-latest": "claude-opus-4-5-20251101",
    "claude-3-opus-latest": "claude-3-opus-20240229",
    "local/default": DEFAULT_LOCAL_MODEL,
    "local/qwen2.5-coder-0.5b-instruct": DEFAULT_LOCAL_MODEL,
}

@functools.cache
def builtin_models() -> dict[str, ModelInfo]:
    """The built-in catalog, priced (genai-prices' data loads once, ~0.4 s, on first use)."""
    return {m.name: _priced(m) for m in _BUILTIN_FACTS}


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


def __getattr__(name: str) -> Any:
    # ``BUILTIN_MODELS`` stays importable, priced on first access (not at import).
    if name == "BUILTIN_MODELS":
        return builtin_models()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def strip_prefix(name: str) -> str:
    """``openai/gpt-4o`` -> ``gpt-4o``; names without a known provider prefix are unchanged."""
    head, sep, rest = name.partition("/")
    if sep and (head in PROVIDER_KINDS or head == "ollama_chat"):
        return rest
    return name


def provider_of(name: str) -> str | None:
    """The provider kind a model name implies, by LiteLLM's conventions."""
    head, sep, _ = name.partition("/")
    if sep and head in PROVIDER_KINDS:
        return head
    if sep and head == "ollama_chat":
        return OLLAMA
    if sep and head in LITELLM_PREFIXES:
        return LITELLM  # LiteLLM gets the whole name, prefix included
    bare = name.lower()
    if bare.startswith(("gpt-", "o1", "o3", "o4", "chatgpt-", "text-", "davinci", "babbage")):
        return OPENAI
    if bare.startswith("claude"):
        return ANTHROPIC
    if bare.startswith("gemini-"):
        return GEMINI
    return None


class Catalog:
    """Known models: the built-ins plus what the config adds or overrides."""

    def __init__(self, models: dict[str, ModelInfo] | None = None) -> None:
        self._models: dict[str, ModelInfo] = dict(builtin_models() if models is None else models)

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
        info = ModelInfo(name=name, provider=provider, context_window=8_192 if local else 128_000,
                         local=local, tier=1 if local else 2)
        if not local and provider in _PRICE_PROVIDERS:
            facts = price_facts(provider, strip_prefix(name))  # e.g. groq/llama-3.3-70b-versatile
            if facts is not None:
                info = replace(info, **facts)
        return info

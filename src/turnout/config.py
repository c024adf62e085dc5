"""turnout.yaml into typed objects, with ``${VAR}`` / ``${VAR:-default}`` interpolation and
errors that name the file, the field and what was expected.

Everything has a default: with no file at all, turnout runs on the embedded model, an SQLite
ledger and an in-memory cache.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from turnout.catalog import Catalog, ModelInfo
from turnout.errors import ConfigError
from turnout.policy.rules import Rule
from turnout.types import Complexity, Sensitivity

CONFIG_FILENAMES = ("turnout.yaml", "turnout.yml")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelConfig(_Strict):
    """A model entry: a catalog name (inherits its facts) or a custom model."""

    name: str
    provider: str | None = None
    model: str | None = None  # the id sent upstream, when it differs from `name`
    # The catalog model this entry is (prices, window, tier), when neither `name` nor `model`
    # says so: an Azure deployment name, a group member (LiteLLM's model_info.base_model).
    base_model: str | None = None
    api_base: str | None = None
    api_key: str | None = None
    model_path: str | None = None
    context_window: int | None = Field(default=None, gt=0)
    input_per_mtok: float | None = Field(default=None, ge=0)
    output_per_mtok: float | None = Field(default=None, ge=0)
    cached_input_per_mtok: float | None = Field(default=None, ge=0)
    max_output_tokens: int | None = Field(default=None, gt=0)
    local: bool | None = None
    tier: int | None = Field(default=None, ge=1, le=3)
    strengths: list[str] | None = None
    fallbacks: list[str] = Field(default_factory=list)
    timeout_s: float | None = Field(default=None, gt=0)
    enabled: bool = True
    # Load balancing (LiteLLM Router's model_list): deployments sharing a `group` answer to the
    # group's name; see routing/groups.py.
    group: str | None = None
    weight: float = Field(default=1.0, gt=0)
    rpm: int | None = Field(default=None, gt=0)  # this deployment's requests per minute
    tpm: int | None = Field(default=None, gt=0)  # and tokens per minute
    api_version: str | None = None  # Azure OpenAI
    extra: dict[str, Any] = Field(default_factory=dict)  # provider-specific (fake scripts, ...)


class RetryConfig(_Strict):
    max_retries: int = Field(default=2, ge=0, le=10)
    backoff_s: float = Field(default=0.25, ge=0)
    max_backoff_s: float = Field(default=8.0, ge=0)
    max_retry_after_s: float = Field(default=30.0, ge=0)  # longer Retry-After -> fall back instead


class HealthConfig(_Strict):
    failure_threshold: int = Field(default=3, ge=1)
    cooldown_s: float = Field(default=30.0, ge=0)


class CascadeConfig(_Strict):
    enabled: bool = False  # for every "auto" request; rules may also set `cascade: true`
    cheap: list[str] = Field(default_factory=list)  # empty: cheapest qualifying model
    strong: list[str] = Field(default_factory=list)  # empty: strongest qualifying model
    threshold: float = Field(default=0.7, ge=0, le=1)
    method: Literal["auto", "logprobs", "self_check"] = "auto"


class RetrievalConfig(_Strict):
    knowledge_base: str | None = None  # JSONL of {question, answer} or {text}
    store: str | None = None  # sqlite:///kb.db or postgresql://...: a store `turnout kb` manages
    store_prefix: str = Field(default="turnout_kb", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")
    # where the store's index is saved for restarts (default: next to a SQLite file, else under
    # turnout's home); `turnout kb index` writes it after a bulk add
    index_snapshot: str | None = None
    # the approximate index (HNSW): search breadth trades recall against search latency; links per
    # passage (connectivity) and build breadth (index_expansion_add) shape the graph at build time
    # and trade recall against build time and memory. Defaults from the 100k sweep in
    # docs/benchmarks.md ("The knowledge base index: recall sweep").
    search_expansion: int = Field(default=512, ge=1, le=4096)
    index_connectivity: int = Field(default=32, ge=2, le=256)
    index_expansion_add: int = Field(default=64, ge=1, le=4096)
    # A stored answer is returned only above answer_threshold AND when the checker says the entry
    # answers the question with P(YES) >= check_threshold (bench/bench_retrieval.py calibrates both).
    answer_threshold: float = Field(default=0.55, ge=-1, le=1)
    passage_threshold: float = Field(default=0.35, ge=-1, le=1)
    checker: str = "auto"  # "auto": a local model, else the cheapest allowed; "none": score alone; or a model
    check_threshold: float = Field(default=0.5, ge=0, le=1)
    # ... and when the entry covers what the question asks (turnout.kb.coverage): no strict term
    # (day, number, name, negation) missing, at most max_uncovered other words missing, a near
    # word covering one at coverage_similarity (above 1: only the same word). bench/bench_kb_check.py:
    # these defaults return no wrong stored answer on its three FAQs (docs/benchmarks.md).
    coverage: bool = True
    coverage_similarity: float = Field(default=0.6, ge=0, le=2)
    max_uncovered: int = Field(default=0, ge=0, le=20)
    # ... and when the best entry leads the next one by answer_margin: two entries this close both
    # fit the question, and the words of the wrong one can cover it (fresh FAQs in bench_kb_check.py)
    answer_margin: float = Field(default=0.05, ge=0, le=2)
    top_k: int = Field(default=3, ge=1, le=20)


class GroupConfig(_Strict):
    strategy: Literal["weighted", "least_busy", "lowest_latency", "cheapest", "simple_shuffle"] = "weighted"
    fallbacks: list[str] = Field(default_factory=list)  # after every deployment of the group


class RoutingConfig(_Strict):
    rules: list[Rule] | None = None  # None: the founding design's rules
    fallbacks: list[str] = Field(default_factory=list)  # the global chain
    # With no chain configured, "auto" requests fall back to another provider's model of the
    # same tier, then to local models that fit (named models only to what was configured/allowed).
    default_fallbacks: bool = True
    retries: RetryConfig = Field(default_factory=RetryConfig)
    health: HealthConfig = Field(default_factory=HealthConfig)
    cascade: CascadeConfig = Field(default_factory=CascadeConfig)
    retrieval: RetrievalConfig = Field(default_factory=RetrievalConfig)
    timeout_s: float = Field(default=120.0, gt=0)  # per attempt
    total_timeout_s: float = Field(default=300.0, gt=0)
    default_max_tokens: int = Field(default=1024, gt=0)  # output budget when a request sets none
    default_sensitivity: Sensitivity = Sensitivity.PUBLIC
    default_complexity: Complexity = Complexity.MODERATE
    confidential_named_cloud: Literal["reroute", "reject"] = "reroute"
    groups: dict[str, GroupConfig] = Field(default_factory=dict)  # per-group strategy, by name
    # The learned router (turnout.learn): pick the cheapest model expected to reach this share
    # of the best model's expected quality. `router`: a directory from `turnout router fit`
    # (default: the shipped prior); setting it alone implies quality_target 0.85.
    quality_target: float | None = Field(default=None, gt=0, le=1)
    router: str | None = None


class PiiCombinationConfig(_Strict):
    """All of ``types`` (entity types or HEALTH / FINANCIAL / PRIVATE_CUE) in a request -> ``level``."""

    types: list[str] = Field(min_length=1)
    level: Sensitivity


class DetectionConfig(_Strict):
    pii: bool = True
    complexity: bool = True
    policy: dict[str, Sensitivity] = Field(default_factory=dict)  # entity type -> level
    custom_terms: list[str] = Field(default_factory=list)
    custom_patterns: dict[str, str] = Field(default_factory=dict)
    allow_downgrade: bool = False  # may a caller's label lower a detected level?
    redact: bool = False  # redact findings before sending to non-local models
    # names, places, dates (detect/pii_policy.py): which combinations lift a request; None = the
    # defaults (a person with a health, financial, address or person-tied date detail:
    # confidential; "my name is", "send it to": internal)
    combinations: list[PiiCombinationConfig] | None = None
    public_figures: list[str] = Field(default_factory=list)  # added to the shipped list
    historical_context: bool = True  # people named in a text about history are public figures
    # images, audio and files cannot be scanned: allow them anywhere, keep them local, or refuse
    binary: Literal["allow", "local", "refuse"] = "allow"
    # the optional deep scan (detect/deep.py, docs/pii-deep.md): Presidio + a spaCy NER pipeline
    # after the fast scan, for more recall on names and places at milliseconds a request;
    # needs `pip install "turnout[pii-deep]"` and the pipeline `deep_model` installed
    deep: bool = False
    deep_model: str = "en_core_web_lg"
    target_strong_share: float | None = Field(default=None, ge=0, le=1)


class BudgetConfig(_Strict):
    daily_usd: float | None = Field(default=None, ge=0)
    monthly_usd: float | None = Field(default=None, ge=0)


class CacheConfig(_Strict):
    enabled: bool = True
    backend: str = "memory"  # memory | sqlite:///path | redis://host:port/db
    ttl_s: float = Field(default=86_400, gt=0)
    semantic: bool = False
    semantic_threshold: float | None = Field(default=None, ge=0, le=1)
    cache_temperature: bool = False  # cache requests with temperature > 0
    confidential: bool = False  # cache confidential answers (never across tenants)


class LedgerConfig(_Strict):
    enabled: bool = True
    url: str | None = None  # None: $TURNOUT_LEDGER_URL or <data dir>/turnout.db (settings)
    store_prompts: bool = False


class ServerConfig(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=4000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    master_key: str | None = None
    keys_url: str | None = None  # default: the ledger's database
    max_body_bytes: int = Field(default=4 * 1024 * 1024, gt=0)
    redis_url: str | None = None  # shared limits, budgets and health across gateways
    # The most one upstream response (a body or a whole stream) may be: a 502 above it.
    max_upstream_response_bytes: int | None = Field(default=None, gt=0)  # None: 64 MB


class ResponsesConfig(_Strict):
    """The Responses API's stored conversations (``previous_response_id``)."""

    store: str | None = None  # memory | sqlite:///path | redis://... | postgresql://...; None: beside the ledger
    ttl_s: float = Field(default=30 * 86_400, gt=0)
    confidential: bool = False  # keep confidential conversations in a shared store (Redis/PostgreSQL) too


class TurnoutConfig(_Strict):
    models: list[ModelConfig] | None = None  # None: every catalog model whose provider is set up
    # true: refuse request parameters turnout does not know (400), instead of forwarding them
    strict: bool = False
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    detection: DetectionConfig = Field(default_factory=DetectionConfig)
    budgets: BudgetConfig = Field(default_factory=BudgetConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    ledger: LedgerConfig = Field(default_factory=LedgerConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    responses: ResponsesConfig = Field(default_factory=ResponsesConfig)

    @field_validator("models")
    @classmethod
    def _unique_names(cls, models: list[ModelConfig] | None) -> list[ModelConfig] | None:
        if models:
            seen: set[str] = set()
            for m in models:
                if m.name in seen:
                    raise ValueError(f"model {m.name!r} is listed twice")
                seen.add(m.name)
            for m in models:
                if m.group is not None and m.group in seen:
                    raise ValueError(f"model {m.name!r}: group {m.group!r} is also a model's name; "
                                     "name the deployments apart from the group (e.g. gpt-4o@east)")
        return models

    @model_validator(mode="after")
    def _groups_exist(self) -> TurnoutConfig:
        groups = {m.group for m in self.models or () if m.group}
        for name in self.routing.groups:
            if name not in groups:
                raise ValueError(f"routing.groups.{name}: no model has `group: {name}`")
        return self


def interpolate(value: Any, environ: Mapping[str, str] | None = None) -> Any:
    """Replace ``${VAR}`` and ``${VAR:-default}`` in every string of a parsed YAML tree."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    if isinstance(value, str):
        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            got = env.get(name)
            if got not in (None, ""):
                return str(got)
            if default is not None:
                return default
            raise ConfigError(f"environment variable {name} is not set (used as ${{{name}}}; "
                              f"write ${{{name}:-default}} to give a default)")
        return _VAR.sub(sub, value)
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    return value


def _format_validation(err: ValidationError, source: str) -> str:
    lines = []
    for e in err.errors()[:5]:
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"{where}: {e['msg']}")
    more = f" (+{err.error_count() - 5} more)" if err.error_count() > 5 else ""
    return f"{source}: " + "; ".join(lines) + more


def parse_config(data: dict[str, Any] | None, source: str = "config") -> TurnoutConfig:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level, got {type(data).__name__}")
    from turnout.settings import load_dotenv_once

    load_dotenv_once()
    try:
        return TurnoutConfig.model_validate(interpolate(data))
    except ValidationError as exc:
        raise ConfigError(_format_validation(exc, source)) from None


def load_config(path: str | Path | None = None) -> TurnoutConfig:
    """Read a config file; with no path, ./turnout.yaml if present, else all defaults."""
    if path is None:
        env_path = os.environ.get("TURNOUT_CONFIG")
        if env_path:
            path = env_path
        else:
            for name in CONFIG_FILENAMES:
                if Path(name).is_file():
                    path = name
                    break
    if path is None:
        return parse_config({}, "defaults")
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {p} does not exist")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: not valid YAML: {str(exc).splitlines()[0]}") from None
    return parse_config(data, str(p))


def model_info_from(cfg: ModelConfig, catalog: Catalog) -> ModelInfo:
    """A config entry onto its catalog entry (if any), config winning field by field. The
    catalog entry is found by `name`, else `base_model`, else the upstream id `model`
    (``{name: gpt-4o@east, model: gpt-4o}`` is gpt-4o at another endpoint)."""
    base = catalog.get(cfg.name)
    if base is None:
        from dataclasses import replace

        for ref in (cfg.base_model, cfg.model):
            found = catalog.get(ref) if ref else None
            if found is not None:
                base = replace(found, name=cfg.name, upstream_model=found.wire_model, legacy=False)
                break
    if cfg.base_model and base is None:
        raise ConfigError(f"model {cfg.name!r}: base_model {cfg.base_model!r} is not in the catalog")
    if base is None:
        provider = cfg.provider
        if provider is None:
            from turnout.catalog import provider_of

            provider = provider_of(cfg.name)
        if provider is None:
            raise ConfigError(
                f"model {cfg.name!r}: not in the catalog, so give `provider` "
                "(openai, anthropic, ollama, local, litellm, fake) and its facts"
            )
        local_default = provider in ("local", "ollama")
        base = ModelInfo(name=cfg.name, provider=provider, context_window=cfg.context_window or 8_192,
                         local=local_default, tier=1 if local_default else 2)
    return base.with_overrides(
        provider=cfg.provider,
        upstream_model=cfg.model,
        api_base=cfg.api_base,
        api_key=cfg.api_key,
        model_path=cfg.model_path,
        context_window=cfg.context_window,
        input_per_mtok=cfg.input_per_mtok,
        output_per_mtok=cfg.output_per_mtok,
        cached_input_per_mtok=cfg.cached_input_per_mtok,
        max_output_tokens=cfg.max_output_tokens,
        local=cfg.local,
        tier=cfg.tier,
        strengths=tuple(cfg.strengths) if cfg.strengths is not None else None,
        price_source="config" if cfg.input_per_mtok is not None or cfg.output_per_mtok is not None else None,
        extra=({**base.extra, **cfg.extra, **({"api_version": cfg.api_version} if cfg.api_version else {})}
               if cfg.extra or cfg.api_version else None),
    )

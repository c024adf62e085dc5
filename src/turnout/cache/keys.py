"""What makes two requests "the same": cache keys, what may be cached, per-request control.

A key is built from everything that can change the answer (model, messages, the sampling and
output parameters) and nothing that cannot (user ids, request ids, ``stream``, metadata), as
canonical JSON (sorted keys) hashed with BLAKE2b. It is prefixed by the tenant's namespace, so
one tenant can never be served another tenant's answer.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import orjson

from turnout.errors import BadRequestError

__all__ = [
    "IGNORED_PARAMS",
    "CacheControl",
    "cacheable",
    "canonical_params",
    "context_hash",
    "exact_key",
    "namespace_id",
]

# Parameters that never change the answer. Everything else is part of the key: a parameter we
# do not know (a new OpenAI field, a provider extension) is assumed to matter, which costs a
# miss at worst, never a wrong answer.
IGNORED_PARAMS = frozenset(
    {
        "stream",
        "stream_options",
        "user",
        "metadata",
        "store",
        "request_id",
        "service_tier",
        "timeout",
        "request_timeout",
        "api_key",
        "api_base",
        "base_url",
        "extra_headers",
        "headers",
        "turnout",  # routing hints: the model they choose is passed as ``model``
        "cache",
        "caching",
        "mock_response",
        "num_retries",
        "fallbacks",
    }
)

_SAFE_NAMESPACE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def namespace_id(tenant: str | None) -> str:
    """A backend-safe namespace for a tenant (virtual key id): readable when it can be."""
    if not tenant:
        return "default"
    if _SAFE_NAMESPACE.match(tenant):
        return tenant
    return "t-" + hashlib.blake2b(tenant.encode("utf-8"), digest_size=10).hexdigest()


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_drop_none(v) for v in value]
    return value


def canonical_params(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters that matter, with ``None`` dropped and aliases unified."""
    out = {k: v for k, v in params.items() if k not in IGNORED_PARAMS and v is not None}
    if "max_completion_tokens" in out and "max_tokens" not in out:
        out["max_tokens"] = out.pop("max_completion_tokens")
    if isinstance(out.get("stop"), str):
        out["stop"] = [out["stop"]]  # "x" and ["x"] mean the same
    return dict(_drop_none(out))


def _digest(payload: Any) -> str:
    blob = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY)
    return hashlib.blake2b(blob, digest_size=20).hexdigest()


def _uncacheable(exc: BaseException) -> BadRequestError:
    # validation refuses such input first (turnout.input_limits); this guards direct callers.
    return BadRequestError(f"request cannot be keyed for the cache (nested too deep or not JSON): {exc}")


def exact_key(namespace: str, model: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> str:
    """``"<namespace>:x:<hash>"`` for (model, messages, parameters that matter)."""
    try:
        payload = {"model": model, "messages": _drop_none(messages), "params": canonical_params(params)}
        return f"{namespace_id(namespace)}:x:{_digest(payload)}"
    except (RecursionError, orjson.JSONEncodeError) as exc:
        raise _uncacheable(exc) from None


def context_hash(model: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> str:
    """Everything but the last user message: the semantic cache only compares prompts that
    share it (same model, parameters, system prompt and earlier turns)."""
    try:
        payload = {"model": model, "history": _drop_none(messages[:-1]), "params": canonical_params(params)}
        return _digest(payload)[:20]
    except (RecursionError, orjson.JSONEncodeError) as exc:
        raise _uncacheable(exc) from None


def cacheable(params: dict[str, Any], cache_temperature_gt0: bool = False) -> bool:
    """Whether an answer to these parameters may be stored and served again.

    n > 1 asks for several different answers: never cached. An explicit temperature > 0 asks
    for sampling: cached only when configured. A request that leaves temperature unset is
    cached, as the founding design caches every call.
    """
    n = params.get("n")
    if n is not None and int(n) > 1:
        return False
    temperature = params.get("temperature")
    return not (temperature is not None and float(temperature) > 0 and not cache_temperature_gt0)


@dataclass(frozen=True, slots=True)
class CacheControl:
    """Per-request cache control, as in HTTP: no-store, no-cache, max-age."""

    no_store: bool = False  # neither read nor write
    no_cache: bool = False  # do not read, but store the fresh answer
    max_age_s: float | None = None  # only serve entries younger than this
    ttl_s: float | None = None  # override the cache's TTL for what this request stores

    @property
    def may_read(self) -> bool:
        return not (self.no_store or self.no_cache) and (self.max_age_s is None or self.max_age_s > 0)

    @property
    def may_write(self) -> bool:
        return not self.no_store

    @classmethod
    def parse(cls, value: str | None = None, max_age_s: float | None = None) -> CacheControl:
        """From ``"no-store"``, ``"no-cache"``, ``"max-age=60"`` or a comma-separated mix.

        Raises ValueError on an unknown directive (the gateway answers 400).
        """
        no_store = no_cache = False
        for raw in (value or "").split(","):
            directive = raw.strip().lower()
            if not directive:
                continue
            if directive == "no-store":
                no_store = True
            elif directive == "no-cache":
                no_cache = True
            elif directive.startswith("max-age="):
                try:
                    age = float(directive.split("=", 1)[1])
                except ValueError:
                    raise ValueError(f"invalid cache directive {raw.strip()!r}") from None
                if age < 0:
                    raise ValueError(f"invalid cache directive {raw.strip()!r}: max-age must be >= 0")
                max_age_s = age if max_age_s is None else min(age, max_age_s)
            else:
                raise ValueError(f"unknown cache directive {raw.strip()!r}; use no-store, no-cache or max-age=N")
        if max_age_s is not None and max_age_s < 0:
            raise ValueError("cache max age must be >= 0")
        return cls(no_store=no_store, no_cache=no_cache, max_age_s=max_age_s)

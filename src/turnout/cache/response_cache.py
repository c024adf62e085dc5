"""The response cache: exact first, then (optionally) semantic, per tenant, with per-request control.

    cache = ResponseCache.from_url("memory", semantic=True)          # or sqlite:///p, redis://h:p/db
    hit = await cache.lookup(tenant, model, messages, params, CacheControl.parse("max-age=600"))
    if hit is None:
        response = ...call the model...
        await cache.store(tenant, model, messages, params, response, cost_usd=0.0012)

A hit says how it was found (``"exact"`` or ``"semantic"`` with the similarity), how old it
is, and what it saved (the original call's cost and tokens), so the caller can report it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlparse

import orjson

from turnout.cache.backend import CacheBackend
from turnout.cache.guards import compatible, signature
from turnout.cache.keys import CacheControl, cacheable, context_hash, exact_key, namespace_id
from turnout.cache.replay import replay_chunks
from turnout.cache.semantic import (
    LocalSemanticIndex,
    RedisSemanticIndex,
    SemanticEntry,
    SemanticIndex,
    SQLiteSemanticIndex,
)
from turnout.types import ChatCompletion, ChatCompletionChunk, message_text, new_completion_id

if TYPE_CHECKING:
    import numpy as np

    from turnout.embeddings import Embedder

__all__ = ["DEFAULT_SEMANTIC_THRESHOLD", "DEFAULT_TTL_S", "CacheHit", "CacheStats", "ResponseCache"]

log = logging.getLogger("turnout.cache")

DEFAULT_TTL_S = 86_400.0  # the founding design's 24 hours
# Chosen on the measured pair tables (tests/cache/semantic_pairs.py and the build script's
# pairs): no guard-passing non-paraphrase scores above 0.81, paraphrases mostly above 0.85.
DEFAULT_SEMANTIC_THRESHOLD = 0.85
_FORMAT = 1
_CACHEABLE_FINISH = frozenset({"stop", "length", "tool_calls", "function_call", "end_turn"})


@dataclass(slots=True)
class CacheHit:
    kind: Literal["exact", "semantic"]
    response: ChatCompletion
    key: str
    age_s: float
    similarity: float  # 1.0 for an exact hit
    saved_cost_usd: float
    saved_prompt_tokens: int
    saved_completion_tokens: int
    model: str  # the model that produced the stored answer
    matched_prompt: str | None = None  # the stored prompt a semantic hit matched

    def chunks(self, *, include_usage: bool = False, chunk_chars: int | None = None) -> list[ChatCompletionChunk]:
        """The hit as an OpenAI stream."""
        return replay_chunks(self.response, include_usage=include_usage, chunk_chars=chunk_chars,
                             completion_id=self.response.get("id"))

    def record(self) -> dict[str, Any]:
        """What a route decision / response ``turnout`` field reports about this hit."""
        return {
            "hit": True,
            "kind": self.kind,
            "age_s": round(self.age_s, 3),
            "similarity": round(self.similarity, 4),
            "saved_cost_usd": self.saved_cost_usd,
            "saved_tokens": self.saved_prompt_tokens + self.saved_completion_tokens,
        }


@dataclass(slots=True)
class CacheStats:
    lookups: int = 0
    exact_hits: int = 0
    semantic_hits: int = 0
    guard_rejections: dict[str, int] = field(default_factory=dict)  # semantic near-misses caught
    stores: int = 0
    saved_cost_usd: float = 0.0


class ResponseCache:
    def __init__(
        self,
        backend: CacheBackend,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        semantic: bool = False,
        threshold: float = DEFAULT_SEMANTIC_THRESHOLD,
        semantic_index: SemanticIndex | None = None,
        embedder: Embedder | None = None,
        cache_temperature_gt0: bool = False,
        max_semantic_chars: int = 2000,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be > 0")
        if not 0.0 < threshold <= 1.0:
            raise ValueError("semantic threshold must be in (0, 1]")
        self.backend = backend
        self.ttl_s = ttl_s
        self.semantic = semantic
        self.threshold = threshold
        self.cache_temperature_gt0 = cache_temperature_gt0
        self.max_semantic_chars = max_semantic_chars
        self.index: SemanticIndex | None = None
        if semantic:
            if semantic_index is None:
                semantic_index = _default_index(backend)
            self.index = semantic_index
        self._embedder = embedder
        self.stats = CacheStats()

    @classmethod
    def from_url(cls, url: str = "memory", **kwargs: Any) -> ResponseCache:
        """``"memory"``, ``"memory://?max_entries=N"``, ``"sqlite:///path/cache.db"``,
        ``"redis://127.0.0.1:6379/0"`` (``?prefix=...``); other keywords go to ``__init__``."""
        return cls(backend_from_url(url), **kwargs)

    @property
    def healthy(self) -> bool:
        return self.backend.healthy

    # ---- lookup -------------------------------------------------------------------------

    async def lookup(
        self,
        namespace: str,
        model: str,
        messages: list[dict[str, Any]],
        params: dict[str, Any] | None = None,
        control: CacheControl | None = None,
    ) -> CacheHit | None:
        params = params or {}
        control = control or CacheControl()
        key = self.exact_entry_key(namespace, model, messages, params, control)
        if key is None:
            return None
        hit = self.exact_found(key, await self.backend.get(key), control)
        if hit is not None:
            return hit
        if self.index is not None:
            hit = await self._semantic_lookup(namespace, model, messages, params, control, time.time())
            if hit is not None:
                self.stats.semantic_hits += 1
                self.stats.saved_cost_usd += hit.saved_cost_usd
        return hit

    def exact_entry_key(self, namespace: str, model: str, messages: list[dict[str, Any]],
                        params: dict[str, Any], control: CacheControl) -> str | None:
        """The backend key an exact lookup of this request reads, None when it may not read
        the cache: for a caller that reads the entry itself (the gateway, with its admission)."""
        if not control.may_read or not cacheable(params, self.cache_temperature_gt0):
            return None
        try:
            return exact_key(namespace, model, messages, params)
        except TypeError:  # not JSON-serialisable: nothing we could have stored either
            return None

    def exact_found(self, key: str, blob: bytes | None, control: CacheControl) -> CacheHit | None:
        """The exact lookup's answer from the entry read under ``key`` (None: not there)."""
        self.stats.lookups += 1
        hit = self._decode_hit("exact", key, blob, time.time(), control, 1.0)
        if hit is not None:
            self.stats.exact_hits += 1
            self.stats.saved_cost_usd += hit.saved_cost_usd
        return hit

    async def _semantic_lookup(self, namespace: str, model: str, messages: list[dict[str, Any]],
                               params: dict[str, Any], control: CacheControl, now: float) -> CacheHit | None:
        assert self.index is not None
        prompt = self._semantic_prompt(messages)
        if prompt is None:
            return None
        partition = self._partition(namespace, model, messages, params)
        vector = await self._embed(prompt)
        if not vector.any():
            return None
        asked = signature(prompt)
        for score, entry in await self.index.search(partition, vector, self.threshold):
            ok, reason = compatible(entry.signature, asked)
            if not ok:
                assert reason is not None
                self.stats.guard_rejections[reason] = self.stats.guard_rejections.get(reason, 0) + 1
                continue
            blob = await self.backend.get(entry.entry_key)
            if blob is None:  # evicted or expired in the store: forget it
                await self.index.remove(partition, entry.entry_key)
                continue
            hit = self._decode_hit("semantic", entry.entry_key, blob, now, control, score)
            if hit is not None:
                hit.matched_prompt = entry.text
                return hit
        return None

    def _decode_hit(self, kind: Literal["exact", "semantic"], key: str, blob: bytes | None, now: float,
                    control: CacheControl, similarity: float) -> CacheHit | None:
        if blob is None:
            return None
        try:
            stored = orjson.loads(blob)
            if stored.get("v") != _FORMAT:
                return None
            age = max(0.0, now - float(stored["created_at"]))
            if control.max_age_s is not None and age > control.max_age_s:
                return None
            response = ChatCompletion(stored["response"])  # orjson.loads made a fresh object
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("ignoring an unreadable cache entry %s", key)
            return None
        response["id"] = new_completion_id()  # every answer gets its own id, as a fresh call would
        usage = response.get("usage") or {}
        return CacheHit(
            kind=kind,
            response=response,
            key=key,
            age_s=age,
            similarity=similarity,
            saved_cost_usd=float(stored.get("cost_usd") or 0.0),
            saved_prompt_tokens=int(usage.get("prompt_tokens") or 0),
            saved_completion_tokens=int(usage.get("completion_tokens") or 0),
            model=str(stored.get("model") or response.get("model") or ""),
        )

    # ---- store --------------------------------------------------------------------------

    async def store(
        self,
        namespace: str,
        model: str,
        messages: list[dict[str, Any]],
        params: dict[str, Any] | None,
        response: dict[str, Any],
        cost_usd: float = 0.0,
        control: CacheControl | None = None,
    ) -> bool:
        """Store a completed answer; False when it may not be cached (and nothing was written)."""
        params = params or {}
        control = control or CacheControl()
        if not control.may_write or not cacheable(params, self.cache_temperature_gt0):
            return False
        choices = response.get("choices") or []
        if len(choices) != 1 or choices[0].get("finish_reason") not in _CACHEABLE_FINISH:
            return False  # unfinished, filtered or multi-choice answers are not worth replaying
        ttl = control.ttl_s or self.ttl_s
        now = time.time()
        clean = {k: v for k, v in response.items() if k != "turnout"}  # route info is per call
        try:
            key = exact_key(namespace, model, messages, params)
            blob = orjson.dumps({"v": _FORMAT, "created_at": now, "model": response.get("model") or model,
                                 "cost_usd": float(cost_usd), "response": clean})
        except TypeError:
            return False
        await self.backend.set(key, blob, ttl)
        self.stats.stores += 1
        if self.index is not None:
            prompt = self._semantic_prompt(messages)
            if prompt is not None:
                vector = await self._embed(prompt)
                if vector.any():
                    entry = SemanticEntry(key, prompt, signature(prompt), now, now + ttl)
                    await self.index.add(self._partition(namespace, model, messages, params), vector, entry)
        return True

    # ---- housekeeping -------------------------------------------------------------------

    async def clear(self, namespace: str | None = None) -> None:
        ns = namespace_id(namespace) if namespace is not None else None
        await self.backend.clear(ns)
        if self.index is not None:
            await self.index.clear(ns)

    async def aclose(self) -> None:
        if self.index is not None:
            await self.index.aclose()
        await self.backend.aclose()

    def _semantic_prompt(self, messages: list[dict[str, Any]]) -> str | None:
        if not messages or messages[-1].get("role") != "user":
            return None
        content = messages[-1].get("content")
        if isinstance(content, list) and any(
            not isinstance(p, dict) or p.get("type") != "text" for p in content
        ):
            return None  # images, audio: the text alone does not say what was asked
        text = message_text(messages[-1]).strip()
        if not text or len(text) > self.max_semantic_chars:
            return None
        return text

    def _partition(self, namespace: str, model: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> str:
        return f"{namespace_id(namespace)}:s:{context_hash(model, messages, params)}"

    async def _embed(self, text: str) -> np.ndarray:
        if self._embedder is None:
            from turnout.embeddings import default_embedder

            # the first load reads ~5 MB; keep it off the event loop
            self._embedder = await asyncio.to_thread(default_embedder)
        return self._embedder.embed([text])[0]


def _default_index(backend: CacheBackend) -> SemanticIndex:
    """Vectors kept where the answers are: Redis-shared, SQLite-persisted, or in memory."""
    from turnout.cache.redis_backend import RedisBackend
    from turnout.cache.sqlite_backend import SQLiteBackend

    if isinstance(backend, RedisBackend):
        return RedisSemanticIndex(backend)
    if isinstance(backend, SQLiteBackend):
        return SQLiteSemanticIndex(backend)
    return LocalSemanticIndex()


def backend_from_url(url: str) -> CacheBackend:
    from turnout.cache.memory_backend import MemoryBackend

    if url in ("memory", "memory://", ""):
        return MemoryBackend()
    parsed = urlparse(url)
    query = dict(part.split("=", 1) for part in parsed.query.split("&") if "=" in part)
    if parsed.scheme == "memory":
        return MemoryBackend(
            max_entries=int(query.get("max_entries", 10_000)),
            max_bytes=int(query.get("max_bytes", 256 * 1024 * 1024)),
        )
    if parsed.scheme == "sqlite":
        from turnout.cache.sqlite_backend import SQLiteBackend

        path = url[len("sqlite://") :].split("?", 1)[0]
        if path.startswith("/") and not path.startswith("//"):
            path = path[1:] or ":memory:"  # sqlite:///rel.db -> rel.db, sqlite:////abs.db -> /abs.db
        elif path.startswith("//"):
            path = path[1:]
        if not path:
            raise ValueError("sqlite cache URL needs a path: sqlite:///cache.db or sqlite:////abs/cache.db")
        return SQLiteBackend(path)
    if parsed.scheme in ("redis", "rediss", "unix"):
        from turnout.cache.redis_backend import RedisBackend

        prefix = query.pop("prefix", "turnout:cache:")
        base = url.split("?", 1)[0]
        return RedisBackend(base, prefix=prefix)
    raise ValueError(f"unknown cache URL {url!r}; use memory, sqlite:///path or redis://host:port/db")

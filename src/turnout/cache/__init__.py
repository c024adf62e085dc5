"""Response cache: exact and semantic, per tenant, over memory, SQLite or Redis.

    backend.py          CacheBackend: the small async bytes store every backend implements
    memory_backend.py   LRU by entries and bytes, TTL (the default)
    sqlite_backend.py   survives restarts (WAL)
    redis_backend.py    shared by gateway processes; misses, not errors, when Redis is down
    keys.py             exact_key, cacheable, CacheControl (no-store / no-cache / max-age)
    guards.py           what two prompts must share for a semantic hit (numbers, names, ...)
    semantic.py         vector indexes: local numpy, SQLite-persisted, or Redis-shared with a local mirror
    replay.py           streams <-> completed answers
    response_cache.py   ResponseCache: lookup / store, CacheHit

Names resolve lazily so that importing the package costs nothing until one is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "CacheBackend": "turnout.cache.backend",
    "MemoryBackend": "turnout.cache.memory_backend",
    "SQLiteBackend": "turnout.cache.sqlite_backend",
    "RedisBackend": "turnout.cache.redis_backend",
    "CacheControl": "turnout.cache.keys",
    "cacheable": "turnout.cache.keys",
    "exact_key": "turnout.cache.keys",
    "namespace_id": "turnout.cache.keys",
    "PromptSignature": "turnout.cache.guards",
    "compatible": "turnout.cache.guards",
    "signature": "turnout.cache.guards",
    "SemanticIndex": "turnout.cache.semantic",
    "LocalSemanticIndex": "turnout.cache.semantic",
    "RedisSemanticIndex": "turnout.cache.semantic",
    "SQLiteSemanticIndex": "turnout.cache.semantic",
    "completion_from_chunks": "turnout.cache.replay",
    "replay_chunks": "turnout.cache.replay",
    "ResponseCache": "turnout.cache.response_cache",
    "CacheHit": "turnout.cache.response_cache",
    "CacheStats": "turnout.cache.response_cache",
    "backend_from_url": "turnout.cache.response_cache",
    "DEFAULT_TTL_S": "turnout.cache.response_cache",
    "DEFAULT_SEMANTIC_THRESHOLD": "turnout.cache.response_cache",
}

__all__ = [
    "DEFAULT_SEMANTIC_THRESHOLD",
    "DEFAULT_TTL_S",
    "CacheBackend",
    "CacheControl",
    "CacheHit",
    "CacheStats",
    "LocalSemanticIndex",
    "MemoryBackend",
    "PromptSignature",
    "RedisBackend",
    "RedisSemanticIndex",
    "ResponseCache",
    "SQLiteBackend",
    "SQLiteSemanticIndex",
    "SemanticIndex",
    "backend_from_url",
    "cacheable",
    "compatible",
    "completion_from_chunks",
    "exact_key",
    "namespace_id",
    "replay_chunks",
    "signature",
]

if TYPE_CHECKING:
    from turnout.cache.backend import CacheBackend
    from turnout.cache.guards import PromptSignature, compatible, signature
    from turnout.cache.keys import CacheControl, cacheable, exact_key, namespace_id
    from turnout.cache.memory_backend import MemoryBackend
    from turnout.cache.redis_backend import RedisBackend
    from turnout.cache.replay import completion_from_chunks, replay_chunks
    from turnout.cache.response_cache import (
        DEFAULT_SEMANTIC_THRESHOLD,
        DEFAULT_TTL_S,
        CacheHit,
        CacheStats,
        ResponseCache,
        backend_from_url,
    )
    from turnout.cache.semantic import (
        LocalSemanticIndex,
        RedisSemanticIndex,
        SemanticIndex,
        SQLiteSemanticIndex,
    )
    from turnout.cache.sqlite_backend import SQLiteBackend


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'turnout.cache' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

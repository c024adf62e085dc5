"""The small interface every cache store implements: bytes in, bytes out, with a TTL.

Keys are ``"<namespace>:<rest>"``; the namespace (a tenant, or ``"kb"``...) is everything before
the first ``":"`` so that ``clear(namespace)`` can drop one tenant's entries and nothing else.
A backend never raises on a broken store: ``get`` turns into a miss and ``set`` into a no-op,
``healthy`` goes False and ``errors`` counts what went wrong (exported on /metrics). A cache
outage must cost latency at most, never an answer.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod

__all__ = ["CacheBackend", "check_key", "check_namespace"]

_NAMESPACE = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")


def check_namespace(namespace: str) -> str:
    if not _NAMESPACE.match(namespace):
        raise ValueError(f"invalid cache namespace {namespace!r}: use 1-128 of A-Z a-z 0-9 _ . -")
    return namespace


def check_key(key: str) -> str:
    namespace, sep, rest = key.partition(":")
    if not sep or not rest:
        raise ValueError(f"cache key {key!r} must look like '<namespace>:<rest>'")
    check_namespace(namespace)
    return key


class CacheBackend(ABC):
    """Async key-value store with per-entry TTL. ``ttl_s=None`` means no expiry."""

    name: str = "abstract"

    def __init__(self) -> None:
        self.healthy = True
        self.errors = 0  # operations that failed against the store (for /metrics)

    @abstractmethod
    async def get(self, key: str) -> bytes | None: ...

    @abstractmethod
    async def set(self, key: str, value: bytes, ttl_s: float | None) -> None: ...

    @abstractmethod
    async def delete(self, key: str) -> None: ...

    @abstractmethod
    async def clear(self, namespace: str | None = None) -> None:
        """Drop every entry of ``namespace``, or every entry of this cache when None."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most stores have nothing to free
        """Release connections and files; the backend is unusable afterwards."""

    async def __aenter__(self) -> CacheBackend:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

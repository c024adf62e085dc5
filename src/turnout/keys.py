"""Virtual keys for the gateway: who may call, which models, how much, how fast.

A key is ``sk-turnout-`` + 43 random URL-safe characters (256 bits from ``secrets``). It is
shown once, at creation; the store keeps only its SHA-256 (a fast hash is right for a random
256-bit secret: there is nothing to brute-force) and a display prefix (the first 16
characters: the fixed ``sk-turnout-`` plus 5 random ones, enough to tell keys apart in a list
and to revoke by prefix, 30 of 256 bits).

Storage: SQLite (default; a file path) or PostgreSQL (``postgresql://...``, psycopg 3), one
table ``<table_prefix>keys``. ``verify`` is on every request's path, so it answers from an
in-process cache of hash -> key (unknown keys too) that lives ``cache_ttl_s`` (5 s): a
revocation in another process takes effect within that time, at once in this one. Unknown keys
may be cached safely: nobody can present a key before it is created.

The admin/master key is not stored here; the gateway compares it with ``matches_secret``.
"""

from __future__ import annotations

import asyncio
import builtins
import fnmatch
import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import string
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from turnout.errors import BadRequestError, ConfigError, NotFoundError
from turnout.limits.base import PERIODS, BudgetScope, Period
from turnout.types import Sensitivity

KEY_PREFIX = "sk-turnout-"
KEY_RANDOM_BYTES = 32  # -> 43 URL-safe characters
DISPLAY_PREFIX_LEN = len(KEY_PREFIX) + 5
ID_PREFIX = "key_"
_ID_ALPHABET = string.ascii_lowercase + string.digits
_KEY_RE = re.compile(r"^sk-turnout-[A-Za-z0-9_-]{32,128}$")
_TABLE_PREFIX_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")


@dataclass(frozen=True, slots=True)
class KeyLimits:
    """What a key may do. ``None`` / empty means unlimited / any model."""

    budget_usd: float | None = None
    budget_period: Period = "total"
    rpm: int | None = None
    tpm: int | None = None
    models: tuple[str, ...] = ()  # glob patterns: "local/*", "gpt-4o*"
    max_sensitivity: Sensitivity | None = None


@dataclass(frozen=True, slots=True)
class VirtualKey:
    id: str  # public, short: "key_ab12cd34"
    name: str | None
    prefix: str  # first DISPLAY_PREFIX_LEN characters of the key, for display
    limits: KeyLimits
    created_at: float  # epoch seconds
    revoked_at: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def budget_scope(self) -> BudgetScope | None:
        """The key's budget for ``LimitStore.reserve``, or None when it has none."""
        if self.limits.budget_usd is None:
            return None
        return BudgetScope(f"key:{self.id}", self.limits.budget_usd, self.limits.budget_period)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``turnout keys list --json``). Never contains the key or its hash."""
        lim = self.limits
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            "budget_usd": lim.budget_usd,
            "budget_period": lim.budget_period,
            "rpm": lim.rpm,
            "tpm": lim.tpm,
            "models": list(lim.models),
            "max_sensitivity": lim.max_sensitivity.value if lim.max_sensitivity else None,
            "metadata": self.metadata,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def matches_secret(presented: str | None, expected: str | None) -> bool:
    """Constant-time comparison for the master key (no early exit on the first wrong byte)."""
    if not presented or not expected:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def allows_model(key: VirtualKey, model_name: str) -> bool:
    """Whether the key may use ``model_name`` (case-sensitive glob match on any pattern)."""
    patterns = key.limits.models
    return not patterns or any(fnmatch.fnmatchcase(model_name, p) for p in patterns)


def allows_sensitivity(key: VirtualKey, level: Sensitivity | str) -> bool:
    """Whether the key may send data of ``level`` (at most its ``max_sensitivity``)."""
    top = key.limits.max_sensitivity
    return top is None or Sensitivity.parse(level).rank <= top.rank


# ---- storage backends ----------------------------------------------------------------------

_COLUMNS = (
    "id, name, key_hash, prefix, budget_usd, budget_period, rpm, tpm, models, "
    "max_sensitivity, metadata, created_at, revoked_at"
)


class _Backend:
    """The SQL both databases share; ``ph`` is the placeholder style."""

    ph = "?"
    real = "REAL"

    def __init__(self, table: str):
        self.table = table
        self._lock = threading.Lock()

    def _sql(self, text: str) -> str:
        return text.replace("?", self.ph).replace("{t}", self.table)

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        raise NotImplementedError

    def schema(self) -> list[str]:
        r = self.real
        return [
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            "id TEXT PRIMARY KEY, name TEXT, key_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, "
            f"budget_usd {r}, budget_period TEXT NOT NULL, rpm INTEGER, tpm INTEGER, "
            "models TEXT NOT NULL, max_sensitivity TEXT, metadata TEXT NOT NULL, "
            f"created_at {r} NOT NULL, revoked_at {r})",
            f"CREATE INDEX IF NOT EXISTS {self.table}_prefix ON {self.table} (prefix)",
        ]

    def setup(self) -> None:
        with self.cursor() as cur:
            for stmt in self.schema():
                cur.execute(stmt)

    def insert(self, row: Sequence[Any]) -> None:
        with self.cursor() as cur:
            cur.execute(
                self._sql(f"INSERT INTO {{t}} ({_COLUMNS}) VALUES ({', '.join('?' * len(row))})"),
                row,
            )

    def one(self, where: str, *args: Any) -> tuple[Any, ...] | None:
        with self.cursor() as cur:
            cur.execute(self._sql(f"SELECT {_COLUMNS} FROM {{t}} WHERE {where}"), args)
            row = cur.fetchone()
        return tuple(row) if row is not None else None

    def many(self, where: str = "1=1", *args: Any) -> list[tuple[Any, ...]]:
        with self.cursor() as cur:
            cur.execute(
                self._sql(f"SELECT {_COLUMNS} FROM {{t}} WHERE {where} ORDER BY created_at, id"),
                args,
            )
            return [tuple(r) for r in cur.fetchall()]

    def revoke(self, key_id: str, when: float) -> None:
        with self.cursor() as cur:
            cur.execute(
                self._sql("UPDATE {t} SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
                (when, key_id),
            )

    def drop(self) -> None:
        with self.cursor() as cur:
            cur.execute(self._sql("DROP TABLE IF EXISTS {t}"))

    def close(self) -> None:
        raise NotImplementedError

    def is_unique_violation(self, exc: BaseException) -> bool:
        raise NotImplementedError


class _SQLite(_Backend):
    def __init__(self, path: Path, table: str):
        super().__init__(table)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # One connection, serialised by the lock; autocommit, WAL so readers never block.
        self.conn = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=10.0
        )
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA busy_timeout=10000")

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        with self._lock:
            cur = self.conn.cursor()
            try:
                yield cur
            finally:
                cur.close()

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError)


class _Postgres(_Backend):
    ph = "%s"
    real = "DOUBLE PRECISION"

    def __init__(self, url: str, table: str):
        super().__init__(table)
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ConfigError(
                "PostgreSQL key store needs psycopg: pip install 'turnout[postgres]'"
            ) from exc
        self._psycopg = psycopg
        self.url = url
        self.conn = psycopg.connect(url, autocommit=True)

    def setup(self) -> None:
        # Gateways starting together on a fresh database would race in CREATE ... IF NOT EXISTS
        # (not atomic in PostgreSQL: "duplicate key ... pg_type_typname_nsp_index"): the same
        # advisory lock as the ledger's migrations serialises them.
        from turnout.ledger.migrations import PG_LOCK_KEY

        with self._lock, self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [PG_LOCK_KEY])
            for stmt in self.schema():
                self.conn.execute(stmt)

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        with self._lock:
            if self.conn.closed:  # the server restarted or the connection broke: reconnect once
                self.conn = self._psycopg.connect(self.url, autocommit=True)
            with self.conn.cursor() as cur:
                yield cur

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, self._psycopg.errors.UniqueViolation)


# ---- the store -----------------------------------------------------------------------------


class KeyStore:
    """Virtual keys in SQLite (a path) or PostgreSQL (a ``postgresql://`` URL)."""

    def __init__(
        self,
        location: str | Path | None = None,
        *,
        table_prefix: str = "turnout_",
        cache_ttl_s: float = 5.0,
        cache_size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        if not _TABLE_PREFIX_RE.match(table_prefix):
            raise ConfigError(f"invalid table prefix {table_prefix!r}: letters, digits and _ only")
        table = f"{table_prefix}keys"
        loc = str(location) if location is not None else ""
        self._backend: _Backend
        if loc.startswith(("postgresql://", "postgres://")):
            self._backend = _Postgres(loc, table)
            self.location = _redact_url(loc)
        else:
            if not loc:
                from turnout.settings import home_dir

                path = home_dir() / "keys.sqlite3"
            else:
                path = Path(loc.removeprefix("sqlite:///")).expanduser()
            self._backend = _SQLite(path, table)
            self.location = str(path)
        self._backend.setup()
        self.cache_ttl_s = cache_ttl_s
        self.cache_size = cache_size
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, VirtualKey | None]] = OrderedDict()
        self._cache_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        self._backend.close()

    def drop(self) -> None:
        """Delete the table and everything in it (tests, ``turnout keys`` resets)."""
        self._backend.drop()
        self.invalidate()

    def __enter__(self) -> KeyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- create ----------------------------------------------------------------------------------
    def create(
        self,
        name: str | None = None,
        *,
        budget_usd: float | None = None,
        budget_period: str = "total",
        rpm: int | None = None,
        tpm: int | None = None,
        models: Iterable[str] | None = None,
        max_sensitivity: Sensitivity | str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> tuple[str, VirtualKey]:
        """A new key: returns ``(plaintext, key)``. The plaintext is never stored: show it once."""
        limits = _make_limits(budget_usd, budget_period, rpm, tpm, models, max_sensitivity)
        meta = dict(metadata or {})
        try:
            meta_json = json.dumps(meta, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise BadRequestError(f"key metadata must be JSON-serialisable: {exc}") from exc
        for _ in range(5):  # id collisions (36^8) are rare; the hash never collides
            plaintext = KEY_PREFIX + secrets.token_urlsafe(KEY_RANDOM_BYTES)
            key = VirtualKey(
                id=ID_PREFIX + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8)),
                name=name,
                prefix=plaintext[:DISPLAY_PREFIX_LEN],
                limits=limits,
                created_at=time.time(),
                metadata=meta,
            )
            digest = hash_key(plaintext)
            try:
                self._backend.insert(_to_row(key, digest, meta_json))
            except Exception as exc:
                if self._backend.is_unique_violation(exc):
                    continue
                raise
            self._remember(digest, key)
            return plaintext, key
        raise ConfigError("could not allocate a unique key id")  # pragma: no cover

    # -- verify (the request path) ---------------------------------------------------------------
    def verify(self, plaintext: str | None) -> VirtualKey | None:
        """The key if valid and not revoked, else None. Cached; the database only on a miss."""
        digest = self._digest(plaintext)
        if digest is None:
            return None
        hit, key = self._cached(digest)
        if not hit:
            row = self._backend.one("key_hash = ?", digest)
            # The row was found by its hash; comparing again in constant time costs nothing
            # and keeps the check honest if the lookup ever becomes a prefix or index scan.
            key = (
                _from_row(row) if row is not None and hmac.compare_digest(row[2], digest) else None
            )
            self._remember(digest, key)
        return key if key is not None and not key.revoked else None

    async def averify(self, plaintext: str | None) -> VirtualKey | None:
        """``verify`` for the event loop: cache hits inline, misses in a worker thread."""
        digest = self._digest(plaintext)
        if digest is None:
            return None
        hit, key = self._cached(digest)
        if hit:
            return key if key is not None and not key.revoked else None
        return await asyncio.to_thread(self.verify, plaintext)

    @staticmethod
    def _digest(plaintext: str | None) -> str | None:
        # Malformed keys never reach the database.
        if not plaintext or not _KEY_RE.match(plaintext):
            return None
        return hash_key(plaintext)

    def _cached(self, digest: str) -> tuple[bool, VirtualKey | None]:
        with self._cache_lock:
            entry = self._cache.get(digest)
            if entry is None:
                return False, None
            if entry[0] <= self._clock():
                del self._cache[digest]
                return False, None
            self._cache.move_to_end(digest)
            return True, entry[1]

    def _remember(self, digest: str, key: VirtualKey | None) -> None:
        with self._cache_lock:
            self._cache[digest] = (self._clock() + self.cache_ttl_s, key)
            self._cache.move_to_end(digest)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def invalidate(self, key_id: str | None = None) -> None:
        """Forget cached keys (all, or one key's entries)."""
        with self._cache_lock:
            if key_id is None:
                self._cache.clear()
                return
            for digest in [
                d for d, (_, k) in self._cache.items() if k is not None and k.id == key_id
            ]:
                del self._cache[digest]

    # -- admin -----------------------------------------------------------------------------------
    def get(self, key_id: str) -> VirtualKey | None:
        row = self._backend.one("id = ?", key_id)
        return _from_row(row) if row is not None else None

    def list(self, *, include_revoked: bool = True) -> builtins.list[VirtualKey]:
        rows = self._backend.many() if include_revoked else self._backend.many("revoked_at IS NULL")
        return [_from_row(r) for r in rows]

    def revoke(self, id_or_prefix: str) -> VirtualKey:
        """Revoke by id (``key_...``), display prefix (or a unique start of it), or the key itself.

        Idempotent: revoking a revoked key returns it unchanged. Raises NotFoundError when
        nothing matches, BadRequestError when a prefix matches several keys.
        """
        key = self._resolve(id_or_prefix.strip())
        if not key.revoked:
            self._backend.revoke(key.id, time.time())
            key = self.get(key.id) or key
        self.invalidate(key.id)
        return key

    def _resolve(self, ref: str) -> VirtualKey:
        if _KEY_RE.match(ref):  # the full key
            row = self._backend.one("key_hash = ?", hash_key(ref))
            if row is None:
                raise NotFoundError("no such key", code="key_not_found")
            return _from_row(row)
        if ref.startswith(ID_PREFIX):
            key = self.get(ref)
            if key is None:
                raise NotFoundError(f"no key with id {ref!r}", code="key_not_found")
            return key
        if len(ref) <= len(KEY_PREFIX) or not ref.startswith(KEY_PREFIX):
            raise BadRequestError(
                f"{ref!r} is neither a key id (key_...) nor a key prefix ({KEY_PREFIX}...)",
                param="key",
            )
        if len(ref) > DISPLAY_PREFIX_LEN:  # longer than a prefix, yet not a well-formed key
            raise NotFoundError(f"no key with prefix {ref!r}", code="key_not_found")
        # substr, not LIKE: '_' is a LIKE wildcard and a URL-safe key character.
        rows = self._backend.many("substr(prefix, 1, ?) = ?", len(ref), ref)
        if not rows:
            raise NotFoundError(f"no key with prefix {ref!r}", code="key_not_found")
        if len(rows) > 1:
            ids = ", ".join(r[0] for r in rows)
            raise BadRequestError(
                f"prefix {ref!r} matches several keys ({ids}); use the id", param="key"
            )
        return _from_row(rows[0])


# ---- rows ----------------------------------------------------------------------------------


def _make_limits(
    budget_usd: float | None,
    budget_period: str,
    rpm: int | None,
    tpm: int | None,
    models: Iterable[str] | None,
    max_sensitivity: Sensitivity | str | None,
) -> KeyLimits:
    if budget_period not in PERIODS:
        raise BadRequestError(
            f"invalid budget period {budget_period!r}; expected one of: {', '.join(PERIODS)}"
        )
    if budget_usd is not None:
        budget_usd = float(budget_usd)
        if not (budget_usd >= 0 and budget_usd < float("inf")):
            raise BadRequestError(f"budget must be a finite number >= 0 USD, got {budget_usd!r}")
    for label, value in (("rpm", rpm), ("tpm", tpm)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value <= 0
        ):
            raise BadRequestError(f"{label} must be a positive integer, got {value!r}")
    if isinstance(models, str):
        models = [models]
    pats = tuple(str(m).strip() for m in (models or ()) if str(m).strip())
    try:
        sens = Sensitivity.parse(max_sensitivity) if max_sensitivity is not None else None
    except ValueError as exc:
        raise BadRequestError(str(exc)) from exc
    return KeyLimits(budget_usd, budget_period, rpm, tpm, pats, sens)  # type: ignore[arg-type]


def _to_row(key: VirtualKey, digest: str, meta_json: str) -> tuple[Any, ...]:
    lim = key.limits
    return (
        key.id,
        key.name,
        digest,
        key.prefix,
        lim.budget_usd,
        lim.budget_period,
        lim.rpm,
        lim.tpm,
        json.dumps(list(lim.models)),
        lim.max_sensitivity.value if lim.max_sensitivity else None,
        meta_json,
        key.created_at,
        key.revoked_at,
    )


def _from_row(row: Sequence[Any]) -> VirtualKey:
    (kid, name, _digest, prefix, budget, period, rpm, tpm, models, sens, meta, created, revoked) = (
        row
    )
    return VirtualKey(
        id=kid,
        name=name,
        prefix=prefix,
        limits=KeyLimits(
            budget_usd=float(budget) if budget is not None else None,
            budget_period=period,
            rpm=rpm,
            tpm=tpm,
            models=tuple(json.loads(models)),
            max_sensitivity=Sensitivity(sens) if sens else None,
        ),
        created_at=float(created),
        revoked_at=float(revoked) if revoked is not None else None,
        metadata=json.loads(meta),
    )


def _redact_url(url: str) -> str:
    # postgresql://user:password@host/db -> postgresql://user:***@host/db (for logs and errors)
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)

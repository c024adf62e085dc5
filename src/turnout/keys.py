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

A key may belong to a team (``<table_prefix>teams``): the team's budget, rate limits and
model patterns apply on top of the key's own, shared by all its keys. Keys carry tags (for
usage reports), an optional expiry, and a role: ``admin`` keys may use the admin API and the
dashboard, as the master key does.

The admin/master key is not stored here; the gateway compares it with ``matches_secret``.
"""

from __future__ import annotations

import asyncio
import builtins
import fnmatch
import functools
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


ROLES = ("user", "admin")
TEAM_ID_PREFIX = "team_"


@dataclass(frozen=True, slots=True)
class Team:
    """A budget and limits shared by several keys."""

    id: str  # "team_ab12cd34"
    name: str
    limits: KeyLimits
    created_at: float
    metadata: dict[str, Any] = field(default_factory=dict)

    def budget_scope(self) -> BudgetScope | None:
        return _scope(f"team:{self.id}", self.limits.budget_usd, self.limits.budget_period)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, **_limits_dict(self.limits),
                "metadata": self.metadata, "created_at": self.created_at}


@dataclass(frozen=True, slots=True)
class VirtualKey:
    id: str  # public, short: "key_ab12cd34"
    name: str | None
    prefix: str  # first DISPLAY_PREFIX_LEN characters of the key, for display
    limits: KeyLimits
    created_at: float  # epoch seconds
    revoked_at: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    team_id: str | None = None
    expires_at: float | None = None  # epoch seconds; the key stops working then
    role: str = "user"  # "user" | "admin" (admin API and dashboard)
    team: Team | None = None  # resolved by the store when the key is read

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def expired(self, now: float | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (time.time() if now is None else now)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def budget_scope(self) -> BudgetScope | None:
        """The key's budget for ``LimitStore.reserve``, or None when it has none."""
        return _scope(f"key:{self.id}", self.limits.budget_usd, self.limits.budget_period)

    def budget_scopes(self) -> builtins.list[BudgetScope]:
        """Every budget a request with this key counts against: its own and its team's."""
        scopes = [s for s in (self.budget_scope(), self.team.budget_scope() if self.team else None) if s]
        return scopes

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``turnout keys list --json``). Never contains the key or its hash."""
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            **_limits_dict(self.limits),
            "tags": list(self.tags),
            "team_id": self.team_id,
            "team": self.team.name if self.team else None,
            "role": self.role,
            "expires_at": self.expires_at,
            "metadata": self.metadata,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


@functools.lru_cache(maxsize=4096)
def _scope(owner: str, budget_usd: float | None, period: Period) -> BudgetScope | None:
    """A key's or a team's budget, built once per owner and limits, not on every request (a
    scope's checks cost ~1.5 µs and a request asks for its scopes more than once; issue 17).
    Scopes are frozen: sharing one is safe."""
    return None if budget_usd is None else BudgetScope(owner, budget_usd, period)


def _limits_dict(lim: KeyLimits) -> dict[str, Any]:
    return {
        "budget_usd": lim.budget_usd,
        "budget_period": lim.budget_period,
        "rpm": lim.rpm,
        "tpm": lim.tpm,
        "models": list(lim.models),
        "max_sensitivity": lim.max_sensitivity.value if lim.max_sensitivity else None,
    }


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def matches_secret(presented: str | None, expected: str | None) -> bool:
    """Constant-time comparison for the master key (no early exit on the first wrong byte)."""
    if not presented or not expected:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def _patterns_allow(patterns: tuple[str, ...], model_name: str) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(model_name, p) for p in patterns)


def allows_model(key: VirtualKey, model_name: str) -> bool:
    """Whether the key (and its team) may use ``model_name`` (case-sensitive glob match)."""
    if not _patterns_allow(key.limits.models, model_name):
        return False
    return key.team is None or _patterns_allow(key.team.limits.models, model_name)


def allows_sensitivity(key: VirtualKey, level: Sensitivity | str) -> bool:
    """Whether the key may send data of ``level`` (at most its and its team's limit)."""
    rank = Sensitivity.parse(level).rank
    for top in (key.limits.max_sensitivity, key.team.limits.max_sensitivity if key.team else None):
        if top is not None and rank > top.rank:
            return False
    return True


# ---- storage backends ----------------------------------------------------------------------

_COLUMNS = (
    "id, name, key_hash, prefix, budget_usd, budget_period, rpm, tpm, models, "
    "max_sensitivity, metadata, created_at, revoked_at, tags, team_id, expires_at, role"
)
# Columns added after the first release: (name, SQL type) -- added to older tables on open.
_ADDED_COLUMNS = (("tags", "TEXT"), ("team_id", "TEXT"), ("expires_at", "{r}"), ("role", "TEXT"))
_TEAM_COLUMNS = (
    "id, name, budget_usd, budget_period, rpm, tpm, models, max_sensitivity, metadata, created_at"
)
_UPDATABLE = frozenset({"name", "budget_usd", "budget_period", "rpm", "tpm", "models", "max_sensitivity",
                        "metadata", "tags", "team_id", "expires_at", "role"})


class _Backend:
    """The SQL both databases share; ``ph`` is the placeholder style."""

    ph = "?"
    real = "REAL"

    def __init__(self, table: str, teams_table: str):
        self.table = table
        self.teams = teams_table
        self._lock = threading.Lock()

    def _sql(self, text: str) -> str:
        return text.replace("?", self.ph).replace("{teams}", self.teams).replace("{t}", self.table)

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
            f"created_at {r} NOT NULL, revoked_at {r}, tags TEXT, team_id TEXT, expires_at {r}, role TEXT)",
            f"CREATE INDEX IF NOT EXISTS {self.table}_prefix ON {self.table} (prefix)",
            f"CREATE TABLE IF NOT EXISTS {self.teams} ("
            "id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
            f"budget_usd {r}, budget_period TEXT NOT NULL, rpm INTEGER, tpm INTEGER, "
            "models TEXT NOT NULL, max_sensitivity TEXT, metadata TEXT NOT NULL, "
            f"created_at {r} NOT NULL)",
        ]

    def columns(self, cur: Any) -> set[str]:
        raise NotImplementedError

    def setup(self) -> None:
        with self.cursor() as cur:
            for stmt in self.schema():
                cur.execute(stmt)
            have = self.columns(cur)
            for name, kind in _ADDED_COLUMNS:  # tables made by an older turnout
                if name not in have:
                    cur.execute(f"ALTER TABLE {self.table} ADD COLUMN {name} {kind.format(r=self.real)}")

    def update(self, key_id: str, fields: dict[str, Any]) -> None:
        sets = ", ".join(f"{name} = ?" for name in fields)
        with self.cursor() as cur:
            cur.execute(self._sql(f"UPDATE {{t}} SET {sets} WHERE id = ?"), [*fields.values(), key_id])

    # -- teams --
    def team_insert(self, row: Sequence[Any]) -> None:
        with self.cursor() as cur:
            cur.execute(self._sql(f"INSERT INTO {{teams}} ({_TEAM_COLUMNS}) VALUES ({', '.join('?' * len(row))})"),
                        row)

    def team_rows(self, where: str = "1=1", *args: Any) -> list[tuple[Any, ...]]:
        with self.cursor() as cur:
            cur.execute(self._sql(f"SELECT {_TEAM_COLUMNS} FROM {{teams}} WHERE {where} ORDER BY name"), args)
            return [tuple(r) for r in cur.fetchall()]

    def team_update(self, team_id: str, fields: dict[str, Any]) -> None:
        sets = ", ".join(f"{name} = ?" for name in fields)
        with self.cursor() as cur:
            cur.execute(self._sql(f"UPDATE {{teams}} SET {sets} WHERE id = ?"), [*fields.values(), team_id])

    def team_delete(self, team_id: str) -> None:
        with self.cursor() as cur:
            cur.execute(self._sql("UPDATE {t} SET team_id = NULL WHERE team_id = ?"), (team_id,))
            cur.execute(self._sql("DELETE FROM {teams} WHERE id = ?"), (team_id,))

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
            cur.execute(self._sql("DROP TABLE IF EXISTS {teams}"))

    def close(self) -> None:
        raise NotImplementedError

    def is_unique_violation(self, exc: BaseException) -> bool:
        raise NotImplementedError


class _SQLite(_Backend):
    def __init__(self, path: Path, table: str, teams_table: str):
        super().__init__(table, teams_table)
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

    def columns(self, cur: Any) -> set[str]:
        cur.execute(f"PRAGMA table_info({self.table})")
        return {row[1] for row in cur.fetchall()}

    def is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError)


class _Postgres(_Backend):
    ph = "%s"
    real = "DOUBLE PRECISION"

    def __init__(self, url: str, table: str, teams_table: str):
        super().__init__(table, teams_table)
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
            with self.conn.cursor() as cur:
                have = self.columns(cur)
            for name, kind in _ADDED_COLUMNS:  # tables made by an older turnout
                if name not in have:
                    self.conn.execute(f"ALTER TABLE {self.table} ADD COLUMN {name} {kind.format(r=self.real)}")

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

    def columns(self, cur: Any) -> set[str]:
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "AND table_schema = current_schema()", (self.table,))
        return {row[0] for row in cur.fetchall()}

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
        teams = f"{table_prefix}teams"
        loc = str(location) if location is not None else ""
        self._backend: _Backend
        if loc.startswith(("postgresql://", "postgres://")):
            self._backend = _Postgres(loc, table, teams)
            self.location = _redact_url(loc)
        else:
            if not loc:
                from turnout.settings import data_dir

                path = data_dir() / "keys.sqlite3"
            else:
                path = Path(loc.removeprefix("sqlite:///")).expanduser()
            self._backend = _SQLite(path, table, teams)
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
        tags: Iterable[str] | None = None,
        team: str | None = None,
        expires_at: float | None = None,
        role: str = "user",
    ) -> tuple[str, VirtualKey]:
        """A new key: returns ``(plaintext, key)``. The plaintext is never stored: show it once.
        ``team`` is a team id or name; ``expires_at`` epoch seconds; ``role`` user | admin."""
        limits = _make_limits(budget_usd, budget_period, rpm, tpm, models, max_sensitivity)
        meta = dict(metadata or {})
        meta_json = _meta_json(meta)
        tag_tuple = _make_tags(tags)
        team_obj = self.get_team(team) if team else None
        expiry = _make_expiry(expires_at)
        role = _make_role(role)
        if name is not None:
            name = _make_name(name)
        for _ in range(5):  # id collisions (36^8) are rare; the hash never collides
            plaintext = KEY_PREFIX + secrets.token_urlsafe(KEY_RANDOM_BYTES)
            key = VirtualKey(
                id=ID_PREFIX + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8)),
                name=name,
                prefix=plaintext[:DISPLAY_PREFIX_LEN],
                limits=limits,
                created_at=time.time(),
                metadata=meta,
                tags=tag_tuple,
                team_id=team_obj.id if team_obj else None,
                expires_at=expiry,
                role=role,
                team=team_obj,
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
                self._with_team(_from_row(row))
                if row is not None and hmac.compare_digest(row[2], digest)
                else None
            )
            self._remember(digest, key)
        return key if _usable(key) else None

    async def averify(self, plaintext: str | None) -> VirtualKey | None:
        """``verify`` for the event loop: cache hits inline, misses in a worker thread."""
        digest = self._digest(plaintext)
        if digest is None:
            return None
        hit, key = self._cached(digest)
        if hit:
            return key if _usable(key) else None
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
        return self._with_team(_from_row(row)) if row is not None else None

    def list(self, *, include_revoked: bool = True) -> builtins.list[VirtualKey]:
        rows = self._backend.many() if include_revoked else self._backend.many("revoked_at IS NULL")
        teams = {t.id: t for t in self.list_teams()}
        return [_attach(_from_row(r), teams) for r in rows]

    def find(self, ref: str) -> VirtualKey:
        """A key by id, name, display prefix or the key itself (see ``revoke``)."""
        return self._with_team(self._resolve(ref.strip()))

    def revoke(self, id_or_prefix: str) -> VirtualKey:
        """Revoke by id (``key_...``), name, display prefix (or a unique start of it), or the
        key itself.

        Idempotent: revoking a revoked key returns it unchanged. Raises NotFoundError when
        nothing matches, BadRequestError when a name or prefix matches several keys.
        """
        key = self._resolve(id_or_prefix.strip())
        if not key.revoked:
            self._backend.revoke(key.id, time.time())
            key = self.get(key.id) or key
        self.invalidate(key.id)
        return key

    def update(self, ref: str, **changes: Any) -> VirtualKey:
        """Change a key's name, limits, tags, team, expiry, role or metadata (not its secret).
        Only the given fields change; ``None`` clears an optional limit."""
        unknown = set(changes) - _UPDATABLE - {"team"}
        if unknown:
            raise BadRequestError(f"unknown key field {sorted(unknown)[0]!r}", param=sorted(unknown)[0])
        key = self._resolve(ref.strip())
        if key.revoked:
            raise BadRequestError(f"key {key.id} is revoked; create a new one", code="key_revoked")
        fields = _limit_fields(key.limits, changes)
        if "name" in changes:
            fields["name"] = _make_name(changes["name"]) if changes["name"] is not None else None
        if "metadata" in changes:
            fields["metadata"] = _meta_json(dict(changes["metadata"] or {}))
        if "tags" in changes:
            fields["tags"] = json.dumps(list(_make_tags(changes["tags"])))
        if "expires_at" in changes:
            fields["expires_at"] = _make_expiry(changes["expires_at"])
        if "role" in changes:
            fields["role"] = _make_role(changes["role"])
        team_ref = changes.get("team", changes.get("team_id", ...))
        if team_ref is not ...:
            fields["team_id"] = self.get_team(team_ref).id if team_ref else None
        self._backend.update(key.id, fields)
        self.invalidate(key.id)
        return self.get(key.id) or key

    # -- teams -----------------------------------------------------------------------------------
    def create_team(
        self,
        name: str,
        *,
        budget_usd: float | None = None,
        budget_period: str = "total",
        rpm: int | None = None,
        tpm: int | None = None,
        models: Iterable[str] | None = None,
        max_sensitivity: Sensitivity | str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Team:
        name = _make_name(name)
        if name.startswith(TEAM_ID_PREFIX):
            raise BadRequestError(f"a team name may not start with {TEAM_ID_PREFIX!r}", param="name")
        limits = _make_limits(budget_usd, budget_period, rpm, tpm, models, max_sensitivity)
        meta = dict(metadata or {})
        team = Team(id=TEAM_ID_PREFIX + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8)),
                    name=name, limits=limits, created_at=time.time(), metadata=meta)
        try:
            self._backend.team_insert((
                team.id, team.name, limits.budget_usd, limits.budget_period, limits.rpm, limits.tpm,
                json.dumps(list(limits.models)), limits.max_sensitivity.value if limits.max_sensitivity else None,
                _meta_json(meta), team.created_at))
        except Exception as exc:
            if self._backend.is_unique_violation(exc):
                raise BadRequestError(f"a team named {name!r} exists", code="team_exists") from None
            raise
        return team

    def list_teams(self) -> builtins.list[Team]:
        return [_team_from_row(r) for r in self._backend.team_rows()]

    def get_team(self, ref: str) -> Team:
        """A team by id or name; NotFoundError if none."""
        ref = str(ref).strip()
        rows = self._backend.team_rows("id = ? OR name = ?", ref, ref)
        if not rows:
            raise NotFoundError(f"no team {ref!r}", code="team_not_found")
        return _team_from_row(rows[0])

    def update_team(self, ref: str, **changes: Any) -> Team:
        team = self.get_team(ref)
        allowed = {"name", "budget_usd", "budget_period", "rpm", "tpm", "models", "max_sensitivity", "metadata"}
        unknown = set(changes) - allowed
        if unknown:
            raise BadRequestError(f"unknown team field {sorted(unknown)[0]!r}", param=sorted(unknown)[0])
        fields = _limit_fields(team.limits, changes)
        if "name" in changes:
            fields["name"] = _make_name(changes["name"])
        if "metadata" in changes:
            fields["metadata"] = _meta_json(dict(changes["metadata"] or {}))
        self._backend.team_update(team.id, fields)
        self.invalidate()  # keys carry their team: forget them all
        return self.get_team(team.id)

    def delete_team(self, ref: str) -> Team:
        """Delete a team; its keys stay, without a team."""
        team = self.get_team(ref)
        self._backend.team_delete(team.id)
        self.invalidate()
        return team

    def _with_team(self, key: VirtualKey) -> VirtualKey:
        if key.team_id is None:
            return key
        rows = self._backend.team_rows("id = ?", key.team_id)
        return _attach(key, {key.team_id: _team_from_row(rows[0])} if rows else {})

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
            named = self._backend.many("name = ?", ref)
            if not named:
                raise NotFoundError(
                    f"no key named {ref!r} (give a name, an id key_..., or a prefix {KEY_PREFIX}...)",
                    code="key_not_found",
                )
            active = [r for r in named if r[12] is None]  # revoked_at
            pick = active or named
            if len(pick) > 1:
                ids = ", ".join(r[0] for r in pick)
                raise BadRequestError(f"several keys are named {ref!r} ({ids}); use the id", param="key")
            return _from_row(pick[0])
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


def _usable(key: VirtualKey | None) -> bool:
    return key is not None and not key.revoked and not key.expired()


def _attach(key: VirtualKey, teams: dict[str, Team]) -> VirtualKey:
    if key.team_id is None or key.team_id not in teams:
        return key
    from dataclasses import replace

    return replace(key, team=teams[key.team_id])


def _meta_json(meta: dict[str, Any]) -> str:
    try:
        return json.dumps(meta, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise BadRequestError(f"metadata must be JSON-serialisable: {exc}") from exc


_NAME_RE = re.compile(r"^[^\x00-\x1f\x7f]{1,100}$")


def _make_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME_RE.match(name.strip()):
        raise BadRequestError("a name is 1 to 100 printable characters", param="name")
    return name.strip()


def _make_tags(tags: Iterable[str] | str | None) -> tuple[str, ...]:
    if tags is None:
        return ()
    if isinstance(tags, str):
        tags = [t for t in tags.split(",")]
    out: list[str] = []
    for t in tags:
        if not isinstance(t, str):
            raise BadRequestError("tags are strings", param="tags")
        t = t.strip()
        if t and t not in out:
            if len(t) > 64:
                raise BadRequestError(f"tag {t[:20]!r}... is over 64 characters", param="tags")
            out.append(t)
    if len(out) > 32:
        raise BadRequestError("at most 32 tags", param="tags")
    return tuple(out)


def _make_expiry(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequestError("expires_at is epoch seconds (a number)", param="expires_at")
    value = float(value)
    if not (0 < value < 1e11):
        raise BadRequestError("expires_at is epoch seconds", param="expires_at")
    return value


def _make_role(role: Any) -> str:
    if role not in ROLES:
        raise BadRequestError(f"role must be one of: {', '.join(ROLES)}", param="role")
    return str(role)


def _limits_from_columns(budget: Any, period: str, rpm: Any, tpm: Any, models: str, sens: Any) -> KeyLimits:
    """A key's or a team's limits from their row columns (models as JSON)."""
    return KeyLimits(
        budget_usd=float(budget) if budget is not None else None,
        budget_period=period,  # type: ignore[arg-type]  # written by _make_limits, which checks it
        rpm=rpm,
        tpm=tpm,
        models=tuple(json.loads(models)),
        max_sensitivity=Sensitivity(sens) if sens else None,
    )


def _team_from_row(row: Sequence[Any]) -> Team:
    (tid, name, budget, period, rpm, tpm, models, sens, meta, created) = row
    return Team(
        id=tid,
        name=name,
        limits=_limits_from_columns(budget, period, rpm, tpm, models, sens),
        created_at=float(created),
        metadata=json.loads(meta),
    )


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


def _limit_fields(current: KeyLimits, changes: dict[str, Any]) -> dict[str, Any]:
    """The row columns of ``current`` limits with ``changes`` applied and validated (a key's or a
    team's update: only the given fields change, ``None`` clears an optional limit)."""
    merged: dict[str, Any] = {"budget_usd": current.budget_usd, "budget_period": current.budget_period,
                              "rpm": current.rpm, "tpm": current.tpm, "models": current.models,
                              "max_sensitivity": current.max_sensitivity}
    merged.update({k: v for k, v in changes.items() if k in merged})
    limits = _make_limits(merged["budget_usd"], merged["budget_period"], merged["rpm"], merged["tpm"],
                          merged["models"], merged["max_sensitivity"])
    return {
        "budget_usd": limits.budget_usd, "budget_period": limits.budget_period, "rpm": limits.rpm,
        "tpm": limits.tpm, "models": json.dumps(list(limits.models)),
        "max_sensitivity": limits.max_sensitivity.value if limits.max_sensitivity else None,
    }


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
        json.dumps(list(key.tags)),
        key.team_id,
        key.expires_at,
        key.role,
    )


def _from_row(row: Sequence[Any]) -> VirtualKey:
    (kid, name, _digest, prefix, budget, period, rpm, tpm, models, sens, meta, created, revoked,
     tags, team_id, expires_at, role) = row
    return VirtualKey(
        id=kid,
        name=name,
        prefix=prefix,
        limits=_limits_from_columns(budget, period, rpm, tpm, models, sens),
        created_at=float(created),
        revoked_at=float(revoked) if revoked is not None else None,
        metadata=json.loads(meta),
        tags=tuple(json.loads(tags)) if tags else (),
        team_id=team_id,
        expires_at=float(expires_at) if expires_at is not None else None,
        role=role or "user",
    )


def _redact_url(url: str) -> str:
    # postgresql://user:password@host/db -> postgresql://user:***@host/db (for logs and errors)
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)

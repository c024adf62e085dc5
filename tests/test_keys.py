"""Virtual keys on SQLite and PostgreSQL: create, verify, list, revoke, and no plaintext at rest."""

from __future__ import annotations

import secrets
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from turnout.errors import BadRequestError, NotFoundError
from turnout.keys import (
    DISPLAY_PREFIX_LEN,
    KEY_PREFIX,
    KeyStore,
    VirtualKey,
    allows_model,
    allows_sensitivity,
    hash_key,
    matches_secret,
)
from turnout.types import Sensitivity

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _pg_available() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_URL, connect_timeout=2).close()
        return True
    except Exception:
        return False


@pytest.fixture
def pg_table() -> Iterator[tuple[str, str]]:
    """(url, table_prefix) of a fresh PostgreSQL key table; dropped afterwards."""
    if not _pg_available():
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")
    prefix = f"t{secrets.token_hex(4)}_"
    yield PG_URL, prefix
    store = KeyStore(PG_URL, table_prefix=prefix)
    store.drop()
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(location, table_prefix) for a fresh key table, on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "keys.db"), f"t{secrets.token_hex(4)}_"
    else:
        yield request.getfixturevalue("pg_table")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(backend: tuple[str, str], clock: FakeClock) -> Iterator[KeyStore]:
    s = KeyStore(backend[0], table_prefix=backend[1], clock=clock)
    yield s
    s.close()


def test_create_and_verify(store: KeyStore) -> None:
    plaintext, key = store.create(
        "team-a",
        budget_usd=12.5,
        budget_period="daily",
        rpm=60,
        tpm=10_000,
        models=["local/*", "gpt-4o-mini"],
        max_sensitivity="internal",
        metadata={"team": "a"},
    )
    assert plaintext.startswith(KEY_PREFIX)
    assert len(plaintext) - len(KEY_PREFIX) >= 32
    assert key.id.startswith("key_") and len(key.id) == 12
    assert key.prefix == plaintext[:DISPLAY_PREFIX_LEN]
    assert key.limits.budget_usd == 12.5 and key.limits.budget_period == "daily"
    assert key.limits.max_sensitivity is Sensitivity.INTERNAL
    got = store.verify(plaintext)
    assert got is not None and got.id == key.id and got.metadata == {"team": "a"}
    assert got.limits.models == ("local/*", "gpt-4o-mini")
    scope = got.budget_scope()
    assert scope is not None and scope.name == f"key:{key.id}" and scope.period == "daily"
    assert store.get(key.id) == got
    assert "sk-turnout" not in str(got.to_dict()).replace(key.prefix, "")


def test_verify_rejects_unknown_and_malformed(store: KeyStore) -> None:
    plaintext, _ = store.create()
    assert store.verify(None) is None
    assert store.verify("") is None
    assert store.verify("Bearer " + plaintext) is None
    assert store.verify(plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")) is None
    assert store.verify(KEY_PREFIX + "x" * 43) is None
    assert store.verify(plaintext) is not None


def test_keys_are_unique(store: KeyStore) -> None:
    made = [store.create() for _ in range(20)]
    assert len({p for p, _ in made}) == 20 and len({k.id for _, k in made}) == 20
    assert [k.id for k in store.list()] == [
        k.id for _, k in sorted(made, key=lambda m: (m[1].created_at, m[1].id))
    ]


def test_revoke_by_id_prefix_and_key(store: KeyStore) -> None:
    p1, k1 = store.create("one")
    p2, k2 = store.create("two")
    p3, k3 = store.create("three")
    assert store.verify(p1) and store.verify(p2) and store.verify(p3)  # now cached

    revoked = store.revoke(k1.id)
    assert revoked.revoked and revoked.revoked_at is not None
    assert store.verify(p1) is None  # same process: at once, despite the cache
    assert store.revoke(k2.prefix).id == k2.id
    assert store.verify(p2) is None
    assert store.revoke(p3).id == k3.id  # the full key works too
    assert store.verify(p3) is None

    again = store.revoke(k1.id)
    assert again.revoked_at == revoked.revoked_at  # idempotent
    assert [k.id for k in store.list(include_revoked=False)] == []
    assert len(store.list()) == 3

    with pytest.raises(NotFoundError):
        store.revoke("key_nothere")
    with pytest.raises(NotFoundError):
        store.revoke(KEY_PREFIX + "zzzzz")
    with pytest.raises(NotFoundError, match="no key named"):
        store.revoke("whatever")  # not an id or prefix: a name, and there is none


def test_revoke_and_update_by_name_teams_tags_expiry(store: KeyStore) -> None:
    import time

    team = store.create_team("research", budget_usd=10, models=["local/*"], max_sensitivity="internal")
    p1, k1 = store.create("ci-bot", tags=["ci", "batch", "ci"], team="research", role="admin")
    assert k1.tags == ("ci", "batch") and k1.team_id == team.id and k1.is_admin
    got = store.verify(p1)
    assert got is not None and got.team is not None and got.team.name == "research"
    # The team's limits apply on top of the key's.
    assert [s.name for s in got.budget_scopes()] == [f"team:{team.id}"]
    assert allows_model(got, "local/qwen") and not allows_model(got, "gpt-4o")
    assert allows_sensitivity(got, "internal") and not allows_sensitivity(got, "confidential")
    updated = store.update("ci-bot", budget_usd=1.5, tags="x,y", team=None, name="ci-bot-2")
    assert updated.limits.budget_usd == 1.5 and updated.tags == ("x", "y") and updated.team_id is None
    assert updated.name == "ci-bot-2" and updated.limits.models == ()
    with pytest.raises(BadRequestError):
        store.update("ci-bot-2", rpm=-1)
    with pytest.raises(BadRequestError):
        store.update("ci-bot-2", colour="red")
    # Expiry: the key stops working at its time.
    p2, k2 = store.create("short", expires_at=time.time() - 1)
    assert k2.expired() and store.verify(p2) is None
    # Names: revoke by name; an ambiguous name asks for the id.
    store.create("dup")
    store.create("dup")
    with pytest.raises(BadRequestError, match="several keys"):
        store.revoke("dup")
    assert store.revoke("ci-bot-2").id == k1.id
    with pytest.raises(BadRequestError):
        store.create_team("research")
    assert store.delete_team("research").id == team.id
    assert store.list_teams() == []


def test_revoke_ambiguous_prefix(store: KeyStore) -> None:
    keys = [store.create()[1] for _ in range(80)]  # 80 keys: some share their first random char
    first: dict[str, list[VirtualKey]] = {}
    for k in keys:
        first.setdefault(k.prefix[: len(KEY_PREFIX) + 1], []).append(k)
    shared = next(p for p, ks in first.items() if len(ks) > 1)
    with pytest.raises(BadRequestError, match="several keys"):
        store.revoke(shared)
    assert not any(k.revoked for k in store.list())


def test_prefix_with_underscore_is_not_a_wildcard(store: KeyStore) -> None:
    # '_' is a URL-safe key character and a LIKE wildcard: matching must be literal.
    keys = [store.create()[1] for _ in range(30)]
    target = keys[0]
    probe = target.prefix[:-1] + ("_" if target.prefix[-1] != "_" else "-")
    if any(k.prefix == probe for k in keys):
        pytest.skip("astronomically unlikely prefix clash")
    with pytest.raises(NotFoundError):
        store.revoke(probe)


def test_revocation_reaches_other_processes_within_ttl(
    backend: tuple[str, str], clock: FakeClock
) -> None:
    a = KeyStore(backend[0], table_prefix=backend[1], clock=clock, cache_ttl_s=5.0)
    b = KeyStore(backend[0], table_prefix=backend[1], clock=clock, cache_ttl_s=5.0)
    try:
        plaintext, key = a.create()
        assert b.verify(plaintext) is not None  # b caches it
        a.revoke(key.id)
        clock.t += 4.9
        assert b.verify(plaintext) is not None  # still inside b's cache TTL: accepted
        clock.t += 0.2
        assert b.verify(plaintext) is None  # TTL over: b sees the revocation
    finally:
        a.close()
        b.close()


async def test_averify_matches_verify(store: KeyStore) -> None:
    plaintext, key = store.create()
    store.invalidate()
    got = await store.averify(plaintext)  # a miss: through a worker thread
    assert got is not None and got.id == key.id
    assert (await store.averify(plaintext)) == got  # a hit
    assert await store.averify("sk-turnout-short") is None


def test_create_validates(store: KeyStore) -> None:
    with pytest.raises(BadRequestError):
        store.create(budget_period="weekly")
    with pytest.raises(BadRequestError):
        store.create(budget_usd=-1)
    with pytest.raises(BadRequestError):
        store.create(rpm=0)
    with pytest.raises(BadRequestError):
        store.create(tpm=1.5)  # type: ignore[arg-type]
    with pytest.raises(BadRequestError):
        store.create(max_sensitivity="secret")
    with pytest.raises(BadRequestError):
        store.create(metadata={"x": object()})
    assert store.list() == []


def test_allows_model_and_sensitivity(store: KeyStore) -> None:
    _, open_key = store.create()
    _, k = store.create(models=["local/*", "ollama/llama3*"], max_sensitivity=Sensitivity.INTERNAL)
    assert allows_model(open_key, "gpt-4o")
    assert allows_model(k, "local/qwen") and allows_model(k, "ollama/llama3.1")
    assert not allows_model(k, "gpt-4o") and not allows_model(k, "ollama/mistral")
    assert not allows_model(k, "LOCAL/qwen")  # case-sensitive, like model names
    assert allows_sensitivity(open_key, Sensitivity.CONFIDENTIAL)
    assert allows_sensitivity(k, "public") and allows_sensitivity(k, Sensitivity.INTERNAL)
    assert not allows_sensitivity(k, Sensitivity.CONFIDENTIAL)


def test_matches_secret() -> None:
    assert matches_secret("sk-master", "sk-master")
    assert not matches_secret("sk-maste", "sk-master")
    assert not matches_secret(None, "sk-master") and not matches_secret("x", None)
    assert not matches_secret("", "")


def test_sqlite_file_never_holds_the_plaintext(tmp_path: Path) -> None:
    db = tmp_path / "keys.db"
    store = KeyStore(db)
    plaintexts = [store.create(f"k{i}")[0] for i in range(5)]
    for p in plaintexts:
        assert store.verify(p) is not None
    store.revoke(plaintexts[0])
    store.close()
    blob = b"".join(f.read_bytes() for f in tmp_path.iterdir() if f.name.startswith("keys.db"))
    for p in plaintexts:
        secret_part = p[DISPLAY_PREFIX_LEN:].encode()
        assert secret_part not in blob  # not the key, not even its undisplayed tail
        assert hash_key(p).encode() in blob  # what is stored instead
    # and the same through sqlite's own eyes
    import sqlite3

    dump = "\n".join(sqlite3.connect(db).iterdump())
    assert not any(p[DISPLAY_PREFIX_LEN:] in dump for p in plaintexts)


@pytest.mark.postgres
def test_postgres_never_holds_the_plaintext(pg_table: tuple[str, str]) -> None:
    store = KeyStore(pg_table[0], table_prefix=pg_table[1])
    plaintext, _ = store.create()
    with store._backend.cursor() as cur:
        cur.execute(f"SELECT * FROM {pg_table[1]}keys")
        rows = repr(cur.fetchall())
    store.close()
    assert plaintext[DISPLAY_PREFIX_LEN:] not in rows and hash_key(plaintext) in rows


def test_keys_work_across_processes(tmp_path: Path) -> None:
    """A key created in one process verifies in another (SQLite file shared)."""
    db = tmp_path / "keys.db"
    store = KeyStore(db)
    plaintext, key = store.create("shared")
    store.close()
    code = textwrap.dedent(
        f"""
        from turnout.keys import KeyStore
        s = KeyStore({str(db)!r})
        k = s.verify({plaintext!r})
        print(k.id if k else "none")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == key.id


def test_default_location_is_under_turnout_home(fresh_turnout_home: Path) -> None:
    store = KeyStore()
    try:
        assert Path(store.location).parent == fresh_turnout_home
        store.create()
        assert len(store.list()) == 1
    finally:
        store.close()


def test_budget_scopes_follow_the_limits_of_the_key_and_its_team(store: KeyStore) -> None:
    """Scopes are built once per owner and limits (issue 17): a changed budget or period is a
    new scope, never the one built for the old limits."""
    team = store.create_team("t", budget_usd=50.0, budget_period="monthly")
    _, key = store.create(budget_usd=5.0, budget_period="daily", team=team.id)
    assert [(s.name, s.limit_usd, s.period) for s in key.budget_scopes()] == [
        (f"key:{key.id}", 5.0, "daily"), (f"team:{team.id}", 50.0, "monthly")]
    key = store.update(key.id, budget_usd=7.0, budget_period="monthly")
    store.update_team(team.id, budget_usd=None)
    key = store.get(key.id)
    assert key is not None
    assert [(s.name, s.limit_usd, s.period) for s in key.budget_scopes()] == [(f"key:{key.id}", 7.0, "monthly")]
    assert key.budget_scope() is key.budget_scope()  # built once, shared (scopes are frozen)

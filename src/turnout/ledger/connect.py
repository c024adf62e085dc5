"""``open_ledger(url)``: from a URL to a running ledger.

    (none)                        $TURNOUT_LEDGER_URL, else <data dir>/turnout.db (settings.data_dir)
    sqlite:///turnout.db          relative to the working directory
    sqlite:////var/lib/turnout.db absolute
    postgresql://user@host:5432/db[?table=name]   (also postgres://, postgresql+psycopg://)
    memory://                     in-process, for tests: nothing survives the process

Journal directory (where records wait for the database; see ``journal``): beside an SQLite
file, ``<file>.turnout-journal/``; for PostgreSQL, ``$TURNOUT_JOURNAL_DIR`` or
``<turnout home>/journal``, in a subdirectory per host/database/table. Every process that
opens the same ledger on the same machine uses the same directory, which is what lets a
restarted (or any sibling) process replay what a killed one left. ``journal_dir=`` overrides
it. Give containers a persistent volume for it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from turnout.ledger.base import (
    DEFAULT_BATCH_MAX,
    DEFAULT_FLUSH_INTERVAL_S,
    DEFAULT_ORPHAN_SCAN_S,
    DEFAULT_ROTATE_BYTES,
    JournaledLedger,
    Ledger,
    Store,
)
from turnout.ledger.sql import DEFAULT_TABLE
from turnout.settings import default_ledger_url, env, home_dir

DEFAULT_URL = "sqlite:///turnout.db"  # the old default; kept for callers that name it


def open_ledger(
    url: str | None = None,
    *,
    table: str | None = None,
    store_prompts: bool = False,
    journal_dir: str | Path | None = None,
    flush_interval: float = DEFAULT_FLUSH_INTERVAL_S,
    batch_max: int = DEFAULT_BATCH_MAX,
    rotate_bytes: int = DEFAULT_ROTATE_BYTES,
    orphan_scan_s: float | None = None,
) -> Ledger:
    """Open (creating if needed) the ledger at ``url``; default ``$TURNOUT_LEDGER_URL`` or
    ``<data dir>/turnout.db``. Replays any orphaned journal before returning."""
    url = url or default_ledger_url()
    if orphan_scan_s is None:  # how soon a live gateway adopts a dead one's journal
        scan = env("TURNOUT_ORPHAN_SCAN_S")
        orphan_scan_s = float(scan) if scan else DEFAULT_ORPHAN_SCAN_S
    scheme = url.split(":", 1)[0].lower() if "://" in url else ""
    store: Store
    if scheme == "memory":
        from turnout.ledger.memory import MemoryLedger

        return MemoryLedger(store_prompts=store_prompts)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        conninfo, url_table = split_table(url)
        conninfo = re.sub(r"^[a-z+]+://", "postgresql://", conninfo)
        from turnout.ledger.postgres import PostgresStore

        store = PostgresStore(conninfo, table or url_table or DEFAULT_TABLE)
        default_dir = _journal_base() / _slug(store.journal_key, "pg")
    elif scheme == "sqlite" or not scheme:
        path, url_table = sqlite_path(url) if scheme else (url, None)
        from turnout.ledger.sqlite import SQLiteStore

        sqlite_store = SQLiteStore(path, table or url_table or DEFAULT_TABLE)
        store = sqlite_store
        suffix = "" if sqlite_store.table == DEFAULT_TABLE else "." + sqlite_store.table
        default_dir = sqlite_store.path.with_name(
            sqlite_store.path.name + suffix + ".turnout-journal"
        )
    else:
        raise ValueError(
            f"unsupported ledger URL {_redact(url)!r}: use sqlite:///FILE, postgresql://... "
            "or memory://"
        )
    try:
        return JournaledLedger(
            store,
            Path(journal_dir) if journal_dir is not None else default_dir,
            store_prompts=store_prompts,
            flush_interval=flush_interval,
            batch_max=batch_max,
            rotate_bytes=rotate_bytes,
            orphan_scan_s=orphan_scan_s,
        )
    except BaseException:
        store.close()
        raise


def split_table(url: str) -> tuple[str, str | None]:
    """Take turnout's own ``table=`` out of the query string (libpq would reject it)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    table = next((v for k, v in query if k == "table"), None)
    rest = urlencode([(k, v) for k, v in query if k != "table"])
    return urlunsplit(parts._replace(query=rest)), table


def sqlite_path(url: str) -> tuple[str, str | None]:
    # SQLAlchemy's convention: sqlite:///relative.db, sqlite:////absolute.db
    rest, _, query = url.split("://", 1)[1].partition("?")
    table = next((v for k, v in parse_qsl(query) if k == "table"), None)
    if not rest.startswith("/"):
        raise ValueError(f"invalid SQLite ledger URL {url!r}: expected sqlite:///PATH")
    path = rest[1:]
    if not path:
        raise ValueError(f"invalid SQLite ledger URL {url!r}: no file name")
    return path, table


def _journal_base() -> Path:
    base = env("TURNOUT_JOURNAL_DIR")
    return Path(base).expanduser() if base else home_dir() / "journal"


def _slug(key: str, prefix: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    readable = re.sub(r"[^A-Za-z0-9]+", "-", key.split("@", 1)[-1])[:40].strip("-")
    return f"{prefix}-{readable}-{digest}"


def _redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


__all__ = ["DEFAULT_URL", "open_ledger"]

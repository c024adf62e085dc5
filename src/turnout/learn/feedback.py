"""Labels from a deployment's own traffic: caller feedback (``POST /v1/feedback``) and cascade
outcomes, stored next to the ledger, and turned into training rows for ``turnout router fit
--from-ledger``.

Storage: one table, ``turnout_feedback``, in the ledger's SQLite file (``ledger.url``
sqlite:///...). Its DDL is :func:`feedback_ddl` (the one place to move into the ledger's
versioned migrations). A request may get several labels; the last one counts.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FEEDBACK_TABLE = "turnout_feedback"
USAGE_TABLE = "turnout_usage"
SOURCES = ("feedback", "cascade")


def feedback_ddl(table: str = FEEDBACK_TABLE) -> list[str]:
    """The feedback table (SQLite and PostgreSQL accept the same statements)."""
    return [
        f"CREATE TABLE IF NOT EXISTS {table} ("
        " request_id TEXT NOT NULL,"
        " ts DOUBLE PRECISION NOT NULL,"
        " score DOUBLE PRECISION NOT NULL CHECK (score >= 0 AND score <= 1),"
        " model TEXT,"
        " source TEXT NOT NULL DEFAULT 'feedback',"
        " comment TEXT)",
        f"CREATE INDEX IF NOT EXISTS {table}_request ON {table} (request_id)",
    ]


@dataclass(frozen=True, slots=True)
class Label:
    request_id: str
    score: float
    model: str | None = None
    source: str = "feedback"
    comment: str | None = None
    ts: float = 0.0


def parse_feedback(body: Any) -> Label:
    """A feedback body -> Label; ValueError with a caller-facing message otherwise.

    ``{"request_id": str, "score": 0..1}`` or ``{"request_id": str, "thumbs": "up"|"down"}``
    (or a boolean), optional ``"model"`` and ``"comment"``."""
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    rid = body.get("request_id") or body.get("id")
    if not isinstance(rid, str) or not rid.strip() or len(rid) > 200:
        raise ValueError("'request_id' must be the id of an answered request (a string)")
    score: float
    if "score" in body:
        s = body["score"]
        if isinstance(s, bool) or not isinstance(s, int | float) or not 0.0 <= float(s) <= 1.0:
            raise ValueError("'score' must be a number from 0 to 1")
        score = float(s)
    elif "thumbs" in body:
        t = body["thumbs"]
        if t in ("up", True, 1):
            score = 1.0
        elif t in ("down", False, 0):
            score = 0.0
        else:
            raise ValueError("'thumbs' must be \"up\" or \"down\"")
    else:
        raise ValueError("give 'score' (0 to 1) or 'thumbs' (\"up\" or \"down\")")
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise ValueError("'model' must be a string")
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise ValueError("'comment' must be a string")
    return Label(rid.strip(), score, model, "feedback", (comment or None) and comment[:2000])


def sqlite_path(ledger_url: str) -> Path:
    """The SQLite file of a ``sqlite:///FILE`` ledger URL (ValueError for other backends)."""
    if ledger_url.startswith("sqlite:///"):
        return Path(ledger_url[len("sqlite:///"):].split("#", 1)[0])
    if "://" not in ledger_url:
        return Path(ledger_url)
    raise ValueError("feedback is stored in the SQLite ledger only (ledger.url sqlite:///FILE)")


class FeedbackStore:
    """Append-only labels in the ledger's SQLite file. Thread-safe (one connection, a lock)."""

    def __init__(self, path: str | Path, table: str = FEEDBACK_TABLE) -> None:
        self.path = Path(path)
        self.table = table
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10)
        self._lock = threading.Lock()
        with self._lock, self._conn:
            for stmt in feedback_ddl(table):
                self._conn.execute(stmt)

    def add(self, label: Label) -> None:
        with self._lock, self._conn:
            self._conn.execute(
                f"INSERT INTO {self.table} (request_id, ts, score, model, source, comment) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (label.request_id, label.ts or time.time(), label.score, label.model,
                 label.source, label.comment))

    def labels(self) -> list[Label]:
        """The last label of each (request, model), oldest first."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT request_id, score, model, source, comment, ts FROM {self.table} "
                "ORDER BY ts, rowid").fetchall()
        last: dict[tuple[str, str | None], Label] = {}
        for rid, score, model, source, comment, ts in rows:
            last[(rid, model)] = Label(rid, float(score), model, source, comment, float(ts))
        return sorted(last.values(), key=lambda lb: lb.ts)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def ledger_rows(path: str | Path, table: str = USAGE_TABLE) -> Iterator[dict[str, Any]]:
    """The ledger's records (as dicts) from its SQLite file, oldest first."""
    conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        conn.row_factory = sqlite3.Row
        try:
            cur = conn.execute(f"SELECT * FROM {table} ORDER BY ts")
        except sqlite3.OperationalError as exc:
            raise ValueError(f"{path}: no ledger table {table!r} ({exc})") from None
        for row in cur:
            yield dict(row)
    finally:
        conn.close()


def training_rows(path: str | Path) -> list[dict[str, Any]]:
    """``{"prompt", "scores": {model: score}}`` rows from the ledger's stored prompts joined with
    their labels (feedback and cascade outcomes). Requests without a stored prompt or a label
    are skipped: there is nothing to learn from them."""
    prompts: dict[str, tuple[str, str]] = {}
    for rec in ledger_rows(path):
        if rec.get("prompt") and rec.get("model_used"):
            prompts[rec["request_id"]] = (rec["prompt"], rec["model_used"])
    store = FeedbackStore(path)
    try:
        labels = store.labels()
    finally:
        store.close()
    rows: dict[str, dict[str, Any]] = {}
    for lb in labels:
        got = prompts.get(lb.request_id)
        if got is None:
            continue
        prompt, used = got
        row = rows.setdefault(lb.request_id, {"prompt": prompt, "scores": {}})
        row["scores"][lb.model or used] = lb.score
    return list(rows.values())

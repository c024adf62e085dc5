"""The ledger table and its indexes: the schema every ledger had before migrations existed
(``IF NOT EXISTS``, so such a database is adopted as it is, its rows kept)."""

from __future__ import annotations

from turnout.ledger.migrations import Db

NAME = "usage table"

_SQLITE = """
CREATE TABLE IF NOT EXISTS {t} (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL UNIQUE,
    ts REAL NOT NULL,
    key_id TEXT,
    model_requested TEXT NOT NULL,
    model_used TEXT NOT NULL,
    rule TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL,
    tokens_estimated INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    saved_usd REAL NOT NULL,
    latency_ms REAL NOT NULL,
    ttft_ms REAL,
    cache TEXT NOT NULL,
    fallbacks INTEGER NOT NULL,
    status INTEGER NOT NULL,
    sensitivity TEXT NOT NULL,
    error TEXT,
    prompt TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS "{b}_ts" ON {t} (ts);
CREATE INDEX IF NOT EXISTS "{b}_key_ts" ON {t} (key_id, ts);
CREATE INDEX IF NOT EXISTS "{b}_model_ts" ON {t} (model_used, ts)
"""

_POSTGRES = """
CREATE TABLE IF NOT EXISTS {t} (
    request_id text PRIMARY KEY,
    ts float8 NOT NULL,
    key_id text,
    model_requested text NOT NULL,
    model_used text NOT NULL,
    rule text NOT NULL,
    prompt_tokens int4 NOT NULL,
    completion_tokens int4 NOT NULL,
    cached_tokens int4 NOT NULL,
    tokens_estimated bool NOT NULL,
    cost_usd float8 NOT NULL,
    saved_usd float8 NOT NULL,
    latency_ms float4 NOT NULL,
    ttft_ms float4,
    cache text NOT NULL,
    fallbacks int2 NOT NULL,
    status int2 NOT NULL,
    sensitivity text NOT NULL,
    error text,
    prompt text
);
CREATE INDEX IF NOT EXISTS "{b}_ts" ON {t} (ts);
CREATE INDEX IF NOT EXISTS "{b}_key_ts" ON {t} (key_id, ts);
CREATE INDEX IF NOT EXISTS "{b}_model_ts" ON {t} (model_used, ts)
"""


def up(db: Db) -> None:
    ddl = _SQLITE if db.dialect == "sqlite" else _POSTGRES
    for statement in ddl.format(t=db.ledger, b=db.ledger_bare).split(";"):
        if statement.strip():
            db.execute(statement)

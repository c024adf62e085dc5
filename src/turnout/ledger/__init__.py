"""The usage ledger: one record per answered request, kept through crashes.

    from turnout.ledger import UsageRecord, open_ledger
    ledger = open_ledger("sqlite:///turnout.db")        # or postgresql://..., memory://
    ledger.record(UsageRecord(request_id=rid, model_used="gpt-4o-mini", cost_usd=0.0012, ...))
    ledger.summary(since=time.time() - 86400, by="model")

``record()`` is for the request path (a few microseconds, never waits on the database); a
background writer batches records into SQLite or PostgreSQL. See ``base`` for the design and
``journal`` for how a record survives a SIGKILL before the writer got to it.

Modules: ``record`` (UsageRecord, SummaryRow), ``base`` (Ledger, the journaled ledger),
``journal``, ``sqlite``, ``postgres``, ``memory``, ``connect`` (open_ledger), ``period``
(parse_since: "today", "7d" -> unix seconds).
"""

from __future__ import annotations

from turnout.ledger.base import JournaledLedger, Ledger, LedgerClosedError, LedgerStats, Store
from turnout.ledger.connect import DEFAULT_URL, open_ledger
from turnout.ledger.memory import MemoryLedger
from turnout.ledger.period import parse_since
from turnout.ledger.record import CacheOutcome, SummaryBy, SummaryRow, UsageRecord

__all__ = [
    "DEFAULT_URL",
    "CacheOutcome",
    "JournaledLedger",
    "Ledger",
    "LedgerClosedError",
    "LedgerStats",
    "MemoryLedger",
    "Store",
    "SummaryBy",
    "SummaryRow",
    "UsageRecord",
    "open_ledger",
    "parse_since",
]

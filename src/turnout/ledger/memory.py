"""An in-process ledger (``memory://``) for tests and throwaway scripts: no file, no thread,
and so no crash safety. Same semantics otherwise: one row per request_id, same summaries."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import replace
from statistics import median

from turnout.ledger.base import Ledger, LedgerClosedError, LedgerStats
from turnout.ledger.record import CACHE_HITS, SummaryBy, SummaryRow, UsageRecord, validate_by


class MemoryLedger(Ledger):
    def __init__(self, *, store_prompts: bool = False) -> None:
        self.store_prompts = store_prompts
        self._rows: dict[str, UsageRecord] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._recorded = 0

    def record(self, rec: UsageRecord) -> None:
        if rec.prompt is not None and not self.store_prompts:
            rec = replace(rec, prompt=None)
        with self._lock:
            if self._closed:
                raise LedgerClosedError("record() on a closed ledger")
            self._recorded += 1
            self._rows.setdefault(rec.request_id, rec)

    def flush(self, timeout: float | None = 30.0) -> None:
        return None

    async def aflush(self, timeout: float | None = 30.0) -> None:
        return None

    def records(self) -> list[UsageRecord]:
        """Every record, in arrival order (tests inspect them)."""
        with self._lock:
            return list(self._rows.values())

    def summary(
        self,
        since: float,
        until: float | None = None,
        by: SummaryBy = "model",
        *,
        key_id: str | None = None,
        model: str | None = None,
    ) -> list[SummaryRow]:
        validate_by(by)
        groups: dict[str | None, list[UsageRecord]] = defaultdict(list)
        for r in self.records():
            if r.ts < since or (until is not None and r.ts >= until):
                continue
            if (key_id is not None and r.key_id != key_id) or (
                model is not None and r.model_used != model
            ):
                continue
            if by == "model":
                group: str | None = r.model_used
            elif by == "key":
                group = r.key_id
            else:
                group = time.strftime("%Y-%m-%d", time.localtime(r.ts))
            groups[group].append(r)
        rows = [_total(group, rs) for group, rs in groups.items()]
        if by == "day":
            rows.sort(key=lambda s: s.group or "")
        else:
            rows.sort(key=lambda s: (-s.cost_usd, -s.requests, s.group or ""))
        return rows

    def count(self) -> int:
        with self._lock:
            return len(self._rows)

    def stats(self) -> LedgerStats:
        with self._lock:
            return LedgerStats(recorded=self._recorded, committed=self._recorded)

    def close(self, timeout: float | None = 30.0) -> None:
        self._closed = True


def _total(group: str | None, rs: list[UsageRecord]) -> SummaryRow:
    return SummaryRow(
        group=group,
        requests=len(rs),
        prompt_tokens=sum(r.prompt_tokens for r in rs),
        completion_tokens=sum(r.completion_tokens for r in rs),
        cached_tokens=sum(r.cached_tokens for r in rs),
        cost_usd=sum(r.cost_usd for r in rs),
        saved_usd=sum(r.saved_usd for r in rs),
        cache_hits=sum(1 for r in rs if r.cache in CACHE_HITS),
        errors=sum(1 for r in rs if r.status >= 400 or r.error is not None),
        avg_latency_ms=sum(r.latency_ms for r in rs) / len(rs),
        p50_latency_ms=float(median(r.latency_ms for r in rs)),
    )

"""What the admin API and the dashboard both need: who is an operator, and the console's data
(keys with their spend, teams, usage, the request log, models, route dry-runs).

Everything that touches a database runs in a worker thread (``asyncio.to_thread``): the event
loop keeps serving chat requests while a dashboard query scans the ledger.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from turnout.errors import AuthenticationError, BadRequestError, PermissionDeniedError
from turnout.gateway import Gateway
from turnout.ledger.queries import Filters, LedgerQueries

_PERIOD_START = {"total": None, "daily": "today", "monthly": "month"}


def period_start(period: str, now: float | None = None) -> float:
    """Where a budget period began (local time): 0 for a total budget."""
    import datetime as dt

    now = time.time() if now is None else now
    if period == "daily":
        d = dt.datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return d.timestamp()
    if period == "monthly":
        d = dt.datetime.fromtimestamp(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return d.timestamp()
    return 0.0


class Operator:
    """An authenticated operator: the master key, or an admin-role virtual key."""

    def __init__(self, who: str, key_id: str | None = None) -> None:
        self.who = who  # "master" or the key id
        self.key_id = key_id


class ConsoleService:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self._queries: LedgerQueries | None = None

    # -- operators ------------------------------------------------------------------------
    async def operator(self, token: str | None) -> Operator:
        """The master key or an admin key; 401 for no/bad key, 403 for a non-admin key."""
        gw = self.gateway
        if not gw.requires_auth:
            raise PermissionDeniedError(
                "the admin API needs a master key: set TURNOUT_MASTER_KEY (or server.master_key)",
                code="admin_disabled")
        if not token:
            raise AuthenticationError("missing admin key: send `Authorization: Bearer <master or admin key>`")
        principal = await gw.aauthenticate(token)
        if principal.is_master:
            return Operator("master")
        key = principal.key
        if key is not None and getattr(key, "is_admin", False):
            return Operator(key.id, key.id)
        raise PermissionDeniedError("this key is not an admin key", code="not_admin")

    async def still_valid(self, op_who: str) -> bool:
        """A dashboard session stays valid while its key does (master sessions always)."""
        if op_who == "master":
            return True

        def check() -> bool:
            key = self.gateway.keys.get(op_who)
            return key is not None and not key.revoked and not key.expired() and key.is_admin

        return await asyncio.to_thread(check)

    # -- ledger -------------------------------------------------------------------------------
    def queries(self) -> LedgerQueries:
        if self._queries is None:
            ledger = self.gateway.ledger
            if ledger is None:
                raise BadRequestError("the ledger is disabled (ledger.enabled: false)", code="ledger_disabled")
            self._queries = LedgerQueries(ledger)
        return self._queries

    async def run(self, fn: Any, *args: Any, **kw: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kw)

    async def flush(self) -> None:
        """Make the ledger's queued records visible to queries (a fresh dashboard shows the
        request just sent)."""
        ledger = self.gateway.ledger
        if ledger is not None:
            await ledger.aflush(timeout=5.0)

    # -- keys -----------------------------------------------------------------------------------
    def keys_with_spend(self, include_revoked: bool = True) -> list[dict[str, Any]]:
        keys = self.gateway.keys.list(include_revoked=include_revoked)
        q = self.queries()
        totals: dict[str | None, float] = {}
        # One grouped query per distinct period start (total / today / this month).
        starts = {period_start(k.limits.budget_period) for k in keys} | {0.0}
        by_start = {s: q.spend_by_key(s) for s in starts}
        totals = by_start[0.0]
        out = []
        for k in keys:
            d = k.to_dict()
            spent_period = by_start[period_start(k.limits.budget_period)].get(k.id, 0.0)
            d["spend_usd"] = round(spent_period, 10)
            d["spend_total_usd"] = round(totals.get(k.id, 0.0), 10)
            d["budget_left_usd"] = (None if k.limits.budget_usd is None
                                    else round(max(0.0, k.limits.budget_usd - spent_period), 10))
            d["state"] = "revoked" if k.revoked else "expired" if k.expired() else "active"
            out.append(d)
        return out

    def key_with_spend(self, ref: str) -> dict[str, Any]:
        key = self.gateway.keys.find(ref)
        for d in self.keys_with_spend():
            if d["id"] == key.id:
                return d
        raise AssertionError("unreachable")  # pragma: no cover

    def teams_with_spend(self) -> list[dict[str, Any]]:
        store = self.gateway.keys
        teams = store.list_teams()
        keys = store.list()
        q = self.queries()
        out = []
        for t in teams:
            members = tuple(k.id for k in keys if k.team_id == t.id)
            spent = q.totals(Filters(since=period_start(t.limits.budget_period), key_ids=members))["cost_usd"]
            d = t.to_dict()
            d.update(keys=list(members), spend_usd=round(spent, 10),
                     budget_left_usd=None if t.limits.budget_usd is None
                     else round(max(0.0, t.limits.budget_usd - spent), 10))
            out.append(d)
        return out

    # -- usage ----------------------------------------------------------------------------------
    def usage(self, since: float, until: float | None, by: str, *, key: str | None = None,
              model: str | None = None, tz_offset_s: int = 0) -> dict[str, Any]:
        q = self.queries()
        key_id = self.gateway.keys.find(key).id if key else None
        f = Filters(since=since, until=until, key_id=key_id, model=model)
        totals = q.totals(f)
        if by in ("team", "tag"):
            rows = self._usage_by_key_attr(q, f, by)
        else:
            rows = q.usage(f, by, tz_offset_s=tz_offset_s)
            if by == "key":
                names = {k.id: k.name for k in self.gateway.keys.list()}
                for r in rows:
                    r["name"] = names.get(r["group"])
        return {"object": "usage", "since": since, "until": until, "by": by, "totals": totals, "rows": rows}

    def _usage_by_key_attr(self, q: LedgerQueries, f: Filters, by: str) -> list[dict[str, Any]]:
        """Team and tag live on keys, not ledger rows: group by key, then fold the key rows.
        (A key with several tags counts under each: tag rows may add up to more than the total.)"""
        keys = {k.id: k for k in self.gateway.keys.list()}
        teams = {t.id: t.name for t in self.gateway.keys.list_teams()}
        folded: dict[str | None, dict[str, Any]] = {}
        for row in q.usage(f, "key", percentiles=False, limit=100_000):
            k = keys.get(row["group"]) if row["group"] else None
            if by == "team":
                groups: list[str | None] = [teams.get(k.team_id) if k and k.team_id else None]
            else:
                groups = list(k.tags) if k and k.tags else [None]
            for g in groups:
                acc = folded.setdefault(g, {"group": g, **{n: 0 for n in row if n != "group"}})
                for n, v in row.items():
                    if n != "group":
                        acc[n] += v
        return sorted(folded.values(), key=lambda r: (-r["cost_usd"], -r["requests"], str(r["group"])))

    # -- the request log --------------------------------------------------------------------------
    def request_log(self, f: Filters, limit: int, before: float | None) -> list[dict[str, Any]]:
        rows = self.queries().requests(f, limit=limit, before=before)
        store_prompts = self.gateway.config.ledger.store_prompts
        names = {k.id: k.name for k in self.gateway.keys.list()} if self.gateway.requires_auth else {}
        for r in rows:
            r["key_name"] = names.get(r.get("key_id") or "")
            prompt = r.pop("prompt", None)
            if store_prompts and prompt:
                r["prompt"] = redact_text(prompt)
            r["explanation"] = explain(r)
        return rows

    # -- models and routing ---------------------------------------------------------------------
    def models(self) -> list[dict[str, Any]]:
        out = []
        for state in self.gateway.router.model_states():
            info = state.info
            health = "ok" if state.available else "unavailable"
            if state.cooling_for_s:
                health = "cooling_down"
            out.append({
                "id": info.name, "provider": info.provider, "local": info.local,
                "context_window": info.context_window, "input_per_mtok": info.input_per_mtok,
                "output_per_mtok": info.output_per_mtok, "tier": info.tier, "health": health,
                "unavailable_reason": state.unavailable_reason, "cooling_for_s": state.cooling_for_s,
                "latency_ms": state.latency_ms, "ttft_ms": state.ttft_ms, "fallbacks": list(state.fallbacks),
            })
        return out


def redact_text(text: str) -> str:
    """The prompt with its personal data replaced by placeholders ([EMAIL_1], ...)."""
    from turnout.detect.redact import redact_messages

    try:
        messages, _ = redact_messages([{"role": "user", "content": text}])
    except Exception:  # redaction failed: show nothing rather than the raw text
        return "[prompt withheld: redaction failed]"
    content = messages[0].get("content")
    return content if isinstance(content, str) else ""


def explain(row: dict[str, Any]) -> str:
    """One sentence on why this request went where it did (the dashboard's log column)."""
    route = row.get("route") or {}
    parts: list[str] = []
    model = row.get("model_used") or "no model"
    if row.get("cache") in ("hit", "semantic"):
        parts.append(f"answered from the cache ({row['cache']})")
    elif row.get("status", 200) >= 400:
        parts.append(f"failed with {row.get('status')}: {row.get('error') or 'error'}")
    else:
        parts.append(f"{model} by rule {row.get('rule') or '-'}")
    if route.get("reason"):
        parts.append(str(route["reason"]))
    sig = route.get("signals") or {}
    if sig:
        parts.append(f"sensitivity {sig.get('sensitivity')}, complexity {sig.get('complexity') or '-'}")
    rejected = route.get("rejected") or []
    if rejected:
        parts.append(f"{len(rejected)} rejected (" + "; ".join(
            f"{r.get('model')}: {r.get('reason')}" for r in rejected[:3]) + ("; ..." if len(rejected) > 3 else "") + ")")
    if row.get("fallbacks"):
        parts.append(f"{row['fallbacks']} fallback(s)")
    return " · ".join(parts)

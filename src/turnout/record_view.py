"""What a caller may see of a route decision.

The record in a response's ``turnout`` field is the operator's full view (every candidate
and why it was rejected, the budget left) as the ledger and ``turnout route`` show it. A
caller with a restricted virtual key sees only its part: candidates it may use, and no
figure from budgets shared with others (the global budget's remainder mixes in everyone's
spend). The master key and the open gateway/library see everything.
"""

from __future__ import annotations

from typing import Any

from turnout.policy.engine import NOT_ALLOWED, OVER_BUDGET

_BUDGET_DETAIL = "estimate is over the budget left"


def caller_view(record: dict[str, Any], principal: Any, shared_budget: bool) -> dict[str, Any]:
    """A copy of ``record`` fit for ``principal`` (``record`` itself when nothing is hidden).

    ``shared_budget``: a budget other callers also spend from applies to this request.
    """
    if principal is None or principal.key is None:
        return record
    allowed = principal.allowed
    view = dict(record)
    rejected = []
    for r in record.get("rejected") or ():
        if r.get("reason") == NOT_ALLOWED or not allowed(str(r.get("model", ""))):
            continue
        if shared_budget and r.get("reason") == OVER_BUDGET:
            r = {**r, "detail": _BUDGET_DETAIL}
        rejected.append(r)
    view["rejected"] = rejected
    if "fallback_chain" in record:
        view["fallback_chain"] = [m for m in record["fallback_chain"] if allowed(m)]
    signals = record.get("signals")
    if shared_budget and isinstance(signals, dict) and "budget_remaining_usd" in signals:
        view["signals"] = {k: v for k, v in signals.items() if k != "budget_remaining_usd"}
    return view

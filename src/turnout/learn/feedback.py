"""Labels from a deployment's own traffic, and the training rows they make for ``turnout
router fit --from-ledger``:

- caller feedback (``POST /v1/feedback``: a score or thumbs per answer), stored in the feedback
  table beside the ledger (``learn/feedback_store.py``, migration ``m0003_feedback``);
- cascade outcomes, rows of the same table (source ``cascade``): the gateway turns each
  cascaded request's judged rungs (:func:`cascade_labels`) into rows as it records the request
  in the ledger (``feedback_store.OutcomeWriter``). A judged answer the cascade accepted
  (confidence at or above the threshold) is a good answer of that model (1.0), one it escalated
  a bad one (0.0). A rung that failed says nothing of its quality and gives no label.

A request may get several labels; per (request, model) the caller's last feedback counts, and
it overrules a cascade outcome whenever either came (a person's verdict beats a model's
confidence).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SOURCES = ("feedback", "cascade")


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
    if "score" in body and "thumbs" in body:
        raise ValueError("give 'score' or 'thumbs', not both")
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


def cascade_labels(request_id: str, route: Mapping[str, Any] | None, ts: float = 0.0) -> list[Label]:
    """The outcomes of a request's cascade (``route["cascade"]``, as the decision record and
    the ledger's ``route`` keep it): one label per judged rung, 1.0 if its confidence reached
    the threshold (accepted), else 0.0 (escalated)."""
    cascade = route.get("cascade") if isinstance(route, Mapping) else None
    if not isinstance(cascade, Mapping):
        return []
    threshold = cascade.get("threshold")
    if not isinstance(threshold, int | float):
        return []
    out = []
    for step in cascade.get("steps") or ():
        if not isinstance(step, Mapping):
            continue
        conf, model = step.get("confidence"), step.get("model")
        if not isinstance(conf, int | float) or not isinstance(model, str) or not model:
            continue  # the top rung (never judged) or a rung that failed
        # not step["accepted"]: a rung kept only because every stronger one failed was
        # still judged below the threshold
        accepted = conf >= threshold
        out.append(Label(request_id, 1.0 if accepted else 0.0, model, "cascade",
                         f"confidence {conf:.4f} {'>=' if accepted else '<'} {threshold}", ts))
    return out


def label_table(records: Iterable[Mapping[str, Any]], labels: Iterable[Label]
                ) -> dict[tuple[str, str], Label]:
    """(request id, model) -> the label that counts: the last caller feedback, else the last
    cascade outcome. A label without a model rates the model that answered (``records`` say
    which); one whose model is not known is dropped."""
    answered = {str(rec["request_id"]): str(rec.get("model_used") or "")
                for rec in records if isinstance(rec.get("request_id"), str)}
    table: dict[tuple[str, str], Label] = {}
    for lb in labels:  # oldest first: the last one wins, a person's over the cascade's
        model = lb.model or answered.get(lb.request_id)
        if not model:
            continue
        key = (lb.request_id, model)
        held = table.get(key)
        if lb.source == "cascade" and held is not None and held.source != "cascade":
            continue
        table[key] = lb
    return table


def training_rows(records: Iterable[Mapping[str, Any]], feedback: Iterable[Label]) -> list[dict[str, Any]]:
    """``{"prompt", "scores": {model: score}}`` rows: each labelled request with a stored
    prompt, in ledger order (``feedback``: every label of the feedback table, caller feedback
    and cascade outcomes)."""
    records = [r for r in records if r.get("prompt") and r.get("request_id")]
    labels = label_table(records, feedback)
    by_request: dict[str, dict[str, float]] = {}
    for (rid, model), lb in labels.items():
        by_request.setdefault(rid, {})[model] = lb.score
    return [{"prompt": r["prompt"], "scores": dict(sorted(by_request[r["request_id"]].items()))}
            for r in records if r["request_id"] in by_request]


def ledger_training_rows(ledger_url: str) -> list[dict[str, Any]]:
    """:func:`training_rows` for the ledger at ``ledger_url`` (SQLite or PostgreSQL)."""
    from turnout.learn.feedback_store import ledger_records, open_feedback_store

    records = list(ledger_records(ledger_url))
    store = open_feedback_store(ledger_url)
    try:
        feedback = store.labels()
    finally:
        store.close()
    return training_rows(records, feedback)

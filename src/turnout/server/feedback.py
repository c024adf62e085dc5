"""``POST /v1/feedback``: a caller rates an answer it got, by the answer's request id.

Body: ``{"request_id": "...", "score": 0..1}`` or ``{"request_id": "...", "thumbs": "up"|"down"}``,
optional ``"model"`` (default: the model that answered) and ``"comment"``. Stored beside the
ledger, SQLite or PostgreSQL (turnout.learn.feedback_store), for ``turnout router fit
--from-ledger``. Same auth as the chat endpoint; bad bodies are a 400 in OpenAI's error shape.

A caller rates only what concerns it: the request must be in the ledger and made with the same
virtual key (the master key, or a gateway without keys, may rate any). Another key's request
and an id no request had are the same 404, so a key cannot learn which ids exist. A failed
request has no answer to rate (400); ``"model"`` must be a configured model (400).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from typing import Any

import orjson

from turnout.errors import BadRequestError, NotFoundError, ProviderUnavailableError, TurnoutError
from turnout.learn.feedback import Label, parse_feedback
from turnout.learn.feedback_store import FeedbackStore, open_feedback_store
from turnout.server.openapi import add_path

_BODY = {
    "type": "object",
    "required": ["request_id"],
    "properties": {
        "request_id": {"type": "string", "description": "the answer's turnout.request_id"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "thumbs": {"enum": ["up", "down"]},
        "model": {"type": "string"},
        "comment": {"type": "string"},
    },
}
_ERR = {"description": "error", "content": {"application/json": {"schema": {"type": "object"}}}}
add_path("/v1/feedback", "post", {
    "summary": "Rate an answer (score 0-1 or thumbs) for the learned router",
    "requestBody": {"required": True, "content": {"application/json": {"schema": _BODY}}},
    "responses": {"200": {"description": "stored"}, "400": _ERR, "401": _ERR,
                  "404": {**_ERR, "description": "no such request answered for this key"}},
})

_stores: dict[str, FeedbackStore] = {}
_lock = threading.Lock()


def _store_for(ledger_url: str) -> FeedbackStore:
    with _lock:
        store = _stores.get(ledger_url)
        if store is None:
            try:
                store = _stores[ledger_url] = open_feedback_store(ledger_url)
            except ValueError as exc:
                raise BadRequestError(str(exc), code="feedback_unsupported") from None
        return store


# app -> (its ledger, a LedgerQueries over it: one read connection), gone with the app
_readers: weakref.WeakKeyDictionary[Any, tuple[Any, Any]] = weakref.WeakKeyDictionary()


def _reader(app: Any, ledger: Any) -> Any:
    from turnout.ledger.queries import LedgerQueries

    with _lock:
        held = _readers.get(app)
        if held is None or held[0] is not ledger:
            held = _readers[app] = (ledger, LedgerQueries(ledger))
        return held[1]


async def _rated(app: Any, principal: Any, label: Label) -> Label:
    """The label for the ledger's record of ``label.request_id`` if the caller may rate it (its
    own request, answered), with the model that answered when the caller named none."""
    ledger = app.gateway.ledger
    if ledger is None:
        raise BadRequestError("feedback needs the ledger (ledger.enabled is false)", code="feedback_unsupported")
    try:
        reader = await asyncio.to_thread(_reader, app, ledger)
        row = await asyncio.to_thread(reader.request, label.request_id)
        if row is None:  # an answer the ledger's writer has not stored yet (a rating right after it)
            await ledger.aflush(timeout=5.0)
            row = await asyncio.to_thread(reader.request, label.request_id)
    except TurnoutError:
        raise
    except Exception as exc:  # the database is down: the caller may retry
        logging.getLogger(__name__).warning("ledger unavailable for feedback: %s: %s", type(exc).__name__, exc)
        raise ProviderUnavailableError(f"feedback store unavailable ({type(exc).__name__})",
                                       code="feedback_store_unavailable") from None
    if row is None or (principal.key is not None and row.get("key_id") != principal.key_id):
        raise NotFoundError(f"no request {label.request_id!r} answered for this key",
                            param="request_id", code="request_not_found")
    if int(row.get("status") or 0) >= 400 or not row.get("model_used"):
        raise BadRequestError(f"request {label.request_id!r} failed (status {row.get('status')}): "
                              "there is no answer to rate", param="request_id", code="request_not_answered")
    model = label.model or str(row["model_used"])
    if label.model is not None and label.model not in app.gateway.router.models:
        raise BadRequestError(f"model {label.model!r} is not configured", param="model", code="invalid_feedback")
    return Label(label.request_id, label.score, model, label.source, label.comment, label.ts)


async def handle_feedback(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    from turnout.server.app import _bearer, _ClientGone, _send_json

    principal = await app.gateway.aauthenticate(_bearer(scope))
    try:
        raw = await app._read_body(scope, receive)
    except _ClientGone:
        return
    try:
        label = parse_feedback(orjson.loads(raw))
    except orjson.JSONDecodeError:
        raise BadRequestError("request body is not valid JSON", code="invalid_json") from None
    except ValueError as exc:
        raise BadRequestError(str(exc), code="invalid_feedback") from None
    label = await _rated(app, principal, label)
    from turnout.settings import default_ledger_url

    url = app.gateway.config.ledger.url or default_ledger_url()
    # opening a store connects and checks migrations the first time: off the event loop too
    try:
        store = await asyncio.to_thread(_store_for, url)
        await asyncio.to_thread(store.add, label)
    except TurnoutError:
        raise
    except Exception as exc:  # the database is down or full: the caller may retry
        logging.getLogger(__name__).warning("feedback store unavailable: %s: %s", type(exc).__name__, exc)
        raise ProviderUnavailableError(f"feedback store unavailable ({type(exc).__name__})",
                                       code="feedback_store_unavailable") from None
    await _send_json(send, 200, orjson.dumps({"object": "feedback", "request_id": label.request_id,
                                              "score": label.score, "model": label.model}))

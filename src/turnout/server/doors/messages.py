"""``POST /v1/messages`` and ``/v1/messages/count_tokens``: Anthropic's Messages API.

Thin, like the chat handler: translate (``anthropic_wire``), call the same gateway methods as
``/v1/chat/completions`` (so routing, privacy, budgets, limits, cache and ledger are the same),
translate back. Errors leave in Anthropic's shape.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import orjson

from turnout import metrics, tokens
from turnout.errors import TurnoutError
from turnout.providers.portable import dropped
from turnout.server.app import _JSON, _error_headers, _route_headers, _send_json
from turnout.server.doors import anthropic_wire as wire
from turnout.server.doors.body import header_names
from turnout.server.doors.prelude import open_call
from turnout.server.doors.sse import pump
from turnout.types import ChatRequest

log = logging.getLogger("turnout.server")


def protocol_headers(scope: dict[str, Any]) -> dict[str, str]:
    return {k.decode(): v.decode("latin-1") for k, v in scope["headers"] if k in wire.PROTOCOL_HEADERS}


def answer_headers(app: Any, request: ChatRequest, model: str, turnout: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    """The route headers, plus what the answering provider could not take."""
    headers = _route_headers(model, turnout)
    try:
        kind = app.gateway.router.info(model).provider
    except TurnoutError:
        kind = ""
    lost = dropped(request, kind)
    if lost:
        headers.append((b"x-turnout-dropped-params", header_names(lost)))
    return headers


async def send_error(send: Any, exc: TurnoutError) -> None:
    metrics.record_error(type(exc).__name__, exc.status_code)
    await _send_json(send, exc.status_code, wire.error_body(exc), _error_headers(exc))


def in_anthropic_shape(handler: Any) -> Any:
    """Errors of ``handler`` leave in Anthropic's shape (the server's own would be OpenAI's)."""

    @functools.wraps(handler)
    async def door(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await handler(app, scope, receive, send)
        except TurnoutError as exc:
            await send_error(send, exc)
        except Exception:  # a bug of ours: log it, answer 500 in Anthropic's shape, keep serving
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            await send_error(send, TurnoutError("internal error in the turnout gateway"))

    return door


@in_anthropic_shape
async def messages(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    call = await open_call(app, scope, receive)
    if call is None:
        return
    principal = call.principal
    request = wire.to_request(call.body, protocol_headers(scope))
    hints = call.hints()
    if request.stream:
        routed = await app.gateway.astream(request, hints, principal=principal, request_id=call.request_id)
        writer = wire.MessageStreamWriter(routed.model, int(routed.turnout.get("signals", {}).get("prompt_tokens", 0)))
        await pump(routed, writer, receive, send, answer_headers(app, request, routed.model, routed.turnout))
        return
    response = await app.gateway.acomplete(request, hints, principal=principal, request_id=call.request_id)
    await _send_json(send, 200, orjson.dumps(wire.to_message(response)),
                     [_JSON, *answer_headers(app, request, response.get("model", ""), response.get("turnout") or {})])


@in_anthropic_shape
async def count_tokens(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Anthropic counts when the request would go to Anthropic anyway (and may: a confidential
    prompt is never sent out just to be counted); otherwise we count, with tiktoken."""
    call = await open_call(app, scope, receive)
    if call is None:
        return
    request = wire.count_tokens_request(call.body, protocol_headers(scope))
    count = await _native_count(app, request, call.hints(), call.principal)
    if count is None:
        count = tokens.count_messages(request.messages)
        if request.params.get("tools"):
            count += tokens.count_text(orjson.dumps(request.params["tools"]).decode())
    await _send_json(send, 200, orjson.dumps({"input_tokens": count}))


async def _native_count(app: Any, request: ChatRequest, hints: Any, principal: Any) -> int | None:
    from turnout.types import Sensitivity

    try:
        decision = app.gateway.route(request, hints, principal=principal)
    except TurnoutError:
        return None  # no model would take it: our own count still answers the question
    if decision.signals.sensitivity.level is Sensitivity.CONFIDENTIAL:
        return None
    info = app.gateway.router.info(decision.model) if decision.adhoc_model is None else decision.adhoc_model
    if info.provider != "anthropic":
        return None
    redactor = app.gateway.router.guard.redactor
    if redactor is not None and len(redactor.redact_request(request)[1]):
        return None  # Claude would get it rewritten: its raw body goes nowhere, not even to be counted
    from turnout.providers.registry import provider_for

    try:
        result: int = await provider_for(info).acount_tokens(request)  # type: ignore[attr-defined]
    except TurnoutError:
        return None
    return result

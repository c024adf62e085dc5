"""``POST /v1/responses``, ``GET`` / ``DELETE /v1/responses/{id}``: OpenAI's Responses API.

The request goes through the same gateway methods as ``/v1/chat/completions``; a
``previous_response_id`` prepends the stored conversation (``responses_store``), and the
answer is stored unless ``store: false``. A key only ever sees its own stored responses.

When the answering model's upstream speaks the Responses API (OpenAI), the caller's body goes
there as sent and the upstream's answer (or event stream) comes back as sent, reasoning items
and all (``providers/openai_responses.py``); its items are stored beside the messages so the
next turn sends them back unchanged.
"""

from __future__ import annotations

from typing import Any

import orjson

from turnout.errors import BadRequestError, NotFoundError, TurnoutError
from turnout.gateway import Principal
from turnout.providers.openai import speaks_responses
from turnout.providers.openai_responses import native_of
from turnout.providers.portable import OPENAI, responses_dropped
from turnout.responses_store import ResponseStore, default_store_url, open_response_store
from turnout.server.app import _JSON, _bearer, _route_headers, _send_json
from turnout.server.doors import responses_wire as wire
from turnout.server.doors.body import header_names
from turnout.server.doors.prelude import open_call, require_method
from turnout.server.doors.sse import pump
from turnout.settings import default_ledger_url
from turnout.types import ChatRequest


def store_of(app: Any) -> ResponseStore:
    store: ResponseStore | None = getattr(app, "_response_store", None)
    if store is None:
        config = app.gateway.config
        rc = config.responses
        # no ledger URL in the config means the default ledger ($TURNOUT_LEDGER_URL or the data dir's)
        url = rc.store or default_store_url(config.ledger.url or default_ledger_url())
        store = open_response_store(url, ttl_s=rc.ttl_s, confidential_shared=rc.confidential)
        app._response_store = store
    return store


def tenant_of(principal: Principal) -> str | None:
    return principal.key_id or ("master" if principal.is_master else None)


async def create(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    call = await open_call(app, scope, receive)
    if call is None:
        return
    body, principal = call.body, call.principal
    tenant = tenant_of(principal)
    history: list[dict[str, Any]] = []
    history_items: list[dict[str, Any]] | None = None
    previous = body.get("previous_response_id")
    if previous is not None:
        if not isinstance(previous, str):
            raise BadRequestError("`previous_response_id` must be a string", param="previous_response_id")
        record = await store_of(app).get(previous, tenant)
        if record is None:
            raise NotFoundError(f"previous response {previous!r} not found (expired, not stored, or not yours)",
                                param="previous_response_id", code="previous_response_not_found")
        history = record["messages"]
        # A native answer's items as they were (reasoning included); else rebuilt from the messages.
        history_items = record.get("items") or wire.items_from_messages(history)
    request, turn = wire.to_request(body, history, history_items)
    hints = call.hints()
    response_id = wire.new_id("resp")
    store = body.get("store", True) is not False
    if request.stream:
        routed = await app.gateway.astream(request, hints, principal=principal, request_id=call.request_id)
        writer = _StoringWriter(body, response_id, routed.model, app, tenant, request, history + turn, store)
        await pump(routed, writer, receive, send, _headers(routed.model, routed.turnout,
                                                           _stream_dropped(app, request, routed.model)))
        return
    completion = await app.gateway.acomplete(request, hints, principal=principal, request_id=call.request_id)
    native = native_of(completion)
    if native is None:
        response = wire.to_response(completion, body, response_id)
        dropped, items = responses_dropped(request), None
    else:  # the upstream's own answer, as it came
        response = wire.native_response(native, body, response_id)
        response["turnout"] = completion.get("turnout") or {}
        dropped, items = [], [*wire.native_input(request), *(native.get("output") or ())]
    if store:
        await _save(app, response, tenant, history + turn, items)
    await _send_json(send, 200, orjson.dumps(response),
                     [_JSON, *_headers(completion.get("model", ""), response.get("turnout") or {}, dropped)])


def _stream_dropped(app: Any, request: ChatRequest, model: str) -> list[str]:
    """What a stream's request loses (headers go out before the first event says whether the
    upstream took the body natively: judged by the model the stream opened on)."""
    try:
        info = app.gateway.router.info(model)
    except TurnoutError:
        return responses_dropped(request)
    if info.provider == OPENAI and speaks_responses(info) and request.raw_body is not None:
        return []
    return responses_dropped(request)


def _headers(model: str, turnout: dict[str, Any], dropped: list[str]) -> list[tuple[bytes, bytes]]:
    headers = _route_headers(model, turnout)
    if dropped:
        headers.append((b"x-turnout-dropped-params", header_names(dropped)))
    return headers


async def _save(app: Any, response: dict[str, Any], tenant: str | None, conversation: list[dict[str, Any]],
                items: list[Any] | None) -> None:
    sensitivity = ((response.get("turnout") or {}).get("signals") or {}).get("sensitivity", "public")
    stored = {k: v for k, v in response.items() if k != "turnout"}
    record = {"tenant": tenant, "sensitivity": sensitivity, "response": stored,
              "messages": [*conversation, wire.assistant_message(response)]}
    if items is not None:  # a native answer: its items, for the next native turn to send as they were
        record["items"] = items
    await store_of(app).put(response["id"], record)


class _StoringWriter(wire.ResponseStreamWriter):
    """The stream writer that stores the finished response (``end`` may be awaited by ``pump``)."""

    def __init__(self, body: dict[str, Any], response_id: str, model: str, app: Any, tenant: str | None,
                 request: ChatRequest, conversation: list[dict[str, Any]], store: bool) -> None:
        super().__init__(body, response_id, model)
        self._app, self._tenant, self._conversation, self._store = app, tenant, conversation, store
        self._request = request

    async def aend(self) -> bytes:
        tail = self.end()
        if self._store and self.done is not None:
            items = None
            if self.native:
                items = [*wire.native_input(self._request), *(self.done.get("output") or ())]
            await _save(self._app, self.done, self._tenant, self._conversation, items)
        return tail


async def by_id(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    rest = scope["path"].split("/responses/", 1)[1].strip("/")
    if not rest or "/" in rest:  # e.g. /responses/{id}/input_items
        raise NotFoundError(f"no route {scope['method']} {scope['path']}", code="not_found")
    response_id = rest
    principal = await app.gateway.aauthenticate(_bearer(scope))
    tenant = tenant_of(principal)
    method = scope["method"]
    if method == "GET":
        record = await store_of(app).get(response_id, tenant)
        if record is None:
            raise NotFoundError(f"response {response_id!r} not found", code="not_found")
        await _send_json(send, 200, orjson.dumps(record["response"]))
    elif method == "DELETE":
        if not await store_of(app).delete(response_id, tenant):
            raise NotFoundError(f"response {response_id!r} not found", code="not_found")
        await _send_json(send, 200, orjson.dumps({"id": response_id, "object": "response", "deleted": True}))
    else:
        require_method(scope, "GET", "DELETE")

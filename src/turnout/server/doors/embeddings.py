"""``POST /v1/embeddings``: parse, hand to ``embedding_gateway``, serialise. Errors in OpenAI's shape."""

from __future__ import annotations

from typing import Any

import orjson

from turnout.embedding_gateway import aembed
from turnout.errors import BadRequestError
from turnout.server.app import _JSON, _bearer, _ClientGone, _route_headers, _send_json, parse_hints
from turnout.server.doors.body import parse_body


async def embeddings(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["method"] != "POST":
        raise BadRequestError(f"{scope['method']} is not allowed on {scope['path']}; use POST", code="method_not_allowed")
    try:
        principal = await app.gateway.aauthenticate(_bearer(scope))
        raw = await app._read_body(scope, receive)
    except _ClientGone:
        return
    body = parse_body(raw)
    hints = parse_hints(body.get("turnout"), scope)
    result = await aembed(app.gateway, body, hints, principal=principal)
    await _send_json(send, 200, orjson.dumps(result), [_JSON, *_route_headers(result["model"], result["turnout"])])

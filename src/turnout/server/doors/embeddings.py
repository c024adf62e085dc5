"""``POST /v1/embeddings``: parse, hand to ``embedding_gateway``, serialise. Errors in OpenAI's shape."""

from __future__ import annotations

from typing import Any

import orjson

from turnout.embedding_gateway import aembed
from turnout.server.app import _JSON, _route_headers, _send_json
from turnout.server.doors.prelude import open_call


async def embeddings(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    call = await open_call(app, scope, receive)
    if call is None:
        return
    result = await aembed(app.gateway, call.body, call.hints(), principal=call.principal, request_id=call.request_id)
    await _send_json(send, 200, orjson.dumps(result), [_JSON, *_route_headers(result["model"], result["turnout"])])

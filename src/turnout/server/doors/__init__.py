"""Front doors beside ``/v1/chat/completions``: each translates its wire format to the neutral
``ChatRequest``, calls the same gateway, and translates back.

    anthropic_wire.py / messages.py     POST /v1/messages, /v1/messages/count_tokens
    responses_wire.py / responses.py    POST /v1/responses, GET|DELETE /v1/responses/{id}
    embeddings.py                       POST /v1/embeddings
    completions.py                      POST /v1/completions (legacy), GET /v1/models/{id}
    sse.py                              a routed stream out in a door's event format

``handler_for(path)`` is the server's one dispatch line for all of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

Handler = Callable[[Any, dict[str, Any], Any, Any], Awaitable[None]]

# exact path -> "module:function"
_EXACT = {
    "/v1/messages": "messages:messages",
    "/v1/messages/count_tokens": "messages:count_tokens",
    "/v1/responses": "responses:create",
    "/v1/embeddings": "embeddings:embeddings",
    "/v1/completions": "completions:completions",
}
# path prefix -> "module:function" (the rest of the path is an id)
_PREFIXES = (
    ("/v1/responses/", "responses:by_id"),
    ("/v1/models/", "completions:model_by_id"),
)


def handler_for(path: str) -> Handler | None:
    if not path.startswith("/v1/"):
        path = "/v1" + path  # the OpenAI SDK's base_url may leave out /v1
    target = _EXACT.get(path)
    if target is None:
        target = next((t for prefix, t in _PREFIXES if path.startswith(prefix) and len(path) > len(prefix)), None)
    if target is None:
        return None
    module, _, name = target.partition(":")
    handler: Handler = getattr(importlib.import_module(f"turnout.server.doors.{module}"), name)
    return handler

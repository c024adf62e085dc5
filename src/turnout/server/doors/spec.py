"""The front doors' entries in ``/openapi.json`` (``server/openapi.py`` merges them), as data.

Request schemas say what each door accepts; the reliability fuzzing tests draw bodies from them,
so every door documented here is a door fuzzed.
"""

from __future__ import annotations

from typing import Any

_HINTS = {"type": "object", "description": "routing hints: sensitivity, complexity, max_cost_usd, ..."}
_BLOCK = {"type": "object", "required": ["type"], "properties": {
    "type": {"type": "string"}, "text": {"type": "string"}, "cache_control": {"type": "object"},
    "source": {"type": "object"}, "id": {"type": "string"}, "name": {"type": "string"}, "input": {"type": "object"},
    "tool_use_id": {"type": "string"}, "content": {"anyOf": [{"type": "string"}, {"type": "array"}]},
    "thinking": {"type": "string"}, "signature": {"type": "string"}}}
MESSAGES_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["model", "max_tokens", "messages"],
    "properties": {
        "model": {"type": "string"},
        "max_tokens": {"type": "integer", "minimum": 1},
        "messages": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["role", "content"], "properties": {
            "role": {"enum": ["user", "assistant"]},
            "content": {"anyOf": [{"type": "string"}, {"type": "array", "items": _BLOCK}]}}}},
        "system": {"anyOf": [{"type": "string"}, {"type": "array", "items": _BLOCK}]},
        "stream": {"type": "boolean"},
        "temperature": {"type": "number", "minimum": 0, "maximum": 1},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "top_k": {"type": "integer", "minimum": 0},
        "stop_sequences": {"type": "array", "items": {"type": "string"}},
        "metadata": {"type": "object", "properties": {"user_id": {"type": "string"}}},
        "tools": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"}, "description": {"type": "string"}, "input_schema": {"type": "object"}}}},
        "tool_choice": {"type": "object", "required": ["type"], "properties": {"type": {"enum": ["auto", "any", "tool", "none"]},
                                                                               "name": {"type": "string"}}},
        "thinking": {"type": "object", "required": ["type"], "properties": {"type": {"enum": ["enabled", "disabled"]},
                                                                            "budget_tokens": {"type": "integer"}}},
        "turnout": _HINTS,
    },
}
RESPONSES_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["model", "input"],
    "properties": {
        "model": {"type": "string"},
        "input": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object", "properties": {
            "type": {"type": "string"}, "role": {"enum": ["user", "assistant", "system", "developer"]},
            "content": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}]},
            "call_id": {"type": "string"}, "name": {"type": "string"}, "arguments": {"type": "string"},
            "output": {"type": "string"}}}}]},
        "instructions": {"type": "string"},
        "previous_response_id": {"type": "string"},
        "store": {"type": "boolean"},
        "stream": {"type": "boolean"},
        "max_output_tokens": {"type": "integer", "minimum": 1},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "tools": {"type": "array", "items": {"type": "object"}},
        "tool_choice": {"anyOf": [{"type": "string"}, {"type": "object"}]},
        "text": {"type": "object"},
        "reasoning": {"type": "object"},
        "metadata": {"type": "object"},
        "turnout": _HINTS,
    },
}
EMBEDDINGS_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["model", "input"],
    "properties": {
        "model": {"type": "string", "description": '"auto", local/minilm-static or an OpenAI embedding model'},
        "input": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}},
                            {"type": "array", "items": {"type": "integer"}},
                            {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}]},
        "encoding_format": {"enum": ["float", "base64"]},
        "dimensions": {"type": "integer", "minimum": 1},
        "user": {"type": "string"},
        "turnout": _HINTS,
    },
}
COMPLETIONS_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["model", "prompt"],
    "properties": {
        "model": {"type": "string"},
        "prompt": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "max_tokens": {"type": "integer", "minimum": 1},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "stream": {"type": "boolean"},
        "echo": {"type": "boolean"},
        "stop": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "turnout": _HINTS,
    },
}

_ANTHROPIC_ERROR = {"type": "object", "required": ["type", "error"], "properties": {
    "type": {"const": "error"}, "error": {"type": "object", "required": ["type", "message"]}}}
_OPENAI_ERROR = {"type": "object", "required": ["error"]}
_ROUTE_HEADERS = {"X-Turnout-Model": {"schema": {"type": "string"}},
                  "X-Turnout-Cost-Usd": {"schema": {"type": "string"}},
                  "X-Turnout-Cache": {"schema": {"type": "string"}}}
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(shape: dict[str, Any], *statuses: int) -> dict[str, Any]:
    return {str(s): {"description": "error", **_json(shape)} for s in statuses}


def _post(summary: str, request: dict[str, Any], shape: dict[str, Any], ok: str) -> dict[str, Any]:
    return {"post": {"summary": summary, "security": _BEARER, "requestBody": {"required": True, **_json(request)},
                     "responses": {"200": {"description": ok, "headers": _ROUTE_HEADERS},
                                   **_errors(shape, 400, 401, 403, 404, 413, 429, 502, 503, 504)}}}


_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]

PATHS: dict[str, dict[str, Any]] = {
    "/v1/messages": _post("Anthropic Messages API, routed (SSE events with stream: true)", MESSAGES_REQUEST,
                          _ANTHROPIC_ERROR, "a message (or Anthropic's event stream)"),
    "/v1/messages/count_tokens": {"post": {
        "summary": "Input tokens of a Messages request", "security": _BEARER,
        "requestBody": {"required": True, **_json({**MESSAGES_REQUEST, "required": ["model", "messages"]})},
        "responses": {"200": {"description": "the count", **_json({"type": "object", "required": ["input_tokens"]})},
                      **_errors(_ANTHROPIC_ERROR, 400, 401)}}},
    "/v1/responses": _post("OpenAI Responses API, routed; previous_response_id continues a stored one",
                           RESPONSES_REQUEST, _OPENAI_ERROR, "a response object (or typed stream events)"),
    "/v1/responses/{id}": {
        "get": {"summary": "A stored response (this key's own)", "security": _BEARER, "parameters": _ID,
                "responses": {"200": {"description": "the response object"}, **_errors(_OPENAI_ERROR, 401, 404)}},
        "delete": {"summary": "Delete a stored response", "security": _BEARER, "parameters": _ID,
                   "responses": {"200": {"description": "deleted"}, **_errors(_OPENAI_ERROR, 401, 404)}},
    },
    "/v1/embeddings": _post("Embeddings, routed (confidential input stays on the local model)", EMBEDDINGS_REQUEST,
                            _OPENAI_ERROR, "a list of embeddings"),
    "/v1/completions": _post("Legacy text completions, routed", COMPLETIONS_REQUEST, _OPENAI_ERROR,
                             "a text_completion (or SSE chunks)"),
    "/v1/models/{id}": {"get": {"summary": "One model this key may use", "security": _BEARER, "parameters": _ID,
                                "responses": {"200": {"description": "the model"}, **_errors(_OPENAI_ERROR, 401, 404)}}},
}

"""The OpenAPI 3.1 document served at ``GET /openapi.json``.

Built from data, one entry per operation, so a new endpoint adds its path with one call:

    from turnout.server.openapi import add_path
    add_path("/v1/embeddings", "post", {"summary": ..., "requestBody": ..., "responses": ...})

Request schemas describe what the gateway accepts (OpenAI's shapes, plus the ``turnout``
routing hints); they are what the fuzzing tests (``tests/reliability/test_fuzz.py``) draw
from, so a path documented here is a path fuzzed. Bodies stay open (``additionalProperties``)
where OpenAI's are: unknown parameters are the gateway's call to forward or refuse, with a 4xx.
"""

from __future__ import annotations

import copy
from typing import Any

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["message", "type"], "properties": {
        "message": {"type": "string"}, "type": {"type": "string"},
        "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}}}},
}

_CONTENT_PART = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {"type": "string"},
        "text": {"type": "string"},
        "image_url": {"type": "object", "properties": {"url": {"type": "string"}}},
        "cache_control": {"type": "object"},
    },
}

_TOOL_CALL = {
    "type": "object",
    "required": ["id", "type", "function"],
    "properties": {
        "id": {"type": "string"},
        "type": {"const": "function"},
        "function": {"type": "object", "required": ["name", "arguments"],
                     "properties": {"name": {"type": "string"}, "arguments": {"type": "string"}}},
    },
}

_MESSAGE = {
    "type": "object",
    "required": ["role"],
    "properties": {
        "role": {"enum": ["system", "developer", "user", "assistant", "tool", "function"]},
        "content": {"anyOf": [{"type": "string"}, {"type": "array", "items": _CONTENT_PART}, {"type": "null"}]},
        "name": {"type": "string"},
        "tool_calls": {"type": "array", "items": _TOOL_CALL},
        "tool_call_id": {"type": "string"},
    },
}

_HINTS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "sensitivity": {"enum": ["public", "internal", "confidential"]},
        "complexity": {"enum": ["simple", "moderate", "complex"]},
        "max_cost_usd": {"type": "number", "minimum": 0},
        "max_latency_ms": {"type": "number", "minimum": 0},
        "cache": {"enum": ["no-store", "no-cache"]},
        "cache_max_age_s": {"type": "number", "minimum": 0},
    },
}

CHAT_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": {"type": "string", "description": 'a configured model name, or "auto"'},
        "messages": {"type": "array", "minItems": 1, "items": _MESSAGE},
        "stream": {"type": "boolean"},
        "stream_options": {"type": "object", "properties": {"include_usage": {"type": "boolean"}}},
        "max_tokens": {"type": "integer", "minimum": 1},
        "max_completion_tokens": {"type": "integer", "minimum": 1},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "n": {"type": "integer", "minimum": 1},
        "stop": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "presence_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "frequency_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "seed": {"type": "integer"},
        "user": {"type": "string"},
        "metadata": {"type": "object"},
        "tools": {"type": "array", "items": {"type": "object"}},
        "tool_choice": {"anyOf": [{"type": "string"}, {"type": "object"}]},
        "response_format": {"type": "object"},
        "turnout": _HINTS,
    },
}

_COMPLETION = {
    "type": "object",
    "required": ["id", "object", "model", "choices"],
    "properties": {
        "id": {"type": "string"}, "object": {"const": "chat.completion"}, "model": {"type": "string"},
        "choices": {"type": "array"}, "usage": {"type": "object"},
        "turnout": {"type": "object", "description": "the route decision (model, rule, reasons, cost)"},
    },
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"description": "error, in OpenAI's shape", **_json(_ERROR)} for s in statuses}


_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]

_PATHS: dict[str, dict[str, Any]] = {
    "/v1/chat/completions": {"post": {
        "summary": "Chat completion, routed (streams as server-sent events with stream: true)",
        "security": _BEARER,
        "requestBody": {"required": True, **_json(CHAT_REQUEST)},
        "responses": {"200": {"description": "the answer (or an SSE stream)", **_json(_COMPLETION),
                              "headers": {"X-Turnout-Model": {"schema": {"type": "string"}},
                                          "X-Turnout-Cost-Usd": {"schema": {"type": "string"}},
                                          "X-Turnout-Cache": {"schema": {"type": "string"}}}},
                      **_errors(400, 401, 403, 404, 413, 429, 502, 503, 504)},
    }},
    "/v1/models": {"get": {
        "summary": "The models this key may use",
        "security": _BEARER,
        "responses": {"200": {"description": "model list", **_json({"type": "object", "required": ["data"],
                              "properties": {"object": {"const": "list"}, "data": {"type": "array"}}})},
                      **_errors(401)},
    }},
    "/health": {"get": {"summary": "Models' state", "responses": {"200": {"description": "ok"}}}},
    "/health/live": {"get": {"summary": "Liveness: the process serves HTTP",
                             "responses": {"200": {"description": "alive"}}}},
    "/health/ready": {"get": {"summary": "Readiness: every configured dependency answers",
                              "responses": {"200": {"description": "ready"},
                                            "503": {"description": "a dependency is down (named in checks)"}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {
        "200": {"description": "exposition text", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}},
}


def _add_doors() -> None:
    """The front doors of ``server/doors/`` (their schemas live beside their translations)."""
    from turnout.server.doors.spec import PATHS

    for path, operations in PATHS.items():
        for method, operation in operations.items():
            add_path(path, method, operation)


def add_path(path: str, method: str, operation: dict[str, Any]) -> None:
    """Document one operation (a new front door adds itself here)."""
    _PATHS.setdefault(path, {})[method.lower()] = operation


_add_doors_done = False


def document(version: str = "0") -> dict[str, Any]:
    """The whole document (a copy: callers may not change the registry through it)."""
    global _add_doors_done
    if not _add_doors_done:
        _add_doors()
        _add_doors_done = True
    return {
        "openapi": "3.1.0",
        "info": {"title": "Turnout gateway", "version": version,
                 "description": "OpenAI-compatible LLM router: routing, fallbacks, cache, budgets, ledger."},
        "paths": copy.deepcopy(_PATHS),
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }

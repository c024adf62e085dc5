"""A door's request body: JSON, an object, within the input limits every request obeys."""

from __future__ import annotations

import re
from typing import Any

import orjson

from turnout.errors import BadRequestError
from turnout.input_limits import check_model_name, check_value
from turnout.validation import validate_params


def parse_body(raw: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequestError(f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequestError("request body must be a JSON object")
    check_value(body, "body")  # depth, size and count limits before anything walks it
    if "model" in body:
        check_model_name(body["model"])
    return body


def obj(value: Any) -> dict[str, Any]:
    """``value`` if it is an object, else an empty one (for optional nested fields)."""
    return value if isinstance(value, dict) else {}


_NAME = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")


def header_names(names: list[str]) -> bytes:
    """Caller-chosen names (unknown fields, tool types) as a safe header value: names that are
    not plain tokens are counted, never echoed (they could hold CR/LF or non-ASCII)."""
    safe = [n for n in names if _NAME.fullmatch(n)]
    if len(safe) < len(names):
        safe.append(f"+{len(names) - len(safe)} unnamed")
    return ",".join(safe).encode()


def check_params(params: dict[str, Any]) -> None:
    """The parameters a door carries, checked as the chat door checks its own: whatever rides
    along under a chat parameter's name (``n``, ``max_tokens``...) is read as that parameter by
    routing and the cache. Field names a door tolerates (it never echoes them) are not judged."""
    validate_params({k: v for k, v in params.items() if k.isprintable()})

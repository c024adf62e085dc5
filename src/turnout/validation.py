"""Checks on what callers send, shared by the library API and the HTTP server, so bad input
becomes one clear BadRequestError (HTTP 400) naming the parameter, never a crash downstream."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from turnout.errors import BadRequestError
from turnout.input_limits import check_messages, check_params
from turnout.providers.base import OPENAI_PARAMS

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_PLAIN = ROLES - {"tool"}  # roles whose message needs nothing but a string content (a tool's needs its call id)


def validate_messages(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list):
        raise BadRequestError("`messages` must be a list of message objects", param="messages")
    if not messages:
        raise BadRequestError("`messages` must contain at least one message", param="messages")
    check_messages(messages)  # depth, size and counts first: nothing below may recurse or crash
    for i, m in enumerate(messages):
        if m.__class__ is dict and len(m) == 2 and m.get("content").__class__ is str and m.get("role") in _PLAIN:
            continue  # the usual {"role", "content": "..."}: valid as it is (no name built for an error)
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            raise BadRequestError(f"{where} must be an object with `role` and `content`", param=where)
        role = m.get("role")
        if role not in ROLES:
            raise BadRequestError(f"{where}.role must be one of {', '.join(sorted(ROLES))}; got {role!r}",
                                  param=f"{where}.role")
        content = m.get("content")
        if content is None:
            if role == "assistant" and (m.get("tool_calls") or m.get("function_call")):
                continue
            raise BadRequestError(f"{where}.content is required", param=f"{where}.content")
        if isinstance(content, list):
            for j, part in enumerate(content):
                if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                    raise BadRequestError(f"{where}.content[{j}] must be an object with a `type`",
                                          param=f"{where}.content[{j}]")
                need = _PART_PAYLOAD.get(part["type"])
                if need is not None and not need[1](part.get(need[0])):
                    raise BadRequestError(f"{where}.content[{j}]: a {part['type']!r} part needs {need[2]}",
                                          param=f"{where}.content[{j}]")
        elif not isinstance(content, str):
            raise BadRequestError(f"{where}.content must be a string or a list of content parts",
                                  param=f"{where}.content")
        if role == "tool" and not isinstance(m.get("tool_call_id"), str):
            raise BadRequestError(f"{where}.tool_call_id is required for tool messages", param=f"{where}.tool_call_id")
    return messages


def _url(value: Any) -> bool:
    return isinstance(value.get("url") if isinstance(value, dict) else value, str)


# A known part type's payload, which every provider's translation reads: (field, check, what).
_PART_PAYLOAD: dict[str, tuple[str, Callable[[Any], bool], str]] = {
    "text": ("text", lambda v: isinstance(v, str), "a string `text`"),
    "image_url": ("image_url", _url, "`image_url` with a string `url`"),
    "input_audio": ("input_audio", lambda v: isinstance(v, dict), "an `input_audio` object"),
    "file": ("file", lambda v: isinstance(v, dict), "a `file` object"),
}


_NUMERIC_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "presence_penalty": (-2.0, 2.0),
    "frequency_penalty": (-2.0, 2.0),
}


_ENUMS: dict[str, tuple[str, ...]] = {
    "reasoning_effort": ("none", "minimal", "low", "medium", "high", "xhigh"),
    "verbosity": ("low", "medium", "high"),
}
_STRINGS = ("service_tier", "user", "prompt_cache_key", "safety_identifier")
_INTEGERS = ("max_tokens", "max_completion_tokens", "n", "top_logprobs", "seed")
_AT_LEAST_ONE = frozenset({"max_tokens", "max_completion_tokens", "n"})


def _check_enum(name: str, value: Any) -> None:
    allowed = _ENUMS[name]
    if value not in allowed:
        raise BadRequestError(f"`{name}` must be one of {', '.join(allowed)}", param=name)


def _check_string(name: str, value: Any) -> None:
    if not isinstance(value, str):
        raise BadRequestError(f"`{name}` must be a string", param=name)


_NUMBER = (int, float)  # a tuple, not `int | float`: that builds a union object on every call


def _check_range(name: str, value: Any) -> None:
    lo, hi = _NUMERIC_RANGES[name]
    if isinstance(value, bool) or not isinstance(value, _NUMBER) or not lo <= value <= hi:
        raise BadRequestError(f"`{name}` must be a number between {lo:g} and {hi:g}", param=name)


def _check_integer(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequestError(f"`{name}` must be an integer", param=name)
    if name in _AT_LEAST_ONE and value < 1:
        raise BadRequestError(f"`{name}` must be at least 1", param=name)


def _check_stop(name: str, value: Any) -> None:
    if not (isinstance(value, str) or (isinstance(value, list) and all(isinstance(s, str) for s in value))):
        raise BadRequestError("`stop` must be a string or a list of strings", param="stop")


def _check_tools(name: str, value: Any) -> None:
    if not (isinstance(value, list) and all(isinstance(t, dict) for t in value)):
        raise BadRequestError("`tools` must be a list of tool objects", param="tools")


# Every checked parameter and its check, in the order a request with several bad values is judged.
_CHECKS: dict[str, Callable[[str, Any], None]] = {
    **{name: _check_enum for name in _ENUMS},
    **{name: _check_string for name in _STRINGS},
    **{name: _check_range for name in _NUMERIC_RANGES},
    **{name: _check_integer for name in _INTEGERS},
    "stop": _check_stop,
    "tools": _check_tools,
}
_CHECKED = frozenset(_CHECKS)
_CHECK_ORDER = {name: i for i, name in enumerate(_CHECKS)}


def validate_params(params: dict[str, Any], *, strict: bool = False) -> dict[str, Any]:
    """Check the parameters turnout understands. Unknown ones pass (forwarded unchanged to
    OpenAI-compatible providers, dropped with a header for others) unless ``strict``, the
    config's ``strict: true``, which refuses them as OpenAI does."""
    check_params(params)
    if strict:
        unknown = [k for k in params if k not in OPENAI_PARAMS]
        if unknown:
            raise BadRequestError(f"unknown parameter {unknown[0]!r} (this gateway is strict)", param=unknown[0])
    # The checks run only for the names present (one C-level set intersection). A request with
    # several bad values must always name the same one: when a check fails, they run again in a
    # fixed order (they are pure), so the common valid request pays for no sort.
    present = _CHECKED.intersection(params)
    try:
        _run_checks(params, present)
    except BadRequestError:
        if len(present) > 1:
            _run_checks(params, sorted(present, key=_CHECK_ORDER.__getitem__))
        raise
    return params


def _run_checks(params: dict[str, Any], names: Iterable[str]) -> None:
    for name in names:
        value = params[name]
        if value is not None:
            _CHECKS[name](name, value)

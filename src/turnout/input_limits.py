"""Hard limits on what a caller may send: depth, size and count of every field.

Checked before anything else reads the request (detection, token counting, cache keys, any
upstream call), so hostile or broken input is refused with one clear 400 naming the field,
and never reaches code that recurses (a list nested 1,000 deep used to end in a
RecursionError), never makes every model fail (and so never cools a model down for everyone),
and never ends up in a response header (a model name with CR/LF/NUL used to drop the
connection).

The limits are far above anything a real client sends (OpenAI's own API allows 128 tools,
16 metadata pairs, 4 stop sequences) and far below what hurts the gateway. One iterative walk
per field: no recursion of our own, cost linear in the size of the request.
"""

from __future__ import annotations

import json
from typing import Any

from turnout.errors import BadRequestError

MAX_DEPTH = 64  # nesting of any JSON value (a tool's JSON schema is rarely deeper than 10)
MAX_ITEMS = 100_000  # entries of any one list or object
MAX_NODES = 2_000_000  # lists + objects + their entries, over the whole request
MAX_STRING_CHARS = 32 * 1024 * 1024  # any one string (the server's body limit is lower)
MAX_KEY_CHARS = 1_024  # any one object key
MAX_MODEL_CHARS = 256
MAX_MESSAGES = 50_000
MAX_PARTS = 10_000  # content parts of one message
MAX_TOOLS = 1_024
MAX_TOOL_CALLS = 1_024  # tool calls in one assistant message
MAX_STOP = 16
MAX_N = 128

_COUNTED: dict[str, int] = {"tools": MAX_TOOLS, "functions": MAX_TOOLS, "stop": MAX_STOP,
                            "logit_bias": MAX_TOOLS}


# isinstance() targets as tuples: a `dict | list | tuple` written inside a function builds new
# union objects every time it runs (~1,500 instructions a parameter in check_value, issue 17).
_CONTAINERS = (dict, list, tuple)
_LIST_OR_DICT = (list, dict)
_STR_OR_DICT = (str, dict)


def _too(where: str, what: str) -> BadRequestError:
    return BadRequestError(f"`{where}` {what}", param=where, code="input_limit_exceeded")


def check_model_name(name: Any) -> str:
    """A model name is short and printable: it is echoed in headers, logs and metric labels."""
    if not isinstance(name, str) or not name:
        raise BadRequestError('`model` is required: a model name or "auto"', param="model")
    if len(name) > MAX_MODEL_CHARS:
        raise _too("model", f"is longer than {MAX_MODEL_CHARS} characters")
    if not name.isprintable():
        raise BadRequestError("`model` must not contain control characters (CR, LF, NUL, ...)",
                              param="model", code="invalid_model_name")
    return name


class _Over(Exception):
    """A limit was crossed; the caller names the field (built only on this rare path)."""


def _walk(value: Any, depth: int, left: int) -> int:
    """Check one nested value iteratively; returns the node budget left."""
    stack: list[tuple[Any, int]] = [(value, depth)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _Over(f"is nested deeper than {MAX_DEPTH} levels")
        size = len(node)
        if size > MAX_ITEMS:
            raise _Over(f"has a list or object with more than {MAX_ITEMS} entries")
        left -= size + 1
        if left < 0:
            raise _Over(f"makes the request larger than {MAX_NODES} JSON values")
        if type(node) is dict:
            for key in node:
                if type(key) is str and len(key) > MAX_KEY_CHARS:
                    raise _Over(f"has an object key longer than {MAX_KEY_CHARS} characters")
            items: Any = node.values()
        else:
            items = node
        for item in items:
            kind = type(item)
            if kind is str:
                if len(item) > MAX_STRING_CHARS:
                    raise _Over(f"has a string longer than {MAX_STRING_CHARS} characters")
            elif kind is dict or kind is list or isinstance(item, _CONTAINERS):
                stack.append((item, depth + 1))
    return left


def check_value(value: Any, where: str, budget: list[int] | None = None) -> None:
    """Depth, size and count limits on one JSON value; ``budget`` carries the node count
    left for the whole request across calls."""
    left = MAX_NODES if budget is None else budget[0]
    try:
        if isinstance(value, str):
            if len(value) > MAX_STRING_CHARS:
                raise _Over(f"has a string longer than {MAX_STRING_CHARS} characters")
            return
        if isinstance(value, _CONTAINERS):
            left = _walk(value, 1, left)
    except _Over as exc:
        raise _too(where, str(exc)) from None
    if budget is not None:
        budget[0] = left


def _check_arguments(args: str, where: str) -> None:
    """Tool-call arguments are JSON in a string, parsed later (the privacy walk, a provider's
    ``tool_use`` input): nested past :data:`MAX_DEPTH` there, they would end in a RecursionError
    instead of a 400. Fewer brackets than the limit cannot nest past it, so only such strings
    are parsed here; text that is no JSON stays text."""
    if args.count("{") + args.count("[") <= MAX_DEPTH:
        return
    try:
        parsed = json.loads(args)
    except RecursionError:
        raise _too(where, f"is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        return
    if isinstance(parsed, _LIST_OR_DICT):
        try:
            _walk(parsed, 1, MAX_NODES)
        except _Over as exc:
            raise _too(where, str(exc)) from None


def _check_tool_calls(calls: Any, where: str) -> None:
    if not isinstance(calls, list):
        raise BadRequestError(f"`{where}` must be a list of tool call objects", param=where)
    if len(calls) > MAX_TOOL_CALLS:
        raise _too(where, f"has more than {MAX_TOOL_CALLS} entries")
    for j, call in enumerate(calls):
        at = f"{where}[{j}]"
        if not isinstance(call, dict):
            raise BadRequestError(f"`{at}` must be an object with `id`, `type` and `function`", param=at)
        fn = call.get("function")
        if fn is not None and not isinstance(fn, dict):
            raise BadRequestError(f"`{at}.function` must be an object with `name` and `arguments`",
                                  param=f"{at}.function")
        if isinstance(fn, dict):
            if fn.get("name") is not None and not isinstance(fn["name"], str):
                raise BadRequestError(f"`{at}.function.name` must be a string", param=f"{at}.function.name")
            args = fn.get("arguments")
            if args is not None and not isinstance(args, _STR_OR_DICT):
                raise BadRequestError(f"`{at}.function.arguments` must be a JSON string",
                                      param=f"{at}.function.arguments")
            if isinstance(args, str):
                _check_arguments(args, f"{at}.function.arguments")
        if call.get("id") is not None and not isinstance(call["id"], str):
            raise BadRequestError(f"`{at}.id` must be a string", param=f"{at}.id")


def check_messages(messages: list[Any], budget: list[int] | None = None) -> None:
    """Counts and shapes of the fields of each message that later code iterates."""
    if len(messages) > MAX_MESSAGES:
        raise _too("messages", f"has more than {MAX_MESSAGES} messages")
    left = MAX_NODES if budget is None else budget[0]
    for i, m in enumerate(messages):
        if type(m) is not dict:
            continue  # validation names the shape error
        flat = True
        for v in m.values():  # the common flat message needs no walk
            kind = type(v)
            if kind is str:
                if len(v) > MAX_STRING_CHARS:
                    raise _too(f"messages[{i}]", f"has a string longer than {MAX_STRING_CHARS} characters")
            elif kind is dict or kind is list or isinstance(v, tuple):
                flat = False
        try:
            left = _walk(m, 1, left) if not flat or len(m) > MAX_ITEMS else left - len(m) - 1
        except _Over as exc:
            raise _too(f"messages[{i}]", str(exc)) from None
        if left < 0:
            raise _too("messages", f"makes the request larger than {MAX_NODES} JSON values")
        role = m.get("role")
        if role is not None and type(role) is not str:
            raise BadRequestError(f"`messages[{i}].role` must be a string", param=f"messages[{i}].role")
        if len(m) <= 2 and type(m.get("content")) is str:
            continue  # the common {"role", "content": "..."}: nothing more to check
        content = m.get("content")
        if isinstance(content, list) and len(content) > MAX_PARTS:
            raise _too(f"messages[{i}].content", f"has more than {MAX_PARTS} parts")
        if m.get("tool_calls") is not None:
            _check_tool_calls(m["tool_calls"], f"messages[{i}].tool_calls")
        fc = m.get("function_call")
        if fc is not None and not isinstance(fc, dict):
            raise BadRequestError(f"`messages[{i}].function_call` must be an object", param=f"messages[{i}].function_call")
        name = m.get("name")
        if name is not None and not isinstance(name, str):
            raise BadRequestError(f"`messages[{i}].name` must be a string", param=f"messages[{i}].name")
    if budget is not None:
        budget[0] = left


# Parameter values with nothing to walk and no count to check: most parameters are one of
# these (max_tokens, temperature, top_p, n, seed, stream...), and they skip check_value's call
# and the count look-up (~3,000 instructions a parameter, issue 17).
_SCALARS = frozenset({int, float, bool, type(None)})


def check_params(params: dict[str, Any], budget: list[int] | None = None) -> None:
    """Every parameter: depth and size, and the counts of the ones with known bounds."""
    budget = budget if budget is not None else [MAX_NODES]
    for name, value in params.items():
        if isinstance(name, str):
            if len(name) > MAX_KEY_CHARS:
                raise _too("params", f"has a parameter name longer than {MAX_KEY_CHARS} characters")
            if not name.isprintable():  # names may be echoed in headers
                raise BadRequestError("parameter names must not contain control characters", param="params",
                                      code="invalid_parameter_name")
        kind = type(value)
        if kind in _SCALARS:
            continue
        if kind is str:
            if len(value) > MAX_STRING_CHARS:
                raise _too(str(name), f"has a string longer than {MAX_STRING_CHARS} characters")
            continue
        check_value(value, str(name), budget)
        limit = _COUNTED.get(name)
        if limit is not None and isinstance(value, _LIST_OR_DICT) and len(value) > limit:
            raise _too(name, f"has more than {limit} entries")
    n = params.get("n")
    if isinstance(n, int) and not isinstance(n, bool) and n > MAX_N:
        raise _too("n", f"must be at most {MAX_N}")
    for name in ("metadata", "response_format"):
        value = params.get(name)
        if value is not None and not isinstance(value, dict):
            raise BadRequestError(f"`{name}` must be an object", param=name)
    choice = params.get("tool_choice")
    if choice is not None and not isinstance(choice, _STR_OR_DICT):
        raise BadRequestError("`tool_choice` must be a string or an object", param="tool_choice")

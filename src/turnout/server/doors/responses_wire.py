"""OpenAI's Responses API <-> the neutral request and OpenAI-shaped answers. Pure: no I/O.

In: ``input`` (a string or items) and ``instructions`` become chat messages: message items by
role, ``function_call`` items ``tool_calls`` on an assistant message, ``function_call_output``
items role ``tool`` messages; function tools become chat tools; ``max_output_tokens``,
``text.format`` and ``reasoning.effort`` their chat counterparts. A conversation continued with
``previous_response_id`` is prepended by the caller of ``to_request``.

Out: a ``chat.completion`` becomes a ``response`` object (message, function_call and reasoning
items) and a chunk stream Responses' typed events (``ResponseStreamWriter``).
"""

from __future__ import annotations

import os
import time
from typing import Any

import orjson

from turnout.answer import responses_status, usage_to_responses
from turnout.errors import BadRequestError, TurnoutError
from turnout.providers.native import NativeBody
from turnout.providers.openai_responses import EVENT_KEY
from turnout.providers.portable import HOSTED_TOOLS, INPUT_ITEMS, UNTRANSLATED
from turnout.server.doors.body import check_params
from turnout.types import ChatCompletion, ChatRequest

ORIGIN = "openai.responses"



def new_id(prefix: str) -> str:
    # 128 random bits, as uuid4 has, without building a UUID (a quarter of the CPU): a response
    # id is the key to a stored conversation, so it must not be guessable.
    return f"{prefix}_{os.urandom(16).hex()}"




def _bad(message: str, param: str) -> BadRequestError:
    return BadRequestError(message, param=param)


def _check_text(text: Any) -> None:
    """``text`` is an object; its ``format`` an object with a ``type`` and its ``verbosity`` a
    word (a 400 naming the field, as OpenAI answers: ``text.format: 5`` was taken)."""
    if text is None:
        return
    if not isinstance(text, dict):
        raise _bad("text: must be an object", "text")
    fmt = text.get("format")
    if fmt is not None and not (isinstance(fmt, dict) and isinstance(fmt.get("type"), str)):
        raise _bad("text.format: must be an object with a `type` (text, json_schema or json_object)", "text.format")
    if isinstance(fmt, dict) and fmt["type"] == "json_schema" and not isinstance(fmt.get("schema"), dict):
        raise _bad("text.format.schema: a JSON schema object is required with type json_schema", "text.format.schema")
    verbosity = text.get("verbosity")
    if verbosity is not None and not isinstance(verbosity, str):
        raise _bad("text.verbosity: must be a string (low, medium or high)", "text.verbosity")


def input_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's own ``input`` as a list of items (a string is one user message)."""
    items = body.get("input")
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    if not isinstance(items, list) or not items:
        raise _bad("`input` is required: a string or a non-empty list of input items", "input")
    return items


def input_messages(items: list[Any], untranslated: list[dict[str, Any]], *,
                   stored: bool = False, rest: list[Any] | None = None) -> list[dict[str, Any]]:
    """Input items as chat messages; items the messages cannot carry whole (reasoning items,
    fields of their own) are appended to ``untranslated`` as sent, and the fields of carried
    items and parts that the messages leave out (ids, statuses, a text part's stray fields)
    to ``rest``. ``stored``: the items of a stored conversation (an upstream's output among
    them), where an item type unknown here is kept for OpenAI rather than refused."""
    rest = [] if rest is None else rest
    messages: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            raise _bad(f"{where} must be an object", where)
        kind = item.get("type", "message")
        if kind is not None and not isinstance(kind, str):
            raise _bad(f"{where}.type must be a string", f"{where}.type")
        if kind == "message" or (kind is None and "role" in item):
            messages.append(_message(item, where, rest))
        elif kind == "function_call":
            if not isinstance(item.get("call_id"), str) or not isinstance(item.get("name"), str):
                raise _bad(f"{where}: a function_call needs `call_id` and `name`", where)
            call = {"id": item["call_id"], "type": "function",
                    "function": {"name": item["name"], "arguments": str(item.get("arguments") or "{}")}}
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant":
                last.setdefault("tool_calls", []).append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            if not isinstance(item.get("call_id"), str):
                raise _bad(f"{where}: a function_call_output needs `call_id`", where)
            output = item.get("output")
            try:
                content = output if isinstance(output, str) else orjson.dumps(output).decode()
            except TypeError:  # an integer past 64 bits, which JSON text can hold and orjson cannot write
                raise _bad(f"{where}.output: must be a string or JSON with integers of at most 64 bits",
                           f"{where}.output") from None
            messages.append({"role": "tool", "tool_call_id": item["call_id"], "content": content})
        elif kind == "reasoning" or kind in OPENAI_ONLY_ITEMS or stored:
            untranslated.append(item)  # only OpenAI takes it back (native pass-through)
            continue
        else:
            raise _bad(f"{where}: input items of type {kind!r} are not supported by this gateway", f"{where}.type")
        if not _carried(item):
            untranslated.append(item)
        left = {k: v for k, v in item.items() if k not in _ITEM_CARRIES.get(kind, _ITEM_KEYS)}
        if left:
            rest.append(left)
    return messages


# Items of OpenAI's built-in tools and of item references: kept whole for OpenAI, dropped (and
# named) for every other provider. Any other unknown item type is refused.
OPENAI_ONLY_ITEMS = frozenset({
    "item_reference", "web_search_call", "file_search_call", "computer_call", "computer_call_output",
    "code_interpreter_call", "image_generation_call", "local_shell_call", "local_shell_call_output",
    "shell_call", "shell_call_output", "apply_patch_call", "apply_patch_call_output", "mcp_call",
    "mcp_list_tools", "mcp_approval_request", "mcp_approval_response", "custom_tool_call",
    "custom_tool_call_output",
})  # fmt: skip

# What the chat translation carries of an item and of a content part; an item with anything
# else is kept whole beside the messages (for privacy detection and the native pass-through).
_ITEM_KEYS = frozenset({"type", "role", "content", "id", "status", "call_id", "name", "arguments", "output"})
_PART_KEYS = frozenset({"type", "text", "refusal", "image_url", "detail", "file_data", "filename",
                        "annotations", "logprobs"})
# What the translation carries of each item kind and part type (the rest of _ITEM_KEYS and
# _PART_KEYS is left out of the messages: kept in ``untranslated`` for detection).
_ITEM_CARRIES = {"message": frozenset({"type", "role", "content"}), None: frozenset({"type", "role", "content"}),
                 "function_call": frozenset({"type", "call_id", "name", "arguments"}),
                 "function_call_output": frozenset({"type", "call_id", "output"})}
_PART_CARRIES = {"input_image": frozenset({"type", "image_url", "detail"}),
                 "input_file": frozenset({"type", "file_data", "filename"}),
                 "refusal": frozenset({"type", "refusal"})}
_TEXT_CARRIES = frozenset({"type", "text", "annotations", "logprobs"})


def _carried(item: dict[str, Any]) -> bool:
    if not _ITEM_KEYS.issuperset(item):
        return False
    content = item.get("content")
    if isinstance(content, list):
        for part in content:
            if not _PART_KEYS.issuperset(part) or part.get("annotations") or part.get("logprobs"):
                return False
    return True


def items_from_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat messages (a stored conversation answered by a translation) as Responses input items."""
    items: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        content = message.get("content")
        if role == "tool":
            items.append({"type": "function_call_output", "call_id": message.get("tool_call_id"),
                          "output": content if isinstance(content, str) else orjson.dumps(content).decode()})
            continue
        if isinstance(content, list):
            items.append({"role": role, "content": [_item_part(p, role) for p in content if isinstance(p, dict)]})
        elif content:
            items.append({"role": role, "content": content})
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            items.append({"type": "function_call", "call_id": call.get("id"), "name": function.get("name"),
                          "arguments": function.get("arguments") or "{}"})
    return items


def _item_part(part: dict[str, Any], role: Any) -> dict[str, Any]:
    kind = part.get("type")
    if kind == "image_url":
        image = part.get("image_url") or {}
        out = {"type": "input_image", "image_url": image.get("url")}
        if image.get("detail"):
            out["detail"] = image["detail"]
        return out
    if kind == "file":
        return {"type": "input_file", **(part.get("file") or {})}
    return {"type": "output_text" if role == "assistant" else "input_text", "text": str(part.get("text") or "")}


_PART_TYPES = {"input_text": "text", "output_text": "text", "text": "text", "refusal": "text"}


def _message(item: dict[str, Any], where: str, rest: list[Any]) -> dict[str, Any]:
    role = item.get("role")
    if role not in ("user", "assistant", "system", "developer"):
        raise _bad(f"{where}.role must be user, assistant, system or developer; got {role!r}", f"{where}.role")
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list):
        raise _bad(f"{where}.content must be a string or a list of content parts", f"{where}.content")
    parts: list[dict[str, Any]] = []
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if not isinstance(kind, str):
            raise _bad(f"{where}.content[{j}] must be an object with a string `type`", f"{where}.content[{j}]")
        left = {k: v for k, v in part.items() if k not in _PART_CARRIES.get(kind, _TEXT_CARRIES)}
        if left:
            rest.append(left)
        if kind in _PART_TYPES:
            text = part.get("text", part.get("refusal"))
            if not isinstance(text, str):
                raise _bad(f"{where}.content[{j}].text must be a string", f"{where}.content[{j}]")
            parts.append({"type": "text", "text": text})
        elif kind == "input_image" and isinstance(part.get("image_url"), str):
            image: dict[str, Any] = {"url": part["image_url"]}
            if part.get("detail"):
                image["detail"] = part["detail"]
            parts.append({"type": "image_url", "image_url": image})
        elif kind == "input_file" and isinstance(part.get("file_data"), str):
            file = {"file_data": part["file_data"]}
            if part.get("filename"):
                file["filename"] = part["filename"]
            parts.append({"type": "file", "file": file})
        else:
            raise _bad(f"{where}.content[{j}]: content parts of type {kind!r} are not supported by this gateway",
                       f"{where}.content[{j}]")
    if role == "assistant" or all(p["type"] == "text" for p in parts):
        return {"role": role, "content": "".join(p.get("text", "") for p in parts)}
    return {"role": role, "content": parts}


_FUNCTION_KEYS = frozenset({"type", "name", "description", "parameters", "strict"})


def _tools(body: dict[str, Any], params: dict[str, Any]) -> None:
    """Function tools -> chat tools; built-in tools (and function tools with fields of their
    own) kept as sent in ``params["hosted_tools"]``: only OpenAI runs them."""
    tools = body.get("tools")
    if tools is None:
        return
    if not isinstance(tools, list):
        raise _bad("`tools` must be a list", "tools")
    out, hosted = [], []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise _bad(f"tools[{i}] must be an object", f"tools[{i}]")
        if tool.get("type") != "function" or not _FUNCTION_KEYS.issuperset(tool):
            hosted.append(tool)
        if tool.get("type") != "function":
            continue
        if not isinstance(tool.get("name"), str):
            raise _bad(f"tools[{i}].name is required", f"tools[{i}].name")
        function = {"name": tool["name"],
                    "parameters": tool.get("parameters") or {"type": "object", "properties": {}}}
        if tool.get("description"):
            function["description"] = tool["description"]
        if tool.get("strict") is not None:
            function["strict"] = tool["strict"]
        out.append({"type": "function", "function": function})
    if out:
        params["tools"] = out
        choice = body.get("tool_choice")
        if isinstance(choice, dict) and choice.get("type") == "function":
            params["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
        elif choice in ("auto", "none", "required"):
            params["tool_choice"] = choice
        if isinstance(body.get("parallel_tool_calls"), bool):
            params["parallel_tool_calls"] = body["parallel_tool_calls"]
    if hosted:
        params[HOSTED_TOOLS] = hosted


def _as_chat(name: str, value: Any) -> Any:
    """A Responses ``tool_choice`` / ``parallel_tool_calls`` as the chat translation carries it."""
    if name == "tool_choice" and isinstance(value, dict):
        return {"type": "function", "function": {"name": value.get("name")}} if set(value) == {"type", "name"} else None
    return value


# Top-level fields the translation reads; every other one is the Responses API's own and rides
# in ``params`` under its name (``providers/portable.py``).
_TRANSLATED = frozenset({"model", "input", "instructions", "stream", "previous_response_id", "turnout",
                         "max_output_tokens", "temperature", "top_p", "user", "tools", "tool_choice",
                         "parallel_tool_calls", "text"})


def to_request(body: dict[str, Any], history: list[dict[str, Any]],
               history_items: list[dict[str, Any]] | None = None) -> tuple[ChatRequest, list[dict[str, Any]]]:
    """(the neutral request, this turn's input messages).

    The request keeps the caller's body as a ``NativeBody`` (``previous_response_id`` replaced
    by the earlier items, ``history_items``), for an upstream that speaks the Responses API.
    """
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _bad('`model` is required: a model name or "auto"', "model")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise _bad("`stream` must be a boolean", "stream")
    if body.get("background"):
        raise _bad("`background` responses are not supported by this gateway", "background")
    if body.get("conversation") is not None:
        raise _bad("`conversation` is not supported by this gateway; use previous_response_id", "conversation")
    instructions = body.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise _bad("`instructions` must be a string", "instructions")
    items = input_items(body)
    untranslated: list[dict[str, Any]] = []
    rest: list[Any] = []  # what the translation leaves out of carried fields (``UNTRANSLATED``)
    if history_items:
        input_messages(history_items, untranslated, stored=True, rest=rest)  # its messages are ``history``
    turn = input_messages(items, untranslated, rest=rest)
    if not history and all(m["role"] in ("system", "developer") for m in turn):
        raise _bad("`input` needs at least one message, function call or function output", "input")
    messages = ([{"role": "system", "content": instructions}] if instructions else []) + history + turn
    params: dict[str, Any] = {}
    limit = body.get("max_output_tokens")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise _bad("`max_output_tokens` must be an integer of at least 1", "max_output_tokens")
        params["max_tokens"] = limit
    for name, hi in (("temperature", 2.0), ("top_p", 1.0)):
        value = body.get(name)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= hi:
                raise _bad(f"`{name}` must be a number between 0 and {hi:g}", name)
            params[name] = value
    if isinstance(body.get("user"), str):
        params["user"] = body["user"]
    elif body.get("user") is not None:
        rest.append({"user": body["user"]})
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict) and reasoning.get("effort"):
        params["reasoning_effort"] = reasoning["effort"]
    text = body.get("text")
    _check_text(text)
    fmt = text.get("format") if isinstance(text, dict) else None
    if isinstance(text, dict) and isinstance(text.get("verbosity"), str):
        params["verbosity"] = text["verbosity"]  # chat's own name: the estimate reads it
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        schema = {k: fmt[k] for k in ("name", "schema", "strict", "description") if k in fmt}
        params["response_format"] = {"type": "json_schema", "json_schema": schema}
        left = {k: v for k, v in fmt.items() if k not in ("type", "name", "schema", "strict", "description")}
    elif isinstance(fmt, dict) and fmt.get("type") == "json_object":
        params["response_format"] = {"type": "json_object"}
        left = {k: v for k, v in fmt.items() if k != "type"}
    else:
        left = {} if fmt is None or fmt == {"type": "text"} else {"format": fmt}
    if left:
        rest.append(left)
    _tools(body, params)
    for name in ("tool_choice", "parallel_tool_calls"):  # carried only as chat takes them
        if body.get(name) is not None and params.get(name) != _as_chat(name, body[name]):
            rest.append({name: body[name]})
    # The rest, as sent: only OpenAI takes it, and privacy detection must read it.
    own = {k: v for k, v in body.items() if k not in _TRANSLATED and v is not None and k not in params}
    own.pop("background", None)  # false: nothing to carry
    if isinstance(reasoning, dict) and set(reasoning) <= {"effort"}:
        own.pop("reasoning", None)  # carried as reasoning_effort
    if isinstance(text, dict) and any(k not in ("format", "verbosity") for k in text):
        own["text"] = {k: v for k, v in text.items() if k not in ("format", "verbosity")}
    if untranslated:
        own[INPUT_ITEMS] = untranslated
    if rest:
        own[UNTRANSLATED] = rest
    params.update(own)
    check_params(params)
    native = {k: v for k, v in body.items() if k not in ("turnout", "previous_response_id")}
    if history_items:
        native["input"] = [*history_items, *items]
    request = ChatRequest(model=model, messages=messages, params=params, stream=stream, origin=ORIGIN,
                          raw_body=NativeBody(native, messages))
    return request, turn


# -- response --------------------------------------------------------------------------------


def skeleton(body: dict[str, Any], response_id: str, model: str, created: int) -> dict[str, Any]:
    """The response object's fields that echo the request."""
    text = body.get("text") if isinstance(body.get("text"), dict) else {"format": {"type": "text"}}
    reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {"effort": None, "summary": None}
    return {
        "id": response_id, "object": "response", "created_at": created, "status": "in_progress",
        "background": False, "error": None, "incomplete_details": None,
        "instructions": body.get("instructions"), "max_output_tokens": body.get("max_output_tokens"),
        "model": model, "output": [], "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"), "reasoning": reasoning,
        "store": body.get("store", True), "temperature": body.get("temperature"), "text": text,
        "tool_choice": body.get("tool_choice", "auto"), "tools": body.get("tools") or [],
        "top_p": body.get("top_p"), "truncation": body.get("truncation", "disabled"),
        "usage": None, "user": body.get("user"), "metadata": body.get("metadata") or {},
    }


def _finish(out: dict[str, Any], finish_reason: str | None, usage: dict[str, Any] | None) -> None:
    status, incomplete = responses_status(finish_reason)
    out["status"] = status
    if incomplete:
        out["incomplete_details"] = incomplete
    out["usage"] = usage_to_responses(usage)


def message_item(text: str, item_id: str | None = None, status: str = "completed") -> dict[str, Any]:
    return {"type": "message", "id": item_id or new_id("msg"), "status": status, "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]}


def call_item(call: dict[str, Any], item_id: str | None = None, status: str = "completed") -> dict[str, Any]:
    function = call.get("function") or {}
    return {"type": "function_call", "id": item_id or new_id("fc"), "call_id": call.get("id") or new_id("call"),
            "name": function.get("name") or "", "arguments": function.get("arguments") or "", "status": status}


def to_response(completion: ChatCompletion, body: dict[str, Any], response_id: str) -> dict[str, Any]:
    out = skeleton(body, response_id, completion.get("model", ""), int(completion.get("created") or time.time()))
    choice = (completion.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    output: list[dict[str, Any]] = []
    if message.get("reasoning_content"):
        output.append({"type": "reasoning", "id": new_id("rs"),
                       "summary": [{"type": "summary_text", "text": message["reasoning_content"]}]})
    text = message.get("content")
    if isinstance(text, list):
        text = "".join(p.get("text", "") for p in text if isinstance(p, dict))
    refusal = message.get("refusal")
    if text or refusal or not message.get("tool_calls"):
        item = message_item(text or "")
        if refusal:  # the model declined (OpenAI structured outputs): a refusal part
            item["content"] = [*item["content"][:1 if text else 0], {"type": "refusal", "refusal": refusal}]
        output.append(item)
    output.extend(call_item(call) for call in message.get("tool_calls") or ())
    out["output"] = output
    _finish(out, choice.get("finish_reason"), completion.get("usage"))
    if "turnout" in completion:
        out["turnout"] = completion["turnout"]
    return out


def assistant_message(response: dict[str, Any]) -> dict[str, Any]:
    """A finished response's output as one chat message (what a follow-up turn sees)."""
    text = "".join(part.get("text", "") for item in response.get("output") or () if item.get("type") == "message"
                   for part in item.get("content") or ())
    calls = [{"id": item["call_id"], "type": "function", "function": {"name": item["name"], "arguments": item["arguments"]}}
             for item in response.get("output") or () if item.get("type") == "function_call"]
    message: dict[str, Any] = {"role": "assistant", "content": text if text or not calls else None}
    if calls:
        message["tool_calls"] = calls
    return message


def error_event(exc: TurnoutError, sequence: int) -> bytes:
    body = exc.to_openai()["error"]
    data = {"type": "error", "code": body.get("code") or body.get("type"), "message": exc.message,
            "param": body.get("param"), "sequence_number": sequence, "error": body}
    return b"event: error\ndata: " + orjson.dumps(data) + b"\n\n"


def native_input(request: ChatRequest) -> list[Any]:
    """The input items a request sends on a native pass-through (history included)."""
    items = (request.raw_body or {}).get("input")
    return [{"role": "user", "content": items}] if isinstance(items, str) else list(items or ())


def native_response(native: dict[str, Any], body: dict[str, Any], response_id: str) -> dict[str, Any]:
    """The upstream's response object as the caller sees it: our id (the store's key, one id
    scheme whichever model answered) and the caller's ``previous_response_id``."""
    return {**native, "id": response_id, "previous_response_id": body.get("previous_response_id")}


_TERMINAL = frozenset({"response.completed", "response.incomplete"})


class ResponseStreamWriter:
    """OpenAI chunks -> the Responses API's typed stream events (no I/O).

    A stream from an upstream that speaks the Responses API (chunks carrying ``EVENT_KEY``) is
    passed on event by event, only the response id (and ``previous_response_id``, ``turnout``)
    set on the response objects; ``native`` tells which kind of stream it was. The head
    (``response.created``) is therefore written with the first chunk, not by ``start``.
    ``done`` is set to the finished response object once the stream has ended, for the store.
    """

    def __init__(self, body: dict[str, Any], response_id: str, model: str) -> None:
        self.body = body
        self.response = skeleton(body, response_id, model, int(time.time()))
        self.sequence = 0
        self.done: dict[str, Any] | None = None
        self._text: dict[str, Any] | None = None  # the open message item
        self._reasoning: dict[str, Any] | None = None  # the open reasoning item
        self._calls: dict[int, dict[str, Any]] = {}  # tool-call index -> its item
        self._open_call: int | None = None
        self._finish: str | None = None
        self._usage: dict[str, Any] | None = None
        self._turnout: dict[str, Any] | None = None
        self._started = False
        self.native = False

    def _event(self, kind: str, data: dict[str, Any]) -> bytes:
        data = {"type": kind, "sequence_number": self.sequence, **data}
        self.sequence += 1
        return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"

    def start(self) -> bytes:
        return b""  # the first chunk tells whether our head or the upstream's goes first

    def _head(self) -> bytes:
        if self._started:
            return b""
        self._started = True
        return (self._event("response.created", {"response": self.response})
                + self._event("response.in_progress", {"response": self.response}))

    def _pass(self, event: dict[str, Any], turnout: dict[str, Any] | None) -> bytes:
        self._started = self.native = True
        kind = str(event.get("type"))
        number = event.get("sequence_number")
        self.sequence = number + 1 if isinstance(number, int) else self.sequence + 1
        response = event.get("response")
        if isinstance(response, dict):
            response = native_response(response, self.body, self.response["id"])
            if turnout is not None:
                response["turnout"] = turnout
            event = {**event, "response": response}
            if kind in _TERMINAL:
                self.done = response
        return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n"

    def _add(self, item: dict[str, Any]) -> tuple[int, bytes]:
        index = len(self.response["output"])
        self.response["output"].append(item)
        return index, self._event("response.output_item.added", {"output_index": index, "item": item})

    def _close_part(self) -> bytes:
        item = self._text
        if item is None or not item["content"]:
            return b""
        index = self.response["output"].index(item)
        number = len(item["content"]) - 1
        part = item["content"][number]
        common = {"item_id": item["id"], "output_index": index, "content_index": number}
        if part["type"] == "refusal":
            done = self._event("response.refusal.done", {**common, "refusal": part["refusal"]})
        else:
            done = self._event("response.output_text.done", {**common, "text": part["text"], "logprobs": []})
        return done + self._event("response.content_part.done", {**common, "part": part})

    def _close_text(self) -> bytes:
        item = self._text
        if item is None:
            return b""
        out = self._close_part()
        self._text = None
        item["status"] = "completed"
        index = self.response["output"].index(item)
        return out + self._event("response.output_item.done", {"output_index": index, "item": item})

    def _write(self, kind: str, piece: str) -> bytes:
        """Text or a refusal: a part of the open message item (opened, or a new part, as needed)."""
        out = b""
        if self._text is None:
            out += self._close_reasoning() + self._close_call()
            item = message_item("", status="in_progress")
            item["content"] = []
            self._text = item
            out += self._add(item)[1]
        item = self._text
        index = self.response["output"].index(item)
        if not item["content"] or item["content"][-1]["type"] != kind:
            out += self._close_part()
            part: dict[str, Any] = ({"type": "refusal", "refusal": ""} if kind == "refusal" else
                                    {"type": "output_text", "text": "", "annotations": [], "logprobs": []})
            item["content"].append(part)
            out += self._event("response.content_part.added", {
                "item_id": item["id"], "output_index": index, "content_index": len(item["content"]) - 1,
                "part": part})
        number = len(item["content"]) - 1
        common = {"item_id": item["id"], "output_index": index, "content_index": number, "delta": piece}
        if kind == "refusal":
            item["content"][number]["refusal"] += piece
            return out + self._event("response.refusal.delta", common)
        item["content"][number]["text"] += piece
        return out + self._event("response.output_text.delta", {**common, "logprobs": []})

    def _close_reasoning(self) -> bytes:
        item = self._reasoning
        if item is None:
            return b""
        self._reasoning = None
        index = self.response["output"].index(item)
        part = item["summary"][0]
        common = {"item_id": item["id"], "output_index": index, "summary_index": 0}
        return (self._event("response.reasoning_summary_text.done", {**common, "text": part["text"]})
                + self._event("response.reasoning_summary_part.done", {**common, "part": part})
                + self._event("response.output_item.done", {"output_index": index, "item": item}))

    def _reason(self, text: str) -> bytes:
        """Reasoning text (Claude's thinking, a reasoning model's reasoning_content) as a
        reasoning item with a summary, as the non-streamed answer has it."""
        out = b""
        if self._reasoning is None:
            out += self._close_text() + self._close_call()
            item: dict[str, Any] = {"type": "reasoning", "id": new_id("rs"), "summary": []}
            index, added = self._add(item)
            part = {"type": "summary_text", "text": ""}
            item["summary"].append(part)
            self._reasoning = item
            out += added + self._event("response.reasoning_summary_part.added", {
                "item_id": item["id"], "output_index": index, "summary_index": 0, "part": part})
        item = self._reasoning
        item["summary"][0]["text"] += text
        return out + self._event("response.reasoning_summary_text.delta", {
            "item_id": item["id"], "output_index": self.response["output"].index(item), "summary_index": 0,
            "delta": text})

    def _close_call(self) -> bytes:
        if self._open_call is None:
            return b""
        item = self._calls[self._open_call]
        self._open_call = None
        index = self.response["output"].index(item)
        item["status"] = "completed"
        return (self._event("response.function_call_arguments.done",
                            {"item_id": item["id"], "output_index": index, "arguments": item["arguments"],
                             "name": item["name"]})
                + self._event("response.output_item.done", {"output_index": index, "item": item}))

    def feed(self, chunk: dict[str, Any]) -> bytes:
        event = chunk.get(EVENT_KEY)
        if event is not None:
            return self._pass(event, chunk.get("turnout"))
        out = self._head()
        if chunk.get("usage"):
            self._usage = chunk["usage"]
        if chunk.get("turnout"):
            self._turnout = chunk["turnout"]
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if delta.get("reasoning_content"):
                out += self._reason(delta["reasoning_content"])
            text = delta.get("content")
            if text:
                out += self._write("output_text", text)
            if delta.get("refusal"):
                out += self._write("refusal", delta["refusal"])
            for call in delta.get("tool_calls") or ():
                out += self._call(call)
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
        return out

    def _call(self, call: dict[str, Any]) -> bytes:
        position = int(call.get("index") or 0)
        function = call.get("function") or {}
        out = b""
        item = self._calls.get(position)
        if item is None:
            out += self._close_reasoning() + self._close_text() + self._close_call()
            item = call_item({"id": call.get("id"), "function": {"name": function.get("name"), "arguments": ""}},
                             status="in_progress")
            self._calls[position] = item
            self._open_call = position
            out += self._add(item)[1]
        arguments = function.get("arguments")
        if arguments:
            item["arguments"] += arguments
            out += self._event("response.function_call_arguments.delta", {
                "item_id": item["id"], "output_index": self.response["output"].index(item), "delta": arguments})
        return out

    def end(self) -> bytes:
        if self.native:
            return b""  # the upstream's own response.completed has been passed on
        out = self._head() + self._close_reasoning() + self._close_text() + self._close_call()
        _finish(self.response, self._finish, self._usage)
        if self._turnout is not None:
            self.response["turnout"] = self._turnout
        self.done = self.response
        kind = "response.completed" if self.response["status"] == "completed" else "response.incomplete"
        return out + self._event(kind, {"response": self.response})

    def error(self, exc: TurnoutError) -> bytes:
        head = b"" if self.native else self._head()
        return head + error_event(exc, self.sequence)

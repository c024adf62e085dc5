"""Anthropic's Messages API <-> the neutral request and OpenAI-shaped answers. Pure: no I/O.

In: a ``/v1/messages`` body becomes a ``ChatRequest`` (origin ``anthropic.messages``) whose
messages are OpenAI-chat-shaped: ``system`` a system message, ``tool_use`` blocks ``tool_calls``,
``tool_result`` blocks role ``tool`` messages (placed where OpenAI wants them, before the
turn's other content), images ``image_url`` parts, PDFs ``file`` parts; ``thinking`` blocks and
``cache_control`` marks stay on their parts, for Anthropic. The body itself rides along as a
``NativeBody`` so an Anthropic upstream gets it unchanged.

Out: a ``chat.completion`` becomes a ``message`` (thinking, text, tool_use blocks; cache reads
and writes in ``usage``), and a chunk stream becomes Anthropic's event sequence
(``MessageStreamWriter``). Errors take Anthropic's shape (``error_body``).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import orjson

from turnout.answer import anthropic_stop_reason, usage_to_anthropic
from turnout.errors import BadRequestError, TurnoutError
from turnout.providers.native import NativeBody
from turnout.providers.portable import UNTRANSLATED
from turnout.server.doors.body import check_params, obj
from turnout.types import ChatCompletion, ChatRequest

ORIGIN = "anthropic.messages"
# The caller's protocol headers a native pass-through forwards to Anthropic.
PROTOCOL_HEADERS = (b"anthropic-version", b"anthropic-beta")


# HTTP status -> Anthropic's error type (https://docs.anthropic.com/en/api/errors).
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
               403: "permission_error", 404: "not_found_error", 405: "invalid_request_error",
               413: "request_too_large", 429: "rate_limit_error", 504: "timeout_error",
               529: "overloaded_error"}

_FIELDS = frozenset({"model", "messages", "system", "max_tokens", "stream", "turnout", "metadata",
                     "stop_sequences", "temperature", "top_p", "top_k", "tools", "tool_choice", "thinking"})


def error_body(exc: TurnoutError) -> bytes:
    kind = ERROR_TYPES.get(exc.status_code, "api_error" if exc.status_code >= 500 else "invalid_request_error")
    return orjson.dumps({"type": "error", "error": {"type": kind, "message": exc.message}})


# -- request ---------------------------------------------------------------------------------


def _bad(message: str, param: str) -> BadRequestError:
    return BadRequestError(message, param=param)


def _number(body: dict[str, Any], name: str, lo: float, hi: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise _bad(f"{name}: must be a number between {lo:g} and {hi:g}", name)
    return value




# The protocol headers travel to Anthropic as sent, so they hold only what the protocol puts
# there: a version date, and beta feature names, each words then a date
# ("prompt-caching-2024-07-31", "output-128k-2025-02-19"). A word is short and holds a letter,
# so no card, key, IBAN or e-mail address fits (red9g: a card in anthropic-beta reached the cloud).
_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}")
_BETA = re.compile(r"(?:(?=[a-z0-9]{0,11}[a-z])[a-z0-9]{1,12}-)+\d{4}-\d{2}-\d{2}")
MAX_BETAS = 16


def check_protocol_headers(headers: dict[str, str]) -> None:
    """A 400 naming the header when ``anthropic-version`` or ``anthropic-beta`` holds more than
    a version date or a list of beta feature names."""
    version = headers.get("anthropic-version")
    if version is not None and not _VERSION.fullmatch(version.strip()):
        raise _bad("anthropic-version header: must be a version date such as 2023-06-01", "anthropic-version")
    beta = headers.get("anthropic-beta")
    if beta is not None:
        names = [name.strip() for name in beta.split(",") if name.strip()]
        if len(names) > MAX_BETAS or not all(_BETA.fullmatch(name) for name in names):
            raise _bad("anthropic-beta header: must be a comma-separated list of beta names such as "
                       "prompt-caching-2024-07-31", "anthropic-beta")


def to_request(body: dict[str, Any], headers: dict[str, str]) -> ChatRequest:
    """A Messages API body -> the neutral request (validated; a bad field is a 400 naming it)."""
    check_protocol_headers(headers)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _bad('model: field required (a model name or "auto")', "model")
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise _bad("max_tokens: field required, an integer of at least 1", "max_tokens")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise _bad("stream: must be a boolean", "stream")
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise _bad("messages: a non-empty list of messages is required", "messages")
    signed = _without_unsigned_thinking(raw_messages)
    if signed is not raw_messages:
        body = {**body, "messages": signed}
        raw_messages = signed
    # What the translation does not carry (a document's `context`, a text block's `citations`,
    # metadata besides `user_id`, ...): the native body forwards it, so detection must read it.
    rest: list[Any] = []
    messages = _system(body.get("system"), rest)
    for i, message in enumerate(raw_messages):
        messages.extend(_message(message, f"messages.{i}", rest))
    if all(m["role"] == "system" for m in messages):
        raise _bad("messages: at least one message needs content", "messages")
    params: dict[str, Any] = {"max_tokens": max_tokens}
    for name, lo, hi in (("temperature", 0.0, 1.0), ("top_p", 0.0, 1.0)):
        value = _number(body, name, lo, hi)
        if value is not None:
            params[name] = value
    top_k = body.get("top_k")
    if top_k is not None:
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
            raise _bad("top_k: must be a non-negative integer", "top_k")
        params["top_k"] = top_k
    stops = body.get("stop_sequences")
    if stops is not None:
        if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
            raise _bad("stop_sequences: must be a list of strings", "stop_sequences")
        if stops:
            params["stop"] = stops
    metadata = body.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise _bad("metadata: must be an object", "metadata")
        if metadata.get("user_id"):
            params["user"] = str(metadata["user_id"])
        _rest(metadata, ("user_id",), rest)
    thinking = body.get("thinking")
    if thinking is not None:
        if not isinstance(thinking, dict) or not isinstance(thinking.get("type"), str):
            raise _bad("thinking: must be an object with a `type`", "thinking")
        if thinking["type"] != "disabled":
            params["thinking"] = thinking
        else:
            _rest(thinking, ("type",), rest)
    _tools(body, params, rest)
    # Fields of Anthropic's we do not translate ride along: forwarded natively to Anthropic,
    # scanned by privacy detection like every other field, dropped (and named) elsewhere.
    for name, value in body.items():
        if name not in _FIELDS and value is not None:
            params[name] = value
    if rest:
        params[UNTRANSLATED] = rest
    check_params(params)
    native = NativeBody({k: v for k, v in body.items() if k != "turnout"}, messages, headers)
    return ChatRequest(model=model, messages=messages, params=params, stream=stream, origin=ORIGIN,
                       raw_body=native)


def _unsigned(block: Any) -> bool:
    return isinstance(block, dict) and block.get("type") == "thinking" and not block.get("signature")


def _without_unsigned_thinking(messages: list[Any]) -> list[Any]:
    """Thinking blocks with no signature are another model's reasoning that this door returned
    (``to_message``); Claude refuses them and no other provider takes thinking, so they are
    dropped here, before the body is kept for a native pass-through. The list itself when none."""
    if not any(isinstance(m, dict) and isinstance(m.get("content"), list) and any(map(_unsigned, m["content"]))
               for m in messages):
        return messages
    return [{**m, "content": [b for b in m["content"] if not _unsigned(b)]}
            if isinstance(m, dict) and isinstance(m.get("content"), list) else m for m in messages]


def _rest(block: dict[str, Any], carried: tuple[str, ...], rest: list[Any]) -> None:
    """Keep the fields of ``block`` the translation does not carry in ``rest``."""
    if any(k not in carried for k in block):
        rest.append({k: v for k, v in block.items() if k not in carried})


_TEXT_KEYS = ("type", "text", "cache_control")


def _system(system: Any, rest: list[Any]) -> list[dict[str, Any]]:
    if system is None or system == "":
        return []
    if isinstance(system, str):
        return [{"role": "system", "content": system}]
    if not isinstance(system, list):
        raise _bad("system: must be a string or a list of text blocks", "system")
    parts = []
    for i, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text" or not isinstance(block.get("text"), str):
            raise _bad(f"system.{i}: must be a text block", f"system.{i}")
        parts.append(_text_part(block, rest))
    return [{"role": "system", "content": parts}] if parts else []


def _text_part(block: dict[str, Any], rest: list[Any]) -> dict[str, Any]:
    _rest(block, _TEXT_KEYS, rest)
    part: dict[str, Any] = {"type": "text", "text": block["text"]}
    if "cache_control" in block:
        part["cache_control"] = block["cache_control"]
    return part


def _message(message: Any, where: str, rest: list[Any]) -> list[dict[str, Any]]:
    if not isinstance(message, dict):
        raise _bad(f"{where}: must be an object with `role` and `content`", where)
    _rest(message, ("role", "content"), rest)
    role = message.get("role")
    if role not in ("user", "assistant"):
        raise _bad(f"{where}.role: must be \"user\" or \"assistant\"; got {role!r}", f"{where}.role")
    content = message.get("content")
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    if not isinstance(content, list):
        raise _bad(f"{where}.content: must be a string or a list of content blocks", f"{where}.content")
    if not content and role == "user":
        raise _bad(f"{where}.content: must not be empty", f"{where}.content")
    for j, block in enumerate(content):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise _bad(f"{where}.content.{j}: must be an object with a `type`", f"{where}.content.{j}")
    return _user(content, where, rest) if role == "user" else [_assistant(content, where, rest)]


def _user(blocks: list[dict[str, Any]], where: str, rest: list[Any]) -> list[dict[str, Any]]:
    tool_results: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for j, block in enumerate(blocks):
        kind = block["type"]
        if kind == "tool_result":
            tool_results.append(_tool_result(block, f"{where}.content.{j}", rest))
        else:
            parts.append(_part(block, f"{where}.content.{j}", rest))
    # OpenAI wants tool results right after the assistant turn that called, then the rest.
    return tool_results + ([{"role": "user", "content": parts}] if parts else [])


def _part(block: dict[str, Any], where: str, rest: list[Any]) -> dict[str, Any]:
    kind = block["type"]
    if kind == "text":
        if not isinstance(block.get("text"), str):
            raise _bad(f"{where}.text: must be a string", f"{where}.text")
        return _text_part(block, rest)
    part: dict[str, Any]
    source = obj(block.get("source"))
    if kind == "image":
        if source.get("type") == "base64":
            url = f"data:{source.get('media_type', 'image/png')};base64,{source.get('data', '')}"
            _rest(source, ("type", "media_type", "data"), rest)
        elif source.get("type") == "url" and isinstance(source.get("url"), str):
            url = source["url"]
            _rest(source, ("type", "url"), rest)
        else:
            raise _bad(f"{where}.source: an image needs a base64 or url source", f"{where}.source")
        part = {"type": "image_url", "image_url": {"url": url}}
        _rest(block, ("type", "source", "cache_control"), rest)
    elif kind == "document" and source.get("type") == "base64":
        part = {"type": "file", "file": {"file_data": f"data:{source.get('media_type')};base64,{source.get('data', '')}"}}
        if isinstance(block.get("title"), str):
            part["file"]["filename"] = block["title"]
        _rest(source, ("type", "media_type", "data"), rest)
        _rest(block, ("type", "source", "cache_control", "title") if isinstance(block.get("title"), str)
              else ("type", "source", "cache_control"), rest)
    elif kind == "document" and source.get("type") == "text":
        part = {"type": "text", "text": str(source.get("data", ""))}
        _rest(source, ("type", "data"), rest)
        _rest(block, ("type", "source", "cache_control"), rest)
    else:
        return dict(block)  # search results, containers...: carried as they are
    if "cache_control" in block:
        part["cache_control"] = block["cache_control"]
    return part


def _tool_result(block: dict[str, Any], where: str, rest: list[Any]) -> dict[str, Any]:
    if not isinstance(block.get("tool_use_id"), str):
        raise _bad(f"{where}.tool_use_id: required", f"{where}.tool_use_id")
    _rest(block, ("type", "tool_use_id", "content", "is_error", "cache_control"), rest)
    content = block.get("content")
    if content is None:
        content = ""
    elif isinstance(content, list):
        for k, b in enumerate(content):
            if not isinstance(b, dict) or not isinstance(b.get("type"), str):
                raise _bad(f"{where}.content.{k}: must be an object with a `type`", f"{where}.content.{k}")
        parts = [_part(b, f"{where}.content.{k}", rest) for k, b in enumerate(content)]
        if all(p.get("type") == "text" and "cache_control" not in p for p in parts):
            content = "\n".join(p["text"] for p in parts)
        else:
            content = parts
    elif not isinstance(content, str):
        raise _bad(f"{where}.content: must be a string or a list of blocks", f"{where}.content")
    message: dict[str, Any] = {"role": "tool", "tool_call_id": block["tool_use_id"], "content": content}
    if block.get("is_error"):
        message["is_error"] = True
    if "cache_control" in block:
        message["cache_control"] = block["cache_control"]
    return message


def _assistant(blocks: list[dict[str, Any]], where: str, rest: list[Any]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    for j, block in enumerate(blocks):
        kind = block["type"]
        if kind == "tool_use":
            if not isinstance(block.get("id"), str) or not isinstance(block.get("name"), str):
                raise _bad(f"{where}.content.{j}: tool_use needs `id` and `name`", f"{where}.content.{j}")
            _rest(block, ("type", "id", "name", "input"), rest)
            calls.append({"id": block["id"], "type": "function",
                          "function": {"name": block["name"],
                                       "arguments": json.dumps(block.get("input") or {}, ensure_ascii=False)}})
        elif kind == "text":
            parts.append(_text_part(block, rest) if isinstance(block.get("text"), str) else _part(block, where, rest))
        else:
            parts.append(dict(block))  # thinking, redacted_thinking, server tool blocks
    message: dict[str, Any] = {"role": "assistant"}
    if all(p["type"] == "text" and "cache_control" not in p for p in parts):
        text = "".join(p["text"] for p in parts)
        message["content"] = text if text or not calls else None
    else:
        message["content"] = parts
    if calls:
        message["tool_calls"] = calls
    return message


def _tools(body: dict[str, Any], params: dict[str, Any], rest: list[Any]) -> None:
    tools = body.get("tools")
    if tools is None:
        return
    if not isinstance(tools, list):
        raise _bad("tools: must be a list", "tools")
    out = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise _bad(f"tools.{i}: a tool needs a `name`", f"tools.{i}")
        if tool.get("type") not in (None, "custom"):
            out.append(dict(tool))  # Anthropic's server tools (web search, bash...)
            continue
        schema = tool.get("input_schema")
        if not isinstance(schema, dict):
            raise _bad(f"tools.{i}.input_schema: required, a JSON schema object", f"tools.{i}.input_schema")
        function: dict[str, Any] = {"name": tool["name"], "parameters": schema}
        if tool.get("description"):
            function["description"] = tool["description"]
        _rest(tool, ("type", "name", "input_schema", "description", "cache_control") if tool.get("description")
              else ("type", "name", "input_schema", "cache_control"), rest)
        converted: dict[str, Any] = {"type": "function", "function": function}
        if "cache_control" in tool:
            converted["cache_control"] = tool["cache_control"]
        out.append(converted)
    if out:
        params["tools"] = out
    choice = body.get("tool_choice")
    if choice is None:
        return
    if not isinstance(choice, dict) or choice.get("type") not in ("auto", "any", "tool", "none"):
        raise _bad('tool_choice: must be {"type": "auto" | "any" | "tool" | "none"}', "tool_choice")
    kind = choice["type"]
    _rest(choice, ("type", "name", "disable_parallel_tool_use") if kind == "tool"
          else ("type", "disable_parallel_tool_use"), rest)
    if kind == "tool":
        if not isinstance(choice.get("name"), str):
            raise _bad("tool_choice.name: required when type is \"tool\"", "tool_choice.name")
        params["tool_choice"] = {"type": "function", "function": {"name": choice["name"]}}
    else:
        params["tool_choice"] = {"auto": "auto", "any": "required", "none": "none"}[kind]
    if choice.get("disable_parallel_tool_use"):
        params["parallel_tool_calls"] = False


def count_tokens_request(body: dict[str, Any], headers: dict[str, str]) -> ChatRequest:
    """``/count_tokens`` takes a Messages body without ``max_tokens``."""
    return to_request({**body, "max_tokens": 1, "stream": False}, headers)


# -- response --------------------------------------------------------------------------------


def new_message_id() -> str:
    return "msg_" + uuid.uuid4().hex[:24]


def tool_input(arguments: Any) -> dict[str, Any]:
    """OpenAI's arguments (a JSON string) -> Anthropic's ``input`` (an object)."""
    if isinstance(arguments, dict):
        return arguments
    try:
        value = json.loads(arguments or "{}")
    except ValueError:
        return {"_arguments": arguments}  # a model wrote broken JSON: keep it visible, not lost
    return value if isinstance(value, dict) else {"_arguments": value}


def to_message(completion: ChatCompletion) -> dict[str, Any]:
    choice = (completion.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    content: list[dict[str, Any]] = [dict(b) for b in message.get("thinking_blocks") or ()]
    if not content and message.get("reasoning_content"):
        # Another model's reasoning: a thinking block with no signature (dropped when sent back).
        content.append({"type": "thinking", "thinking": message["reasoning_content"], "signature": ""})
    text = message.get("content")
    if isinstance(text, list):
        text = "".join(p.get("text", "") for p in text if isinstance(p, dict))
    if text:
        content.append({"type": "text", "text": text})
    finish = choice.get("finish_reason")
    if message.get("refusal"):  # OpenAI's refusal: its text, and Anthropic's stop reason for one
        content.append({"type": "text", "text": message["refusal"]})
        finish = "content_filter" if finish in (None, "stop") else finish
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        content.append({"type": "tool_use", "id": call.get("id") or "toolu_" + uuid.uuid4().hex[:24],
                        "name": function.get("name"), "input": tool_input(function.get("arguments"))})
    stop_sequence = choice.get("stop_sequence")
    cid = str(completion.get("id") or "")
    out: dict[str, Any] = {
        "id": cid if cid.startswith("msg_") else new_message_id(),
        "type": "message",
        "role": "assistant",
        "model": completion.get("model", ""),
        "content": content,
        "stop_reason": anthropic_stop_reason(finish, stop_sequence),
        "stop_sequence": stop_sequence,
        "usage": usage_to_anthropic(completion.get("usage")),
    }
    if "turnout" in completion:
        out["turnout"] = completion["turnout"]
    return out


def _event(kind: str, data: dict[str, Any]) -> bytes:
    return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def error_event(exc: TurnoutError) -> bytes:
    return b"event: error\ndata: " + error_body(exc) + b"\n\n"


class MessageStreamWriter:
    """OpenAI chunks -> Anthropic's SSE events, one chunk at a time (no I/O).

    message_start, ping, then per block content_block_start / _delta / _stop (thinking, text,
    tool_use with input_json_delta), then message_delta (stop reason, usage) and message_stop.
    """

    def __init__(self, model: str, input_tokens_estimate: int = 0) -> None:
        self.id = new_message_id()
        self.model = model
        self.estimate = input_tokens_estimate
        self._open: str | None = None  # kind of the open block: thinking | text | tool_use
        self._index = -1
        self._tools: dict[int, int] = {}  # OpenAI tool-call index -> block index
        self._finish: str | None = None
        self._refused = False  # an OpenAI refusal came as text: Anthropic's stop reason says so
        self._stop_sequence: str | None = None
        self._usage: dict[str, Any] | None = None
        self._turnout: dict[str, Any] | None = None

    def start(self) -> bytes:
        message: dict[str, Any] = {"id": self.id, "type": "message", "role": "assistant", "model": self.model, "content": [],
                   "stop_reason": None, "stop_sequence": None,
                   "usage": {"input_tokens": self.estimate, "output_tokens": 0}}
        return _event("message_start", {"type": "message_start", "message": message}) + \
            _event("ping", {"type": "ping"})

    def _close(self) -> bytes:
        if self._open is None:
            return b""
        self._open = None
        return _event("content_block_stop", {"type": "content_block_stop", "index": self._index})

    def _begin(self, block: dict[str, Any]) -> bytes:
        out = self._close()
        self._index += 1
        self._open = block["type"]
        return out + _event("content_block_start",
                            {"type": "content_block_start", "index": self._index, "content_block": block})

    def _delta(self, delta: dict[str, Any], index: int | None = None) -> bytes:
        return _event("content_block_delta", {"type": "content_block_delta",
                                              "index": self._index if index is None else index, "delta": delta})

    def feed(self, chunk: dict[str, Any]) -> bytes:
        out = b""
        if chunk.get("usage"):
            self._usage = chunk["usage"]
        if chunk.get("turnout"):
            self._turnout = chunk["turnout"]
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            blocks = delta.get("thinking_blocks")
            if blocks is None and delta.get("reasoning_content"):  # unsigned: another model's reasoning
                blocks = ({"type": "thinking", "thinking": delta["reasoning_content"]},)
            for block in blocks or ():
                out += self._thinking(block)
            for text in (delta.get("content"), delta.get("refusal")):
                if text:
                    if self._open != "text":
                        out += self._begin({"type": "text", "text": ""})
                    out += self._delta({"type": "text_delta", "text": text})
            self._refused = self._refused or bool(delta.get("refusal"))
            for call in delta.get("tool_calls") or ():
                out += self._tool(call)
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
            if choice.get("stop_sequence"):
                self._stop_sequence = choice["stop_sequence"]
        return out

    def _thinking(self, block: dict[str, Any]) -> bytes:
        if block.get("type") == "redacted_thinking":
            return self._begin(dict(block)) + self._close()
        out = b""
        if self._open != "thinking":
            out += self._begin({"type": "thinking", "thinking": "", "signature": ""})
        if block.get("thinking"):
            out += self._delta({"type": "thinking_delta", "thinking": block["thinking"]})
        if block.get("signature"):
            out += self._delta({"type": "signature_delta", "signature": block["signature"]})
        return out

    def _tool(self, call: dict[str, Any]) -> bytes:
        position = int(call.get("index") or 0)
        function = call.get("function") or {}
        out = b""
        if position not in self._tools:
            out += self._begin({"type": "tool_use", "id": call.get("id") or "toolu_" + uuid.uuid4().hex[:24],
                                "name": function.get("name") or "", "input": {}})
            self._tools[position] = self._index
        arguments = function.get("arguments")
        if arguments:
            out += self._delta({"type": "input_json_delta", "partial_json": arguments}, self._tools[position])
        return out

    def error(self, exc: TurnoutError) -> bytes:
        return self._close() + error_event(exc)

    def end(self) -> bytes:
        out = self._close()
        usage = usage_to_anthropic(self._usage)
        finish = "content_filter" if self._refused and self._finish in (None, "stop") else self._finish
        delta = {"type": "message_delta",
                 "delta": {"stop_reason": anthropic_stop_reason(finish, self._stop_sequence),
                           "stop_sequence": self._stop_sequence},
                 "usage": usage}
        if self._turnout is not None:
            delta["turnout"] = self._turnout
        return out + _event("message_delta", delta) + _event("message_stop", {"type": "message_stop"})

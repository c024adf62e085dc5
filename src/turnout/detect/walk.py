"""Every text-bearing piece of a request, with its path: what privacy scanning and redaction see.

One traversal serves both: :func:`walk` lists the pieces (and the binary payloads that cannot
be read), :func:`rewrite` returns the request with some pieces replaced (copy on write: the
input is never modified). Because both run the same code in the same order, piece ``i`` of a
walk is piece ``i`` of a rewrite.

What is a piece, by where it sits in the neutral request (``ChatRequest``):

- messages: ``content`` (a string, or parts of every type: ``text``, ``image_url`` URLs and
  their query strings, ``file`` names and text payloads, ``thinking`` text, tool-use input and
  tool-result content of Anthropic-style parts, and any string of a part type not known here),
  ``name``, tool calls (function name and arguments: JSON arguments are parsed, so escapes are
  undone and each key/value is a piece), the legacy ``function_call``, ``reasoning_content``,
  ``thinking_blocks``, and every string of any field not known here;
- params: every string of every parameter, known or not (``tools`` with their names,
  descriptions and JSON schemas, ``response_format`` schemas, ``metadata`` keys and values,
  ``user``, ``stop``, ``prediction``, unknown fields), plus long integers (a card number sent
  as a JSON number is still a card number).

Opaque pieces (ids, thinking ``signature``, ``redacted_thinking`` data, ``encrypted_content``)
are scanned too, but flagged, so random-looking tokens there are not taken for secrets.
Binary payloads (``data:`` URLs and base64 fields whose media type is not text and whose bytes
are not text: images, audio, PDFs) are not pieces: they are listed in :attr:`Walk.binary` for
the ``detection.binary`` policy. A base64 payload labelled binary whose bytes are text is read
as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from turnout.dataurl import b64, data_url

__all__ = ["KEY", "OPAQUE", "TEXT", "Piece", "Walk", "format_path", "rewrite", "walk"]

TEXT, KEY, OPAQUE = 0, 1, 2
_JSON = "<json>"  # path marker: the string before it was parsed as JSON
_KEYNAME = "<key>"  # path marker: the piece is the dict key named next

# Keys whose names are structure, not data (JSON schema keywords, the OpenAI / Anthropic
# shapes): not pieces themselves. Their values are still walked.
_STRUCTURAL = frozenset({
    "type", "properties", "required", "items", "additionalProperties", "enum", "description",
    "parameters", "function", "strict", "format", "anyOf", "oneOf", "allOf", "$ref", "$defs",
    "definitions", "title", "json_schema", "schema", "default", "minimum", "maximum", "minItems",
    "maxItems", "minLength", "maxLength", "pattern", "const", "nullable", "examples", "url",
    "detail", "cache_control", "ttl", "id", "role", "content", "text", "tool_calls", "arguments",
    "image_url", "input_audio", "file", "file_data", "file_id", "filename", "data", "source",
    "media_type", "input", "tool_use_id", "is_error", "signature", "thinking", "name",
})  # fmt: skip
_OPAQUE_KEYS = frozenset({"id", "tool_call_id", "tool_use_id", "call_id", "file_id", "signature", "thought_signature",
                          "encrypted_content", "previous_response_id", "response_id"})
_B64_HEAD = 4096  # characters of a payload read to tell base64 from text (a multiple of 4)
_HEX_PAYLOAD = re.compile(r"[0-9A-Fa-f]{8,}")
_BINARY_B64_KEYS = frozenset({"data", "file_data", "b64_json"})
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
# an enum word ("function", "auto", "gpt-4o-mini"): lowercase, at most 40 characters and 4
# digits (a lowercase IBAN or hex token under "format" / "mode" is no enum word)
_ENUM_VALUE = re.compile(r"[a-z][a-z_.-]*(?:[0-9][a-z_.-]*){0,4}")
_ENUM_KEYS = frozenset({"type", "role", "detail", "format", "media_type", "mode", "effort"})
_MIN_NUMBER = 10**6  # integers with fewer digits hold no identifier worth a scan
_PARAM_NAME = re.compile(r"[a-z][a-z_]{0,63}")  # a parameter's name: nothing can hide in it
# the plain names and enum words seen so far (bounded): a set look-up instead of a regex for
# the few dozen that every request repeats ("temperature", "type", "function", "auto", ...)
_PLAIN_NAMES: set[str] = set()
_ENUM_WORDS: set[str] = set()
_MEMO_MAX = 4096


def _plain_name(key: Any) -> bool:
    if key in _PLAIN_NAMES:
        return True
    if isinstance(key, str) and _PARAM_NAME.fullmatch(key):
        if len(_PLAIN_NAMES) < _MEMO_MAX:
            _PLAIN_NAMES.add(key)
        return True
    return not isinstance(key, str)


def _enum_word(val: str) -> bool:
    if val in _ENUM_WORDS:
        return True
    if len(val) <= 40 and _ENUM_VALUE.fullmatch(val):
        if len(_ENUM_WORDS) < _MEMO_MAX:
            _ENUM_WORDS.add(val)
        return True
    return False


@dataclass(slots=True)
class Piece:
    """One string of the request. ``sep`` goes before it in the joined scan text (": " after
    its own key, so ``password: hunter2`` reads as an assignment)."""

    path: tuple[Any, ...]
    text: str
    kind: int = TEXT
    sep: str = "\n"
    message: int = -1  # index of the message it belongs to, -1 for request parameters


@dataclass(slots=True)
class Walk:
    pieces: list[Piece] = field(default_factory=list)
    binary: list[tuple[str, str]] = field(default_factory=list)  # (path, media type)


def format_path(path: tuple[Any, ...]) -> str:
    """``("messages", 0, "content", 1, "text")`` -> ``messages[0].content[1].text``."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        elif p == _JSON:
            out += "(json)"
        elif p == _KEYNAME:
            out += ".<key>"
        else:
            out += ("." if out else "") + str(p)
    return out


class _Traversal:
    """The one traversal. With ``replace`` None it only collects; with it, each piece's text is
    offered to ``replace(index, piece)`` and containers are copied where something changed."""

    __slots__ = ("_message", "index", "replace", "walk")

    def __init__(self, replace: Callable[[int, Piece], str | None] | None) -> None:
        self.walk = Walk()
        self.replace = replace
        self.index = 0
        self._message = -1

    # -- emitting ----------------------------------------------------------------------------

    def piece(self, path: tuple[Any, ...], text: str, kind: int = TEXT, sep: str = "\n") -> str:
        p = Piece(path, text, kind, sep, self._message)
        self.walk.pieces.append(p)
        i = self.index
        self.index += 1
        if self.replace is not None:
            new = self.replace(i, p)
            if new is not None:
                return new
        return text

    def name(self, key: Any, path: tuple[Any, ...]) -> Any:
        """A field's name, offered as a piece unless it is a plain lowercase name (nothing can
        hide there): an unknown field may be named with a secret."""
        if _plain_name(key):
            return key
        return self.piece((*path, _KEYNAME, key), key, KEY)

    def binary(self, path: tuple[Any, ...], media: str) -> None:
        self.walk.binary.append((format_path(path), media))

    # -- the request -------------------------------------------------------------------------

    def request(self, messages: Any, params: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
        new_messages = messages
        if isinstance(messages, list):
            out = None
            for i, message in enumerate(messages):
                self._message = i
                new = self.message(message, ("messages", i))
                if new is not message:
                    if out is None:
                        out = list(messages)
                    out[i] = new
            if out is not None:
                new_messages = out
        else:
            new_messages = self.value(messages, ("messages",))
        self._message = -1
        new_params: dict[str, Any] | None = None
        for key, val in params.items():
            nk = key
            if key not in _PLAIN_NAMES and not _plain_name(key):  # an unknown field's odd name
                nk = self.piece((_KEYNAME, key), key, KEY)
            new = self.value(val, (key,), key)
            if nk is not key:
                new_params = {(nk if k == key else k): (new if k == key else v)
                              for k, v in (new_params if new_params is not None else params).items()}
            elif new is not val:
                if new_params is None:
                    new_params = dict(params)
                new_params[key] = new
        return new_messages, (new_params if new_params is not None else dict(params))

    def message(self, message: Any, path: tuple[Any, ...]) -> Any:
        if not isinstance(message, dict):
            return self.value(message, path)
        if len(message) == 2 and isinstance(message.get("content"), str) and message.get("role") in _ROLES:
            # the usual message, {"role": ..., "content": "..."}: one piece, no traversal
            content = message["content"]
            new = self.piece((*path, "content"), content)
            if new is content:
                return message
            return {**message, "content": new}
        out: dict[str, Any] | None = None
        for key, val in message.items():
            where = (*path, key)
            if key == "content":
                new = self.content(val, where)
            elif key in ("tool_calls", "function_call"):
                new = self.calls(val, where)
            elif key in ("thinking_blocks",) and isinstance(val, list):
                new = self.content(val, where)
            else:
                new = self.value(val, where, key)
            nk = key if key in _PLAIN_NAMES else self.name(key, path)
            if new is not val or nk is not key:
                out = _put(out if out is not None else dict(message), key, nk, new)
        return out if out is not None else message

    def content(self, content: Any, path: tuple[Any, ...]) -> Any:
        if isinstance(content, str):
            return self.piece(path, content)
        if isinstance(content, list):
            out = None
            for j, part in enumerate(content):
                new = self.part(part, (*path, j)) if isinstance(part, dict) else self.value(part, (*path, j))
                if new is not part:
                    if out is None:
                        out = list(content)
                    out[j] = new
            return out if out is not None else content
        return self.value(content, path)

    def part(self, part: dict[str, Any], path: tuple[Any, ...]) -> Any:
        kind = part.get("type")
        out: dict[str, Any] | None = None
        for key, val in part.items():
            where = (*path, key)
            if kind == "redacted_thinking" and key == "data" and isinstance(val, str):
                new = self.piece(where, val, OPAQUE)
            elif kind in ("image", "document") and key == "source" and isinstance(val, dict):
                new = self.source(val, where)
            elif kind == "input_audio" and key == "input_audio" and isinstance(val, dict):
                new = self.media_fields(val, where, f"audio/{val.get('format') or 'unknown'}")
            elif kind == "file" and key == "file" and isinstance(val, dict):
                new = self.media_fields(val, where, "application/octet-stream")
            elif key == "content" and isinstance(val, list | str):  # tool_result blocks
                new = self.content(val, where)
            else:
                new = self.value(val, where, key)
            nk = key if key in _PLAIN_NAMES else self.name(key, path)
            if new is not val or nk is not key:
                out = _put(out if out is not None else dict(part), key, nk, new)
        return out if out is not None else part

    def source(self, source: dict[str, Any], path: tuple[Any, ...]) -> Any:
        """An Anthropic-style image/document source: base64 (binary unless text), url, text."""
        if source.get("type") == "base64":
            return self.media_fields(source, path, str(source.get("media_type") or "application/octet-stream"))
        return self.value(source, path)

    def media_fields(self, obj: dict[str, Any], path: tuple[Any, ...], media: str) -> Any:
        """A dict holding a base64 payload under ``data`` / ``file_data``: binary unless it
        is text (then a piece like any other); its other fields walked as usual."""
        out: dict[str, Any] | None = None
        for key, val in obj.items():
            where = (*path, key)
            if key in _BINARY_B64_KEYS and isinstance(val, str):
                new = self.payload(val, where, media)
            else:
                new = self.value(val, where, key)
            nk = key if key in _PLAIN_NAMES else self.name(key, path)
            if new is not val or nk is not key:
                out = _put(out if out is not None else dict(obj), key, nk, new)
        return out if out is not None else obj

    def payload(self, value: str, path: tuple[Any, ...], media: str) -> str:
        if value.startswith(("data:", "DATA:", "Data:")):
            return self.string(value, path)
        if media.startswith("text/"):
            return self.piece(path, value)
        got = data_url(f"data:{media};base64,{value}")
        if got is not None and got[1] is not None:
            return self.piece(path, value)  # labelled binary, but its bytes are text: read it
        if b64(value[:_B64_HEAD]) is None:
            return self.piece(path, value)  # no base64 at all ("\\u0034..."): text, whatever the label
        if len(value) % 2 == 0 and _HEX_PAYLOAD.fullmatch(value, 0, _B64_HEAD):
            # hex digits are base64 letters too, so hex of text decodes to base64 noise: it is
            # a piece (the scan's decoder reads what it holds), not a binary blob
            return self.piece(path, value)
        self.binary(path, media)
        return value

    def calls(self, calls: Any, path: tuple[Any, ...]) -> Any:
        items = [calls] if isinstance(calls, dict) else calls
        if not isinstance(items, list):
            return self.value(calls, path)
        out = None
        for j, call in enumerate(items):
            where = (*path, j) if items is calls else path
            new: Any
            if isinstance(call, dict):
                fn = call.get("function") if "function" in call else call  # function_call is the fn
                fn_path = (*where, "function") if "function" in call else where
                new_call: dict[str, Any] | None = None
                for key, val in call.items():
                    if key == "function" and isinstance(val, dict):
                        nv: Any = self.function(val, fn_path)
                    elif fn is call and key == "arguments":
                        nv = self.arguments(val, (*where, key))
                    else:
                        nv = self.value(val, (*where, key), key)
                    nk = key if key in _PLAIN_NAMES else self.name(key, where)
                    if nv is not val or nk is not key:
                        new_call = _put(new_call if new_call is not None else dict(call), key, nk, nv)
                new = new_call if new_call is not None else call
            else:
                new = self.value(call, where)
            if new is not call:
                if items is not calls:
                    return new
                if out is None:
                    out = list(items)
                out[j] = new
        return out if out is not None else calls

    def function(self, fn: dict[str, Any], path: tuple[Any, ...]) -> Any:
        out: dict[str, Any] | None = None
        for key, val in fn.items():
            new = self.arguments(val, (*path, key)) if key == "arguments" else self.value(val, (*path, key), key)
            nk = key if key in _PLAIN_NAMES else self.name(key, path)
            if new is not val or nk is not key:
                out = _put(out if out is not None else dict(fn), key, nk, new)
        return out if out is not None else fn

    def arguments(self, args: Any, path: tuple[Any, ...]) -> Any:
        """Tool-call arguments: JSON text is parsed (escapes undone, keys give context) and
        written back only when a piece changed; anything else is text."""
        if isinstance(args, str):
            head = args.lstrip()[:1]
            if head in ("{", "["):
                try:
                    parsed = json.loads(args)
                except (ValueError, RecursionError):
                    # not JSON, or nested past the parser's limit (the doors refuse that with a
                    # 400; a library caller's is read as text here)
                    parsed = None
                if isinstance(parsed, dict | list):
                    new = self.value(parsed, (*path, _JSON))
                    return args if new is parsed else json.dumps(new, ensure_ascii=False)
            return self.piece(path, args)
        return self.value(args, path)

    # -- generic values ----------------------------------------------------------------------

    def value(self, val: Any, path: tuple[Any, ...], key: Any = None) -> Any:
        if isinstance(val, str):
            if key in _ENUM_KEYS and _enum_word(val):
                return val  # an enum value ("function", "user", "auto"): nothing can hide there
            if key in _OPAQUE_KEYS:
                return self.piece(path, val, OPAQUE)
            return self.string(val, path)
        if isinstance(val, dict):
            out: dict[Any, Any] | None = None
            for k, v in val.items():
                where = (*path, k)
                nk = k
                sep = "\n"
                if isinstance(k, str) and k not in _STRUCTURAL:
                    nk = self.piece((*path, _KEYNAME, k), k, KEY)
                    sep = ": "
                nv = self.string(v, where, sep) if isinstance(v, str) and k not in _OPAQUE_KEYS and not (
                    k in _ENUM_KEYS and _enum_word(v)) else self.value(v, where, k)
                if nk is not k or nv is not v:
                    if out is None:
                        out = {}
                        for k0, v0 in val.items():  # rebuild in order up to here
                            if k0 == k:
                                break
                            out[k0] = v0
                    out[nk] = nv
                elif out is not None:
                    out[k] = v
            return out if out is not None else val
        if isinstance(val, list):
            lst = None
            for j, item in enumerate(val):
                new = self.value(item, (*path, j))
                if new is not item:
                    if lst is None:
                        lst = list(val)
                    lst[j] = new
            return lst if lst is not None else val
        if isinstance(val, float) and _MIN_NUMBER <= abs(val) < 1e20 and val.is_integer():
            text = str(int(val))  # a card number written as 4539578763621486.0
            new = self.piece(path, text)
            return val if new == text else new
        if isinstance(val, int) and not isinstance(val, bool) and abs(val) >= _MIN_NUMBER:
            text = str(val)
            new = self.piece(path, text)
            return val if new == text else new
        return val

    def string(self, value: str, path: tuple[Any, ...], sep: str = "\n") -> str:
        if value.startswith(("data:", "DATA:", "Data:")):
            got = data_url(value)
            if got is not None and got[1] is None:
                self.binary(path, got[0])
                return value
        return self.piece(path, value, TEXT, sep)


def _put(obj: dict[Any, Any], key: Any, new_key: Any, value: Any) -> dict[Any, Any]:
    """``obj`` (a copy of ours) with ``obj[key]`` set to ``value`` under ``new_key``, in place."""
    if new_key is key:
        obj[key] = value
        return obj
    return {(new_key if k == key else k): (value if k == key else v) for k, v in obj.items()}


def walk(messages: Any, params: Mapping[str, Any] | None = None) -> Walk:
    """Every piece of a request, in a fixed order, and its unreadable binary payloads."""
    t = _Traversal(None)
    t.request(messages, params or {})
    return t.walk


def rewrite(messages: Any, params: Mapping[str, Any] | None,
            replace: Callable[[int, Piece], str | None]) -> tuple[Any, dict[str, Any]]:
    """The request with piece ``i`` replaced by ``replace(i, piece)`` where that is not None.
    Only the containers on a changed path are copied; the input is never modified."""
    t = _Traversal(replace)
    return t.request(messages, params or {})

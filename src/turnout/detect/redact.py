"""Redaction for requests that may leave the machine, and restoring the answer.

``Redactor.redact_request`` replaces every finding with a stable placeholder (``[EMAIL_1]``;
the same value gets the same placeholder throughout the request) in every piece the privacy
scan reads (:mod:`turnout.detect.walk`: content of every part type, names, tool calls and
results, tools and schemas, metadata, user, unknown fields), and returns the new request with
a :class:`RedactionMap`. A secret found only after normalising (zero-width spaces, full-width
digits) is replaced as written; one found encoded (URL, base64, hex) has the whole encoded run
replaced; one split over two messages has each part replaced. ``redact_messages`` does the
same for messages alone.

A secret found inside an encoded form is replaced so that the form stays valid
(:meth:`Redactor._redact_encoded`): inside URL-encoding, ``\\u``/``\\x`` escapes and HTML
references (encodings of one character at a time) only the characters that spell the secret
become the placeholder ("?note=card%20[CARD_1]"), which restores to them as written; a text
``data:`` URL or base64 / hex payload that is a whole piece (a file's ``file_data``, an
image URL, a document's ``data``) is decoded, redacted and encoded again the same way (same
media type, alphabet, padding, case), its placeholders standing for the decoded secrets; a base64
or hex run or a base64 ``data:`` URL inside free text becomes one placeholder for the whole run,
so an answer that repeats it gets the caller's run back. Whatever the way, the result is
scanned again, and anything still found there makes the whole run one placeholder. The map restores originals in the answer: whole texts,
whole completions, or a stream, where a placeholder may be split across chunks
(:class:`StreamRestorer` holds back only what could still become a placeholder).

Fails closed: any error while redacting raises :class:`RedactionError` (or ``BadRequestError``
for content it cannot read) and no messages are returned, so unredacted text is never sent.
The input messages are never modified.

Tool call arguments are JSON: string values are redacted after parsing and the arguments are
serialised again, so an original holding quotes or newlines (a PEM key) cannot break the JSON
and comes back exactly. Arguments that are not valid JSON are redacted as plain text.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from turnout.dataurl import b64, encode_like, split_data_url
from turnout.detect.normalize import decode_run
from turnout.detect.pii import Detector, Finding, default_detector
from turnout.detect.pii_policy import UNSTRUCTURED_LEVELS
from turnout.detect.scan import RequestScan, scan_request
from turnout.detect.walk import Piece, rewrite
from turnout.errors import BadRequestError, TurnoutError
from turnout.types import ChatRequest

__all__ = [
    "PLACEHOLDER_LABELS",
    "ChunkRestorer",
    "RedactionError",
    "RedactionMap",
    "Redactor",
    "StreamRestorer",
    "redact_messages",
]

# entity type -> placeholder label; unlisted types use their own name ("CUSTOMER_ID")
PLACEHOLDER_LABELS: dict[str, str] = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "SSN",
    "IP_ADDRESS": "IP",
    "DATE_TIME": "DATE",
    "STREET_ADDRESS": "ADDRESS",
    "PERSON": "PERSON",
    "PRIVATE_KEY": "PRIVATE_KEY",
    "PASSWORD": "PASSWORD",
    "API_KEY": "SECRET",
    "CUSTOM": "CUSTOM",
}
_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_]*_\d+\]")
# (hook for the "pii" helper's types) places, organisations and dates not tied to a person are
# public alone: left in place unless ``types`` names them, so "weather in Paris" still makes
# sense to the model; names, addresses and person-tied dates are redacted like any finding
_KEPT_BY_DEFAULT = frozenset(UNSTRUCTURED_LEVELS)


class RedactionError(TurnoutError):
    """Redaction failed; the request was not sent (fail closed)."""

    status_code = 500
    error_type = "redaction_error"
    code = "redaction_failed"


def _label(entity_type: str) -> str:
    label = PLACEHOLDER_LABELS.get(entity_type)
    if label is None:
        label = "SECRET" if entity_type.startswith("SECRET_") else entity_type
    return re.sub(r"[^A-Z0-9_]", "_", label.upper()) or "REDACTED"


@dataclass(slots=True)
class RedactionMap:
    """Placeholder <-> original for one request. Never log it: it holds the originals."""

    originals: dict[str, str] = field(default_factory=dict)  # placeholder -> original
    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)
    _counters: dict[str, int] = field(default_factory=dict)
    _taken: frozenset[str] = frozenset()  # placeholder-shaped strings already in the request

    def __repr__(self) -> str:  # no originals in logs and tracebacks
        return f"RedactionMap({len(self.originals)} placeholders)"

    def __len__(self) -> int:
        return len(self.originals)

    def placeholder_for(self, entity_type: str, value: str) -> str:
        label = _label(entity_type)
        key = (label, value)
        existing = self._by_value.get(key)
        if existing is not None:
            return existing
        n = self._counters.get(label, 0)
        while True:
            n += 1
            candidate = f"[{label}_{n}]"
            if candidate not in self._taken and candidate not in self.originals:
                break
        self._counters[label] = n
        self._by_value[key] = candidate
        self.originals[candidate] = value
        return candidate

    # -- restoring ---------------------------------------------------------------------------

    def restore(self, text: str, *, json_escape: bool = False) -> str:
        """Put the originals back in ``text``; ``json_escape`` for text inside a JSON string."""
        if not self.originals or "[" not in text:
            return text

        def sub(m: re.Match[str]) -> str:
            original = self.originals.get(m.group())
            if original is None:
                return m.group()
            return json.dumps(original, ensure_ascii=False)[1:-1] if json_escape else original

        return _PLACEHOLDER.sub(sub, text)

    def restore_arguments(self, arguments: str) -> str:
        """Restore inside tool call arguments (JSON when it parses, else escaped text)."""
        if not self.originals or "[" not in arguments:
            return arguments
        try:
            parsed = json.loads(arguments)
        except ValueError:
            return self.restore(arguments, json_escape=True)
        return json.dumps(self._restore_value(parsed), ensure_ascii=False)

    def _restore_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.restore(value)
        if isinstance(value, list):
            return [self._restore_value(v) for v in value]
        if isinstance(value, dict):
            return {k: self._restore_value(v) for k, v in value.items()}
        return value

    def restore_message(self, message: dict[str, Any]) -> dict[str, Any]:
        """Restore an assistant message (content and tool calls) in place; returns it."""
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = self.restore(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    part["text"] = self.restore(part["text"])
        if isinstance(message.get("reasoning_content"), str):
            message["reasoning_content"] = self.restore(message["reasoning_content"])
        for block in message.get("thinking_blocks") or ():
            if isinstance(block, dict) and isinstance(block.get("thinking"), str):
                block["thinking"] = self.restore(block["thinking"])
        for call in message.get("tool_calls") or ():
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                fn["arguments"] = self.restore_arguments(fn["arguments"])
        fc = message.get("function_call")
        if isinstance(fc, dict) and isinstance(fc.get("arguments"), str):
            fc["arguments"] = self.restore_arguments(fc["arguments"])
        return message

    def restore_completion(self, completion: dict[str, Any]) -> dict[str, Any]:
        """Restore every choice of a ``chat.completion`` in place; returns it."""
        for choice in completion.get("choices") or ():
            message = choice.get("message") if isinstance(choice, dict) else None
            if isinstance(message, dict):
                self.restore_message(message)
        return completion

    def stream_restorer(self, *, json_escape: bool = False) -> StreamRestorer:
        return StreamRestorer(self, json_escape=json_escape)

    def chunk_restorer(self) -> ChunkRestorer:
        return ChunkRestorer(self)


class StreamRestorer:
    """Restores placeholders in a stream of text pieces.

    ``feed(piece)`` returns what can be emitted now: everything except a trailing part that is
    still a prefix of some placeholder of this map (at most one placeholder long). ``flush()``
    returns what is left at the end of the stream.
    """

    __slots__ = ("_buf", "_json", "_map", "_max")

    def __init__(self, mapping: RedactionMap, *, json_escape: bool = False) -> None:
        self._map = mapping
        self._json = json_escape
        self._buf = ""
        self._max = max((len(p) for p in mapping.originals), default=0)

    def feed(self, piece: str) -> str:
        if not piece:
            return ""
        if not self._map.originals:
            return piece
        text = self._buf + piece
        cut = len(text)
        start = text.rfind("[", max(0, len(text) - self._max))
        if start >= 0:
            tail = text[start:]
            if "]" not in tail and any(p.startswith(tail) for p in self._map.originals):
                cut = start  # could still become a placeholder: hold it back
        self._buf = text[cut:]
        return self._map.restore(text[:cut], json_escape=self._json)

    def flush(self) -> str:
        rest, self._buf = self._buf, ""
        return self._map.restore(rest, json_escape=self._json)

    @property
    def pending(self) -> str:
        """What is held back (only ever a placeholder prefix)."""
        return self._buf


class ChunkRestorer:
    """Restores OpenAI ``chat.completion.chunk`` dicts in place, one restorer per stream.

    Content deltas and tool call argument deltas each get their own :class:`StreamRestorer`
    (per choice and tool call index). Held-back text is flushed into the chunk that carries a
    choice's ``finish_reason``; :meth:`finish` returns anything still held when the stream ends
    without one (as a list of ``(choice_index, content)`` to emit).
    """

    def __init__(self, mapping: RedactionMap) -> None:
        self._map = mapping
        self._content: dict[int, StreamRestorer] = {}
        self._reasoning: dict[int, StreamRestorer] = {}
        self._args: dict[tuple[int, int], StreamRestorer] = {}

    def _content_restorer(self, index: int) -> StreamRestorer:
        r = self._content.get(index)
        if r is None:
            r = self._content[index] = StreamRestorer(self._map)
        return r

    def _reasoning_restorer(self, index: int) -> StreamRestorer:
        r = self._reasoning.get(index)
        if r is None:
            r = self._reasoning[index] = StreamRestorer(self._map)
        return r

    def _args_restorer(self, index: int, tool: int) -> StreamRestorer:
        r = self._args.get((index, tool))
        if r is None:
            r = self._args[(index, tool)] = StreamRestorer(self._map, json_escape=True)
        return r

    def restore(self, chunk: dict[str, Any]) -> dict[str, Any]:
        if not self._map.originals:
            return chunk
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            index = int(choice.get("index") or 0)
            delta = choice.get("delta")
            if not isinstance(delta, dict):
                delta = choice["delta"] = {}
            content = delta.get("content")
            if isinstance(content, str):
                delta["content"] = self._content_restorer(index).feed(content)
            reasoning = delta.get("reasoning_content")
            if isinstance(reasoning, str):
                delta["reasoning_content"] = self._reasoning_restorer(index).feed(reasoning)
            for call in delta.get("tool_calls") or ():
                fn = call.get("function") if isinstance(call, dict) else None
                if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                    tool = int(call.get("index") or 0)
                    fn["arguments"] = self._args_restorer(index, tool).feed(fn["arguments"])
            if choice.get("finish_reason") is not None:
                self._flush_into(index, delta)
        return chunk

    def _flush_into(self, index: int, delta: dict[str, Any]) -> None:
        r = self._content.pop(index, None)
        if r is not None and r.pending:
            delta["content"] = (delta.get("content") or "") + r.flush()
        rr = self._reasoning.pop(index, None)
        if rr is not None and rr.pending:
            delta["reasoning_content"] = (delta.get("reasoning_content") or "") + rr.flush()
        for (ci, tool), ar in list(self._args.items()):
            if ci != index:
                continue
            del self._args[(ci, tool)]
            if ar.pending:
                calls = delta.setdefault("tool_calls", [])
                calls.append({"index": tool, "function": {"arguments": ar.flush()}})

    def finish(self) -> list[tuple[int, str]]:
        out = [(i, r.flush()) for i, r in self._content.items() if r.pending]
        self._content.clear()
        self._reasoning.clear()
        self._args.clear()
        return out


# ----------------------------------------------------------------------------------------------


class Redactor:
    """Replaces findings with placeholders in chat messages (fail closed).

    ``types`` limits which entity types are redacted (None = all the detector reports except
    places, organisations and dates not tied to a person);
    findings scoring below ``min_score`` are left alone.
    """

    def __init__(
        self,
        detector: Detector | None = None,
        *,
        types: Iterable[str] | None = None,
        min_score: float = 0.0,
    ) -> None:
        self.detector = detector or default_detector()
        self.types = frozenset(types) if types is not None else None
        self.min_score = min_score

    def redact_text(self, text: str, mapping: RedactionMap) -> str:
        findings = self._findings(text)
        if not findings:
            return text
        out: list[str] = []
        pos = 0
        for f in findings:
            out.append(text[pos : f.start])
            out.append(mapping.placeholder_for(f.type, text[f.start : f.end]))
            pos = f.end
        out.append(text[pos:])
        return "".join(out)

    def _findings(self, text: str) -> list[Finding]:
        found = self.detector.scan(text)
        return [
            f
            for f in found
            if f.score >= self.min_score
            and self._wanted(f.type)
        ]

    def redact(self, messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], RedactionMap]:
        """New redacted messages and the map to restore the answer; the input is untouched."""
        new_messages, _params, mapping = self.redact_parts(messages, {})
        return new_messages, mapping

    def redact_request(self, request: ChatRequest) -> tuple[ChatRequest, RedactionMap]:
        """The request with every piece redacted (messages and every parameter: tools,
        schemas, metadata, unknown fields). ``raw_body`` is dropped when anything changed:
        the caller's original body must not be forwarded around the redaction."""
        messages, params, mapping = self.redact_parts(request.messages, request.params)
        if not len(mapping):
            return request, mapping
        return replace(request, messages=messages, params=params, raw_body=None), mapping

    def redact_parts(self, messages: list[dict[str, Any]], params: Mapping[str, Any]
                     ) -> tuple[list[dict[str, Any]], dict[str, Any], RedactionMap]:
        if not isinstance(messages, list):
            raise BadRequestError("messages must be a list", param="messages")
        for i, message in enumerate(messages):
            _check_readable(message, i)
        try:
            mapping = RedactionMap(_taken=frozenset(_existing_placeholders([messages, params])))
            scan = scan_request(messages, params, self.detector)
            spans = self._spans(scan)
            if not spans:
                return messages, dict(params), mapping

            def replace_piece(index: int, piece: Piece) -> str | None:
                todo = spans.get(index)
                return self._apply(piece.text, todo, mapping, 0) if todo else None

            new_messages, new_params = rewrite(messages, params, replace_piece)
        except TurnoutError:
            raise
        except Exception as exc:  # fail closed: nothing half-redacted ever leaves
            raise RedactionError(f"redaction failed: {type(exc).__name__}") from exc
        return new_messages, new_params, mapping

    def _wanted(self, entity_type: str) -> bool:
        # places, organisations and plain dates only when asked for (see _KEPT_BY_DEFAULT)
        return entity_type in self.types if self.types is not None else entity_type not in _KEPT_BY_DEFAULT

    def _spans(self, scan: RequestScan) -> dict[int, list[_Span]]:
        """Per piece, the spans to replace: sorted, overlaps merged (the first type wins),
        each with whether a finding in it was read decoded and where its plain findings are."""
        out: dict[int, list[_Span]] = {}
        for f in scan.findings:
            if f.score < self.min_score or not self._wanted(f.type):
                continue
            if f.end <= f.start:
                continue
            spans = out.setdefault(f.piece, [])
            decoded = f.how == "decoded"
            plain = () if decoded else ((f.start, f.end),)
            if spans and f.start < spans[-1][1]:
                s, e, kind, was_decoded, was_plain = spans[-1]
                spans[-1] = (s, max(e, f.end), kind, was_decoded or decoded, was_plain + plain)
            else:
                spans.append((f.start, f.end, f.type, decoded, plain))
        return out

    # -- secrets inside encoded forms --------------------------------------------------------

    def _apply(self, text: str, spans: list[_Span], mapping: RedactionMap, depth: int) -> str:
        """``text`` with each span replaced: by a placeholder, or, for a span whose finding was
        read decoded, by the same encoded form without the secret (see the module doc)."""
        out: list[str] = []
        pos = 0
        for start, end, kind, decoded, plain in spans:
            out.append(text[pos:start])
            new = None
            if decoded and depth < _MAX_ENCODED_DEPTH:
                local = [(s - start, e - start) for s, e in plain]
                new = self._redact_encoded(text[start:end], start == 0 and end == len(text), local, mapping, depth)
            out.append(new if new is not None else mapping.placeholder_for(kind, text[start:end]))
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def _redact_string(self, text: str, mapping: RedactionMap, depth: int) -> str:
        """One string redacted on its own (what an encoded run holds)."""
        spans = self._spans(scan_request([{"role": "user", "content": text}], None, self.detector)).get(0)
        return self._apply(text, spans, mapping, depth) if spans else text

    def _found_in(self, text: str) -> bool:
        scan = scan_request([{"role": "user", "content": text}], None, self.detector)
        return any(f.score >= self.min_score and self._wanted(f.type) for f in scan.findings)

    def _redact_encoded(self, run: str, whole: bool, plain: list[tuple[int, int]], mapping: RedactionMap,
                        depth: int) -> str | None:
        """``run`` (an encoded form a finding was read in) in the same form without the secret,
        or None when that cannot be done safely (the caller then replaces the whole run)."""
        new: str | None
        parts = split_data_url(run)
        if parts is not None and parts[1] and whole:  # a base64 data: URL payload: its text, redacted, encoded again
            payload = parts[2]
            text = decode_run(payload) if not plain else None
            if text is None or text[1] != "base64":
                return None
            redacted = self._redact_string(text[0], mapping, depth + 1)
            new = run[: len(run) - len(payload)] + _b64_like(redacted, payload) if redacted != text[0] else None
        elif parts is None and whole and not plain and (got := decode_run(run)) is not None:
            # the piece is a whole base64 / hex payload (file_data, a document's data, a blob)
            redacted = self._redact_string(got[0], mapping, depth + 1)
            if redacted == got[0]:
                return None
            if got[1] == "hex":
                new = encode_like(redacted, bytes.fromhex(run)).hex()
                new = new.upper() if run.isupper() else new
            else:
                new = _b64_like(redacted, run)
        else:  # encodings of one character at a time (or a base64 run inside text: None)
            new = self._redact_chars(run, plain, mapping)
        if new is None or new == run or self._found_in(new):
            return None
        return new

    def _redact_chars(self, run: str, plain: list[tuple[int, int]], mapping: RedactionMap) -> str | None:
        """URL-encoding, escapes, HTML references: the source characters that spell each secret
        become its placeholder. None when nothing is encoded or a plain finding is left."""
        decoded, origin = _char_decode(run)
        if decoded == run:
            return None
        spans = self._spans(scan_request([{"role": "user", "content": decoded}], None, self.detector)).get(0)
        if not spans:
            return None
        where: list[list[Any]] = []  # [source start, source end, type], merged
        for s, e, kind, _decoded, _plain in spans:
            ss, se = origin[s][0], origin[e - 1][1]
            if where and ss < where[-1][1]:
                where[-1][1] = max(where[-1][1], se)
            else:
                where.append([ss, se, kind])
        if any(not any(ss <= ps and pe <= se for ss, se, _k in where) for ps, pe in plain):
            return None
        out: list[str] = []
        pos = 0
        for ss, se, kind in where:
            out.append(run[pos:ss])
            out.append(mapping.placeholder_for(kind, run[ss:se]))
            pos = se
        out.append(run[pos:])
        return "".join(out)


_Span = tuple[int, int, str, bool, tuple[tuple[int, int], ...]]  # start, end, type, decoded, plain ranges
_MAX_ENCODED_DEPTH = 2  # as deep as the scan reads (base64 in base64 in a URL)
# one encoded character (a %XX run is one unit: its bytes make the characters together)
_UNIT = re.compile(r"(?:%[0-9A-Fa-f]{2})+|\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}"
                   r"|&#(?:[0-9]{1,7}|[xX][0-9A-Fa-f]{1,6});|&[A-Za-z]{2,24};")


def _char_decode(run: str) -> tuple[str, list[tuple[int, int]]]:
    """``run`` with its one-character encodings undone, and for each decoded character the
    source span it came from (a ``+`` is a space in a query string)."""
    plus = "+" in run and ("?" in run or "=" in run)
    chars: list[str] = []
    origin: list[tuple[int, int]] = []
    pos = 0
    for m in _UNIT.finditer(run):
        for k in range(pos, m.start()):
            chars.append(" " if plus and run[k] == "+" else run[k])
            origin.append((k, k + 1))
        unit = m.group()
        if unit[0] == "%":
            text = unquote(unit, errors="replace")
        elif unit[0] == "\\":
            text = chr(int(unit[2:], 16))
        else:
            text = html.unescape(unit)
        chars.append(text)
        origin.extend([(m.start(), m.end())] * len(text))
        pos = m.end()
    for k in range(pos, len(run)):
        chars.append(" " if plus and run[k] == "+" else run[k])
        origin.append((k, k + 1))
    return "".join(chars), origin


def _b64_like(text: str, like: str) -> str:
    """``text`` in base64 written as ``like`` is: its alphabet, no padding if it had none where
    some was due, and the bytes in the form ``like``'s were (gzip, UTF-16: :func:`encode_like`)."""
    original = b64(like)
    raw = encode_like(text, original) if original is not None else text.encode()
    urlsafe = "-" in like or "_" in like
    out = (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode()
    return out.rstrip("=") if len(like) % 4 and not like.endswith("=") else out


def _check_readable(message: Any, i: int) -> None:
    """Content redaction cannot read fails the request (closed) rather than passing it on."""
    if not isinstance(message, dict):
        raise BadRequestError(f"messages[{i}] must be an object", param="messages")
    content = message.get("content")
    if content is None or isinstance(content, str):
        return
    if not isinstance(content, list):
        raise BadRequestError(f"messages[{i}].content must be a string or a list", param="messages")
    for j, part in enumerate(content):
        if isinstance(part, str):
            continue
        if not isinstance(part, dict):
            raise BadRequestError(f"messages[{i}].content[{j}] is not a content part", param="messages")
        if part.get("type") in ("text", "input_text") and not isinstance(part.get("text"), str):
            raise BadRequestError(f"messages[{i}].content[{j}] text part has no string text", param="messages")


def _existing_placeholders(value: Any) -> Iterable[str]:
    """Placeholder-shaped strings already in the request: never reused, never restored."""
    if isinstance(value, str):
        if "[" in value:
            yield from _PLACEHOLDER.findall(value)
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _existing_placeholders(v)
    elif isinstance(value, list):
        for v in value:
            yield from _existing_placeholders(v)


def redact_messages(
    messages: list[dict[str, Any]],
    detector: Detector | None = None,
    *,
    types: Iterable[str] | None = None,
) -> tuple[list[dict[str, Any]], RedactionMap]:
    """Shortcut for ``Redactor(detector, types=types).redact(messages)``."""
    return Redactor(detector, types=types).redact(messages)

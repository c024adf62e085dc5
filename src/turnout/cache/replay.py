"""Streams and whole answers are one thing to the cache.

The cache stores a completed ``chat.completion``. A streamed answer is first assembled into one
(``completion_from_chunks``), and a cached answer is replayed to a streaming client as the
chunk sequence an OpenAI server would send (``replay_chunks``). So a streamed request's answer
serves a later non-stream request, and the other way round.

Reasoning survives both ways: ``reasoning_content`` (a reasoning model's text) and
``thinking_blocks`` (Claude's thinking with its signature, which a tool loop must send back)
are assembled from their deltas and replayed as the deltas the Anthropic translation emits:
a block's text, then its signature; a ``redacted_thinking`` block whole.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from turnout.types import (
    ChatCompletion,
    ChatCompletionChunk,
    make_chunk,
    make_completion,
    new_completion_id,
)

__all__ = ["completion_from_chunks", "replay_chunks"]


def completion_from_chunks(chunks: Iterable[dict[str, Any]]) -> ChatCompletion:
    """Assemble OpenAI stream chunks (choice 0) into one ``chat.completion``."""
    content: list[str] = []
    tool_calls: dict[int, dict[str, Any]] = {}
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    model = ""
    completion_id: str | None = None
    created: int | None = None
    saw_content = False
    reasoning: list[str] = []
    thinking = _ThinkingBlocks()
    for chunk in chunks:
        model = chunk.get("model") or model
        completion_id = completion_id or chunk.get("id")
        created = created or chunk.get("created")
        if chunk.get("usage"):
            usage = dict(chunk["usage"])
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if delta.get("content"):  # the role chunk's "" is no content (a tool-call answer has none)
                content.append(delta["content"])
                saw_content = True
            if delta.get("reasoning_content"):
                reasoning.append(delta["reasoning_content"])
            for block in delta.get("thinking_blocks") or ():
                thinking.add(block)
            for call in delta.get("tool_calls") or []:
                slot = tool_calls.setdefault(
                    int(call.get("index", 0)),
                    {"id": None, "type": "function", "function": {"name": "", "arguments": ""}},
                )
                if call.get("id"):
                    slot["id"] = call["id"]
                if call.get("type"):
                    slot["type"] = call["type"]
                function = call.get("function") or {}
                if function.get("name"):
                    slot["function"]["name"] += function["name"]
                if function.get("arguments"):
                    slot["function"]["arguments"] += function["arguments"]
            if choice.get("finish_reason"):
                finish_reason = choice["finish_reason"]
    usage = usage or {}
    extra = {k: v for k, v in usage.items() if k not in ("prompt_tokens", "completion_tokens", "total_tokens")}
    completion = make_completion(
        model=model,
        content="".join(content) if saw_content or not tool_calls else None,
        finish_reason=finish_reason,
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        tool_calls=[tool_calls[i] for i in sorted(tool_calls)] or None,
        completion_id=completion_id,
        created=created,
        usage_extra=extra or None,
    )
    message = completion["choices"][0]["message"]
    if thinking.blocks:
        message["thinking_blocks"] = thinking.blocks
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
    return completion


class _ThinkingBlocks:
    """Thinking deltas back into whole blocks: text pieces add up until the block's signature
    arrives; the next piece after a signature opens a new block."""

    def __init__(self) -> None:
        self.blocks: list[dict[str, Any]] = []
        self._open: dict[str, Any] | None = None

    def add(self, block: Any) -> None:
        if not isinstance(block, dict):
            return
        if block.get("type") != "thinking":
            self.blocks.append(dict(block))  # redacted_thinking: whole, opaque
            self._open = None
            return
        if self._open is None:
            self._open = {"type": "thinking", "thinking": ""}
            self.blocks.append(self._open)
        self._open["thinking"] += str(block.get("thinking") or "")
        if block.get("signature"):
            self._open["signature"] = block["signature"]
            self._open = None


def replay_chunks(
    response: dict[str, Any],
    *,
    include_usage: bool = False,
    chunk_chars: int | None = None,
    completion_id: str | None = None,
) -> list[ChatCompletionChunk]:
    """The chunk sequence for a stored completion: role, content, tool calls, finish, usage.

    ``chunk_chars`` splits the content into pieces of that size (None: one piece), for clients
    that render progressively; ``include_usage`` adds the final usage chunk that OpenAI sends
    when ``stream_options.include_usage`` is set.
    """
    completion_id = completion_id or new_completion_id()
    created = int(time.time())
    model = str(response.get("model", ""))
    choice = (response.get("choices") or [{}])[0]
    message = choice.get("message") or {}

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> ChatCompletionChunk:
        return make_chunk(completion_id=completion_id, model=model, created=created, delta=delta,
                          finish_reason=finish_reason)

    out = [chunk({"role": "assistant", "content": ""})]
    blocks = message.get("thinking_blocks")
    if isinstance(blocks, list) and blocks:
        out.extend(chunk(delta) for delta in _thinking_deltas(blocks))
    elif message.get("reasoning_content"):
        out.append(chunk({"reasoning_content": message["reasoning_content"]}))
    content = message.get("content")
    if content:
        step = chunk_chars or len(content)
        out.extend(chunk({"content": content[i : i + step]}) for i in range(0, len(content), step))
    for index, call in enumerate(message.get("tool_calls") or []):
        out.append(chunk({"tool_calls": [{"index": index, **call}]}))
    out.append(chunk({}, choice.get("finish_reason") or "stop"))
    if include_usage and response.get("usage") is not None:
        final = chunk({})
        final["choices"] = []
        final["usage"] = dict(response["usage"])
        out.append(final)
    return out


def _thinking_deltas(blocks: list[Any]) -> list[dict[str, Any]]:
    """Deltas for stored thinking blocks, as the Anthropic translation streams them."""
    deltas: list[dict[str, Any]] = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block.get("type") != "thinking":
            deltas.append({"thinking_blocks": [dict(block)]})
            continue
        text = str(block.get("thinking") or "")
        deltas.append({"reasoning_content": text, "thinking_blocks": [{"type": "thinking", "thinking": text}]})
        if block.get("signature"):
            deltas.append({"thinking_blocks": [{"type": "thinking", "thinking": "",
                                                "signature": block["signature"]}]})
    return deltas

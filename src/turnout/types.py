"""The shapes that cross every layer: request, response, stream chunk, labels.

A leaf module: it imports nothing of turnout's. Responses are OpenAI-shaped *dicts* so the
gateway can serialise them with no conversion, with attribute access on top so library users
can write ``response.choices[0].message.content`` as with the OpenAI SDK.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Sensitivity(StrEnum):
    """How private the request's data is. CONFIDENTIAL only ever goes to local models."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"

    rank: int  # 0, 1, 2 in the order above (set below: a plain attribute, read ~20 times a request)

    @classmethod
    def parse(cls, value: str | Sensitivity) -> Sensitivity:
        return _parse_enum(cls, value)


class Complexity(StrEnum):
    """How much reasoning the request needs: SIMPLE (FAQ) .. COMPLEX (reasoning, code)."""

    SIMPLE = "simple"
    MODERATE = "moderate"
    COMPLEX = "complex"

    rank: int  # 0, 1, 2 in the order above (set below)

    @classmethod
    def parse(cls, value: str | Complexity) -> Complexity:
        return _parse_enum(cls, value)


# A member attribute, not a property: a property call cost ~50 ns more a read (issue 17).
for _rank, _sensitivity in enumerate(Sensitivity):
    _sensitivity.rank = _rank
for _rank, _complexity in enumerate(Complexity):
    _complexity.rank = _rank
del _rank, _sensitivity, _complexity


def _parse_enum(cls: Any, value: Any) -> Any:
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        try:
            return cls(value.strip().lower())
        except ValueError:
            pass
    allowed = ", ".join(m.value for m in cls)
    raise ValueError(f"invalid {cls.__name__.lower()} {value!r}; expected one of: {allowed}")


class OpenAIObject(dict[str, Any]):
    """A dict with attribute access, recursively: ``obj.choices[0].message.content``.

    Stays a real dict so that JSON serialisation (orjson) and equality are free.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            value = self[name]
        except KeyError:
            if name.startswith("__"):
                raise AttributeError(name) from None
            return None  # like the SDK's optional fields: absent means None
        return _wrap(value)

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def model_dump(self) -> dict[str, Any]:
        """Plain-dict copy, named as in the OpenAI SDK (pydantic)."""
        return _unwrap(self)


def _wrap(value: Any) -> Any:
    if isinstance(value, dict) and not isinstance(value, OpenAIObject):
        return OpenAIObject(value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


class ChatCompletion(OpenAIObject):
    """An OpenAI ``chat.completion`` object (plus a ``turnout`` field with the route).

    The neutral response: every field it may hold (reasoning, thinking blocks with signatures,
    tool calls, refusal, cache and reasoning token counts...) is declared in
    ``turnout.answer.Completion``, with the finish-reason and usage mappings of every API.
    """

    __slots__ = ()


class ChatCompletionChunk(OpenAIObject):
    """An OpenAI ``chat.completion.chunk`` object: the neutral stream event, declared in
    ``turnout.answer.Chunk``."""

    __slots__ = ()


@dataclass(slots=True)
class ChatRequest:
    """The neutral request type: every front door translates into it, every provider out of it.

    ``messages`` are OpenAI-chat-shaped, as a superset: ``content`` is a string or a list of
    parts of any ``type`` (``text``, ``image_url``, ``input_audio``, ``file``,
    ``{"type": "thinking", "thinking": ..., "signature": ...}``,
    ``{"type": "redacted_thinking", "data": ...}``, and whatever a door needs), any part may carry
    ``cache_control``; tool calls are OpenAI ``tool_calls`` on assistant messages and tool results
    are role ``tool`` messages. ``params`` holds every other top-level field the caller sent,
    known or not (tools, response_format, metadata, unknown fields...), so privacy scanning,
    pricing and forwarding all see the same thing.

    ``origin`` names the front door the request came through ("openai.chat",
    "anthropic.messages", "openai.responses", "openai.completions"); ``raw_body`` is the caller's
    original body, kept for native pass-through to a provider that speaks the same wire format.
    """

    model: str
    messages: list[dict[str, Any]]
    params: dict[str, Any] = field(default_factory=dict)
    stream: bool = False
    origin: str = "openai.chat"
    raw_body: dict[str, Any] | None = None

    @property
    def max_tokens(self) -> int | None:
        value = self.params.get("max_completion_tokens")
        if value is None:
            value = self.params.get("max_tokens")
        return int(value) if value is not None else None

    def with_model(self, model: str) -> ChatRequest:
        return ChatRequest(
            model=model,
            messages=self.messages,
            params=self.params,
            stream=self.stream,
            origin=self.origin,
            raw_body=self.raw_body,
        )


@dataclass(slots=True)
class RouteHints:
    """What a caller may tell the router about a request (all optional)."""

    sensitivity: Sensitivity | None = None
    complexity: Complexity | None = None
    max_cost_usd: float | None = None
    max_latency_ms: float | None = None
    cache: str | None = None  # "no-store" | "no-cache" | None; max age via cache_max_age_s
    cache_max_age_s: float | None = None
    fallbacks: tuple[str, ...] = ()  # models the caller allows in place of a named model


def new_completion_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def make_completion(
    *,
    model: str,
    content: str | None,
    finish_reason: str | None = "stop",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    tool_calls: list[dict[str, Any]] | None = None,
    logprobs: dict[str, Any] | None = None,
    completion_id: str | None = None,
    created: int | None = None,
    usage_extra: Mapping[str, Any] | None = None,
) -> ChatCompletion:
    """Build an OpenAI-shaped ``chat.completion`` (used by every non-OpenAI translator)."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if usage_extra:
        usage.update(usage_extra)
    return ChatCompletion(
        id=completion_id or new_completion_id(),
        object="chat.completion",
        created=created or int(time.time()),
        model=model,
        choices=[
            {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": logprobs}
        ],
        usage=usage,
    )


def make_chunk(
    *,
    completion_id: str,
    model: str,
    created: int,
    delta: dict[str, Any],
    finish_reason: str | None = None,
    usage: Mapping[str, Any] | None = None,
    logprobs: dict[str, Any] | None = None,
) -> ChatCompletionChunk:
    chunk = ChatCompletionChunk(
        id=completion_id,
        object="chat.completion.chunk",
        created=created,
        model=model,
        choices=[{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": logprobs}],
    )
    if usage is not None:
        chunk["usage"] = usage
    return chunk


def message_text(message: dict[str, Any]) -> str:
    """The text of one chat message, whether ``content`` is a string or a list of parts."""
    content = message.get("content")
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return str(content)


def prompt_text(messages: list[dict[str, Any]]) -> str:
    """All message texts joined; what detectors and embeddings look at."""
    return "\n".join(message_text(m) for m in messages)

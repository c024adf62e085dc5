"""The small interface every provider implements: complete, stream, count tokens, capabilities.

A provider instance is bound to one model (a ``ModelInfo``: name, endpoint, key, prices), so
routing and fallback can treat "a model I can call" as one value.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from turnout import tokens
from turnout.catalog import ModelInfo
from turnout.types import ChatCompletion, ChatCompletionChunk, ChatRequest


@dataclass(frozen=True, slots=True)
class Capabilities:
    streaming: bool = True
    tools: bool = True
    logprobs: bool = False  # returns token logprobs (used for cascade confidence)
    json_mode: bool = True


class Provider(ABC):
    """One callable model. Subclasses translate; they never catch-and-hide errors."""

    kind: str = "abstract"
    capabilities: Capabilities = Capabilities()

    def __init__(self, info: ModelInfo) -> None:
        self.info = info

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def local(self) -> bool:
        return self.info.local

    @abstractmethod
    async def acomplete(self, request: ChatRequest, *, timeout: float | None = None) -> ChatCompletion:
        """One non-streaming completion, OpenAI-shaped, with ``usage`` filled in."""

    @abstractmethod
    def astream(
        self, request: ChatRequest, *, timeout: float | None = None
    ) -> AsyncIterator[ChatCompletionChunk]:
        """OpenAI-shaped chunks; the last one carries ``usage`` (as with include_usage)."""

    def count_tokens(self, messages: list[dict[str, Any]]) -> int:
        return tokens.count_messages(messages, self.info.name)

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release resources (HTTP sessions are shared and closed by the transport)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.info.name}>"


# The OpenAI parameters that pass through to providers (others are turnout's or unknown).
OPENAI_PARAMS = frozenset(
    {
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "max_tokens",
        "max_completion_tokens",
        "n",
        "presence_penalty",
        "response_format",
        "seed",
        "stop",
        "stream_options",
        "temperature",
        "top_p",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "user",
        "metadata",
        "store",
        "reasoning_effort",
        "modalities",
        "service_tier",
        "prediction",
        "audio",
    }
)

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

# The OpenAI chat-completions parameters turnout knows (validated, translated for providers of
# other wire formats). Unknown ones pass through unchanged to OpenAI-compatible providers.
OPENAI_PARAMS = frozenset(
    {
        "verbosity",
        "prompt_cache_key",
        "prompt_cache_retention",
        "safety_identifier",
        "web_search_options",
        "functions",
        "function_call",
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
    # The request parameters this provider's wire format can carry; None: all of them (an
    # OpenAI-compatible upstream gets every parameter as sent, known to turnout or not).
    # The others are dropped, and the gateway says so in ``X-Turnout-Dropped-Params``.
    # Translating providers narrow this to what they really translate.
    accepted_params: frozenset[str] | None = OPENAI_PARAMS

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

    def dropped_params(self, request: ChatRequest) -> list[str]:
        """The parameters of ``request`` this provider cannot send (sorted)."""
        accepted = self.accepted_params
        if accepted is None:
            return []
        return sorted(k for k in request.params if k not in accepted)

    def count_tokens(self, messages: list[dict[str, Any]]) -> int:
        return tokens.count_messages(messages, self.info.name)

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release resources (HTTP sessions are shared and closed by the transport)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.info.name}>"

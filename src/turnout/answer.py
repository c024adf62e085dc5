"""The neutral answer: every field a provider may hand back and a front door may send on.

Answers travel as OpenAI-chat-shaped dicts (``types.ChatCompletion``, ``types.ChatCompletionChunk``)
so that the chat door serialises an OpenAI-compatible upstream's answer with no conversion. This
module declares the superset those dicts carry (TypedDicts: for readers and mypy; nothing checks
them at run time, so the hot path pays nothing) and holds the mappings every translator shares,
so each lives in one place:

- finish reasons from each API (``finish_from``) and back to each door (``anthropic_stop_reason``,
  ``responses_status``);
- usage from each API's counts (``usage``, ``usage_from_anthropic``, ``usage_from_gemini``,
  ``usage_from_responses``), read back by the doors (``UsageCounts.of``) into theirs
  (``usage_to_anthropic``, ``usage_to_responses``).

Fields beyond OpenAI's own (``reasoning_content``, ``thinking_blocks``, ``stop_sequence``,
``cache_creation_input_tokens``, ``estimated``, ``response_event``, ``turnout``) are the ones a
door needs to rebuild its own format; an OpenAI SDK client sees them as extra fields.

A leaf module: it imports nothing of turnout's.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple, TypedDict

# -- the shapes ---------------------------------------------------------------------------------

FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "function_call"]


class ThinkingBlock(TypedDict, total=False):
    """Claude's thinking, kept whole so a tool loop can send it back (the signature is checked)."""

    type: Literal["thinking"]
    thinking: str
    signature: str  # opaque; in a stream it arrives as a block of its own with empty thinking


class RedactedThinkingBlock(TypedDict):
    type: Literal["redacted_thinking"]
    data: str  # encrypted; carried, never read


class FunctionCall(TypedDict):
    name: str
    arguments: str  # JSON text, as the model wrote it (possibly broken)


class ToolCall(TypedDict):
    id: str
    type: Literal["function"]
    function: FunctionCall


class ToolCallDelta(TypedDict, total=False):
    """A piece of a streamed tool call: the first names ``id`` and ``function.name``, the rest
    add ``function.arguments``; ``index`` says which call."""

    index: int
    id: str
    type: Literal["function"]
    function: dict[str, str]


class PromptTokensDetails(TypedDict, total=False):
    cached_tokens: int  # prompt tokens read from the provider's prompt cache (part of prompt_tokens)
    audio_tokens: int


class CompletionTokensDetails(TypedDict, total=False):
    reasoning_tokens: int  # hidden reasoning / thinking (part of completion_tokens)
    audio_tokens: int
    accepted_prediction_tokens: int
    rejected_prediction_tokens: int


class Usage(TypedDict, total=False):
    """OpenAI's usage: ``prompt_tokens`` includes cache reads and writes, ``completion_tokens``
    includes reasoning. A details field is present only when the API reports that count."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: PromptTokensDetails
    completion_tokens_details: CompletionTokensDetails
    cache_creation_input_tokens: int  # prompt tokens written to the cache (Anthropic; priced apart)
    estimated: bool  # counted by turnout, not reported by the backend


class AssistantMessage(TypedDict, total=False):
    role: Literal["assistant"]
    content: str | None  # None when the answer is only tool calls
    refusal: str | None  # OpenAI: the model declined (structured outputs)
    reasoning_content: str  # reasoning text: Claude's thinking, Gemini's thoughts, a summary
    thinking_blocks: list[ThinkingBlock | RedactedThinkingBlock]  # Claude's, with signatures
    tool_calls: list[ToolCall]
    annotations: list[dict[str, Any]]


class Choice(TypedDict, total=False):
    index: int
    message: AssistantMessage
    finish_reason: FinishReason
    logprobs: dict[str, Any] | None
    stop_sequence: str  # which stop sequence ended the answer, when the API says (Anthropic)


class Completion(TypedDict, total=False):
    """What ``types.ChatCompletion`` holds."""

    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    system_fingerprint: str | None
    service_tier: str | None
    turnout: dict[str, Any]  # the route (model, cost, cache), added by the gateway


class Delta(TypedDict, total=False):
    role: Literal["assistant"]
    content: str
    refusal: str
    reasoning_content: str
    # Anthropic streams: a thinking piece (``thinking``), then its ``signature`` alone; a
    # redacted block whole. Joined in order they give the non-streamed blocks.
    thinking_blocks: list[ThinkingBlock | RedactedThinkingBlock]
    tool_calls: list[ToolCallDelta]


class ChunkChoice(TypedDict, total=False):
    index: int
    delta: Delta
    finish_reason: FinishReason | None  # set once, on the choice's last chunk
    logprobs: dict[str, Any] | None
    stop_sequence: str


class Chunk(TypedDict, total=False):
    """What ``types.ChatCompletionChunk`` holds: one stream event. Usage comes once, on the last
    chunk (after the finish reason, or with it)."""

    id: str
    object: Literal["chat.completion.chunk"]
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None
    response_event: dict[str, Any]  # a Responses-API upstream's own event, passed on as sent
    turnout: dict[str, Any]


# -- finish reasons -----------------------------------------------------------------------------

# Each API's own reason -> ours. A reason missing from a map is "stop".
FINISH_FROM: dict[str, dict[str, FinishReason]] = {
    "anthropic": {  # stop_reason
        "end_turn": "stop", "stop_sequence": "stop", "pause_turn": "stop", "max_tokens": "length",
        "model_context_window_exceeded": "length", "tool_use": "tool_calls", "refusal": "content_filter",
    },
    "gemini": {  # candidate finishReason
        "STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter", "RECITATION": "content_filter",
        "BLOCKLIST": "content_filter", "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter",
        "IMAGE_SAFETY": "content_filter",
    },
    "responses": {  # incomplete_details.reason (a completed response is "stop")
        "max_output_tokens": "length", "content_filter": "content_filter",
    },
    "ollama": {"stop": "stop", "length": "length"},  # done_reason
    "llama.cpp": {"stop": "stop", "length": "length", "stop_string": "stop"},
}


def finish_from(api: str, reason: str | None, has_tool_calls: bool = False) -> FinishReason:
    """``api``'s reason as ours; an ordinary stop with tool calls is ``tool_calls``, as OpenAI
    clients expect (Gemini and Ollama say STOP / stop there)."""
    finish: FinishReason = FINISH_FROM[api].get(reason, "stop") if reason else "stop"
    return "tool_calls" if finish == "stop" and has_tool_calls else finish


_ANTHROPIC_STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use",
                   "function_call": "tool_use", "content_filter": "refusal"}


def anthropic_stop_reason(finish: str | None, stop_sequence: str | None = None) -> str:
    """Ours -> Anthropic's ``stop_reason`` (``stop_sequence`` when the API said which one)."""
    if finish == "stop" and stop_sequence:
        return "stop_sequence"
    return _ANTHROPIC_STOP.get(finish or "stop", "end_turn")


_RESPONSES_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def responses_status(finish: str | None) -> tuple[str, dict[str, str] | None]:
    """Ours -> a Responses object's ``status`` and ``incomplete_details``."""
    reason = _RESPONSES_INCOMPLETE.get(finish or "stop")
    return ("incomplete", {"reason": reason}) if reason else ("completed", None)


# -- usage --------------------------------------------------------------------------------------


def usage(prompt: int, completion: int, *, cached: int | None = None, cache_write: int = 0,
          reasoning: int | None = None, estimated: bool = False) -> Usage:
    """OpenAI usage from counts. ``prompt`` includes cache reads and writes, ``completion``
    includes reasoning; ``cached`` / ``reasoning`` of None: the API does not report them."""
    out: Usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    if cached is not None:
        out["prompt_tokens_details"] = {"cached_tokens": cached}
    if reasoning is not None:
        out["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    if cache_write:
        out["cache_creation_input_tokens"] = cache_write
    if estimated:
        out["estimated"] = True
    return out


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _detail(usage: Any, field: str, key: str) -> int:
    details = usage.get(field)
    return _int(details.get(key)) if isinstance(details, dict) else 0


class UsageCounts(NamedTuple):
    """The counts a usage dict holds, whatever is missing in it (then 0)."""

    prompt: int  # all input, cache reads and writes included
    completion: int  # all output, reasoning included
    cached: int  # cache reads
    cache_write: int
    reasoning: int

    @classmethod
    def of(cls, usage: Any) -> UsageCounts:
        if not isinstance(usage, dict):
            return cls(0, 0, 0, 0, 0)
        prompt_details = usage.get("prompt_tokens_details")
        completion_details = usage.get("completion_tokens_details")
        raw = (usage.get("prompt_tokens"), usage.get("completion_tokens"),
               prompt_details.get("cached_tokens") if isinstance(prompt_details, dict) else 0,
               usage.get("cache_creation_input_tokens"),
               completion_details.get("reasoning_tokens") if isinstance(completion_details, dict) else 0)
        # Every answer's usage passes here: plain ints (what providers send) are taken as they
        # are, without a call each (half the cost; issue 17); anything else goes through _int.
        return cls._make([v if v.__class__ is int else _int(v) for v in raw])


def usage_from_anthropic(raw: Any) -> Usage:
    """Anthropic counts cache reads and writes apart from ``input_tokens``; reasoning tokens are
    not reported (they are in ``output_tokens``)."""
    raw = raw if isinstance(raw, dict) else {}
    cached = _int(raw.get("cache_read_input_tokens"))
    written = _int(raw.get("cache_creation_input_tokens"))
    return usage(_int(raw.get("input_tokens")) + cached + written, _int(raw.get("output_tokens")),
                 cached=cached, cache_write=written)


def usage_to_anthropic(neutral: Any) -> dict[str, int]:
    counts = UsageCounts.of(neutral)
    return {"input_tokens": max(0, counts.prompt - counts.cached - counts.cache_write),
            "output_tokens": counts.completion,
            "cache_creation_input_tokens": counts.cache_write, "cache_read_input_tokens": counts.cached}


def usage_from_gemini(meta: Any) -> Usage:
    """Gemini counts thoughts apart from ``candidatesTokenCount``; both are billed as output."""
    meta = meta if isinstance(meta, dict) else {}
    thoughts = _int(meta.get("thoughtsTokenCount"))
    return usage(_int(meta.get("promptTokenCount")), _int(meta.get("candidatesTokenCount")) + thoughts,
                 cached=_int(meta.get("cachedContentTokenCount")), reasoning=thoughts or None)


def usage_from_responses(raw: Any) -> Usage:
    raw = raw if isinstance(raw, dict) else {}
    return usage(_int(raw.get("input_tokens")), _int(raw.get("output_tokens")),
                 cached=_detail(raw, "input_tokens_details", "cached_tokens"),
                 reasoning=_detail(raw, "output_tokens_details", "reasoning_tokens"))


def usage_to_responses(neutral: Any) -> dict[str, Any]:
    """Responses usage has no field for cache writes: they stay inside ``input_tokens``."""
    counts = UsageCounts.of(neutral)
    return {"input_tokens": counts.prompt, "input_tokens_details": {"cached_tokens": counts.cached},
            "output_tokens": counts.completion, "output_tokens_details": {"reasoning_tokens": counts.reasoning},
            "total_tokens": counts.prompt + counts.completion}


def sum_usage(usages: Any) -> Usage:
    """Several answers' usage as one (the legacy completions door answers prompts apart)."""
    counts = [UsageCounts.of(u) for u in usages]
    return usage(sum(c.prompt for c in counts), sum(c.completion for c in counts),
                 cached=sum(c.cached for c in counts), cache_write=sum(c.cache_write for c in counts),
                 reasoning=sum(c.reasoning for c in counts))

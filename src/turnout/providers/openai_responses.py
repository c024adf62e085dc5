"""OpenAI's Responses API spoken natively: the caller's ``/v1/responses`` body goes to the
upstream's ``/v1/responses`` as sent, and its answer comes back as sent. Pure: no I/O.

The gateway still needs an OpenAI-shaped answer (usage for the ledger and budgets, text for the
cache and estimates), so the upstream's response object becomes a ``chat.completion``
(:func:`to_completion`) that carries the untouched object in ``native``, and each stream event
becomes one chunk (:class:`EventTranslator`) that carries the untouched event under
``EVENT_KEY``; the Responses door sends those on as they are. Nothing is lost: reasoning items
with their ``encrypted_content``, built-in tool calls, annotations, fields added later.

The ``native`` attribute is not a dict key on purpose: the cache stores the completion's keys,
and an answer replayed later (perhaps to the chat door) must not carry another API's object.
"""

from __future__ import annotations

import time
from typing import Any

from turnout.answer import FINISH_FROM, Usage, finish_from, usage_from_responses
from turnout.errors import ProviderError, TurnoutError, error_from_status
from turnout.types import ChatCompletion, ChatCompletionChunk, make_chunk, make_completion

PROVIDER = "openai"
ORIGIN = "openai.responses"  # the front door whose bodies go upstream unchanged
EVENT_KEY = "response_event"  # a chunk's upstream event, for the Responses door to pass on



class NativeCompletion(ChatCompletion):
    """A ``chat.completion`` translated from a Responses answer, holding that answer unchanged."""

    __slots__ = ("native",)

    def __init__(self, completion: dict[str, Any], native: dict[str, Any]) -> None:
        super().__init__(completion)
        object.__setattr__(self, "native", native)  # OpenAIObject maps attributes to keys


def native_of(completion: Any) -> dict[str, Any] | None:
    """The upstream's own response object behind ``completion`` (None: a translated answer)."""
    return completion.native if isinstance(completion, NativeCompletion) else None


def request_body(native: dict[str, Any], wire_model: str, *, stream: bool) -> dict[str, Any]:
    """What goes upstream: the caller's body, with only the model (and ``stream``) ours to set."""
    body = dict(native)
    body["model"] = wire_model
    if stream:
        body["stream"] = True
    else:
        body.pop("stream", None)
        body.pop("stream_options", None)
    return body


chat_usage = usage_from_responses  # Responses usage -> chat usage (pricing, ledger, budgets)


def _finish(response: dict[str, Any], has_calls: bool) -> str:
    if response.get("status") == "incomplete":  # an unknown reason still cut the answer short
        reason = str((response.get("incomplete_details") or {}).get("reason"))
        return FINISH_FROM["responses"].get(reason, "length")
    return finish_from("responses", None, has_calls)


def failure(response: dict[str, Any], model: str) -> TurnoutError:
    """A ``failed`` response (or an ``error`` stream event) as the error it reports."""
    error = response.get("error")
    err: dict[str, Any] = error if isinstance(error, dict) else response
    code = err.get("code") or err.get("type")
    status = 429 if code == "rate_limit_exceeded" else 400 if code == "invalid_prompt" else 500
    return error_from_status(status, str(err.get("message") or "the upstream response failed"), provider=PROVIDER,
                             model=model, raw=response, code=str(code) if code else None)


def to_completion(response: dict[str, Any], model: str) -> NativeCompletion:
    output = response.get("output")
    if not isinstance(output, list):
        if response.get("status") == "failed" or "error" in response:
            raise failure(response, model)
        raise ProviderError(f"{model}: response has no output", provider=PROVIDER, model=model, raw=response)
    if response.get("status") == "failed":
        raise failure(response, model)
    text: list[str] = []
    reasoning: list[str] = []
    calls: list[dict[str, Any]] = []
    for item in output:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "message":
            text.extend(str(p.get("text") or p.get("refusal") or "") for p in item.get("content") or ()
                        if isinstance(p, dict))
        elif kind == "function_call":
            calls.append({"id": item.get("call_id"), "type": "function",
                          "function": {"name": item.get("name") or "", "arguments": item.get("arguments") or ""}})
        elif kind == "reasoning":
            reasoning.extend(str(s.get("text") or "") for s in item.get("summary") or () if isinstance(s, dict))
    usage = chat_usage(response.get("usage"))
    completion = make_completion(
        model=str(response.get("model") or model),
        content="".join(text) if text or not calls else None,
        finish_reason=_finish(response, bool(calls)),
        prompt_tokens=usage["prompt_tokens"], completion_tokens=usage["completion_tokens"],
        tool_calls=calls or None, completion_id=response.get("id"),
        created=int(response.get("created_at") or time.time()),
        usage_extra={k: v for k, v in usage.items() if k.endswith("_details")},
    )
    if reasoning:
        completion["choices"][0]["message"]["reasoning_content"] = "".join(reasoning)
    return NativeCompletion(completion, response)


class EventTranslator:
    """Responses stream events -> chunks, one chunk per event (no I/O).

    Every chunk carries its event under ``EVENT_KEY``; events that generate text, reasoning or
    tool-call arguments also carry them as chat deltas, and the terminal event carries the
    finish reason and usage, so the gateway accounts, caches and estimates as for any stream.
    """

    def __init__(self, model: str, name: str) -> None:
        self.model = model
        self.name = name
        self.id = "resp"
        self.created = int(time.time())
        self.finished = False
        self._calls: dict[int, int] = {}  # output_index -> tool_calls index

    def feed(self, event: str | None, data: Any) -> ChatCompletionChunk | None:
        if data == "[DONE]":
            return None
        if not isinstance(data, dict):
            raise ProviderError(f"{self.name}: malformed stream event {str(data)[:200]!r}",
                                provider=PROVIDER, model=self.name, raw=data)
        kind = data.get("type") or event
        delta: dict[str, Any] = {}
        finish: str | None = None
        usage: Usage | None = None
        if kind == "error":
            raise failure(data, self.name)
        if kind in ("response.created", "response.in_progress"):
            response = data.get("response") or {}
            self.id = str(response.get("id") or self.id)
            self.model = str(response.get("model") or self.model)
        elif kind == "response.output_text.delta":
            delta["content"] = str(data.get("delta") or "")
        elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            delta["reasoning_content"] = str(data.get("delta") or "")
        elif kind == "response.output_item.added":
            item = data.get("item") or {}
            if item.get("type") == "function_call":
                index = self._calls[int(data.get("output_index") or 0)] = len(self._calls)
                delta["tool_calls"] = [{"index": index, "id": item.get("call_id"), "type": "function",
                                        "function": {"name": item.get("name") or "",
                                                     "arguments": item.get("arguments") or ""}}]
        elif kind == "response.function_call_arguments.delta":
            index = self._calls.get(int(data.get("output_index") or 0), 0)
            delta["tool_calls"] = [{"index": index, "function": {"arguments": str(data.get("delta") or "")}}]
        elif kind in ("response.completed", "response.incomplete"):
            response = data.get("response") or {}
            self.finished = True
            finish = _finish(response, bool(self._calls))
            usage = chat_usage(response.get("usage"))
        elif kind == "response.failed":
            raise failure(data.get("response") or {}, self.name)
        chunk = make_chunk(completion_id=self.id, model=self.model, created=self.created, delta=delta,
                           finish_reason=finish, usage=usage)
        chunk[EVENT_KEY] = data
        return chunk

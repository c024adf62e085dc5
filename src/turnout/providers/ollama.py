"""Ollama's native chat API (``POST /api/chat``) <-> OpenAI chat completions.

The native API rather than Ollama's /v1 shim because it reports token counts on every answer
(``prompt_eval_count`` / ``eval_count``) and takes per-request ``options`` (``num_ctx`` and the
like, passed from ``ModelInfo.extra["options"]``). Streams are NDJSON: one object per line,
the last with ``done: true`` and the counts.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any, cast

from turnout import tokens
from turnout.answer import finish_from
from turnout.dataurl import part_text
from turnout.errors import ProviderError, TurnoutError, error_from_status
from turnout.providers import transport
from turnout.providers.base import Capabilities, Provider
from turnout.settings import env
from turnout.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    make_chunk,
    make_completion,
    message_text,
    new_completion_id,
)

PROVIDER = "ollama"
DEFAULT_BASE = "http://localhost:11434"

# OpenAI parameter -> Ollama ``options`` key (max_tokens is handled apart: two OpenAI names).
_OPTIONS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "seed": "seed",
    "stop": "stop",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
}


class OllamaProvider(Provider):
    kind = PROVIDER
    capabilities = Capabilities(logprobs=False)
    # what ``to_ollama`` carries (stream_options: usage comes with every answer anyway); the rest
    # (n, tool_choice, logprobs, user, verbosity...) is named in X-Turnout-Dropped-Params
    accepted_params = frozenset({*_OPTIONS, "max_tokens", "max_completion_tokens", "response_format", "tools",
                                 "stream_options"})

    async def acomplete(self, request: ChatRequest, *, timeout: float | None = None) -> ChatCompletion:
        url, headers = self._endpoint()
        body = await transport.post_json(
            url, to_ollama(request, self.info.wire_model, self.info.extra, stream=False),
            headers=headers, provider=PROVIDER, model=self.name, timeout=timeout,
        )
        if "error" in body:
            raise _error(body, self.name)
        return from_ollama(body, request, self.name)

    async def astream(
        self, request: ChatRequest, *, timeout: float | None = None
    ) -> AsyncIterator[ChatCompletionChunk]:
        url, headers = self._endpoint()
        lines = transport.stream_ndjson(
            url, to_ollama(request, self.info.wire_model, self.info.extra, stream=True),
            headers=headers, provider=PROVIDER, model=self.name, timeout=timeout,
        )
        completion_id, created = new_completion_id(), int(time.time())
        model, tool_index = self.info.wire_model, 0
        first = True
        texts: list[str] = []
        async with aclosing(cast(AsyncGenerator[Any, None], lines)):
            async for line in lines:
                if not isinstance(line, dict):
                    raise ProviderError(f"{self.name}: malformed stream line {str(line)[:200]!r}",
                                        provider=PROVIDER, model=self.name, raw=line)
                if "error" in line:
                    raise _error(line, self.name)
                model = line.get("model") or model
                message = line.get("message") or {}
                delta: dict[str, Any] = {"role": "assistant"} if first else {}
                if message.get("thinking"):  # think: true (reasoning models)
                    delta["reasoning_content"] = message["thinking"]
                if message.get("content") or first:
                    delta["content"] = message.get("content") or ""
                    texts.append(delta["content"])
                calls = _tool_calls(message.get("tool_calls"))
                if calls:
                    delta["tool_calls"] = [{"index": tool_index + i, **c} for i, c in enumerate(calls)]
                    tool_index += len(calls)
                if delta:
                    yield make_chunk(completion_id=completion_id, model=model, created=created, delta=delta)
                    first = False
                if line.get("done"):
                    finish = finish_from("ollama", line.get("done_reason"), tool_index > 0)
                    yield make_chunk(completion_id=completion_id, model=model, created=created,
                                     delta={}, finish_reason=finish, usage=_usage(line, request, self.name, "".join(texts)))
                    return
        raise ProviderError(f"{self.name}: the stream ended before done", provider=PROVIDER,
                            model=self.name)

    def _endpoint(self) -> tuple[str, dict[str, str]]:
        base = (self.info.api_base or env("OLLAMA_BASE_URL") or DEFAULT_BASE).rstrip("/")
        headers = {}
        if self.info.api_key:  # Ollama needs none; a proxy in front of it may
            headers["authorization"] = f"Bearer {self.info.api_key}"
        return base + "/api/chat", headers


def to_ollama(request: ChatRequest, model: str, extra: dict[str, Any], *, stream: bool) -> dict[str, Any]:
    params = request.params
    options: dict[str, Any] = dict(extra.get("options") or {})
    for name, option in _OPTIONS.items():
        if params.get(name) is not None:
            options[option] = params[name]
    if isinstance(options.get("stop"), str):
        options["stop"] = [options["stop"]]
    if request.max_tokens is not None:
        options["num_predict"] = request.max_tokens
    body: dict[str, Any] = {"model": model, "messages": [_message(m) for m in request.messages],
                            "stream": stream}
    if options:
        body["options"] = options
    response_format = params.get("response_format") or {}
    if response_format.get("type") == "json_object":
        body["format"] = "json"
    elif response_format.get("type") == "json_schema":
        body["format"] = (response_format.get("json_schema") or {}).get("schema", "json")
    if params.get("tools"):
        body["tools"] = params["tools"]  # Ollama takes OpenAI's tool format as is
    if extra.get("keep_alive") is not None:
        body["keep_alive"] = extra["keep_alive"]
    return body


def _message(message: dict[str, Any]) -> dict[str, Any]:
    role = "system" if message.get("role") == "developer" else message.get("role")
    content = message.get("content")
    text = ("\n".join(t for p in content if (t := part_text(p)) is not None) if isinstance(content, list)
            else message_text(message))  # a list: text parts, text files and text documents
    out: dict[str, Any] = {"role": role, "content": text}
    if isinstance(content, list):
        images = [_image_data(p["image_url"]) for p in content
                  if isinstance(p, dict) and p.get("type") == "image_url"]
        if images:
            out["images"] = images
    if message.get("tool_calls"):
        out["tool_calls"] = [
            {"function": {"name": c["function"]["name"], "arguments": _arguments(c["function"].get("arguments"))}}
            for c in message["tool_calls"]
        ]
    if role == "tool" and message.get("name"):
        out["tool_name"] = message["name"]
    return out


def _image_data(image_url: Any) -> str:
    """Ollama takes bare base64 images; a data URL is unwrapped, anything else sent as given."""
    url = image_url["url"] if isinstance(image_url, dict) else str(image_url)
    return url.partition(",")[2] if url.startswith("data:") else url


def _arguments(arguments: Any) -> Any:
    if isinstance(arguments, str):
        try:
            return json.loads(arguments or "{}")
        except ValueError:
            return arguments
    return arguments or {}


def _tool_calls(calls: Any) -> list[dict[str, Any]]:
    return [
        {"id": c.get("id") or "call_" + uuid.uuid4().hex[:24], "type": "function",
         "function": {"name": c["function"]["name"],
                      "arguments": json.dumps(c["function"].get("arguments") or {})}}
        for c in calls or ()
    ]


def _usage(body: dict[str, Any], request: ChatRequest, name: str, text: str | None = None) -> dict[str, Any]:
    """Counts from Ollama; older versions omit ``prompt_eval_count`` when the prompt was
    cached, so that part is estimated (and marked so)."""
    prompt = body.get("prompt_eval_count")
    completion = body.get("eval_count")
    usage: dict[str, Any] = {}
    if prompt is None:
        prompt, usage["estimated"] = tokens.count_messages(request.messages, name), True
    if completion is None:
        completion, usage["estimated"] = tokens.count_text(text or "", name), True
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion, **usage}


def from_ollama(body: dict[str, Any], request: ChatRequest, name: str) -> ChatCompletion:
    message = body.get("message")
    if not isinstance(message, dict):
        raise ProviderError("Ollama response has no message", provider=PROVIDER, model=name, raw=body)
    tool_calls = _tool_calls(message.get("tool_calls"))
    content = message.get("content") or ""
    usage = _usage(body, request, name, content)
    completion = make_completion(
        model=body.get("model") or name,
        content=content if content or not tool_calls else None,
        finish_reason=finish_from("ollama", body.get("done_reason"), bool(tool_calls)),
        prompt_tokens=usage.pop("prompt_tokens"),
        completion_tokens=usage.pop("completion_tokens"),
        tool_calls=tool_calls or None,
        usage_extra={k: v for k, v in usage.items() if k != "total_tokens"},
    )
    if message.get("thinking"):  # think: true (reasoning models)
        completion["choices"][0]["message"]["reasoning_content"] = message["thinking"]
    return completion


def _error(body: dict[str, Any], name: str) -> TurnoutError:
    """An ``{"error": ...}`` object inside a 200 answer or a stream: no status, so a 500."""
    return error_from_status(500, str(body.get("error")), provider=PROVIDER, model=name, raw=body)

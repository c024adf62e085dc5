"""Anthropic's Messages API <-> OpenAI chat completions.

Requests: system messages become the top-level ``system``; consecutive messages of one role
merge (Anthropic wants user/assistant turns to alternate); tool calls and tool results become
``tool_use`` / ``tool_result`` blocks; ``max_tokens`` is required. Responses and the SSE event
stream come back as OpenAI completions and chunks, usage included; thinking comes back as
``reasoning_content`` and ``thinking_blocks`` (signatures kept, so a tool loop can send them back).

A request that came through the Messages front door (``/v1/messages``) is forwarded natively:
the caller's body with only ``model`` changed, and its ``anthropic-version`` / ``anthropic-beta``
headers (see ``providers/native.py`` for when that is allowed).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from typing import Any, cast
from urllib.parse import urlsplit

from turnout.answer import FINISH_FROM, finish_from, usage_from_anthropic
from turnout.catalog import ModelInfo
from turnout.errors import (
    AuthenticationError,
    BadRequestError,
    ProviderError,
    TurnoutError,
    error_from_status,
)
from turnout.providers import transport
from turnout.providers.base import Capabilities, Provider
from turnout.providers.native import native_body, protocol_headers
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

PROVIDER = "anthropic"
ORIGIN = "anthropic.messages"  # the front door whose bodies this provider takes unchanged
DEFAULT_BASE = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
_OFFICIAL_HOST = "api.anthropic.com"

# OpenAI parameter -> (Anthropic field, conversion). max_tokens, tools and tool_choice are
# handled apart; the rest (n, seed, logprobs, penalties, response_format) Anthropic lacks.
_PARAMS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    # Anthropic's range is 0..1, OpenAI's 0..2: clamp, so a request written for OpenAI can
    # still fall back to Claude instead of failing with a 400.
    "temperature": ("temperature", lambda t: min(float(t), 1.0)),
    "top_p": ("top_p", float),
    "stop": ("stop_sequences", lambda s: [s] if isinstance(s, str) else list(s)),
    "user": ("metadata", lambda user: {"user_id": str(user)}),
    # Anthropic's own parameters, as the Messages door (or a LiteLLM-style caller) sends them.
    "top_k": ("top_k", int),
    "thinking": ("thinking", dict),
}
# What /v1/messages/count_tokens takes.
_COUNT_FIELDS = frozenset({"model", "messages", "system", "tools", "tool_choice", "thinking", "mcp_servers"})
# Forwarded from the caller to Anthropic on a native pass-through (other headers are ours).
FORWARDED_HEADERS = ("anthropic-version", "anthropic-beta")

FINISH_REASONS = FINISH_FROM["anthropic"]  # stop_reason -> ours (turnout/answer.py)

# The ``error.type`` of an SSE error event -> the HTTP status Anthropic uses for it.
ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


class AnthropicProvider(Provider):
    kind = PROVIDER
    capabilities = Capabilities(logprobs=False, json_mode=False)
    # what ``to_anthropic`` carries; the rest (n, seed, response_format, penalties, verbosity,
    # service_tier...) is named in X-Turnout-Dropped-Params
    accepted_params = frozenset({*_PARAMS, "max_tokens", "max_completion_tokens", "tools", "tool_choice",
                                 "parallel_tool_calls", "stream_options"})

    async def acomplete(self, request: ChatRequest, *, timeout: float | None = None) -> ChatCompletion:
        url, headers = self._endpoint(request)
        body = await transport.post_json(
            url, self._body(request), headers=headers, provider=PROVIDER,
            model=self.name, timeout=timeout,
        )
        return from_anthropic(body, self.info.wire_model)

    async def acount_tokens(self, request: ChatRequest, *, timeout: float | None = 30.0) -> int:
        """Anthropic's own count (``/v1/messages/count_tokens``; free, no generation)."""
        url, headers = self._endpoint(request)
        body = {k: v for k, v in self._body(request).items() if k in _COUNT_FIELDS}
        data = await transport.post_json(url + "/count_tokens", body, headers=headers, provider=PROVIDER,
                                         model=self.name, timeout=timeout)
        count = data.get("input_tokens")
        if not isinstance(count, int):
            raise ProviderError(f"{self.name}: count_tokens answered without input_tokens",
                                provider=PROVIDER, model=self.name, raw=data)
        return count

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        native = native_body(request, ORIGIN)
        if native is not None:  # the caller's own body: only the model is ours to set
            body = dict(native)
            body["model"] = self.info.wire_model
            body.pop("stream", None)
            return body
        return to_anthropic(request, self.info)

    async def astream(
        self, request: ChatRequest, *, timeout: float | None = None
    ) -> AsyncIterator[ChatCompletionChunk]:
        url, headers = self._endpoint(request)
        events = transport.stream_sse(
            url, {**self._body(request), "stream": True}, headers=headers,
            provider=PROVIDER, model=self.name, timeout=timeout,
        )
        state = StreamTranslator(self.info.wire_model, self.name)
        async with aclosing(cast(AsyncGenerator[Any, None], events)):
            async for event, data in events:
                for chunk in state.feed(event, data):
                    yield chunk
                if state.finished:
                    return
        raise ProviderError(f"{self.name}: the stream ended before message_stop",
                            provider=PROVIDER, model=self.name)

    def _endpoint(self, request: ChatRequest | None = None) -> tuple[str, dict[str, str]]:
        base = (self.info.api_base or env("ANTHROPIC_BASE_URL") or DEFAULT_BASE).rstrip("/")
        key = self.info.api_key or env("ANTHROPIC_API_KEY")
        headers = {"anthropic-version": API_VERSION}
        if request is not None:
            caller = protocol_headers(request)
            headers.update({h: caller[h] for h in FORWARDED_HEADERS if caller.get(h)})
        if key:
            headers["x-api-key"] = key
        elif urlsplit(base).hostname == _OFFICIAL_HOST:  # a self-hosted proxy may need none
            raise AuthenticationError(
                f"no Anthropic API key for {self.name}: set ANTHROPIC_API_KEY (environment or "
                ".env) or api_key for the model",
                provider=PROVIDER, model=self.name,
            )
        # ANTHROPIC_BASE_URL excludes /v1 (as in the SDK); accept it with /v1 too.
        return base + ("/messages" if base.endswith("/v1") else "/v1/messages"), headers


# -- request ---------------------------------------------------------------------------------


def to_anthropic(request: ChatRequest, info: ModelInfo) -> dict[str, Any]:
    system, messages = _messages(request.messages)
    body: dict[str, Any] = {
        "model": info.wire_model,
        "messages": messages,
        "max_tokens": request.max_tokens or info.max_output_tokens or DEFAULT_MAX_TOKENS,
    }
    if system:
        body["system"] = system
    params = request.params
    for name, (field, convert) in _PARAMS.items():
        if params.get(name) is not None:
            body[field] = convert(params[name])
    if params.get("tools"):
        body["tools"] = [_tool(t) for t in params["tools"]]
        choice = _tool_choice(params.get("tool_choice"), params.get("parallel_tool_calls"))
        if choice is not None:
            body["tool_choice"] = choice
    return body


def _messages(messages: list[dict[str, Any]]) -> tuple[str | list[dict[str, Any]], list[dict[str, Any]]]:
    system: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            system.extend(_blocks(message.get("content")))
            continue
        if role == "tool":
            role, blocks = "user", [_tool_result(message)]
        elif role == "assistant":
            blocks = [dict(b) for b in message.get("thinking_blocks") or ()]
            blocks += _blocks(message.get("content"))
            blocks += [_tool_use(call) for call in message.get("tool_calls") or ()]
        elif role == "user":
            blocks = _blocks(message.get("content"))
        else:
            raise BadRequestError(f"Anthropic models do not take messages with role {role!r}",
                                  param="messages", provider=PROVIDER)
        if not blocks:
            continue  # Anthropic rejects empty turns
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    for turn in turns:  # tool results must open their user turn
        turn["content"].sort(key=lambda block: block["type"] != "tool_result")
    if any("cache_control" in block for block in system):
        return system, turns  # keep the blocks: cache breakpoints live on them
    return "\n\n".join(block["text"] for block in system if block["type"] == "text"), turns


def _blocks(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            if not isinstance(part.get("text"), str):
                raise BadRequestError("a text content part needs a string `text`", param="messages", provider=PROVIDER)
            if not part["text"]:
                continue
            block: dict[str, Any] = {"type": "text", "text": part["text"]}
        elif kind == "image_url":
            image = part.get("image_url")
            if not isinstance(image.get("url") if isinstance(image, dict) else image, str):
                raise BadRequestError("an image_url content part needs a string `image_url.url`",
                                      param="messages", provider=PROVIDER)
            block = _image(image)
        elif kind in _NATIVE_PARTS:
            block = dict(part)  # already an Anthropic block (thinking, document, ...)
        elif (kind == "file" and isinstance(part.get("file"), dict)
              and str(part["file"].get("file_data", "")).startswith("data:")):
            header, _, data = str(part["file"]["file_data"]).partition(",")
            block = {"type": "document", "source": {"type": "base64", "data": data,
                                                    "media_type": header[len("data:"):].split(";")[0]}}
        else:
            raise BadRequestError(f"Anthropic models do not take {kind!r} content parts",
                                  param="messages", provider=PROVIDER)
        if "cache_control" in part:
            block["cache_control"] = part["cache_control"]
        blocks.append(block)
    return blocks


# Content parts that are Anthropic blocks already (the neutral type carries them as they are).
_NATIVE_PARTS = frozenset({"thinking", "redacted_thinking", "document", "search_result",
                           "server_tool_use", "web_search_tool_result"})


def _image(image_url: Any) -> dict[str, Any]:
    url = image_url["url"] if isinstance(image_url, dict) else str(image_url)
    if url.startswith("data:"):
        header, _, data = url.partition(",")  # data:image/png;base64,<data>
        media_type = header[len("data:"):].split(";")[0]
        return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _tool_use(call: dict[str, Any]) -> dict[str, Any]:
    function = call.get("function") or {}
    arguments = function.get("arguments") or "{}"
    try:
        tool_input = json.loads(arguments) if isinstance(arguments, str) else arguments
    except ValueError:
        tool_input = None
    if not isinstance(tool_input, dict):
        raise BadRequestError(
            f"tool call {call.get('id')!r} has arguments that are not a JSON object: {arguments!r}",
            param="messages", provider=PROVIDER,
        )
    return {"type": "tool_use", "id": call.get("id"), "name": function.get("name"), "input": tool_input}


def _tool_result(message: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": message.get("tool_call_id")}
    if isinstance(content, list) and any(p.get("type") != "text" for p in content if isinstance(p, dict)):
        block["content"] = _blocks(content)
    else:
        block["content"] = message_text(message)
    if message.get("is_error"):
        block["is_error"] = True
    if "cache_control" in message:
        block["cache_control"] = message["cache_control"]
    return block


def _tool(tool: dict[str, Any]) -> dict[str, Any]:
    if tool.get("type") not in (None, "function", "custom"):
        return tool  # an Anthropic server tool (web_search_..., bash_...): theirs, as sent
    function = tool.get("function", tool)
    out = {"name": function["name"],
           "input_schema": function.get("parameters") or function.get("input_schema")
           or {"type": "object", "properties": {}}}
    if function.get("description"):
        out["description"] = function["description"]
    if "cache_control" in tool:
        out["cache_control"] = tool["cache_control"]
    return out


def _tool_choice(choice: Any, parallel: bool | None) -> dict[str, Any] | None:
    if isinstance(choice, dict):
        out: dict[str, Any] = {"type": "tool", "name": (choice.get("function") or {}).get("name")}
    elif choice in ("auto", "required", "none"):
        out = {"type": {"auto": "auto", "required": "any", "none": "none"}[choice]}
    elif parallel is False:
        out = {"type": "auto"}
    else:
        return None
    if parallel is False and out["type"] != "none":
        out["disable_parallel_tool_use"] = True
    return out


# -- response --------------------------------------------------------------------------------


def from_anthropic(body: dict[str, Any], model: str) -> ChatCompletion:
    if not isinstance(body.get("content"), list):
        raise ProviderError("Anthropic response has no content", provider=PROVIDER, model=model, raw=body)
    text = "".join(b.get("text", "") for b in body["content"] if b.get("type") == "text")
    tool_calls = [
        {"id": b["id"], "type": "function",
         "function": {"name": b["name"], "arguments": json.dumps(b.get("input") or {})}}
        for b in body["content"] if b.get("type") == "tool_use"
    ]
    usage = usage_from_anthropic(body.get("usage"))
    extra = {k: v for k, v in usage.items() if k not in ("prompt_tokens", "completion_tokens", "total_tokens")}
    completion = make_completion(
        model=body.get("model") or model,
        content=text if text or not tool_calls else None,
        finish_reason=finish_from("anthropic", body.get("stop_reason"), bool(tool_calls)),
        prompt_tokens=usage["prompt_tokens"],
        completion_tokens=usage["completion_tokens"],
        tool_calls=tool_calls or None,
        completion_id=body.get("id"),
        usage_extra=extra,
    )
    thinking = [b for b in body["content"] if b.get("type") in ("thinking", "redacted_thinking")]
    if thinking:
        message = completion["choices"][0]["message"]
        message["thinking_blocks"] = thinking
        message["reasoning_content"] = "".join(b.get("thinking", "") for b in thinking)
    if body.get("stop_sequence"):
        completion["choices"][0]["stop_sequence"] = body["stop_sequence"]
    return completion


def stream_error(data: dict[str, Any], model: str) -> TurnoutError:
    err = data.get("error") or {}
    kind = str(err.get("type") or "api_error")
    return error_from_status(ERROR_STATUS.get(kind, 500), str(err.get("message") or kind),
                             provider=PROVIDER, model=model, raw=data, code=kind)


class StreamTranslator:
    """Anthropic SSE events -> OpenAI chunks, one event at a time (no I/O)."""

    def __init__(self, model: str, name: str) -> None:
        self.id = new_completion_id()
        self.model = model
        self.name = name
        self.created = int(time.time())
        self.usage: dict[str, Any] = {}
        self.stop_reason: str | None = None
        self.stop_sequence: str | None = None
        self.finished = False
        self._tool_index: dict[int, int] = {}  # content block index -> OpenAI tool_calls index

    def feed(self, event: str | None, data: Any) -> list[ChatCompletionChunk]:
        if not isinstance(data, dict):
            raise ProviderError(f"{self.name}: malformed stream event {str(data)[:200]!r}",
                                provider=PROVIDER, model=self.name, raw=data)
        kind = data.get("type") or event
        if kind == "message_start":
            message = data.get("message") or {}
            self.id = message.get("id") or self.id
            self.model = message.get("model") or self.model
            self.usage.update(message.get("usage") or {})
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            block = data.get("content_block") or {}
            if block.get("type") == "tool_use":
                index = self._tool_index[data.get("index", 0)] = len(self._tool_index)
                call = {"index": index, "id": block.get("id"), "type": "function",
                        "function": {"name": block.get("name"), "arguments": ""}}
                return [self._chunk({"tool_calls": [call]})]
            if block.get("type") == "text" and block.get("text"):
                return [self._chunk({"content": block["text"]})]
            if block.get("type") == "redacted_thinking":
                return [self._chunk({"thinking_blocks": [dict(block)]})]
            return []
        if kind == "content_block_delta":
            delta = data.get("delta") or {}
            if delta.get("type") == "text_delta":
                return [self._chunk({"content": delta.get("text", "")})]
            if delta.get("type") == "input_json_delta":
                index = self._tool_index.get(data.get("index", 0), 0)
                call = {"index": index, "function": {"arguments": delta.get("partial_json", "")}}
                return [self._chunk({"tool_calls": [call]})]
            if delta.get("type") == "thinking_delta":
                piece = delta.get("thinking", "")
                return [self._chunk({"reasoning_content": piece,
                                     "thinking_blocks": [{"type": "thinking", "thinking": piece}]})]
            if delta.get("type") == "signature_delta":
                block = {"type": "thinking", "thinking": "", "signature": delta.get("signature", "")}
                return [self._chunk({"thinking_blocks": [block]})]
            return []
        if kind == "message_delta":
            self.stop_reason = (data.get("delta") or {}).get("stop_reason") or self.stop_reason
            self.stop_sequence = (data.get("delta") or {}).get("stop_sequence") or self.stop_sequence
            # message_delta usage is cumulative; keep what message_start said otherwise
            self.usage.update({k: v for k, v in (data.get("usage") or {}).items() if v is not None})
            return []
        if kind == "message_stop":
            self.finished = True
            finish = finish_from("anthropic", self.stop_reason, bool(self._tool_index))
            chunk = self._chunk({}, finish_reason=finish, usage=usage_from_anthropic(self.usage))
            if self.stop_sequence:
                chunk["choices"][0]["stop_sequence"] = self.stop_sequence
            return [chunk]
        if kind == "error":
            raise stream_error(data, self.name)
        return []  # ping, content_block_stop, and event types added later

    def _chunk(self, delta: dict[str, Any], **kw: Any) -> ChatCompletionChunk:
        return make_chunk(completion_id=self.id, model=self.model, created=self.created, delta=delta, **kw)

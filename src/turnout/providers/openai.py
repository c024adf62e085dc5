"""OpenAI chat completions, and every server that speaks them (vLLM, llama.cpp server,
LM Studio, Ollama's /v1).

The wire format is already ours, so this adapter adds only the endpoint, the key, and
``usage`` when a compatible server leaves it out (estimated, and marked ``"estimated": True``
so accounting can tell). Every parameter goes upstream, known to turnout or not; a request
that came through the OpenAI chat door untouched goes as the caller's own body
(:func:`native_body`), with only the model name (and the max-tokens field's name the
upstream needs) changed. A request from the Responses door goes to the upstream's own
``/v1/responses`` when the upstream speaks that API (:func:`speaks_responses`; see
``openai_responses.py``), else it is translated to chat completions like any other.
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any, cast
from urllib.parse import urlsplit

from turnout import tokens
from turnout.catalog import ModelInfo
from turnout.errors import AuthenticationError, ProviderError, TurnoutError, error_from_status
from turnout.providers import openai_responses as responses_api
from turnout.providers import transport
from turnout.providers.base import Capabilities, Provider
from turnout.providers.native import native_body as caller_body
from turnout.providers.portable import without_responses_fields
from turnout.settings import env
from turnout.types import ChatCompletion, ChatCompletionChunk, ChatRequest, new_completion_id

PROVIDER = "openai"
DEFAULT_BASE = "https://api.openai.com/v1"
_OFFICIAL_HOST = "api.openai.com"


class OpenAIProvider(Provider):
    kind = PROVIDER
    capabilities = Capabilities(logprobs=True)
    accepted_params = None  # the same wire format: every parameter goes through as sent

    def __init__(self, info: ModelInfo) -> None:
        super().__init__(info)
        self._endpoints: dict[tuple[str, str | None], tuple[str, dict[str, str]]] = {}

    async def acomplete(self, request: ChatRequest, *, timeout: float | None = None) -> ChatCompletion:
        native = self._responses_body(request)
        if native is not None:
            return await self._acomplete_responses(native, timeout)
        url, headers = self._endpoint()
        data = await transport.post_json(
            url, to_openai(without_responses_fields(request), self.info.wire_model, url, stream=False),
            headers=headers, provider=PROVIDER, model=self.name, timeout=timeout,
        )
        if not isinstance(data.get("choices"), list):
            if "error" in data:  # some compatible servers answer errors with HTTP 200
                raise upstream_error(data, model=self.name)
            raise ProviderError(f"{self.name}: response has no choices", provider=PROVIDER,
                                model=self.name, raw=data)
        completion = ChatCompletion(data)
        if not completion.get("usage"):
            text = "".join(_message_text(c.get("message") or {}) for c in data["choices"])
            completion["usage"] = estimated_usage(request.messages, text, self.name)
        return completion

    async def astream(
        self, request: ChatRequest, *, timeout: float | None = None
    ) -> AsyncIterator[ChatCompletionChunk]:
        native = self._responses_body(request)
        if native is not None:
            async for chunk in self._astream_responses(native, timeout):
                yield chunk
            return
        url, headers = self._endpoint()
        events = transport.stream_sse(
            url, to_openai(without_responses_fields(request), self.info.wire_model, url, stream=True),
            headers=headers, provider=PROVIDER, model=self.name, timeout=timeout,
        )
        # One loop, not three stacked generators (events -> chunks -> usage): every streamed
        # chunk passes through here.
        usage = FinalUsage(request.messages, self.name)
        texts = usage._texts
        async with aclosing(cast(AsyncGenerator[Any, None], events)):
            async for _event, data in events:
                # self._chunk(data) and usage.see(chunk), inlined (two calls fewer a chunk);
                # a chunk's usual shape (one choice, a text delta) takes the first branch.
                if data.__class__ is not dict or "error" in data:
                    if data == "[DONE]":
                        break
                    self._chunk(data)  # raises: not a chunk, or an error event
                chunk = ChatCompletionChunk(data)
                choices = data.get("choices")
                if choices:
                    for choice in choices:
                        delta = choice.get("delta")
                        if delta:
                            content = delta.get("content")
                            if content.__class__ is str:
                                texts.append(content)
                            if "tool_calls" in delta:
                                texts.append(_tool_text(delta))
                if data.get("usage"):
                    usage._usage = data["usage"]
                usage._last = chunk
                yield chunk
        closing = usage.closing()
        if closing is not None:
            yield closing

    # -- the Responses API, natively ----------------------------------------------------------
    def _responses_body(self, request: ChatRequest) -> dict[str, Any] | None:
        """The caller's Responses body when it may go upstream as sent, else None."""
        if request.origin != responses_api.ORIGIN or not speaks_responses(self.info):
            return None
        return caller_body(request, responses_api.ORIGIN)

    async def _acomplete_responses(self, native: dict[str, Any], timeout: float | None) -> ChatCompletion:
        url, headers = self._responses_endpoint()
        data = await transport.post_json(url, responses_api.request_body(native, self.info.wire_model, stream=False),
                                         headers=headers, provider=PROVIDER, model=self.name, timeout=timeout)
        return responses_api.to_completion(data, self.name)

    async def _astream_responses(self, native: dict[str, Any],
                                 timeout: float | None) -> AsyncIterator[ChatCompletionChunk]:
        url, headers = self._responses_endpoint()
        events = transport.stream_sse(url, responses_api.request_body(native, self.info.wire_model, stream=True),
                                      headers=headers, provider=PROVIDER, model=self.name, timeout=timeout)
        state = responses_api.EventTranslator(self.info.wire_model, self.name)
        async with aclosing(cast(AsyncGenerator[Any, None], events)):
            async for event, data in events:
                chunk = state.feed(event, data)
                if chunk is not None:
                    yield chunk
                if state.finished:
                    return
        raise ProviderError(f"{self.name}: the stream ended before response.completed",
                            provider=PROVIDER, model=self.name)

    def _chunk(self, data: Any) -> ChatCompletionChunk:
        if data.__class__ is not dict:
            raise ProviderError(f"{self.name}: malformed stream event {str(data)[:200]!r}",
                                provider=PROVIDER, model=self.name, raw=data)
        if "error" in data:
            raise upstream_error(data, model=self.name)
        return ChatCompletionChunk(data)

    def _responses_endpoint(self) -> tuple[str, dict[str, str]]:
        """``/responses`` beside the chat endpoint (whatever a subclass makes of that)."""
        url, headers = self._endpoint()
        return url.replace("/chat/completions", "/responses", 1), headers

    def _endpoint(self) -> tuple[str, dict[str, str]]:
        # Base and key are read per call, not per instance (provider instances are cached, keys
        # may rotate); what is built from them is kept per (base, key): this is on every call.
        # The headers are shared between calls and must not be changed by their users.
        base = self.info.api_base or env("OPENAI_BASE_URL") or DEFAULT_BASE
        key = self.info.api_key or env("OPENAI_API_KEY")
        endpoints = self._endpoints
        found = endpoints.get((base, key))
        if found is None:
            if len(endpoints) > 16:  # rotated keys: keep the few recent ones
                endpoints.clear()
            found = endpoints[(base, key)] = self._build_endpoint(base.rstrip("/"), key)
        return found

    def _build_endpoint(self, base: str, key: str | None) -> tuple[str, dict[str, str]]:
        headers: dict[str, str] = dict(self.info.extra.get("headers") or {})
        if key:
            headers["authorization"] = f"Bearer {key}"
        elif urlsplit(base).hostname == _OFFICIAL_HOST:
            raise AuthenticationError(
                f"no OpenAI API key for {self.name}: set OPENAI_API_KEY (environment or .env) "
                "or api_key for the model",
                provider=PROVIDER, model=self.name,
            )
        return base + "/chat/completions", headers


def speaks_responses(info: Any) -> bool:
    """Whether the model's upstream takes ``/v1/responses``: OpenAI's own API does; a
    compatible server (vLLM, llama.cpp, LM Studio, ...) only when its model entry says
    ``extra: {responses_api: true}`` (``false`` turns it off for OpenAI too)."""
    flag = info.extra.get("responses_api")
    if isinstance(flag, bool):
        return flag
    return _official(info.api_base or env("OPENAI_BASE_URL") or DEFAULT_BASE)


@functools.lru_cache(maxsize=256)
def _official(base: str) -> bool:
    """Whether ``base`` (or any URL under it) is OpenAI's own API (parsed once per URL: this is
    on every call)."""
    return urlsplit(base).hostname == _OFFICIAL_HOST


_NOT_PARAMS = frozenset({"model", "messages", "stream", "turnout"})


def native_body(request: ChatRequest) -> dict[str, Any] | None:
    """The caller's own body, when it came through the OpenAI chat door and nothing turnout
    did since (redaction, retrieved passages, a cascade's logprobs) replaced its messages or
    parameters: identity, not equality, is checked, so a changed request is never sent as
    the original. None otherwise."""
    raw = request.raw_body
    if raw is None or request.origin != "openai.chat" or raw.get("messages") is not request.messages:
        return None
    params = request.params
    seen = 0
    for key, value in raw.items():
        if key in _NOT_PARAMS or value is None:
            continue
        if params.get(key) is not value:
            return None
        seen += 1
    return raw if seen == len(params) else None


def to_openai(request: ChatRequest, wire_model: str, url: str, *, stream: bool) -> dict[str, Any]:
    native = native_body(request)
    if native is not None:
        # Native pass-through: the caller's body as sent (key order, explicit nulls, fields
        # turnout has no name for), with only what routing must change.
        body = native.copy()  # (a copy, then one deletion: no comprehension's frame a call)
        body.pop("turnout", None)
        body["model"] = wire_model
    else:
        # Every parameter, known or not (a new SDK's new parameter must reach the upstream as
        # sent), except turnout's own routing hints.
        body = {k: v for k, v in request.params.items() if v is not None and k != "turnout"}
        body["model"] = wire_model
        body["messages"] = request.messages
    # OpenAI deprecated max_tokens (its reasoning models reject it) for max_completion_tokens,
    # which many compatible servers (llama.cpp, older vLLM) do not know: each gets its own.
    wanted, other = (
        ("max_completion_tokens", "max_tokens") if _official(url) else ("max_tokens", "max_completion_tokens")
    )
    if other in body and wanted not in body:
        body[wanted] = body.pop(other)
    if stream:
        body["stream"] = True
        body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
    else:
        body.pop("stream", None)
        body.pop("stream_options", None)
    return body


def upstream_error(data: dict[str, Any], *, model: str) -> TurnoutError:
    """An error object sent in a 200 body or inside a stream (no HTTP status to go by)."""
    err = data.get("error")
    message, code = (err.get("message"), err.get("code") or err.get("type")) if isinstance(err, dict) else (err, None)
    status = code if isinstance(code, int) and 400 <= code < 600 else 500
    return error_from_status(
        status, str(message or "upstream error"), provider=PROVIDER, model=model, raw=data,
        code=str(code) if isinstance(code, str) else None,
    )


def estimated_usage(messages: list[dict[str, Any]], completion_text: str, model: str) -> dict[str, Any]:
    prompt = tokens.count_messages(messages, model)
    completion = tokens.count_text(completion_text, model)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "estimated": True,
    }


class FinalUsage:
    """Watches OpenAI chunks go by so that the last one can carry ``usage``: when the
    upstream's last chunk has none, ``closing()`` is one more chunk (``choices: []``, as
    OpenAI's own usage chunk) with the last usage seen or, failing that, an estimate."""

    __slots__ = ("_last", "_messages", "_model", "_texts", "_usage")

    def __init__(self, messages: list[dict[str, Any]], model: str) -> None:
        self._messages, self._model = messages, model
        self._texts: list[str] = []
        self._usage: dict[str, Any] | None = None
        self._last: ChatCompletionChunk | None = None

    def see(self, chunk: ChatCompletionChunk) -> None:
        choices = chunk.get("choices")
        if choices:
            for choice in choices:
                delta = choice.get("delta")
                if delta:
                    content = delta.get("content")
                    if content.__class__ is str:
                        self._texts.append(content)
                    if "tool_calls" in delta:
                        self._texts.append(_tool_text(delta))
        if chunk.get("usage"):
            self._usage = chunk["usage"]
        self._last = chunk

    def closing(self) -> ChatCompletionChunk | None:
        last = self._last
        if last is not None and last.get("usage"):
            return None
        return ChatCompletionChunk(
            id=last.get("id") if last is not None else new_completion_id(),
            object="chat.completion.chunk",
            created=last.get("created") if last is not None else int(time.time()),
            model=last.get("model") if last is not None else self._model,
            choices=[],
            usage=self._usage or estimated_usage(self._messages, "".join(self._texts), self._model),
        )


async def with_final_usage(
    chunks: AsyncIterator[ChatCompletionChunk], messages: list[dict[str, Any]], model: str
) -> AsyncIterator[ChatCompletionChunk]:
    """Pass OpenAI chunks through and make sure the last one carries ``usage`` (``FinalUsage``)."""
    usage = FinalUsage(messages, model)
    async for chunk in chunks:
        usage.see(chunk)
        yield chunk
    closing = usage.closing()
    if closing is not None:
        yield closing


def _message_text(message: dict[str, Any]) -> str:
    """Generated text of a message or delta, tool-call arguments included (for estimates)."""
    content = message.get("content")
    return (content if isinstance(content, str) else "") + _tool_text(message)


def _tool_text(message: dict[str, Any]) -> str:
    text = ""
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        text += str(function.get("name") or "") + str(function.get("arguments") or "")
    return text

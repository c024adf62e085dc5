"""Google Gemini's native API (``generateContent`` / ``streamGenerateContent``) <-> OpenAI chat
completions. ``provider: gemini_native`` (or a ``gemini_native/<model>`` name); ``gemini-*``
names use Google's OpenAI-compatible endpoint instead (``providers/presets.py``).

Why native as well: it reports thinking tokens and cached tokens in its own usage fields, and
takes Gemini-only settings (``extra: {generation_config: {...}, safety_settings: [...]}``) that
the compatible endpoint does not.

Requests: system messages become ``systemInstruction``; assistant turns are role ``model``;
consecutive turns of one role merge; tool calls become ``functionCall`` parts and tool results
``functionResponse`` parts (named after the call they answer); images become ``inlineData``
(data URLs) or ``fileData``. Responses: text parts join into ``content``, thought parts into
``reasoning_content``; usage counts thoughts as completion tokens (they are billed as output).
A function call's ``thoughtSignature`` rides on the tool call as
``extra_content.google.thought_signature`` (as on Google's OpenAI-compatible endpoint) and goes
back on the ``functionCall`` part when the caller returns the call.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any, cast
from urllib.parse import quote, unquote_to_bytes

from turnout.answer import FINISH_FROM, Usage, finish_from, usage_from_gemini
from turnout.errors import AuthenticationError, BadRequestError, ProviderError, error_from_status
from turnout.providers import transport
from turnout.providers.base import Capabilities, Provider
from turnout.providers.hosts import first_env
from turnout.settings import env
from turnout.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    make_chunk,
    message_text,
    new_completion_id,
)

PROVIDER = "gemini_native"
DEFAULT_BASE = "https://generativelanguage.googleapis.com/v1beta"
KEY_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY")

FINISH_REASONS = FINISH_FROM["gemini"]  # finishReason -> ours (turnout/answer.py)

_GENERATION = {  # OpenAI parameter -> generationConfig field
    "temperature": "temperature",
    "top_p": "topP",
    "n": "candidateCount",
    "seed": "seed",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
}


class GeminiProvider(Provider):
    kind = PROVIDER
    capabilities = Capabilities(logprobs=False)
    # what ``to_gemini`` carries (stream_options: usage comes with every answer anyway); the rest
    # (logprobs, logit_bias, user, parallel_tool_calls, verbosity...) is named in
    # X-Turnout-Dropped-Params
    accepted_params = frozenset({*_GENERATION, "max_tokens", "max_completion_tokens", "stop", "response_format",
                                 "tools", "tool_choice", "stream_options"})

    async def acomplete(self, request: ChatRequest, *, timeout: float | None = None) -> ChatCompletion:
        url, headers = self._endpoint("generateContent")
        body = await transport.post_json(url, to_gemini(request, self.info.extra), headers=headers,
                                         provider=PROVIDER, model=self.name, timeout=timeout)
        return from_gemini(body, self.info.wire_model)

    async def astream(
        self, request: ChatRequest, *, timeout: float | None = None
    ) -> AsyncIterator[ChatCompletionChunk]:
        url, headers = self._endpoint("streamGenerateContent")
        events = transport.stream_sse(url + "?alt=sse", to_gemini(request, self.info.extra), headers=headers,
                                      provider=PROVIDER, model=self.name, timeout=timeout)
        translator = StreamTranslator(self.info.wire_model)
        async with aclosing(cast(AsyncGenerator[Any, None], events)):
            async for _event, data in events:
                if not isinstance(data, dict):
                    raise ProviderError(f"{self.name}: malformed stream event {str(data)[:200]!r}",
                                        provider=PROVIDER, model=self.name, raw=data)
                if "error" in data:
                    err = data["error"] if isinstance(data["error"], dict) else {"message": str(data["error"])}
                    code = err.get("code")
                    raise error_from_status(code if isinstance(code, int) else 500, str(err.get("message")),
                                            provider=PROVIDER, model=self.name, raw=data)
                for chunk in translator.feed(data):
                    yield chunk
        for chunk in translator.finish():
            yield chunk

    def _endpoint(self, method: str) -> tuple[str, dict[str, str]]:
        base = (self.info.api_base or env("GEMINI_API_BASE_NATIVE") or DEFAULT_BASE).rstrip("/")
        key = self.info.api_key or first_env(KEY_VARS)
        if not key:
            raise AuthenticationError(f"no Gemini API key for {self.name}: set GEMINI_API_KEY (environment or .env) "
                                      "or api_key for the model", provider=PROVIDER, model=self.name)
        headers = {"x-goog-api-key": key}
        return f"{base}/models/{quote(self.info.wire_model, safe='-._')}:{method}", headers


# -- request ---------------------------------------------------------------------------------


def to_gemini(request: ChatRequest, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    extra = extra or {}
    system: list[dict[str, Any]] = []
    contents: list[dict[str, Any]] = []
    call_names: dict[str, str] = {}  # tool_call id -> function name (functionResponse needs it)
    for message in request.messages:
        role = message.get("role")
        if role in ("system", "developer"):
            system.append({"text": message_text(message)})
            continue
        if role == "tool":
            name = call_names.get(str(message.get("tool_call_id")), message.get("name") or "tool")
            parts = [{"functionResponse": {"name": name, "response": _tool_result(message.get("content"))}}]
            _append(contents, "user", parts)
            continue
        parts = _parts(message.get("content"))
        if role == "assistant":
            for call in message.get("tool_calls") or ():
                fn = call.get("function") or {}
                call_names[str(call.get("id"))] = fn.get("name", "")
                part: dict[str, Any] = {"functionCall": {"name": fn.get("name", ""),
                                                         "args": _json_args(fn.get("arguments"))}}
                signature = _thought_signature(call)
                if signature:  # Gemini checks it in a tool loop with thinking (required from Gemini 3)
                    part["thoughtSignature"] = signature
                parts.append(part)
            _append(contents, "model", parts)
        else:
            _append(contents, "user", parts)
    body: dict[str, Any] = {"contents": contents}
    if system:
        body["systemInstruction"] = {"parts": system}
    params = request.params
    generation: dict[str, Any] = {_GENERATION[k]: v for k, v in params.items() if k in _GENERATION and v is not None}
    max_tokens = params.get("max_completion_tokens") or params.get("max_tokens")
    if max_tokens is not None:
        generation["maxOutputTokens"] = int(max_tokens)
    stop = params.get("stop")
    if stop:
        generation["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    fmt = params.get("response_format") or {}
    if isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema"):
        generation["responseMimeType"] = "application/json"
        schema = (fmt.get("json_schema") or {}).get("schema")
        if schema:
            generation["responseJsonSchema"] = schema
    generation.update(extra.get("generation_config") or {})
    if generation:
        body["generationConfig"] = generation
    tools = [t.get("function") or {} for t in params.get("tools") or () if t.get("type", "function") == "function"]
    if tools:
        body["tools"] = [{"functionDeclarations": [
            {k: v for k, v in {"name": t.get("name"), "description": t.get("description"),
                               "parameters": t.get("parameters")}.items() if v is not None}
            for t in tools]}]
    choice = params.get("tool_choice")
    if choice is not None:
        body["toolConfig"] = {"functionCallingConfig": _tool_choice(choice)}
    if extra.get("safety_settings"):
        body["safetySettings"] = extra["safety_settings"]
    return body


def _thought_signature(call: dict[str, Any]) -> str | None:
    google = (call.get("extra_content") or {}).get("google") if isinstance(call.get("extra_content"), dict) else None
    signature = google.get("thought_signature") if isinstance(google, dict) else None
    return signature if isinstance(signature, str) else None


def _append(contents: list[dict[str, Any]], role: str, parts: list[dict[str, Any]]) -> None:
    if not parts:
        parts = [{"text": ""}]
    if contents and contents[-1]["role"] == role:  # Gemini wants turns to alternate
        contents[-1]["parts"].extend(parts)
    else:
        contents.append({"role": role, "parts": parts})


def _parts(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else [content]:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "text":
            parts.append({"text": str(part.get("text", ""))})
        elif kind == "image_url":
            parts.append(_image(part.get("image_url")))
        elif kind == "input_audio":
            audio = part.get("input_audio") or {}
            parts.append({"inlineData": {"mimeType": f"audio/{audio.get('format', 'wav')}", "data": audio.get("data", "")}})
        elif kind == "file":  # a data URL is inline data (PDFs, text); a file_id means nothing to Gemini
            file = part.get("file")
            data = file.get("file_data") if isinstance(file, dict) else None
            if isinstance(data, str) and data.startswith("data:"):
                parts.append(_image({"url": data}))
        elif kind == "document" and isinstance(part.get("source"), dict):  # Anthropic's shape
            source = part["source"]
            if source.get("type") == "base64":
                parts.append({"inlineData": {"mimeType": str(source.get("media_type") or "application/pdf"),
                                             "data": str(source.get("data") or "")}})
            elif source.get("type") == "text":
                parts.append({"text": str(source.get("data") or "")})
        # thinking / redacted_thinking parts have no Gemini equivalent here: dropped
    return parts


def _image(image_url: Any) -> dict[str, Any]:
    """An image URL, or any data: URL (images, PDFs, text files), as a Gemini part."""
    url = image_url.get("url", "") if isinstance(image_url, dict) else str(image_url or "")
    if url.startswith("data:"):
        head, _, data = url.partition(",")
        mime = head[5:].split(";")[0] or "image/png"
        if ";base64" not in head:
            data = base64.b64encode(unquote_to_bytes(data)).decode()
        return {"inlineData": {"mimeType": mime, "data": data}}
    ext = url.rsplit(".", 1)[-1].lower().split("?")[0]
    mime = {"png": "image/png", "gif": "image/gif", "webp": "image/webp"}.get(ext, "image/jpeg")
    return {"fileData": {"mimeType": mime, "fileUri": url}}


def _json_args(arguments: Any) -> Any:
    if isinstance(arguments, dict):
        return arguments
    try:
        value = json.loads(arguments or "{}")
    except (TypeError, ValueError):
        raise BadRequestError("tool call `arguments` must be a JSON object string", param="messages") from None
    return value if isinstance(value, dict) else {"value": value}


def _tool_result(content: Any) -> dict[str, Any]:
    text = content if isinstance(content, str) else message_text({"content": content})
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {"content": text}
    return value if isinstance(value, dict) else {"content": value}


def _tool_choice(choice: Any) -> dict[str, Any]:
    if choice == "none":
        return {"mode": "NONE"}
    if choice == "required":
        return {"mode": "ANY"}
    if isinstance(choice, dict) and (choice.get("function") or {}).get("name"):
        return {"mode": "ANY", "allowedFunctionNames": [choice["function"]["name"]]}
    return {"mode": "AUTO"}


# -- response --------------------------------------------------------------------------------


def _split(parts: list[dict[str, Any]], first_call: int = 0) -> tuple[str, str, list[dict[str, Any]]]:
    text: list[str] = []
    thought: list[str] = []
    calls: list[dict[str, Any]] = []
    for part in parts:
        if "functionCall" in part:
            fn = part["functionCall"]
            call: dict[str, Any] = {"id": f"call_{first_call + len(calls)}", "type": "function",
                                    "function": {"name": fn.get("name", ""), "arguments": json.dumps(fn.get("args") or {})}}
            if part.get("thoughtSignature"):  # where Google's OpenAI-compatible endpoint puts it
                call["extra_content"] = {"google": {"thought_signature": part["thoughtSignature"]}}
            calls.append(call)
        elif part.get("thought"):
            thought.append(str(part.get("text", "")))
        elif "text" in part:
            text.append(str(part["text"]))
    return "".join(text), "".join(thought), calls


def _finish(reason: str | None, has_calls: bool) -> str | None:
    return finish_from("gemini", reason, has_calls) if reason else None


def from_gemini(body: dict[str, Any], model: str) -> ChatCompletion:
    candidates = body.get("candidates")
    if not isinstance(candidates, list):
        if body.get("promptFeedback", {}).get("blockReason"):
            candidates = [{"finishReason": "SAFETY", "content": {"parts": []}}]
        else:
            raise ProviderError(f"{model}: response has no candidates", provider=PROVIDER, model=model, raw=body)
    choices = []
    for i, candidate in enumerate(candidates):
        text, thought, calls = _split((candidate.get("content") or {}).get("parts") or [])
        message: dict[str, Any] = {"role": "assistant", "content": text or (None if calls else "")}
        if thought:
            message["reasoning_content"] = thought
        if calls:
            message["tool_calls"] = calls
        choices.append({"index": candidate.get("index", i), "message": message,
                        "finish_reason": _finish(candidate.get("finishReason"), bool(calls)) or "stop"})
    return ChatCompletion(id=body.get("responseId") or new_completion_id(), object="chat.completion",
                          created=int(time.time()), model=body.get("modelVersion") or model, choices=choices,
                          usage=usage_from_gemini(body.get("usageMetadata")))


class StreamTranslator:
    """Gemini's stream of partial responses -> OpenAI chunks (role first, usage last)."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.id = new_completion_id()
        self.created = int(time.time())
        self.started = False
        self.calls = 0
        self.finish_reason: str | None = None
        self.usage: Usage | None = None

    def _chunk(self, delta: dict[str, Any], finish: str | None = None,
               usage: Usage | None = None) -> ChatCompletionChunk:
        return make_chunk(completion_id=self.id, model=self.model, created=self.created, delta=delta,
                          finish_reason=finish, usage=usage)

    def feed(self, data: dict[str, Any]) -> list[ChatCompletionChunk]:
        out: list[ChatCompletionChunk] = []
        if data.get("usageMetadata"):
            self.usage = usage_from_gemini(data["usageMetadata"])
        for candidate in (data.get("candidates") or [])[:1]:
            text, thought, calls = _split((candidate.get("content") or {}).get("parts") or [], self.calls)
            delta: dict[str, Any] = {}
            if not self.started:
                delta["role"] = "assistant"
                self.started = True
            if thought:
                delta["reasoning_content"] = thought
            if text:
                delta["content"] = text
            if calls:
                delta["tool_calls"] = [{"index": self.calls + i, **c} for i, c in enumerate(calls)]
                self.calls += len(calls)
            if set(delta) - {"role"}:
                out.append(self._chunk(delta))
            if candidate.get("finishReason"):
                self.finish_reason = _finish(candidate["finishReason"], self.calls > 0)
        return out

    def finish(self) -> list[ChatCompletionChunk]:
        out = []
        if not self.started:
            out.append(self._chunk({"role": "assistant", "content": ""}))
        out.append(self._chunk({}, self.finish_reason or "stop"))
        out.append(ChatCompletionChunk(id=self.id, object="chat.completion.chunk", created=self.created,
                                       model=self.model, choices=[], usage=self.usage or usage_from_gemini(None)))
        return out

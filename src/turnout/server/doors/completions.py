"""``POST /v1/completions`` (OpenAI's legacy text completions) and ``GET /v1/models/{id}``.

A prompt becomes one user message; the answer's text comes back as ``text_completion``. Several
prompts in one request are answered concurrently, each routed and accounted on its own.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import orjson

from turnout.answer import sum_usage
from turnout.catalog import EMBEDDING_MODELS
from turnout.errors import BadRequestError, NotFoundError, TurnoutError
from turnout.server.app import _JSON, _bearer, _route_headers, _send_json
from turnout.server.doors.body import obj
from turnout.server.doors.prelude import open_call, require_method
from turnout.server.doors.sse import pump
from turnout.types import ChatCompletion, ChatRequest
from turnout.validation import validate_params

ORIGIN = "openai.completions"
DEFAULT_MAX_TOKENS = 16  # the legacy API's own default
MAX_PROMPTS = 128  # prompts in one request (as input_limits.MAX_N answers in one)
_PASSED = ("temperature", "top_p", "n", "stop", "presence_penalty", "frequency_penalty", "seed", "user",
           "logit_bias", "stream_options")


def to_requests(body: dict[str, Any]) -> list[ChatRequest]:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequestError('`model` is required: a model name or "auto"', param="model")
    prompt = body.get("prompt")
    prompts = [prompt] if isinstance(prompt, str) else prompt
    if not isinstance(prompts, list) or not prompts or not all(isinstance(p, str) for p in prompts):
        raise BadRequestError("`prompt` must be a string or a list of strings", param="prompt")
    if len(prompts) > MAX_PROMPTS:
        # each prompt is an upstream call of its own: a list of thousands fanned out into as many
        raise BadRequestError(f"`prompt` has more than {MAX_PROMPTS} prompts; send them in several requests",
                              param="prompt", code="input_limit_exceeded")
    if body.get("suffix"):
        raise BadRequestError("`suffix` (fill-in-the-middle) is not supported by this gateway", param="suffix")
    best_of = body.get("best_of")
    if best_of is not None and best_of != 1:
        raise BadRequestError("`best_of` is not supported by this gateway", param="best_of")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequestError("`stream` must be a boolean", param="stream")
    if stream and len(prompts) > 1:
        raise BadRequestError("streaming takes one prompt per request", param="prompt")
    max_tokens = body.get("max_tokens", DEFAULT_MAX_TOKENS)
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise BadRequestError("`max_tokens` must be an integer of at least 1", param="max_tokens")
    params = {k: body[k] for k in _PASSED if body.get(k) is not None}
    params["max_tokens"] = max_tokens
    validate_params(params)
    return [ChatRequest(model=model, messages=[{"role": "user", "content": p}], params=params, stream=stream,
                        origin=ORIGIN) for p in prompts]


def _text(choice: dict[str, Any]) -> str:
    content = (choice.get("message") or {}).get("content")
    return content if isinstance(content, str) else ""


def answered_by(answers: list[ChatCompletion]) -> tuple[str, dict[str, Any]]:
    """The model name and the route summary (cost, cache) one legacy answer reports for all its
    prompts. Each prompt is routed on its own, so a list can be answered by several models (a
    confidential prompt locally, the others in the cloud): every one is named, in order, and
    the cost is the sum, never the first prompt's alone."""
    first = answers[0]
    if len(answers) == 1:
        return first.get("model", ""), first.get("turnout") or {}
    models = ",".join(dict.fromkeys(str(a.get("model", "")) for a in answers))
    routes = [a.get("turnout") or {} for a in answers]
    cost = sum(float(r.get("cost_usd", r.get("estimated_cost_usd", 0.0)) or 0.0) for r in routes)
    summary: dict[str, Any] = {"cost_usd": cost,
                               "cache": "hit" if all(r.get("cache") == "hit" for r in routes) else "miss"}
    reasons = [str(r["fallback_reason"]) for r in routes if r.get("fallback_reason")]
    if reasons:
        summary["fallback_reason"] = "; ".join(dict.fromkeys(reasons))
        summary["requested_model"] = next(r.get("requested_model") for r in routes if r.get("fallback_reason"))
    return models, summary


def to_text_completion(answers: list[ChatCompletion], prompts: list[str], echo: bool) -> dict[str, Any]:
    first = answers[0]
    choices: list[dict[str, Any]] = []
    for answer, prompt in zip(answers, prompts, strict=True):
        for choice in answer.get("choices") or ():
            choices.append({"text": (prompt if echo else "") + _text(choice), "index": len(choices),
                            "logprobs": None, "finish_reason": choice.get("finish_reason") or "stop"})
    out = {"id": "cmpl-" + uuid.uuid4().hex[:24], "object": "text_completion",
           "created": int(first.get("created") or time.time()), "model": answered_by(answers)[0],
           "choices": choices,
           "usage": sum_usage(answer.get("usage") for answer in answers)}
    out["turnout"] = first.get("turnout") if len(answers) == 1 else [a.get("turnout") for a in answers]
    return out


class TextStreamWriter:
    """Chat chunks -> legacy ``text_completion`` chunks, ``data: [DONE]`` at the end."""

    def __init__(self, model: str, prompt: str, echo: bool, include_usage: bool) -> None:
        self.id = "cmpl-" + uuid.uuid4().hex[:24]
        self.model = model
        self.created = int(time.time())
        self.prompt = prompt if echo else ""
        self.include_usage = include_usage

    def _data(self, obj: dict[str, Any]) -> bytes:
        return b"data: " + orjson.dumps(obj) + b"\n\n"

    def start(self) -> bytes:
        return b""

    def feed(self, chunk: dict[str, Any]) -> bytes:
        out = b""
        for choice in chunk.get("choices") or ():
            text = (choice.get("delta") or {}).get("content") or ""
            if self.prompt:
                text, self.prompt = self.prompt + text, ""
            if text or choice.get("finish_reason"):
                out += self._data({"id": self.id, "object": "text_completion", "created": self.created,
                                   "model": self.model, "choices": [{"text": text, "index": 0, "logprobs": None,
                                                                     "finish_reason": choice.get("finish_reason")}]})
        if chunk.get("usage") and self.include_usage:
            obj: dict[str, Any] = {"id": self.id, "object": "text_completion", "created": self.created,
                                   "model": self.model, "choices": [], "usage": sum_usage([chunk["usage"]])}
            if chunk.get("turnout"):
                obj["turnout"] = chunk["turnout"]
            out += self._data(obj)
        return out

    def end(self) -> bytes:
        return b"data: [DONE]\n\n"

    def error(self, exc: TurnoutError) -> bytes:
        return self._data(exc.to_openai()) + b"data: [DONE]\n\n"


async def completions(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    call = await open_call(app, scope, receive)
    if call is None:
        return
    body, principal = call.body, call.principal
    requests = to_requests(body)
    hints = call.hints()
    echo = bool(body.get("echo"))
    prompts = [str(r.messages[0]["content"]) for r in requests]
    if requests[0].stream:
        routed = await app.gateway.astream(requests[0], hints, principal=principal, request_id=call.request_id)
        include_usage = obj(body.get("stream_options")).get("include_usage") is True
        writer = TextStreamWriter(routed.model, prompts[0], echo, include_usage)
        await pump(routed, writer, receive, send, _route_headers(routed.model, routed.turnout))
        return
    if len(requests) == 1:  # the common case: no task to schedule; several prompts: a ledger id each
        answers = [await app.gateway.acomplete(requests[0], hints, principal=principal, request_id=call.request_id)]
    else:
        answers = list(await asyncio.gather(*(app.gateway.acomplete(r, hints, principal=principal) for r in requests)))
    out = to_text_completion(answers, prompts, echo)
    await _send_json(send, 200, orjson.dumps(out), [_JSON, *_route_headers(*answered_by(answers))])


async def model_by_id(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    require_method(scope, "GET")
    principal = await app.gateway.aauthenticate(_bearer(scope))
    model_id = scope["path"].split("/models/", 1)[1]
    for entry in app.gateway.list_models(principal)["data"]:
        if entry["id"] == model_id:
            await _send_json(send, 200, orjson.dumps(entry))
            return
    if model_id in EMBEDDING_MODELS and principal.allowed(model_id):
        info = EMBEDDING_MODELS[model_id]
        await _send_json(send, 200, orjson.dumps({"id": model_id, "object": "model", "created": 0,
                                                 "owned_by": info.provider}))
        return
    raise NotFoundError(f"The model {model_id!r} does not exist or is not available here", code="model_not_found",
                        model=model_id)

"""Embeddings, routed and accounted like chat: ``POST /v1/embeddings`` and the library.

    auto      the shipped local model (``local/minilm-static``) when the input is confidential
              or no OpenAI-compatible endpoint is set up; else ``text-embedding-3-small``
    a name    that model; a confidential input and a cloud model fail closed (a vector from
              another model would not be comparable, so there is no silent substitution)

Privacy detection reads every input; key limits (sensitivity, models, rate), budgets
(reserve the estimate, commit the cost) and the ledger apply as for chat. No fallback between
embedding models: vectors of two models live in different spaces.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from typing import Any

from turnout import tokens
from turnout.catalog import EMBEDDING_MODELS, LOCAL_EMBEDDING_MODEL, ModelInfo, strip_prefix
from turnout.errors import (
    BadRequestError,
    ConfidentialityError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    TurnoutError,
)
from turnout.types import ChatRequest, RouteHints, Sensitivity

AUTO = "auto"
DEFAULT_CLOUD_MODEL = "text-embedding-3-small"
MAX_INPUTS = 2048  # OpenAI's own limit per request


def _texts(value: Any) -> tuple[list[str], bool]:
    """(the inputs as text, whether they came as token ids)."""
    if isinstance(value, str):
        return [value], False
    if not isinstance(value, list) or not value:
        raise BadRequestError("`input` must be a string, a list of strings or token arrays", param="input")
    if len(value) > MAX_INPUTS:
        raise BadRequestError(f"`input` has {len(value)} items; at most {MAX_INPUTS}", param="input")
    if all(isinstance(v, str) for v in value):
        return list(value), False
    arrays = [value] if all(isinstance(v, int) and not isinstance(v, bool) for v in value) else value
    if not all(isinstance(a, list) and a and all(isinstance(t, int) and not isinstance(t, bool) for t in a)
               for a in arrays):
        raise BadRequestError("`input` must be a string, a list of strings or token arrays", param="input")
    # Token ids (LangChain sends them): decode so detection and the local model read the text.
    encoder = tokens._get_encoder()
    if encoder is None:
        raise BadRequestError("token-array input needs tiktoken on the gateway; send text", param="input")
    try:
        return [encoder.decode(a) for a in arrays], True
    except Exception:
        raise BadRequestError("`input` holds token ids outside the tokenizer's vocabulary", param="input") from None


def resolve(model: str, confidential: bool, available: Any) -> ModelInfo:
    if model == AUTO:
        cloud = EMBEDDING_MODELS[DEFAULT_CLOUD_MODEL]
        if not confidential and available(cloud):
            return cloud
        return EMBEDDING_MODELS[LOCAL_EMBEDDING_MODEL]
    info = EMBEDDING_MODELS.get(model) or EMBEDDING_MODELS.get(strip_prefix(model))
    if info is None:
        raise NotFoundError(f"unknown embedding model {model!r}; known: auto, {', '.join(EMBEDDING_MODELS)}",
                            model=model)
    if confidential and not info.local:
        raise ConfidentialityError(
            f"the input is confidential and {info.name} is not a local model; nothing was sent. Use "
            f"model {LOCAL_EMBEDDING_MODEL!r} (or \"auto\") for confidential text", model=info.name)
    return info


def _encode(vector: Any, fmt: str) -> Any:
    import numpy as np

    if fmt == "base64":
        return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode()
    return [float(x) for x in vector]


async def _local(texts: list[str], dimensions: int | None) -> list[Any]:
    from turnout.embeddings import default_embedder

    embedder = default_embedder()
    if dimensions is not None and dimensions != embedder.dim:
        raise BadRequestError(f"{LOCAL_EMBEDDING_MODEL} makes {embedder.dim}-dimensional vectors; "
                              f"`dimensions` {dimensions} is not available", param="dimensions")
    if len(texts) > 64:  # a large batch: keep the event loop free
        return list(await asyncio.to_thread(embedder.embed, texts))
    return list(embedder.embed(texts))


async def _openai(info: ModelInfo, body: dict[str, Any], config_info: ModelInfo | None,
                  expected: int) -> tuple[list[Any], int | None]:
    from turnout.providers import transport
    from turnout.settings import env

    use = config_info or info
    base = (use.api_base or env("OPENAI_BASE_URL") or "https://api.openai.com/v1").rstrip("/")
    key = use.api_key or env("OPENAI_API_KEY")
    headers = {"authorization": f"Bearer {key}"} if key else {}
    payload = {k: v for k, v in body.items() if k in ("input", "dimensions", "user")}
    payload["model"] = use.wire_model
    payload["encoding_format"] = "float"
    data = await transport.post_json(base + "/embeddings", payload, headers=headers, provider="openai",
                                     model=info.name)
    rows = sorted(data.get("data") or [], key=lambda d: d.get("index", 0))
    vectors = [row.get("embedding") for row in rows]
    if len(vectors) != expected or any(not isinstance(v, list) for v in vectors):
        raise ProviderError(f"{info.name}: the embeddings response does not match the input", provider="openai",
                            model=info.name, raw=data)
    usage = data.get("usage") or {}
    return vectors, usage.get("prompt_tokens")


async def aembed(gateway: Any, body: dict[str, Any], hints: RouteHints | None = None, *, principal: Any,
                 request_id: str | None = None) -> dict[str, Any]:
    """One ``/v1/embeddings`` request through the gateway's checks, budgets and ledger (under
    ``request_id``, the server's X-Request-Id, when given)."""
    started = time.perf_counter()
    request_id = request_id or uuid.uuid4().hex
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequestError('`model` is required: an embedding model or "auto"', param="model")
    fmt = body.get("encoding_format", "float")
    if fmt not in ("float", "base64"):
        raise BadRequestError('`encoding_format` must be "float" or "base64"', param="encoding_format")
    dimensions = body.get("dimensions")
    if dimensions is not None and (isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1):
        raise BadRequestError("`dimensions` must be a positive integer", param="dimensions")
    texts, _ = _texts(body.get("input"))
    # what is forwarded is what is scanned: the texts and the caller's ``user`` (an id or a
    # string the caller chose, red9f: a key in it reached a cloud embedding model)
    forwarded = {"user": body["user"]} if body.get("user") is not None else {}
    request = ChatRequest(model=model, messages=[{"role": "user", "content": t} for t in texts], params=forwarded,
                          origin="openai.embeddings")
    reservation = None
    try:
        signals = gateway.router.signals(request, hints)
        gateway._authorize(principal, request, signals)
        confidential = signals.sensitivity.level is Sensitivity.CONFIDENTIAL
        from turnout.routing.router import availability

        info = resolve(model, confidential, lambda i: availability(gateway.router.embedding_models.get(i.name, i))[0])
        if model == AUTO and principal.key is not None and not principal.allowed(info.name):
            raise PermissionDeniedError(f"this key may not use {info.name}, the embedding model auto chose",
                                        code="model_not_allowed")
        prompt_tokens = sum(tokens.count_text(t) for t in texts)
        key = principal.key
        if key is not None and (key.limits.rpm or key.limits.tpm):
            await gateway.limits.check_rate(key.id, key.limits.rpm, key.limits.tpm, prompt_tokens)
        scopes = gateway._scopes(principal)
        if scopes:
            reservation = await gateway.limits.reserve(scopes, info.cost_usd(prompt_tokens, 0))
        try:
            if info.local:
                vectors = await _local(texts, dimensions)
                used = prompt_tokens
            else:
                vectors, reported = await _openai(info, body, gateway.router.embedding_models.get(info.name),
                                                 len(texts))
                used = int(reported) if reported is not None else prompt_tokens
        except BaseException:
            if reservation is not None:
                await gateway.limits.release(reservation)
            raise
        cost = round(info.cost_usd(used, 0), 10)
        if reservation is not None:
            await gateway.limits.commit(reservation, cost)
    except TurnoutError as exc:
        gateway._account_error(request_id, request, principal, None, exc, started)
        raise
    record = {"model": info.name, "rule": "requested" if model != AUTO else "embeddings-auto",
              "reasons": [f"{'local: input is confidential' if confidential and info.local else 'embedding model'}"],
              "signals": {"sensitivity": signals.sensitivity.level.value},
              "usage": {"prompt_tokens": used, "completion_tokens": 0, "cached_tokens": 0, "estimated": info.local},
              "cost_usd": cost, "cache": "off", "request_id": request_id, "fallbacks_tried": 0}
    gateway._account(request_id, request, principal, record, started, ttft_ms=None, status=200)
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": _encode(v, fmt)} for i, v in enumerate(vectors)],
        "model": info.name,
        "usage": {"prompt_tokens": used, "total_tokens": used},
        "turnout": record,
    }

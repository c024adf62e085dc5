"""The OpenAI-compatible HTTP API, as a plain ASGI app. Thin: parse, call the gateway, serialise.

A raw ASGI callable rather than a framework router: four endpoints do not need one, and every
microsecond of per-request work shows in the gateway's overhead (docs/benchmarks.md).
Every error leaves in OpenAI's shape with its status; nothing here raises past the client.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import orjson

from turnout import metrics, observability
from turnout.errors import (
    BadRequestError,
    NotFoundError,
    RateLimitError,
    RequestTooLargeError,
    TurnoutError,
)
from turnout.gateway import Gateway, Principal, new_request_id
from turnout.server.feedback import handle_feedback
from turnout.server.streaming import EventWriter, pump
from turnout.types import ChatRequest, Complexity, RouteHints, Sensitivity
from turnout.validation import validate_messages, validate_params

log = logging.getLogger("turnout.server")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_JSON = (b"content-type", b"application/json")
_DONE = b"data: [DONE]\n\n"
_BODY_FIELDS = frozenset({"model", "messages", "stream", "turnout"})
_HINT_FIELDS = frozenset({"sensitivity", "complexity", "max_cost_usd", "max_latency_ms", "cache", "cache_max_age_s",
                          "fallbacks"})


def _error_body(exc: TurnoutError) -> bytes:
    return orjson.dumps(exc.to_openai())


_HEADER_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _error_headers(exc: TurnoutError) -> list[tuple[bytes, bytes]]:
    headers = [_JSON]
    code = _HEADER_SAFE.sub("", exc.code or "")[:64]  # an upstream's code may hold anything
    if code:  # every door's clients can read it, even where the body's shape has no code
        headers.append((b"x-turnout-error-code", code.encode()))
    if isinstance(exc, RateLimitError):
        retry_after = exc.retry_after if exc.retry_after is not None else 60
        headers.append((b"retry-after", str(max(1, int(retry_after + 0.999))).encode()))
    return headers


async def _send_json(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    # a length, so the server need not frame the body in chunks
    length = (b"content-length", str(len(body)).encode())
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, length] if headers else [_JSON, length]})
    await send({"type": "http.response.body", "body": body})


async def _send_error(send: Send, exc: TurnoutError) -> None:
    await _send_json(send, exc.status_code, _error_body(exc), _error_headers(exc))


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# the scope key a front door reads its ledger id from (None: the caller sent its own X-Request-Id,
# which is echoed but never a ledger key)
DOOR_REQUEST_ID = "turnout.request_id"
_CONSOLE_PREFIXES = ("/admin/", "/ui")


def _client_request_id(scope: Scope) -> str | None:
    """The caller's X-Request-Id, if it is a sane token (echoed, logged; never trusted as a
    ledger key: ledger ids must be unique, so the gateway keeps its own then)."""
    value = _header(scope, b"x-request-id")
    return value if value is not None and _REQUEST_ID.match(value) else None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _bearer(scope: Scope) -> str | None:
    auth = _header(scope, b"authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else auth.strip()
    return _header(scope, b"x-api-key") or _header(scope, b"api-key")


def _number(value: Any, name: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadRequestError(f"`{name}` must be a number", param=name) from None
    if number < 0 or number != number:  # negative or NaN
        raise BadRequestError(f"`{name}` must be a non-negative number", param=name)
    return number


def _has_hint_header(scope: Scope) -> bool:
    """Whether any ``X-Turnout-*`` header was sent (one pass, instead of one per hint; a loop,
    not ``any()`` over a generator, which costs a generator object on every request)."""
    for key, _ in scope["headers"]:  # noqa: SIM110 - see above
        if key.startswith(b"x-turnout-"):
            return True
    return False


# The hints of a request that sends none, one object for all of them: nothing on the request
# path changes a RouteHints (built anew, it cost a dataclass construction every request).
_NO_HINTS = RouteHints()


def parse_hints(body_hints: Any, scope: Scope) -> RouteHints:
    """Routing hints from the body field ``turnout`` and the ``X-Turnout-*`` headers (body wins)."""
    if body_hints is None:
        if not _has_hint_header(scope):  # the common request: no hints at all
            return _NO_HINTS
        body_hints = {}
    if not isinstance(body_hints, dict):
        raise BadRequestError("`turnout` must be an object", param="turnout")
    unknown = [k for k in body_hints if k not in _HINT_FIELDS]
    if unknown:
        raise BadRequestError(f"unknown field turnout.{unknown[0]}", param=f"turnout.{unknown[0]}")
    sens = body_hints.get("sensitivity") or _header(scope, b"x-turnout-sensitivity")
    comp = body_hints.get("complexity") or _header(scope, b"x-turnout-complexity")
    try:
        sensitivity = Sensitivity.parse(sens) if sens else None
        complexity = Complexity.parse(comp) if comp else None
    except ValueError as exc:
        raise BadRequestError(str(exc), param="turnout") from None
    fallbacks = body_hints.get("fallbacks") or []
    if not isinstance(fallbacks, list) or not all(isinstance(f, str) and f for f in fallbacks):
        raise BadRequestError("`turnout.fallbacks` must be a list of model names", param="turnout.fallbacks")
    cache = body_hints.get("cache") or _header(scope, b"x-turnout-cache")
    if cache is not None and cache not in ("no-store", "no-cache"):
        raise BadRequestError('`turnout.cache` must be "no-store" or "no-cache"', param="turnout.cache")
    return RouteHints(
        sensitivity=sensitivity,
        complexity=complexity,
        max_cost_usd=_number(body_hints.get("max_cost_usd", _header(scope, b"x-turnout-max-cost")), "max_cost_usd"),
        max_latency_ms=_number(body_hints.get("max_latency_ms", _header(scope, b"x-turnout-max-latency-ms")),
                               "max_latency_ms"),
        cache=cache,
        cache_max_age_s=_number(body_hints.get("cache_max_age_s"), "cache_max_age_s"),
        fallbacks=tuple(fallbacks),
    )


def _params_of(body: dict[str, Any]) -> dict[str, Any]:
    """Every field of the body but turnout's own and the nulls, in the body's order (a copy and
    four deletions: the comprehension it replaces cost a function frame a request)."""
    params = body.copy()
    for name in _BODY_FIELDS:
        params.pop(name, None)
    if None in params.values():  # an explicit null means "not sent"
        params = {k: v for k, v in params.items() if v is not None}
    return params


def parse_chat_request(raw: bytes, scope: Scope, *, strict: bool = False) -> tuple[ChatRequest, RouteHints]:
    """The body as the neutral request: every field but turnout's own kept in ``params``
    (unknown ones too, unless ``strict``), the body itself kept as ``raw_body`` for native
    pass-through to an OpenAI-compatible provider."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequestError(f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequestError("request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequestError("`model` is required: a model name or \"auto\"", param="model")
    messages = validate_messages(body.get("messages"))
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequestError("`stream` must be a boolean", param="stream")
    params = _params_of(body)
    validate_params(params, strict=strict)
    hints = parse_hints(body.get("turnout"), scope)
    return ChatRequest(model=model, messages=messages, params=params, stream=stream,
                       origin="openai.chat", raw_body=body), hints


# The headers a request shares with others, built once (every answer carries them, issue 17).
_CACHE_HEADERS = {outcome: (b"x-turnout-cache", outcome.encode()) for outcome in ("miss", "off", "hit", "semantic")}
_MODEL_HEADERS: dict[str, tuple[bytes, bytes]] = {}


def _model_header(model: str) -> tuple[bytes, bytes]:
    header = _MODEL_HEADERS.get(model)
    if header is None:
        if len(_MODEL_HEADERS) > 1024:  # ad-hoc model names: stay bounded
            _MODEL_HEADERS.clear()
        header = _MODEL_HEADERS[model] = (b"x-turnout-model", model.encode())
    return header


def _route_headers(model: str, turnout: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    cost = turnout.get("cost_usd", turnout.get("estimated_cost_usd", 0.0)) or 0.0
    cache = turnout.get("cache", "miss")
    headers = [
        _model_header(model),
        (b"x-turnout-cost-usd", f"{cost:.10f}".rstrip("0").rstrip(".").encode() or b"0"),
        (_CACHE_HEADERS.get(cache) if cache.__class__ is str else None) or (b"x-turnout-cache", str(cache).encode()),
    ]
    if turnout.get("fallback_reason"):  # a substitution is never silent (PRODUCT: model names)
        reason = " ".join(str(turnout["fallback_reason"]).split())[:300]
        headers.append((b"x-turnout-fallback-reason", reason.encode("ascii", "replace")))
        headers.append((b"x-turnout-requested-model", str(turnout.get("requested_model") or "auto").encode()))
    return headers


def _dropped_headers(gateway: Gateway, model: str, request: ChatRequest) -> list[tuple[bytes, bytes]]:
    """``X-Turnout-Dropped-Params``: the parameters the answering model's provider could not
    take (none for an OpenAI-compatible one, which gets them all)."""
    if not request.params:
        return []
    try:
        dropped = gateway.router.provider(model).dropped_params(request)
    except TurnoutError:  # not a model of ours (the knowledge base, a cached answer's name)
        return []
    if not dropped:
        return []
    # a parameter name is the caller's text: percent-encode it so the header stays valid
    return [(b"x-turnout-dropped-params", ",".join(quote(name, safe="_-.") for name in dropped).encode())]


class TurnoutApp:
    def __init__(self, gateway: Gateway, *, max_body_bytes: int | None = None) -> None:
        self.gateway = gateway
        gateway.remote_callers = True  # only configured models for HTTP callers (model_access.py)
        self.max_body_bytes = max_body_bytes or gateway.config.server.max_body_bytes
        self._console: Any = None  # the admin API and dashboard (Starlette), built on first use
        observability.configure_access_log()

    def console(self) -> Any:
        if self._console is None:
            from turnout.server.admin import console_app

            self._console = console_app(self.gateway)
        return self._console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.gateway.astart()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.gateway.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        started_ns = time.time_ns()
        client_rid = _client_request_id(scope)
        rid = client_rid or new_request_id()
        rid_header = (b"x-request-id", rid.encode())
        ctx: dict[str, Any] = {"status": 500}

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), rid_header]
                ctx["status"] = message["status"]
            await send(message)

        try:
            await self._dispatch(scope, receive, send_with_id, ctx, None if client_rid else rid)
        finally:
            path = scope["path"]
            record = ctx.get("record")
            if path.startswith(_CONSOLE_PREFIXES) and ctx["status"] < 400:
                pass  # dashboard pages and their assets: not worth a log line each
            else:
                observability.write_access(observability.access_entry(
                    request_id=rid, method=scope["method"], path=path, status=ctx["status"],
                    latency_ms=(time.perf_counter() - started) * 1000, key_id=ctx.get("key_id"),
                    record=record, error=ctx.get("error")))
            if "requested_model" in ctx and observability.tracer() is not None:
                observability.trace_request(record, requested_model=ctx["requested_model"], started_ns=started_ns,
                                            ended_ns=time.time_ns(), status=ctx["status"], error=ctx.get("error"))

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send, ctx: dict[str, Any],
                        request_id: str | None) -> None:
        path = scope["path"]
        method = scope["method"]
        try:
            if path in ("/v1/chat/completions", "/chat/completions"):
                if method != "POST":
                    raise _MethodNotAllowed("POST")
                await self._chat(scope, receive, send, ctx, request_id)
            elif path in ("/v1/feedback", "/feedback"):
                if method != "POST":
                    raise _MethodNotAllowed("POST")
                await handle_feedback(self, scope, receive, send)
            elif path.startswith(_CONSOLE_PREFIXES):
                try:
                    await self.console()(scope, receive, send)
                except Exception:  # Starlette already answered 500 and logged; re-raised for servers
                    if ctx["status"] < 500:
                        raise
            elif path in ("/v1/models", "/models"):
                principal = await self.gateway.aauthenticate(_bearer(scope))
                await _send_json(send, 200, orjson.dumps(self.gateway.list_models(principal)))
            elif path == "/health":
                await _send_json(send, 200, orjson.dumps(self.gateway.health()))
            elif path in ("/health/live", "/health/ready", "/openapi.json"):
                await self._ops(path, send)
            elif path == "/metrics":
                body, content_type = metrics.render()
                await _send_json(send, 200, body, [(b"content-type", content_type.encode())])
            else:
                # the other front doors (server/doors/), loaded on first use
                from turnout.server.doors import handler_for

                handler = handler_for(path)
                if handler is None:
                    raise NotFoundError(f"no route {method} {path}", code="not_found")
                # the door's ledger row takes the id of the X-Request-Id answer header, as the
                # chat door's does, so feedback on that id finds the request
                scope[DOOR_REQUEST_ID] = request_id
                await handler(self, scope, receive, send)
        except _MethodNotAllowed as exc:
            err = BadRequestError(f"{method} is not allowed on {path}; use {exc.allowed}", code="method_not_allowed")
            await _send_json(send, 405, _error_body(err), [_JSON, (b"allow", exc.allowed.encode())])
        except TurnoutError as exc:
            metrics.record_error(type(exc).__name__, exc.status_code)
            ctx["error"] = exc.message
            await _send_error(send, exc)
        except Exception:  # a bug of ours: log it, answer 500 in OpenAI's shape, keep serving
            log.exception("unhandled error on %s %s", method, path)
            await _send_json(send, 500, _error_body(TurnoutError("internal error in the turnout gateway")))

    async def _ops(self, path: str, send: Send) -> None:
        """Probes and the API document: no key needed (load balancers call them)."""
        from turnout.server import health, openapi

        if path == "/health/live":
            await _send_json(send, 200, orjson.dumps(health.liveness()))
        elif path == "/health/ready":
            ready, body = await health.readiness(self.gateway)
            await _send_json(send, 200 if ready else 503, orjson.dumps(body))
        else:
            from turnout import __version__

            await _send_json(send, 200, orjson.dumps(openapi.document(__version__)))

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            raise RequestTooLargeError(f"request body of {length} bytes is over the limit of {self.max_body_bytes}")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone()
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body_bytes:
                raise RequestTooLargeError(f"request body is over the limit of {self.max_body_bytes} bytes")
            chunks.append(body)
            if not message.get("more_body"):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def _chat(self, scope: Scope, receive: Receive, send: Send, ctx: dict[str, Any],
                    request_id: str | None) -> None:
        started = time.perf_counter()
        try:
            token = _bearer(scope)
            principal = self.gateway.authenticate_cached(token) or await self.gateway.aauthenticate(token)
            ctx["key_id"] = principal.key_id
            raw = await self._read_body(scope, receive)
        except _ClientGone:
            ctx["status"] = 499
            return
        request, hints = parse_chat_request(raw, scope, strict=self.gateway.config.strict)
        ctx["requested_model"] = request.model
        if not request.stream:
            response = await self.gateway.acomplete(request, hints, principal=principal, request_id=request_id,
                                                    body=raw)
            turnout = ctx["record"] = response.get("turnout") or {}
            body = orjson.dumps(response)
            # _send_json's two messages, without its coroutine (every request)
            await send({"type": "http.response.start", "status": 200,
                        "headers": [_JSON, *_route_headers(response.get("model", ""), turnout),
                                    *_dropped_headers(self.gateway, response.get("model", ""), request),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self._stream(request, hints, principal, receive, send, started, ctx, request_id, raw)

    async def _stream(self, request: ChatRequest, hints: RouteHints, principal: Principal,
                      receive: Receive, send: Send, started: float, ctx: dict[str, Any] | None = None,
                      request_id: str | None = None, body: bytes | None = None) -> None:
        # Routing, retries and fallbacks all happen here, before the first byte is sent.
        routed = await self.gateway.astream(request, hints, principal=principal, request_id=request_id, body=body)
        if ctx is not None:
            ctx["record"] = routed.turnout
        await pump(routed, _ChatEvents(), receive, send,
                   [*_route_headers(routed.model, routed.turnout), *_dropped_headers(self.gateway, routed.model, request)])


class _ChatEvents(EventWriter):
    """OpenAI's chat stream: one ``data:`` event per chunk, ``[DONE]`` at the end; an error
    after the first byte is one more event, then ``[DONE]``."""

    def feed(self, chunk: dict[str, Any]) -> bytes:
        return b"data: " + orjson.dumps(chunk) + b"\n\n"

    def end(self) -> bytes:
        return _DONE

    def error(self, exc: TurnoutError) -> bytes:
        return b"data: " + _error_body(exc) + b"\n\n" + _DONE


class _MethodNotAllowed(Exception):
    def __init__(self, allowed: str) -> None:
        self.allowed = allowed


class _ClientGone(Exception):
    pass

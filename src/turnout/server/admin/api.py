"""The admin HTTP API, ``/admin/v1/``: keys, teams, usage, the request log, models, route dry-runs.

For the master key or admin-role keys (``Authorization: Bearer ...``). Errors in OpenAI's
shape, like the rest of the gateway. Names scripts depend on are fixed: ``POST /keys`` takes
``{"name", "budget_usd", ...}`` and returns the new secret once as ``key``; ``GET /keys`` lists
objects with ``name``, ``budget_usd`` and ``spend_usd``; ``GET /usage`` has ``totals`` with
``requests`` and ``cost_usd``.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.schemas import SchemaGenerator

from turnout.errors import BadRequestError, NotFoundError, TurnoutError
from turnout.ledger import parse_since
from turnout.ledger.queries import USAGE_BY, Filters
from turnout.server.admin.service import ConsoleService, Operator
from turnout.types import ChatRequest

log = logging.getLogger("turnout.admin")

_KEY_FIELDS = frozenset({"name", "budget_usd", "budget_period", "rpm", "tpm", "models", "max_sensitivity",
                         "metadata", "tags", "team", "team_id", "expires_at", "expires_in_s", "role"})
_TEAM_FIELDS = frozenset({"name", "budget_usd", "budget_period", "rpm", "tpm", "models", "max_sensitivity",
                          "metadata"})


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data, default=str), status_code=status, media_type="application/json",
                    headers=headers)


def error_response(exc: TurnoutError) -> Response:
    return json_response(exc.to_openai(), exc.status_code)


def bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else auth.strip()
    return request.headers.get("x-api-key")


async def read_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequestError(f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequestError("request body must be a JSON object")
    return body


def _since(request: Request, default: str = "30d") -> tuple[float, float | None]:
    try:
        since = parse_since(request.query_params.get("since") or default)
        until_raw = request.query_params.get("until")
        until = parse_since(until_raw) if until_raw else None
    except ValueError as exc:
        raise BadRequestError(str(exc), param="since") from None
    return since, until


def _int_param(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequestError(f"`{name}` must be an integer", param=name) from None
    if not lo <= value <= hi:
        raise BadRequestError(f"`{name}` must be between {lo} and {hi}", param=name)
    return value


def key_changes(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validated fields of a key create/update body (unknown fields are refused, so a typo
    never silently creates an unlimited key)."""
    unknown = sorted(set(body) - _KEY_FIELDS)
    if unknown:
        raise BadRequestError(f"unknown field {unknown[0]!r}", param=unknown[0])
    out = dict(body)
    if "expires_in_s" in out:
        ttl = out.pop("expires_in_s")
        if ttl is not None:
            if isinstance(ttl, bool) or not isinstance(ttl, int | float) or ttl <= 0:
                raise BadRequestError("`expires_in_s` must be a positive number", param="expires_in_s")
            import time

            out["expires_at"] = time.time() + float(ttl)
    if "team_id" in out:
        out["team"] = out.pop("team_id")
    for name in ("budget_usd",):
        v = out.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise BadRequestError(f"`{name}` must be a number", param=name)
    if "models" in out and out["models"] is not None and not isinstance(out["models"], list | str):
        raise BadRequestError("`models` must be a list of model patterns", param="models")
    if "metadata" in out and out["metadata"] is not None and not isinstance(out["metadata"], dict):
        raise BadRequestError("`metadata` must be an object", param="metadata")
    if creating and out.get("budget_period") is None:
        out.pop("budget_period", None)
    return out


class AdminAPI:
    def __init__(self, service: ConsoleService) -> None:
        self.s = service

    async def _op(self, request: Request) -> Operator:
        return await self.s.operator(bearer(request))

    def routes(self) -> list[Route]:
        p = "/admin/v1"
        return [
            Route(f"{p}/keys", self.keys, methods=["GET", "POST"]),
            Route(f"{p}/keys/{{ref}}", self.key, methods=["GET", "PATCH", "DELETE"]),
            Route(f"{p}/keys/{{ref}}/revoke", self.key_revoke, methods=["POST"]),
            Route(f"{p}/teams", self.teams, methods=["GET", "POST"]),
            Route(f"{p}/teams/{{ref}}", self.team, methods=["GET", "PATCH", "DELETE"]),
            Route(f"{p}/usage", self.usage, methods=["GET"]),
            Route(f"{p}/usage/series", self.series, methods=["GET"]),
            Route(f"{p}/requests", self.requests, methods=["GET"]),
            Route(f"{p}/requests/{{request_id}}", self.request_detail, methods=["GET"]),
            Route(f"{p}/models", self.models, methods=["GET"]),
            Route(f"{p}/route", self.route, methods=["POST"]),
            Route(f"{p}/openapi.json", self.openapi, methods=["GET"], include_in_schema=False),
        ]

    # -- keys -----------------------------------------------------------------------------------
    async def keys(self, request: Request) -> Response:
        """
        get:
          summary: List virtual keys with their spend and budget left
          description: Objects with id, name, prefix, budget_usd, budget_period, spend_usd,
            budget_left_usd, rpm, tpm, models, max_sensitivity, tags, team, role, expires_at, state.
            `?include_revoked=false` hides revoked keys.
        post:
          summary: Create a key; the secret is returned once, as `key`
          description: 'Body: {"name", "budget_usd", "budget_period": total|daily|monthly, "rpm",
            "tpm", "models": [patterns], "max_sensitivity", "tags": [..], "team", "expires_at" or
            "expires_in_s", "role": user|admin, "metadata"}.'
        """
        await self._op(request)
        if request.method == "GET":
            include = request.query_params.get("include_revoked", "true").lower() != "false"
            await self.s.flush()
            data = await self.s.run(self.s.keys_with_spend, include)
            return json_response({"object": "list", "data": data})
        body = key_changes(await read_json(request), creating=True)
        name = body.pop("name", None)
        plaintext, key = await self.s.run(lambda: self.s.gateway.keys.create(name, **body))
        out = {"key": plaintext, **key.to_dict(), "spend_usd": 0.0,
               "budget_left_usd": key.limits.budget_usd, "state": "active"}
        return json_response(out, 201)

    async def key(self, request: Request) -> Response:
        """
        get:
          summary: One key (by id, name or prefix) with its spend
        patch:
          summary: Change a key's name, limits, tags, team, expiry, role or metadata
        delete:
          summary: Revoke a key (by id, name or prefix)
        """
        await self._op(request)
        ref = request.path_params["ref"]
        store = self.s.gateway.keys
        if request.method == "GET":
            await self.s.flush()
            return json_response(await self.s.run(self.s.key_with_spend, ref))
        if request.method == "DELETE":
            key = await self.s.run(store.revoke, ref)
            return json_response({**key.to_dict(), "state": "revoked"})
        changes = key_changes(await read_json(request), creating=False)
        key = await self.s.run(lambda: store.update(ref, **changes))
        return json_response(await self.s.run(self.s.key_with_spend, key.id))

    async def key_revoke(self, request: Request) -> Response:
        """
        post:
          summary: Revoke a key (by id, name or prefix); gateways stop accepting it within seconds
        """
        await self._op(request)
        key = await self.s.run(self.s.gateway.keys.revoke, request.path_params["ref"])
        return json_response({**key.to_dict(), "state": "revoked"})

    # -- teams ----------------------------------------------------------------------------------
    async def teams(self, request: Request) -> Response:
        """
        get:
          summary: List teams with their spend and budget left
        post:
          summary: 'Create a team: {"name", "budget_usd", "budget_period", "rpm", "tpm", "models", "max_sensitivity"}'
        """
        await self._op(request)
        if request.method == "GET":
            await self.s.flush()
            return json_response({"object": "list", "data": await self.s.run(self.s.teams_with_spend)})
        body = await read_json(request)
        unknown = sorted(set(body) - _TEAM_FIELDS)
        if unknown:
            raise BadRequestError(f"unknown field {unknown[0]!r}", param=unknown[0])
        if not body.get("name"):
            raise BadRequestError("`name` is required", param="name")
        name = body.pop("name")
        team = await self.s.run(lambda: self.s.gateway.keys.create_team(name, **body))
        return json_response({**team.to_dict(), "keys": [], "spend_usd": 0.0,
                              "budget_left_usd": team.limits.budget_usd}, 201)

    async def team(self, request: Request) -> Response:
        """
        get:
          summary: One team (by id or name)
        patch:
          summary: Change a team's name or limits
        delete:
          summary: Delete a team (its keys stay, without a team)
        """
        await self._op(request)
        ref = request.path_params["ref"]
        store = self.s.gateway.keys
        if request.method == "DELETE":
            team = await self.s.run(store.delete_team, ref)
            return json_response({**team.to_dict(), "deleted": True})
        if request.method == "PATCH":
            body = await read_json(request)
            team = await self.s.run(lambda: store.update_team(ref, **body))
            ref = team.id
        team = await self.s.run(store.get_team, ref)
        await self.s.flush()  # spend counts every answer already given, as the list does
        for t in await self.s.run(self.s.teams_with_spend):
            if t["id"] == team.id:
                return json_response(t)
        raise NotFoundError(f"no team {ref!r}", code="team_not_found")  # pragma: no cover

    # -- usage and the log ------------------------------------------------------------------------
    async def usage(self, request: Request) -> Response:
        """
        get:
          summary: Usage totals and breakdown
          description: '`?since=today|7d|30d|YYYY-MM-DD&until=...&by=model|key|team|tag|rule|day|hour|status|cache&key=...&model=...`.
            `totals` and every row carry requests, prompt_tokens, completion_tokens, tokens, cost_usd,
            saved_usd (cache savings), cache_hits, errors; rows add p50/p95/p99_latency_ms.'
        """
        await self._op(request)
        since, until = _since(request)
        by = request.query_params.get("by", "model")
        if by not in (*USAGE_BY, "team", "tag"):
            raise BadRequestError(f"invalid `by` {by!r}; expected one of: {', '.join((*USAGE_BY, 'team', 'tag'))}",
                                  param="by")
        tz = _int_param(request, "tz_offset_s", 0, -14 * 3600, 14 * 3600)
        await self.s.flush()
        data = await self.s.run(self.s.usage, since, until, by, key=request.query_params.get("key"),
                                model=request.query_params.get("model"), tz_offset_s=tz)
        return json_response(data)

    async def series(self, request: Request) -> Response:
        """
        get:
          summary: Cost and requests per hour or day and model (the dashboard's spend chart)
        """
        await self._op(request)
        since, until = _since(request, "7d")
        bucket = request.query_params.get("bucket", "hour")
        if bucket not in ("hour", "day"):
            raise BadRequestError("`bucket` must be hour or day", param="bucket")
        tz = _int_param(request, "tz_offset_s", 0, -14 * 3600, 14 * 3600)
        await self.s.flush()
        q = await self.s.run(self.s.queries)
        return json_response(await self.s.run(q.series, Filters(since=since, until=until), bucket=bucket,
                                              tz_offset_s=tz))

    async def requests(self, request: Request) -> Response:
        """
        get:
          summary: Recent requests, newest first, each with its decision explained
          description: '`?limit=50&before=<ts>&key=...&model=...&rule=...&status=ok|error&since=...`.
            Each item: request_id, ts, key_id, key_name, model_requested, model_used, rule, tokens,
            cost_usd, saved_usd, latency_ms, cache, fallbacks, status, error, route (reason, signals,
            rejected models with reasons, fallback chain, attempts), explanation. `prompt` only when
            ledger.store_prompts is on, with personal data redacted.'
        """
        await self._op(request)
        since, until = _since(request, "30d")
        limit = _int_param(request, "limit", 50, 1, 500)
        before_raw = request.query_params.get("before")
        try:
            before = float(before_raw) if before_raw else None
        except ValueError:
            raise BadRequestError("`before` must be a unix timestamp", param="before") from None
        status = request.query_params.get("status")
        if status not in (None, "ok", "error"):
            raise BadRequestError("`status` must be ok or error", param="status")
        key = request.query_params.get("key")
        await self.s.flush()
        key_id = (await self.s.run(self.s.gateway.keys.find, key)).id if key else None
        f = Filters(since=since, until=until, key_id=key_id, model=request.query_params.get("model"),
                    rule=request.query_params.get("rule"), status=status)
        rows = await self.s.run(self.s.request_log, f, limit, before)
        return json_response({"object": "list", "data": rows,
                              "next_before": rows[-1]["ts"] if len(rows) == limit else None})

    async def request_detail(self, request: Request) -> Response:
        """
        get:
          summary: One request from the log, by request id
        """
        await self._op(request)
        await self.s.flush()
        rid = request.path_params["request_id"]
        row = await self.s.run(self.s.queries().request, rid)
        if row is None:
            raise NotFoundError(f"no request {rid!r} in the ledger", code="request_not_found")
        from turnout.server.admin.service import explain, redact_text

        prompt = row.pop("prompt", None)
        if self.s.gateway.config.ledger.store_prompts and prompt:
            row["prompt"] = redact_text(prompt)
        row["explanation"] = explain(row)
        return json_response(row)

    # -- models and routing ------------------------------------------------------------------------
    async def models(self, request: Request) -> Response:
        """
        get:
          summary: Configured models with live health, latency and prices
        """
        await self._op(request)
        return json_response({"object": "list", "data": self.s.models()})

    async def route(self, request: Request) -> Response:
        """
        post:
          summary: Route dry-run; nothing is called or spent
          description: 'Body: {"model": "auto", "messages": [...]} or {"prompt": "..."}, optional
            "max_tokens", "turnout": {"sensitivity", "complexity", "max_cost_usd", "max_latency_ms"}.
            Returns the decision: model, rule, reason, signals, rejected (with reasons), fallback_chain,
            estimated_cost_usd.'
        """
        await self._op(request)
        return json_response(await route_dry_run(self.s, await read_json(request), request))

    async def openapi(self, request: Request) -> Response:
        schema = SchemaGenerator({"openapi": "3.0.0", "info": {"title": "Turnout admin API", "version": "1"}})
        return json_response(schema.get_schema(list[Any](self.routes())))


async def route_dry_run(service: ConsoleService, body: dict[str, Any], request: Request | None = None) -> dict[str, Any]:
    from turnout.server.app import parse_hints
    from turnout.validation import validate_messages, validate_params

    model = body.get("model") or "auto"
    if not isinstance(model, str):
        raise BadRequestError("`model` must be a string", param="model")
    if "messages" in body:
        messages = validate_messages(body["messages"])
    elif isinstance(body.get("prompt"), str) and body["prompt"].strip():
        messages = [{"role": "user", "content": body["prompt"]}]
    else:
        raise BadRequestError('send "messages" or a non-empty "prompt"', param="messages")
    params = {k: v for k, v in body.items() if k not in ("model", "messages", "prompt", "turnout") and v is not None}
    validate_params(params)
    scope: dict[str, Any] = dict(request.scope) if request is not None else {"headers": []}
    hints = parse_hints(body.get("turnout"), scope)
    chat = ChatRequest(model=model, messages=messages, params=params, stream=False)
    decision = await service.run(service.gateway.route, chat, hints)
    result: dict[str, Any] = decision.to_dict()
    return result

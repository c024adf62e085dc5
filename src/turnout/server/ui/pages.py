"""The dashboard's pages: login, overview, keys, request log, models, route playground."""

from __future__ import annotations

import hmac
import secrets
import time
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from turnout.errors import AuthenticationError, BadRequestError, PermissionDeniedError, TurnoutError
from turnout.ledger.queries import Filters
from turnout.server.admin.service import ConsoleService

_HERE = Path(__file__).parent
_OVERVIEW_RANGES = {"24h": ("24h", "hour"), "7d": ("7d", "hour"), "30d": ("30d", "day")}


def _fmt_usd(value: Any) -> str:
    if value is None:
        return "—"
    v = float(value)
    if v == 0:
        return "$0"
    return f"${v:,.4f}" if abs(v) < 1 else f"${v:,.2f}"


def _fmt_ts(value: Any) -> str:
    if value is None:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(value)))


def _fmt_ms(value: Any) -> str:
    return "—" if value is None else f"{float(value):,.0f} ms"


class _LoginRequired(Exception):
    pass


class DashboardUI:
    def __init__(self, service: ConsoleService) -> None:
        self.s = service
        self.templates = Jinja2Templates(directory=str(_HERE / "templates"))
        env = self.templates.env
        env.filters["usd"] = _fmt_usd
        env.filters["ts"] = _fmt_ts
        env.filters["ms"] = _fmt_ms

    def routes(self) -> list[Any]:
        return [
            Route("/ui", self.root, methods=["GET"]),
            Route("/ui/", self.overview, methods=["GET"]),
            Route("/ui/login", self.login, methods=["GET", "POST"]),
            Route("/ui/logout", self.logout, methods=["POST"]),
            Route("/ui/keys", self.keys, methods=["GET", "POST"]),
            Route("/ui/keys/{key_id}/revoke", self.revoke, methods=["POST"]),
            Route("/ui/requests", self.requests, methods=["GET"]),
            Route("/ui/requests/{request_id}", self.request_detail, methods=["GET"]),
            Route("/ui/models", self.models, methods=["GET"]),
            Route("/ui/playground", self.playground, methods=["GET", "POST"]),
            Mount("/ui/static", app=StaticFiles(directory=str(_HERE / "static")), name="static"),
        ]

    # -- session and CSRF -----------------------------------------------------------------------
    @staticmethod
    def _csrf(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(32)
        return str(token)

    async def _form(self, request: Request) -> dict[str, str]:
        """The posted form, after checking its CSRF token against the session's."""
        form = await request.form()
        sent = str(form.get("csrf") or "")
        expected = str(request.session.get("csrf") or "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise PermissionDeniedError("the form expired or came from another site: reload the page and retry",
                                        code="csrf_failed")
        return {k: str(v) for k, v in form.items()}

    async def _who(self, request: Request) -> str:
        who = request.session.get("who")
        if not who or not await self.s.still_valid(str(who)):
            request.session.pop("who", None)
            raise _LoginRequired()
        return str(who)

    def _page(self, request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.update(request=request, csrf=self._csrf(request), who=request.session.get("who"),
                   nav=template.split(".")[0])
        return self.templates.TemplateResponse(request, template, ctx, status_code=status)

    async def _guard(self, request: Request) -> Response | None:
        try:
            await self._who(request)
        except _LoginRequired:
            return RedirectResponse("/ui/login", status_code=303)
        return None

    async def error_page(self, request: Request, exc: TurnoutError) -> Response:
        return self._page(request, "error.html", status=exc.status_code, message=exc.message)

    # -- pages ----------------------------------------------------------------------------------
    async def root(self, request: Request) -> Response:
        return RedirectResponse("/ui/", status_code=307)

    async def login(self, request: Request) -> Response:
        if not self.s.gateway.requires_auth:
            return self._page(request, "login.html", status=403, disabled=True, error=None)
        if request.method == "GET":
            return self._page(request, "login.html", error=None, disabled=False)
        form = await self._form(request)
        try:
            op = await self.s.operator(form.get("key", "").strip())
        except (AuthenticationError, PermissionDeniedError) as exc:
            return self._page(request, "login.html", status=401, error=exc.message, disabled=False)
        request.session.clear()
        request.session["who"] = op.who
        request.session["csrf"] = secrets.token_urlsafe(32)  # a new token for the new session
        return RedirectResponse("/ui/", status_code=303)

    async def logout(self, request: Request) -> Response:
        await self._form(request)
        request.session.clear()
        return RedirectResponse("/ui/login", status_code=303)

    async def overview(self, request: Request) -> Response:
        if (r := await self._guard(request)) is not None:
            return r
        span = request.query_params.get("range", "7d")
        if span not in _OVERVIEW_RANGES:
            span = "7d"
        data = await self.s.run(self.overview_data, span)
        return self._page(request, "overview.html", span=span, ranges=list(_OVERVIEW_RANGES), **data,
                          series_json=orjson.dumps(data["series"]).decode())

    def overview_data(self, span: str) -> dict[str, Any]:
        """Everything the overview shows, in one worker-thread call: totals, spend per bucket
        and model, top models (by cost) and the latest errors."""
        from turnout.ledger import parse_since

        since_text, bucket = _OVERVIEW_RANGES[span]
        since = parse_since(since_text)
        q = self.s.queries()
        f = Filters(since=since)
        tz = -time.timezone if not time.localtime().tm_isdst else -time.altzone
        data = q.overview(f, bucket=bucket, tz_offset_s=tz, top=10)
        data["errors"] = q.requests(Filters(since=since, status="error"), limit=5)
        return data

    async def keys(self, request: Request) -> Response:
        if (r := await self._guard(request)) is not None:
            return r
        created = None
        error = None
        if request.method == "POST":
            form = await self._form(request)
            try:
                created = await self.s.run(self._create_key, form)
            except TurnoutError as exc:
                error = exc.message
        await self.s.flush()
        keys = await self.s.run(self.s.keys_with_spend)
        teams = await self.s.run(self.s.gateway.keys.list_teams)
        return self._page(request, "keys.html", keys=keys, teams=teams, created=created, error=error,
                          status=400 if error else 200)

    def _create_key(self, form: dict[str, str]) -> dict[str, Any]:
        def num(name: str, kind: type) -> Any:
            raw = form.get(name, "").strip()
            if not raw:
                return None
            try:
                return kind(raw)
            except ValueError:
                raise BadRequestError(f"{name.replace('_', ' ')} must be a number", param=name) from None

        name = form.get("name", "").strip() or None
        models = [m.strip() for m in form.get("models", "").split(",") if m.strip()]
        tags = [t.strip() for t in form.get("tags", "").split(",") if t.strip()]
        expires_days = num("expires_days", float)
        plaintext, key = self.s.gateway.keys.create(
            name, budget_usd=num("budget_usd", float), budget_period=form.get("budget_period") or "total",
            rpm=num("rpm", int), tpm=num("tpm", int), models=models or None,
            max_sensitivity=form.get("max_sensitivity") or None, tags=tags, team=form.get("team") or None,
            expires_at=time.time() + expires_days * 86400 if expires_days else None,
            role=form.get("role") or "user")
        return {"key": plaintext, **key.to_dict()}

    async def revoke(self, request: Request) -> Response:
        if (r := await self._guard(request)) is not None:
            return r
        await self._form(request)
        await self.s.run(self.s.gateway.keys.revoke, request.path_params["key_id"])
        return RedirectResponse("/ui/keys", status_code=303)

    async def requests(self, request: Request) -> Response:
        if (r := await self._guard(request)) is not None:
            return r
        qp = request.query_params
        status = qp.get("status") if qp.get("status") in ("ok", "error") else None
        key = qp.get("key") or None
        key_id = None
        if key:
            try:
                key_id = (await self.s.run(self.s.gateway.keys.find, key)).id
            except TurnoutError:
                key_id = "(none)"
        try:
            before = float(qp["before"]) if qp.get("before") else None
        except ValueError:
            before = None
        f = Filters(since=0.0, key_id=key_id, model=qp.get("model") or None, status=status)
        await self.s.flush()
        rows = await self.s.run(self.s.request_log, f, 50, before)
        return self._page(request, "requests.html", rows=rows, filters={"key": key or "", "model": qp.get("model", ""),
                                                                      "status": status or ""},
                          next_before=rows[-1]["ts"] if len(rows) == 50 else None)

    async def request_detail(self, request: Request) -> Response:
        if (r := await self._guard(request)) is not None:
            return r
        await self.s.flush()
        rid = request.path_params["request_id"]
        rows = [row for row in await self.s.run(self._one, rid) if row]
        if not rows:
            return self._page(request, "error.html", status=404, message=f"no request {rid} in the ledger")
        row = rows[0]
        return self._page(request, "request.html", row=row,
                          route_json=orjson.dumps(row.get("route"), option=orjson.OPT_INDENT_2).decode())

    def _one(self, rid: str) -> list[dict[str, Any] | None]:
        from turnout.server.admin.service import explain, redact_text

        row = self.s.queries().request(rid)
        if row is not None:
            prompt = row.pop("prompt", None)
            if self.s.gateway.config.ledger.store_prompts and prompt:
                row["prompt"] = redact_text(prompt)
            row["explanation"] = explain(row)
        return [row]

    async def models(self, request: Request) -> Response:
        if (r := await self._guard(request)) is not None:
            return r
        return self._page(request, "models.html", models=self.s.models())

    async def playground(self, request: Request) -> Response:
        if (r := await self._guard(request)) is not None:
            return r
        decision = None
        error = None
        form: dict[str, str] = {}
        if request.method == "POST":
            form = await self._form(request)
            from turnout.server.admin.api import route_dry_run

            body: dict[str, Any] = {"model": form.get("model") or "auto", "prompt": form.get("prompt", "")}
            hints = {k: form[k] for k in ("sensitivity", "complexity") if form.get(k)}
            if form.get("max_cost_usd"):
                hints["max_cost_usd"] = form["max_cost_usd"]
            if hints:
                body["turnout"] = hints
            try:
                decision = await route_dry_run(self.s, body)
            except TurnoutError as exc:
                error = exc.message
        models = [m["id"] for m in self.s.models()]
        return self._page(request, "playground.html", decision=decision, error=error, form=form, models=models,
                          status=400 if error else 200)

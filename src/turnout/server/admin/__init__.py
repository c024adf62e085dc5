"""The operator's console beside the chat hot path: the admin API (``/admin/v1/``) and the
dashboard (``/ui``), one Starlette app. ``server.app`` hands it every request under those
prefixes; the chat endpoints never pass through it.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("turnout.admin")


def console_app(gateway: Any) -> Any:
    """The Starlette app serving ``/admin/v1/...`` and ``/ui...`` for this gateway."""
    import hashlib
    import hmac
    import secrets

    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.sessions import SessionMiddleware
    from starlette.requests import Request
    from starlette.responses import Response

    from turnout.errors import BadRequestError, NotFoundError, TurnoutError
    from turnout.server.admin.api import AdminAPI, error_response
    from turnout.server.admin.service import ConsoleService
    from turnout.server.ui import DashboardUI

    service = ConsoleService(gateway)
    api = AdminAPI(service)
    ui = DashboardUI(service)

    # Sessions are signed with a secret derived from the master key: every gateway sharing the
    # master key accepts the others' sessions (several gateways behind one load balancer),
    # and changing the master key logs everyone out.
    master = gateway.master_key or secrets.token_hex(32)
    secret = hmac.new(master.encode(), b"turnout-ui-session-v1", hashlib.sha256).hexdigest()

    async def turnout_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TurnoutError)
        if request.url.path.startswith("/ui"):
            return await ui.error_page(request, exc)
        return error_response(exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        err: TurnoutError
        if exc.status_code == 404:
            err = NotFoundError(f"no route {request.method} {request.url.path}", code="not_found")
        else:
            err = BadRequestError(str(exc.detail), code="method_not_allowed" if exc.status_code == 405 else None)
            err.status_code = exc.status_code
        if request.url.path.startswith("/ui"):
            return await ui.error_page(request, err)
        return error_response(err)

    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(TurnoutError("internal error in the turnout console"))

    return Starlette(
        routes=[*api.routes(), *ui.routes()],
        middleware=[Middleware(SessionMiddleware, secret_key=secret, session_cookie="turnout_session",
                               max_age=12 * 3600, path="/ui", same_site="strict", https_only=False)],
        exception_handlers={TurnoutError: turnout_error, HTTPException: http_error, Exception: crash},
    )

"""How every front door starts: the method, who is calling, the body, the routing hints.

One place, so the doors cannot drift apart on any of it (the auth check before the body is
read, the input limits, the error when the method is wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from turnout.errors import BadRequestError
from turnout.gateway import Principal
from turnout.server.app import DOOR_REQUEST_ID, _bearer, _ClientGone, parse_hints
from turnout.server.doors.body import parse_body
from turnout.types import RouteHints


def require_method(scope: dict[str, Any], *allowed: str) -> None:
    if scope["method"] not in allowed:
        raise BadRequestError(f"{scope['method']} is not allowed on {scope['path']}; use {' or '.join(allowed)}",
                              code="method_not_allowed")


@dataclass(slots=True)
class DoorCall:
    """A door request, authenticated and parsed."""

    principal: Principal
    body: dict[str, Any]
    scope: dict[str, Any]

    def hints(self) -> RouteHints:
        """The routing hints (parsed when asked: a door translates its body first, so a bad
        body is reported before a bad hint, as before)."""
        return parse_hints(self.body.get("turnout"), self.scope)

    @property
    def request_id(self) -> str | None:
        """The ledger id the server gave this request (its X-Request-Id answer header)."""
        rid: str | None = self.scope.get(DOOR_REQUEST_ID)
        return rid


async def open_call(app: Any, scope: dict[str, Any], receive: Any) -> DoorCall | None:
    """POST only; the caller authenticated before the body is read; the body JSON, an object,
    within the input limits. None when the client went away while sending it."""
    require_method(scope, "POST")
    try:
        principal = await app.gateway.aauthenticate(_bearer(scope))
        raw = await app._read_body(scope, receive)
    except _ClientGone:
        return None
    return DoorCall(principal, parse_body(raw), scope)

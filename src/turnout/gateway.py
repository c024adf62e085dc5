"""The one place where config, policy, routing, cache, limits and the ledger meet.

Both entry points use it: the library (``turnout.completion``) and the HTTP server. Each
request: measure signals -> check the caller's key (models, sensitivity, rate) -> decide ->
cache -> reserve budget -> call with fallbacks -> account (ledger, budget, metrics).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from turnout.catalog import ModelInfo
from turnout.config import TurnoutConfig, load_config
from turnout.policy.engine import Decision
from turnout.routing.router import AUTO, Router
from turnout.types import ChatCompletion, ChatCompletionChunk, ChatRequest, RouteHints


@dataclass(slots=True)
class GatewayStream:
    model: str
    turnout: dict[str, Any]
    _chunks: AsyncIterator[ChatCompletionChunk]

    def chunks(self) -> AsyncIterator[ChatCompletionChunk]:
        return self._chunks


class Gateway:
    def __init__(self, config: TurnoutConfig | None = None, *, router: Router | None = None) -> None:
        self.config = config or TurnoutConfig()
        self.router = router or Router(self.config)

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> Gateway:
        return cls(load_config(path))

    def _extra_model(self, request: ChatRequest, overrides: dict[str, Any] | None) -> ModelInfo | None:
        if request.model == AUTO or not overrides or not any(v is not None for v in overrides.values()):
            return None
        return self.router.info(request.model).with_overrides(**overrides)

    def route(self, request: ChatRequest, hints: RouteHints | None = None, *,
              model_overrides: dict[str, Any] | None = None) -> Decision:
        """The decision alone (``turnout route``): nothing is called, nothing is spent."""
        return self.router.route(request, hints, extra_model=self._extra_model(request, model_overrides))

    async def acomplete(self, request: ChatRequest, hints: RouteHints | None = None, *,
                        model_overrides: dict[str, Any] | None = None) -> ChatCompletion:
        extra = self._extra_model(request, model_overrides)
        return await self.router.acomplete(request, hints, extra_model=extra)

    async def astream(self, request: ChatRequest, hints: RouteHints | None = None, *,
                      model_overrides: dict[str, Any] | None = None) -> GatewayStream:
        extra = self._extra_model(request, model_overrides)
        routed = await self.router.astream(request, hints, extra_model=extra)
        return GatewayStream(routed.model, routed.turnout, routed.__aiter__())

    async def aclose(self) -> None:
        from turnout.providers.transport import close_sessions

        await close_sessions()


_default: Gateway | None = None
_default_lock = threading.Lock()


def default_gateway() -> Gateway:
    """The library's gateway, from ./turnout.yaml (or $TURNOUT_CONFIG) or the defaults."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Gateway.from_file()
    return _default


def set_default_gateway(gateway: Gateway | None) -> None:
    global _default
    _default = gateway

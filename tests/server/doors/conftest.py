"""A fake provider API (tests/providers/upstream.py) on its own event-loop thread, so the
gateway under test (a real uvicorn server in another thread) and the sync SDK clients can use
it as they would a real provider."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from providers.upstream import Upstream, fixture_json, fixture_text, json_reply, stream_reply


class ThreadedUpstream:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.server: Upstream = self._run(Upstream().start())
        self.url = self.server.url

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    @property
    def requests(self) -> list[Any]:
        return self.server.requests

    @property
    def last(self) -> Any:
        return self.server.last

    def reply_json(self, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        async def handler(request: web.Request, body: Any) -> web.StreamResponse:
            return json_reply(payload, status, headers)

        self.server.handler = handler

    def reply_by(self, pick: Callable[[Any], tuple[str, Any]]) -> None:
        """``pick(body) -> ("json", payload) | ("sse", text) | ("ndjson", text) | ("status", (code, payload))``."""

        async def handler(request: web.Request, body: Any) -> web.StreamResponse:
            kind, value = pick(body)
            if kind == "json":
                return json_reply(value)
            if kind == "status":
                return json_reply(value[1], value[0])
            content_type = "application/x-ndjson" if kind == "ndjson" else "text/event-stream"
            return await stream_reply(request, value, content_type=content_type)

        self.server.handler = handler

    def close(self) -> None:
        self._run(self.server.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


@pytest.fixture
def upstream() -> Iterator[ThreadedUpstream]:
    server = ThreadedUpstream()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _no_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys and base URLs from the developer's shell must not leak into tests."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
                 "OLLAMA_BASE_URL"):
        monkeypatch.setenv(name, "")


__all__ = ["ThreadedUpstream", "fixture_json", "fixture_text"]

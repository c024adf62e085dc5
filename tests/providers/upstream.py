"""A local aiohttp.web server standing in for a provider's HTTP API in tests.

It records every request (path, headers, parsed JSON body) and answers with the handler the
test installs; helpers replay fixture payloads as JSON, SSE or NDJSON, in small pieces so the
client's line buffering is exercised as on a real network.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

FIXTURES = Path(__file__).parent / "fixtures"

Handler = Callable[[web.Request, Any], Awaitable[web.StreamResponse]]


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class Upstream:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.handler: Handler | None = None
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> Upstream:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def last(self) -> Recorded:
        return self.requests[-1]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        self.requests.append(Recorded(request.method, request.path, dict(request.headers), body))
        assert self.handler is not None, "test did not set upstream.handler"
        return await self.handler(request, body)

    async def hang(self) -> web.StreamResponse:
        """Never answer (until the server closes)."""
        await self._release.wait()
        return web.Response(status=499)


def json_reply(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(payload).encode(), status=status, headers=headers,
        content_type="application/json",
    )


async def stream_reply(
    request: web.Request, text: str, *, content_type: str = "text/event-stream", piece: int = 37
) -> web.StreamResponse:
    """Send ``text`` in ``piece``-byte writes (a SSE or NDJSON fixture, verbatim)."""
    resp = web.StreamResponse(headers={"content-type": content_type})
    await resp.prepare(request)
    data = text.encode()
    for i in range(0, len(data), piece):
        await resp.write(data[i : i + piece])
        await asyncio.sleep(0)
    await resp.write_eof()
    return resp

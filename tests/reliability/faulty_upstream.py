"""A fault-injecting OpenAI-compatible upstream on 127.0.0.1, in its own thread and loop.

Each request takes the next fault of ``script`` (then ``default``):

    ok                  a normal answer (JSON, or SSE when the request streams)
    status:<code>       that HTTP status with an OpenAI error body (500, 503, 400, 404, ...)
    429:<seconds>       429 with ``Retry-After``
    hang                never answers (the gateway's timeout must fire)
    reset               closes the connection without a response
    cut_before_first    stream: headers, then the connection drops before any chunk
    cut_after_first     stream: one content chunk, then the connection drops
    malformed           200 with a body that is not JSON (SSE: a chunk that is not JSON)
    huge:<bytes>        200 with a body (or stream) of that size

Real sockets, real aiohttp: the gateway's transport sees what it would see on a network.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from typing import Any

from aiohttp import web


class FaultyUpstream:
    def __init__(self, default: str = "ok") -> None:
        self.default = default
        self.script: deque[str] = deque()
        self.seen: list[str] = []  # the fault each request got
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._release: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FaultyUpstream:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    async def _start(self) -> None:
        self._release = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/v1"

    def stop(self) -> None:
        async def _stop() -> None:
            assert self._release is not None
            self._release.set()
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def then(self, *faults: str) -> FaultyUpstream:
        self.script.extend(faults)
        return self

    # -- answers -----------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body: Any = await request.json()
        fault = self.script.popleft() if self.script else self.default
        self.seen.append(fault)
        kind, _, arg = fault.partition(":")
        stream = bool(body.get("stream"))
        model = body.get("model", "m")
        if kind == "status":
            return web.json_response({"error": {"message": f"injected {arg}", "type": "server_error"}},
                                     status=int(arg))
        if kind == "429":
            return web.json_response({"error": {"message": "slow down", "type": "rate_limit"}}, status=429,
                                     headers={"retry-after": arg or "0"})
        if kind == "hang":
            assert self._release is not None
            await self._release.wait()
            return web.Response(status=500)
        if kind == "reset":
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)
        if kind == "malformed":
            if not stream:
                return web.Response(body=b"{not json", content_type="application/json")
            resp = await self._sse_start(request)
            await resp.write(b"data: {broken\n\n")
            await resp.write_eof()
            return resp
        if kind == "huge":
            size = int(arg)
            if not stream:
                pad = "x" * size
                return web.Response(body=json.dumps(_completion(model, pad)).encode(),
                                    content_type="application/json")
            resp = await self._sse_start(request)
            line = b"data: " + json.dumps(_chunk(model, "x" * 1000)).encode() + b"\n\n"
            sent = 0
            try:
                while sent < size:
                    await resp.write(line * 64)
                    sent += len(line) * 64
                await resp.write(b"data: [DONE]\n\n")
            except (ConnectionResetError, RuntimeError):
                pass  # the gateway hung up, as it should
            return resp
        if stream:
            resp = await self._sse_start(request)
            if kind == "cut_before_first":
                assert request.transport is not None
                request.transport.abort()
                return resp
            await resp.write(b"data: " + json.dumps(_chunk(model, "hello")).encode() + b"\n\n")
            if kind == "cut_after_first":
                await asyncio.sleep(0.2)  # let the chunk reach the gateway (and its caller) first
                assert request.transport is not None
                request.transport.abort()
                return resp
            await resp.write(b"data: " + json.dumps(_chunk(model, " world", finish="stop")).encode() + b"\n\n")
            usage = {**_chunk(model, None), "choices": [], "usage": _usage()}
            await resp.write(b"data: " + json.dumps(usage).encode() + b"\n\n")
            await resp.write(b"data: [DONE]\n\n")
            await resp.write_eof()
            return resp
        if kind in ("cut_before_first", "cut_after_first"):
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)
        return web.json_response(_completion(model, "hello world"))

    @staticmethod
    async def _sse_start(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        return resp


def _usage() -> dict[str, int]:
    return {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}


def _completion(model: str, text: str) -> dict[str, Any]:
    return {"id": "chatcmpl-x", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": _usage()}


def _chunk(model: str, text: str | None, finish: str | None = None) -> dict[str, Any]:
    delta = {"content": text} if text is not None else {}
    return {"id": "chatcmpl-x", "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

"""Several fake OpenAI-compatible upstreams on 127.0.0.1, each with its own speed and failure
rate: the deployments of a model group, for the load-balancing tests and bench.

    fleet = await Fleet.start([Spec("fast", delay_ms=5), Spec("slow", delay_ms=40, fail_rate=0.2)])
    ... models: [{"name": "gpt-4o@fast", "group": "gpt-4o", "provider": "openai",
                  "api_base": fleet["fast"].url + "/v1", "api_key": "k", "model": "gpt-4o"}]
    fleet["fast"].served, fleet["slow"].failed, fleet["fast"].max_in_flight
    await fleet.close()

Failures are a seeded pseudo-random 503 with ``Retry-After: 0``, so a run is reproducible.
Streams send three content chunks and a usage chunk, ``delay_ms`` before the first.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Spec:
    name: str
    delay_ms: float = 0.0
    fail_rate: float = 0.0
    seed: int = 0
    completion_tokens: int = 24


@dataclass
class FakeDeployment:
    spec: Spec
    url: str = ""
    served: int = 0
    failed: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    runner: Any = None
    rng: random.Random = field(default_factory=random.Random)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.spec.delay_ms:
                await asyncio.sleep(self.spec.delay_ms / 1000)
            if self.rng.random() < self.spec.fail_rate:
                self.failed += 1
                return web.json_response({"error": {"message": f"{self.spec.name} overloaded", "type": "server_error"}},
                                         status=503, headers={"retry-after": "0"})
            self.served += 1
            model = body.get("model", "m")
            usage = {"prompt_tokens": 10, "completion_tokens": self.spec.completion_tokens,
                     "total_tokens": 10 + self.spec.completion_tokens}
            text = f"answer from {self.spec.name}"
            if not body.get("stream"):
                return web.json_response({
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": 1, "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                 "finish_reason": "stop"}],
                    "usage": usage,
                })
            resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
            await resp.prepare(request)
            for i, piece in enumerate(text.split(" ")):
                delta = {"role": "assistant", "content": piece} if i == 0 else {"content": " " + piece}
                chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": model,
                         "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                await resp.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            last = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": model,
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage}
            await resp.write(b"data: " + json.dumps(last).encode() + b"\n\ndata: [DONE]\n\n")
            await resp.write_eof()
            return resp
        finally:
            self.in_flight -= 1


class Fleet:
    def __init__(self, deployments: list[FakeDeployment]) -> None:
        self.deployments = {d.spec.name: d for d in deployments}

    def __getitem__(self, name: str) -> FakeDeployment:
        return self.deployments[name]

    @classmethod
    async def start(cls, specs: list[Spec]) -> Fleet:
        out = []
        for spec in specs:
            dep = FakeDeployment(spec, rng=random.Random(spec.seed))
            app = web.Application()
            app.router.add_post("/v1/chat/completions", dep.handle)
            dep.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
            await dep.runner.setup()
            site = web.TCPSite(dep.runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            dep.url = f"http://127.0.0.1:{port}"
            out.append(dep)
        return cls(out)

    def models(self, group: str, upstream_model: str = "gpt-4o", **per: dict[str, Any]) -> list[dict[str, Any]]:
        """turnout.yaml model entries: one deployment per upstream, named ``<group>@<name>``."""
        return [{"name": f"{group}@{name}", "group": group, "provider": "openai", "model": upstream_model,
                 "api_base": dep.url + "/v1", "api_key": "test-key", "input_per_mtok": 1.0, "output_per_mtok": 2.0,
                 "context_window": 128_000, **per.get(name, {})}
                for name, dep in self.deployments.items()]

    async def close(self) -> None:
        for dep in self.deployments.values():
            await dep.runner.cleanup()

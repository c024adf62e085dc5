"""A client that disconnects mid-stream stops the upstream generation, and the ledger records
what was produced (status 499)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator

import httpx

from turnout.providers import registry
from turnout.providers.base import Provider
from turnout.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    make_chunk,
    make_completion,
)


class SlowStream(Provider):
    """Streams one token every 20 ms, up to 500; records how far it got and whether it was closed."""

    kind = "slowstream"
    produced = 0
    closed = threading.Event()

    async def acomplete(self, request: ChatRequest, *, timeout: float | None = None) -> ChatCompletion:
        return make_completion(model=self.name, content="done", prompt_tokens=1, completion_tokens=1)

    async def astream(self, request: ChatRequest, *, timeout: float | None = None) -> AsyncIterator[ChatCompletionChunk]:
        try:
            for i in range(500):
                type(self).produced = i + 1
                yield make_chunk(completion_id="x", model=self.name, created=0, delta={"content": f" t{i}"})
                await asyncio.sleep(0.02)
        finally:
            type(self).closed.set()


def test_disconnect_mid_stream_stops_the_upstream(serve, monkeypatch):
    monkeypatch.setitem(registry._PROVIDER_CLASSES, "slowstream", f"{__name__}:SlowStream")
    SlowStream.closed.clear()
    srv = serve({"models": [{"name": "slow", "provider": "slowstream", "local": True}], "cache": {"enabled": False}})
    with httpx.Client(timeout=10) as client, client.stream(
        "POST", f"{srv.base_url}/chat/completions",
        json={"model": "slow", "messages": [{"role": "user", "content": "go"}], "stream": True},
    ) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        first = next(line for line in lines if line.startswith("data: "))
        assert "t0" in first
    # The client is gone: the upstream generator must be closed long before its 10 s.
    assert SlowStream.closed.wait(timeout=3), "upstream generation kept running after the client left"
    produced = SlowStream.produced
    time.sleep(0.3)
    assert SlowStream.produced == produced and produced < 100
    ledger = srv.gateway.ledger
    # The record is written when the cancelled stream has unwound on the server's loop, which
    # on a loaded machine can come after the upstream generator's own close: wait for it.
    deadline = time.monotonic() + 5
    while ledger.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    rows = ledger.summary(since=0, by="model")
    assert sum(r.errors for r in rows) == 1  # recorded, as a 499 (client closed), with its tokens
    assert sum(r.completion_tokens for r in rows) > 0  # the text produced before the client left

"""server/streaming.pump: the one way every door sends a routed stream. However the sending
ends (complete, client gone, a failing sender, a bug mid-stream), the routed stream is closed
before pump returns, so its accounting never waits for the garbage collector."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from typing import Any

import pytest

from turnout.errors import ProviderError, TurnoutError
from turnout.gateway import GatewayStream
from turnout.server.streaming import EventWriter, pump


class Lines(EventWriter):
    def feed(self, chunk: dict[str, Any]) -> bytes:
        return f"{chunk['n']}\n".encode()

    def end(self) -> bytes:
        return b"end\n"

    def error(self, exc: TurnoutError) -> bytes:
        return f"error {type(exc).__name__}\n".encode()


class Upstream:
    """A routed stream that records whether its generator's cleanup ran."""

    def __init__(self, n: int, *, fail_at: int | None = None, exc: BaseException | None = None,
                 gap_s: float = 0.0) -> None:
        self.n, self.fail_at, self.exc, self.gap_s = n, fail_at, exc, gap_s
        self.closed = False
        self.produced = 0

    async def chunks(self) -> AsyncIterator[dict[str, Any]]:
        try:
            for i in range(self.n):
                if i == self.fail_at:
                    assert self.exc is not None
                    raise self.exc
                self.produced += 1
                yield {"n": i}
                if self.gap_s:
                    await asyncio.sleep(self.gap_s)
        finally:
            self.closed = True

    def routed(self) -> GatewayStream:
        return GatewayStream("m", {}, self.chunks())


class Client:
    def __init__(self, *, leave_after: int | None = None, fail_send_at: int | None = None) -> None:
        self.bodies: list[bytes] = []
        self.leave_after = leave_after
        self.fail_send_at = fail_send_at
        self.gone = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] != "http.response.body":
            return
        if self.fail_send_at is not None and len(self.bodies) == self.fail_send_at:
            raise OSError("the socket broke")
        self.bodies.append(message["body"])
        if self.leave_after is not None and len(self.bodies) >= self.leave_after:
            self.gone.set()


async def run(upstream: Upstream, client: Client) -> None:
    gc.disable()  # a closed upstream must be pump's doing, not the collector's
    try:
        await pump(upstream.routed(), Lines(), client.receive, client.send, [])
    finally:
        gc.enable()


async def test_a_complete_stream_ends_with_the_writers_tail() -> None:
    upstream, client = Upstream(3), Client()
    await run(upstream, client)
    assert client.bodies == [b"0\n", b"1\n", b"2\n", b"end\n"] and upstream.closed


async def test_a_client_that_leaves_stops_the_upstream() -> None:
    upstream, client = Upstream(1000, gap_s=0.001), Client(leave_after=3)
    await run(upstream, client)
    assert upstream.closed and upstream.produced < 1000


@pytest.mark.parametrize("exc", [ProviderError("upstream broke"), RuntimeError("a bug of ours")])
async def test_an_error_mid_stream_ends_it_in_band(exc: BaseException) -> None:
    upstream, client = Upstream(5, fail_at=2, exc=exc), Client()
    await run(upstream, client)
    expected = "ProviderError" if isinstance(exc, ProviderError) else "TurnoutError"
    assert client.bodies == [b"0\n", b"1\n", f"error {expected}\n".encode()] and upstream.closed


async def test_a_sender_that_fails_still_closes_the_upstream() -> None:
    upstream, client = Upstream(1000, gap_s=0.001), Client(fail_send_at=2)
    with pytest.raises(OSError):
        await run(upstream, client)
    assert upstream.closed and upstream.produced < 1000

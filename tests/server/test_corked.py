"""server/corked.py: a loop turn's writes leave as one write, in order, and nothing is held
past the turn (a streamed chunk goes out while the app waits for the next one)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any, ClassVar

import pytest
import uvicorn
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.server.corked import CorkedHttpToolsProtocol, CorkedTransport


class _Recorder:
    """A transport that keeps what is written to it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name in ("sockname", "peername") else default


responses = st.lists(st.lists(st.lists(st.binary(max_size=40), max_size=5), min_size=1, max_size=4),
                     min_size=1, max_size=5)  # responses, each of loop turns, each of writes


@settings(max_examples=200, deadline=None)
@given(responses)
def test_a_head_leaves_with_the_next_write_and_nothing_waits_past_its_turn(schedule: list[list[list[bytes]]]) -> None:
    async def run() -> None:
        raw = _Recorder()
        corked = CorkedTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
        sent: list[bytes] = []
        saved = 0  # writes saved: a head joined to the body written in its turn
        for response in schedule:
            for t, turn in enumerate(response):
                for data in turn:
                    corked.write(data)
                    sent.append(data)
                await asyncio.sleep(0)  # the turn ends
                assert b"".join(raw.writes) == b"".join(sent)  # nothing held past it, in order
                if t == 0 and sum(1 for d in turn if d) >= 2:
                    saved += 1
                elif t == 0 and not any(turn):
                    break  # the head is then the first write of a later turn: not modelled here
            corked.next_is_head()
        if all(any(response[0]) for response in schedule):
            assert len(raw.writes) == sum(1 for d in sent if d) - saved

    asyncio.run(run())


def test_close_sends_what_is_held_first() -> None:
    async def run() -> _Recorder:
        raw = _Recorder()
        corked = CorkedTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
        corked.write(b"HTTP/1.1 200 OK\r\n\r\n")
        corked.write(b"body")
        corked.close()
        await asyncio.sleep(0)
        return raw

    raw = asyncio.run(run())
    assert raw.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"] and raw.closed


class _Counting(CorkedHttpToolsProtocol):
    """The production protocol, with the socket's own writes counted underneath the cork."""

    writes: ClassVar[list[bytes]] = []

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_CountingTransport(transport))  # type: ignore[arg-type]


class _CountingTransport:
    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def write(self, data: bytes) -> None:
        _Counting.writes.append(bytes(data))
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await receive()
    if scope["path"] == "/json":
        body = b'{"ok":true}'
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"11")]})
        await send({"type": "http.response.body", "body": body})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
    await send({"type": "http.response.body", "body": b"data: 1\n\n", "more_body": True})
    await _GO.wait()  # the client must have read the first event before the second exists
    await send({"type": "http.response.body", "body": b"data: 2\n\n"})


_GO = asyncio.Event()


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_real_server_answers_in_one_write_and_streams_without_holding(loop: str) -> None:
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def main() -> tuple[bytes, bytes]:
        global _GO
        _GO = asyncio.Event()
        _Counting.writes = []
        server = uvicorn.Server(uvicorn.Config(_app, host="127.0.0.1", port=port, http=_Counting, lifespan="off",
                                               log_level="warning"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /json HTTP/1.1\r\nhost: x\r\n\r\n")
        answer = await reader.readuntil(b'{"ok":true}')
        assert len(_Counting.writes) == 1  # status line, headers and body: one send
        writer.write(b"GET /stream HTTP/1.1\r\nhost: x\r\n\r\n")
        first = await asyncio.wait_for(reader.readuntil(b"data: 1\n\n"), 10)  # while the app waits
        _GO.set()
        await asyncio.wait_for(reader.readuntil(b"data: 2\n\n"), 10)
        writer.close()
        server.should_exit = True
        await task
        return answer, first

    if loop == "uvloop":
        import uvloop

        answer, first = uvloop.run(main())
    else:
        answer, first = asyncio.run(main())
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and b"content-length: 11" in answer.lower()
    assert b"text/event-stream" in first

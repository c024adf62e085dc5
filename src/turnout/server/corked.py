"""uvicorn's httptools protocol with its writes held to the end of the event-loop turn.

uvicorn writes a response in two ``transport.write`` calls: the status line and headers on
``http.response.start``, then the body. Each is a ``send`` on the socket, and on loopback each
wakes the client: about a fifth of a forwarded request's GIL time went there
(docs/benchmarks.md, "The hot path"). The app sends both messages in one task step, so holding
the bytes until the loop turn ends and writing them together makes one ``send`` of the whole
response. A streamed response loses nothing: its headers (and whatever chunks the same turn
produced) leave at the end of that turn, as soon as the task yields.

The protocol is uvicorn's own; only its transport is wrapped.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class CorkedTransport:
    """A transport whose writes within one loop turn leave as one write, in order.

    Everything but writing and closing is the wrapped transport's (``__getattr__``)."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(data)

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        held = self._held
        if not held:
            return
        self._held = []
        if self._transport.is_closing():
            return  # the peer is gone: asyncio would drop the bytes too (and log a warning)
        self._transport.write(held[0] if len(held) == 1 else b"".join(held))

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._held))

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()  # a response written just before closing still goes out, as unwrapped
        self._transport.close()

    def abort(self) -> None:
        self._held = []
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CorkedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through a ``CorkedTransport``."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CorkedTransport(transport, self.loop))  # type: ignore[arg-type]

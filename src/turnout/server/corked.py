"""uvicorn's httptools protocol with a response's head and first body part in one write.

uvicorn writes a response in two ``transport.write`` calls: the status line and headers on
``http.response.start``, then the body. Each is a ``send`` on the socket, and on loopback each
wakes the client: about a fifth of a forwarded request's GIL time went there
(docs/benchmarks.md, "The hot path"). The app sends both messages in one task step, so the
head is held until the next write, which carries both: one ``send`` for a whole JSON answer.

Nothing waits past the loop turn: a head with no body in the same turn (a stream whose first
chunk is not ready, a ``100 Continue``) leaves when the turn ends. Writes after the head go
straight through, so a streamed chunk costs what it did.

The protocol is uvicorn's own; only its transport is wrapped.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class CorkedTransport:
    """A transport that holds the first write of each response until the next write or the
    end of the loop turn, whichever comes first. Everything but writing and closing is the
    wrapped transport's (``__getattr__``)."""

    __slots__ = ("_head_next", "_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None
        self._head_next = True

    def next_is_head(self) -> None:
        """The response is complete: the next write starts another one."""
        self._head_next = True

    def write(self, data: bytes) -> None:
        if not data:
            return
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held + data)
        elif self._head_next:
            self._head_next = False
            self._held = data
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        held = self._held
        if held is None:
            return
        self._held = None
        if not self._transport.is_closing():  # the peer is gone: asyncio would drop them too
            self._transport.write(held)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + len(self._held or b"")

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()  # a response written just before closing still goes out, as unwrapped
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CorkedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through a ``CorkedTransport``."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CorkedTransport(transport, self.loop))  # type: ignore[arg-type]

    def on_response_complete(self) -> None:
        self.transport.next_is_head()  # type: ignore[attr-defined]
        super().on_response_complete()

"""A real uvicorn server in a background thread, serving a gateway built from a config dict."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn

from turnout.config import parse_config
from turnout.gateway import Gateway
from turnout.providers.fake import FakeProvider
from turnout.server.app import TurnoutApp
from turnout.server.corked import CorkedHttpToolsProtocol


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningServer:
    def __init__(self, gateway: Gateway, port: int, server: uvicorn.Server, thread: threading.Thread) -> None:
        self.gateway = gateway
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}/v1"
        self._server = server
        self._thread = thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture
def serve(tmp_path: Any) -> Iterator[Callable[..., RunningServer]]:
    FakeProvider.reset()
    running: list[RunningServer] = []

    def start(config: dict[str, Any], **gateway_kw: Any) -> RunningServer:
        config = {**config, "ledger": {"url": f"sqlite:///{tmp_path}/ledger.db", **config.get("ledger", {})}}
        gateway = Gateway(parse_config(config), **gateway_kw)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(TurnoutApp(gateway), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="on", loop="asyncio",
                                               http=CorkedHttpToolsProtocol))  # as `turnout serve`
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        handle = RunningServer(gateway, port, server, thread)
        running.append(handle)
        return handle

    yield start
    for handle in running:
        handle.stop()
    FakeProvider.reset()

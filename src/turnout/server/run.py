"""Starting the gateway: uvicorn (uvloop + httptools), one or several worker processes."""

from __future__ import annotations

import ipaddress
import os
import sys
import tempfile
from typing import Any

from turnout.config import load_config
from turnout.errors import ConfigError


def is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Allocations (net of frees) between two young-generation collections; CPython's default is
# 700. A request leaves a few objects behind for a while (its ledger record and route detail
# wait up to 0.2 s for the writer thread), so at the default one request in ~100 met a young
# collection (~150 µs), one in ~1,000 a middle one (~0.4 ms) and one in ~12,000 a full one
# (~5 ms) of records promoted just before they died. At 10,000 they die young: one collection
# in ~12,000 requests, ~1 ms (docs/benchmarks.md, serve17e). The request path makes no cycles,
# so nothing waits longer to be freed.
YOUNG_COLLECTION_THRESHOLD = 10_000


def tune_collector() -> None:
    """The server's collector: start-up objects frozen, young collections rare."""
    import gc

    # Everything loaded so far (catalog, detectors, tokenizer tables) lives as long as the
    # process: move it out of the collector's way so full collections stay short under load.
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, old)


def create_app() -> Any:
    """The ASGI app for one worker, from $TURNOUT_CONFIG (uvicorn's factory entry point)."""
    from turnout.gateway import Gateway
    from turnout.server.app import TurnoutApp

    app = TurnoutApp(Gateway(load_config(os.environ.get("TURNOUT_CONFIG") or None)))
    tune_collector()
    return app


def serve(config_path: str | None, host: str | None, port: int | None, workers: int | None) -> None:
    import uvicorn

    from turnout.server.corked import CorkedHttpToolsProtocol

    if config_path:
        os.environ["TURNOUT_CONFIG"] = os.path.abspath(config_path)
    config = load_config(config_path)
    host = host or config.server.host
    port = port if port is not None else config.server.port
    workers = workers or config.server.workers
    master = config.server.master_key or os.environ.get("TURNOUT_MASTER_KEY")
    if not master and not is_loopback(host):
        raise ConfigError(
            f"refusing to listen on {host} with no API keys: set TURNOUT_MASTER_KEY (or server.master_key) "
            "to require keys, or listen on 127.0.0.1")
    if not master:
        sys.stderr.write("turnout: no master key set: the gateway is open (no API keys), on 127.0.0.1 only\n")
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each worker keeps its own counters; prometheus-client aggregates them through files.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="turnout-metrics-")
    sys.stderr.write(f"turnout: serving the OpenAI-compatible API on http://{host}:{port}/v1 "
                     f"({workers} worker{'s' if workers > 1 else ''})\n")
    uvicorn.run(
        "turnout.server.run:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http=CorkedHttpToolsProtocol,  # httptools, one write per response (server/corked.py)
        log_level="warning",
        access_log=False,
        lifespan="on",
        backlog=4096,
        timeout_keep_alive=30,
        proxy_headers=False,  # turnout reads no client address; skip the per-request middleware
        server_header=False,
        date_header=False,
    )

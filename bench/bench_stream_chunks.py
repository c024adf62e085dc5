"""What one streamed chunk costs the gateway: CPU per streamed request with short and long
answers, the difference divided by the extra chunks.

    python bench/bench_stream_chunks.py                 # 6 vs 206 content chunks, 12 rounds
    python bench/bench_stream_chunks.py --long 406 --rounds 20 --requests 100

Two stub upstreams (bench/stub_upstream.py --stream-words), one gateway app per stub in this
process (bench/gateway.yaml: auth, routing, PII, SQLite ledger, metrics), driven over ASGI
(no HTTP server: uvicorn's per-chunk write is the same for any app), requests one at a time,
the two alternating every round. CPU = this process's (every thread: the ledger writer too)
per request. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_gateway as bg  # noqa: E402

BODY = {**bg.BODY, "stream": True}


async def stream_once(app: Any, body: bytes) -> int:
    """One streamed request through the ASGI app; returns the number of body events."""
    sent = await bg.asgi_post(app, body)
    if sent[0].get("status") != 200 or not sent[-1]["body"].endswith(b"[DONE]\n\n"):
        raise RuntimeError(f"bad stream: {sent[:2]!r}")
    return len(sent) - 1


async def run(args: argparse.Namespace, upstreams: dict[int, str]) -> dict[str, Any]:
    from turnout.config import load_config
    from turnout.gateway import Gateway
    from turnout.server.app import TurnoutApp

    os.environ["TURNOUT_ACCESS_LOG"] = "0"  # the same for both; it would only add stderr noise here
    apps = {}
    for words, base in upstreams.items():
        os.environ["GWBENCH_UPSTREAM_BASE"] = base
        app = TurnoutApp(Gateway(load_config(args.config)))
        await app.gateway.astart()
        apps[words] = app
    body = json.dumps(BODY).encode()
    events = {}
    for words, app in apps.items():
        for _ in range(args.warmup):
            events[words] = await stream_once(app, body)
    cpu: dict[int, list[float]] = {w: [] for w in apps}
    for rnd in range(args.rounds):
        order = list(apps) if rnd % 2 == 0 else list(apps)[::-1]
        for words in order:
            started = time.process_time()
            for _ in range(args.requests):
                await stream_once(apps[words], body)
            cpu[words].append((time.process_time() - started) / args.requests * 1e6)
    for app in apps.values():
        await app.gateway.aclose()
    return {"cpu_us": cpu, "events": events}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--short", type=int, default=6, help="content chunks of the short answer")
    ap.add_argument("--long", type=int, default=206, help="content chunks of the long answer")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--requests", type=int, default=60, help="requests per answer length per round")
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--config", default=str(HERE / "gateway.yaml"))
    args = ap.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="turnout-chunks-"))
    os.environ["TURNOUT_BENCH_DIR"] = str(workdir)
    stubs = []
    upstreams = {}
    try:
        for words in (args.short, args.long):
            port = bg.free_port()
            stubs.append(bg.start([sys.executable, str(HERE / "stub_upstream.py"), "--port", str(port),
                                   "--stream-words", str(words)], workdir / f"stub-{words}.log", dict(os.environ),
                                  "1", workdir))
            bg.wait_ready(port, stubs[-1], 20)
            upstreams[words] = f"http://127.0.0.1:{port}/v1"
        try:
            import uvloop

            result = uvloop.run(run(args, upstreams))
        except ImportError:
            result = asyncio.run(run(args, upstreams))
    finally:
        for stub in stubs:
            bg.stop(stub)
    short, long = (statistics.median(result["cpu_us"][w]) for w in (args.short, args.long))
    extra = result["events"][args.long] - result["events"][args.short]
    print(f"load average {bg.load_average()}; {args.rounds} rounds x {args.requests} requests per length")
    print("| answer | SSE events sent | CPU per request, median µs |")
    print("| --- | ---: | ---: |")
    print(f"| {args.short} content chunks | {result['events'][args.short]} | {short:,.1f} |")
    print(f"| {args.long} content chunks | {result['events'][args.long]} | {long:,.1f} |")
    print(f"\nper extra chunk: {(long - short) / extra:.2f} µs of gateway CPU (target <= 5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

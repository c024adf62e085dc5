"""The call layers between the router and the HTTP client, measured in process.

    python bench/bench_layers.py --requests 2000                 # CPU µs per request
    python bench/bench_layers.py --requests 2000 --profile out   # + cProfile stats (out.pstats)
    python bench/bench_layers.py --stream --requests 2000        # streamed requests

Drives the gateway app (bench/gateway.yaml) over ASGI in this process against
bench/stub_upstream.py (in another process), one request at a time, each with a distinct
prompt unless ``--same-body``. Prints CPU per request of this process. For instruction counts,
run it twice under callgrind with two request counts and take the difference per request
(start-up cancels out), e.g.

    GWBENCH_UPSTREAM_BASE=http://127.0.0.1:PORT/v1 valgrind --tool=callgrind \\
        python bench/bench_layers.py --upstream-running --requests 200
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_gateway as bg  # noqa: E402


async def run(args: argparse.Namespace) -> float:
    from turnout import observability
    from turnout.config import load_config
    from turnout.gateway import Gateway
    from turnout.server.app import TurnoutApp

    devnull = os.open(os.devnull, os.O_WRONLY)
    observability._writer = observability._LineWriter(fd=devnull)  # lines are built, not shown
    app = TurnoutApp(Gateway(load_config(args.config)))
    if not args.no_freeze:  # as `turnout serve` does (server/run.create_app): without it, a full
        # collection walking the start-up objects (~60 ms) lands at random in the measured requests
        gc.collect()
        gc.freeze()
    await app.gateway.astart()
    base = dict(bg.BODY, stream=True) if args.stream else bg.BODY

    def body(i: int) -> bytes:
        if args.same_body:
            i = 0
        return json.dumps({**base, "messages": [{"role": "user", "content": f"Say hello in five words. #{i}"}]}).encode()

    async def one(i: int) -> None:
        sent = await bg.asgi_post(app, body(i))
        if sent[0].get("status") != 200:
            raise RuntimeError(f"gateway answered {sent[0].get('status')}: {sent[-1].get('body', b'')[:300]!r}")

    for i in range(args.warmup):
        await one(-1 - i)
    # The thread's CPU clock, not the wall: waits for the upstream (and, on a loaded machine,
    # time other processes ran) would otherwise dominate the listing.
    profiler = cProfile.Profile(time.thread_time) if args.profile else None
    started = time.process_time()
    if profiler is not None:
        profiler.enable()
    for i in range(args.requests):
        await one(i)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile + ".pstats")
    cpu = (time.process_time() - started) / max(1, args.requests) * 1e6
    await app.gateway.aclose()
    return cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--stream", action="store_true")
    ap.add_argument("--same-body", action="store_true")
    ap.add_argument("--profile", help="write cProfile stats to PROFILE.pstats")
    ap.add_argument("--upstream-running", action="store_true", help="GWBENCH_UPSTREAM_BASE already serves")
    ap.add_argument("--config", default=str(HERE / "gateway.yaml"))
    ap.add_argument("--no-freeze", action="store_true", help="skip gc.freeze() after start-up (the server does it)")
    args = ap.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="turnout-layers-"))
    os.environ.setdefault("TURNOUT_BENCH_DIR", str(workdir))
    stub = None
    if not args.upstream_running:
        port = bg.free_port()
        stub = bg.start([sys.executable, str(HERE / "stub_upstream.py"), "--port", str(port)], workdir / "stub.log",
                        dict(os.environ), None, workdir)
        os.environ["GWBENCH_UPSTREAM_BASE"] = f"http://127.0.0.1:{port}/v1"
    runner: Any = asyncio.run
    try:
        if stub is not None:
            bg.wait_ready(port, stub, 20)
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            pass
        cpu = runner(run(args))
    finally:
        bg.stop(stub)
    kind = "streamed" if args.stream else "non-streamed"
    print(f"{args.requests} {kind} requests: {cpu:.1f} µs CPU per request (load {bg.load_average()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

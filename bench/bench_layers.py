"""The call layers between the router and the HTTP client, measured in process.

    python bench/bench_layers.py --requests 2000                 # CPU µs per request
    python bench/bench_layers.py --requests 2000 --profile out   # + cProfile stats (out.pstats)
    python bench/bench_layers.py --stream --requests 2000        # streamed requests
    python bench/bench_layers.py --requests 20000 --gc-stats     # + collections per request, CPU each

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


class GcStats:
    """Collections per generation during the measured requests, with the thread CPU of each
    (``gc.callbacks``): how often a request meets a collection, and how long it waits then."""

    def __init__(self) -> None:
        self.cpu_us: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.thread_time()
        else:
            self.cpu_us[info["generation"]].append((time.thread_time() - self._started) * 1e6)

    def report(self, requests: int) -> str:
        parts = []
        for gen, times in self.cpu_us.items():
            if times:
                parts.append(f"gen{gen}: {len(times)} (1 per {requests / len(times):,.0f} requests), "
                             f"CPU median {sorted(times)[len(times) // 2]:.0f} µs, max {max(times):.0f} µs")
            else:
                parts.append(f"gen{gen}: none")
        total = sum(sum(t) for t in self.cpu_us.values()) / max(1, requests)
        return f"gc threshold {gc.get_threshold()}: " + "; ".join(parts) + f"; {total:.2f} µs a request"


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
    if args.gc_threshold:
        gc.set_threshold(*(int(n) for n in args.gc_threshold.split(",")))
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
    gc_stats = GcStats() if args.gc_stats else None
    if gc_stats is not None:
        gc.callbacks.append(gc_stats)
    started = time.process_time()
    if profiler is not None:
        profiler.enable()
    for i in range(args.requests):
        await one(i)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile + ".pstats")
    cpu = (time.process_time() - started) / max(1, args.requests) * 1e6
    if gc_stats is not None:
        gc.callbacks.remove(gc_stats)
        print(gc_stats.report(args.requests))
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
    ap.add_argument("--gc-stats", action="store_true", help="print collections per generation and their CPU")
    ap.add_argument("--gc-threshold", help="gc.set_threshold(...) after start-up, e.g. 700,10,10")
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

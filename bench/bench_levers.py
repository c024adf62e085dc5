"""One lever of the gateway's hot path at a time, both sides in one process: CPU per request.

    python bench/bench_levers.py                       # every lever, 10 blocks each side
    python bench/bench_levers.py --lever client --blocks 16 --block 400

The gateway app (bench/gateway.yaml: auth, routing, PII, SQLite ledger, metrics) is driven
over ASGI in this process (no HTTP server, which is the same for both sides) against
bench/stub_upstream.py, ``--concurrency`` requests at a time. For each lever the two sides
are switched in place every block of ``--block`` requests, in alternating order, so a change
in the machine's load falls on both; CPU is this process's, every thread included (the ledger
writer and the access-log thread too), per request. Figures only; nothing is asserted.

Levers (A = how it was, B = what it is or would be):
  client     upstream POST through aiohttp (A) or providers/http1 (B)
  accesslog  access-log thread woken per line (A, a replica of the old writer) or on a timer (B)
  ledger     SQLite writer thread in this process (A) or journal appends only (B: what a
             writer in another process would leave here; nothing reaches the database)
  assessmemo every request's PII scan (A) or the gateway's memo by body hash (B: the bench's
             body never changes, so B is the repeated-body case; --distinct-bodies in
             bench_gateway.py measures the other)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_gateway as bg  # noqa: E402


async def request(app: Any, body: bytes) -> None:
    sent = await bg.asgi_post(app, body)
    if sent[0].get("status") != 200:
        raise RuntimeError(f"gateway answered {sent[0].get('status')}: {sent[-1].get('body', b'')[:300]!r}")


# -- the levers: each returns (set_side_a, set_side_b) --------------------------------------------
def lever_client(app: Any, workdir: Path, devnull: int) -> tuple[Callable[[], None], Callable[[], None]]:
    from turnout.providers import transport

    def side(http1: bool) -> Callable[[], None]:
        def apply() -> None:
            transport._client_choice[:] = [http1]
        return apply

    return side(False), side(True)


class _PerLineWriter:
    """The access-log writer as it was before the timer: the thread woken for every line."""

    def __init__(self, fd: int) -> None:
        from turnout.observability import _LineWriter

        self.inner = _LineWriter(fd=fd)
        self.wake = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def put(self, line: bytes) -> None:
        self.inner.lines.append(line)
        self.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            self.inner.drain()


def lever_accesslog(app: Any, workdir: Path, devnull: int) -> tuple[Callable[[], None], Callable[[], None]]:
    from turnout import observability

    old, new = _PerLineWriter(devnull), observability._LineWriter(fd=devnull)

    def side(writer: Any) -> Callable[[], None]:
        def apply() -> None:
            observability._writer = writer
        return apply

    return side(old), side(new)


class _JournalOnly:
    """A ledger that only appends each record's journal line (what stays in the request process
    when another process writes the database)."""

    store_prompts = False

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self.lock = threading.Lock()

    def record(self, rec: Any) -> None:
        from turnout.ledger.record import encode_line

        line = encode_line(rec)
        with self.lock:
            os.write(self.fd, line)


def lever_ledger(app: Any, workdir: Path, devnull: int) -> tuple[Callable[[], None], Callable[[], None]]:
    gateway = app.gateway
    real, journal_only = gateway.ledger, _JournalOnly(workdir / "journal-only.jsonl")

    def side(ledger: Any) -> Callable[[], None]:
        def apply() -> None:
            gateway._ledger = ledger
        return apply

    return side(real), side(journal_only)


class _NoMemo:
    """The gateway's assessment memo switched off: every request is scanned."""

    @staticmethod
    def key(body: bytes, given: Any) -> None:
        return None

    def get(self, key: Any) -> None:
        return None

    def put(self, key: Any, assessment: Any) -> None:
        pass


def lever_assessmemo(app: Any, workdir: Path, devnull: int) -> tuple[Callable[[], None], Callable[[], None]]:
    gateway = app.gateway
    real = gateway._assessments

    def side(memo: Any) -> Callable[[], None]:
        def apply() -> None:
            gateway._assessments = memo
        return apply

    return side(_NoMemo()), side(real)


LEVERS = {"client": lever_client, "accesslog": lever_accesslog, "ledger": lever_ledger,
          "assessmemo": lever_assessmemo}


async def measure(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    from turnout import observability
    from turnout.config import load_config
    from turnout.gateway import Gateway
    from turnout.server.app import TurnoutApp

    devnull = os.open(os.devnull, os.O_WRONLY)
    observability._writer = observability._LineWriter(fd=devnull)  # lines are built, not shown
    app = TurnoutApp(Gateway(load_config(args.config)))
    await app.gateway.astart()
    body = json.dumps(bg.BODY).encode()

    async def block(n: int) -> float:
        async def worker() -> None:
            for _ in range(n // args.concurrency):
                await request(app, body)

        started = time.process_time()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        await asyncio.sleep(args.settle)  # background threads finish this block's work inside it
        return (time.process_time() - started) / (n // args.concurrency * args.concurrency) * 1e6

    rows = []
    for name in args.lever:
        side_a, side_b = LEVERS[name](app, workdir, devnull)
        for apply in (side_a, side_b):
            apply()
            await block(args.block)  # warm both sides
        cpu: dict[str, list[float]] = {"A": [], "B": []}
        for i in range(args.blocks):
            for label, apply in ((("A", side_a), ("B", side_b)) if i % 2 == 0 else (("B", side_b), ("A", side_a))):
                apply()
                await asyncio.sleep(args.settle)
                cpu[label].append(await block(args.block))
        side_a()  # leave the gateway as it was for the next lever
        a, b = statistics.median(cpu["A"]), statistics.median(cpu["B"])
        pairs = [y / x for x, y in zip(cpu["A"], cpu["B"], strict=True)]
        rows.append({"lever": name, "a_us": a, "b_us": b, "ratio": statistics.median(pairs), "blocks": args.blocks})
        bg.progress(f"{name}: A {a:.1f} µs, B {b:.1f} µs, B/A {statistics.median(pairs):.3f} (load {bg.load_average()})")
    await app.gateway.aclose()
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lever", action="append", choices=sorted(LEVERS), help="default: every lever")
    ap.add_argument("--blocks", type=int, default=10, help="blocks per side")
    ap.add_argument("--block", type=int, default=300, help="requests per block")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--settle", type=float, default=0.25, help="seconds after each block and switch")
    ap.add_argument("--config", default=str(HERE / "gateway.yaml"))
    args = ap.parse_args(argv)
    args.lever = args.lever or list(LEVERS)
    workdir = Path(tempfile.mkdtemp(prefix="turnout-levers-"))
    port = bg.free_port()
    stub = bg.start([sys.executable, str(HERE / "stub_upstream.py"), "--port", str(port)], workdir / "stub.log",
                    dict(os.environ), "1", workdir)
    os.environ.update(GWBENCH_UPSTREAM_BASE=f"http://127.0.0.1:{port}/v1", TURNOUT_BENCH_DIR=str(workdir))
    try:
        bg.wait_ready(port, stub, 20)
        try:
            import uvloop

            rows = uvloop.run(measure(args, workdir))
        except ImportError:
            rows = asyncio.run(measure(args, workdir))
    finally:
        bg.stop(stub)
    print(f"\nload average {bg.load_average()}; c={args.concurrency}, {args.blocks} blocks of {args.block} "
          "requests per side, alternating")
    print("| lever | A: CPU µs/request | B: CPU µs/request | B/A (median of paired blocks) |")
    print("| --- | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['lever']} | {r['a_us']:.1f} | {r['b_us']:.1f} | {r['ratio']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""uvicorn's httptools protocol as it is (two writes per response) against server/corked.py
(one), alone: an ASGI app that answers a fixed JSON body, loaded by wrk; server CPU per request.

    python bench/bench_server_writes.py                  # 6 rounds, 4 s each side, c=16
    python bench/bench_server_writes.py --rounds 10 --concurrency 1

Each round starts a fresh server per side, in alternating order, so a change in the machine's
load falls on both; wrk is pinned to CPU 1 (as in bench_gateway.py), the server unpinned. CPU
is the server process's user+system time over the loaded seconds. Figures only.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_gateway as bg  # noqa: E402

BODY = (b'{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}],'
        b'"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}')


async def app(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
    if scope["type"] != "http":
        return
    await receive()  # type: ignore[operator]
    await send({"type": "http.response.start", "status": 200,  # type: ignore[operator]
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]})
    await send({"type": "http.response.body", "body": BODY})  # type: ignore[operator]


def serve(side: str, port: int) -> None:
    import uvicorn

    from turnout.server.corked import CorkedHttpToolsProtocol

    uvicorn.run(app, host="127.0.0.1", port=port, loop="uvloop", log_level="warning", access_log=False,
                http=CorkedHttpToolsProtocol if side == "corked" else "httptools", lifespan="off",
                server_header=False, date_header=False)


def cpu_seconds(pid: int) -> float:
    fields = bg._stat(pid)
    return (int(fields[11]) + int(fields[12])) / bg.CLK_TCK


def one(side: str, args: argparse.Namespace) -> float:
    port = bg.free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", side, "--port", str(port)],
                            env={**os.environ, "PYTHONPATH": str(HERE.parent / "src")})
    try:
        bg.wait_ready(port, proc, 30)
        url = f"http://127.0.0.1:{port}/"
        subprocess.run(["taskset", "-c", "1", "wrk", "-t1", f"-c{args.concurrency}", "-d1s", url],
                       capture_output=True, check=True)
        before = cpu_seconds(proc.pid)
        out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", f"-c{args.concurrency}", f"-d{args.seconds}s", url],
                             capture_output=True, text=True, check=True).stdout
        used = cpu_seconds(proc.pid) - before
        found = re.search(r"(\d+) requests in", out)
        if not found:
            raise RuntimeError(f"wrk said: {out}")
        return used / int(found.group(1)) * 1e6
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--serve", choices=["plain", "corked"], help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return 0
    cpu: dict[str, list[float]] = {"plain": [], "corked": []}
    for i in range(args.rounds):
        for side in (("plain", "corked") if i % 2 == 0 else ("corked", "plain")):
            cpu[side].append(one(side, args))
        bg.progress(f"round {i + 1}: plain {cpu['plain'][-1]:.1f} µs, corked {cpu['corked'][-1]:.1f} µs "
                    f"(load {bg.load_average()})")
        time.sleep(0.2)
    ratios = [b / a for a, b in zip(cpu["plain"], cpu["corked"], strict=True)]
    print(f"\nc={args.concurrency}, {args.rounds} rounds of {args.seconds} s per side, load {bg.load_average()}")
    print("| server | CPU µs/request, median | p90 of rounds |")
    print("| --- | ---: | ---: |")
    for side, values in cpu.items():
        print(f"| {side} | {statistics.median(values):.1f} | {sorted(values)[int(0.9 * (len(values) - 1))]:.1f} |")
    print(f"corked/plain, median of paired rounds: {statistics.median(ratios):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

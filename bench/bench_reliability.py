"""Reliability figures for docs/benchmarks.md: faults x answered %, hostile input, RSS.

    python bench/bench_reliability.py                 # 20 requests per fault and mode
    python bench/bench_reliability.py --per-fault 50 --names 3000

1. Faults: a gateway (in-process uvicorn, real sockets) whose first model sits behind the
   fault-injecting upstream of tests/reliability and falls back to a healthy one. For every
   fault, plain and streamed: % answered (200 with content; streams ending in [DONE]), and the
   p50 latency of the answers.
2. Hostile input and unconfigured names: --names requests naming random ``fake/<x>`` models
   and --names hostile bodies (deep nesting, bad tool_calls, control characters); status codes
   seen, 5xx count, /metrics line count and the process RSS before and after.
3. The line reader: CPU time to split one 8/16/32 MB chunk into lines (linear: doubling the
   size doubles the time).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("TURNOUT_ENABLE_FAKE", "1")

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from reliability.faulty_upstream import FaultyUpstream  # noqa: E402

from turnout.config import parse_config  # noqa: E402
from turnout.gateway import Gateway  # noqa: E402
from turnout.server.app import TurnoutApp  # noqa: E402

FAULTS = ["ok", "status:500", "status:503", "429:0", "hang", "reset", "cut_before_first", "cut_after_first",
          "malformed", "huge:1048576"]
MSG = [{"role": "user", "content": "hello"}]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve(config: dict[str, Any]) -> tuple[str, uvicorn.Server, threading.Thread]:
    import socket

    tmp = tempfile.mkdtemp()
    gateway = Gateway(parse_config({**config, "ledger": {"url": f"sqlite:///{tmp}/l.db"}}))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(TurnoutApp(gateway), host="127.0.0.1", port=port, log_level="error",
                                           lifespan="on", loop="asyncio"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{port}", server, thread


def fault_matrix(per_fault: int) -> list[tuple[str, str, float, float]]:
    rows = []
    backup = FaultyUpstream().start()
    for fault in FAULTS:
        for stream in (False, True):
            up = FaultyUpstream(default=fault).start()
            base, server, thread = serve({
                "models": [{"name": "primary", "provider": "openai", "api_base": up.url, "api_key": "x",
                            "tier": 3, "fallbacks": ["backup"]},
                           {"name": "backup", "provider": "openai", "api_base": backup.url, "api_key": "x", "tier": 1}],
                "routing": {"retries": {"max_retries": 1, "backoff_s": 0, "max_backoff_s": 0}, "timeout_s": 0.5},
                "server": {"max_upstream_response_bytes": 256 * 1024},
            })
            ok, took = 0, []
            with httpx.Client(timeout=30) as client:
                for _ in range(per_fault):
                    t0 = time.perf_counter()
                    body = {"model": "primary", "messages": MSG, "stream": stream}
                    try:
                        if stream:
                            with client.stream("POST", f"{base}/v1/chat/completions", json=body) as r:
                                text = r.read().decode()
                            good = (r.status_code == 200 and text.rstrip().endswith("[DONE]")
                                    and 'data: {"error"' not in text)  # no in-band error
                        else:
                            r = client.post(f"{base}/v1/chat/completions", json=body)
                            good = r.status_code == 200 and bool(r.json()["choices"][0]["message"]["content"])
                    except httpx.HTTPError:
                        good = False
                    took.append((time.perf_counter() - t0) * 1000)
                    ok += good
            server.should_exit = True
            thread.join(10)
            up.stop()
            rows.append((fault, "stream" if stream else "plain", 100.0 * ok / per_fault, statistics.median(took)))
            print(f"  {fault:18s} {'stream' if stream else 'plain':6s} answered {rows[-1][2]:5.1f}%  "
                  f"p50 {rows[-1][3]:7.1f} ms", file=sys.stderr)
    backup.stop()
    return rows


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def hostile(names: int) -> dict[str, Any]:
    base, server, thread = serve({"models": [{"name": "fake/local", "provider": "fake", "local": True}]})
    root = base
    statuses: Counter[int] = Counter()
    with httpx.Client(timeout=30) as client:
        client.post(f"{root}/v1/chat/completions", json={"model": "fake/local", "messages": MSG})
        lines_before = len(client.get(f"{root}/metrics").text.splitlines())
        rss_before = rss_mb()
        bodies: list[dict[str, Any]] = []
        for i in range(names):
            bodies.append({"model": f"fake/{secrets.token_hex(6)}", "messages": MSG})
            bodies.append([{"model": "fake/local", "messages": MSG, "metadata": {"a": nested(1000)}},
                           {"model": "fake/local", "messages": [{"role": "assistant", "content": None,
                                                                 "tool_calls": 5}, *MSG]},
                           {"model": "fake/local\r\nX: y", "messages": MSG},
                           {"model": "local/qwen2.5-coder-0.5b", "messages": MSG}][i % 4])
        for body in bodies:
            try:
                statuses[client.post(f"{root}/v1/chat/completions", json=body).status_code] += 1
            except httpx.HTTPError:
                statuses[-1] += 1
        lines_after = len(client.get(f"{root}/metrics").text.splitlines())
    rss_after = rss_mb()
    server.should_exit = True
    thread.join(10)
    return {"requests": len(bodies), "statuses": dict(statuses), "5xx": sum(v for k, v in statuses.items() if k >= 500),
            "dropped": statuses.get(-1, 0), "metrics_lines": (lines_before, lines_after),
            "rss_mb": (round(rss_before, 1), round(rss_after, 1))}


async def _count_lines(transport: Any, resp: Any) -> int:
    n = 0
    async for _ in transport._lines(resp, provider="p", model=None):
        n += 1
    return n


def line_reader() -> list[tuple[int, float]]:
    from turnout.providers import transport

    class Content:
        def __init__(self, data: bytes) -> None:
            self.data = data

        async def iter_any(self) -> Any:
            yield self.data

    class Resp:
        def __init__(self, data: bytes) -> None:
            self.content = Content(data)

    out = []
    transport.set_response_limit(1 << 30)
    for mb in (8, 16, 32):
        data = (b"data: " + b"x" * 90 + b"\n") * (mb * 1024 * 1024 // 97)

        t0 = time.process_time()
        asyncio.run(_count_lines(transport, Resp(data)))
        out.append((mb, time.process_time() - t0))
    transport.set_response_limit(None)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-fault", type=int, default=20)
    ap.add_argument("--names", type=int, default=1000)
    args = ap.parse_args()
    sys.setrecursionlimit(10_000)  # the client's own JSON encoder must get 1,000-deep bodies out
    print(f"load average: {os.getloadavg()}", file=sys.stderr)
    rows = fault_matrix(args.per_fault)
    print("\n| fault | mode | answered | p50 ms |\n| --- | --- | --- | --- |")
    for fault, mode, pct, p50 in rows:
        print(f"| {fault} | {mode} | {pct:.0f}% | {p50:.0f} |")
    h = hostile(args.names)
    print(f"\nhostile/unconfigured: {h}")
    print("\n| one chunk | line reader CPU s |\n| --- | --- |")
    for mb, cpu in line_reader():
        print(f"| {mb} MB | {cpu:.2f} |")


if __name__ == "__main__":
    main()

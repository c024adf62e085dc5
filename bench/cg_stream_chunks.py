"""What one streamed chunk costs the gateway, in instructions (callgrind), for one door.

    nice valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.short python bench/cg_stream_chunks.py --words 6
    nice valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.long  python bench/cg_stream_chunks.py --words 206
    # per chunk = (Ir long - Ir short) / (requests x extra SSE events)

One stub upstream (bench/stub_upstream.py --stream-words N, a child process valgrind does not
follow), one gateway app (bench/gateway.yaml) driven over ASGI in this process, ``--requests``
streamed requests after ``--warmup``. Everything else (start-up, per-request work) is the same
in the two runs, so it cancels in the difference. ``--door messages`` sends the same request to
``/v1/messages`` (the Anthropic door) instead of ``/v1/chat/completions``. Prints the SSE
events per request; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_gateway as bg  # noqa: E402

DOORS = {
    "chat": ("/v1/chat/completions", {**bg.BODY, "stream": True}, b"[DONE]\n\n"),
    "messages": ("/v1/messages", {**bg.BODY, "stream": True}, b"event: message_stop"),
}


async def run(args: argparse.Namespace, base: str) -> int:
    from turnout.config import load_config
    from turnout.gateway import Gateway
    from turnout.server.app import TurnoutApp

    os.environ["TURNOUT_ACCESS_LOG"] = "0"
    os.environ["GWBENCH_UPSTREAM_BASE"] = base
    app = TurnoutApp(Gateway(load_config(args.config)))
    await app.gateway.astart()
    path, body, end = DOORS[args.door]
    raw = json.dumps(body).encode()
    events = 0
    for _ in range(args.warmup + args.requests):
        sent = await bg.asgi_post(app, raw, path)
        if sent[0].get("status") != 200 or end not in sent[-2]["body"] + sent[-1]["body"]:
            raise RuntimeError(f"bad stream: {sent[:2]!r} ... {sent[-2:]!r}")
        events = len(sent) - 1
    await app.gateway.aclose()
    return events


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=6, help="content chunks of the stub's answer")
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--door", choices=sorted(DOORS), default="chat")
    ap.add_argument("--config", default=str(HERE / "gateway.yaml"))
    args = ap.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="turnout-cg-chunks-"))
    os.environ["TURNOUT_BENCH_DIR"] = str(workdir)
    port = bg.free_port()
    stub = bg.start([sys.executable, str(HERE / "stub_upstream.py"), "--port", str(port),
                     "--stream-words", str(args.words)], workdir / "stub.log", dict(os.environ), "1", workdir)
    try:
        bg.wait_ready(port, stub, 60)
        # asyncio's own loop, not uvloop: under valgrind a uvloop process hangs at exit
        events = asyncio.run(run(args, f"http://127.0.0.1:{port}/v1"))
    finally:
        bg.stop(stub)
    print(f"door {args.door}: {args.requests} requests, {events} SSE body events each")
    return 0


if __name__ == "__main__":
    sys.exit(main())

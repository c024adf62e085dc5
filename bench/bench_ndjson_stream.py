"""CPU of an NDJSON stream (Ollama's format) through aiohttp vs ``providers/http1``, in one process.

    python bench/bench_ndjson_stream.py [--lines 20] [--rounds 8] [--streams 200]

An upstream in another process answers every POST with the same chunked NDJSON body
(``--lines`` content lines, then a ``done`` line); ``OllamaProvider.astream`` reads it whole,
``--streams`` times per block, the client switched between aiohttp and http1 every block in
alternating order so a change in the machine's load falls on both. Prints CPU per stream of
this process (the client side only). Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

LINE = (b'{"model":"llama3.2","created_at":"2024-01-01T00:00:00Z",'
        b'"message":{"role":"assistant","content":"word "},"done":false}\n')
LAST = (b'{"model":"llama3.2","created_at":"2024-01-01T00:00:00Z","message":{"role":"assistant","content":""},'
        b'"done":true,"done_reason":"stop","prompt_eval_count":10,"eval_count":20}\n')

UPSTREAM = r'''
import asyncio, sys
body = %r
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            out = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\n\r\n"
            for piece in body:
                out += b"%%x\r\n%%s\r\n" %% (len(piece), piece)
            writer.write(out + b"0\r\n\r\n")
            await writer.drain()
    except Exception:
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()
asyncio.run(main())
'''


async def run(port: int, args: argparse.Namespace) -> dict[str, list[float]]:
    from turnout.catalog import ModelInfo
    from turnout.providers import transport
    from turnout.providers.ollama import OllamaProvider
    from turnout.types import ChatRequest

    provider = OllamaProvider(ModelInfo(name="ollama/llama3.2", provider="ollama", local=True, context_window=8192,
                                        api_base=f"http://127.0.0.1:{port}"))
    request = ChatRequest(model="ollama/llama3.2", messages=[{"role": "user", "content": "hi"}], stream=True)
    results: dict[str, list[float]] = {"aiohttp": [], "http1": []}
    for block in range(args.rounds * 2):
        side = ("aiohttp", "http1")[(block + block // 2) % 2]  # a b b a a b ...
        transport._client_choice[:] = [side == "http1"]
        for _ in range(20):  # warm the side's connection pool
            [c async for c in provider.astream(request)]
        started = time.process_time()
        for _ in range(args.streams):
            chunks = [c async for c in provider.astream(request)]
        results[side].append((time.process_time() - started) / args.streams * 1e6)
        if len(chunks) < args.lines:
            raise RuntimeError(f"{side}: {len(chunks)} chunks for {args.lines} lines")
    await transport.close_sessions()
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--streams", type=int, default=200)
    args = ap.parse_args(argv)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    upstream = subprocess.Popen([sys.executable, "-c", UPSTREAM % ([LINE] * args.lines + [LAST],), str(port)])
    runner: Any = asyncio.run
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        pass
    try:
        time.sleep(1.0)
        results = runner(run(port, args))
    finally:
        upstream.kill()
    for side, values in results.items():
        print(f"{side}: median {statistics.median(values):.1f} µs CPU per {args.lines}-line stream "
              f"({', '.join(f'{v:.0f}' for v in values)})")
    ratio = statistics.median(results["http1"]) / statistics.median(results["aiohttp"])
    print(f"http1 / aiohttp: {ratio:.2f} (load {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

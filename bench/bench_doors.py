"""What a front door's translation costs: gateway CPU per request, door by door, same run.

    python bench/bench_doors.py                    # 12 rounds x 150 requests per scenario
    python bench/bench_doors.py --rounds 20 --requests 300

The gateway app (``TurnoutApp``: routing, PII detection, ledger, metrics; cache off) is driven
in-process over ASGI, one request at a time, against bench/stub_upstream.py in another process,
so the CPU measured (``time.process_time`` around each request) is the gateway's own work plus
its HTTP client, not the stub's. Scenarios run interleaved round by round, in a rotating
order, so machine noise lands on all of them alike. Printed per scenario: median and p99 CPU ms per request, and the
median's difference and ratio vs ``chat -> openai`` (today's native path), measured in the same run.
Because the machine's load drifts within a run, the differences are also given paired: per
round, a scenario's median minus the baseline's median in that same round, then the median of
those over the rounds (``paired``); and the same for each translated door against its native
counterpart (Responses translated vs Responses native, Messages to OpenAI vs Messages native).

    chat -> openai            /v1/chat/completions to an OpenAI-compatible upstream (baseline)
    messages -> openai        /v1/messages translated to chat completions and back
    messages -> anthropic     /v1/messages forwarded natively to an Anthropic upstream
    chat -> anthropic         /v1/chat/completions translated to Anthropic (as before this door)
    responses -> openai       /v1/responses translated to chat completions (store: memory)
    responses -> openai (native)  /v1/responses forwarded natively to a Responses-API upstream
    completions -> openai     /v1/completions translated

Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
PROMPT = "Say hello in five words."

SCENARIOS: dict[str, tuple[str, dict[str, Any]]] = {
    "chat -> openai": ("/v1/chat/completions", {"model": "gpt-4o-mini", "max_tokens": 16,
                                                "messages": [{"role": "user", "content": PROMPT}]}),
    "messages -> openai": ("/v1/messages", {"model": "gpt-4o-mini", "max_tokens": 16,
                                            "messages": [{"role": "user", "content": PROMPT}]}),
    "messages -> anthropic": ("/v1/messages", {"model": "claude-haiku-4-5", "max_tokens": 16,
                                               "messages": [{"role": "user", "content": PROMPT}]}),
    "chat -> anthropic": ("/v1/chat/completions", {"model": "claude-haiku-4-5", "max_tokens": 16,
                                                   "messages": [{"role": "user", "content": PROMPT}]}),
    "responses -> openai": ("/v1/responses", {"model": "gpt-4o-mini", "max_output_tokens": 16, "input": PROMPT}),
    "responses -> openai (native)": ("/v1/responses", {"model": "gpt-4.1-mini", "max_output_tokens": 16,
                                                       "input": PROMPT}),
    "completions -> openai": ("/v1/completions", {"model": "gpt-4o-mini", "max_tokens": 16, "prompt": PROMPT}),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def call(app: Any, path: str, body: bytes) -> int:
    scope = {"type": "http", "method": "POST", "path": path, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]}
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def run(rounds: int, requests: int, stub_url: str,
              workdir: str) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    from turnout.config import parse_config
    from turnout.gateway import Gateway
    from turnout.server.app import TurnoutApp

    config = parse_config({
        "models": [{"name": "gpt-4o-mini", "api_base": stub_url + "/v1", "api_key": "sk-stub"},
                   # the same stub, as an upstream that speaks the Responses API
                   {"name": "gpt-4.1-mini", "api_base": stub_url + "/v1", "api_key": "sk-stub",
                    "extra": {"responses_api": True}},
                   {"name": "claude-haiku-4-5-20251001", "api_base": stub_url, "api_key": "sk-stub"}],
        "ledger": {"url": f"sqlite:///{workdir}/ledger.db"},
        "cache": {"enabled": False},
        "responses": {"store": "memory"},
    })
    app = TurnoutApp(Gateway(config))
    await app.gateway.astart()
    bodies = {name: (path, orjson.dumps(body)) for name, (path, body) in SCENARIOS.items()}
    for name, (path, body) in bodies.items():  # warm up, and check every door answers
        for _ in range(50):
            status = await call(app, path, body)
        if status != 200:
            raise SystemExit(f"{name}: status {status}")
    cpu: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    per_round: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    names = list(bodies)
    for r in range(rounds):
        # rotate the order each round: no scenario always runs first (or right after another)
        for name in names[r % len(names):] + names[:r % len(names)]:
            path, body = bodies[name]
            samples = []
            for _ in range(requests):
                t0 = time.process_time()
                await call(app, path, body)
                samples.append((time.process_time() - t0) * 1000)
            cpu[name].extend(samples)
            per_round[name].append(statistics.median(samples))
        sys.stderr.write(f"round {r + 1}/{rounds}\n")
    await app.gateway.aclose()
    return cpu, per_round


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--requests", type=int, default=150)
    args = ap.parse_args(argv)
    port = free_port()
    stub = subprocess.Popen([sys.executable, str(HERE / "stub_upstream.py"), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert stub.stdout is not None
        stub.stdout.readline()  # its start line: it is listening
        with tempfile.TemporaryDirectory() as workdir:
            cpu, per_round = asyncio.run(run(args.rounds, args.requests, f"http://127.0.0.1:{port}", workdir))
    finally:
        stub.terminate()
        stub.wait(timeout=10)
    base = statistics.median(cpu["chat -> openai"])
    print(f"gateway CPU per request, {args.rounds} rounds x {args.requests} requests, interleaved")
    print(f"{'scenario':<30} {'median ms':>10} {'p99 ms':>8} {'vs chat->openai':>16} {'ratio':>6} {'paired':>9}")
    for name, samples in cpu.items():
        median = statistics.median(samples)
        paired = paired_diff(per_round, name, "chat -> openai")
        print(f"{name:<30} {median:>10.3f} {p99(samples):>8.3f} {median - base:>+15.3f}ms {median / base:>6.2f}"
              f" {paired:>+7.3f}ms")
    for translated, native in TRANSLATED_VS_NATIVE:
        print(f"{translated} vs {native}: {paired_diff(per_round, translated, native):+.3f} ms (paired median)")


# Each translated door against the native path of the same door, measured in the same rounds.
TRANSLATED_VS_NATIVE = (("responses -> openai", "responses -> openai (native)"),
                        ("messages -> openai", "messages -> anthropic"))


def paired_diff(per_round: dict[str, list[float]], name: str, baseline: str) -> float:
    return statistics.median(a - b for a, b in zip(per_round[name], per_round[baseline], strict=True))


if __name__ == "__main__":
    main()

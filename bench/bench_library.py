"""Library-level costs, each against a baseline measured in the same run:

1. ``import turnout`` and ``turnout --help`` wall time (fresh interpreters), vs ``python -c pass``.
2. Per-call overhead of ``turnout.completion`` (sync) and ``turnout.acompletion`` against a raw
   httpx POST to the same local OpenAI-compatible server (max_tokens=1). Default server: the
   instant stub (bench/stub_upstream.py), so the difference is turnout's own work; ``--llama``
   uses a real ``python -m llama_cpp.server`` with the embedded GGUF instead.
3. The routing decision with all five signals on a ~1k-token prompt (PII scan, complexity
   score, token count, cost and latency checks): ``Router.route`` median / p99.
4. Fallback latency cost: a first model that fails fast (connection refused) then a working one,
   against the working one alone.

    python bench/bench_library.py [--calls 2000] [--llama]

Prints medians, p99s and ratios. Never asserts on time.
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
from pathlib import Path

HERE = Path(__file__).resolve().parent


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(name: str, values: list[float], unit: str = "ms", scale: float = 1000.0) -> float:
    med = statistics.median(values) * scale
    print(f"  {name:44s} median {med:9.3f} {unit}   p99 {pct(values, 0.99) * scale:9.3f} {unit}", flush=True)
    return med


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listening on {port}")


def bench_startup(runs: int) -> None:
    print("startup (fresh interpreter each run)", flush=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    def timed(cmd: list[str]) -> list[float]:
        out = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            out.append(time.perf_counter() - t)
        return out
    base = line("python -c pass (baseline)", timed([sys.executable, "-c", "pass"]))
    imp = line("python -c 'import turnout'", timed([sys.executable, "-c", "import turnout"]))
    first = line("python -c 'import turnout; turnout.completion'", timed([sys.executable, "-c", "import turnout; turnout.completion"]))
    helpt = line("turnout --help", timed([sys.executable, "-m", "turnout.cli", "--help"]))
    print(f"  import turnout adds {imp - base:.1f} ms over the bare interpreter; "
          f"first use of completion {first - base:.1f} ms; --help {helpt:.1f} ms total", flush=True)


def bench_overhead(calls: int, base_url: str, model: str) -> None:
    import httpx

    import turnout
    from turnout.config import parse_config
    from turnout.gateway import Gateway

    print(f"per-call overhead against {base_url} (max_tokens=1, {calls} calls each, interleaved)", flush=True)
    # Library path with routing, ledger (in memory) and cache off, as a library user would call
    # a named model; plus the same with the default SQLite ledger and cache on.
    cfg_min = parse_config({"models": [{"name": model, "provider": "openai", "api_base": base_url, "api_key": "x"}],
                            "cache": {"enabled": False}, "ledger": {"url": "memory://"},
                            "detection": {"pii": False, "complexity": False}})
    cfg_full = parse_config({"models": [{"name": model, "provider": "openai", "api_base": base_url, "api_key": "x"}],
                             "cache": {"enabled": False}, "ledger": {"url": "sqlite:////tmp/turnout-bench-lib.db"}})
    gw_min, gw_full = Gateway(cfg_min), Gateway(cfg_full)
    messages = [{"role": "user", "content": "Say hello."}]
    body = {"model": model.split("/", 1)[-1], "messages": messages, "max_tokens": 1}
    client = httpx.Client(base_url=base_url, headers={"authorization": "Bearer x"})

    def raw() -> None:
        client.post("/chat/completions", json=body).json()

    def lib_min() -> None:
        turnout.completion(model=model, messages=messages, max_tokens=1, gateway=gw_min)

    def lib_full() -> None:
        turnout.completion(model=model, messages=messages, max_tokens=1, gateway=gw_full)

    async def async_calls(n: int, gw: Gateway) -> list[float]:
        out = []
        for _ in range(n):
            t = time.perf_counter()
            await turnout.acompletion(model=model, messages=messages, max_tokens=1, gateway=gw)
            out.append(time.perf_counter() - t)
        return out

    for fn in (raw, lib_min, lib_full):  # warm up connections, tokenizer, detectors
        for _ in range(50):
            fn()
    results: dict[str, list[float]] = {"raw": [], "min": [], "full": []}
    for _ in range(calls):
        for name, fn in (("raw", raw), ("min", lib_min), ("full", lib_full)):
            t = time.perf_counter()
            fn()
            results[name].append(time.perf_counter() - t)
    a_raw = line("raw httpx POST (baseline)", results["raw"])
    a_min = line("turnout.completion (ledger in memory)", results["min"])
    a_full = line("turnout.completion (SQLite ledger, detectors)", results["full"])
    asyncio.run(async_calls(50, gw_min))
    a_async = line("await turnout.acompletion (ledger in memory)", asyncio.run(async_calls(calls, gw_min)))
    print(f"  added median: completion {a_min - a_raw:+.3f} ms, with ledger+detectors {a_full - a_raw:+.3f} ms, "
          f"acompletion {a_async - a_raw:+.3f} ms  (ratio {a_min / a_raw:.2f}x / {a_full / a_raw:.2f}x)", flush=True)


def bench_routing(runs: int) -> None:
    from turnout.config import parse_config
    from turnout.policy.detectors import PiiSensitivityDetector, ScoredComplexityClassifier
    from turnout.routing.router import Router
    from turnout.tokens import count_text
    from turnout.types import ChatRequest

    config = parse_config({"models": [
        {"name": "gpt-4o", "api_key": "x"}, {"name": "gpt-4o-mini", "api_key": "x"},
        {"name": "claude-sonnet-4-20250514", "api_key": "x"}, {"name": "claude-3-5-haiku-20241022", "api_key": "x"},
        {"name": "local/qwen2.5-coder-0.5b"}]})
    router = Router(config, sensitivity_detector=PiiSensitivityDetector(config.detection),
                    complexity_classifier=ScoredComplexityClassifier(config.detection))
    prompts = {
        "ordinary prose, one e-mail": ("The quarterly report covers revenue, churn and the roadmap for the data "
                                       "platform. The team reviewed the migration plan, the staffing needs and "
                                       "the open risks for the next two quarters. ", "From jane.doe@example.com: "),
        "PII in every paragraph": ("The quarterly report covers revenue, churn and the roadmap for the data platform. "
                                   "Contact jane.doe@example.com or call +1 415 555 0134 about the migration plan. ", ""),
    }
    for label, (para, lead) in prompts.items():
        text = para
        while count_text(text) < 1000:
            text += para
        request = ChatRequest("auto", [{"role": "system", "content": "You are a careful analyst."},
                                       {"role": "user", "content": lead + text + " Summarise the risks."}],
                              {"max_tokens": 500})
        for _ in range(50):
            router.route(request)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            router.route(request)
            times.append(time.perf_counter() - t)
        print(f"routing decision, all signals, {count_text(lead + text)}-token prompt, {label} ({runs} runs)", flush=True)
        line("Router.route", times)


def bench_fallback(calls: int, base_url: str, model: str) -> None:
    import turnout
    from turnout.config import parse_config
    from turnout.gateway import Gateway

    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens: connection refused at once
    models = [{"name": "openai/dead", "provider": "openai", "api_base": dead, "api_key": "x", "fallbacks": [model]},
              {"name": model, "provider": "openai", "api_base": base_url, "api_key": "x"}]
    cfg = parse_config({"models": models, "routing": {"retries": {"max_retries": 0}, "health": {"failure_threshold": 10**9}},
                        "cache": {"enabled": False}, "ledger": {"url": "memory://"},
                        "detection": {"pii": False, "complexity": False}})
    gw = Gateway(cfg)
    messages = [{"role": "user", "content": "Say hello."}]
    direct, fallback = [], []
    for _ in range(20):
        turnout.completion(model="openai/dead", messages=messages, max_tokens=1, gateway=gw)
    for _ in range(calls):
        t = time.perf_counter()
        turnout.completion(model=model, messages=messages, max_tokens=1, gateway=gw)
        direct.append(time.perf_counter() - t)
        t = time.perf_counter()
        r = turnout.completion(model="openai/dead", messages=messages, max_tokens=1, gateway=gw)
        fallback.append(time.perf_counter() - t)
        assert r["turnout"]["model"] == model
    print(f"fallback latency cost: first model refuses the connection, the fallback answers ({calls} calls)", flush=True)
    d = line("working model directly (baseline)", direct)
    f = line("dead model -> fallback", fallback)
    print(f"  fallback adds {f - d:.3f} ms median ({f / d:.2f}x)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--startup-runs", type=int, default=20)
    ap.add_argument("--llama", action="store_true", help="use a real llama_cpp.server instead of the stub")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    bench_startup(args.startup_runs)
    bench_routing(args.calls)
    port = free_port()
    if args.llama:
        from turnout.local_model import default_model_path

        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(default_model_path()), "--model_alias",
               "local-qwen", "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
        model = "openai/local-qwen"
    else:
        cmd = [sys.executable, str(HERE / "stub_upstream.py"), "--port", str(port)]
        model = "openai/gpt-4o-mini"
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        base_url = f"http://127.0.0.1:{port}/v1"
        calls = min(args.calls, 200) if args.llama else args.calls
        bench_overhead(calls, base_url, model)
        bench_fallback(min(calls, 500), base_url, model)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()

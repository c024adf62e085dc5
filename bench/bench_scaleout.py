"""Cache-hit latency through the gateway, and 1 vs 3 gateways sharing Redis.

1. Latency at c=1 (wrk) of: the stub upstream directly (baseline); turnout forwarding with the
   cache off; turnout answering cache hits from memory; from Redis.
2. Throughput of 1 and of 3 `turnout serve` processes sharing Redis (limits, health, cache) and
   PostgreSQL (ledger), each driven by its own wrk at c=16, unique prompts (cache misses):
   total requests/s, with the per-process figures.

    python bench/bench_scaleout.py [--duration 8]

Needs wrk, Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432. Prints a table; asserts
nothing. On a 2-core machine three gateways compete for the same cores: the point of part 2 is
that sharing state through Redis costs little, not that 3 processes on 2 cores go faster.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEY = "sk-bench-master"
PG = "postgresql://postgres@127.0.0.1:5432/test"

LUA_FIXED = f"""
wrk.method = "POST"
wrk.body = '{{"model":"gpt-4o-mini","messages":[{{"role":"user","content":"Say hello in five words."}}],"max_tokens":16}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {KEY}"
"""

# Unique prompts: every request is a cache miss that reaches the upstream.
LUA_UNIQUE = f"""
counter = 0
request = function()
  counter = counter + 1
  local body = '{{"model":"gpt-4o-mini","messages":[{{"role":"user","content":"Question ' .. tostring(math.random(1, 1e9)) .. '-' .. counter .. '"}}],"max_tokens":16}}'
  return wrk.format("POST", nil, {{["Content-Type"]="application/json", ["Authorization"]="Bearer {KEY}"}}, body)
end
"""

LUA_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("JSON{\\"p50\\":%f,\\"p99\\":%f,\\"requests\\":%d,\\"errors\\":%d,\\"seconds\\":%f}\\n",
    latency:percentile(50)/1000, latency:percentile(99)/1000, summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration/1e6))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=0.5):
                return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def wrk(url: str, script: str, conc: int, duration: float) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script + LUA_REPORT)
        path = f.name
    out = subprocess.run(["wrk", "-t1", f"-c{conc}", f"-d{max(1, round(duration))}s", "-s", path, url],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(path)
    m = re.search(r"JSON(\{.*\})", out)
    if not m:
        raise SystemExit(f"wrk printed no summary:\n{out}")
    data = json.loads(m.group(1))
    data["rps"] = (data["requests"] - data["errors"]) / data["seconds"]
    return data


def config(path: Path, stub: str, *, cache: str | None, shared: bool, table: str) -> None:
    lines = ["models:", "  - name: gpt-4o-mini", f"    api_base: {stub}", "    api_key: sk-stub",
             "server:", f"  master_key: {KEY}"]
    if shared:
        lines += ["  redis_url: redis://127.0.0.1:6379/0", "ledger:", f"  url: {PG}?table={table}"]
    else:
        lines += ["ledger:", f"  url: sqlite:///{path.parent}/ledger-{table}.db"]
    lines += ["cache:", f"  enabled: {'true' if cache else 'false'}"]
    if cache:
        lines += [f"  backend: {cache}"]
    path.write_text("\n".join(lines) + "\n")


def start_gateway(cfg: Path, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "TURNOUT_JOURNAL_DIR": str(workdir / f"journal-{port}")}
    proc = subprocess.Popen([sys.executable, "-m", "turnout.cli", "serve", "--config", str(cfg), "--port", str(port)],
                            cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(f"http://127.0.0.1:{port}/health")
    return proc, f"http://127.0.0.1:{port}/v1/chat/completions"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=8.0)
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="turnout-scaleout-"))
    run = uuid.uuid4().hex[:8]
    stub_port = free_port()
    stub = subprocess.Popen([sys.executable, str(HERE / "stub_upstream.py"), "--port", str(stub_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stub_base = f"http://127.0.0.1:{stub_port}/v1"
    procs: list[subprocess.Popen[bytes]] = []
    tables: list[str] = []
    print(f"load average {os.getloadavg()[0]:.2f}; {args.duration:.0f} s per measurement", file=sys.stderr)
    try:
        wait_http(f"http://127.0.0.1:{stub_port}/health")
        rows = []
        base = wrk(f"{stub_base}/chat/completions", LUA_FIXED, 1, args.duration)
        rows.append(("stub upstream directly (baseline)", base))
        for label, cache in (("turnout, cache off (forwarding)", None), ("turnout, cache hit from memory", "memory"),
                             ("turnout, cache hit from Redis", f"redis://127.0.0.1:6379/0?prefix=bench-{run}")):
            cfg = work / f"c-{len(rows)}.yaml"
            config(cfg, stub_base, cache=cache, shared=False, table=f"c{len(rows)}")
            proc, url = start_gateway(cfg, work)
            procs.append(proc)
            wrk(url, LUA_FIXED, 1, 1.0)  # warm up (and fill the cache)
            rows.append((label, wrk(url, LUA_FIXED, 1, args.duration)))
            proc.terminate()
            proc.wait()
        print("\n| c=1, fixed prompt | p50 ms | p99 ms | added p50 / p99 vs direct | req/s |")
        print("|---|---:|---:|---:|---:|")
        for label, r in rows:
            added = "–" if r is base else f"{r['p50'] - base['p50']:.3f} / {r['p99'] - base['p99']:.3f}"
            print(f"| {label} | {r['p50']:.3f} | {r['p99']:.3f} | {added} | {r['rps']:,.0f} |")

        results = {}
        for n in (1, 3):
            table = f"bench_{run}_{n}"
            tables.append(table)
            cfg = work / f"shared-{n}.yaml"
            config(cfg, stub_base, cache=f"redis://127.0.0.1:6379/0?prefix=bench-{run}-{n}", shared=True, table=table)
            gws = [start_gateway(cfg, work) for _ in range(n)]
            procs.extend(p for p, _ in gws)
            for _, url in gws:
                wrk(url, LUA_UNIQUE, 4, 1.0)
            loads = [subprocess.Popen([sys.executable, __file__, "--_wrk", url, str(args.duration)],
                                      stdout=subprocess.PIPE, text=True) for _, url in gws]
            per = [json.loads(p.communicate()[0]) for p in loads]
            results[n] = per
            for p, _ in gws:
                p.terminate()
                p.wait()
        print("\n| gateways sharing Redis + PostgreSQL, c=16 each, unique prompts | total req/s | per gateway req/s | p50 ms | p99 ms |")
        print("|---|---:|---:|---:|---:|")
        for n, per in results.items():
            total = sum(r["rps"] for r in per)
            each = ", ".join(f"{r['rps']:,.0f}" for r in per)
            print(f"| {n} | {total:,.0f} | {each} | "
                  f"{max(r['p50'] for r in per):.2f} | {max(r['p99'] for r in per):.2f} |")
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait()
        stub.terminate()
        stub.wait()
        if tables:
            try:
                import psycopg

                with psycopg.connect(PG, autocommit=True) as conn:
                    for t in tables:
                        conn.execute(f"DROP TABLE IF EXISTS {t}")
            except Exception as exc:
                print(f"could not drop bench tables: {exc}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--_wrk":  # one load generator per gateway, in parallel
        print(json.dumps(wrk(sys.argv[2], LUA_UNIQUE, 16, float(sys.argv[3]))))
    else:
        main()

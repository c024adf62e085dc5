"""What the gateway costs per request: `turnout serve` against a direct call to the same upstream.

    python bench/bench_gateway.py                        # c = 1,16,64, 10 s each, 1 worker
    python bench/bench_gateway.py --duration 5 --workers 1,2 --repeat 3 --out /tmp/gw.json
    python bench/bench_gateway.py --concurrency '' --soak 100000   # memory over 100k requests only
    python bench/bench_gateway.py --plot /tmp/gw.png
    python bench/bench_gateway.py --tree before=/tmp/base --tree after=. --repeat 4 --cache config
                                 # A/B: each tree's src/ in turn, alternating, in the same run

Steps: start bench/stub_upstream.py (instant answers), load it directly (the baseline), then for
each worker count start `turnout serve --config bench/gateway.yaml` (auth, routing, ledger and
metrics on; GWBENCH_UPSTREAM_BASE points it at the stub, TURNOUT_BENCH_DIR at a fresh temporary
ledger), time start->ready, read idle RSS, check streaming, warm up, and load each concurrency
level. gateway.yaml has the response cache off, so every request is forwarded; the body is
fixed, so --cache both (default) also runs a copy with the in-memory cache on,
`turnout-Nw-cachehit`, where every request after the first is a cache hit. Per level: RPS (2xx/s), p50/p99 latency, added p50/p99 vs direct at the same concurrency,
errors, CPU ms/request and peak RSS (VmHWM) summed over the gateway's whole process session.

Load: wrk (one thread, keep-alive, closed loop; a generated Lua script writes percentiles as
JSON), the same body and key as ../shared/tools/gatewaybench. Without wrk a small Python
closed-loop client is used instead; it is slower than the gateway's ceiling, and the output says so.

CPU placement (sched_setaffinity, as taskset): wrk and the stub on CPU 1, the gateway unpinned,
like gatewaybench. The machine may be shared: the load average is recorded, and --repeat N
reports the median of N runs per level. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello in five words."}],
        "max_tokens": 16}
AUTH = "Bearer sk-gwbench-dummy"
DISTINCT = [False]  # --distinct-bodies: wrk numbers the prompt of every request
WRK_RUNS = [0]  # wrk runs so far: each run's prompts carry its own tag, so no run repeats another's


def run_tag(n: int) -> str:
    """Letters for run ``n`` (a, b, ..., z, ba, ...): digits would change what the scan looks at."""
    tag = ""
    while True:
        n, digit = divmod(n, 26)
        tag = chr(ord("a") + digit) + tag
        if n == 0:
            return tag
TARGETS = "targets: >= 5,000 RPS at c=16 and c=64; added p50 < 0.3 ms and p99 < 1 ms at c=1; peak RSS < 150 MB"


def progress(msg: str) -> None:
    sys.stderr.write(f"{time.strftime('%H:%M:%S')} {msg}\n")
    sys.stderr.flush()


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# -- a process session's CPU and memory, from /proc ---------------------------------------------
def _stat(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_bytes().decode(errors="replace")
    return raw[raw.rindex(")") + 2:].split()  # after "pid (comm) "; comm may hold spaces


def session_members(sid: int) -> list[int]:
    """Live processes of session ``sid``: the gateway leads its own, so workers count too."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = _stat(int(entry))
            except (OSError, ValueError):
                continue
            if fields[3] == str(sid) and fields[0] != "Z":
                members.append(int(entry))
    return members


def tree_usage(sid: int) -> dict[str, float]:
    cpu = hwm = rss = 0.0
    pids = session_members(sid)
    for pid in pids:
        try:
            fields = _stat(pid)
            cpu += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    hwm += int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue  # the process ended between the listing and the read
    return {"cpu_s": cpu, "hwm_mb": hwm / 1024, "rss_mb": rss / 1024, "procs": len(pids)}


class RssSampler(threading.Thread):
    """The largest summed VmRSS seen every 250 ms while a level runs."""

    def __init__(self, sid: int) -> None:
        super().__init__(daemon=True)
        self.sid = sid
        self.max_rss_mb = 0.0
        self._halted = threading.Event()

    def run(self) -> None:
        while not self._halted.wait(0.25):
            self.max_rss_mb = max(self.max_rss_mb, tree_usage(self.sid)["rss_mb"])

    def halt(self) -> float:
        self._halted.set()
        self.join()
        return self.max_rss_mb


# -- processes -------------------------------------------------------------------------------------
def cpu_set(spec: str | None) -> set[int] | None:
    """'1', '0-1', '0,1'; 'all'/'' = no pinning. CPUs this machine lacks are dropped."""
    if not spec or spec in ("all", "none"):
        return None
    cpus: set[int] = set()
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    cpus &= os.sched_getaffinity(0)
    return cpus or None


def _pinner(spec: str | None) -> Callable[[], None] | None:
    cpus = cpu_set(spec)
    return None if cpus is None else (lambda: os.sched_setaffinity(0, cpus))


def start(cmd: list[str], log_path: Path, env: dict[str, str], cpus: str | None, cwd: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                cwd=cwd, start_new_session=True, preexec_fn=_pinner(cpus))


def stop(proc: subprocess.Popen[bytes] | None, grace_s: float = 15.0) -> None:
    """SIGTERM our process's session, SIGKILL whatever remains after the grace period."""
    if proc is None:
        return
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        if not session_members(proc.pid) and proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and session_members(proc.pid):
            proc.poll()
            time.sleep(0.1)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tail(path: Path, n: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


# -- HTTP checks -----------------------------------------------------------------------------------
def post(port: int, body: bytes, timeout: float = 10.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/v1/chat/completions", body=body,
                     headers={"Content-Type": "application/json", "Authorization": AUTH})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


async def asgi_post(app: Any, body: bytes, path: str = "/v1/chat/completions") -> list[dict[str, Any]]:
    """One POST through an ASGI app in process (no sockets): the ASGI messages it sent. The
    client stays connected until the app has answered."""
    sent: list[dict[str, Any]] = []
    done = asyncio.Event()
    state = {"read": False}

    async def receive() -> dict[str, Any]:
        if not state["read"]:
            state["read"] = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"host", b"bench"), (b"content-type", b"application/json"), (b"authorization", AUTH.encode()),
               (b"content-length", str(len(body)).encode())]
    await app({"type": "http", "method": "POST", "path": path, "query_string": b"", "headers": headers},
              receive, send)
    done.set()
    return sent


def is_completion(data: bytes) -> bool:
    try:
        obj = json.loads(data)
        return bool(obj["choices"]) and "usage" in obj and obj["choices"][0]["message"]["content"] is not None
    except (ValueError, KeyError, IndexError, TypeError):
        return False


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout_s: float) -> float:
    """Seconds from now to the first valid 200 answer (polled every 50 ms)."""
    t0 = time.monotonic()
    body = json.dumps(BODY).encode()
    last = "no answer"
    while time.monotonic() - t0 < timeout_s:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with code {proc.returncode}")
        try:
            status, data = post(port, body, timeout=5)
            if status == 200 and is_completion(data):
                return time.monotonic() - t0
            last = f"HTTP {status}: {data[:200]!r}"
        except (OSError, http.client.HTTPException) as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.05)
    raise RuntimeError(f"not ready after {timeout_s:.0f} s ({last})")


def stream_check(port: int) -> str:
    try:
        status, data = post(port, json.dumps({**BODY, "stream": True}).encode(), timeout=20)
    except (OSError, http.client.HTTPException) as exc:
        return f"error: {type(exc).__name__}: {exc}"
    if status != 200:
        return f"HTTP {status}: {data[:150]!r}"
    events = [line[5:].strip() for line in data.split(b"\n") if line.startswith(b"data:")]
    text = ""
    for event in events:
        try:
            for choice in json.loads(event).get("choices") or ():
                text += (choice.get("delta") or {}).get("content") or ""
        except ValueError:
            pass
    done = bool(events) and events[-1] == b"[DONE]"
    return f"ok: {len(events)} events, ends with [DONE]: {'yes' if done else 'NO'}, text {text!r}"


def cache_probe(port: int) -> str:
    """The X-Turnout-Cache header of two identical requests: "miss, hit" means the load below
    is answered from turnout's response cache, not forwarded."""
    seen = []
    for _ in range(2):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("POST", "/v1/chat/completions", body=json.dumps(BODY).encode(),
                         headers={"Content-Type": "application/json", "Authorization": AUTH})
            resp = conn.getresponse()
            resp.read()
            seen.append(resp.getheader("x-turnout-cache") or "–")
        except (OSError, http.client.HTTPException) as exc:
            seen.append(type(exc).__name__)
        finally:
            conn.close()
    return ", ".join(seen)


def gateway_config(args: argparse.Namespace, cache_hits: bool, workdir: Path) -> Path:
    """bench/gateway.yaml as is (cache off: every request forwarded), or a copy with the
    in-memory response cache on (the fixed body makes every request after the first a hit)."""
    path = Path(args.config).resolve()
    if not cache_hits:
        return path
    import yaml

    data = yaml.safe_load(path.read_text()) or {}
    data["cache"] = {"enabled": True, "backend": "memory"}
    derived = workdir / f"{path.stem}-cachehit.yaml"
    derived.write_text(yaml.safe_dump(data, sort_keys=False))
    return derived


# -- load generators -------------------------------------------------------------------------------
# wrk calls done() once at the end; the JSON it writes is what both load generators return.
WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "{auth}"
if {distinct} then
  -- a different prompt each request (a counter in it), so nothing keyed on the body repeats
  local n = 0
  request = function()
    n = n + 1
    return wrk.format(nil, nil, nil, [==[{head}]==] .. n .. [==[{tail}]==])
  end
end
local limit = {limit}
if limit > 0 then
  local answered = 0
  response = function(status, headers, body)
    answered = answered + 1
    if answered == limit then
      -- stop() ends this thread's loop, but wrk's main thread sleeps out -d: the driver
      -- sees this file and sends SIGINT, which wakes it to report
      io.open([==[{marker}]==], "w"):close()
      wrk.thread:stop()
    end
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local out = io.open([==[{out}]==], "w")
  out:write(string.format(
    '{{"requests":%d,"duration_us":%d,"err_connect":%d,"err_read":%d,"err_write":%d,' ..
    '"err_status":%d,"err_timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,' ..
    '"mean_us":%.1f,"max_us":%d}}',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.mean, latency.max))
  out:close()
end
"""


def run_wrk(port: int, conc: int, duration_s: float, cpus: str | None, workdir: Path,
            limit: int = 0) -> dict[str, Any]:
    out = workdir / f"wrk-{port}-{conc}-{time.monotonic_ns()}.json"
    script = out.with_suffix(".lua")
    marker = out.with_suffix(".done")
    body = json.dumps(BODY, separators=(",", ":"))
    head, _, tail = body.partition("five words.")
    WRK_RUNS[0] += 1
    # Every wrk run numbers its requests from 1: without a tag of its own, a run's prompts would
    # be the warm-up's and the previous level's again, and the gateway's assessment memo (the
    # last 4,096 bodies) would answer the first few thousand of them.
    script.write_text(WRK_SCRIPT.format(body=body, auth=AUTH, limit=limit, out=out, marker=marker,
                                        distinct="true" if DISTINCT[0] else "false",
                                        head=head + f"five words, run {run_tag(WRK_RUNS[0])} request ",
                                        tail=tail))
    cmd = ["wrk", "-t1", f"-c{conc}", f"-d{math.ceil(duration_s)}s", "--timeout", "30s", "-s", str(script),
           f"http://127.0.0.1:{port}/v1/chat/completions"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_pinner(cpus))
    if limit:
        while proc.poll() is None and not marker.exists():
            time.sleep(0.02)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=duration_s + 90)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed ({proc.returncode}): {stderr.strip() or stdout.strip()}")
    result: dict[str, Any] = json.loads(out.read_text())
    for path in (out, script, marker):
        path.unlink(missing_ok=True)
    return result


def run_python_load(port: int, conc: int, duration_s: float, cpus: str | None, workdir: Path,
                    limit: int = 0) -> dict[str, Any]:
    """The fallback: this file's own closed-loop client, in a separate (pinned) process."""
    spec = json.dumps({"port": port, "conc": conc, "duration_s": duration_s, "limit": limit})
    done = subprocess.run([sys.executable, __file__, "--internal-loadgen", spec], capture_output=True,
                          text=True, preexec_fn=_pinner(cpus), timeout=duration_s + 90)
    if done.returncode != 0:
        raise RuntimeError(f"python load generator failed: {done.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def _read_response(reader: asyncio.StreamReader) -> int:
    status = int((await reader.readuntil(b"\r\n")).split(b" ", 2)[1])
    length, chunked, close = -1, False, False
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = b"close" in value.lower()
    if chunked:
        while (size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)) > 0:
            await reader.readexactly(size + 2)
        while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
            pass
    elif length >= 0:
        await reader.readexactly(length)
    if close:
        raise ConnectionResetError("server closed the connection")
    return status


async def _python_load(port: int, conc: int, duration_s: float, limit: int) -> dict[str, Any]:
    body = json.dumps(BODY, separators=(",", ":")).encode()
    request = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               b"Authorization: " + AUTH.encode() + b"\r\nContent-Length: " + str(len(body)).encode()
               + b"\r\n\r\n" + body)
    latencies: list[int] = []
    errors = {"err_connect": 0, "err_read": 0, "err_write": 0, "err_status": 0, "err_timeout": 0}
    started = time.monotonic()
    deadline = started + duration_s
    sent = 0

    async def client() -> None:
        nonlocal sent
        writer: asyncio.StreamWriter | None = None
        while time.monotonic() < deadline and (not limit or sent < limit):
            if writer is None:
                try:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                except OSError:
                    errors["err_connect"] += 1
                    await asyncio.sleep(0.01)
                    continue
            sent += 1
            t0 = time.perf_counter_ns()
            try:
                writer.write(request)
                status = await asyncio.wait_for(_read_response(reader), 30)
            except TimeoutError:
                errors["err_timeout"] += 1
                writer.close()
                writer = None
                continue
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                errors["err_read"] += 1
                writer.close()
                writer = None
                continue
            latencies.append(time.perf_counter_ns() - t0)
            if not 200 <= status < 300:
                errors["err_status"] += 1
        if writer is not None:
            writer.close()

    await asyncio.gather(*(client() for _ in range(conc)))
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> int:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] // 1000 if latencies else 0

    return {"requests": len(latencies) + errors["err_read"] + errors["err_timeout"],
            "duration_us": int(elapsed * 1e6), **errors, "p50_us": pct(50), "p90_us": pct(90),
            "p99_us": pct(99), "p999_us": pct(99.9),
            "mean_us": statistics.fmean(latencies) / 1000 if latencies else 0.0,
            "max_us": latencies[-1] // 1000 if latencies else 0}


def internal_loadgen(spec_json: str) -> None:
    spec = json.loads(spec_json)
    try:
        import uvloop

        run: Callable[..., Any] = uvloop.run
    except ImportError:
        run = asyncio.run
    print(json.dumps(run(_python_load(spec["port"], spec["conc"], spec["duration_s"], spec["limit"]))))


# -- measuring -------------------------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.use_wrk = shutil.which("wrk") is not None and args.loadgen != "python"
        self.load = run_wrk if self.use_wrk else run_python_load

    def level(self, target: str, port: int, conc: int, sid: int | None) -> dict[str, Any]:
        before = tree_usage(sid) if sid else None
        sampler = RssSampler(sid) if sid else None
        if sampler:
            sampler.start()
        t0 = time.monotonic()
        res = self.load(port, conc, self.args.duration, self.args.loadgen_cpus, self.workdir)
        wall = time.monotonic() - t0
        max_rss = sampler.halt() if sampler else 0.0
        seconds = res["duration_us"] / 1e6
        errors = sum(res[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
        row: dict[str, Any] = {
            "target": target, "concurrency": conc, "requests": res["requests"], "errors": errors,
            "rps": (res["requests"] - res["err_status"]) / seconds if seconds else 0.0,
            "p50_ms": res["p50_us"] / 1000, "p90_ms": res["p90_us"] / 1000, "p99_ms": res["p99_us"] / 1000,
            "p999_ms": res["p999_us"] / 1000, "max_ms": res["max_us"] / 1000, "load_avg": load_average(),
        }
        if sid and before:
            after = tree_usage(sid)
            cpu = after["cpu_s"] - before["cpu_s"]
            row.update(cpu_ms_per_req=1000 * cpu / res["requests"] if res["requests"] else None,
                       cpu_util_pct=100 * cpu / wall, peak_rss_mb=after["hwm_mb"],
                       max_sampled_rss_mb=max(max_rss, after["rss_mb"]), procs=after["procs"])
        progress(f"  [{target}] c={conc:<3} {row['rps']:9.0f} req/s  p50 {row['p50_ms']:.3f} ms  "
                 f"p99 {row['p99_ms']:.3f} ms  errors {errors}"
                 + (f"  cpu {row['cpu_ms_per_req']:.3f} ms/req  peak RSS {row['peak_rss_mb']:.0f} MB"
                    if "cpu_ms_per_req" in row and row["cpu_ms_per_req"] is not None else "")
                 + f"  (load {row['load_avg']})")
        return row

    def levels(self, target: str, port: int, sid: int | None, only_run: int | None = None) -> list[dict[str, Any]]:
        rows = []
        for rep in range(self.args.repeat) if only_run is None else (only_run,):
            for conc in self.args.concurrency:
                row = self.level(target, port, conc, sid)
                row["repeat"] = rep
                rows.append(row)
                time.sleep(self.args.pause)
        return rows

    def warmup(self, port: int) -> None:
        if self.args.warmup > 0:
            self.load(port, 16, self.args.warmup, self.args.loadgen_cpus, self.workdir)

    def soak(self, target: str, port: int, sid: int) -> list[dict[str, Any]]:
        """N requests in blocks of --soak-every; the session's RSS after each block."""
        samples = [{"requests": 0, **tree_usage(sid), "errors": 0, "seconds": 0.0}]
        done = errors = 0
        t0 = time.monotonic()
        while done < self.args.soak:
            block = min(self.args.soak_every, self.args.soak - done)
            res = self.load(port, self.args.soak_concurrency, 600, self.args.loadgen_cpus, self.workdir,
                            limit=block)
            done += res["requests"]
            errors += sum(res[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
            usage = tree_usage(sid)
            samples.append({"requests": done, **usage, "errors": errors, "seconds": time.monotonic() - t0})
            progress(f"  [{target}] soak {done:>7} requests  RSS {usage['rss_mb']:.1f} MB  "
                     f"peak {usage['hwm_mb']:.1f} MB  errors {errors}")
        return samples


def gateway_cmd(args: argparse.Namespace, config: Path, port: int, workers: int) -> list[str]:
    exe = shutil.which(args.turnout) if args.turnout else None
    base = [exe] if exe else [sys.executable, "-c", "from turnout.cli import main; main()"]
    return [*base, "serve", "--config", str(config), "--port", str(port), "--workers", str(workers)]


def run_gateway(bench: Bench, workers: int, cache_hits: bool, upstream: str, logs: Path,
                tree: tuple[str, Path] | None = None, repeat: int | None = None) -> dict[str, Any]:
    """One gateway process through every level (all --repeat runs, or only run ``repeat``).
    With ``tree`` (label, checkout) the gateway imports that checkout's src/ (PYTHONPATH)."""
    args = bench.args
    name = (tree[0] if tree else "turnout") + f"-{workers}w" + ("-cachehit" if cache_hits else "")
    port = free_port()
    ledger_dir = Path(tempfile.mkdtemp(prefix="ledger-", dir=bench.workdir))
    env = {**os.environ, "GWBENCH_UPSTREAM_BASE": upstream, "TURNOUT_BENCH_DIR": str(ledger_dir),
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    cmd = gateway_cmd(args, gateway_config(args, cache_hits, bench.workdir), port, workers)
    info: dict[str, Any] = {"target": name, "cmd": " ".join(cmd), "workers": workers, "cache_hits": cache_hits}
    if tree is not None:
        env["PYTHONPATH"] = str(tree[1] / "src")
        info["tree"] = str(tree[1])
    progress(f"[{name}] starting: {info['cmd']} (cpus {args.gateway_cpus})")
    log_path = logs / f"{name}.log"
    proc = start(cmd, log_path, env, args.gateway_cpus, ledger_dir)
    try:
        info["startup_s"] = wait_ready(port, proc, args.ready_timeout)
        time.sleep(args.idle_settle)
        idle = tree_usage(proc.pid)
        info.update(idle_rss_mb=idle["rss_mb"], idle_procs=idle["procs"], stream=stream_check(port),
                    cache_probe=cache_probe(port))
        progress(f"[{name}] ready in {info['startup_s']:.2f} s, idle RSS {idle['rss_mb']:.0f} MB in "
                 f"{idle['procs']} process(es); stream {info['stream']}; X-Turnout-Cache of two identical "
                 f"requests: {info['cache_probe']}")
        bench.warmup(port)
        info["rows"] = bench.levels(name, port, proc.pid, only_run=repeat)
        if args.soak:
            info["soak"] = bench.soak(name, port, proc.pid)
    except Exception as exc:
        info["error"] = f"{type(exc).__name__}: {exc}"
        info["log_tail"] = tail(log_path)
        progress(f"[{name}] FAILED: {info['error']}\n{info['log_tail']}")
    finally:
        stop(proc)
    return info


# -- reporting -------------------------------------------------------------------------------------
def medians(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (target, concurrency): the median of each figure over the repeats."""
    grouped: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault((row["target"], row["concurrency"]), []).append(row)
    out = []
    for (target, conc), group in grouped.items():
        merged: dict[str, Any] = {"target": target, "concurrency": conc, "runs": len(group)}
        for key in ("rps", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "cpu_ms_per_req", "cpu_util_pct",
                    "max_sampled_rss_mb"):
            values = [r[key] for r in group if r.get(key) is not None]
            if values:
                merged[key] = statistics.median(values)
                if len(values) > 1:
                    merged[key + "_range"] = [min(values), max(values)]
        merged["errors"] = sum(r["errors"] for r in group)
        merged["requests"] = sum(r["requests"] for r in group)
        if any("peak_rss_mb" in r for r in group):
            merged["peak_rss_mb"] = max(r["peak_rss_mb"] for r in group)
        out.append(merged)
    direct = {r["concurrency"]: r for r in out if r["target"] == "direct"}
    for row in out:
        base = direct.get(row["concurrency"])
        if base is not None and row["target"] != "direct":
            row["added_p50_ms"] = row["p50_ms"] - base["p50_ms"]
            row["added_p99_ms"] = row["p99_ms"] - base["p99_ms"]
    return out


def _f(value: Any, digits: int) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def markdown(meta: dict[str, Any], summary: list[dict[str, Any]], gateways: list[dict[str, Any]]) -> str:
    lines = [
        f"## turnout gateway benchmark, {meta['started']}",
        "",
        f"- {meta['cpus']} CPUs ({meta['cpu_model']}); load average {meta['load_before']} before, "
        f"{meta['load_after']} after; turnout {meta['turnout_commit']}",
        f"- load: {meta['loadgen']}; {meta['duration_s']} s per level, median of {meta['repeat']} run(s), "
        f"after a {meta['warmup_s']} s warmup at c=16; placement: load generator CPU {meta['loadgen_cpus']}, "
        f"stub CPU {meta['stub_cpus']}, gateway CPU {meta['gateway_cpus']}"
        + ("; a distinct prompt on every request" if meta.get("distinct_bodies") else ""),
        f"- stub: {meta['stub_banner']}",
        "- RPS = 2xx/s; added = turnout − direct at the same concurrency; CPU and RSS summed over "
        "the gateway's process session; peak RSS = VmHWM (since start); `-cachehit` = in-memory response "
        "cache on, every request after the first answered from it",
    ]
    if summary:
        lines += ["", "| target | conc | RPS | p50 ms | p99 ms | added p50 ms | added p99 ms | errors | CPU ms/req "
                  "| peak RSS MB |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in summary:
        lines.append(
            f"| {r['target']} | {r['concurrency']} | {_f(r['rps'], 0)} | {_f(r['p50_ms'], 3)} | "
            f"{_f(r['p99_ms'], 3)} | {_f(r.get('added_p50_ms'), 3)} | {_f(r.get('added_p99_ms'), 3)} | "
            f"{r['errors']} | {_f(r.get('cpu_ms_per_req'), 3)} | {_f(r.get('peak_rss_mb'), 1)} |")
    lines += ["", "| target | start→ready s | idle RSS MB | X-Turnout-Cache, 2 identical requests | streaming check |",
              "|---|---:|---:|---|---|"]
    for g in gateways:
        lines.append(f"| {g['target']} | {_f(g.get('startup_s'), 2)} | {_f(g.get('idle_rss_mb'), 1)} | "
                     f"{g.get('cache_probe', '–')} | {g.get('stream') or g.get('error', '–')} |")
    for g in gateways:
        if g.get("soak"):
            s = g["soak"]
            first = s[1]["rss_mb"] if len(s) > 1 else s[0]["rss_mb"]
            lines += ["", f"Soak, {g['target']}: {s[-1]['requests']:,} requests at c={meta['soak_concurrency']} "
                      f"in {s[-1]['seconds']:.0f} s, {s[-1]['errors']} errors; RSS after each block "
                      f"(first block → last: {s[-1]['rss_mb'] - first:+.1f} MB):", "",
                      "| requests | RSS MB | peak RSS MB |", "|---:|---:|---:|"]
            lines += [f"| {x['requests']:,} | {x['rss_mb']:.1f} | {x['hwm_mb']:.1f} |" for x in s]
    lines += ["", f"({TARGETS})", ""]
    return "\n".join(lines)


def plot(path: str, summary: list[dict[str, Any]]) -> None:
    """Requests per second and, for the gateways, CPU per request, per concurrency level."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, cpu_ax) = plt.subplots(1, 2, figsize=(12, 4.5))
    levels = sorted({r["concurrency"] for r in summary})
    for i, target in enumerate(dict.fromkeys(r["target"] for r in summary)):
        rows = sorted((r for r in summary if r["target"] == target), key=lambda r: r["concurrency"])
        style = {"marker": "o", "label": target, "color": f"C{i}"}  # one colour per target in both panels
        ax.plot([r["concurrency"] for r in rows], [r["rps"] for r in rows], **style)
        cpu = [r for r in rows if r.get("cpu_ms_per_req") is not None]
        if cpu:
            cpu_ax.plot([r["concurrency"] for r in cpu], [r["cpu_ms_per_req"] for r in cpu], **style)
    ax.axhline(5000, color="grey", linestyle="--", linewidth=1, label="target 5,000 req/s")
    ax.set_yscale("log")
    ax.set_ylabel("requests per second (2xx)")
    ax.set_title("turnout serve vs direct to the stub upstream")
    cpu_ax.set_ylim(bottom=0)
    cpu_ax.set_ylabel("gateway CPU per request (ms)")
    cpu_ax.set_title("CPU per request (all the gateway's processes)")
    for a in (ax, cpu_ax):
        a.set_xscale("log", base=2)
        a.set_xticks(levels, [str(c) for c in levels])
        a.set_xlabel("concurrent connections")
        a.grid(True, which="both", alpha=0.3)
        a.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _git_commit() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True).stdout.strip()
        return rev + ("+dirty src" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per level (default 10)")
    ap.add_argument("--concurrency", default="1,16,64", help="comma list (default 1,16,64; '' = none)")
    ap.add_argument("--workers", default="1", help="turnout serve --workers; a comma list runs each (e.g. 1,2)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per level; the table shows medians")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds at c=16 before the levels (default 3)")
    ap.add_argument("--pause", type=float, default=0.5, help="seconds between levels")
    ap.add_argument("--soak", type=int, default=0, metavar="N", help="after the levels send N requests, RSS every --soak-every")
    ap.add_argument("--soak-every", type=int, default=10_000)
    ap.add_argument("--soak-concurrency", type=int, default=16)
    ap.add_argument("--no-direct", action="store_true", help="skip the direct baseline")
    ap.add_argument("--config", default=str(HERE / "gateway.yaml"))
    ap.add_argument("--cache", choices=["both", "config", "hit"], default="both",
                    help="config: bench/gateway.yaml as is (cache off, every request forwarded); hit: a "
                         "copy with the in-memory cache on (every request of the fixed body after the first "
                         "is a cache hit); both, one after the other (default)")
    ap.add_argument("--tree", action="append", default=[], metavar="LABEL=PATH",
                    help="a checkout whose src/ the gateway runs (PYTHONPATH); repeat it to compare trees "
                         "in one run, alternating per --repeat run; ratios against the first tree")
    ap.add_argument("--turnout", default="turnout", help="the turnout executable (default: on PATH, else python -c)")
    ap.add_argument("--loadgen", choices=["auto", "python"], default="auto",
                    help="auto = wrk when installed, else the built-in Python client")
    ap.add_argument("--loadgen-cpus", default="1", help="CPU list for the load generator (default 1)")
    ap.add_argument("--stub-cpus", default="1", help="CPU list for the stub (default 1)")
    ap.add_argument("--cpus", "--gateway-cpus", dest="gateway_cpus", default="all",
                    help="CPU list for turnout serve (default all = unpinned)")
    ap.add_argument("--ready-timeout", type=float, default=60.0)
    ap.add_argument("--idle-settle", type=float, default=2.0, help="seconds after ready before idle RSS")
    ap.add_argument("--out", help="write the results as JSON here")
    ap.add_argument("--plot", help="draw RPS per concurrency, direct vs turnout, to this PNG (matplotlib)")
    ap.add_argument("--logs", help="directory for the stub's and gateways' logs (default: a temporary one)")
    ap.add_argument("--distinct-bodies", action="store_true",
                    help="a different prompt on every request (wrk only): nothing keyed on the body repeats")
    args = ap.parse_args(argv)
    if args.distinct_bodies and args.loadgen == "python":
        ap.error("--distinct-bodies needs wrk")
    DISTINCT[0] = args.distinct_bodies
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    args.workers = [int(w) for w in str(args.workers).split(",") if w.strip()]
    trees = []
    for spec in args.tree:
        label, sep, path = spec.partition("=")
        if not sep or not label or not (Path(path) / "src" / "turnout").is_dir():
            ap.error(f"--tree {spec!r}: expected LABEL=PATH with PATH/src/turnout")
        trees.append((label, Path(path).resolve()))
    args.tree = trees
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="turnout-bench-"))
    logs = Path(args.logs) if args.logs else workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    bench = Bench(args, workdir)
    loadgen = ("wrk -t1 (one thread, closed loop, keep-alive)" if bench.use_wrk else
               f"built-in Python client ({'chosen' if args.loadgen == 'python' else 'wrk not found'}): "
               "it saturates near 10-15k req/s itself, so high RPS figures are the client's limit")
    if not bench.use_wrk:
        progress(f"NOTE: {loadgen}")
    meta: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(), "cpu_model": _cpu_model(),
        "load_before": load_average(), "turnout_commit": _git_commit(), "loadgen": loadgen,
        "duration_s": args.duration, "repeat": args.repeat, "warmup_s": args.warmup,
        "concurrency": args.concurrency, "workers": args.workers, "loadgen_cpus": args.loadgen_cpus,
        "distinct_bodies": args.distinct_bodies,
        "stub_cpus": args.stub_cpus, "gateway_cpus": args.gateway_cpus, "soak_concurrency": args.soak_concurrency,
        "request_body": BODY, "python": sys.version.split()[0], "logs": str(logs),
    }
    rows: list[dict[str, Any]] = []
    gateways: list[dict[str, Any]] = []
    stub = None
    try:
        stub_port = free_port()
        upstream = f"http://127.0.0.1:{stub_port}/v1"
        stub = start([sys.executable, str(HERE / "stub_upstream.py"), "--port", str(stub_port)],
                     logs / "stub.log", dict(os.environ), args.stub_cpus, workdir)
        wait_ready(stub_port, stub, 20)
        meta["stub_banner"] = tail(logs / "stub.log", 1)
        progress(f"stub: {meta['stub_banner']}")
        if not args.no_direct and args.concurrency:
            progress("direct baseline")
            bench.warmup(stub_port)
            rows += bench.levels("direct", stub_port, None)
        modes = {"config": [False], "hit": [True], "both": [False, True]}[args.cache]
        if args.tree:
            # A/B: one fresh gateway per tree and run, the trees alternating (order reversed
            # every other run) so a change in the machine's load hits both alike.
            for rep in range(args.repeat):
                order = args.tree if rep % 2 == 0 else args.tree[::-1]
                for workers in args.workers:
                    for cache_hits in modes:
                        for tree in order:
                            info = run_gateway(bench, workers, cache_hits, upstream, logs, tree=tree, repeat=rep)
                            rows += info.pop("rows", [])
                            gateways.append(info)
        else:
            for workers in args.workers:
                for cache_hits in modes:
                    info = run_gateway(bench, workers, cache_hits, upstream, logs)
                    rows += info.pop("rows", [])
                    gateways.append(info)
    finally:
        stop(stub)
    meta["load_after"] = load_average()
    summary = medians(rows)
    report = markdown(meta, summary, gateways)
    print(report)
    if args.out:
        Path(args.out).write_text(json.dumps({"meta": meta, "summary": summary, "rows": rows,
                                              "gateways": gateways}, indent=2))
        progress(f"wrote {args.out}")
    if args.plot and summary:
        plot(args.plot, summary)
        progress(f"wrote {args.plot}")
    shutil.rmtree(workdir, ignore_errors=True)  # ledgers and scripts; --logs lives elsewhere
    return 0 if all("error" not in g for g in gateways) else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--internal-loadgen":
        internal_loadgen(sys.argv[2])
        sys.exit(0)
    sys.exit(main())

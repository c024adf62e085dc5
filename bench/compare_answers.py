"""Do two trees answer the same requests the same way? Status, headers and body, byte for byte,
of each answer of the chat door (plain and streamed, valid and invalid requests), with only what
differs between any two runs masked (request ids, latencies, timestamps, a body length that
follows the latency's digits).

    python bench/compare_answers.py --tree main=/tmp/base --tree now=. [--requests 600] [--seed 7]

Each tree runs in its own process (``PYTHONPATH=TREE/src``) in front of bench/stub_upstream.py
with bench/gateway.yaml; exit status 1 when any answer differs (the first few are printed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_gateway as bg  # noqa: E402

_VOLATILE = {"request_id", "latency_ms", "ts", "ledger_id"}


def bodies(n: int, seed: int) -> list[bytes]:
    """Request bodies: seven in ten valid (plain or streamed, text or parts, a PII-looking
    one), the rest with bad roles, contents, parameters or hints."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        bad = rng.random() < 0.3
        messages = []
        for j in range(rng.randint(0 if bad else 1, 3)):
            if bad:
                role = rng.choice(["user", "system", "assistant", "developer", "tool", "robot", 3])
                content = rng.choice([f"hello {i} {j}", None, 5, [{"type": "text", "text": "x"}],
                                      [{"type": "image_url"}], ""])
            else:
                role = rng.choice(["user", "system", "assistant"])
                content = rng.choice([f"hello {i} {j}", [{"type": "text", "text": f"part {i}"}],
                                      "jane.doe@example.com wrote"])
            message: dict[str, Any] = {"role": role, "content": content}
            if rng.random() < 0.2:
                message["tool_call_id"] = "t1"
            messages.append(message)
        body: dict[str, Any] = {"model": rng.choice(["gpt-4o-mini", "auto"] + (["nope", ""] if bad else [])),
                                "messages": messages}
        if rng.random() < 0.4:
            body["stream"] = True
        for key, values in (("max_tokens", [16, 0, "x", None]), ("temperature", [0.5, 3, None]),
                            ("stream", [False, "yes"]), ("user", ["u", 5]), ("metadata", [{"a": "b"}]),
                            ("turnout", [{"sensitivity": "public"}, {"fallbacks": ["gpt-4o-mini"]}, {"bad": 1},
                                         "x", {"max_cost_usd": 1e-9}])):
            if rng.random() < (0.3 if bad else 0.1):
                body[key] = rng.choice(values)
        out.append(json.dumps(body).encode())
    return [*out, b"not json", b"[]"]


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "*" if k in _VOLATILE else _mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def _body(raw: bytes) -> Any:
    if raw.startswith(b"data: "):  # a stream: each event, masked
        return [json.dumps(_mask(json.loads(ev[6:]))) if ev.startswith(b"data: {") else ev.decode()
                for ev in raw.split(b"\n\n")]
    try:
        return json.dumps(_mask(json.loads(raw)))  # json keeps the key order: compared too
    except ValueError:
        return raw.decode()


async def _answers(n: int, seed: int) -> list[dict[str, Any]]:
    from turnout import observability
    from turnout.config import load_config
    from turnout.gateway import Gateway
    from turnout.server.app import TurnoutApp

    observability._writer = observability._LineWriter(fd=os.open(os.devnull, os.O_WRONLY))
    app = TurnoutApp(Gateway(load_config(HERE / "gateway.yaml")))
    await app.gateway.astart()
    out = []
    for body in bodies(n, seed):
        sent = await bg.asgi_post(app, body)
        status = sent[0]["status"]
        headers = [(k.decode(), "*" if k == b"x-request-id" or (k == b"content-length" and status == 200)
                    else v.decode()) for k, v in sent[0]["headers"]]
        out.append({"status": status, "headers": headers,
                    "body": _body(b"".join(m.get("body", b"") for m in sent[1:]))})
    await app.gateway.aclose()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", required=True, help="NAME=PATH (twice)")
    ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dump", help=argparse.SUPPRESS)  # the child's side: write the answers here
    args = ap.parse_args(argv)
    if args.dump:
        Path(args.dump).write_text(json.dumps(asyncio.run(_answers(args.requests, args.seed))))
        return 0
    if len(args.tree) != 2:
        ap.error("give two --tree NAME=PATH")
    workdir = Path(tempfile.mkdtemp(prefix="turnout-compare-"))
    port = bg.free_port()
    stub = bg.start([sys.executable, str(HERE / "stub_upstream.py"), "--port", str(port)], workdir / "stub.log",
                    dict(os.environ), None, workdir)
    answers = {}
    try:
        bg.wait_ready(port, stub, 20)
        for spec in args.tree:
            name, path = spec.split("=", 1)
            env = dict(os.environ, PYTHONPATH=str(Path(path).resolve() / "src"),
                       GWBENCH_UPSTREAM_BASE=f"http://127.0.0.1:{port}/v1", TURNOUT_BENCH_DIR=str(workdir / name))
            (workdir / name).mkdir()
            out = workdir / f"{name}.json"
            subprocess.run([sys.executable, __file__, "--tree", spec, "--requests", str(args.requests),
                            "--seed", str(args.seed), "--dump", str(out)], env=env, check=True)
            answers[name] = json.loads(out.read_text())
    finally:
        bg.stop(stub)
    (a_name, a), (b_name, b) = answers.items()
    differ = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    kinds: dict[str, int] = {}
    for x in a:
        kind = f"{x['status']} {'stream' if isinstance(x['body'], list) else 'plain'}"
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"{len(a)} requests ({', '.join(f'{k}: {v}' for k, v in sorted(kinds.items()))}): "
          f"{len(differ)} answers differ between {a_name} and {b_name}")
    for x, y in differ[:3]:
        print(f"  {a_name}: {json.dumps(x)[:600]}\n  {b_name}: {json.dumps(y)[:600]}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

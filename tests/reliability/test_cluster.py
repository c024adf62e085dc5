"""Three `turnout serve` processes sharing Redis (through a pausable proxy), PostgreSQL and a
journal directory, under concurrent tools-heavy load on a $0 local model and a priced one
(issue #11.1, .9):

- every $0 request is answered and accounted, under key and global budgets in Redis;
- the key's budget is never overspent, through a Redis pause too (requests fail closed, 503);
- a gateway killed with SIGKILL has its journal adopted by a live one, without a restart:
  PostgreSQL ends with exactly one row per answered request.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import purge
from .tcp_proxy import PausableProxy

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

PG = "postgresql://postgres@127.0.0.1:5432/test"
MASTER = "sk-rel-master"
# Not a multiple of a priced answer's cost ($0.05): when priced answers use the budget up to the
# cent, an exhausted budget refuses even $0 requests (limits/base.py: spent + reserved < limit),
# and whether 19 or 20 priced answers fit depends on when commits land, not on what is tested here.
KEY_BUDGET = 1.02


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(run: str, table: str, redis_port: int) -> str:
    return f"""
models:
  - name: local/free-{run}
    provider: fake
    local: true
    tier: 1
    context_window: 200000  # 60 tools are ~15k prompt tokens: estimates count what is sent
    extra: {{prompt_tokens: 3000, completion_tokens: 50, latency_ms: 10}}
  - name: fake/pricey-{run}
    provider: fake
    local: false
    tier: 3
    input_per_mtok: 500
    output_per_mtok: 500
    extra: {{prompt_tokens: 10, completion_tokens: 90, latency_ms: 30}}
routing:
  retries: {{max_retries: 0}}
budgets:
  daily_usd: 50
ledger:
  url: {PG}?table={table}
server:
  master_key: {MASTER}
  redis_url: redis://127.0.0.1:{redis_port}/0?prefix=rel-{run}
"""


TOOLS = [{"type": "function", "function": {"name": f"tool_{i}", "description": "does a thing " * 5,
                                           "parameters": {"type": "object", "properties": {
                                               f"arg{j}": {"type": "string", "description": "an argument"}
                                               for j in range(8)}}}} for i in range(60)]


def _tool_turns(i: int) -> list[dict[str, Any]]:
    call = {"id": f"call_{i}", "type": "function", "function": {"name": "tool_1", "arguments": '{"arg0": "x"}'}}
    return [{"role": "user", "content": f"use the tools {i}"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": f"call_{i}", "content": "result " * 50}]


@pytest.fixture
def cluster(tmp_path: Path):  # type: ignore[no-untyped-def]
    pytest.importorskip("psycopg")
    run = uuid.uuid4().hex[:8]
    table = f"rel_ledger_{run}"
    proxy = PausableProxy(6379).start()
    cfg = tmp_path / "turnout.yaml"
    cfg.write_text(_config(run, table, proxy.port))
    journal = tmp_path / "journal"  # one disk shared by the three
    procs, bases = [], []
    for _ in range(3):
        port = _free_port()
        env = {**os.environ, "TURNOUT_JOURNAL_DIR": str(journal), "TURNOUT_ORPHAN_SCAN_S": "0.3"}
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "turnout.cli", "serve", "--config", str(cfg), "--port", str(port)],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, start_new_session=True,
            stderr=(tmp_path / f"gateway{len(procs)}.log").open("wb")))  # a file: an unread pipe fills and blocks
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    for proc, base in zip(procs, bases, strict=True):
        while True:
            try:
                if httpx.get(f"{base}/health/live", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("gateway did not start: see gateway*.log in " + str(tmp_path))
            time.sleep(0.1)
    yield run, table, bases, procs, proxy
    proxy.resume()
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    proxy.stop()
    purge(f"rel-{run}")
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute("DELETE FROM turnout_schema_migrations WHERE scope = %s", [table])


def test_three_gateways_free_models_budgets_pause_and_sigkill(cluster) -> None:  # type: ignore[no-untyped-def]
    run, table, bases, procs, proxy = cluster
    from turnout.keys import KeyStore

    key, vk = KeyStore(PG).create(f"rel-{run}", budget_usd=KEY_BUDGET)
    answered: list[str] = []
    codes: dict[str, list[int]] = {"free": [], "pricey": [], "paused": [], "after": []}

    async def post(client: httpx.AsyncClient, base: str, body: dict[str, Any], kind: str) -> None:
        try:
            r = await client.post(f"{base}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"})
        except httpx.TransportError:
            codes[kind].append(-1)  # dropped: only allowed for the gateway we SIGKILL
            return
        codes[kind].append(r.status_code)
        if r.status_code == 200:
            answered.append(r.json()["turnout"]["request_id"])

    def free(i: int) -> dict[str, Any]:
        return {"model": f"local/free-{run}", "messages": _tool_turns(i), "tools": TOOLS, "max_tokens": 50}

    def pricey(i: int) -> dict[str, Any]:
        return {"model": f"fake/pricey-{run}", "max_tokens": 90,
                "messages": [{"role": "user", "content": f"question {i}"}]}

    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            # 1. Concurrent load: tools-heavy $0 requests and priced ones on one key budget.
            jobs = [post(client, bases[i % 3], free(i), "free") for i in range(45)]
            jobs += [post(client, bases[i % 3], pricey(i), "pricey") for i in range(45)]
            await asyncio.gather(*jobs)
            # 2. Redis stalls for 1.5 s (client timeout: 1 s): requests fail closed, none hangs.
            proxy.pause()
            started = time.monotonic()
            await asyncio.gather(*(post(client, bases[i % 3], free(100 + i), "paused") for i in range(9)))
            assert time.monotonic() - started < 10
            await asyncio.sleep(max(0.0, 1.5 - (time.monotonic() - started)))
            proxy.resume()
            await asyncio.gather(*(post(client, bases[i % 3], free(200 + i), "after") for i in range(9)))

    asyncio.run(scenario())

    assert codes["free"].count(200) == 45, codes["free"]
    assert set(codes["pricey"]) <= {200, 429} and 429 in codes["pricey"], codes["pricey"]
    assert set(codes["paused"]) <= {200, 503}, codes["paused"]
    assert codes["after"].count(200) == 9, codes["after"]

    from turnout.limits import open_limit_store

    async def spent() -> float:
        store = open_limit_store(f"redis://127.0.0.1:6379/0?prefix=rel-{run}")
        try:
            return float(await store.spent(vk.budget_scope()))
        finally:
            await store.aclose()

    # Estimates are upper bounds (max_tokens given): the budget is never exceeded at all.
    total = asyncio.run(spent())
    print(f"\ncluster: free {codes['free'].count(200)}/45 answered, pricey {dict(Counter(codes['pricey']))}, "
          f"during the Redis pause {dict(Counter(codes['paused']))}, after {dict(Counter(codes['after']))}; "
          f"key budget ${KEY_BUDGET} spent ${total:.6f}")
    assert total <= KEY_BUDGET + 1e-9

    # 3. SIGKILL one gateway right after it answered; a live one adopts its journal.
    async def last_batch() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            await asyncio.gather(*(post(client, bases[0], free(300 + i), "after") for i in range(10)))

    asyncio.run(last_batch())
    os.killpg(procs[0].pid, signal.SIGKILL)
    procs[0].wait(10)
    import psycopg

    deadline = time.monotonic() + 20
    while True:
        with psycopg.connect(PG) as conn:
            stored = [r[0] for r in conn.execute(f"SELECT request_id FROM {table} WHERE status = 200").fetchall()]
        if sorted(stored) == sorted(answered) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert len(stored) == len(set(stored))
    assert sorted(stored) == sorted(answered)

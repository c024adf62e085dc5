"""Three `turnout serve` processes (as on three machines) sharing Redis (limits, budgets, cache,
model health) and PostgreSQL (ledger, keys), under concurrent load:

- a key's budget and rate limit hold across all of them;
- a cache entry written by one is served by the others;
- a model cooled down by one is skipped by the others;
- the PostgreSQL ledger has exactly one row per answered request.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

PG = "postgresql://postgres@127.0.0.1:5432/test"
MASTER = "sk-scaleout-master"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(run: str, db_table: str) -> str:
    return f"""
models:
  - name: fake/pricey-{run}
    provider: fake
    local: false
    tier: 3
    input_per_mtok: 500
    output_per_mtok: 500
    extra: {{prompt_tokens: 10, completion_tokens: 90, latency_ms: 20}}
  - name: fake/flaky-{run}
    provider: fake
    local: false
    tier: 3
    fallbacks: [fake/backup-{run}]
    extra: {{default: unavailable}}
  - name: fake/backup-{run}
    provider: fake
    local: false
    tier: 1
routing:
  retries: {{max_retries: 0}}
  health: {{failure_threshold: 2, cooldown_s: 120}}
cache:
  backend: redis://127.0.0.1:6379/0?prefix=tcache-{run}
ledger:
  url: {PG}?table={db_table}
server:
  master_key: {MASTER}
  redis_url: redis://127.0.0.1:6379/0
"""


@pytest.fixture
def cluster(tmp_path: Path):
    pytest.importorskip("redis")
    pytest.importorskip("psycopg")
    run = uuid.uuid4().hex[:8]
    table = f"ledger_{run}"
    cfg = tmp_path / "turnout.yaml"
    cfg.write_text(_config(run, table))
    procs, bases = [], []
    for i in range(3):
        port = _free_port()
        env = {**os.environ, "TURNOUT_JOURNAL_DIR": str(tmp_path / f"journal{i}")}
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "turnout.cli", "serve", "--config", str(cfg), "--port", str(port)],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True))
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 30
    for proc, base in zip(procs, bases, strict=True):
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr and proc.poll() is not None else ""
                raise RuntimeError(f"gateway did not start: {err}")
            time.sleep(0.1)
    yield run, table, bases, procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")


def _keys():
    from turnout.keys import KeyStore

    return KeyStore(PG)


def test_three_gateways_share_budgets_limits_cache_health_and_ledger(cluster):
    run, table, bases, procs = cluster
    keys = _keys()
    budget_key, budget_vk = keys.create(f"budget-{run}", budget_usd=1.0)
    rate_key, _ = keys.create(f"rate-{run}", rpm=10)
    answered: list[str] = []

    async def post(client: httpx.AsyncClient, base: str, key: str, body: dict) -> httpx.Response:
        r = await client.post(f"{base}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"})
        if r.status_code == 200:
            answered.append(r.json()["turnout"]["request_id"])
        return r

    async def scenario() -> dict:
        out: dict = {}
        async with httpx.AsyncClient(timeout=30) as client:
            # Budget: $1 at ~$0.05 a request, 60 concurrent requests spread over 3 gateways.
            bodies = [{"model": f"fake/pricey-{run}", "max_tokens": 90,
                       "messages": [{"role": "user", "content": f"budget question {i}"}]} for i in range(60)]
            rs = await asyncio.gather(*(post(client, bases[i % 3], budget_key, b) for i, b in enumerate(bodies)))
            out["budget_codes"] = [r.status_code for r in rs]
            # Rate limit: 10 requests a minute for this key, 24 sent quickly across the 3.
            bodies = [{"model": f"fake/backup-{run}", "messages": [{"role": "user", "content": f"rate {i}"}]}
                      for i in range(24)]
            rs = await asyncio.gather(*(post(client, bases[i % 3], rate_key, b) for i, b in enumerate(bodies)))
            out["rate_codes"] = [r.status_code for r in rs]
            out["retry_after"] = [r.headers.get("retry-after") for r in rs if r.status_code == 429]
            # Cache: written by gateway 0, read by 1 and 2.
            body = {"model": f"fake/backup-{run}", "messages": [{"role": "user", "content": "cached across gateways"}]}
            first = await post(client, bases[0], MASTER, body)
            await asyncio.sleep(0.2)
            others = [await post(client, b, MASTER, body) for b in bases[1:]]
            out["cache"] = [first.headers["x-turnout-cache"], *(r.headers["x-turnout-cache"] for r in others)]
            # Health: gateway 0 sees the flaky model fail twice and cools it down...
            for i in range(2):
                await post(client, bases[0], MASTER, {"model": f"fake/flaky-{run}",
                                                      "messages": [{"role": "user", "content": f"flaky {i}"}]})
            await asyncio.sleep(1.0)  # the other gateways' health mirrors refresh in the background
            # ...and the others no longer try it: straight to the fallback.
            out["attempts"] = []
            for b in bases[1:]:
                r = await post(client, b, MASTER, {"model": f"fake/flaky-{run}",
                                                   "messages": [{"role": "user", "content": f"after {b}"}]})
                out["attempts"].append([a["model"] for a in r.json()["turnout"]["attempts"]])
        return out

    out = asyncio.run(scenario())

    ok = out["budget_codes"].count(200)
    assert out["budget_codes"].count(429) > 0 and ok > 0
    from turnout.limits import open_limit_store

    store = open_limit_store("redis://127.0.0.1:6379/0")
    spent = asyncio.run(store.spent(budget_vk.budget_scope()))
    # Estimates are upper bounds here, so the budget is never exceeded at all.
    assert spent <= 1.0 + 1e-9, spent
    assert ok <= 20

    assert out["rate_codes"].count(200) == 10, out["rate_codes"]
    assert all(int(v) >= 1 for v in out["retry_after"])

    assert out["cache"] == ["miss", "hit", "hit"]

    for attempts in out["attempts"]:
        assert attempts == [f"fake/backup-{run}"], attempts

    # Stop the gateways (graceful: ledgers flush), then count the PostgreSQL rows.
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=20)
    import psycopg

    with psycopg.connect(PG) as conn:
        rows = conn.execute(f"SELECT request_id FROM {table} WHERE status = 200").fetchall()
    stored = [r[0] for r in rows]
    assert len(stored) == len(set(stored))
    assert sorted(stored) == sorted(answered)

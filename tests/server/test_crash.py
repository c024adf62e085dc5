"""PRODUCT invariant 2 end to end: SIGKILL the gateway in the middle of a load; every answer the
client received has exactly one ledger record once the ledger is opened again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from turnout.ledger import open_ledger

from .conftest import free_port

CONFIG = """
models:
  - name: fake/cloud
    provider: fake
    local: false
    input_per_mtok: 1.0
    output_per_mtok: 2.0
    extra: {latency_ms: 2}
ledger:
  url: sqlite:///{db}
"""


@pytest.mark.slow
def test_sigkill_mid_load_loses_no_ledger_record(tmp_path):
    db = tmp_path / "ledger.db"
    cfg = tmp_path / "turnout.yaml"
    cfg.write_text(CONFIG.replace("{db}", str(db)))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "turnout.cli", "serve", "--config", str(cfg), "--port", str(port)],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base.removesuffix('/v1')}/health", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, proc.stderr.read().decode() if proc.stderr else "no start"
            time.sleep(0.1)

        answered: list[str] = []

        async def load() -> None:
            async with httpx.AsyncClient(timeout=5) as client:
                async def worker(i: int) -> None:
                    n = 0
                    while True:
                        try:
                            r = await client.post(f"{base}/chat/completions", json={
                                "model": "fake/cloud", "messages": [{"role": "user", "content": f"w{i} r{n}"}]})
                        except httpx.HTTPError:
                            return  # the server is gone
                        if r.status_code == 200:
                            answered.append(r.json()["turnout"]["request_id"])
                        n += 1

                async def killer() -> None:
                    while len(answered) < 300:
                        await asyncio.sleep(0.01)
                    os.killpg(proc.pid, signal.SIGKILL)

                await asyncio.gather(killer(), *(worker(i) for i in range(16)))

        asyncio.run(load())
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    # Reopening the ledger replays whatever the killed process journaled but did not store.
    ledger = open_ledger(f"sqlite:///{db}")
    try:
        rows = ledger.summary(since=0, by="model")
        stored_ok = sum(r.requests - r.errors for r in rows)
        assert len(answered) >= 300
        # Every answer the client saw is there, exactly once; requests answered by the server
        # whose response the kill cut off may add a few more.
        assert stored_ok >= len(answered)
        assert stored_ok <= len(answered) + 16
    finally:
        ledger.close()

"""`turnout route` and `turnout models` as a user reads them: prompt tokens and output budget
apart, rejections grouped by reason, long model names never cut, live speed columns; and the
zero-config candidates (current models only) with keys set."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from turnout.cli import app
from turnout.gateway import set_default_gateway

LONG = "fake/a-deployment-name-that-is-long-enough-to-be-cut-at-eighty-columns-by-a-table"
CONFIG = f"""
models:
  - {{name: fake/cloud-a, provider: fake, local: false, tier: 3, input_per_mtok: 1.0, output_per_mtok: 2.0}}
  - {{name: fake/cloud-b, provider: fake, local: false, tier: 2, input_per_mtok: 0.5, output_per_mtok: 1.0}}
  - {{name: fake/cloud-c, provider: fake, local: false, tier: 1, input_per_mtok: 0.1, output_per_mtok: 0.2}}
  - {{name: {LONG}, provider: fake, local: false, tier: 1, group: big}}
  - {{name: fake/local, provider: fake, local: true, tier: 1}}
ledger: {{url: "sqlite:///{{dir}}/ledger.db"}}
"""

runner = CliRunner()


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "turnout.yaml"
    path.write_text(CONFIG.replace("{dir}", str(tmp_path)))
    yield str(path)
    set_default_gateway(None)


def test_route_shows_prompt_tokens_and_output_budget_apart(cfg):
    result = runner.invoke(app, ["route", "What is the capital of France?", "--config", cfg, "--max-tokens", "300"])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("tokens"))
    assert "output budget 300" in line
    prompt = int(line.split("prompt ")[1].split(",")[0].lstrip("<= "))
    assert 5 < prompt < 40  # a short question, not the 1000-token output budget
    assert "context=" not in result.output


def test_confidential_rejections_are_one_line_per_reason(cfg):
    result = runner.invoke(app, ["route", "hello", "--sensitivity", "confidential", "--config", cfg])
    assert result.exit_code == 0, result.output
    rejected = [ln for ln in result.output.splitlines() if "rejected" in ln]
    assert len(rejected) == 1
    assert "not_local, 4" in rejected[0] and "fake/cloud-a" in rejected[0] and "fake/cloud-c" in rejected[0]


def test_models_never_cuts_names_and_shows_speed_columns(cfg):
    result = runner.invoke(app, ["models", "--config", cfg], terminal_width=80)
    assert result.exit_code == 0, result.output
    assert LONG in result.output and "[big]" in result.output
    assert "ttft ms" in result.output and "tok/s" in result.output
    rows = json.loads(runner.invoke(app, ["models", "--json", "--config", cfg]).output)
    row = next(r for r in rows if r["model"] == LONG)
    assert row["group"] == "big" and {"ttft_ms", "tokens_per_s", "price_source"} <= set(row)


def test_zero_config_candidates_are_current_models(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.delenv("TURNOUT_CONFIG", raising=False)
    from turnout.routing.router import Router
    from turnout.types import ChatRequest, Complexity, RouteHints

    r = Router()
    names = set(r.models)
    assert {"gpt-5", "gpt-5-mini", "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"} <= names
    assert not names & {"gpt-4", "gpt-3.5-turbo", "claude-3-sonnet-20240229", "claude-3-haiku-20240307"}
    for level in Complexity:
        d = r.route(ChatRequest("auto", [{"role": "user", "content": "hi"}]), RouteHints(complexity=level))
        assert not r.info(d.model).legacy
        # The zero-config chain: another provider's model first.
        first_cloud = next(m for m in d.fallback_chain if not r.info(m).local)
        assert r.info(first_cloud).provider != r.info(d.model).provider
    # A legacy model still answers when named.
    d = r.route(ChatRequest("gpt-3.5-turbo", [{"role": "user", "content": "hi"}]))
    assert d.model == "gpt-3.5-turbo" and d.rule == "requested"


@pytest.mark.redis
def test_models_shows_speeds_measured_by_another_gateway(tmp_path, monkeypatch):
    """Another gateway's measurements, shared through Redis, are what `turnout models` shows."""
    import asyncio
    import uuid

    from turnout.routing.speed import SpeedTracker

    url = f"redis://127.0.0.1:6379/0?prefix=cli-speed-{uuid.uuid4().hex[:8]}"
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "turnout.yaml"
    path.write_text(CONFIG.replace("{dir}", str(tmp_path)) + f'server: {{redis_url: "{url}"}}\n')

    async def measure() -> None:  # another gateway's call
        other = SpeedTracker(url)
        await other.observe_stream("fake/cloud-a", 240.0, 1000.0, 150)
        await other.aclose()

    async def forget() -> None:
        other = SpeedTracker(url)
        await other._client().delete(*other._keys)
        await other.aclose()

    asyncio.run(measure())
    try:
        result = runner.invoke(app, ["models", "--config", str(path)], terminal_width=200)
        assert result.exit_code == 0, result.output
        row = next(line for line in result.output.splitlines() if "fake/cloud-a" in line)
        assert "240" in row and "150" in row
        rows = json.loads(runner.invoke(app, ["models", "--json", "--config", str(path)]).output)
        a = next(r for r in rows if r["model"] == "fake/cloud-a")
        assert (a["ttft_ms"], a["tokens_per_s"]) == pytest.approx((240.0, 150.0))
    finally:
        asyncio.run(forget())
        set_default_gateway(None)

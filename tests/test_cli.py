"""The `turnout` command: every subcommand's happy path and its errors (one line on stderr,
non-zero exit, never a traceback)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from turnout.cli import app
from turnout.gateway import set_default_gateway

CONFIG = """
models:
  - name: fake/cloud
    provider: fake
    local: false
    tier: 3
    input_per_mtok: 1.0
    output_per_mtok: 2.0
  - name: fake/local
    provider: fake
    local: true
    tier: 1
ledger:
  url: sqlite:///{dir}/ledger.db
server:
  keys_url: sqlite:///{dir}/keys.db
"""


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TURNOUT_MASTER_KEY", raising=False)
    path = tmp_path / "turnout.yaml"
    path.write_text(CONFIG.replace("{dir}", str(tmp_path)))
    yield str(path)
    set_default_gateway(None)


runner = CliRunner()


def invoke(*args, input=None, env=None):
    return runner.invoke(app, list(args), input=input, env=env)


def test_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for name in ("chat", "route", "classify", "serve", "models", "usage", "keys", "eval", "init"):
        assert name in result.output


def test_chat_prints_the_answer_and_json_has_the_route(cfg):
    result = invoke("chat", "hello there", "--model", "fake/cloud", "--config", cfg)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "fake:fake/cloud: hello there"
    result = invoke("chat", "hello there", "--sensitivity", "confidential", "--json", "--config", cfg)
    data = json.loads(result.stdout)
    assert data["turnout"]["model"] == "fake/local"
    assert data["turnout"]["rule"] == "confidential-local"


def test_route_json_makes_no_call(cfg):
    from turnout.providers.fake import FakeProvider

    FakeProvider.reset()
    result = invoke("route", "Prove Fermat's little theorem", "--complexity", "complex", "--json", "--config", cfg)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"] == "fake/cloud" and data["rule"] == "complex-strong"
    assert "estimated_cost_usd" in data and "rejected" in data and "fallback_chain" in data
    assert FakeProvider.calls == []


def test_route_reports_detected_pii_positions_not_values(cfg):
    result = invoke("route", "my card is 4111 1111 1111 1111", "--json", "--config", cfg)
    data = json.loads(result.stdout)
    assert data["signals"]["sensitivity"] == "confidential"
    assert data["signals"]["pii"] == [{"type": "CREDIT_CARD", "message": 0, "start": 11, "end": 30}]
    assert "4111" not in result.stdout


def test_models_json(cfg):
    rows = json.loads(invoke("models", "--json", "--config", cfg).stdout)
    assert {r["model"] for r in rows} == {"fake/cloud", "fake/local"}
    assert {r["model"]: r["local"] for r in rows}["fake/local"] is True


def test_bad_flags_and_config_are_one_line_errors(cfg, tmp_path):
    result = invoke("chat", "x", "--sensitivity", "secret", "--config", cfg)
    assert result.exit_code == 2 and "invalid sensitivity" in result.stderr
    result = invoke("chat", "x", "--model", "nonsense-model", "--config", cfg)
    assert result.exit_code == 1 and "unknown model" in result.stderr and "Traceback" not in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("routing:\n  rules:\n    - name: r\n      use: [a]\n      choose: cheapest\n")
    result = invoke("route", "x", "--config", str(bad))
    assert result.exit_code == 1 and "exactly one of" in result.stderr
    result = invoke("route", "x", "--config", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 1 and "does not exist" in result.stderr


def test_init_writes_a_config_that_loads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("init").exit_code == 0
    assert invoke("init").exit_code == 1  # exists: refuses without --force
    from turnout.config import load_config

    monkeypatch.setenv("TURNOUT_MASTER_KEY", "")
    config = load_config(tmp_path / "turnout.yaml")
    assert config.routing.rules is not None and len(config.routing.rules) == 5


def test_usage_after_calls(cfg):
    for _ in range(3):
        assert invoke("chat", "hi", "--model", "fake/cloud", "--config", cfg).exit_code == 0
    result = invoke("usage", "--since", "today", "--by", "model", "--json", "--config", cfg)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"]["requests"] >= 3
    assert any(r["group"] == "fake/cloud" and r["cost_usd"] > 0 for r in data["rows"])
    assert invoke("usage", "--by", "colour", "--config", cfg).exit_code == 2


def test_keys_need_a_master_key_and_work_with_one(cfg):
    result = invoke("keys", "list", "--config", cfg)
    assert result.exit_code == 1 and "master key" in result.stderr
    env = {"TURNOUT_MASTER_KEY": "sk-master"}
    created = invoke("keys", "create", "--name", "ci", "--budget-usd", "5", "--rpm", "10",
                     "--models", "fake/local", "--max-sensitivity", "internal", "--json", "--config", cfg, env=env)
    assert created.exit_code == 0, created.output
    key = json.loads(created.stdout)
    assert key["key"].startswith("sk-turnout-") and key["rpm"] == 10
    listed = json.loads(invoke("keys", "list", "--json", "--config", cfg, env=env).stdout)
    assert [k["id"] for k in listed] == [key["id"]] and "key" not in listed[0]
    assert invoke("keys", "revoke", key["id"], "--config", cfg, env=env).exit_code == 0
    listed = json.loads(invoke("keys", "list", "--json", "--config", cfg, env=env).stdout)
    assert listed[0]["revoked_at"] is not None


def test_classify_streams_and_survives_bad_lines():
    lines = '{"prompt": "my email is bob@example.com"}\nnot json\n{"messages": [{"role": "user", "content": "hi"}]}\n{"x": 1}\n'
    proc = subprocess.run([sys.executable, "-m", "turnout.cli", "classify"], input=lines, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["sensitivity"] == "internal" and out[0]["pii"][0]["type"] == "EMAIL_ADDRESS"
    assert 0.0 <= out[0]["score"] <= 1.0 and out[0]["complexity"] in ("simple", "moderate", "complex")
    assert "error" in out[1] and "line 2" in out[1]["error"]
    assert out[2]["sensitivity"] == "public"
    assert "error" in out[3]


def test_eval_missing_data_is_a_clear_error(tmp_path):
    result = invoke("eval", "pii", "--data", str(tmp_path / "nope.json"))
    assert result.exit_code == 1 and "no data set" in result.stderr
    result = invoke("eval", "routing", "--data", str(tmp_path / "nope"))
    assert result.exit_code == 1 and "no data directory" in result.stderr


def test_serve_refuses_open_gateway_on_public_address(cfg):
    result = invoke("serve", "--host", "0.0.0.0", "--config", cfg)
    assert result.exit_code == 1 and "refusing to listen" in result.stderr


def test_turnout_help_runs_as_a_program():
    proc = subprocess.run(["turnout", "--help"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and "route" in proc.stdout

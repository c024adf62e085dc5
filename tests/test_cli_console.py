"""The CLI that feels finished: --version, prompts from @file and stdin (a 50k-token document
goes through), --system, the interactive chat, keys list at 80 columns with spend, keys revoke
NAME, doctor; bad input is one line on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from turnout import cli
from turnout.cli import app
from turnout.gateway import set_default_gateway
from turnout.providers.fake import FakeProvider

CONFIG = """
models:
  - name: fake/cloud
    provider: fake
    local: false
    tier: 3
    context_window: 200000
    input_per_mtok: 1.0
    output_per_mtok: 2.0
  - name: fake/local
    provider: fake
    local: true
    tier: 1
    context_window: 200000
ledger:
  url: sqlite:///{dir}/ledger.db
server:
  keys_url: sqlite:///{dir}/keys.db
"""

runner = CliRunner()


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TURNOUT_MASTER_KEY", raising=False)
    path = tmp_path / "turnout.yaml"
    path.write_text(CONFIG.replace("{dir}", str(tmp_path)))
    FakeProvider.reset()
    yield str(path)
    set_default_gateway(None)
    FakeProvider.reset()


def invoke(*args, input=None, env=None):
    return runner.invoke(app, list(args), input=input, env=env)


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.startswith("turnout ")


def test_chat_reads_file_stdin_and_system_prompt(cfg, tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text("The quarterly figures are in. " * 8000)  # about 50k tokens
    result = invoke("chat", f"@{doc}", "--model", "fake/cloud", "--system", "Answer in one line.", "--config", cfg)
    assert result.exit_code == 0, result.output
    sent = FakeProvider.calls_to("fake/cloud")[-1].messages
    assert sent[0] == {"role": "system", "content": "Answer in one line."}
    assert len(sent[1]["content"]) == len(doc.read_text())
    result = invoke("chat", "--model", "fake/local", "--config", cfg, input="piped question\n")
    assert result.exit_code == 0, result.output
    assert FakeProvider.calls_to("fake/local")[-1].messages[-1]["content"] == "piped question\n"
    result = invoke("chat", "-", "--model", "fake/local", "--json", "--config", cfg, input="dash question")
    assert result.exit_code == 0 and json.loads(result.stdout)["model"] == "fake/local"


def test_route_and_classify_take_files(cfg, tmp_path):
    doc = tmp_path / "p.txt"
    doc.write_text("Please write to alice@example.org about the invoice.")
    result = invoke("route", f"@{doc}", "--json", "--config", cfg)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["signals"]["sensitivity"] == "internal"
    result = invoke("classify", f"@{doc}")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pii"][0]["type"] == "EMAIL_ADDRESS"


@pytest.mark.parametrize("args", [
    ["chat", "@/no/such/file.txt"], ["route", "@/no/such/file.txt"], ["classify", "@/"],
    ["chat", "   "], ["keys", "create", "--expires-in", "soon"],
])
def test_bad_input_is_one_line(cfg, args):
    result = invoke(*args, "--config", cfg, env={"TURNOUT_MASTER_KEY": "sk-m"})
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("turnout: error:")
    assert "Traceback" not in result.output


def test_interactive_chat_keeps_the_conversation(cfg, monkeypatch):
    lines = iter(["first question", "follow-up", ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    seen: list[list[dict]] = []

    def ask(gw, request):
        seen.append(list(request.messages))
        return f"answer {len(seen)}"

    cli._interactive(None, ask, "auto", None, False, "be brief")
    assert [m["content"] for m in seen[1]] == ["be brief", "first question", "answer 1", "follow-up"]


def test_keys_list_fits_80_columns_with_spend_and_revoke_by_name(cfg, tmp_path, monkeypatch):
    env = {**os.environ, "TURNOUT_MASTER_KEY": "sk-master", "COLUMNS": "80", "PYTHONPATH": os.pathsep.join(sys.path)}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "turnout.cli", *args, "--config", cfg], capture_output=True,
                              text=True, timeout=120, env=env, cwd=tmp_path)

    made = run("keys", "create", "--name", "reporting-dashboard", "--budget-usd", "25", "--budget-period", "monthly",
               "--rpm", "600", "--tpm", "100000", "--models", "fake/*,gpt-4o-mini", "--tags", "bi",
               "--max-sensitivity", "internal", "--json")
    assert made.returncode == 0, made.stderr
    secret = json.loads(made.stdout)["key"]
    assert run("keys", "create", "--name", "ci").returncode == 0
    from turnout.config import load_config
    from turnout.gateway import Gateway

    monkeypatch.setenv("TURNOUT_MASTER_KEY", "sk-master")
    gw = Gateway(load_config(cfg))
    import asyncio

    from turnout.types import ChatRequest

    principal = gw.authenticate(secret)
    asyncio.run(gw.acomplete(ChatRequest(model="fake/cloud", messages=[{"role": "user", "content": "hi"}]),
                             principal=principal))
    asyncio.run(gw.aclose())
    listed = run("keys", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), "\n".join(lines)
    row = next(line for line in lines if "reporting" in line)
    assert "$25/mo" in row and "active" in row
    spent = json.loads(run("keys", "list", "--json").stdout)
    mine = next(k for k in spent if k["name"] == "reporting-dashboard")
    assert mine["spend_usd"] > 0 and mine["budget_left_usd"] == pytest.approx(25 - mine["spend_usd"])
    revoked = run("keys", "revoke", "ci")
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert "ci " not in run("keys", "list").stdout
    missing = run("keys", "revoke", "nobody")
    assert missing.returncode == 1 and "no key named" in missing.stderr and "Traceback" not in missing.stderr


def test_doctor_shows_where_state_lives(cfg, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TURNOUT_HOME", str(home))
    result = invoke("doctor", "--config", cfg)
    assert result.exit_code == 0, result.output
    assert str(home) in result.stdout and "$TURNOUT_HOME" in result.stdout
    checks = {c["check"]: c for c in json.loads(invoke("doctor", "--json", "--config", cfg).stdout)}
    assert checks["ledger"]["ok"] is True and "ledger.db" in checks["ledger"]["detail"]
    assert checks["model fake/local"]["ok"] is True
    bad = tmp_path / "bad.yaml"
    bad.write_text("ledger:\n  url: postgresql://nobody@127.0.0.1:1/none\n")
    result = invoke("doctor", "--config", str(bad))
    assert result.exit_code == 1 and "FAIL" in result.stdout and "Traceback" not in result.output


def test_cli_and_gateway_share_the_data_dir(tmp_path, monkeypatch):
    """A key made by the CLI in one directory is known to a gateway started in another."""
    home = tmp_path / "home"
    monkeypatch.setenv("TURNOUT_HOME", str(home))
    monkeypatch.setenv("TURNOUT_MASTER_KEY", "sk-master")
    monkeypatch.delenv("TURNOUT_CONFIG", raising=False)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    made = invoke("keys", "create", "--name", "roaming", "--json")
    assert made.exit_code == 0, made.output
    secret = json.loads(made.stdout)["key"]
    monkeypatch.chdir(tmp_path / "b")
    from turnout.gateway import Gateway

    gw = Gateway()
    assert gw.authenticate(secret).key.name == "roaming"
    assert (home / "turnout.db").exists() and not list((tmp_path / "a").iterdir())

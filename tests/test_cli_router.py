"""`turnout router fit|calibrate`, `turnout classify --router` and `turnout simulate`."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from turnout.cli import app

EASY = [f"Please say hello to person number {i}." for i in range(12)]
HARD = [f"Prove the bound for inequality {i} with a rigorous derivation." for i in range(12)]


def write_labels(path):
    with path.open("w") as fh:
        for p in EASY:
            fh.write(json.dumps({"prompt": p, "scores": {"gpt-4o": 1.0, "gpt-4o-mini": 1.0}}) + "\n")
        for p in HARD:
            fh.write(json.dumps({"prompt": p, "scores": {"gpt-4o": 1.0, "gpt-4o-mini": 0.0}}) + "\n")


def test_fit_then_classify_with_the_fitted_router(tmp_path):
    data = tmp_path / "labels.jsonl"
    write_labels(data)
    runner = CliRunner()
    res = runner.invoke(app, ["router", "fit", str(data), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["strong"] == "gpt-4o"
    lines = "\n".join(json.dumps({"prompt": p}) for p in (EASY[0], HARD[0]))
    res = runner.invoke(app, ["classify", "--router", str(tmp_path / "r")], input=lines + "\n")
    easy, hard = (json.loads(x) for x in res.stdout.splitlines())
    assert easy["score"] < hard["score"]


def test_calibrate_writes_the_threshold(tmp_path):
    data = tmp_path / "labels.jsonl"
    write_labels(data)
    cfg = tmp_path / "turnout.yaml"
    res = CliRunner().invoke(app, ["router", "calibrate", str(data), "--quality", "0.95", "-c", str(cfg)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["quality_share"] >= 0.95
    assert yaml.safe_load(cfg.read_text())["routing"]["quality_target"] == out["value"]


def test_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "x", "scores": {"m": 3}}\n')
    res = CliRunner().invoke(app, ["router", "fit", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1 and "must be a number in [0, 1]" in res.output
    res = CliRunner().invoke(app, ["router", "calibrate", str(bad)])
    assert res.exit_code == 1 and "exactly one of" in res.output
    res = CliRunner().invoke(app, ["simulate", str(tmp_path / "missing.jsonl")])
    assert res.exit_code == 1 and "Traceback" not in res.output


def test_simulate_reports_changes_and_keeps_confidential_local(tmp_path):
    cfg = tmp_path / "turnout.yaml"
    cfg.write_text(yaml.safe_dump({
        "models": [{"name": "gpt-4o"}, {"name": "gpt-4o-mini"},
                   {"name": "fake/local", "provider": "fake", "local": True, "tier": 1}],
        "routing": {"quality_target": 0.85}, "ledger": {"url": f"sqlite:///{tmp_path}/l.db"}}))
    reqs = tmp_path / "reqs.jsonl"
    rows = [{"prompt": "hi there!", "was_model": "gpt-4o", "completion_tokens": 20, "latency_ms": 800},
            {"prompt": "My SSN is 078-05-1120, please file it.", "was_model": "gpt-4o"},
            {"prompt": HARD[0], "was_model": "gpt-4o-mini", "latency_ms": 300}]
    reqs.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    res = CliRunner().invoke(app, ["simulate", str(reqs), "-c", str(cfg), "--json", "--sweep"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    r = out["result"]
    assert r["requests"] == 3 and r["confidential"] == 1 and r["confidential_local"] == 1
    assert r["changed"] >= 2  # the greeting leaves gpt-4o, the confidential one goes local
    assert abs(sum(r["shares"].values()) - 1) < 1e-9
    costs = [s["cost_usd"] for s in out["sweep"]]
    assert costs == sorted(costs)  # a higher quality target never costs less


def _run(*args, input=None):
    return CliRunner().invoke(app, list(args), input=input)


def _one_line_error(res, *fragments):
    assert res.exit_code != 0, res.output
    assert "Traceback" not in res.output and res.exception is None or isinstance(res.exception, SystemExit)
    err = res.stderr.strip()
    assert err.count("\n") == 0 and err.startswith("turnout: error: "), err
    for f in fragments:
        assert f in err, err


def test_fit_rejects_bad_input_in_one_line(tmp_path):
    out = str(tmp_path / "o")
    cases = [
        ('{"prompt": "x", "scores": {"": 1}}\n', "model name"),
        ('{"prompt": "   ", "scores": {"m": 1}}\n', "empty 'prompt'"),
    ]
    for text, fragment in cases:
        bad = tmp_path / "bad.jsonl"
        bad.write_text(text)
        _one_line_error(_run("router", "fit", str(bad), "--out", out), "bad.jsonl:1", fragment)
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b'{"prompt": "\xd0\xd0"}\n')
    _one_line_error(_run("router", "fit", str(binary), "--out", out), "bin.jsonl", "UTF-8")
    good = tmp_path / "labels.jsonl"
    write_labels(good)
    _one_line_error(_run("router", "fit", str(good), "--from-ledger", "--out", out), "not both")
    _one_line_error(_run("router", "fit", str(tmp_path), "--out", out), "not a file")
    _one_line_error(_run("router", "fit", str(good), "--out", str(good)), "--out", "not a directory")

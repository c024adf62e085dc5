"""`turnout router fit|calibrate`, `turnout classify --router` and `turnout simulate`."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
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
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
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


def _sim_config(tmp_path):
    cfg = tmp_path / "turnout.yaml"
    cfg.write_text(yaml.safe_dump({
        "models": [{"name": "gpt-4o"}, {"name": "gpt-4o-mini"},
                   {"name": "fake/local", "provider": "fake", "local": True, "tier": 1}],
        "routing": {"quality_target": 0.85}, "ledger": {"url": f"sqlite:///{tmp_path}/l.db"}}))
    return cfg


def test_simulate_rejects_bad_request_rows_in_one_line(tmp_path):
    cfg = _sim_config(tmp_path)
    cases = [
        ({"prompt": "x", "sensitivity": "secret"}, "sensitivity"),
        ({"prompt": "x", "complexity": "hard"}, "complexity"),
        ({"prompt": "x", "max_tokens": "many"}, "max_tokens"),
        ({"prompt": "x", "max_tokens": -5}, "max_tokens"),
        ({"prompt": "x", "completion_tokens": "a"}, "completion_tokens"),
        ({"prompt": "x", "latency_ms": "slow"}, "latency_ms"),
        ({"prompt": "x", "was_model": 5}, "was_model"),
        ({"prompt": "x", "model": ["a"]}, "model"),
        ({"prompt": "x", "request_id": 7}, "request_id"),
        ({"messages": [{"role": "user"}]}, "messages[0]"),
        ({"prompt": ""}, "prompt"),
    ]
    for row, fragment in cases:
        reqs = tmp_path / "reqs.jsonl"
        reqs.write_text('{"prompt": "fine"}\n' + json.dumps(row) + "\n")
        _one_line_error(_run("simulate", str(reqs), "-c", str(cfg)), "reqs.jsonl:2", fragment)


def test_simulate_says_how_many_requests_its_latency_covers(tmp_path):
    cfg = _sim_config(tmp_path)
    reqs = tmp_path / "reqs.jsonl"
    rows = [{"prompt": "hi there!", "was_model": "gpt-4o-mini", "latency_ms": 300},
            {"prompt": "hello again", "was_model": "gpt-4o-mini"},
            {"prompt": "ok, thanks", "was_model": "gpt-4o-mini"}]
    reqs.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    res = _run("simulate", str(reqs), "-c", str(cfg))
    assert res.exit_code == 0, res.output
    assert "300 ms (recorded for 3 of 3 requests' models)" in res.stdout


def test_simulate_from_the_ledger_keeps_the_callers_labels(tmp_path):
    """A request the caller labelled (complexity or sensitivity given) is replayed with its
    label: caller labels win in the gateway, so they win in the replay, and the unchanged
    config changes no route."""
    from turnout.config import parse_config
    from turnout.learn import simulate as sim
    from turnout.learn.feedback_store import ledger_records
    from turnout.ledger import UsageRecord, open_ledger
    from turnout.types import ChatRequest, Complexity, RouteHints, Sensitivity

    url = f"sqlite:///{tmp_path}/l.db"
    config = parse_config({"models": [{"name": "gpt-4o"}, {"name": "gpt-4o-mini"},
                                      {"name": "fake/local", "provider": "fake", "local": True, "tier": 1}],
                           "routing": {"quality_target": 0.85}})
    router = sim.what_if_router(config)
    asked = [("hi there!", RouteHints(complexity=Complexity.COMPLEX)),
             ("hi there!", RouteHints()),
             ("a note about the weather", RouteHints(sensitivity=Sensitivity.INTERNAL))]
    ledger = open_ledger(url, store_prompts=True)
    for i, (prompt, hints) in enumerate(asked):
        decision = router.route(ChatRequest(model="auto", messages=[{"role": "user", "content": prompt}]), hints)
        ledger.record(UsageRecord(request_id=f"r{i}", ts=1000.0 + i, model_requested="auto",
                                  model_used=decision.model, rule=decision.rule, prompt=prompt,
                                  sensitivity=decision.signals.sensitivity.level.value,
                                  route={"signals": decision.signals.to_dict()}))
    ledger.close()
    replays = sim.replays_from_records(list(ledger_records(url)))
    assert [(r.complexity, r.sensitivity) for r in replays] == [("complex", None), (None, None),
                                                                 (None, "internal")]
    report = sim.simulate(sim.what_if_router(config), replays)
    assert report.changed == 0 and report.compared == 3


def test_calibrate_says_when_its_router_or_its_rows_do_not_fit_the_config(tmp_path):
    data = tmp_path / "labels.jsonl"
    write_labels(data)
    assert _run("router", "fit", str(data), "--out", str(tmp_path / "r")).exit_code == 0
    cfg = tmp_path / "turnout.yaml"
    cfg.write_text("models:\n  - name: gpt-4o\n  - name: gpt-4o-mini\n")
    res = _run("router", "calibrate", str(data), "--quality", "0.9", "--router", str(tmp_path / "r"),
               "-c", str(cfg), "--dry-run")
    assert res.exit_code == 0, res.output
    assert "set routing.router" in res.stderr  # the config would run the shipped prior, not this router
    assert "24 of 24 rows are in the router's memory" in res.stderr  # calibrated on its own fit data
    unpriced = tmp_path / "unpriced.jsonl"
    unpriced.write_text('{"prompt": "x", "scores": {"zz/one": 1, "zz/two": 0}}\n')
    _one_line_error(_run("router", "calibrate", str(unpriced), "--quality", "0.9", "-c", str(cfg), "--dry-run"),
                    "zz/one", "zz/two")


def test_rows_in_memory_counts_the_fit_rows_not_their_near_twins(tmp_path):
    from turnout.learn.calibrate import rows_in_memory
    from turnout.learn.model import LearnedRouter, fit_router

    fitted = EASY[:6] + HARD[:6]
    router = fit_router(fitted, [{"a": 1.0, "b": 1.0}] * 6 + [{"a": 1.0, "b": 0.0}] * 6,
                        prior=LearnedRouter.load())
    router = LearnedRouter.load(router.save(tmp_path / "r"))  # as stored: float16 embeddings
    assert rows_in_memory(router, fitted) == 12
    assert rows_in_memory(router, EASY[6:] + HARD[6:]) == 0  # one word apart from a fit row


def test_simulate_counts_the_confidential_requests_it_cannot_replay(tmp_path):
    """Confidential prompts are never stored, so the ledger cannot replay them; the report says
    how many there were and whether the tried config has a local model to take them."""
    from turnout.ledger import UsageRecord, open_ledger

    cfg = _sim_config(tmp_path)
    ledger = open_ledger(f"sqlite:///{tmp_path}/l.db", store_prompts=True)
    ledger.record(UsageRecord(request_id="a", ts=1.0, model_used="gpt-4o-mini", prompt="hi there"))
    ledger.record(UsageRecord(request_id="b", ts=2.0, model_used="fake/local", sensitivity="confidential"))
    ledger.close()
    res = _run("simulate", "-c", str(cfg))
    assert res.exit_code == 0, res.output
    assert "1 confidential request not replayed (its prompt is never stored); local models: fake/local" in res.stdout
    cloud_only = tmp_path / "cloud.yaml"
    cloud_only.write_text(yaml.safe_dump({"models": [{"name": "gpt-4o"}, {"name": "gpt-4o-mini"}]}))
    res = _run("simulate", "-c", str(cfg), "--against", str(cloud_only), "--json")
    assert json.loads(res.stdout)["result"]["not_replayed"] == {"confidential": 1, "local_models": []}


def test_simulate_compares_recorded_routes_and_the_tried_config_by_one_estimator(tmp_path):
    data = tmp_path / "labels.jsonl"
    write_labels(data)
    assert _run("router", "fit", str(data), "--out", str(tmp_path / "r")).exit_code == 0
    cfg = _sim_config(tmp_path)
    fitted = tmp_path / "fitted.yaml"
    fitted.write_text(cfg.read_text().replace("quality_target: 0.85", f"quality_target: 0.85\n  router: {tmp_path / 'r'}"))
    reqs = tmp_path / "reqs.jsonl"
    reqs.write_text("\n".join(json.dumps({"prompt": p, "was_model": "gpt-4o"}) for p in EASY[:3] + HARD[:3]) + "\n")
    same = json.loads(_run("simulate", str(reqs), "-c", str(fitted), "--json").stdout)["result"]
    tried = json.loads(_run("simulate", str(reqs), "-c", str(cfg), "--against", str(fitted), "--json").stdout)["result"]
    # the fitted router estimates both sides, whichever config names it
    assert tried["estimator"] == same["estimator"] == str(tmp_path / "r")
    assert tried["recorded_quality"] == pytest.approx(same["recorded_quality"])
    # easy prompts leave gpt-4o: cheaper, and by the fitted labels no worse
    assert tried["changed"] == 3 and tried["recorded_n"] == 6
    assert tried["quality_on_recorded"] >= tried["recorded_quality"] - 0.02
    assert tried["cost_usd"] < tried["recorded_cost_usd"]


def test_simulate_plot_writes_a_png_with_the_recorded_routes(tmp_path):
    cfg = _sim_config(tmp_path)
    reqs = tmp_path / "reqs.jsonl"
    reqs.write_text("\n".join(json.dumps({"prompt": p, "was_model": "gpt-4o"}) for p in EASY[:2] + HARD[:2]) + "\n")
    res = _run("simulate", str(reqs), "-c", str(cfg), "--plot", str(tmp_path / "p" / "sweep.png"))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "p" / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "target" in res.stdout and "1.00" in res.stdout  # the table beside it


def test_simulate_file_errors_name_the_file(tmp_path):
    cfg = _sim_config(tmp_path)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    _one_line_error(_run("simulate", str(empty), "-c", str(cfg)), "empty.jsonl: no requests")
    _one_line_error(_run("simulate", str(tmp_path / "nope.jsonl"), "-c", str(cfg)), "nope.jsonl: no such file")
    _one_line_error(_run("simulate", str(tmp_path), "-c", str(cfg)), "not a file")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "router.npz").write_bytes(b"junk")
    bad_router = tmp_path / "bad.yaml"
    bad_router.write_text(cfg.read_text() + f"  router: {broken}\n")
    empty.write_text('{"prompt": "hi"}\n')
    _one_line_error(_run("simulate", str(empty), "-c", str(bad_router)), "routing.router", "not a router")


_json = st.recursive(st.none() | st.booleans() | st.integers(-3, 10**6) | st.floats(allow_nan=False)
                     | st.text(max_size=12),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                     max_leaves=8)
_fields = st.sampled_from(["prompt", "messages", "model", "sensitivity", "complexity", "max_tokens", "was_model",
                           "completion_tokens", "latency_ms", "request_id"])


@settings(max_examples=300, deadline=None)
@given(row=st.dictionaries(_fields, _json | st.sampled_from(["hi", "public", "complex", 5, [{"role": "user"}]]),
                           max_size=6))
def test_any_request_row_is_a_replay_or_one_value_error(tmp_path_factory, row):
    """Whatever a JSONL row holds, simulate's reader gives a Replay or a ValueError naming the
    line (never a TypeError inside the replay)."""
    from turnout.learn.simulate import read_jsonl

    path = tmp_path_factory.mktemp("s") / "reqs.jsonl"
    path.write_text(json.dumps(row) + "\n")
    try:
        (replay,) = read_jsonl(path)
    except ValueError as exc:
        assert str(exc).startswith(f"{path}:1: ")
        return
    assert replay.messages and all(isinstance(m, dict) for m in replay.messages)
    assert replay.max_tokens is None or replay.max_tokens >= 1


@settings(max_examples=300, deadline=None)
@given(row=st.dictionaries(st.sampled_from(["prompt", "scores", "group"]),
                           _json | st.dictionaries(st.text(max_size=6), _json, max_size=3), max_size=3))
def test_any_label_row_is_labelled_or_one_value_error(tmp_path_factory, row):
    from turnout.learn.data import load_jsonl

    path = tmp_path_factory.mktemp("l") / "labels.jsonl"
    path.write_text(json.dumps(row) + "\n")
    try:
        lab = load_jsonl(path)
    except ValueError as exc:
        assert str(exc).startswith(f"{path}:1: ")
        return
    assert lab.prompts[0].strip() and all(0.0 <= v <= 1.0 and m.strip() for m, v in lab.scores[0].items())

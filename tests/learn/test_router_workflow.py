"""The learned router as a deployment meets it, end to end through the CLI on invented data:
`router fit` -> `routing.router` in the config -> `classify --router` -> `simulate` ->
`router calibrate`, asserting on the real outputs (no figures typed in from a run)."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from turnout.cli import app

# Invented prompts: chores every model does well, and proofs / designs only the strong one does.
EASY_TOPICS = ["my dentist", "the plumber", "a neighbour", "my landlord", "the school", "a courier",
               "my manager", "the library", "a cousin", "the gym", "my bank clerk", "the florist"]
HARD_TOPICS = ["a lock-free skip list", "the Hahn-Banach theorem", "a Byzantine consensus round",
               "the Sylow theorems", "a B-tree under concurrent splits", "Kolmogorov's zero-one law",
               "a garbage collector's write barrier", "the Jordan curve theorem",
               "a distributed snapshot algorithm", "the spectral theorem", "a CRDT for text",
               "the Arzela-Ascoli theorem"]
EASY = [f"Write a two-line thank-you note to {t}." for t in EASY_TOPICS]
HARD = [f"Prove rigorously, step by step, the correctness of {t}, stating every lemma you use." for t in HARD_TOPICS]
GOOD = {"fake/big": 1.0, "fake/mid": 1.0, "fake/small": 1.0}
ONLY_BIG = {"fake/big": 1.0, "fake/mid": 0.0, "fake/small": 0.0}
MODELS = [
    {"name": "fake/big", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 5.0, "output_per_mtok": 15.0},
    {"name": "fake/mid", "provider": "fake", "local": False, "tier": 2, "input_per_mtok": 1.0, "output_per_mtok": 3.0},
    {"name": "fake/small", "provider": "fake", "local": False, "tier": 1, "input_per_mtok": 0.1,
     "output_per_mtok": 0.3},
    {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
]


def _rows(prompts, scores):
    return [{"prompt": p, "scores": scores} for p in prompts]


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _run(*args):
    res = CliRunner().invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res


@pytest.mark.slow
def test_fit_config_classify_simulate_calibrate(tmp_path):
    fit_easy, held_easy = EASY[:8], EASY[8:]
    fit_hard, held_hard = HARD[:8], HARD[8:]
    train = _write(tmp_path / "train.jsonl", _rows(fit_easy, GOOD) + _rows(fit_hard, ONLY_BIG))
    held = _write(tmp_path / "held.jsonl", _rows(held_easy, GOOD) + _rows(held_hard, ONLY_BIG))

    # 1. fit: the strong model is the best on the data
    fitted = json.loads(_run("router", "fit", train, "--out", tmp_path / "router").stdout)
    assert fitted["strong"] == "fake/big" and fitted["prompts"] == 16

    # 2. the config runs it (a user's file, with comments)
    cfg = tmp_path / "turnout.yaml"
    cfg.write_text("# my gateway\n" + yaml.safe_dump({"models": MODELS}, sort_keys=False)
                   + f"routing:\n  router: {tmp_path / 'router'}  # fitted on our labels\n"
                   + "  quality_target: 0.99  # too strict, calibrate me\n")

    # 3. classify: every held-out proof needs the strong model more than every held-out chore
    lines = "".join(json.dumps({"prompt": p}) + "\n" for p in held_easy + held_hard)
    res = CliRunner().invoke(app, ["classify", "--router", str(tmp_path / "router")], input=lines)
    scores = [json.loads(x)["score"] for x in res.stdout.splitlines()]
    easy_scores, hard_scores = scores[: len(held_easy)], scores[len(held_easy):]
    assert max(easy_scores) < min(hard_scores), scores

    # 4. simulate the held-out traffic as it was routed before (everything on fake/big, and a
    # confidential request): the chores leave fake/big, the proofs stay, the secret stays local
    requests = [{"prompt": p, "was_model": "fake/big", "request_id": f"e{i}"} for i, p in enumerate(held_easy)]
    requests += [{"prompt": p, "was_model": "fake/big", "request_id": f"h{i}"} for i, p in enumerate(held_hard)]
    requests.append({"prompt": "Here is my card 4111 1111 1111 1111, pay the bill.", "was_model": "fake/big"})
    reqs = _write(tmp_path / "reqs.jsonl", requests)
    sim = json.loads(_run("simulate", reqs, "-c", cfg, "--quality-target", "0.9", "--json").stdout)["result"]
    by_hand = len(held_easy) + 1  # each chore to a cheaper model, the confidential one to fake/local
    assert sim["changed"] == by_hand and sim["compared"] == len(requests)
    assert sim["confidential"] == sim["confidential_local"] == 1
    assert sim["shares"]["fake/big"] == pytest.approx(len(held_hard) / len(requests))
    assert sim["cost_usd"] < sim["recorded_cost_usd"]
    assert sim["estimator"] == str(tmp_path / "router")

    # 5. calibrate on the held-out labels: the threshold lands in the file, comments kept
    res = _run("router", "calibrate", held, "--quality", "0.95", "-c", cfg)
    chosen = json.loads(res.stdout)
    assert chosen["quality_share"] >= 0.95 and chosen["saving"] > 0.3
    assert "memory" not in res.stderr and "routing.router" not in res.stderr  # held out, same router
    text = cfg.read_text()
    assert "# my gateway" in text and "# fitted on our labels" in text and "# too strict, calibrate me" in text
    assert yaml.safe_load(text)["routing"]["quality_target"] == chosen["value"]

    # 6. the calibrated config, replayed: never dearer than always the strong model
    after = json.loads(_run("simulate", reqs, "-c", cfg, "--json").stdout)["result"]
    always_big = json.loads(_run("simulate", reqs, "-c", cfg, "--quality-target", "1.0", "--json").stdout)["result"]
    assert after["quality_target"] == chosen["value"]
    assert after["cost_usd"] <= always_big["cost_usd"]

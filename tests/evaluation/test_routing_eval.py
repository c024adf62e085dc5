"""RouteLLM's routing metrics on hand-made cases with known answers, and the eval end to end."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from turnout.evaluation.routing import (
    DEFAULT_DATA_DIR,
    DEFAULT_HOLDOUT,
    STRONG_MODEL,
    WEAK_MODEL,
    apgr,
    cost_saving_at_quality,
    cpt,
    evaluate_router,
    evaluate_routing,
    load_routing_data,
    pgr,
    plot_routing,
    routing_curve,
    split_subjects,
    subject_fold,
)

HAVE_DATA = (DEFAULT_DATA_DIR / "mmlu_anatomy.csv").is_file()
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="shared routing data not present")

# Weak right on the last two, strong right on all: routing the first two is all the gain.
WEAK = np.array([0, 0, 1, 1], bool)
STRONG = np.array([1, 1, 1, 1], bool)


def test_curve_of_a_perfect_router() -> None:
    shares, acc = routing_curve([4, 3, 2, 1], WEAK, STRONG)
    assert shares.tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert acc.tolist() == [0.5, 0.75, 1.0, 1.0, 1.0]
    p = pgr(acc, 0.5, 1.0)
    assert p.tolist() == [0, 0.5, 1, 1, 1]
    # trapezoids: 0.25*(0+.5)/2 + 0.25*(.5+1)/2 + 0.5*1
    assert apgr(shares, p) == pytest.approx(0.75)
    assert cpt(shares, p, 0.5) == pytest.approx(0.25)
    assert cpt(shares, p, 0.8) == pytest.approx(0.25 + 0.25 * 0.6)
    # 95% of strong (0.95) is reached between 0.25 (0.75) and 0.5 (1.0): at 0.45
    assert cost_saving_at_quality(shares, acc, 1.0, 0.95) == pytest.approx(0.55)


def test_worst_router_and_a_perfect_router_bound_the_random_one() -> None:
    best = evaluate_router("best", [4, 3, 2, 1], WEAK, STRONG)
    worst = evaluate_router("worst", [1, 2, 3, 4], WEAK, STRONG)
    rand = evaluate_router("random", [0, 0, 0, 0], WEAK, STRONG)
    assert worst.apgr < rand.apgr < best.apgr
    assert rand.apgr == pytest.approx(0.5)
    assert worst.apgr == pytest.approx(0.25)


def test_constant_score_is_the_exact_random_router() -> None:
    rng = np.random.default_rng(0)
    weak = rng.random(400) < 0.6
    strong = rng.random(400) < 0.8
    r = evaluate_router("random", np.zeros(400), weak, strong)
    assert r.apgr == pytest.approx(0.5, abs=1e-12)
    assert np.allclose(r.pgr, r.shares)  # PGR(share) = share
    assert r.cpt50 == pytest.approx(0.5, abs=1e-9)
    assert r.cpt80 == pytest.approx(0.8, abs=1e-9)
    # ... and it is what averaging random orderings converges to
    seeds = [evaluate_router("r", rng.random(400), weak, strong).apgr for _ in range(200)]
    assert np.mean(seeds) == pytest.approx(0.5, abs=0.02)


def test_ties_are_the_expectation_over_orderings() -> None:
    weak = np.array([1, 0, 0, 1, 0], bool)
    strong = np.array([0, 1, 0, 1, 1], bool)
    scores = np.array([0.2, 0.7, 0.7, 0.7, 0.1])
    _, acc = routing_curve(scores, weak, strong)
    # brute force: every ordering of the tied group, equally likely
    tied = [1, 2, 3]
    accs = []
    for perm in itertools.permutations(tied):
        order = [*perm, 0, 4]
        cur = [weak.astype(float).copy()]
        routed = weak.astype(float).copy()
        for i in order:
            routed[i] = strong[i]
            cur.append(routed.copy())
        accs.append([c.mean() for c in cur])
    assert np.allclose(acc, np.mean(accs, axis=0))


def test_cpt_unreachable_and_saving_when_weak_is_enough() -> None:
    shares = np.array([0.0, 0.5, 1.0])
    assert cpt(shares, np.array([0.0, 0.2, 0.4]), 0.5) is None
    # weak already at 96% of strong: no strong call needed for 95%
    assert cost_saving_at_quality(shares, np.array([0.96, 0.98, 1.0]), 1.0) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        pgr(np.array([0.5]), 0.7, 0.7)
    with pytest.raises(ValueError):
        routing_curve([1.0, float("nan")], WEAK[:2], STRONG[:2])


def _write_dataset(root: Path) -> None:
    rows = {
        # subject: (prompt, weak, strong); the "hard" ones are longer
        "alpha": [
            ("short a1", True, True),
            ("a long and hard question number two", False, True),
            ("short a3", True, False),
            ("another long and hard question", False, True),
        ],
        "beta": [
            ("b1", True, True),
            ("b2 long and difficult", False, True),
            ("b3", True, True),
            ("b4 long but both fail", False, False),
        ],
        "gamma": [
            ("g1", True, True),
            ("g2 hard hard hard hard", False, True),
            ("contaminated one", False, True),
        ],
    }
    for subject, items in rows.items():
        with (root / f"mmlu_{subject}.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["prompt", WEAK_MODEL, STRONG_MODEL])
            for p, wk, st in items:
                w.writerow([p, str(wk), str(st)])
    (root / "contaminated_prompts.jsonl").write_text(
        json.dumps(
            {
                "train_prompt": "x",
                "eval_prompt": "contaminated one",
                "train_idx": "1",
                "eval_idx": "2",
            }
        )
        + "\n"
    )


class _LengthScorer:
    """Anything with score_many works as a scorer."""

    def score_many(self, texts: list[str]) -> list[float]:
        return [len(t) / 100 for t in texts]


def test_evaluate_routing_on_a_tiny_dataset(tmp_path: Path) -> None:
    _write_dataset(tmp_path)
    data = load_routing_data(tmp_path)
    assert len(data) == 10 and data.dropped_contaminated == 1
    report = evaluate_routing(tmp_path, scorer=_LengthScorer(), holdout=["alpha", "beta"])
    assert report.n == 8
    assert report.subjects == ["alpha", "beta"]
    assert report.weak_accuracy == pytest.approx(4 / 8)
    assert report.strong_accuracy == pytest.approx(6 / 8)
    names = [r.name for r in report.routers]
    assert names[:3] == ["turnout", "random", "length"]
    assert report.router("random").apgr == pytest.approx(0.5)
    # our "scorer" is the length router here: same numbers
    assert report.router("turnout").apgr == pytest.approx(report.router("length").apgr)
    assert report.router("oracle").apgr >= report.router("turnout").apgr
    table = report.to_table()
    for name in ("turnout", "random", "length", "APGR", "CPT(50%)", "CPT(80%)", "saving@95%"):
        assert name in table
    d = json.loads(json.dumps(report.to_dict()))
    assert d["n_prompts"] == 8 and d["held_out_subjects"] == ["alpha", "beta"]
    assert len(d["routers"][0]["curve"]["pgr"]) == 21
    with pytest.raises(ValueError):
        evaluate_routing(tmp_path, scorer=_LengthScorer(), holdout=["nope"])


def test_progress_bar_gives_the_same_scores(tmp_path: Path) -> None:
    _write_dataset(tmp_path)
    a = evaluate_routing(tmp_path, scorer=_LengthScorer(), holdout=["alpha"], progress=True)
    b = evaluate_routing(tmp_path, scorer=_LengthScorer(), holdout=["alpha"])
    assert a.router("turnout").apgr == b.router("turnout").apgr


def test_plot_routing_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    _write_dataset(tmp_path)
    report = evaluate_routing(tmp_path, scorer=_LengthScorer(), holdout=["alpha", "beta"])
    out = plot_routing(report, tmp_path / "plots" / "routing.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_split_holds_out_whole_subjects_and_never_leaks_a_prompt() -> None:
    from turnout.evaluation.routing import RoutingData

    data = RoutingData(
        prompts=["p1", "p2", "shared", "p4", "shared"],
        subjects=["a", "a", "a", "b", "b"],
        weak=np.array([1, 0, 1, 0, 1], bool),
        strong=np.array([1, 1, 1, 1, 1], bool),
    )
    train, held = split_subjects(data, ["b"])
    assert set(held.subjects) == {"b"} and len(held) == 2
    assert "shared" not in train.prompts and train.prompts == ["p1", "p2"]


def test_holdout_rule_is_stratified_and_fixed() -> None:
    subjects = [f"s{i}" for i in range(10)]  # unknown subjects form their own group
    assert subject_fold(subjects, 4, 1) == ["s1", "s5", "s9"]
    folds = [set(subject_fold(subjects, 4, o)) for o in range(4)]
    assert set().union(*folds) == set(subjects) and sum(map(len, folds)) == len(subjects)


@needs_data
def test_default_holdout_is_the_rule_applied_to_the_data() -> None:
    data = load_routing_data()
    assert sorted(DEFAULT_HOLDOUT) == subject_fold(set(data.subjects))
    assert data.dropped_contaminated == 5
    train, held = split_subjects(data)
    assert not set(train.subjects) & set(held.subjects)
    assert not set(train.prompts) & set(held.prompts)


@needs_data
def test_shipped_scorer_beats_random_on_held_out_subjects() -> None:
    report = evaluate_routing()
    ours = report.router("turnout")
    assert ours.apgr > 0.52
    assert report.router("random").apgr == pytest.approx(0.5)
    assert 0.0 < report.weak_accuracy < report.strong_accuracy < 1.0

"""scripts/train_router.py's evaluation: the MMLU set without subjects whose strong labels are
below chance (a label failure), reported beside the full set."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import train_router

from turnout.evaluation.routing import evaluate_router
from turnout.learn.data import PAIRS, Labelled

STRONG, WEAK = PAIRS["mmlu"]


def _data(rights: dict[str, list[int]], weak_rights: dict[str, list[int]]) -> Labelled:
    data = Labelled()
    for group, strong in rights.items():
        for k, (s, w) in enumerate(zip(strong, weak_rights[group], strict=True)):
            data.add(f"{group} question {k}", "mmlu", group, {STRONG: float(s), WEAK: float(w)})
    data.add("another source", "mmlu-pro", "law", {"x": 1.0})
    return data


def test_a_subject_whose_strong_model_is_below_guessing_is_left_out():
    data = _data({"easy": [1, 1, 1, 0], "broken": [0, 0, 0, 0, 1], "hard": [1, 0, 0, 0]},
                 {"easy": [1, 0, 1, 0], "broken": [1, 1, 0, 1, 0], "hard": [0, 0, 0, 0]})
    # broken: 1 of 5 (0.2 < 0.25); hard: 1 of 4 (0.25, at chance: kept)
    assert train_router.below_chance_subjects(data) == {"broken"}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1), st.floats(0, 1)), min_size=8,
                max_size=40),
       st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1)), min_size=4, max_size=20))
def test_the_above_chance_set_scores_exactly_the_other_subjects(good, broken):
    # "good" rows: the strong model always right (never below chance); "broken": never right
    rights = {"good": [1] * len(good), "broken": [0] * len(broken)}
    weak = {"good": [w for _, w, _ in good], "broken": [w for w, _ in broken]}
    data = _data(rights, weak)
    score = np.array([r for _, _, r in good] + [r for _, r in broken] + [0.5])
    out = train_router.above_chance_set(data, {"r": score})
    assert out["left_out"] == ["broken"]
    n = len(good)
    ref = evaluate_router("r", score[:n], np.array(weak["good"], float), np.ones(n))
    assert out["routers"]["r"]["apgr"] == round(ref.apgr, 4)
    assert out["routers"]["r"]["n"] == n

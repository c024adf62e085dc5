"""Difficulty trees: boosting on the item-response loss, prediction, persistence."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from turnout.learn.trees import TreeEnsemble, boost_difficulty


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _data(seed: int = 0, n: int = 1500):
    """Difficulty is an interaction (hard when feature 0 is high *and* feature 2 applies and is
    low), which no single linear weight captures; feature 2 is NaN (not applicable) on 10%."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    x[rng.random(n) < 0.1, 2] = np.nan
    hard = (x[:, 0] > 0.2) & (np.nan_to_num(x[:, 2], nan=1.0) < 0.0)
    difficulty = 2.0 * hard - 0.5
    theta = np.array([-1.0, 0.0, 1.0])
    items = np.repeat(np.arange(n), 3)
    models = np.tile(np.arange(3), n)
    y = (rng.random(3 * n) < _sigmoid(theta[models] - difficulty[items])).astype(float)
    return x, difficulty, items, models, y


def test_boosting_recovers_an_interaction_and_lowers_the_loss():
    x, difficulty, items, models, y = _data()
    w = np.ones(len(y))
    trees, theta = boost_difficulty(x, np.zeros(len(x)), items, models, y, w, np.zeros(3),
                                    n_trees=60, depth=2, rate=0.3)
    d = trees.predict(x)
    assert np.corrcoef(d, difficulty)[0, 1] > 0.9
    assert theta[0] < theta[1] < theta[2]

    def loss(dd: np.ndarray, th: np.ndarray) -> float:
        p = np.clip(_sigmoid(th[models] - dd[items]), 1e-9, 1 - 1e-9)
        return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())

    assert loss(d, theta) < loss(np.zeros(len(x)), np.zeros(3)) - 0.05


def test_the_ensemble_predicts_what_the_fit_added():
    x, _, items, models, y = _data(1, 600)
    base = np.linspace(-1, 1, len(x))
    trees, theta = boost_difficulty(x, base, items, models, y, np.ones(len(y)), np.zeros(3),
                                    n_trees=5, depth=3)
    # refitting the abilities under base + trees gives back the fit's own (it ended there)
    d = base + trees.predict(x)
    p = _sigmoid(theta[models] - d[items])
    for m in range(3):
        assert abs(p[models == m].mean() - y[models == m].mean()) < 0.02


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 40), st.just(3)),
                  elements=st.one_of(st.floats(-5, 5), st.just(np.nan))))
def test_one_prompt_at_a_time_equals_the_batch(x):
    """The request path (one row, all trees at once) and the batch path (one tree, all rows)
    agree, NaN included (it never goes right)."""
    rng = np.random.default_rng(len(x))
    t, depth = 7, 2
    trees = TreeEnsemble(rng.integers(0, 3, (t, 3)),
                         np.where(rng.random((t, 3)) < 0.2, np.inf, rng.normal(size=(t, 3))),
                         rng.normal(size=(t, 4)))
    assert trees.depth == depth
    batch = sum(trees.tree_output(k, x) for k in range(t))
    single = np.array([trees.predict(row[None, :])[0] for row in x])
    np.testing.assert_allclose(single, batch, atol=1e-12)
    nan_row = np.full((1, 3), np.nan)  # every node sends it left
    left = sum(trees.leaf[k][0] for k in range(t))
    assert abs(trees.predict(nan_row)[0] - left) < 1e-12


def test_no_trees_add_nothing():
    assert TreeEnsemble.empty().predict(np.ones((3, 5))).tolist() == [0.0, 0.0, 0.0]

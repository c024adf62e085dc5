"""The learned router: fitting, persistence, the kNN memory, and the shipped model's sanity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.learn.model import LearnedRouter, boost_column, fit_irt, fit_router


def test_fit_irt_recovers_abilities_and_difficulty_order():
    rng = np.random.default_rng(0)
    n, d = 400, 3
    x = np.hstack([np.ones((n, 1)), rng.normal(size=(n, d - 1))])
    true_delta = np.array([0.0, 1.5, -1.0])
    theta_true = np.array([-1.0, 0.0, 1.5])
    items, models, ys = [], [], []
    for i in range(n):
        for m in range(3):
            p = 1 / (1 + np.exp(-(theta_true[m] - x[i] @ true_delta)))
            items.append(i)
            models.append(m)
            ys.append(float(rng.random() < p))
    delta, theta = fit_irt(x, items, models, ys, [1.0] * len(ys), 3, l2=1.0)
    assert theta[0] < theta[1] < theta[2]
    assert np.corrcoef(x @ delta, x @ true_delta)[0, 1] > 0.9


def _irt_data(seed: int = 0, n: int = 300):
    rng = np.random.default_rng(seed)
    x = np.hstack([np.ones((n, 1)), rng.normal(size=(n, 2))])
    items, models, ys = [], [], []
    for i in range(n):
        for m, th in enumerate((-1.0, 0.5)):
            items.append(i)
            models.append(m)
            ys.append(float(rng.random() < 1 / (1 + np.exp(-(th - x[i] @ np.array([0.0, 1.0, -0.5]))))))
    return x, items, models, ys


def test_a_heavier_l2_on_a_column_shrinks_that_weight_alone():
    x, items, models, ys = _irt_data()
    ws = [1.0] * len(ys)
    flat, _ = fit_irt(x, items, models, ys, ws, 2, l2=1.0)
    held, _ = fit_irt(x, items, models, ys, ws, 2, l2=np.array([0.0, 1.0, 1e4]))
    assert abs(held[2]) < 0.05 * abs(flat[2]) and abs(held[1] - flat[1]) < 0.5


def test_boosting_a_column_refits_the_abilities_so_chances_stay_calibrated():
    x, items, models, ys = _irt_data(1)
    ws = [1.0] * len(ys)
    delta, _ = fit_irt(x, items, models, ys, ws, 2, l2=1.0)
    boosted, theta = boost_column(x, delta, 1, 1.0, items, models, ys, ws, 2)
    assert boosted[1] == pytest.approx(delta[1] + 1.0) and boosted[2] == delta[2]
    it, mo, y = np.array(items), np.array(models), np.array(ys)
    p = 1 / (1 + np.exp(-(theta[mo] - x[it] @ boosted)))
    for m in (0, 1):  # the refitted ability matches each model's mean score
        assert p[mo == m].mean() == pytest.approx(y[mo == m].mean(), abs=0.01)


def test_shipped_router_loads_and_orders_known_models():
    r = LearnedRouter.load()
    p = r.predict("Explain why the sky is blue.", ["gpt-4o-2024-05-13", "Mixtral-8x7B-Instruct-v0.1"])
    assert 0 < p["Mixtral-8x7B-Instruct-v0.1"] < p["gpt-4o-2024-05-13"] < 1


def test_unknown_models_take_their_tiers_ability():
    r = LearnedRouter.load()
    p = r.predict("Summarise this paragraph.", ["big/x", "small/y"], {"big/x": 3, "small/y": 1})
    assert p["big/x"] > p["small/y"]


def test_save_load_round_trip_is_byte_identical(tmp_path):
    r = LearnedRouter.load()
    a = r.save(tmp_path / "a")
    b = LearnedRouter.load(a).save(tmp_path / "b")
    assert (a / "router.npz").read_bytes() == (b / "router.npz").read_bytes()


def test_fit_with_memory_learns_in_domain_labels(tmp_path):
    # two kinds of made-up prompts; model "cheap" is good at one kind only
    easy = [f"Please translate the word number {i} into French." for i in range(30)]
    hard = [f"Derive the closed form of recurrence {i} and prove it by induction." for i in range(30)]
    prompts = easy + hard
    scores = [{"cheap": 1.0, "strong": 1.0} for _ in easy] + [{"cheap": 0.0, "strong": 1.0} for _ in hard]
    fitted = fit_router(prompts, scores, prior=LearnedRouter.load())
    assert fitted.strong == "strong"
    fitted.save(tmp_path / "r")
    loaded = LearnedRouter.load(tmp_path / "r")
    p_easy = loaded.predict("Please translate the word number 99 into French.", ["cheap", "strong"])
    p_hard = loaded.predict("Derive the closed form of recurrence 99 and prove it by induction.", ["cheap", "strong"])
    assert p_easy["cheap"] > 0.7 > 0.3 > p_hard["cheap"]
    need = loaded.score_many(["Please translate the word number 99 into French.",
                              "Derive the closed form of recurrence 99 and prove it by induction."])
    assert need[0] < need[1]


def test_fit_rejects_empty_data():
    with pytest.raises(ValueError):
        fit_router([], [], prior=LearnedRouter.load())


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=300))
def test_predictions_are_probabilities_for_any_text(text):
    r = LearnedRouter.load()
    p = r.predict(text, ["gpt-4o", "local/x"], {"gpt-4o": 3, "local/x": 1})
    assert all(0.0 <= v <= 1.0 for v in p.values())
    assert 0.0 <= r.score(text) <= 1.0


def _write_npz(path, **arrays):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez(fh, **arrays)


def _meta(**fields):
    import json

    return np.frombuffer(json.dumps(fields).encode(), np.uint8)


@pytest.mark.parametrize("make", [
    lambda p: p.write_bytes(b"not a model at all"),  # numpy: "contains pickled data ... load it unsafely"
    lambda p: p.write_bytes(b"PK\x03\x04 truncated zip"),
    lambda p: _write_npz(p, x=np.zeros(2)),  # an archive without the router's arrays
    lambda p: _write_npz(p, meta=np.frombuffer(b"{not json", np.uint8)),
    lambda p: _write_npz(p, meta=_meta(format_version=1)),  # the arrays missing
    lambda p: _write_npz(p, meta=_meta(format_version=2)),  # a router from another version
])
def test_a_router_file_that_is_not_ours_is_one_value_error_naming_it(tmp_path, make):
    path = tmp_path / "r" / "router.npz"
    path.parent.mkdir()
    make(path)
    with pytest.raises(ValueError) as err:
        LearnedRouter.load(tmp_path / "r")
    message = str(err.value)
    assert str(path) in message and "turnout router fit" in message
    assert "pickle" not in message and "\n" not in message

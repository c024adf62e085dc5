"""Calibration picks the threshold for a goal; the config file gets it."""

from __future__ import annotations

import pytest
import yaml

from turnout.learn.calibrate import pick, write_knob


def curve(t: float) -> tuple[float, float]:
    # cost and quality both rise with the target (as they do for routing.quality_target)
    return 10.0 * t, 0.8 + 0.2 * t


def test_target_saving_picks_the_best_quality_that_saves_enough():
    c = pick("k", [0.2, 0.4, 0.6, 0.8, 1.0], curve, (10.0, 1.0), target_saving=0.5)
    assert c.value == 0.4 and c.saving >= 0.5


def test_quality_picks_the_cheapest_reaching_it():
    c = pick("k", [0.2, 0.4, 0.6, 0.8, 1.0], curve, (10.0, 1.0), quality=0.95)
    assert c.value == 0.8


def test_unreachable_goals_and_bad_args_are_value_errors():
    with pytest.raises(ValueError):
        pick("k", [0.5], curve, (10.0, 1.0), target_saving=0.9)
    with pytest.raises(ValueError):
        pick("k", [0.5], curve, (10.0, 1.0))


def test_write_knob_keeps_other_settings(tmp_path):
    cfg = tmp_path / "turnout.yaml"
    cfg.write_text("routing:\n  default_max_tokens: 99\ncache:\n  enabled: false\n")
    write_knob(cfg, "routing.quality_target", 0.8)
    data = yaml.safe_load(cfg.read_text())
    assert data == {"routing": {"default_max_tokens": 99, "quality_target": 0.8}, "cache": {"enabled": False}}

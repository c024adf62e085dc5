"""Calibration picks the threshold for a goal; the config file gets it."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

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


STARTER = """# my gateway (comments matter)
models:
  - name: gpt-4o          # the strong one
  - name: gpt-4o-mini
routing:
  # tuned by hand last week
  quality_target: 0.9   # keep this comment
  default_max_tokens: 512
ledger:
  store_prompts: true
"""


def test_write_knob_replaces_the_value_in_place_keeping_comments(tmp_path):
    cfg = tmp_path / "turnout.yaml"
    cfg.write_text(STARTER)
    write_knob(cfg, "routing.quality_target", 0.72)
    assert cfg.read_text() == STARTER.replace("quality_target: 0.9   #", "quality_target: 0.72   #")


def test_write_knob_adds_the_key_to_its_block_or_the_block_to_the_file(tmp_path):
    cfg = tmp_path / "turnout.yaml"
    no_key = STARTER.replace("  quality_target: 0.9   # keep this comment\n", "")
    cfg.write_text(no_key)
    write_knob(cfg, "routing.quality_target", 0.8)
    text = cfg.read_text()
    assert "# tuned by hand last week" in text and "# the strong one" in text
    assert yaml.safe_load(text)["routing"] == {"default_max_tokens": 512, "quality_target": 0.8}
    no_block = "# only models\nmodels:\n  - name: gpt-4o  # strong\n"
    cfg.write_text(no_block)
    write_knob(cfg, "routing.quality_target", 0.8)
    assert cfg.read_text().startswith(no_block)
    assert yaml.safe_load(cfg.read_text())["routing"] == {"quality_target": 0.8}


_keys = st.sampled_from(["routing", "models", "cache", "ledger", "quality_target", "rules", "name", "x"])
_scalars = st.one_of(st.integers(-5, 5), st.booleans(), st.sampled_from(["a", "b c", "0.9", "yes"]),
                     st.floats(0, 1, allow_nan=False).map(lambda f: round(f, 3)), st.none())
_docs = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(_keys, inner, max_size=4)),
                     max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(doc=st.dictionaries(_keys, _docs, max_size=5), flow=st.booleans(), value=st.floats(0.01, 1.0))
def test_write_knob_always_yields_the_file_with_the_knob_set(tmp_path_factory, doc, flow, value):
    """Whatever YAML the file holds, the result reads back as the same mapping with the knob
    set (in place when the text allows it, else rewritten), or the file is refused unchanged."""
    cfg = tmp_path_factory.mktemp("k") / "turnout.yaml"
    text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=flow)
    cfg.write_text("# top comment\n" + text)
    routing = doc.get("routing")
    if routing is not None and not isinstance(routing, dict):
        with pytest.raises(ValueError):
            write_knob(cfg, "routing.quality_target", value)
        assert cfg.read_text() == "# top comment\n" + text
        return
    write_knob(cfg, "routing.quality_target", value)
    expected = dict(doc)
    expected["routing"] = {**(routing or {}), "quality_target": float(value)}
    assert yaml.safe_load(cfg.read_text()) == expected

"""scripts/gen_router_labels.py's item parsing, order and resumption, and train_router.py's
reading of its labels as one more model column (no model is loaded here)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import gen_router_labels as gen
import train_router

from turnout.learn.data import Labelled

_OPTION_TEXT = st.text("abcdefgh xyz0123456789.,", min_size=1, max_size=30).map(str.strip).filter(bool)


def _item(stem: str, options: list[str], cue: bool = True) -> str:
    lines = [stem] + [f"{gen.LETTERS[k]}. {o}" for k, o in enumerate(options)]
    return "\n".join(lines) + ("\nAnswer:" if cue else "")


@settings(max_examples=60, deadline=None)
@given(st.text("abcdefgh xyz?", min_size=1, max_size=60).map(str.strip).filter(bool),
       st.lists(_OPTION_TEXT, min_size=2, max_size=10), st.booleans())
def test_an_item_splits_into_its_stem_and_options(stem, options, cue):
    prompt = _item(stem, options, cue)
    letters = gen.options_of(prompt)
    assert letters == gen.LETTERS[: len(options)]
    got_stem, got_options = gen.split_item(prompt, letters)
    assert got_stem == stem
    assert got_options == options


def test_a_prompt_without_an_option_run_has_no_letters():
    assert gen.options_of("How many legs has a spider?") == ""
    assert gen.options_of("A. only one option") == ""
    assert gen.options_of("B. starts late\nC. and goes on") == ""


def test_the_order_interleaves_sources_by_share_and_skips_items_without_options():
    data = Labelled()
    for k in range(30):
        data.add(_item(f"first {k}", ["x", "y"]), "one", "g", {"m": 1.0})
    for k in range(10):
        data.add(_item(f"second {k}", ["x", "y", "z"]), "two", "g", {"m": 0.0})
    data.add("no options here", "one", "g", {"m": 1.0})
    rows = gen.order(data, ["one", "two"], [0.75, 0.25], seed=3)
    assert sorted(rows) == list(range(40))  # every item once, the one without options left out
    head = [data.sources[i] for i in rows[:20]]
    assert head.count("one") == 15 and head.count("two") == 5
    assert rows == gen.order(data, ["one", "two"], [0.75, 0.25], seed=3)  # deterministic


def test_a_rerun_skips_what_the_file_holds_and_a_cut_line_is_redone(tmp_path):
    out = tmp_path / "labels.jsonl"
    out.write_text(json.dumps({"id": "a", "p_max": 0.5}) + "\n" + '{"id": "b", "p_m')
    assert gen.done_ids(out) == {"a"}
    assert gen.done_ids(tmp_path / "missing.jsonl") == set()


def test_generated_labels_join_their_rows_as_one_more_model(tmp_path):
    data = Labelled()
    data.add("first prompt", "mmlu", "s1", {"strong": 1.0, "weak": 0.0})
    data.add("second prompt", "mmlu", "s2", {"strong": 0.0, "weak": 0.0})
    data.add("third prompt", "mmlu-pro", "c", {"strong": 1.0})
    path = tmp_path / "labels.jsonl"
    recs = [{"id": gen.row_id("mmlu", "s2", "second prompt"), "p_max": 0.9, "logprob": [-1.0, -4.0], "option_tokens": [1, 2]},
            {"id": gen.row_id("mmlu", "s9", "first prompt"), "p_max": 0.1, "logprob": [0.0], "option_tokens": [1]},  # other group: no row
            {"id": gen.row_id("mmlu-pro", "c", "third prompt"), "p_max": 0.4, "logprob": [-2.0, -2.0], "option_tokens": [2, 2]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs) + '{"id": "cut')
    assert train_router.load_generated(path, data, read="sum") == {1: 0.9, 2: 0.4}
    labels = train_router.load_generated(path, data)  # options by mean token log-probability
    assert labels.keys() == {1, 2}
    assert math.isclose(labels[1], 1 / (1 + math.exp(-1.0)))  # -1 against -4 / 2 tokens
    assert math.isclose(labels[2], 0.5)  # -2 / 2 against -2 / 2
    labels = {1: 0.9, 2: 0.4}
    aug = train_router.with_generated(data, labels)
    assert aug.scores[0] == {"strong": 1.0, "weak": 0.0}
    assert aug.scores[1] == {"strong": 0.0, "weak": 0.0, train_router.GENERATED: 0.9}
    assert aug.scores[2] == {"strong": 1.0, train_router.GENERATED: 0.4}
    assert train_router.GENERATED not in data.scores[1]  # the original rows are left alone

"""The complexity scorer: range, determinism, calibration, classification, the shipped artefact,
and sanity on prompt types MMLU never shows (chat, math word problems, proofs, code)."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.complexity import (
    DEFAULT_MODEL_PATH,
    FEATURE_NAMES,
    RECENT,
    ComplexityScorer,
    Thresholds,
    analyse,
    dense_features,
    prior_logit,
    split_options,
)
from turnout.evaluation.routing import DEFAULT_DATA_DIR, DEFAULT_HOLDOUT, load_routing_data
from turnout.types import Complexity

REPO = Path(__file__).resolve().parents[2]
HAVE_DATA = (DEFAULT_DATA_DIR / "mmlu_anatomy.csv").is_file()
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="shared routing data not present")

CHAT = [
    "hi, how are you?",
    "Hello! Thanks a lot for your help yesterday :)",
    "What's the capital of France?",
    "Tell me a joke about cats.",
    "Write a short poem about spring.",
    "Translate 'good morning' into Spanish.",
    "good night!",
]
HARD = [
    "A store sells pencils at 3 for $0.75 and erasers at $0.40 each. Maria buys 12 pencils and "
    "5 erasers and pays with a $10 bill. After that she spends a third of her change on "
    "stickers. How much money does she have left?",
    "Prove that for every integer n >= 1, the sum 1 + 2 + ... + n equals n(n+1)/2, and then "
    "derive a closed form for the sum of the first n squares.",
    "A train leaves city A at 9:00 travelling at 80 km/h. Another leaves city B, 300 km away, at "
    "10:00 travelling towards A at 100 km/h. At what time do they meet, and how far from A?",
    "My React app re-renders endlessly when I call setState inside useEffect. Here is the code:\n"
    "```js\nuseEffect(() => { setCount(count + 1); });\n```\nWhy does this happen and how do I "
    "fix it?",
    "Solve for x: 3x^2 - 12x + 9 = 0, and show each step.",
    "Write a Python function that returns the longest palindromic substring of a string in "
    "O(n^2) time, and explain its complexity.",
]
MMLU_LIKE = (
    "Which of the following is NOT a function of the liver?\nA. Bile production\n"
    "B. Insulin secretion\nC. Glycogen storage\nD. Detoxification\nAnswer:"
)


@pytest.fixture(scope="module")
def scorer() -> ComplexityScorer:
    return ComplexityScorer.load()


def test_scores_are_in_unit_interval(scorer: ComplexityScorer) -> None:
    odd = ["", " ", "\n\n", "?", "😀" * 50, "x" * 100_000, "1 2 3 4 5 = = = ^^^", MMLU_LIKE]
    for text in [*CHAT, *HARD, *odd]:
        s = scorer.score(text)
        assert 0.0 <= s <= 1.0 and np.isfinite(s), text[:40]


def test_deterministic_and_batch_equals_single(scorer: ComplexityScorer) -> None:
    texts = [*CHAT, *HARD, MMLU_LIKE]
    first = scorer.score_many(texts)
    assert first == [scorer.score(t) for t in texts]
    assert first == ComplexityScorer.load(DEFAULT_MODEL_PATH).score_many(texts)  # fresh load


def test_score_messages_reads_the_user_turns(scorer: ComplexityScorer) -> None:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a helpful assistant. " * 40},
        {"role": "user", "content": [{"type": "text", "text": HARD[1]}]},
    ]
    assert scorer.score_messages(messages) == scorer.score(HARD[1])
    assert scorer.score_messages([{"role": "system", "content": "hi"}]) == scorer.score("hi")


def test_default_load_is_cached() -> None:
    assert ComplexityScorer.load() is ComplexityScorer.load()


def test_thresholds_are_monotone_in_target(scorer: ComplexityScorer) -> None:
    prev: Thresholds | None = None
    for target in np.linspace(0.0, 1.0, 41):
        th = scorer.thresholds_for_strong_share(float(target))
        assert th.moderate <= th.complex
        if prev is not None:
            assert th.complex <= prev.complex and th.moderate <= prev.moderate
        prev = th
    with pytest.raises(ValueError):
        scorer.thresholds_for_strong_share(1.5)
    with pytest.raises(ValueError):
        scorer.thresholds_for_strong_share(0.5, moderate_share=0.8)


@pytest.mark.parametrize("target", [0.0, 0.05, 0.2, 0.3, 0.5, 0.8, 1.0])
def test_calibration_hits_target_share_on_reference_set(
    scorer: ComplexityScorer, target: float
) -> None:
    ref = scorer.reference_scores
    th = scorer.thresholds_for_strong_share(target)
    share = float(np.mean(ref >= th.complex))
    assert abs(share - target) <= 1.0 / len(ref) + 1e-9
    assert scorer.strong_share(th.complex) == pytest.approx(share)
    # default split of the rest: half MODERATE, half SIMPLE
    mod_share = float(np.mean((ref >= th.moderate) & (ref < th.complex)))
    assert abs(mod_share - (1 - target) / 2) <= 2.0 / len(ref) + 1e-9


@needs_data
def test_reference_set_is_the_scorers_own_scores_on_mmlu(scorer: ComplexityScorer) -> None:
    """Re-scoring the reference prompts reproduces the stored distribution, so a threshold
    set for 30% strong calls gives 30% on that set."""
    data = load_routing_data()
    assert len(data) == len(scorer.reference_scores)
    sample = data.prompts[::7]  # a seventh keeps this fast; the full set is the slow test's
    scores = np.array(scorer.score_many(sample))
    ref = scorer.reference_scores
    pos = np.clip(np.searchsorted(ref, scores), 1, len(ref) - 1)
    nearest = np.minimum(np.abs(ref[pos] - scores), np.abs(ref[pos - 1] - scores))
    assert float(nearest.max()) < 2e-6  # every score is in the stored reference
    th = scorer.thresholds_for_strong_share(0.3)
    assert float(np.mean(scores >= th.complex)) == pytest.approx(0.3, abs=0.03)


def test_classify_maps_scores_to_levels(scorer: ComplexityScorer) -> None:
    th = Thresholds(moderate=0.3, complex=0.6)
    assert th.classify(0.0) is Complexity.SIMPLE
    assert th.classify(0.2999) is Complexity.SIMPLE
    assert th.classify(0.3) is Complexity.MODERATE
    assert th.classify(0.5999) is Complexity.MODERATE
    assert th.classify(0.6) is Complexity.COMPLEX
    assert th.classify(1.0) is Complexity.COMPLEX
    for text in [*CHAT, *HARD]:
        level, score = scorer.classify(text)
        assert score == scorer.score(text)
        assert level is scorer.thresholds.classify(score)
        assert scorer.classify(text, th)[0] is th.classify(score)
    # the default thresholds come from the artefact's default share of strong calls
    assert scorer.thresholds == scorer.thresholds_for_strong_share(scorer.default_strong_share)


def test_extreme_targets_route_all_or_nothing(scorer: ComplexityScorer) -> None:
    none = scorer.thresholds_for_strong_share(0.0)
    everything = scorer.thresholds_for_strong_share(1.0)
    for text in [*CHAT, *HARD]:
        s = scorer.score(text)
        assert everything.classify(s) is Complexity.COMPLEX
        assert none.classify(s) is not Complexity.COMPLEX


def test_sanity_on_prompt_types_mmlu_never_shows(scorer: ComplexityScorer) -> None:
    chat = scorer.score_many(CHAT)
    hard = scorer.score_many(HARD)
    assert max(chat) < min(hard)
    hi = scorer.score("hi, how are you?")
    assert hi < scorer.score(HARD[1])  # a multi-step proof
    assert hi < scorer.score(HARD[0])  # a tricky math word problem
    assert scorer.classify("hi, how are you?")[0] is Complexity.SIMPLE
    for text in HARD:
        assert scorer.classify(text)[0] is Complexity.COMPLEX, text[:50]


def test_calibrated_rebases_the_reference(scorer: ComplexityScorer) -> None:
    traffic = [*CHAT, *HARD] * 3
    mine = scorer.calibrated(traffic, default_strong_share=0.5)
    assert len(mine.reference_scores) == len(traffic)
    assert mine.score(HARD[0]) == scorer.score(HARD[0])  # same model, new reference
    th = mine.thresholds_for_strong_share(0.5)
    # 39 scores in tied triples: the share is at most the target, short of it by < one triple
    share = float(np.mean(mine.reference_scores >= th.complex))
    assert 0.5 - 3 / len(traffic) < share <= 0.5


def test_split_options_and_features() -> None:
    stem, options = split_options(MMLU_LIKE)
    assert stem == "Which of the following is NOT a function of the liver?"
    assert options == ["Bile production", "Insulin secretion", "Glycogen storage", "Detoxification"]
    assert split_options("a) first\nb) second") == ("", ["first", "second"])
    assert split_options("B. no A option\nC. here") == ("B. no A option\nC. here", [])
    plain = "hi there"
    assert split_options(plain) == (plain, [])
    f = dense_features(MMLU_LIKE)
    assert len(f) == len(FEATURE_NAMES)
    named = dict(zip(FEATURE_NAMES, f, strict=True))
    assert named["caps_negation"] == 1.0
    # no options: option features are "not applicable"
    g = dict(zip(FEATURE_NAMES, dense_features("What is 2 + 2?"), strict=True))
    assert np.isnan(g["options_numeric_frac"]) and np.isnan(g["log_option_words"])
    _, grams = analyse("Add 12 and 7.5 then stop")
    assert {"<num>", "add <num>", "<num> and"} <= grams


# The scorer's fast paths (cue phrases probed only where a phrase's first two words occur,
# n-grams weighed as token pairs without building their strings) against the plain definitions.
ODD_TEXTS = [
    "how many apples, how much time? step by step: first do not stop; at least 3 times as many",
    "the passage refers to the following text. The following passage... can you e-mail me?",
    "Don'T stop O'Neil's rock'N'roll; x² + ٣ = 7 and 1,234.5 apples at 10:30 in 1999",
    "İstanbul K café — “quotes” and ÉCOLE; no digits here at all",
    "",
]


def _plain_cue_counts(words: list[str]) -> list[int]:
    from turnout.detect.complexity import _CUE_NAMES, _MAX_PHRASE, _PHRASE_CUE

    counts = dict.fromkeys(_CUE_NAMES, 0)
    for i, w in enumerate(words):
        cue = next(
            (
                c
                for n in range(min(_MAX_PHRASE, len(words) - i), 1, -1)
                if (c := _PHRASE_CUE.get(" ".join(words[i : i + n]))) is not None
            ),
            _PHRASE_CUE.get(w),
        )
        if cue is not None:
            counts[cue] += 1
    return [counts[name] for name in _CUE_NAMES]


def test_cue_counts_match_the_plain_definition() -> None:
    from turnout.detect.complexity import _WORD, _cue_counts

    for text in [*CHAT, *HARD, MMLU_LIKE, *ODD_TEXTS]:
        words = [w.lower() for w in _WORD.findall(text)]
        assert _cue_counts(words) == _plain_cue_counts(words), text[:40]


def test_ngram_weights_match_the_string_n_grams() -> None:
    # dense weights 0: the learned logit is the n-gram term alone
    vocab = ["how", "many", "how many", "<num>", "<num> apples", "x", "²", "a  b", " x", "é"]
    weights = np.array([0.5, -0.25, 1.0, 0.125, -2.0, 0.75, 0.3, 9.0, 9.0, -0.6], np.float32)
    zeros = np.zeros(len(FEATURE_NAMES))
    toy = ComplexityScorer(
        bias=0.0, dense_mean=zeros, dense_scale=np.ones(len(FEATURE_NAMES)), dense_weight=zeros,
        vocab=vocab, vocab_weight=weights, prior_weight=1.0, reference_scores=np.array([0.5]),
    )  # fmt: skip
    table = dict(zip(vocab, weights.astype(float), strict=True))
    for text in [*CHAT, *HARD, MMLU_LIKE, *ODD_TEXTS]:
        grams = analyse(text)[1]
        expected = sum(table.get(g, 0.0) for g in grams) / np.sqrt(len(grams)) if grams else 0.0
        assert toy.logit_parts(text)[0] == pytest.approx(expected, abs=1e-12), text[:40]


# ------------------------------------------------------------------------------- artefact


def _trainer() -> ModuleType:
    path = REPO / "scripts" / "train_complexity.py"
    spec = importlib.util.spec_from_file_location("train_complexity", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["train_complexity"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_shipped_artefact_is_small_and_self_describing(scorer: ComplexityScorer) -> None:
    assert DEFAULT_MODEL_PATH.stat().st_size < 2 * 1024 * 1024
    meta = scorer.meta
    assert meta["feature_names"] == list(FEATURE_NAMES)
    assert meta["trainer"] == "scripts/train_complexity.py"
    assert meta["held_out_subjects"] == list(DEFAULT_HOLDOUT)
    assert not set(meta["train_subjects"]) & set(DEFAULT_HOLDOUT)
    assert meta["config"]["prior_weight"] == scorer.prior_weight
    assert json.dumps(meta)  # plain JSON
    # serialising the loaded model gives back the very same bytes
    assert scorer.to_bytes() == DEFAULT_MODEL_PATH.read_bytes()


@needs_data
def test_training_is_deterministic_on_a_slice() -> None:
    """Re-train on three subjects twice: byte-identical artefacts that load and score."""
    trainer = _trainer()
    subjects = ["anatomy", "formal_logic", "marketing"]
    cfg = trainer.Config(max_iter=60)
    a, _ = trainer.train(DEFAULT_DATA_DIR, cfg, subjects=subjects, quick=True)
    b, _ = trainer.train(DEFAULT_DATA_DIR, cfg, subjects=subjects, quick=True)
    assert a.to_bytes() == b.to_bytes()
    assert a.meta["train_subjects"] == subjects
    assert 0.0 <= a.score("hi, how are you?") <= 1.0


@needs_data
@pytest.mark.slow
def test_full_training_reproduces_the_shipped_artefact(tmp_path: Path) -> None:
    """The script's default run re-creates the shipped model (~30 s): the same vocabulary and
    features, and weights equal up to floating-point noise. Not byte for byte: another NumPy /
    SciPy / BLAS build moves the optimiser's last digits (seen: 8e-4 on one weight)."""
    import numpy as np

    trainer = _trainer()
    out = tmp_path / "model.npz"
    assert trainer.main(["--data", str(DEFAULT_DATA_DIR), "--out", str(out)]) == 0
    shipped, fresh = np.load(DEFAULT_MODEL_PATH), np.load(out)
    assert set(shipped.files) == set(fresh.files)
    for name in shipped.files:
        a, b = shipped[name], fresh[name]
        assert a.shape == b.shape, name
        if name == "meta" or a.dtype.kind not in "fc":
            if name != "meta":
                assert (a == b).all(), name
            continue
        assert np.allclose(a, b, rtol=0, atol=5e-3), (name, float(np.max(np.abs(a - b))))


# -- short look-ups (issue 12: "What is 2+2?" was scored moderate) ----------------------------

_SUBJECTS = ["the capital of Peru", "the boiling point of water", "the author of Don Quixote",
             "the tallest mountain in Africa", "the chemical symbol for gold"]


@settings(max_examples=60, deadline=None)
@given(a=st.integers(0, 999), b=st.integers(0, 999), op=st.sampled_from(["+", "-", "*", "/", " plus ", " times "]),
       frame=st.sampled_from(["What is {}?", "what's {}", "{} = ?", "Calculate {}.", "{}"]))
def test_one_small_operation_is_simple(scorer: ComplexityScorer, a: int, b: int, op: str, frame: str) -> None:
    assert scorer.classify(frame.format(f"{a}{op}{b}"))[0] is Complexity.SIMPLE


@settings(max_examples=30, deadline=None)
@given(subject=st.sampled_from(_SUBJECTS), frame=st.sampled_from(["What is {}?", "who/what is {}", "Tell me {}."]))
def test_short_lookups_are_simple(scorer: ComplexityScorer, subject: str, frame: str) -> None:
    assert scorer.classify(frame.format(subject))[0] is Complexity.SIMPLE


@pytest.mark.parametrize("demand", [
    "Prove that {} is correct.",
    "Explain step by step why {} holds, then compare it with 3*7.",
    "Write a recursive Python function that computes {}.",
    "If x = 3 and y = 4, what is {} plus x*y?",
])
def test_a_demand_keeps_a_short_prompt_out_of_the_lookup_prior(scorer: ComplexityScorer, demand: str) -> None:
    """The look-up term needs the absence of every demand: with one it scores as before."""
    text = demand.format("2+2")
    f = dense_features(text)
    assert prior_logit(f) > prior_logit(dense_features("What is 2+2?"))
    assert scorer.score(text) > scorer.score("What is 2+2?")


def test_lookup_prior_never_touches_multiple_choice_prompts() -> None:
    """MMLU prompts carry answer options: the look-up term does not apply to them, so the
    learned part's calibration on MMLU (and the stored reference scores) are unchanged."""
    text = "What is 2+2?\nA. 3\nB. 4\nC. 5\nD. 22"
    assert prior_logit(dense_features(text)) >= prior_logit(dense_features("What is 2+2?")) + 0.5


@settings(max_examples=200, deadline=None)  # up to 80 analyses an example: no time bound on a loaded machine
@given(texts=st.lists(st.text(max_size=300) | st.sampled_from(CHAT), min_size=1, max_size=80))
def test_the_recent_prompts_memory_returns_what_a_fresh_analysis_does(texts: list[str]) -> None:
    """The router re-reads what the detector scored; the scorer's memory of recent prompts
    must answer exactly as a fresh pass, however callers mutate the lists it hands out, and
    stay bounded."""
    scorer = ComplexityScorer.load(DEFAULT_MODEL_PATH)  # a private instance: an empty memory
    for text in texts + texts[::-1]:
        fresh = scorer._parts(text)
        got = scorer.parts_with_features(text)
        np.testing.assert_array_equal(got[0], fresh[0])
        assert got[1:] == fresh[1:]
        got[0][:] = [0.0] * len(got[0])  # the caller's copy, not the memory's
    assert len(scorer._recent) <= RECENT


# ASCII fast paths of the descriptors (ASCII-only regex classes, words by translate + split)
# against the Unicode patterns and the word regex they stand in for.
_ASCII_PIECES = st.sampled_from(
    ["1,234.5", "x = 3", "2^10", "7 * 8", "1999", "2024", "a1999", "\x1c", "\x1f ", "\n- item",
     "\n 2) two", "?! ", "...", "don't", "It'S", "A", " I ", "\t", "\x0b", "\r\n", "  ", "x",
     "supercalifragilistic", "_", "O'Neil"]
)
_ASCII_TEXT = st.lists(
    st.text(st.characters(max_codepoint=127), max_size=20) | _ASCII_PIECES, max_size=30
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_ASCII_TEXT)
def test_ascii_twins_count_what_the_unicode_patterns_count(text: str) -> None:
    from turnout.detect import complexity as c

    for plain, twin in [
        (c._NUMBER, c._NUMBER_ASCII), (c._SENT_END, c._SENT_END_ASCII),
        (c._EQUATION, c._EQUATION_ASCII), (c._LIST_LINE, c._LIST_LINE_ASCII),
        (c._YEAR, c._YEAR_ASCII),
    ]:  # fmt: skip
        assert twin.findall(text) == plain.findall(text), plain.pattern
    assert c._TOKEN_ASCII.findall(text.lower()) == c._TOKEN.findall(text.lower())


@settings(max_examples=300, deadline=None)
@given(text=_ASCII_TEXT)
def test_ascii_words_by_split_are_the_word_regex(text: str) -> None:
    from turnout.detect.complexity import _LETTERS_ONLY, _WORD

    text = text.replace("'", "")  # the split stands in for the regex only without apostrophes
    assert text.translate(_LETTERS_ONLY).split() == _WORD.findall(text)


@settings(max_examples=300, deadline=None)
@given(text=_ASCII_TEXT)
def test_ascii_gram_tokens_by_chunks_are_the_token_regex(text: str) -> None:
    """Chunks split at whitespace, letters-then-one-mark chunks split in C, the rest by the
    pattern: the same tokens, in order, as the pattern over the whole text, numbers as <num>."""
    from turnout.detect.complexity import _TOKEN, _ascii_gram_tokens, _gram_tokens

    low = text.lower()
    plain = ["<num>" if t[0].isdigit() else t for t in _TOKEN.findall(low)]
    assert _ascii_gram_tokens(low) == plain
    assert _gram_tokens(text) == plain


_ANY_TEXT = st.lists(st.text(max_size=12) | _ASCII_PIECES | st.sampled_from(["İ", "ß", "Ǆ", "²"]), max_size=30).map(
    "".join
)


@settings(max_examples=300, deadline=None)
@given(text=_ANY_TEXT)
def test_word_descriptors_match_the_plain_definition(text: str) -> None:
    """The word statistics (on ASCII text without apostrophes: lower-cased words by translate +
    split, capitals counted on the case shape) are those of the word regex's words."""
    from turnout.detect.complexity import _WORD, _clip_text, _cue_counts

    stem = _clip_text(split_options(text)[0])
    words = _WORD.findall(stem)
    f = dict(zip(FEATURE_NAMES, dense_features(text), strict=True))
    n = len(words)
    assert f["cap_word_frac"] == (sum(1 for w in words if w[0].isupper()) / n if n else 0.0)
    assert f["mean_word_len"] == (sum(map(len, words)) / n if n else 0.0)
    assert f["long_word_frac"] == (sum(1 for w in words if len(w) >= 10) / n if n else 0.0)
    assert f["log_variables"] == math.log1p(sum(1 for w in words if len(w) == 1 and w not in "aAiI"))
    cues = [math.log1p(c) for c in _cue_counts([w.lower() for w in words])]
    assert [f[name] for name in FEATURE_NAMES if name.startswith("cue_")] == cues


_LINES_TEXT = st.lists(
    st.sampled_from(["\n", "\n\n", " ", "\t", "-", "* ", "•", "1.", " 2) ", "x", "\x1c", "\u2028", "1999 ", "2", "٣"]),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_LINES_TEXT | _ASCII_TEXT)
def test_list_lines_at_line_starts_are_the_scan(text: str) -> None:
    """List lines counted by ``match`` at each line start (few lines) or one scan (many) are
    the pattern's ``findall``; a year needs four digits."""
    from turnout.detect import complexity as c

    for pattern in (c._LIST_LINE, c._LIST_LINE_ASCII):
        expected = len(pattern.findall(text))
        assert c._count_line_starts(pattern, text, text.count("\n")) == expected
        assert c._count_line_starts(pattern, text, 0) == expected  # the line-start walk on any text
    f = dict(zip(FEATURE_NAMES, dense_features(text), strict=True))
    stem = c._clip_text(split_options(text)[0])
    pattern = c._YEAR_ASCII if stem.isascii() else c._YEAR
    has_digit = any(d in stem for d in "0123456789")
    assert f["log_years"] == (math.log1p(len(pattern.findall(stem))) if has_digit else 0.0)

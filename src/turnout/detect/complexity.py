"""Complexity scorer: how much does a prompt need the strong model? A score in [0, 1].

What it is
    ``score = sigmoid(z_learned + prior_weight * z_prior)``, two parts on the logit scale:

    1. ``z_learned``: a logistic model trained (``scripts/train_complexity.py``, numpy only) on
       RouteLLM's MMLU responses of Mixtral-8x7B (weak) and GPT-4 (strong). Its inputs are
       topic-independent difficulty descriptors (length, sentences, numbers, math symbols and
       vocabulary, code, question type, reasoning and multi-step cues, negations, conditions,
       technical long words, answer options...) plus word uni/bigrams. The n-gram vocabulary is
       restricted to n-grams found in many *different* MMLU subjects, so the model learns how a
       hard question is phrased ("which of the following is NOT", "statement 1", "how many")
       rather than which subject is hard ("histology"): subject memorisation would be worthless
       on unseen traffic. Its regularisation and the vocabulary cut are picked by
       leave-subjects-out cross-validation.
    2. ``z_prior``: a hand-written heuristic for what MMLU cannot teach, since every MMLU prompt
       is a 4-option multiple-choice question: greetings and small talk (low), short look-ups
       and one-operation sums with no demand in them ("what is 2+2?", low; never a prompt with
       answer options, so MMLU scores and calibration are untouched), routine writing (slightly low), math word problems with several quantities and steps,
       proofs, derivations, code and multi-constraint instructions (high). These cues are all
       but absent from MMLU, so the learned model's weights say nothing about them; without the
       prior "hi, how are you?" would be scored like an average MMLU question.

    Blending, and why it is honest: the learned part is fitted on MMLU alone, without the prior;
    then only the intercept is re-fitted with ``prior_weight * z_prior`` as a fixed offset, so
    the blend keeps MMLU's base rate. ``prior_weight`` (1.0) is set a priori, not tuned: tuning
    it on MMLU would tune it for multiple-choice knowledge questions, the one kind of traffic
    the prior is not for (and MMLU would push it to zero). Its price on MMLU is measured and
    reported, not hidden (leave-subjects-out CV APGR over 3 folds of training subjects: learned
    part 0.566, prior alone 0.532, blend 0.554; on the held-out subjects 0.549 / 0.528 / 0.547,
    prompt length 0.543): about 0.01 APGR on MMLU, bought for sane scores on chat, math and
    code. (A first design fitted the learned part *on top of* the prior as an offset; the
    learned part then cancelled the prior's math, proof and code cues, which no-chain-of-thought
    MMLU answers do not reward, and a proof scored like "what is the capital of France?".)

    Features that barely vary on MMLU are clipped to +-4 standard deviations, and the answer-
    option features are "not applicable" (contribute 0) for prompts without options, so no
    out-of-distribution prompt can get an absurd learned score.

Label
    The soft target is ``1`` where the weak model is wrong and the strong one right (the strong
    model is needed and helps), ``both_wrong_label`` (0.5) where both are wrong (a hard prompt:
    a stronger model may well solve it, but this pair shows no gain), and ``0`` where the weak
    model is right (it is enough, whatever the strong one did). Ranking by
    P(weak wrong, strong right) alone would call the hardest prompts "simple" because GPT-4 also
    failed them; ranking by P(weak wrong) would ignore that routing only pays where the strong
    model is right. The half weight keeps both signals. (Held-out metrics cannot tell 0.5 from
    1.0; 0.0 is slightly worse.) high_school_mathematics is left out of training: GPT-4 is right
    on 3% of it, below chance, an answer-extraction failure in the source data, not difficulty.

Calibration
    The artefact stores the scores of a reference set (all decontaminated MMLU prompts);
    :meth:`ComplexityScorer.thresholds_for_strong_share` turns "send x% of calls to the strong
    model" into the score threshold whose share of the reference set is x. Real traffic differs
    from MMLU, so :meth:`ComplexityScorer.calibrated` re-bases the reference on your own prompts.

Runtime: numpy only (no torch, no sklearn): a handful of regex passes, a dict probe per word
for the cues and per n-gram for the weights. Long prompts are read as their first and last
1,000 characters (length features use the full text), so latency is bounded.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import math
import re
import threading
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from turnout.types import Complexity, message_text, prompt_text

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "complexity_model.npz"
FORMAT_VERSION = 1

# Long prompts: features are read from the head and tail only (bounded latency); the question of
# a long prompt is usually at its end, the task statement at its start.
_HEAD = 1000
_TAIL = 1000

# ----------------------------------------------------------------------------- parsing

_ANSWER_LINE = re.compile(r"^\s*(?:answer|the answer is)\s*:?\s*$", re.IGNORECASE)
_OPTION_LINE = re.compile(r"^\s*\(?([A-Ja-j])[.)]\s*(.*)$")


def split_options(text: str) -> tuple[str, list[str]]:
    """Split a multiple-choice prompt into (stem, options); (text, []) when there are none.

    Recognises trailing lines "A. ...", "B) ...", "(C) ..." lettered in order from A, and drops
    a final "Answer:" line, so the scaffold of MMLU-style prompts is not mistaken for content.
    """
    lines = text.rstrip().split("\n")
    if lines and _ANSWER_LINE.match(lines[-1]):
        lines = lines[:-1]
    found: list[tuple[str, str]] = []
    j = len(lines)
    while j > 0:
        m = _OPTION_LINE.match(lines[j - 1])
        if not m:
            break
        found.append((m.group(1).upper(), m.group(2)))
        j -= 1
        if found[-1][0] == "A":
            break
    found.reverse()
    if len(found) >= 2 and all(letter == chr(65 + i) for i, (letter, _) in enumerate(found)):
        return "\n".join(lines[:j]), [opt for _, opt in found]
    return text, []


# ----------------------------------------------------------------------------- features

# Cue words and phrases, looked up per word (one dict probe per word and phrase length) rather
# than by one big regex alternation, which costs ~0.7 ms on an average MMLU prompt.
# cue family -> "|"-separated words and phrases (lower case; hyphens read as spaces)
_CUE_TABLE: dict[str, str] = {
    "greet": (
        "hi|hello|hey|hiya|howdy|thanks|thank you|good morning|good evening|"
        "good afternoon|good night|how are you|how's it going|what's up|nice to meet|"
        "bye|goodbye|lol|cheers"
    ),
    "howmany": "how many|how much|how long|how far|how old|how often",
    "why": "why",
    "how": "how",
    "prove": "prove|proof|derive|derivation|show that|justify|deduce|demonstrate that",
    "compute": "calculate|compute|solve|determine|evaluate|estimate|simplify|find|approximate",
    "explain": "explain|analyze|analyse|analysis|discuss|describe|elaborate|critique|assess",
    "compare": (
        "compare|contrast|difference between|differences between|trade off|trade offs|"
        "tradeoff|tradeoffs|pros and cons|advantages|disadvantages|versus|vs"
    ),
    "steps": "step by step|steps|first|second|third|finally|next",
    "multistep": (
        "then|after|afterwards|each|every|per|total|remaining|remains|left|twice|half|"
        "thrice|altogether|in all|respectively|more than|less than|fewer than|times as"
    ),
    "cond": "if|suppose|assume|assuming|given that|let|unless|whenever|provided that",
    "neg": "not|except|least|cannot|never|false|incorrect|untrue",
    "constraint": (
        "must|should|at least|at most|exactly|no more than|without|ensure|make sure|"
        "do not|don't|avoid|only|within"
    ),
    "write": (
        "write|draft|compose|rewrite|paraphrase|translate|summarize|summarise|generate|create"
    ),
    "genre": (
        "poem|story|essay|email|e mail|letter|tweet|blog|song|haiku|speech|joke|slogan|"
        "limerick|post|caption|cover letter|toast|lyrics"
    ),
    "code": (
        "code|coding|function|program|script|algorithm|implement|implementation|debug|"
        "bug|compile|compiler|regex|api|python|java|javascript|typescript|sql|rust|"
        "golang|bash|html|css|json|recursion|recursive|runtime|stack trace|exception|"
        "refactor|class|method"
    ),
    "mathword": (
        "equation|equations|integral|integrals|derivative|derivatives|polynomial|"
        "polynomials|probability|matrix|matrices|vector|vectors|theorem|lemma|prime|"
        "primes|integer|integers|fraction|fractions|ratio|percent|percentage|sum|"
        "product|mean|median|variance|graph|angle|angles|triangle|triangles|circle|"
        "circles|area|volume|perimeter|velocity|acceleration|limit|series|sequence|"
        "logarithm|exponent|root|roots|modulo|divisible|remainder|digit|digits|"
        "factorial|average"
    ),
    "units": (
        "km|kg|cm|mm|mph|hour|hours|minute|minutes|second|seconds|day|days|week|weeks|"
        "month|months|dollar|dollars|cent|cents|liter|liters|litre|litres|gram|grams|"
        "mile|miles|feet|foot|inches|meter|meters|metre|metres|pound|pounds|euro|euros"
    ),
    "chat": "i|i'm|i've|i'd|my|me|you|your|please|can you|could you|would you",
    "statement": "statement",
    "passage": (
        "refers to the following|following passage|following information|"
        "following excerpt|following text|the passage|this question refers"
    ),
}
_CUE_PHRASES: dict[str, tuple[str, ...]] = {k: tuple(v.split("|")) for k, v in _CUE_TABLE.items()}
_CUE_NAMES: tuple[str, ...] = tuple(_CUE_PHRASES)
# phrase -> cue; a phrase belongs to one cue (the first listed wins: "second" is a step cue and a
# unit, counted as a step)
_PHRASE_CUE: dict[str, str] = {}
for _cue, _phrases in _CUE_PHRASES.items():
    for _ph in _phrases:
        _PHRASE_CUE.setdefault(_ph, _cue)
_MAX_PHRASE = max(len(ph.split()) for ph in _PHRASE_CUE)
# (first word, second word) of every phrase of two or more words: a phrase can start only where
# such a pair occurs, so one set test over the word pairs rules out the longer probes at almost
# every position (most prompts hold no such pair, or a handful)
_PHRASE_STARTS = frozenset(tuple(ph.split()[:2]) for ph in _PHRASE_CUE if " " in ph)

_CAPS_NEG_WORDS = ("NOT", "EXCEPT", "LEAST", "FALSE", "INCORRECT")
_CAPS_NEG = re.compile(r"\b(?:NOT|EXCEPT|LEAST|FALSE|INCORRECT)\b")
# Patterns start with a rare literal or a single character class where possible: the regex
# engine then skips ahead to a candidate in C. A leading look-behind, "x+" or an alternation of
# classes defeats that and costs a full match attempt at every character (up to 5x slower), so
# look-behinds come after the first character ("\d(?<![A-Za-z]\d)" is "(?<![A-Za-z])\d") and
# "[.!?][.!?]*" stands for "[.!?]+".
_NUMBER = re.compile(r"\d(?<![A-Za-z]\d)\d*(?:[.,]\d+)*")
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_SENT_END = re.compile(r"[.!?][.!?]*(?:\s|$)")
# r"[=≤≥≠]\s*[-\w(\[√]|\^\s*\d|\d\s*[*/×÷]\s*\d", led by one class (the look-behind picks the
# branch its first character allows)
_EQUATION = re.compile(
    r"[=≤≥≠^\d](?:(?<=[=≤≥≠])\s*[-\w(\[√]|(?<=\^)\s*\d|(?<=\d)\s*[*/×÷]\s*\d)"
)
_EQUATION_CHARS = "=<>≤≥≠^*/×÷"
_LATEX = re.compile(
    r"\\(?:frac|sqrt|sum|int|alpha|beta|theta|pi|cdot|times|le|ge|lim|infty|mathbb)\b|\$[^$\n]{1,80}\$"
)
_CODE_OPS = ("==", "!=", "->", "=>", "++", "def ", "return ", "import ", "#include", "</")
_LIST_LINE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+\S", re.MULTILINE)
_NOT_VARIABLES = frozenset("aAiI")
# r"(?<!\d)(?:1[5-9]|20)\d\d(?!\d)": the look-behind checks the character before the two
# already read
_YEAR = re.compile(r"(?:1[5-9]|20)(?<!\d..)\d\d(?!\d)")
_MATH_SYMBOLS = "=+*/^<>|∑∫√π≤≥≠±×÷∞∂θ"


def _ascii_twin(pattern: re.Pattern[str]) -> re.Pattern[str]:
    r"""The pattern with ASCII-only classes, matching an ASCII text exactly as ``pattern`` does.

    On ASCII text ``\d`` and ``\w`` match the same in both modes, and the engine tests the ASCII
    classes by table instead of a Unicode-database call per character (the counting patterns
    run ~30% faster). ``\s`` differs: in Unicode mode it also matches the separators
    U+001C-U+001F, so it is spelled out (none of these patterns uses it inside a class).
    """
    source = pattern.pattern.replace(r"\s", r"[\s\x1c-\x1f]").replace(r"\S", r"[^\s\x1c-\x1f]")
    return re.compile(source, (pattern.flags & ~re.UNICODE) | re.ASCII)


_NUMBER_ASCII, _SENT_END_ASCII, _EQUATION_ASCII, _LIST_LINE_ASCII, _YEAR_ASCII = map(
    _ascii_twin, (_NUMBER, _SENT_END, _EQUATION, _LIST_LINE, _YEAR)
)
# ASCII letters kept, every other ASCII character made a space: with no apostrophe in an ASCII
# text, its words (:data:`_WORD`, maximal runs of ASCII letters then) are the split of this,
# ~4x cheaper than the regex
_LETTERS_ONLY = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalpha()})
# the case of each ASCII letter: upper-case "U", lower-case "l" (spaces stay)
_CASE_SHAPE = str.maketrans({c: "U" if c.isupper() else "l" for c in map(chr, range(128)) if c.isalpha()})

FEATURE_NAMES: tuple[str, ...] = (
    "log_chars",
    "log_words",
    "log_sentences",
    "log_lines",
    "mean_word_len",
    "long_word_frac",
    "cap_word_frac",
    "digit_frac",
    "log_numbers",
    "math_symbol_frac",
    "log_equations",
    "latex",
    "log_code_lines",
    "code_fence",
    "log_questions",
    "log_list_lines",
    "log_variables",
    "log_years",
    "log_quotes",
    "caps_negation",
    "options_numeric_frac",
    "log_option_words",
    *(f"cue_{name}" for name in _CUE_NAMES),
)
N_FEATURES = len(FEATURE_NAMES)
_FEATURE_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}


_NA = math.nan
# Standardised features are clipped: a feature that barely varies on MMLU (list lines, code) must
# not reach an absurd z-score on a chat prompt and swamp everything else.
CLIP_Z = 4.0
# Prompts whose analysis a scorer keeps (:meth:`ComplexityScorer.parts_with_features`): enough
# for the requests in flight between the detector's read and the router's.
RECENT = 64


def _clip_text(text: str) -> str:
    if len(text) <= _HEAD + _TAIL:
        return text
    return text[:_HEAD] + "\n" + text[-_TAIL:]


def _code_lines(stem: str) -> int:
    # An operator absent from the whole text is absent from every line: test the others only.
    # (A one-character ``in`` is a memchr, ~40x faster than a substring search, so the first
    # character screens out "==", "->", "</"... of prose almost for free.)
    ops = tuple(op for op in _CODE_OPS if op[0] in stem and op in stem)
    n = 0
    for line in stem.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if (
            line.startswith(("  ", "\t"))
            or stripped.endswith(("{", "}", ";"))
            or any(op in line for op in ops)
        ):
            n += 1
    return n


# Up to this many line breaks a line pattern is tried at each line start; beyond, one scan.
_FEW_LINES = 8


def _count_line_starts(pattern: re.Pattern[str], text: str, newlines: int) -> int:
    """``len(pattern.findall(text))`` for a MULTILINE pattern that starts with ``^`` and
    matches no empty string. Its matches start only at 0 or after a "\n", and ``match`` at
    such a position tests ``^`` as the scan does; a start inside the previous match is
    skipped, as the scan resumes at its end. On a text with few lines that is a few
    ``match`` calls instead of the engine trying ``^`` at every character."""
    if newlines > _FEW_LINES:
        return len(pattern.findall(text))
    match = pattern.match
    n = end = start = 0
    while True:
        if start >= end and (m := match(text, start)) is not None:
            n += 1
            end = m.end()
        start = text.find("\n", start) + 1
        if not start:
            return n


def _cue_counts(words: list[str]) -> list[int]:
    """Occurrences of each cue family among lower-cased ``words`` (phrases up to 4 words).

    At each position the longest phrase starting there counts instead of the word's own cue
    ("how many" is howmany, not also "how"). Positions are independent: the later words of a
    phrase still count on their own at their own positions.
    """
    get = _PHRASE_CUE.get
    # every word's own cue: the few cue words are counted in C, then folded into their family
    counts: Counter[str | None] = Counter()
    for word, k in Counter(filter(_PHRASE_CUE.__contains__, words)).items():
        counts[get(word)] += k
    # (zip reuses its pair tuple where pairwise does not: 10 us instead of 16 on 400 words)
    if not _PHRASE_STARTS.isdisjoint(zip(words, words[1:], strict=False)):  # noqa: RUF007
        n = len(words)
        for i, pair in enumerate(itertools.pairwise(words)):
            if pair not in _PHRASE_STARTS:
                continue
            # longest phrase first, so "how many" counts as howmany and not also as "how"
            for length in range(min(_MAX_PHRASE, n - i), 1, -1):
                cue = get(" ".join(words[i : i + length]))
                if cue is not None:
                    counts[cue] += 1
                    counts[get(words[i])] -= 1  # the phrase replaces its first word's own cue
                    break
    return [counts[name] for name in _CUE_NAMES]


def dense_features(text: str) -> list[float]:
    """The topic-independent difficulty descriptors of one prompt (raw, unscaled), in the order
    of :data:`FEATURE_NAMES`. Counts are log1p'd; fractions are in [0, 1]."""
    return analyse(text)[0]


def analyse(text: str) -> tuple[list[float], set[str]]:
    """(dense features, word uni/bigrams) of one prompt, from one pass of tokenisation."""
    feats, toks = _features_and_tokens(text)
    return feats, _gram_set(toks)


def _features_and_tokens(text: str) -> tuple[list[float], list[str]]:
    """(dense features, n-gram tokens): :func:`analyse` before the n-gram strings are built."""
    stem_full, options = split_options(text)
    stem = _clip_text(stem_full)
    n_chars = max(len(stem), 1)
    ascii_stem = stem.isascii()
    if ascii_stem:
        number, sent_end, equation, list_line, year = (
            _NUMBER_ASCII, _SENT_END_ASCII, _EQUATION_ASCII, _LIST_LINE_ASCII, _YEAR_ASCII
        )
    else:
        number, sent_end, equation, list_line, year = _NUMBER, _SENT_END, _EQUATION, _LIST_LINE, _YEAR
    if ascii_stem and "'" not in stem:
        # the words lower-cased at once (lower-casing keeps ASCII letters letters), and the
        # capitalised ones counted in C: a word starts upper-case where a space (a non-letter
        # in the stem, or the start) is followed by "U" in the case shape of the letters
        letters = stem.translate(_LETTERS_ONLY)
        words = lower_words = letters.lower().split()
        caps = (" " + letters.translate(_CASE_SHAPE)).count(" U")
    else:
        words = _WORD.findall(stem)
        lower_words = list(map(str.lower, words))
        caps = sum(1 for w in words if w[0].isupper())
    n_words = len(words)
    log1p = math.log1p
    # single letters other than "a" and "I": variables (x, n, p), as in "let x be"
    variables = 0
    if n_words:
        total_len = 0
        long_words = 0
        for w in words:
            lw = len(w)
            total_len += lw
            if lw >= 10:
                long_words += 1
            elif lw == 1 and w not in _NOT_VARIABLES:
                variables += 1
        mean_len = total_len / n_words
        long_frac = long_words / n_words
        cap_frac = caps / n_words
    else:
        mean_len = long_frac = cap_frac = 0.0
    # (``in`` is a memchr, ~15x faster than ``count``: count only the characters present)
    digits = sum(stem.count(d) for d in "0123456789" if d in stem)
    math_syms = sum(stem.count(ch) for ch in _MATH_SYMBOLS if ch in stem)
    # a few ``in`` scans in C: cheaper than a set test per character of the text
    has_eq_chars = any(ch in stem for ch in _EQUATION_CHARS)
    newlines = stem.count("\n")
    numeric_opts = 0
    opt_words = 0
    for opt in options:
        if _NUMBER.search(opt) and len(_WORD.findall(opt)) <= 3:
            numeric_opts += 1
        opt_words += len(opt.split())
    n_opt = len(options)
    feats = [
        log1p(len(stem_full)),
        # words of the whole stem, extrapolated when only its head and tail were read
        log1p(n_words * max(len(stem_full) / n_chars, 1.0)),
        log1p(len(sent_end.findall(stem))),
        log1p(newlines),
        mean_len,
        long_frac,
        cap_frac,
        digits / n_chars,
        log1p(len(number.findall(stem))) if digits else 0.0,
        math_syms / n_chars,
        log1p(len(equation.findall(stem))) if has_eq_chars else 0.0,
        1.0 if ("\\" in stem or "$" in stem) and _LATEX.search(stem) else 0.0,
        log1p(_code_lines(stem)),
        1.0 if "```" in stem else 0.0,
        log1p(stem.count("?")),
        log1p(_count_line_starts(list_line, stem, newlines)),
        log1p(variables),
        # a year is four digits, two of them ASCII ("1x", "20"), the other two any digit
        log1p(len(year.findall(stem))) if digits >= (4 if ascii_stem else 2) else 0.0,
        log1p(stem.count('"') // 2 + stem.count("“")),
        1.0 if any(w in stem for w in _CAPS_NEG_WORDS) and _CAPS_NEG.search(stem) else 0.0,
        # answer options: "not applicable" (NaN) without options, which scores as the training
        # mean, i.e. contributes nothing
        numeric_opts / n_opt if n_opt else _NA,
        log1p(opt_words / n_opt) if n_opt else _NA,
    ]
    feats.extend(log1p(c) for c in _cue_counts(lower_words))
    body = stem + "\n" + "\n".join(options) if options else stem
    return feats, _gram_tokens(body)


# Word tokens for n-grams: lower-cased words, numbers collapsed to one token (the value of a
# number says nothing about difficulty, its presence does), single symbols.
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)*|[^\sa-z\d]")
# its ASCII twin (see :func:`_ascii_twin`; here ``\s`` is inside a class, so spelled out by hand)
_TOKEN_ASCII = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)*|[^\s\x1c-\x1fa-z\d]", re.ASCII)


def _gram_tokens(body: str) -> list[str]:
    if body.isascii():
        return _ascii_gram_tokens(body.lower())
    return ["<num>" if t[0].isdigit() else t for t in _TOKEN.findall(body.lower())]


def _ascii_gram_tokens(low: str) -> list[str]:
    r""":data:`_TOKEN_ASCII`'s tokens of the lower-cased ASCII ``low``, numbers as "<num>".

    No token holds whitespace and whitespace starts none, so the tokens of the text are those
    of its whitespace-separated chunks, in order (``str.split`` on ASCII splits at ``\s`` and
    U+001C-U+001F, the class the pattern leaves out). Most chunks of prose are a word or a word
    and one mark ("risks."): those are split by ``isalpha`` in C, and only the rest go to the
    pattern; the regex engine's per-match cost (~100 ns) was most of the work on every token.
    """
    toks: list[str] = []
    append = toks.append
    findall = _TOKEN_ASCII.findall
    for chunk in low.split():
        if chunk.isalpha():
            append(chunk)
        elif chunk[:-1].isalpha():
            # letters then one character: the letters ("'" alone starts no apostrophe word)
            # and the last as its own token (a digit is a number)
            append(chunk[:-1])
            last = chunk[-1]
            append("<num>" if last.isdigit() else last)
        else:
            for t in findall(chunk):
                append("<num>" if t[0].isdigit() else t)
    return toks


def _gram_set(toks: list[str]) -> set[str]:
    """The distinct unigrams and bigrams ("a b") of the tokens."""
    grams = set(toks)
    grams.update(map(" ".join, itertools.pairwise(toks)))
    return grams


def ngrams(text: str) -> set[str]:
    """Word unigrams and bigrams of the (clipped) prompt, MMLU scaffold removed."""
    return analyse(text)[1]


# ----------------------------------------------------------------------------- prior

# The prior, in logit units. Every weight is a judgement, stated here, not fitted: MMLU has
# almost none of these cues (it has no greetings, no code requests, no word problems), so
# fitting them on MMLU would set them to whatever noise says. Reasoning per term:
_F = _FEATURE_INDEX


_DEMANDS = ("prove", "why", "explain", "compare", "cond", "code", "constraint", "steps", "multistep",
            "mathword", "neg", "statement", "passage")
_LOOKUP_WORDS = math.log1p(12)
_ONE = math.log1p(1)
_TWO = math.log1p(2)


def _is_lookup(f: Sequence[float], c: dict[str, float]) -> bool:
    """A short, single question or request with nothing in it that makes it hard."""
    return (
        f[_F["log_words"]] <= _LOOKUP_WORDS
        and f[_F["log_sentences"]] <= _ONE
        and f[_F["log_lines"]] == 0.0
        and math.isnan(f[_F["log_option_words"]])  # no answer options
        and f[_F["log_numbers"]] <= _TWO
        and f[_F["log_equations"]] <= _ONE  # one operation ("17*23"), no system of them
        and f[_F["log_variables"]] == 0.0
        and f[_F["latex"]] == 0.0
        and f[_F["log_code_lines"]] == 0.0
        and f[_F["code_fence"]] == 0.0
        and not any(c[name] > 0 for name in _DEMANDS)
    )


def prior_logit(f: Sequence[float]) -> float:
    """Heuristic need for a strong model from the raw features of :func:`dense_features`."""
    c = {name: f[_F[f"cue_{name}"]] for name in _CUE_NAMES}  # log1p(count): 1 -> 0.69, 3 -> 1.39
    z = -1.5
    # Longer requests carry more to get right; log-shaped (a 1,000-word prompt is not 100 times
    # harder than a 10-word one): 5 words +0.5, 20 words +0.9, 100 words +1.4, capped at 400.
    z += 0.3 * min(f[_F["log_words"]], 6.0)
    # Math: equations, several quantities, math vocabulary, "how many", compute verbs. Weak models
    # lose most on multi-step arithmetic (word problems), so quantities x step words count too.
    numbers = min(f[_F["log_numbers"]], 2.5)
    mathy = 0.35 * numbers + 0.6 * min(f[_F["log_equations"]], 1.5) + 0.6 * f[_F["latex"]]
    mathy += 0.4 * min(c["mathword"], 1.5) + 0.2 * min(f[_F["log_variables"]], 1.5)
    mathy += 0.5 * (c["howmany"] > 0 or c["compute"] > 0)
    mathy += 0.4 * min(c["multistep"], 1.5) * min(numbers, 1.0)
    lookup = _is_lookup(f, c)
    # A look-up's arithmetic is one small operation or a count ("how many ... are there"):
    # not the multi-step math the terms above are for.
    z += min(mathy, 0.3 if lookup else 2.5)
    # A short single question or request with no demand in it (no reasoning, proof, code,
    # condition, constraint, steps, comparison, explanation, algebra; at most two numbers; no
    # answer options): a fact to recall or a sum to do, which a small model answers as well as
    # a large one. Checked on DC-Router's training split (scripts/check_simple_prompts.py).
    if lookup:
        z -= 0.6
    # Proofs and derivations above all; then "why", comparisons, conditions, explanations.
    reasoning = 1.2 * (c["prove"] > 0) + 0.5 * (c["why"] > 0) + 0.4 * (c["compare"] > 0)
    reasoning += 0.3 * (c["cond"] > 0) + 0.25 * (c["explain"] > 0) + 0.2 * (c["steps"] > 0)
    reasoning += 0.3 * f[_F["caps_negation"]]
    z += min(reasoning, 1.8)
    # Code: a request to write, fix or explain code, or code in the prompt.
    code = 0.8 * (c["code"] > 0) + 0.3 * min(c["code"], 1.5)
    code += 0.4 * min(f[_F["log_code_lines"]], 1.5) + 0.5 * f[_F["code_fence"]]
    z += min(code, 1.8)
    # Instructions with many constraints are harder to satisfy all at once.
    z += 0.25 * min(c["constraint"], 1.6) + 0.15 * min(f[_F["log_list_lines"]], 1.6)
    # Technical vocabulary: long words beyond everyday text's ~8%.
    z += 2.0 * max(f[_F["long_word_frac"]] - 0.08, 0.0)
    # Routine writing (an email, a poem, a toast) is what small models do well.
    if c["write"] > 0 and c["genre"] > 0 and c["code"] == 0:
        z -= 0.6
    # Small talk: greetings, thanks, "how are you", in a short message.
    if c["greet"] > 0 and f[_F["log_words"]] < math.log1p(15):
        z -= 1.5
    return float(z)


# ----------------------------------------------------------------------------- scorer


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Score cut-offs: score >= complex -> COMPLEX; >= moderate -> MODERATE; else SIMPLE."""

    moderate: float
    complex: float

    def classify(self, score: float) -> Complexity:
        if score >= self.complex:
            return Complexity.COMPLEX
        if score >= self.moderate:
            return Complexity.MODERATE
        return Complexity.SIMPLE


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class ComplexityScorer:
    """Scores prompts in [0, 1] (estimated need for a strong model) and maps them to
    SIMPLE / MODERATE / COMPLEX. Load once (:meth:`load`), then call from any thread."""

    def __init__(
        self,
        *,
        bias: float,
        dense_mean: np.ndarray,
        dense_scale: np.ndarray,
        dense_weight: np.ndarray,
        vocab: Sequence[str],
        vocab_weight: np.ndarray,
        prior_weight: float,
        reference_scores: np.ndarray,
        default_strong_share: float = 0.3,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if (
            len(dense_mean) != N_FEATURES
            or len(dense_scale) != N_FEATURES
            or len(dense_weight) != N_FEATURES
        ):
            raise ValueError(
                f"model has the wrong number of dense features (expected {N_FEATURES})"
            )
        if len(vocab) != len(vocab_weight):
            raise ValueError("vocabulary and its weights differ in length")
        if not 0.0 < default_strong_share < 1.0:
            raise ValueError("default_strong_share must be in (0, 1)")
        self.bias = float(bias)
        scale = np.where(np.asarray(dense_scale, np.float64) > 0, dense_scale, 1.0)
        # (weight, mean, 1/scale) per feature, as Python floats: a plain loop over 40 features
        # beats numpy's per-call overhead for one prompt
        self._dense = [
            (float(w), float(m), float(1.0 / sc))
            for w, m, sc in zip(
                np.asarray(dense_weight, np.float64),
                np.asarray(dense_mean, np.float64),
                scale,
                strict=True,
            )
        ]
        self._vocab: dict[str, float] = {
            g: float(v) for g, v in zip(vocab, vocab_weight, strict=True)
        }
        # The same weights keyed as the scorer meets them: unigrams by token, bigrams by token
        # pair, so scoring never builds the "a b" strings (a pair is hashed from its two
        # tokens' cached hashes). An entry of any other shape can match no n-gram and is dropped.
        self._unigram_weight: dict[str, float] = {}
        self._bigram_weight: dict[tuple[str, str], float] = {}
        for g, v in self._vocab.items():
            parts = g.split(" ")
            if len(parts) == 1:
                self._unigram_weight[g] = v
            elif len(parts) == 2 and all(parts):
                self._bigram_weight[(parts[0], parts[1])] = v
        self.prior_weight = float(prior_weight)
        ref = np.sort(np.asarray(reference_scores, dtype=np.float64))
        if len(ref) == 0:
            raise ValueError("the reference score set is empty")
        self.reference_scores = ref
        self.default_strong_share = float(default_strong_share)
        self.meta: dict[str, Any] = dict(meta or {})
        self.thresholds = self.thresholds_for_strong_share(self.default_strong_share)
        # keep the raw arrays for saving
        self._arrays: dict[str, np.ndarray] = {
            "bias": np.array([bias], np.float64),
            "dense_mean": np.asarray(dense_mean, np.float64),
            "dense_scale": np.asarray(dense_scale, np.float64),
            "dense_weight": np.asarray(dense_weight, np.float64),
            "vocab_weight": np.asarray(vocab_weight, np.float32),
            "prior_weight": np.array([prior_weight], np.float64),
        }
        self._vocab_list = list(vocab)
        # The last few prompts' (features, learned logit, prior logit): a request is scored by
        # the complexity detector and then read again by the learned router (the same last user
        # turn), which then pays nothing for the descriptors (see :meth:`parts_with_features`).
        self._recent: dict[tuple[int, int], tuple[list[float], float, float]] = {}
        self._recent_lock = threading.Lock()

    # -- loading / saving ------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path | None = None) -> ComplexityScorer:
        """Load a model artefact; ``None`` = the shipped model, loaded once and cached."""
        if path is None:
            return _load_default()
        return cls._load(Path(path))

    @classmethod
    def _load(cls, path: Path) -> ComplexityScorer:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode("utf-8"))
            if int(meta.get("format_version", 0)) != FORMAT_VERSION:
                raise ValueError(
                    f"{path}: unsupported complexity model format {meta.get('format_version')}"
                )
            if list(meta.get("feature_names", [])) != list(FEATURE_NAMES):
                raise ValueError(f"{path}: model was trained with different features")
            vocab_blob = bytes(z["vocab"]).decode("utf-8")
            return cls(
                bias=float(z["bias"][0]),
                dense_mean=z["dense_mean"],
                dense_scale=z["dense_scale"],
                dense_weight=z["dense_weight"],
                vocab=vocab_blob.split("\n") if vocab_blob else [],
                vocab_weight=z["vocab_weight"],
                prior_weight=float(z["prior_weight"][0]),
                reference_scores=z["reference_scores"],
                default_strong_share=float(meta.get("default_strong_share", 0.3)),
                meta=meta,
            )

    def to_bytes(self) -> bytes:
        """The artefact as bytes: a .npz (zip) with fixed timestamps and member order, so the
        same model always serialises to the same bytes (its hash is a reproducibility check)."""
        meta = dict(self.meta)
        meta["format_version"] = FORMAT_VERSION
        meta["feature_names"] = list(FEATURE_NAMES)
        meta["default_strong_share"] = self.default_strong_share
        arrays: dict[str, np.ndarray] = dict(self._arrays)
        arrays["vocab"] = np.frombuffer("\n".join(self._vocab_list).encode("utf-8"), dtype=np.uint8)
        arrays["reference_scores"] = self.reference_scores.astype(np.float32)
        arrays["meta"] = np.frombuffer(
            json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8
        )
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(arrays):
                info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                member = io.BytesIO()
                np.lib.format.write_array(
                    member, np.ascontiguousarray(arrays[name]), allow_pickle=False
                )
                zf.writestr(info, member.getvalue(), compresslevel=9)
        return buf.getvalue()

    def save(self, path: str | Path) -> Path:
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(self.to_bytes())
        return out

    # -- scoring ---------------------------------------------------------------------------

    def logit_parts(self, text: str) -> tuple[float, float]:
        """(learned logit, prior logit) of one prompt, before blending; for inspection."""
        _, learned, prior = self.parts_with_features(text)
        return learned, prior

    def parts_with_features(self, text: str) -> tuple[list[float], float, float]:
        """(raw dense features, learned logit, prior logit): one pass, for the learned router,
        which reads the same descriptors of the same text. The last :data:`RECENT` prompts'
        results are kept, keyed by the text's hash and length (Python's string hash is keyed
        per process and cached on the string: the look-up costs nothing on a prompt already
        hashed), so the router's read after the detector's is free. The list is a copy."""
        key = (hash(text), len(text))
        with self._recent_lock:
            hit = self._recent.get(key)
        if hit is not None:
            return list(hit[0]), hit[1], hit[2]
        f, z, prior = self._parts(text)
        with self._recent_lock:
            if len(self._recent) >= RECENT:
                del self._recent[next(iter(self._recent))]  # oldest first (insertion order)
            self._recent[key] = (f, z, prior)
        return list(f), z, prior

    def _parts(self, text: str) -> tuple[list[float], float, float]:
        f, toks = _features_and_tokens(text)
        z = self.bias
        clip = CLIP_Z
        for (w, m, inv), x in zip(self._dense, f, strict=True):
            if x == x:  # not NaN (not applicable: contributes nothing)
                v = (x - m) * inv
                z += w * (clip if v > clip else -clip if v < -clip else v)
        if toks:
            # the n-grams of :func:`analyse` without their strings: a token holds no space, so
            # "a b" is never a unigram and joining pairs is one-to-one; the distinct n-grams
            # are the distinct tokens plus the distinct pairs. (The order of the sum differs
            # from the string set's; the shipped float32 weights span 2^-19..1, so every
            # partial sum of a prompt's hits is exact in a double and the order is moot.)
            unigrams = set(toks)
            bigrams = set(itertools.pairwise(toks))
            acc = 0.0
            get1 = self._unigram_weight.get
            for g in unigrams:
                acc += get1(g, 0.0)
            get2 = self._bigram_weight.get
            for pair in bigrams:
                acc += get2(pair, 0.0)
            z += acc / math.sqrt(len(unigrams) + len(bigrams))
        return f, z, prior_logit(f)

    def score(self, text: str) -> float:
        """Estimated need for the strong model, in [0, 1]; deterministic."""
        learned, prior = self.logit_parts(text if isinstance(text, str) else str(text))
        return _sigmoid(learned + self.prior_weight * prior)

    def score_many(self, texts: Iterable[str]) -> list[float]:
        return [self.score(t) for t in texts]

    def score_messages(self, messages: Sequence[dict[str, Any]]) -> float:
        """Score a chat request by what its *user* asked (all user turns joined): system prompts
        are boilerplate and assistant turns are the model's own words. Falls back to every
        message's text when there is no user turn."""
        return self.score(messages_text(messages))

    def thresholds_for_strong_share(
        self, target: float, moderate_share: float | None = None
    ) -> Thresholds:
        """Thresholds such that a share ``target`` of the reference prompts is COMPLEX (for the
        strong model) and ``moderate_share`` (default: half of the rest) is MODERATE.

        Monotone: a larger target never raises a threshold.
        """
        if not 0.0 <= target <= 1.0:
            raise ValueError("target share must be in [0, 1]")
        rest = 1.0 - target
        mod = rest / 2.0 if moderate_share is None else moderate_share
        if not 0.0 <= mod <= rest + 1e-12:
            raise ValueError("moderate_share must be in [0, 1 - target]")
        return Thresholds(moderate=self._cut(target + mod), complex=self._cut(target))

    def _cut(self, share: float) -> float:
        """Smallest threshold t with share(score >= t) <= ``share`` on the reference set."""
        ref = self.reference_scores
        n = len(ref)
        k = math.floor(share * n + 1e-9)  # number of prompts at or above the cut
        if k <= 0:
            return math.inf  # a share of 0 means never, also for prompts above the reference
        if k >= n:
            return 0.0
        # ref is ascending: the top-k are ref[n-k:]; cut between ref[n-k-1] and ref[n-k]
        lo, hi = float(ref[n - k - 1]), float(ref[n - k])
        return hi if lo < hi else math.nextafter(hi, math.inf)

    def strong_share(self, threshold: float) -> float:
        """Share of the reference set at or above ``threshold``."""
        ref = self.reference_scores
        return float(len(ref) - np.searchsorted(ref, threshold, side="left")) / len(ref)

    def classify(self, text: str, thresholds: Thresholds | None = None) -> tuple[Complexity, float]:
        s = self.score(text)
        return (thresholds or self.thresholds).classify(s), s

    def calibrated(
        self, texts: Iterable[str], default_strong_share: float | None = None
    ) -> ComplexityScorer:
        """A copy whose reference distribution is the scores of ``texts`` (your own traffic)."""
        scores = np.array(self.score_many(texts), dtype=np.float64)
        a = self._arrays
        return ComplexityScorer(
            bias=float(a["bias"][0]),
            dense_mean=a["dense_mean"],
            dense_scale=a["dense_scale"],
            dense_weight=a["dense_weight"],
            vocab=self._vocab_list,
            vocab_weight=a["vocab_weight"],
            prior_weight=self.prior_weight,
            reference_scores=scores,
            default_strong_share=default_strong_share or self.default_strong_share,
            meta={**self.meta, "reference": f"calibrated on {len(scores)} prompts"},
        )


def messages_text(messages: Sequence[dict[str, Any]]) -> str:
    """The text a complexity score is computed from: the user turns, else every turn."""
    user = [message_text(m) for m in messages if m.get("role") == "user"]
    return "\n".join(user) if user else prompt_text(list(messages))


@functools.lru_cache(maxsize=1)
def _load_default() -> ComplexityScorer:
    if not DEFAULT_MODEL_PATH.is_file():
        raise FileNotFoundError(
            f"complexity model not found at {DEFAULT_MODEL_PATH}; run scripts/train_complexity.py"
        )
    return ComplexityScorer._load(DEFAULT_MODEL_PATH)

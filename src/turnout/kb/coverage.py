"""Does a stored entry cover what the question asks about? A cheap lexical check.

The embedding score says "same topic"; a near-miss is a question on the entry's topic that
asks about one thing the entry never states: "Are you open on Sundays?" against weekday
hours, "Do you ship to Norway?" against Switzerland, "Do you accept Bitcoin?" against a list
of cards. So every content word of the question must be covered by the entry (its question
and answer):

* a **strict** term — a day or month, a number, a named thing (a capitalised word inside a
  sentence, an acronym), a negation — only by the same word (light stemming: "Sundays" is
  "Sunday"); near words are exactly what a near-miss swaps ("Sunday" / "Monday");
* any other content word by the same word or by a word whose static embedding is at least
  ``similarity`` from it ("charge" / "cost", "bills" / "invoices").

Stop words (question words, auxiliaries, pronouns, generic verbs like "get" or "need") ask
nothing. The result is the list of uncovered question terms: empty means covered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from turnout.embeddings import Embedder

__all__ = ["Term", "content_terms", "uncovered_terms"]

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]|\d+(?:[.,:]\d+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n)\s*$")

_STOP_WORDS = """
a an the this that these those it its it's i i'm i've i'd me my mine myself we us our ours you your yours
he she him her his they them their what what's which who whom whose when where why how whats hows
is am are was were be been being do does did doing done have has had having can could may might must
shall should will would won't wouldn't can't cannot couldn't don't doesn't didn't isn't aren't wasn't
there here then than so too very just also still even only please hi hello thanks thank ok okay
of in on at by for with about from into onto out up down off over under to as if or and but because
until till while after before since during within around through across via per
any some much many more most lot lots way ways thing things something anything one ones
get gets got getting need needs want wants wanted like would know tell let make made see go going
possible able right now currently actually really exactly again yet already new
"""
STOP = frozenset(_STOP_WORDS.split())

# A question that asks about one of these asks about that one: only the same word covers it.
_DAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekend", "weekday",
         "holiday", "night", "evening", "morning", "tomorrow", "today", "tonight"}
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"}
_NUMBERS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
            "twelve", "fifteen", "twenty", "thirty", "hundred", "thousand", "first", "second", "third",
            "half", "double", "once", "twice"}
_NEGATIONS = {"not", "no", "never", "without", "none", "nobody", "nothing", "neither", "nor"}


@dataclass(frozen=True, slots=True)
class Term:
    word: str  # as written, lower case
    stem: str
    strict: bool  # only the same word covers it


def _stem(word: str) -> str:
    w = word.lower().replace("-", "").replace("'", "")
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"),
                         ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            return w[: -len(suffix)] + keep
    return w


def content_terms(text: str) -> list[Term]:
    """The words of ``text`` that ask something, with whether each is strict."""
    out: list[Term] = []
    for m in _WORD.finditer(text):
        raw = m.group(0)
        low = raw.lower()
        if low in _NEGATIONS:
            out.append(Term(low, low, True))
            continue
        if low in STOP or (len(low) < 3 and not raw[0].isdigit() and not raw.isupper()):
            continue
        stem = _stem(low)
        named = (raw[0].isupper() and not _SENTENCE_START.search(text[: m.start()])) or (raw.isupper() and len(raw) > 1)
        strict = raw[0].isdigit() or named or stem in _DAYS or stem in _MONTHS or low in _NUMBERS
        out.append(Term(low, stem, strict))
    return out


def _same(a: str, b: str) -> bool:
    """Same word after stemming, or one a 5+ letter prefix of the other ("deliver"/"delivery")."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 5 and long_.startswith(short)


def uncovered_terms(question: str, entry_text: str, embedder: Embedder, *, similarity: float = 0.6) -> list[Term]:
    """The question's content terms the entry does not cover (empty: it covers them all);
    ``similarity`` above 1 turns the near-word cover off (same words only)."""
    asked = content_terms(question)
    if not asked:
        return []
    have = {t.stem for t in content_terms(entry_text)} | {_stem(w) for w in _WORD.findall(entry_text.lower())}
    missing = [t for t in asked if not any(_same(t.stem, h) for h in have)]
    loose = [t for t in missing if not t.strict]
    if loose and have and similarity <= 1.0:
        covered = _similar(loose, sorted(have), embedder, similarity)
        missing = [t for t in missing if t.strict or t.word not in covered]
    return list({t.word: t for t in missing}.values())


def _similar(terms: list[Term], have: list[str], embedder: Embedder, similarity: float) -> set[str]:
    vectors = embedder.embed([t.word for t in terms] + have)
    asked, entry = vectors[: len(terms)], vectors[len(terms) :]
    best = (asked @ entry.T).max(axis=1) if len(entry) else np.zeros(len(terms))
    return {t.word for t, s in zip(terms, best, strict=True) if s >= similarity}

"""Names, places and organisations in running text: the PII that has no fixed shape.

A capitalised word is a candidate; a small linear model decides whether it is part of a
person's name (``PER``), a place (``LOC``), an organisation (``ORG``) or none (``O``), from
features of the word and its neighbours: word lists (given names and family names of ~90
countries, places, nationalities, organisation suffixes, common English words, public
figures), the word's shape and endings ("-nen", "-ova", "-sson" generalise to names no list
holds), and the words around it ("says", "Dr.", "lives in", "is from").

The model is a CRF trained with python-crfsuite over one-token sequences (which makes it a
multinomial logistic regression; ``scripts/train_pii_ner.py``), so the shipped weights are a
plain table and inference needs no library: a few dictionary look-ups per candidate word.

Speed (``bench/bench_pii_names.py``): candidates come from one literal-led pass over the text's
shape (capitals are "U"; the words are sliced by ``map``, no Python step per word); each
distinct capitalised word gets a cached verdict, and one that is a common English word in no
name or place list is skipped before any feature is built, which removes most sentence starts
("The", "However"); the occurrences of the words left are picked in C (``compress``). A
candidate's neighbours come from the white-space chunks around it (tokens cached per chunk) and
the weights of each side's features are cached per pair of tokens.
Adjacent tagged words merge into one entity ("Velimir R. Janković", "van der Berg"); initials
are looked for only near other candidates, since one alone is never an entity. Two untagged
capitalised words side by side that no list knows ("Eustachy Gorski") are read as a name.

Everything loads lazily on first use (~40 ms): ``import turnout`` stays cheap.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import compress, pairwise, starmap

__all__ = ["LABELS", "Lexicon", "NameTagger", "candidate_features", "default_tagger", "lexicon", "tokenize"]

LABELS = ("O", "PER", "LOC", "ORG")
_TYPE_OF = {"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION"}


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The word lists (lower case). Built by ``scripts/build_pii_lexicon.py``."""

    first: frozenset[str]
    last: frozenset[str]
    place: frozenset[str]
    country: frozenset[str]
    common: frozenset[str]  # frequent lower-case English words (all, not only name-like ones)
    public: frozenset[str]  # a feature of the tagger's
    nationality: frozenset[str]
    org_suffix: frozenset[str]
    titles: frozenset[str]
    # public figures the PII policy knows (several thousand, scripts/build_pii_lexicon.py): apart
    # from ``public``, which the tagger reads; a longer list there would change what it tags
    figures: frozenset[str] = frozenset()


_TITLES_TEXT = """mr mrs ms mx miss mister madam madame mme mlle dr doctor prof professor sir dame lady lord
    herr frau señor señora sr sra srta rev capt captain sgt lt col gen judge officer agent nurse
    patient coach uncle aunt auntie grandma grandpa"""
_TITLES = frozenset(_TITLES_TEXT.split())


# Family names of China, Korea and Vietnam as written in Latin letters: the lexicon's family
# names come from Faker's locales, which write these in their own scripts, so "Zhou", "Kwon" or
# "Nguyen" were in no list. (Only those that are no English word, and two that are but are
# among the commonest family names: "Shin", "Lim"; not "Sun", "Song": "Sun Microsystems", "the
# Song dynasty".)
_ROMANISED_FAMILY_NAMES_TEXT = """zhao zhou xu zhu guo gao luo zheng liang xie feng cao peng zeng xiao tian
    dong yuan cai jiang cheng wei ren shen yao liao zou xiong hao cui kang mao qiu qin hou shao meng duan
    qian yin jeong yoon jang kwon hwang ahn jeon baek heo kwak ryu hoang phan dang bui ngo duong huynh
    shin lim"""
_ROMANISED_FAMILY_NAMES = frozenset(_ROMANISED_FAMILY_NAMES_TEXT.split())


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    raw = resources.files("turnout").joinpath("data/pii/lexicon.json.gz").read_bytes()
    data = json.loads(gzip.decompress(raw))
    return Lexicon(
        first=frozenset(data["first"]),
        last=frozenset(data["last"]) | _ROMANISED_FAMILY_NAMES,
        place=frozenset(data["place"]),
        country=frozenset(data["country"]),
        common=frozenset(data["common"]),
        public=frozenset(data["public"]),
        nationality=frozenset(data["nationality"]),
        org_suffix=frozenset(data["org_suffix"]),
        titles=_TITLES,
        figures=frozenset(data.get("figures", ())),
    )


# -- tokens ---------------------------------------------------------------------------------

# a word (letters, inner apostrophes and hyphens, an optional closing dot), a number, or one
# other character; offsets are kept so that findings point into the caller's text
_TOKEN = re.compile(r"\w+(?:['’-]\w+)*\.?|[^\w\s]")
_BREAK = frozenset(".!?:;\n\"“”>()[]{}|*#")
_FULL_STOPS = frozenset(".!?")


def tokenize(text: str) -> list[tuple[int, int]]:
    """Token spans of ``text`` (training and evaluation use the same tokens as the scanner)."""
    spans = []
    for m in _TOKEN.finditer(text):
        s, e = m.span()
        if text[e - 1] == "." and e - s > 1:
            word = text[s : e - 1]
            # keep the dot on initials and abbreviations ("R.", "Dr.", "St."), not on a
            # word that ends a sentence
            if len(word) > 3 and not word.isupper():
                spans.append((s, e - 1))
                spans.append((e - 1, e))
                continue
        spans.append((s, e))
    return spans


def _token_spans(text: str, forms: set[str]) -> Iterator[tuple[int, int, str]]:
    """(start, end, form less its closing dot) of each token of ``tokenize(text)`` whose form,
    as ``_TOKEN`` finds it, is one of ``forms``: the span is the form's own, less the closing
    dot tokenize splits off a word of four letters or more ("report." is "report" and ".")."""
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok in forms:
            s, e = m.span()
            if tok[-1] == "." and e - s > 4 and not tok[:-1].isupper():
                e -= 1
            yield s, e, tok.rstrip(".")


def _bucket(word: str) -> str:
    if word.isupper():
        return "XX" if len(word.rstrip(".")) > 1 else "X"
    if word[:1].isupper():
        return "Xx"
    if word[:1].islower():
        return "x"
    if word[:1].isdigit():
        return "d"
    return "p"


def candidate_features(words: list[str], i: int, lex: Lexicon, line_start: bool) -> list[str]:
    """Features of ``words[i]`` (a capitalised word) in its sentence.

    ``words`` are the token strings of the text around it; ``line_start``: the word begins a
    sentence or a line (where every word is capitalised, so capitals prove little).
    """
    prev = words[i - 1] if i else "<s>"
    prev2 = words[i - 2] if i > 1 else "<s>"
    nxt = words[i + 1] if i + 1 < len(words) else "</s>"
    nxt2 = words[i + 2] if i + 2 < len(words) else "</s>"
    return word_features(words[i], lex, line_start) + context_features(prev2, prev, nxt, nxt2, lex)


def word_features(w: str, lex: Lexicon, line_start: bool) -> list[str]:
    """The features of the word itself (the scanner caches their weights per word)."""
    core = w.rstrip(".")
    low = core.lower().replace("i\u0307", "i")
    f = [
        "bias",
        "w=" + low,
        "s2=" + low[-2:],
        "s3=" + low[-3:],
        "s4=" + low[-4:],
        "p3=" + low[:3],
        "shape=" + _bucket(w),
    ]
    if w.endswith("."):
        f.append("dot")
    if "-" in core:
        f.append("hyphen")
    if len(core) <= 2:
        f.append("short")
    gaz = _gazetteer(low, lex)
    f.extend(gaz)
    if line_start:
        f.append("start")
        f.extend("start+" + g for g in gaz)
    if w.isupper() and len(core) > 2:
        f.extend("caps+" + g for g in gaz)
    return f


def context_features(prev2: str, prev: str, nxt: str, nxt2: str, lex: Lexicon) -> list[str]:
    """The features of the two tokens each side ("<s>" / "</s>" past the text's ends)."""
    return left_features(prev2, prev, lex) + right_features(nxt, nxt2, lex)


def left_features(prev2: str, prev: str, lex: Lexicon) -> list[str]:
    """The features of the two tokens before the word (the scanner caches their weights)."""
    pl, p2l = prev.lower().rstrip("."), prev2.lower()
    f = [
        "-1=" + pl if not prev[:1].isupper() or pl in lex.titles else "-1=Cap",
        "-2=" + p2l if not prev2[:1].isupper() else "-2=Cap",
        "-1-2=" + p2l + "|" + pl,
    ]
    if prev[:1].isupper():
        f.extend("-1" + g for g in _gazetteer(pl, lex))
    return f


def right_features(nxt: str, nxt2: str, lex: Lexicon) -> list[str]:
    """The features of the two tokens after the word (the scanner caches their weights)."""
    nl, n2l = nxt.lower(), nxt2.lower()
    f = [
        "+1=" + nl if not nxt[:1].isupper() else "+1=Cap",
        "+2=" + n2l if not nxt2[:1].isupper() else "+2=Cap",
        "+1+2=" + nl + "|" + n2l,
    ]
    if nxt[:1].isupper():
        f.extend("+1" + g for g in _gazetteer(nl.rstrip("."), lex))
    return f


def _gazetteer(low: str, lex: Lexicon) -> list[str]:
    cached = _GAZ_CACHE.get(low)
    if cached is not None:
        return cached
    g = _gazetteer_uncached(low, lex)
    if len(_GAZ_CACHE) > 50_000:  # bounded
        _GAZ_CACHE.clear()
    _GAZ_CACHE[low] = g
    return g


_GAZ_CACHE: dict[str, list[str]] = {}


def _gazetteer_uncached(low: str, lex: Lexicon) -> list[str]:
    g = []
    if low in lex.first:
        g.append("G:first")
    if low in lex.last:
        g.append("G:last")
    if low in lex.place:
        g.append("G:place")
    if low in lex.country:
        g.append("G:country")
    if low in lex.common:
        g.append("G:common")
    if low in lex.public:
        g.append("G:public")
    if low in lex.nationality:
        g.append("G:nation")
    if low in lex.org_suffix:
        g.append("G:orgsuf")
    if low in lex.titles:
        g.append("G:title")
    return g


# -- the model ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _weights() -> dict[str, tuple[float, ...]]:
    raw = resources.files("turnout").joinpath("data/pii/ner_weights.json.gz").read_bytes()
    data = json.loads(gzip.decompress(raw))
    labels = data["labels"]
    order = [labels.index(lab) if lab in labels else -1 for lab in LABELS]
    table: dict[str, tuple[float, ...]] = {}
    for feat, ws in data["weights"].items():
        table[feat] = tuple(ws[j] if j >= 0 else 0.0 for j in order)
    return table


def score(features: list[str]) -> list[float]:
    """Per label (in :data:`LABELS` order): the summed weights of the features."""
    table = _weights()
    total = [0.0, 0.0, 0.0, 0.0]
    for feat in features:
        w = table.get(feat)
        if w is not None:
            total[0] += w[0]
            total[1] += w[1]
            total[2] += w[2]
            total[3] += w[3]
    return total


_PARTICLES_TEXT = "da das de del della di do dos du des la le van von der den ten ter al el bin ibn"
_PARTICLES = frozenset(_PARTICLES_TEXT.split())
# a capitalised word in the text's shape (``detect/pii.py``: upper-case letters are "U", lower-case
# ones "l" or "x"): a literal-led pattern, so the engine jumps from one capital to the next in C
# (~3 ms/MB) instead of testing a character class at every position of the text (~6 ms/MB; a
# leading look-behind costs 15). A word starts a run of letters and touches no digit: the
# mixed-case runs inside base64, keys and ids ("Zm9yIFtDQVJE") are not words (39 of 500 random
# base64 blobs held a "person" before, 1 after).
_HEAD_SHAPE = re.compile(rb"U(?<![0Ulx]U)[Ulx]*+(?!0)")
_SPAN = re.Match.span


def capitalised_words(text: str, shape: bytes) -> tuple[list[str], list[tuple[int, int]]]:
    """Every capitalised word of ``text`` (a run of letters that starts upper-case and touches no
    digit: "O'Brien" is "O" and "Brien", "iPhone" and base64's "Zm9yIFt" hold none) and its
    span, in order: one pass over the shape, the slicing done by ``map`` (no Python loop)."""
    spans = [*map(_SPAN, _HEAD_SHAPE.finditer(shape))]
    return [*map(text.__getitem__, starmap(slice, spans))], spans


_CONTEXT = 32  # characters each side that hold the two neighbouring tokens
_NUMBER_AFTER = re.compile(r"[ \t]\d{1,5}[A-Za-z]?(?![\d.,:/]\d)(?![\w])")
_NUMBER_BEFORE = re.compile(r"(?<![\d.,:/])\d{1,5}[ \t]\Z")
_NEXT_WORD = re.compile(r"[ \t]([^\W\d_]+(?:['’-][^\W\d_]+)*)(?![\w'’-])")
# extra margin a label needs over O: organisations and places are public alone, so a
# doubtful one is better left out (precision), while a doubtful person is worth flagging
_LABEL_MARGIN = (0.0, 0.0, 0.5, 1.5)
_LIST_GAP = re.compile(r",[ \t]*|[ \t]+(?:and|&|or|und|et|y|e|i)[ \t]+|,[ \t]+(?:and|&|or)[ \t]+")
_SKIP, _CANDIDATE, _AMBIGUOUS, _INITIAL, _CAPS = 0, 1, 2, 3, 4
# words after which a word in capitals is a place: "flew to HORTEN", "from ΕΓΚΩΜΗ"
_CAPS_PLACE_BEFORE = re.compile(
    r"(?:\b(?:to|at|in|from|near|of|visit|visiting|left|leave|leaving|reach|reached|via|towards|into)[ \t]+"
    r"|,[ \t]*)\Z"
)
_PREFIXED_NAME = re.compile(r"(?:Mc|Mac|De|Di|Da|Du|La|Le|Van|Von)[A-Z][a-z]+$")  # "McDonald", "DeShawn"


# the legal form that ends a company's name: "Brightwater Logistics Ltd", "Kessler & Sohn GmbH"
_ORG_FORMS = ("Inc", "Ltd", "LLC", "LLP", "PLC", "plc", "GmbH", "Corp", "Corporation", "Limited",
              "AG", "S.A.", "SA", "SAS", "S.p.A.", "SpA", "B.V.", "BV", "N.V.", "NV", "Oy", "Oyj",
              "AB", "ASA", "A/S", "ApS", "Kft", "Zrt", "S.r.l.", "Srl", "KG", "SE", "Pty")  # fmt: skip
# the forms written in letters from a capital are among the capitalised words (``capitalised_words``) of a
# text that holds them; the others are looked for as they are written
_ORG_FORM_HEADS = frozenset(f for f in _ORG_FORMS if f.isalpha() and f[0].isupper())
_ORG_FORM_OTHERS = tuple(
    (f, frozenset(c for c in f if c.isupper())) for f in _ORG_FORMS if f not in _ORG_FORM_HEADS and f[0].isupper()
)  # "S.A." and its capitals {"S", "A"}
# (a form among the others needs each of its capitals as a word: a text with none of them holds none)
_ORG_FORM_OTHER_CAPS = frozenset().union(*(caps for _, caps in _ORG_FORM_OTHERS))
_ORG_FORM_LOWER = tuple(" " + f for f in _ORG_FORMS if not f[0].isupper())  # " plc": after a space
# an initial is merged with a name at most this far away (a gap of < 12 characters, see _merge)
_INITIAL_REACH = 16
# one class-led pass (~7 ms/MB) finds them all; the space before is checked in Python
_ORG_FORM = re.compile(
    "(?:" + "|".join(re.escape(f) for f in sorted(_ORG_FORMS, key=len, reverse=True)) + r")(?![\w/])\.?"
)



def _prose(shape: bytes) -> bool:
    """At least one character in 25 is a space (a token, a decoded blob or minified data has
    fewer). Prose has ~1 in 6, so the first third of the shape nearly always settles it: the
    rest is counted only when it does not (a third of the count's cost on prose)."""
    n = len(shape)
    third = n // 3
    spaces = shape.count(b" ", 0, third)
    return spaces * 25 >= n or (spaces + shape.count(b" ", third)) * 25 >= n


def _may_hold_org_form(text: str, heads: set[str]) -> bool:
    """Can a legal form be in ``text`` (``heads``: its capitalised words)? The forms' pattern is a
    class-led pass, run only when this says yes: a form written in letters from a capital is one
    of the capitalised words; each capital of the others ("S.A.", "A/S") is one of its own."""
    return (
        not heads.isdisjoint(_ORG_FORM_HEADS)
        or (not heads.isdisjoint(_ORG_FORM_OTHER_CAPS) and any(caps <= heads and f in text for f, caps in _ORG_FORM_OTHERS))
        or any(f in text for f in _ORG_FORM_LOWER)
    )


def _may_start_candidate(text: str, n: int, s: int, e: int, kind: int) -> bool:
    """Whole words only: "An" inside "Annotated" is not a candidate; an ambiguous word needs a
    capitalised word after it or a title before it (a cheap pre-check before the tagger)."""
    return (
        not (s and text[s - 1].isalpha())
        and not (e < n and text[e].isalpha())
        and (
            kind != _AMBIGUOUS
            or (e + 1 < n and text[e] == " " and text[e + 1].isupper())
            or (s >= 2 and text[s - 1] == " " and text[s - 2] in ".rsSRdv")
            or (e + 2 < n and text[e] == " " and _ANY_PERSON_VERB.match(text, e) is not None)
            or (e < n and text[e] in "?!:,")  # "Don't go, Mark!", "Hi Mark," (see _cued_names)
            or text.endswith(_NAMING_WORDS, 0, s)  # "her maiden name is Key"
            or _person_object_before(text, s)
            # "Marsh and Price will ..." (see NameTagger._surname_pair): a capitalised word each side
            or (e + 6 < n and text[e + 5].isupper() and text.startswith(" and ", e))
            or (s > 6 and text.endswith(" and ", 0, s) and text[text.rfind(" ", max(0, s - 30), s - 5) + 1].isupper())
            or (_slot_hint(text, s, e) and _person_slot(text, s, e))  # "Kind regards,\nYoung", "From: Rose"
        )
    )


class NameTagger:
    """Tags persons, places and organisations; ``min_margin`` trades recall for precision."""

    def __init__(self, min_margin: float = 0.0) -> None:
        self.min_margin = min_margin
        self.lex = lexicon()
        lex = self.lex
        self._known = lex.first | lex.last | lex.place | lex.country | lex.org_suffix | lex.titles
        self._table = _weights()
        # (word, starts a sentence) -> summed weights of the word's own features
        self._lexical: dict[tuple[str, bool], tuple[float, ...]] = {}
        # (the two tokens before a word) and (the two after) -> summed weights of their features
        self._left: dict[tuple[str, str], tuple[float, ...]] = {}
        self._right: dict[tuple[str, str], tuple[float, ...]] = {}
        self._kinds: dict[str, int] = {}  # capitalised word -> _SKIP / _CANDIDATE / ...
        self._skipped: set[str] = set()  # the words of _kinds that are _SKIP
        # lower-case words that _lower_candidates passes over whatever surrounds them: common
        # English words and never-names that no given-name list holds; with the forms that
        # keep their dot, as ``_TOKEN`` finds them ("etc."), for a whole-text check in C (the
        # dotted forms are tested on the few tokens the difference leaves: a set holding them
        # too was 67k more strings, ~6 MB a worker)
        self._lower_skip = (lex.common | _not_names()) - lex.first

    def tag(self, text: str, shape: bytes | None = None) -> list[tuple[str, int, int, float]]:
        """(type, start, end, score) for each entity found in ``text``."""
        if shape is None:
            from turnout.detect.pii import _shape

            shape = _shape(text)
        if len(shape) >= 40 and not _prose(shape):
            return []  # not prose (a token, a decoded blob, minified data): no names to read
        words, spans = capitalised_words(text, shape)
        heads = set(words)
        cands = self._candidates(text, heads, words, spans)
        found = self._tag(text, cands)
        if found and not heads.isdisjoint(_FIRM_WORDS):
            found = self._firms(text, found)
        if found and not heads.isdisjoint(_SHIP_PREFIXES):
            found = _ships(text, found)
        if len(found) > 1 and "\n" in text:
            found = _letterhead_firms(text, found)
        if not heads.isdisjoint(_TITLE_HEADS):
            found = _titled_words(text, found, _starts_of(words, spans, _TITLE_HEADS))
        if found:
            found = self._named_things(text, found)
        if _WARD_MARK.search(text) is not None and (b"0-0" in shape or b"0-lll" in shape or "-gu," in text):
            # (the marks first, one search led by "-": few texts hold one, and "-gu," is one)
            found = _east_asian_addresses(text, found)
        if not heads.isdisjoint(_ADDRESS_HEADS):
            found = _headed_addresses(text, found, _starts_of(words, spans, _ADDRESS_HEADS))
        if not heads.isdisjoint(_NUMBERED_ROAD_HEADS) and (b"0, U" in shape or b"0/0" in shape):
            found = _headed_addresses(text, found, None)
        if _may_hold_org_form(text, heads) and _ORG_FORM.search(text) is not None:
            found = self._organisations(text, found)
        if len(words) <= _lower_limit(shape) and _typed_lower(shape):
            # "hi, my name is olga krylova": text typed (nearly) without capitals; words that
            # the lists know as names or places are scored as if capitalised
            seen = {(s, e) for _, s, e, _ in found}
            lowered = self._tag_lower(text)
            if lowered and not heads.isdisjoint(_FIRM_WORDS):
                lowered = self._firms(text, lowered)
            found += [f for f in lowered if (f[1], f[2]) not in seen]
        return found

    def _named_things(
        self, text: str, found: list[tuple[str, int, int, float]]
    ) -> list[tuple[str, int, int, float]]:
        """Names that name a thing, not people: "the Hale Choir", "the Okafor, Brandt and Lisle
        Trust" (after "the", before a capitalised English word); "Brandt, Okafor and Lisle is
        ..." (a list that takes a singular verb is one firm); "Quillon is a design studio" (a
        name said to be a firm)."""
        out: list[tuple[str, int, int, float]] = []
        changed = False
        i = 0
        while i < len(found):
            kind, s, e, conf = found[i]
            j = i + 1
            # a list of people, or of family names the first of which was read as a place or a firm
            while j < len(found) and found[j][0] == "PERSON" and _LIST_GAP.fullmatch(text, found[j - 1][2], found[j][1]):
                j += 1
            end = found[j - 1][2]
            if j - i > 1 and (m := _LIST_NEXT.match(text, end)) is not None and " and " in text[end : m.start(1)] and (
                j == len(found) or found[j][1] >= m.end(1)
            ):
                end = m.end(1)  # the list's last name, which the model left out: "Okafor, Brandt and Lisle"
            if kind != "PERSON" and j - i < 3:
                if kind == "LOCATION" and (text.startswith("\n", e) or text.startswith("\r\n", e)) and self._firm_line(text, s, e):
                    out.append(("ORGANIZATION", s, e, conf))  # an unknown word above an address, read as a place
                    changed = True
                else:
                    out.append(found[i])
                i += 1
                continue
            if (kind != "PERSON" or j - i >= 3) and self._firm_of_names(text, found[i:j]):
                out.append(("ORGANIZATION", s, end, conf))  # "works at Brandt, Okafor and Kowalczyk"
                changed = True
            elif kind != "PERSON":
                out.append(found[i])
                i += 1
                continue
            elif self._names_a_thing(text, s, end, j - i > 1):
                out.append(("ORGANIZATION", s, end, conf))
                changed = True
            else:
                out.extend(found[i:j])
            i = j
        return out if changed else found

    def _firm_line(self, text: str, s: int, e: int) -> bool:
        """One word no name list holds, alone on its line, right above an address's first
        line (a house number): the firm's line of an address block ("Quillon\n14 Elm Row"); a
        person's line holds a given name too."""
        line = text.rfind("\n", 0, s) + 1
        if text[line:s].strip(" \t>") or not self._unlisted(text[s:e]):
            return False
        m = _NEXT_LINE_DIGIT.match(text, e)
        return m is not None

    def _firm_of_names(self, text: str, items: list[tuple[str, int, int, float]]) -> bool:
        """Three single family names or more after "at", "from" or "joined" ("she is from Brandt,
        Okafor and Kowalczyk"): one is at or from a firm, not at three people."""
        if len(items) < 3 or " and " not in text[items[-2][2] : items[-1][1]]:
            return False
        s = items[0][1]
        if not text.endswith(_FIRM_PREPOSITIONS, max(0, s - 8), s):
            return False
        lex = self.lex
        for _, a, b, _ in items:
            low = _low(_unpossessed(text[a:b]))
            if " " in low or (low in lex.first and low not in lex.last):  # "Anna, Maria and Olga": people
                return False
        return True

    def _names_a_thing(self, text: str, s: int, e: int, listed: bool) -> bool:
        if not listed and (text.startswith("\n", e) or text.startswith("\r\n", e)) and self._firm_line(text, s, e):
            return True
        if e < len(text) and text[e] == " " and (m := _THING_AFTER.match(text, e)) is not None:
            if m.group(1) is not None:
                return listed  # "Brandt, Okafor and Lisle is ...": one firm
            return True  # "Quillon is a design studio"
        if s < 4 or text[s - 4 : s] not in ("the ", "The "):
            return False
        nm = _NEXT_WORD.match(text, e)
        head = nm.group(1) if nm is not None else text[s:e].split()[-1]
        low = _low(head)
        lex = self.lex
        return (
            head[:1].isupper()
            and head[1:].islower()
            and low in lex.common
            and low not in lex.first
            and (nm is not None or len(text[s:e].split()) > 1)
        )

    def _organisations(
        self, text: str, found: list[tuple[str, int, int, float]]
    ) -> list[tuple[str, int, int, float]]:
        """Capitalised words before a legal form are one organisation (they replace the
        tagger's findings inside it: "Barnett Logistics Ltd" is a company, not a person)."""
        orgs: list[tuple[str, int, int, float]] = []
        for m in _ORG_FORM.finditer(text):
            at, end = m.span()
            if at < 2 or text[at - 1] != " ":
                continue
            start = at - 2 if text[at - 2] == "," else at - 1
            # the word before ends in lower case ("Nordic Foods AS", not "AS IS")
            if start and (text[start - 1].islower() or text[start - 1] == "&"):
                self._organisation_before(text, start, end, orgs)
        if not orgs:
            return found
        kept = [f for f in found if not any(o[1] < f[2] and f[1] < o[2] for o in orgs)]
        return sorted(kept + orgs, key=lambda f: f[1])

    def _organisation_before(
        self, text: str, form_start: int, end: int, orgs: list[tuple[str, int, int, float]]
    ) -> None:
        # up to five words before the legal form, walking back while they are capitalised
        # (or "&", "and", "of" inside the name); leading common words ("The", "At") begin the
        # sentence, not the name
        words = text[max(0, form_start - 80) : form_start].split(" ")
        taken: list[str] = []
        for w in reversed(words):
            if not w or len(taken) >= 5:
                break
            if w[0].isupper() or (taken and w in ("&", "and", "und", "et", "of")):
                taken.append(w)
                continue
            break
        while taken and taken[-1] in ("&", "and", "und", "et", "of"):
            taken.pop()
        while len(taken) > 1 and _low(taken[-1]) in self.lex.common and _low(taken[-1]) not in self._known:
            taken.pop()
        if not taken or "\n" in " ".join(taken):
            return
        s = form_start - len(" ".join(reversed(taken)))
        orgs.append(("ORGANIZATION", s, end, 0.9))

    # -- candidates ---------------------------------------------------------------------

    def _candidates(
        self, text: str, heads: set[str], words: list[str], spans: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        # Most capitalised words are sentence starts and common words: classify each distinct
        # word once (cached), and visit positions only for the few worth scoring. ``words`` and
        # ``spans``: every capitalised word of the text in order (see capitalised_words).
        kinds = self._kinds
        wanted: dict[str, int] = {}
        initials: list[str] = []
        # set difference in C: the words already known to be skipped cost nothing more
        for head in heads - self._skipped:
            kind = kinds.get(head)
            if kind is None:
                kind = self._kind(head)
                if len(kinds) > 50_000:  # bounded: a stream of unique words cannot grow it
                    kinds.clear()
                    self._skipped.clear()
                kinds[head] = kind
                if kind == _SKIP:
                    self._skipped.add(head)
            if kind == _INITIAL:
                initials.append(head)
            elif kind != _SKIP:
                wanted[head] = kind
        if not wanted:
            return []  # an initial alone is never an entity (see _merge)
        if initials and "A" in heads and "B" in heads and _has_options(text):
            # "A. Dixie B. Pennsylvania C. ...": answer options, not initials of a name
            initials = [h for h in initials if h not in _OPTION_LETTERS]
        n = len(text)
        out: list[tuple[int, int]] = []
        # the occurrences of the wanted words, selected in C (no Python step per capitalised word)
        mask = [*map(wanted.__contains__, words)]
        for head, (s, e) in zip(compress(words, mask), compress(spans, mask), strict=True):
            kind = wanted[head]
            if _may_start_candidate(text, n, s, e, kind):
                span = self._candidate_at(text, n, s, e, kind)
                if span is not None:
                    out.append(span)
        if initials and out:
            out.extend(self._initials_near(text, n, initials, out))
        out.sort()
        return out

    def _initials_near(
        self, text: str, n: int, initials: list[str], spans: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """Initials ("R.") within reach of other candidates, and of those initials in turn.

        An initial counts only merged into a name ("Velimir R. Janković", "J. R. R. Tolkien"):
        ``_merge`` joins entities at most a short gap apart and drops an initial left alone.
        So only the text within ``_INITIAL_REACH`` of a candidate is searched, not the whole
        text once per capital letter ("A", "I" start many sentences).
        """
        keys = [h + "." for h in initials]
        found: dict[int, tuple[int, int]] = {}
        frontier = spans
        while frontier:
            windows: list[list[int]] = []
            for s, e in sorted(frontier):
                lo, hi = max(0, s - _INITIAL_REACH), min(n, e + _INITIAL_REACH)
                if windows and lo <= windows[-1][1]:
                    windows[-1][1] = max(windows[-1][1], hi)
                else:
                    windows.append([lo, hi])
            new: list[tuple[int, int]] = []
            for key in keys:
                for lo, hi in windows:
                    s = text.find(key, lo, hi)
                    while s >= 0:
                        if s not in found and not (s and text[s - 1].isalpha()):
                            span = self._candidate_at(text, n, s, s + 1, _INITIAL)
                            if span is not None:
                                found[s] = span
                                new.append(span)
                        s = text.find(key, s + 1, hi)
            frontier = new
        return list(found.values())

    def _candidate_at(self, text: str, n: int, s: int, e: int, kind: int) -> tuple[int, int] | None:
        if s and (text[s - 1].isalpha() or (text[s - 1] in "'’-" and s > 1 and text[s - 2].isalpha())):
            return None  # inside a word: "iPhone", "Jean-Luc" (its start is seen on its own)
        if e < n and text[e].isalpha():
            return None  # a longer word that begins the same way
        if kind == _INITIAL:
            if e < n and text[e] == "." and (e + 1 == n or not text[e + 1].isalnum()):
                return (s, e + 1)
            return None
        tok = _TOKEN.match(text, s)
        if tok is None:
            return None
        end = tok.end()
        if end < n and (text[end].isalnum() or text[end] == "_"):
            return None  # "Point2D", "AF_INET": identifiers
        # each pattern below is tried only where the character it must start (or end) with is
        # there: most candidates are followed by a space and a lower-case word
        if kind == _CAPS and not (s and text[s - 1] in " \t," and _CAPS_PLACE_BEFORE.search(text, max(0, s - 12), s)):
            return None
        if kind == _AMBIGUOUS and not self._ambiguous_is_name(text, n, s, end):
            return None
        if end + 1 < n and text[end] in " \t":
            nm = _NEXT_RUN.match(text, end)
            if nm is not None and nm.group(1) in _STREET_WORDS and not _role_before(text, s):
                return None  # "Jordan Street", "Victoria line": part of a street or a line's name (not "tenant Rosa Parks")
            if text[end + 1].isdigit() and _NUMBER_AFTER.match(text, end):
                return None  # "Koskikatu 25", "Python 3": streets and products
        if s > 1 and text[s - 2].isdigit() and _NUMBER_BEFORE.search(text, max(0, s - 8), s):
            return None  # "764 Fagradalsbraut"
        return (s, end)

    def _ambiguous_is_name(self, text: str, n: int, s: int, end: int) -> bool:
        """"Will", "May", "Young": a name only after a title or a given name, or before another
        capitalised word that is a name ("May I", "General Public" are not)."""
        if _low(text[s:end]) in _PAIR_SURNAMES_ALSO:  # "King", "Swift": not before a name ("King Charles")
            return (end + 2 < n and text[end] == " " and _ANY_PERSON_VERB.match(text, end) is not None) or (
                _person_object_before(text, s) or self._surname_pair(text, s, end))
        if end + 2 < n and text[end] == " " and text[end + 1].isupper():
            nxt = _TOKEN.match(text, end + 1)
            if nxt is not None:
                following = nxt.group().rstrip(".")
                low = following.lower()
                if len(following) > 1 and (low not in self.lex.common or low in self._known):
                    return True
        if end + 2 < n and text[end] == " " and _ANY_PERSON_VERB.match(text, end) is not None and (
            text[s:end] not in _SEASONS
        ):
            return True  # "Walker began writing": the subject of a verb only people do (see _subjects)
        if _cue_for_name(text, s, end) and (
            text.endswith(_NAMING_WORDS, 0, s) or _low(text[s:end]) in self.lex.first
        ):
            return True  # "Alice:", "Hi Victor,", "Remember me, Maria?", "her name is Key"
        if self._surname_pair(text, s, end):
            return True  # "Marsh and Price will share ...": two family names that do something
        if _appositive_person(text, s, end) and _low(text[s:end]) in self.lex.first:
            return True  # "a card for Hope, she turns forty"
        if _slot_hint(text, s, end) and _person_slot(text, s, end):
            return True  # "Kind regards,\nYoung", "From: Rose", "a card for Max? He ...": see _person_slot
        if s < 3 or text[s - 1] != " ":
            return False  # cheap exit: no word right before
        if _person_object_before(text, s) and (
            _low(text[s:end]) in self.lex.first or self._family_name(text[s:end])
        ):
            return True  # "Ask Hope to ...", "my sister Joy", "I disagree with Cooper": a verb or relation that takes a person
        return _after_title(text, s, self.lex)

    def _kind(self, head: str) -> int:
        """What a capitalised word (letters only) is worth, from the word alone (cached)."""
        if not head[0].isupper():
            return _SKIP
        if len(head) == 1:
            return _INITIAL
        low = head.lower().replace("i\u0307", "i")  # "İstanbul" lower-cases to two characters
        lex = self.lex
        if low in _PAIR_SURNAMES_ALSO:
            return _AMBIGUOUS  # "King thinks ...": a name only where a person's verb says so (see _ambiguous_is_name)
        if low in _not_names():
            return _SKIP  # "Claude", "Python", "Monday": products, languages, days
        if low in self._known:
            return _AMBIGUOUS if low in lex.common else _CANDIDATE
        if low in lex.common or _us_spelling(low) in lex.common:
            return _SKIP  # "The", "However"; "Summarise", "Analyse" (the list spells "-ize", "-yze")
        if head.isupper() and len(head) >= 4 and any(c in "AEIOUYÄÖÅÆØÜΑΕΗΙΟΥΩАЕИОУЫЭЮЯ" for c in head):
            return _CAPS  # "HORTEN": a place in capitals, or an acronym ("JSON"): see _candidate_at
        if head.isupper() or (any(c.isupper() for c in head[1:]) and not _PREFIXED_NAME.match(head)):
            return _SKIP  # "JSON", "TypeError": acronyms and identifiers no list knows
        return _CANDIDATE

    def _tag_lower(self, text: str) -> list[tuple[str, int, int, float]]:
        return self._tag(text, self._lower_candidates(text), lower=True)

    def _lower_candidates(self, text: str) -> list[tuple[int, int]]:
        # The loop below visits the lower-case tokens of ``tokenize(text)``; one that is a common
        # word or a never-name and no given name (``_lower_skip``) fails or skips each of its
        # tests. So only the forms left after a set difference in C are visited ("how do i
        # reverse a list": none, no loop), found by ``_TOKEN`` as tokenize finds them: the
        # span a form stands for is its own, less the closing dot tokenize splits off a word
        # of four letters or more (a form less its closing dot is the ``low`` tested below).
        skip = self._lower_skip
        wanted = {t for t in set(_TOKEN.findall(text)).difference(skip)
                  if t[0].islower() and not (t[-1] == "." and t[:-1] in skip)}
        if not wanted:
            return []
        lex = self.lex
        cands: list[tuple[int, int]] = []
        for s, e, low in _token_spans(text, wanted):
            if low in lex.first and low not in _not_names() and _person_object_before(text, s):
                cands.append((s, e))  # "remind georgia to ...": a given name, also when it is a place or a word (not "pay my bill")
                continue
            if (
                low not in lex.common
                and low not in _not_names()
                and len(low) > 2
                and low.isalpha()
                and low not in lex.place
                and (_person_object_before(text, s) or _role_before(text, s))
            ):
                # "remind haruka to ...", "the tenant okonkwo": a name no list holds, after a verb
                # that takes a person or a private person's role
                cands.append((s, e))
                continue
            if low in lex.common or low in _not_names():
                continue
            if len(low) > 2 and low.isalpha() and low not in lex.place and _person_slot(text, s, e):
                cands.append((s, e))  # "signed: noraev", "i'm rimoko naelli": see _person_slot
                continue
            if text.endswith(_NAMING_WORDS, 0, s):
                cands.append((s, e))  # "my name is borna"
                continue
            if len(low) > 2 and low.isalpha() and _PERSON_VERB.match(text, e) is not None and (
                low not in lex.place and (low in lex.last or self._unlisted_lower(low))
            ):
                cands.append((s, e))  # "bártová began writing ...": the subject of a verb only people do
                continue
            # a given name, or a family name or place right after one ("olga krylova")
            after_given = cands and cands[-1][1] + 1 == s and text[s - 1] == " "
            if low in lex.first or (after_given and (low in lex.last or low in lex.place or self._unlisted_lower(low))):
                cands.append((s, e))
            elif low in lex.place and s >= 3 and text[max(0, s - 4) : s] in (" in ", " to ", " at "):
                cands.append((s, e))  # "i live in berlin"
        return cands

    def _unlisted_lower(self, low: str) -> bool:
        """A lower-case word no list knows ("whitfield" after "jordan"): read as a family name."""
        return len(low) > 2 and low.isalpha() and self._unlisted(low[0].upper() + low[1:])

    # -- scoring ------------------------------------------------------------------------

    def _tag(
        self, text: str, cands: list[tuple[int, int]], lower: bool = False
    ) -> list[tuple[str, int, int, float]]:
        if not cands:
            return []
        lex = self.lex
        cand_starts = {s for s, _ in cands} if lower else set()
        tagged: list[tuple[int, int, str, float]] = []
        unknown: list[tuple[int, int]] = []  # candidates left untagged
        for s, e in cands:
            word, start, prev2, prev, nxt, nxt2 = _surroundings(text, s, e, cand_starts, lower)
            wv = self._word_vector(word, start)
            lv = self._side_vector(self._left, left_features, prev2, prev)
            rv = self._side_vector(self._right, right_features, nxt, nxt2)
            sc = [wv[0] + lv[0] + rv[0], wv[1] + lv[1] + rv[1], wv[2] + lv[2] + rv[2], wv[3] + lv[3] + rv[3]]
            best = max(range(4), key=sc.__getitem__)
            if best != 1 and (
                (prev.rstrip(".").lower() in lex.titles and prev[:1].isupper())
                or (prev == "." and prev2.lower() in lex.titles and prev2[:1].isupper())  # "Prof. Jang"
            ):
                best, sc[1] = 1, max(sc[1], sc[0] + 1.0)  # "Mrs. Labrie": a title names a person
            elif best > 1 and text.endswith(_NAMING_WORDS, 0, s):
                best, sc[1] = 1, max(sc[1], sc[0] + 1.0)  # "everyone calls me Borna": a name, whatever else the word may be
            if best and sc[best] - sc[0] > self.min_margin + _LABEL_MARGIN[best]:
                tagged.append((s, e, LABELS[best], sc[best] - sc[0]))
            else:
                unknown.append((s, e))
        if len(unknown) > 1 and not lower:
            tagged = self._unknown_pairs(text, unknown, tagged)
        if unknown and not lower:
            tagged = self._listed_given_names(text, unknown, tagged)
        if unknown:
            if not lower:
                tagged = self._subjects(text, unknown, tagged)
            tagged = self._cued_names(text, unknown, tagged)
        return self._merge(text, tagged)

    def _listed_given_names(
        self, text: str, unknown: list[tuple[int, int]], tagged: list[tuple[int, int, str, float]]
    ) -> list[tuple[int, int, str, float]]:
        """A word the given-name lists hold and no other list does (no English word, place,
        people or famous name), inside a sentence: a person, whatever its neighbours suggest.
        The model's context weights come from a few sentence templates; such a word in a
        template it never saw ("The true gender of Mette ...") is still a given name."""
        lex = self.lex
        added = []
        for s, e in unknown:
            word = _unpossessed(text[s:e].rstrip("."))
            low = _low(word)
            if _role_before(text, s) and word[1:].islower():
                added.append((s, e, "PER", 0.5))  # "tenant Abraham Lincoln": a private person, whatever the name
                continue
            if _role_before_given(text, s) and word[1:].islower() and (
                low in lex.public or self._family_name(word) or self._unlisted(word)
            ):
                added.append((s, e, "PER", 0.5))  # "tenant Mahatma Gandhi": the given name was no candidate
                continue
            if word[1:].islower() and low not in lex.common and _my_relation_before(text, s):
                added.append((s, e, "PER", 0.5))  # "my cousin Oyelaran": a person, whatever the name
                continue
            if self._unlisted(word) and (nm := _NEXT_WORD.match(text, e)) is not None and (
                nm.group(1)[:1].isupper() and nm.group(1)[1:].islower() and self._listed_surname(nm.group(1))
                and not self._in_title_run(text, s, nm.end())
            ):
                # "Eunji Shin", "Tao Sun": a word no list knows before a family name (one that is
                # also an English word, so the model did not take it)
                added += [(s, e, "PER", 0.5), (nm.start(1), nm.end(1), "PER", 0.5)]
                continue
            if word[1:].islower() and (
                self._surname_pair(text, s, e)
                or (_person_object_before(text, s) and (low in lex.first or self._family_name(word)))
                or (low in lex.first and _appositive_person(text, s, e))
            ):
                # "Marsh and Price will ...", "the feedback Brook left", "a card for Hope, she ...":
                # the sentence's form says person where the model's context weights did not
                added.append((s, e, "PER", 0.5))
                continue
            if (
                low in lex.first
                and low not in lex.common
                and low not in lex.place
                and low not in lex.country
                and low not in lex.public
                and low not in lex.nationality
                and low not in _not_names()
                and word[1:].islower()
                and not _starts_sentence(text, s)
                and not self._in_title_run(text, s, e)
            ):
                added.append((s, e, "PER", 0.5))
        if not added:
            return tagged
        return sorted(set(tagged) | set(added))

    def _cued_names(
        self, text: str, unknown: list[tuple[int, int]], tagged: list[tuple[int, int, str, float]]
    ) -> list[tuple[int, int, str, float]]:
        """A word left untagged that the sentence's form says is a name: after "name is",
        "call me" (any capitalised word: "her maiden name is Key"); a given name that speaks a
        line ("Alice: ..."), is greeted ("Hi Victor,") or addressed ("Remember me, Maria?")."""
        added = []
        first = self.lex.first
        for s, e in unknown:
            if text.endswith(_NAMING_WORDS, 0, s) or (_low(text[s:e]) in first and _cue_for_name(text, s, e)):
                added.append((s, e, "PER", 0.5))
            elif _person_slot(text, s, e) and self._slot_word(text[s:e]):
                added.append((s, e, "PER", 0.5))  # "Signed: Todao", "Our landlord, Nibeo, ...", "Tapio's dog"
            elif text.startswith(",", e) and s > 0 and text[s - 1] in "\"“" and self._name_like(text[s:e]):
                added.append((s, e, "PER", 0.5))  # addressed at a quote's start: '"Naoko, the figures ..."'
            elif added and added[-1][1] + 1 == s and text[s - 1] == " " and self._name_like(text[s:e].capitalize()):
                added.append((s, e, "PER", 0.5))  # the family name after it: "my name is borna jerković"
            elif text[s].islower() and self._name_like(text[s:e].capitalize()) and (
                _person_object_before(text, s)
                or _role_before(text, s)
                or (_PERSON_VERB.match(text, e) is not None and _PRONOUN.search(text) is not None)
            ):
                added.append((s, e, "PER", 0.5))  # "can you ask haneul whether ...", "the tenant okonkwo ..."
        if not added:
            return tagged
        return sorted(set(tagged) | set(added))

    def _subjects(
        self, text: str, unknown: list[tuple[int, int]], tagged: list[tuple[int, int, str, float]]
    ) -> list[tuple[int, int, str, float]]:
        """A word no list knows, left untagged, as the subject of a verb only people do
        ("Shovda said ...", "Järvilehto began writing ...") in a text that refers to someone
        as he or she: a name the lists miss, typically a lone one opening the text. A family name
        the lists know ("Walker began the audit", "Fisher agreed") needs no pronoun: an English
        word that is also a family name is the subject of such a verb only as a name."""
        # the anchored verb match first: the pronoun search over the whole text is the costly part
        added = [
            (s, e, "PER", 0.5)
            for s, e in unknown
            if _PERSON_VERB.match(text, e)
            and (self._name_like(text[s:e]) or self._family_name(text[s:e]))
            and not self._in_title_run(text, s, e)
        ]
        if added and _PRONOUN.search(text) is None:
            added = [a for a in added if self._family_name(text[a[0] : a[1]])]
        if not added:
            return tagged
        return sorted(set(tagged) | set(added))

    def _unknown_pairs(
        self, text: str, unknown: list[tuple[int, int]], tagged: list[tuple[int, int, str, float]]
    ) -> list[tuple[int, int, str, float]]:
        """Two capitalised words side by side that no word list knows, each left untagged
        ("Eustachy Gorski", "Wisława Szczepańska"): a name from outside the lists (a product
        or a heading rarely pairs two words no English or name list holds)."""
        added = []
        for (s1, e1), (s2, e2) in pairwise(unknown):
            # side by side, or "Mohmad R. Vizirov", "Willemine ten Pas": an initial or particles between
            if (e1 + 1 != s2 or text[e1] != " ") and not (s2 - e1 < 12 and _NAME_GAP.fullmatch(text, e1, s2) and all(
                p.lower() in _PARTICLES for p in text[e1:s2].split() if len(p.rstrip(".")) > 1
            )):
                continue
            if all(self._unlisted(text[a:b]) for a, b in ((s1, e1), (s2, e2))) and not self._in_title_run(
                text, s1, e2
            ):
                added += [(s1, e1, "PER", 0.5), (s2, e2, "PER", 0.5)]
        if not added:
            return tagged
        return sorted(set(tagged) | set(added))

    def _in_title_run(self, text: str, s: int, e: int) -> bool:
        """Is ``text[s:e]`` part of a run of three or more capitalised words, one of them
        outside the span and in no name list ("Have you read Aliquam Saepe Tempora", "the
        Springen Himmel Leben report")? A title of a work or a heading in Title Case, not a
        name. Initials, titles and particles do not count ("Dr Eustachy R. Gorski"); neither
        does a common word that opens a sentence ("Yesterday Eustachy Gorski")."""
        lex = self.lex
        inside = sum(len(w.rstrip(".")) > 1 and _low(w.rstrip(".")) not in _NAME_SUFFIXES for w in text[s:e].split())
        outside: list[str] = []
        pos = e
        # words after a possessive are what the person owns ("Ada Brandt's Winter Letters")
        owner = text.endswith(("'s", "’s"), s, e) or text.startswith(("'s", "’s"), e)
        for _ in range(0 if owner else 4):  # words after the span
            m = _NEXT_WORD.match(text, pos)
            if m is None or not m.group(1)[:1].isupper():
                break
            outside.append(m.group(1))
            pos = m.end() + (m.end() < len(text) and text[m.end()] == ".")
        pos = s
        for _ in range(4):  # words before it, up to a sentence start
            m = _word_before(text, max(0, pos - 40), pos)
            if m is None or not m.group(1)[:1].isupper():
                break
            at_start = m.start(1) == 0 or text[m.start(1) - 1] == "\n" or (
                _SENTENCE_END.search(text, max(0, m.start(1) - 3), m.start(1)) is not None)
            if at_start and _low(m.group(1).rstrip(".")) in lex.common:
                break
            outside.append(m.group(1).rstrip("."))
            if at_start:
                break
            pos = m.start(1)
        words = [w for w in outside if len(w) > 1 and w[1:].islower() and _low(w) not in lex.titles
                 and _low(w) not in _NAME_SUFFIXES]
        if inside + len(words) < 3:
            return False
        return any(_low(w) not in lex.first and _low(w) not in lex.last for w in words)

    def _slot_word(self, word: str) -> bool:
        """Can ``word`` be a name where only a person fits (see _person_slot)? A word no list
        knows, or one the name lists hold that is no place, people or famous name ("Rose",
        "Young" after "Kind regards," are names there)."""
        core = _unpossessed(word.rstrip("."))
        if len(core) < 2 or not core.isalpha():
            return False
        low = _low(core)
        lex = self.lex
        if low in lex.first or low in lex.last:
            return (low not in lex.place and low not in lex.country and low not in lex.public
                    and low not in lex.nationality and low not in _not_names())
        return self._unlisted(core[0].upper() + core[1:])

    def _name_like(self, word: str) -> bool:
        """A word no list knows, or one the name lists know and no other list does."""
        if self._unlisted(word):
            return True
        low = _low(word.rstrip("."))
        lex = self.lex
        return (low in lex.first or low in lex.last) and low not in lex.common and low not in lex.place and (
            low not in _not_names() and low not in lex.public)

    def _unlisted(self, word: str) -> bool:
        core = word.rstrip(".")
        if core.endswith(("'s", "’s")):
            core = core[:-2]
        if len(core) < 3 or not core.isalpha() or not core[0].isupper() or not core[1:].islower():
            return False
        low = _low(core)
        return low not in self._known and low not in self.lex.common and low not in _not_names() and (
            low not in self.lex.public and low not in self.lex.nationality)

    def training_examples(self, text: str) -> list[tuple[tuple[int, int], list[str]]]:
        """(span, features) of every word the scanner would score in ``text`` (for training)."""
        from turnout.detect.pii import _shape

        shape = _shape(text)
        out = []
        words, spans = capitalised_words(text, shape)
        runs = [(self._candidates(text, set(words), words, spans), False)]
        if _typed_lower(shape):
            runs.append((self._lower_candidates(text), True))
        for cands, lower in runs:
            cand_starts = {s for s, _ in cands} if lower else set()
            for s, e in cands:
                word, start, prev2, prev, nxt, nxt2 = _surroundings(text, s, e, cand_starts, lower)
                feats = word_features(word, self.lex, start) + context_features(prev2, prev, nxt, nxt2, self.lex)
                out.append(((s, e), feats))
        return out

    def _side_vector(
        self,
        cache: dict[tuple[str, str], tuple[float, ...]],
        features: Callable[[str, str, Lexicon], list[str]],
        a: str,
        b: str,
    ) -> tuple[float, ...]:
        """Summed weights of the features of two tokens on one side of a word (cached: "<s> <s>",
        ", and", "said ." recur in any text, so most candidates cost two look-ups here)."""
        key = (a, b)
        vec = cache.get(key)
        if vec is None:
            vec = self._sum(features(a, b, self.lex))
            if len(cache) > 50_000:  # bounded, as _lexical
                cache.clear()
            cache[key] = vec
        return vec

    def _sum(self, features: list[str]) -> tuple[float, ...]:
        total = [0.0, 0.0, 0.0, 0.0]
        for feat in features:
            w = self._table.get(feat)
            if w is not None:
                total[0] += w[0]
                total[1] += w[1]
                total[2] += w[2]
                total[3] += w[3]
        return tuple(total)

    def _word_vector(self, word: str, start: bool) -> tuple[float, ...]:
        key = (word, start)
        vec = self._lexical.get(key)
        if vec is None:
            vec = self._sum(word_features(word, self.lex, start))
            if len(self._lexical) > 50_000:  # bounded: a stream of unique words cannot grow it
                self._lexical.clear()
            self._lexical[key] = vec
        return vec

    def _merge(self, text: str, tagged: list[tuple[int, int, str, float]]) -> list[tuple[str, int, int, float]]:
        nationality = self.lex.nationality
        common = self.lex.common
        out: list[tuple[str, int, int, float]] = []
        i = 0
        while i < len(tagged):
            s, e, lab, margin = tagged[i]
            j = i + 1
            while j < len(tagged):
                ns, ne, nlab, nmargin = tagged[j]
                gap = text[e:ns]
                if gap in (" ", "\t") and (nlab == lab or "PER" in (lab, nlab)):
                    # one name, even where its words disagree ("Kyle" read as a place)
                    lab = "PER" if "PER" in (lab, nlab) else lab
                    e, margin = ne, max(margin, nmargin)
                    j += 1
                    continue
                # "Ludwig van Beethoven", "Ravil G Yefimov": a particle or a bare initial
                # between two words of one name
                if lab == "PER" and nlab == "PER" and 2 < len(gap) < 12 and gap[0] == " " and gap[-1] == " ":
                    inner = gap.strip()
                    if all(p.lower() in _PARTICLES for p in inner.split()) or (len(inner) == 1 and inner.isupper()):
                        e, margin = ne, max(margin, nmargin)
                        j += 1
                        continue
                break
            if text[e - 1] == "." and e - s > 2:
                last = text[s:e].split()[-1]
                if len(last) > 3:
                    e -= 1
            if lab == "LOC" and text[s:e].lower() in nationality:
                i = j
                continue  # "English", "German": a language or a nationality, not a place
            words = text[s:e].split()
            if len(words) == 1 and len(words[0].rstrip(".")) == 1:
                i = j
                continue  # an initial alone ("B." opens an answer option), not a name
            if lab == "PER" and len(words) == 1 and (
                words[0].lower() in nationality or self._abstract_or_people(_unpossessed(words[0].rstrip(".")))
            ):
                i = j
                continue  # "Buddhist", "Celtic", "Marxism", "Bretons": a creed, a people or an idea
            if lab != "PER" and _role_before(text, s) and (
                _low(words[0]) in self.lex.first or _low(_unpossessed(words[0])) not in common
                or any(_low(w) in self.lex.first for w in words[1:])  # "tenant Kiss Dora": family name first
            ):
                lab = "PER"  # "tenant Charles Dickens", "customer Phuong Phan": a private person's role before a name
            if lab == "LOC" and len(words) == 1 and _low(words[0]) in self.lex.first:
                nm = _NEXT_WORD.match(text, e)  # "Georgia Papadopoulos": a given name that is a place, then a family name
                if nm is not None and nm.group(1)[:1].isupper() and (
                    self._plain_family_name(nm.group(1)) or self._unlisted(nm.group(1))
                ):
                    lab = "PER"
            if lab == "PER":
                # "Martin Weber": a family name that is also an English word, after a name
                nm = _NEXT_WORD.match(text, e)
                if nm is not None and nm.group(1)[:1].isupper():
                    nl = _low(_unpossessed(nm.group(1)))
                    if ((nl in self.lex.last or nl in self.lex.first) and nl not in _not_names()) or (
                        len(words[-1].rstrip(".")) == 1 and self._name_like(nm.group(1))
                    ) or (len(words) == 1 and self._surname_after_given(words[0], nm.group(1), nl)) or (
                        _low(words[-1]) in self.lex.first and self._unlisted(nm.group(1))
                    ):  # or a word no list knows after a given name: "Charles Krauthammer"
                        # or any name-like word after an initial: "Zbygniew K. Przeworczak"
                        e = nm.end()
                        words = text[s:e].split()
            w0 = _low(words[0])
            if lab == "LOC" and len(words) > 1 and (
                self._given_then_family(w0, words[-1])
                or (w0 in self.lex.first and (self._plain_family_name(words[-1]) or self._unlisted(words[-1])))
            ):
                lab = "PER"  # "from Harriet Olmstead's": a given name and a family name, not a place
            elif lab in ("LOC", "ORG") and len(words) == 1 and w0 in self.lex.first and (
                _person_object_before(text, s) or _appositive_person(text, s, e)
            ):
                lab = "PER"  # "ask Sydney to ...", "my flatmate Florence", "for Kenya, she ...": a person
            elif lab in ("LOC", "ORG") and w0 not in common and _my_relation_before(text, s):
                lab = "PER"  # "my neighbour Aoi", "my colleague Tunde": a person, whatever the name
            elif lab in ("LOC", "ORG") and len(words) == 1 and self._slot_word(words[0]) and _person_slot(text, s, e):
                lab = "PER"  # "Signed: Todao", "Jakab missed the deadline": a person, whatever the model read
            if lab == "PER" and len(words) == 1 and w0 in self.lex.place and w0 not in self.lex.first and (
                w0 not in self.lex.last and not text.endswith(_NAMING_WORDS, 0, s)
            ):
                lab = "LOC"  # "Ankara", "Asia": a place the lists know and no name list does
            if lab == "PER" and len(words) == 1 and w0 in self.lex.place and _word_before_is_place_word(text, s):
                lab = "LOC"  # "In Paris, she ...", "a week in Florence": a place after "in", "near", "visit"
            if lab == "PER" and words[0].rstrip(".").lower() in _PLACE_PREFIXES and len(words) > 1:
                lab = "LOC"  # "Santa Clara", "Saint Helena", "Lake Como"
            if lab == "PER" and _work_before(text, max(0, s - 12), s):
                i = j
                continue  # "the film Senza Pranzo", "the novel Azja Dziewczyna": a title of a work
            if lab == "PER" and len(words) > 1 and _unpossessed(words[-1]) in _ORG_HEAD:
                lab = "ORG"  # "Merrow Analytics": a name that ends in what a firm is
            if lab == "PER" and (am := _INSTITUTION_AFTER.match(text, e)) is not None:
                lab = "LOC" if am.group(1) in _GEO_NOUNS else "ORG"  # "Bennett Cloud", "Walker Bay"
            elif lab == "PER" and (pm := _word_before(text, max(0, s - 12), s)) is not None and (
                pm.group(1)[:1].isupper() and pm.group(1).rstrip(".").lower() in _PLACE_PREFIXES
            ):
                lab = "LOC"  # "Mount Reginald", "Lake Rossi": the prefix itself was not a candidate
            lows = [_low(w.rstrip(".")) for w in words]
            if lab == "PER" and self._in_title_run(text, s, e) and not all(
                w in self.lex.first or w in self.lex.last for w in lows
            ):
                i = j
                continue  # "Have you read Aliquam Saepe Tempora?": a title of a work, not a name
            if len(words) > 1 and all(w in common for w in lows) and not all(
                w in self.lex.first or w in self.lex.last for w in lows
            ):
                i = j
                continue  # "General Public Licenses": a title in Title Case ("Martin Weber" stays)
            if lab == "PER" and len(words) > 1 and _unpossessed(words[-1]) in _EPONYM_NOUN:
                i = j
                continue  # "Monroe Doctrine", "Marshall Plan": named after a person, not the person
            out.append((_TYPE_OF[lab], s, e, min(0.95, 0.5 + margin / 10)))
            i = j
        # a list that holds a person holds people: "Eklund, Michael and Hodge"
        for k in range(1, len(out)):
            kind, s, e, conf = out[k]
            prev_kind, _, prev_end, _ = out[k - 1]
            if (
                kind != "PERSON"
                and prev_kind == "PERSON"
                and _LIST_GAP.fullmatch(text, prev_end, s)
                and _low(text[s:e]) not in self.lex.place
                and " " not in text[s:e]
            ):
                out[k] = ("PERSON", s, e, conf)
        if len(out) > 1:
            out = self._place_lists(text, out)
        if out:
            out = self._list_neighbours(text, out)
        if len(out) > 2:
            out = _firm_lists(text, out)
        return out

    def _place_lists(self, text: str, out: list[tuple[str, int, int, float]]) -> list[tuple[str, int, int, float]]:
        """A single word in a list with a place ("Flights from Lyon, Nice and Paris", "Kyoto or
        Adelaide"): a place too, though it is also a given name. (The place next to it must be
        one the place lists hold, not only one the model read as a place.)"""
        lex = self.lex
        changed = True
        while changed:  # "Porto, Hanoi and Adelaide": a list is walked until nothing changes
            changed = False
            for k, (kind, s, e, conf) in enumerate(out):
                if kind != "PERSON" or " " in text[s:e]:
                    continue
                for j, gap in ((k - 1, (out[k - 1][2], s) if k else None), (k + 1, (e, out[k + 1][1]) if k + 1 < len(out) else None)):
                    if gap is None or out[j][0] != "LOCATION":
                        continue
                    near = _low(text[out[j][1] : out[j][2]])
                    if (near in lex.place or near in lex.country) and _PLACE_LIST_GAP.fullmatch(text, *gap):
                        out[k] = ("LOCATION", s, e, conf)
                        changed = True
                        break
        return out

    def _list_neighbours(
        self, text: str, out: list[tuple[str, int, int, float]]
    ) -> list[tuple[str, int, int, float]]:
        """"Thompson and Baker", "Baker, Thompson": a family name listed next to a person is one
        too, even one that is also an English word (so it was no candidate of its own)."""
        added: list[tuple[str, int, int, float]] = []
        taken = {(s, e) for _, s, e, _ in out}
        for kind, s, e, conf in out:
            if kind != "PERSON":
                continue
            m = _LIST_NEXT.match(text, e)
            if m is not None and self._listed_surname(m.group(1)):
                added.append(("PERSON", m.start(1), m.end(1), conf))
            if s > 4:
                b = _LIST_PREV.search(text, max(0, s - 24), s)
                if b is not None and self._listed_surname(b.group(1)) and not _starts_sentence(text, b.start(1)):
                    added.append(("PERSON", b.start(1), b.end(1), conf))
        added = [f for f in added if (f[1], f[2]) not in taken and not any(o[1] < f[2] and f[1] < o[2] for o in out)]
        return sorted({*out, *added}, key=lambda f: f[1]) if added else out

    def _family_name(self, word: str) -> bool:
        """A family name of the lists, also one a famous person bears ("Thatcher", "King"): the
        subject of "thinks", the object of "disagree with" is a person, whom the policy
        (detect/pii_policy.py) takes for the famous one only in a frame that asks about them."""
        if self._listed_surname(word):
            return True
        low = _low(_unpossessed(word))
        lex = self.lex
        return low in lex.public and low in lex.last and low not in lex.place and low not in lex.country and (
            low not in _not_names() or low in _PAIR_SURNAMES_ALSO)

    def _listed_surname(self, word: str) -> bool:
        low = _low(_unpossessed(word))
        lex = self.lex
        return low in lex.last and low not in lex.place and low not in lex.country and low not in _not_names() and (
            low not in lex.nationality and low not in lex.public and low not in lex.titles)

    def _surname_pair(self, text: str, s: int, e: int) -> bool:
        """``text[s:e]`` is one of two family names joined by "and" that are the subject of a
        verb ("Marsh and Price will share the office", "Baker and Cooper agreed"): two words
        of the family-name lists side by side do something only as people."""
        if text.startswith(" and ", e):
            m = _PAIR_NEXT.match(text, e)
            if m is None:
                return False
            other, first, verb_at = m.group(1), s, m.end(1)
        elif s > 6 and text.endswith(" and ", 0, s):
            b = _PAIR_PREV.search(text, max(0, s - 24), s)
            if b is None:
                return False
            other, first, verb_at = b.group(1), b.start(1), e
        else:
            return False
        if _PAIR_VERB.match(text, verb_at) is None and _PAIR_QUESTION.search(text, max(0, first - 8), first) is None:
            return False  # neither "... will share", nor "Can Walker and Cooper ...?"
        this, that = self._pair_name(text[s:e]), self._pair_name(other)
        return this > 0 and that > 0 and this + that >= 3  # both names, one of them a listed family name

    def _pair_name(self, word: str) -> int:
        """2: a family name of the lists (also a public figure's: "King"); 1: a given name only
        ("Brook"); 0: neither, or a place, a people or a word never a name."""
        low = _low(_unpossessed(word))
        lex = self.lex
        if low in lex.place or low in lex.country or low in lex.nationality or (
            low in _not_names() and low not in _PAIR_SURNAMES_ALSO
        ):
            return 0
        return 2 if low in lex.last else 1 if low in lex.first else 0

    def _plain_family_name(self, word: str) -> bool:
        """A family name of the lists that is no place, country, people or English word
        ("Matsumoto", "Papadopoulos"): after a given name it makes a person, even when the given
        name is also a place ("Aoi", "Georgia")."""
        low = _low(_unpossessed(word))
        lex = self.lex
        return low in lex.last and low not in lex.place and low not in lex.country and low not in lex.common and (
            low not in lex.nationality and low not in _not_names())

    def _given_then_family(self, first: str, last_word: str) -> bool:
        lex = self.lex
        last = _low(_unpossessed(last_word))
        return (
            first in lex.first
            and first not in lex.place
            and first not in lex.country
            and last not in lex.place
            and (last in lex.last or self._unlisted(last_word))
        )

    def _abstract_or_people(self, word: str) -> bool:
        """A word no name list knows that ends as abstract nouns do ("Irredentism",
        "Complementarity") or is the plural of a people ("Mongols", "Tamils": the singular is
        a nationality, or a capitalised word ending in "s" right after "The")."""
        low = _low(word)
        lex = self.lex
        if low in lex.first or low in lex.last:
            return False
        if low.endswith(_ABSTRACT_ENDINGS) and len(low) > 6:
            return True
        return low.endswith("s") and (low[:-1] in lex.nationality or low[:-2] in lex.nationality)

    def _surname_after_given(self, given: str, word: str, low: str) -> bool:
        """"Marie Curie", "Ada Lovelace's": a capitalised word in lower case after a lone given
        name is its family name, even one that is also an English word ("curie", a unit), unless
        it names a place, a people, a street or a thing ("Maria Street", "Anna Python")."""
        lex = self.lex
        return (
            _low(given.rstrip(".")) in lex.first
            and word[1:].islower()
            and low in lex.common
            and len(low) > 2
            and low not in lex.place
            and low not in lex.country
            and low not in lex.nationality
            and low not in lex.titles
            and low not in _not_names()
            and word not in _STREET_WORDS
            and _unpossessed(word) not in _INSTITUTION_WORDS
        )

    def _firms(self, text: str, out: list[tuple[str, int, int, float]]) -> list[tuple[str, int, int, float]]:
        """A family name before "and Sons" or "Brothers" names a firm ("Okafor and Sons",
        "Lindqvist Brothers"). (Three family names in a list, "Barnett, Melton and Garcia", stay
        people: in labelled data such lists name people four times as often as firms.)"""
        for k, (kind, s, e, conf) in enumerate(out):
            m = _FIRM_AFTER.match(text, e)
            if m is not None and kind != "ORGANIZATION":
                out[k] = ("ORGANIZATION", s, m.end(), conf)
        return out


# British spellings of common words the English list holds in US spelling only: a word that is
# "summarise" or "colour" is no more a name than "summarize" (an imperative at a prompt's start
# would otherwise read as a given name before the capitalised word that follows it)
_UK_ENDINGS = (("isation", "ization"), ("ising", "izing"), ("ised", "ized"), ("ise", "ize"),
               ("ysing", "yzing"), ("ysed", "yzed"), ("yse", "yze"), ("our", "or"), ("tre", "ter"),
               ("ogue", "og"), ("lled", "led"), ("lling", "ling"))  # fmt: skip


def _us_spelling(low: str) -> str:
    for uk, us in _UK_ENDINGS:
        if low.endswith(uk):
            return low[: -len(uk)] + us
    return low


# Japanese and Korean addresses written in Latin letters: block numbers, then a district, a ward
# or city ("-ku", "-shi", "-gu") and a prefecture or city: "3-14-2 Hikarigaoka, Nerima-ku, Tokyo",
# "27 Sinchon-ro 12-gil, Mapo-gu, Seoul", "45 Teheran-ro, Gangnam-gu, Seoul", "736-1 Yeoksam-dong,
# Gangnam-gu". The street-address rules of detect/pii.py look for a street word or a number before
# a street's name; these have neither.
# Each such address holds block numbers ("3-14-2": "0-0" in the text's shape), a numbered road
# ("12-gil": "0-lll") or a Korean district and a comma ("-gu,"; the shape's "-ll, U" would cover
# "-si," too, but a search for it costs 3x a search of the text for "-gu,": Korean cities' "-si"
# without a numbered road are missed).
_WARD_MARKS = ("-ku", "-shi", "-cho", "-machi", "-mura", "-gu", "-si")
# any of them, in one pass led by the literal "-" (seven substring searches cost ~9x as much)
_WARD_MARK = re.compile("-(?:" + "|".join(m[1:] for m in _WARD_MARKS) + ")")
_EAST_ASIAN_ADDRESS = re.compile(
    # Starts with the first digit, its left edge checked after it: a pattern led by a digit is
    # scanned in C from digit to digit, one led by a look-behind tries every position (3x slower).
    r"\d(?<![\w-]\d)(?:"
    # Japan: chome-banchi-go, a district, a ward / city / town, then a prefecture or city and a postcode
    r"\d{0,3}(?:-\d{1,4}){1,2},?[ \t]+(?:[A-Z][a-zōū]+[ \t]+)?[A-Z][a-zōū]+(?:[ \t-]\d{1,2}(?:-chome)?)?,[ \t]+"
    r"[A-Z][a-zōū]+-(?:ku|shi|cho|machi|gun|mura)"
    # Korea: a number and a road ("-ro", "-gil", "-daero"), then a district ("-gu", "-si", "-gun")
    r"|\d{0,3}(?:-\d{1,4})?[ \t]+[A-Z][a-z]+-(?:ro|gil|daero|dong|ri)(?:[ \t]+\d{1,4}(?:beon)?-gil)?,[ \t]+"
    r"[A-Z][a-z]+-(?:gu|si|gun)"
    r")(?:,[ \t]+[A-Z][a-zōū]+(?:-(?:to|fu|ken|do|si))?)?(?:,?[ \t]+(?:\d{3}-?\d{3,4}|\d{5}))?(?![\w-])"
)


def _east_asian_addresses(text: str, found: list[tuple[str, int, int, float]]) -> list[tuple[str, int, int, float]]:
    spans = [m.span() for m in _EAST_ASIAN_ADDRESS.finditer(text)]
    if not spans:
        return found
    kept = [f for f in found if not any(s < f[2] and f[1] < e for s, e in spans)]
    return sorted(kept + [("STREET_ADDRESS", s, e, 0.7) for s, e in spans], key=lambda f: f[1])


# Addresses led by a word that is among the text's capitalised words (so a text without one
# costs one set test): a Brazilian or Portuguese street and its number after a comma ("Rua Bela
# Cintra, 76, apto 55, Curitiba - PR, 42345-710"), a plot, flat or house number before a street
# (Nigerian and Indian: "Plot 28, Adeola Odeku Street, Ikoyi, Lagos", "Flat 2C, 229 Anna Salai,
# Indiranagar, Bengaluru 483718", "No. 15, Awolowo Road"), and Indian roads ("12, MG Road",
# "45/2 Gandhi Marg"). detect/pii.py's rules want the number right after the street's name or
# right before a street word, with no comma between.
_ACAP = r"[A-Z][a-zà-ÿ]+(?:[-'’][A-Za-zà-ÿ]+)*"
_AWORD = rf"(?:{_ACAP}|[A-Z]{{2,3}}|[A-Z]\.|d[aeo]s?|de|del|di)"
_ROAD_WORDS = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Close|Crescent|Way|Drive|Lane|Estate|Marg|Salai|Nagar|Layout"
    r"|Cross|Main|Highway|Expressway|Boulevard|Square|Circle|Extension)\.?"
)
# (the places after the street: up to three ", Place" parts; those that open with a given name
# are cut off again by _without_names: ", Anna Lee called" after an address is a person)
_ADDRESS_TAIL = (
    rf"(?:,[ \t]+(?:{_ACAP}|[A-Z]\.)(?:[ \t]+(?:{_ACAP}|[A-Z]\.|d[aeo]s?)){{0,3}}(?:[ \t]+[-–/][ \t]+[A-Z]{{2}})?){{0,3}}"
    r"(?:,?[ \t]+(?:\d{5}-\d{3}|\d{6}|\d{3}[ \t]\d{3}|\d{5})|[ \t]+[-–][ \t]+\d{6})?(?![\w-])"
)
_HEADED_ADDRESS = re.compile(
    # "Rua Bela Cintra, 76, apto 55": a street prefix, its name, a comma and the number
    rf"(?:Rua|Avenida|Av\.|Alameda|Travessa|Rodovia|Estrada|Praça|Largo)[ \t]+(?:{_AWORD}[ \t]+){{0,4}}{_ACAP},[ \t]+"
    r"\d{1,5}[A-Za-z]?(?:,?[ \t]+(?:apto|apt|ap|sala|casa|bloco|conj|loja|lote)\.?[ \t]+\d{1,5}[A-Za-z]?)?"
    # "Plot 28, Adeola Odeku Street", "Flat 2C, 229 Anna Salai": a unit, maybe a house number, a road
    rf"|(?:Plot|Flat|House|Block|No\.?|Door[ \t]+No\.?|H\.[ \t]?No\.?)[ \t]*\d{{1,5}}[A-Za-z]?(?:[-/]\d{{1,4}})?,?[ \t]+"
    rf"(?:\d{{1,5}}[A-Za-z]?(?:/\d{{1,4}})?,?[ \t]+)?(?:{_AWORD}[ \t]+){{0,3}}{_ROAD_WORDS}"
)
# "12, MG Road", "41/2, Mahatma Gandhi Road", "45/2 Tilak Nagar": a house number, a slash or a
# comma, then a road (led by its first digit, its left edge checked after it: see
# _EAST_ASIAN_ADDRESS; searched only where one of the road words is among the capitalised words)
_NUMBERED_ROAD = re.compile(
    rf"\d(?<![\w./-]\d)\d{{0,3}}[A-Za-z]?(?:/\d{{1,4}},?|,)[ \t]+(?:{_AWORD}[ \t]+){{1,3}}"
    rf"(?:Road|Street|Lane|Marg|Salai|Nagar|Layout|Cross|Main)(?![\w-]){_ADDRESS_TAIL}"
)
_NUMBERED_ROAD_HEADS = frozenset(["Road", "Street", "Marg", "Salai", "Nagar", "Layout"])  # (not "Main", frequent in prose)
_ADDRESS_HEADS = frozenset(["Rua", "Avenida", "Av", "Alameda", "Travessa", "Rodovia", "Estrada", "Praça", "Largo",
                            "Plot", "Flat", "House", "Block", "No", "Door", "H"])  # fmt: skip
_HEADED_ADDRESS_TAILED = re.compile(rf"(?:{_HEADED_ADDRESS.pattern}){_ADDRESS_TAIL}")


def _starts_of(words: list[str], spans: list[tuple[int, int]], wanted: frozenset[str]) -> list[int]:
    """Where the capitalised words of ``wanted`` start (selected in C, as in _candidates)."""
    return [s for s, _ in compress(spans, map(wanted.__contains__, words))]


def _without_names(text: str, s: int, e: int, persons: dict[int, int]) -> tuple[int, int]:
    """The address ``text[s:e]`` less the ", Place" parts at its end that open with a person of
    two words or more the tagger found (``persons``: start -> end) or with a given name and no
    place ("..., Ikoyi, Lagos, Anna Okafor": Anna Okafor is a person; a lone "Lagos" the tagger
    took for a person is still a place here)."""
    lex = lexicon()
    while (comma := text.rfind(", ", s, e)) > s:
        at = comma + 2
        low = _low(text[at:e].split(" ", 1)[0])
        named = at in persons and " " in text[at : persons[at]]
        if not named and not (low in lex.first and low not in lex.place and low not in lex.common):
            break
        e = comma
    return s, e


def _headed_addresses(
    text: str, found: list[tuple[str, int, int, float]], starts: list[int] | None
) -> list[tuple[str, int, int, float]]:
    """The addresses that start at ``starts`` (a head word's positions), or, when None, the
    numbered roads anywhere in the text."""
    if starts is None:
        matches = list(_NUMBERED_ROAD.finditer(text))
    else:
        matches = [m for s in starts if (m := _HEADED_ADDRESS_TAILED.match(text, s)) is not None]
    if not matches:
        return found
    persons = {f[1]: f[2] for f in found if f[0] == "PERSON"}
    spans = [_without_names(text, m.start(), m.end(), persons) for m in matches]
    for f in found:  # an address found already ("Plot 28, 12 Main Road"): one address, the union
        if f[0] == "STREET_ADDRESS" and any(s < f[2] and f[1] < e for s, e in spans):
            spans = [(min(s, f[1]), max(e, f[2])) if s < f[2] and f[1] < e else (s, e) for s, e in spans]
    kept = [f for f in found if not any(s < f[2] and f[1] < e for s, e in spans)]
    return sorted(kept + [("STREET_ADDRESS", s, e, 0.6) for s, e in spans], key=lambda f: f[1])


# a title before a capitalised word that is also an English word ("Mr. Sun", "Mrs. Do", "Dr
# Young"): the word is never a candidate of its own (it is common), but after a title it is a
# family name
_TITLE_HEADS = frozenset(["Mr", "Mrs", "Ms", "Mx", "Dr", "Prof"])
_TITLED_WORD = re.compile(r"(?:Mrs|Mr|Ms|Mx|Dr|Prof)\.?[ \t]+([A-Z][A-Za-z]*[a-z](?:['’-][A-Z]?[a-z]+)?)(?![\w'’-])")


def _titled_words(
    text: str, found: list[tuple[str, int, int, float]], starts: list[int]
) -> list[tuple[str, int, int, float]]:
    added = []
    for at in starts:
        if at and text[at - 1] == ".":
            continue
        m = _TITLED_WORD.match(text, at)
        if m is None:
            continue
        s, e = m.span(1)
        if _low(m.group(1)) in _not_names() or any(f[1] < e and s < f[2] for f in found):
            continue  # "Dr. Who"; or found already ("Mrs. Labrie")
        added.append(("PERSON", s, e, 0.6))
    return sorted(found + added, key=lambda f: f[1]) if added else found


# "USS Lorenzen", "USNS Møller": a ship (a military postal address), named after a person
_SHIP_PREFIXES = frozenset(["USS", "USNS", "USNV", "USCGC", "HMS", "HMCS", "HMAS", "RMS"])
_SHIP_BEFORE = re.compile(r"(?<![\w])(?:USS|USNS|USNV|USCGC|HMS|HMCS|HMAS|RMS)[ \t]+\Z")


def _ships(text: str, found: list[tuple[str, int, int, float]]) -> list[tuple[str, int, int, float]]:
    out = []
    for kind, s, e, conf in found:
        words = text[s:e].split()
        if words[0] in _SHIP_PREFIXES or _SHIP_BEFORE.search(text, max(0, s - 8), s) is not None:
            kind = "LOCATION"  # part of the address; a ship's name is not a person's
        out.append((kind, s, e, conf))
    return out


# a line that is nothing but "Barnett, Melton and Garcia" (after quoting marks): a letterhead's firm
_FIRM_LINE = re.compile(
    r"[^\w\n]*([^\W\d_][\w'’-]+(?:,[ \t]*[^\W\d_][\w'’-]+)+,?[ \t]+(?:and|&)[ \t]+[^\W\d_][\w'’-]+)[ \t\r]*"
)


def _letterhead_firms(text: str, found: list[tuple[str, int, int, float]]) -> list[tuple[str, int, int, float]]:
    """Three or more family names alone on a line of a letter or an address block name a firm
    (a law or accounting partnership), not people: in running text the same list is people.
    (Only the lines that hold a person are looked at.)"""
    firms: list[tuple[int, int]] = []
    last_line = -1
    for kind, s, _, _ in found:
        if kind != "PERSON" or s < last_line:
            continue
        line = text.rfind("\n", 0, s) + 1
        end = text.find("\n", s)
        last_line = end = len(text) if end < 0 else end
        if end - line < 80 and (m := _FIRM_LINE.fullmatch(text, line, end)) is not None:
            firms.append(m.span(1))
    if not firms:
        return found
    out = [f for f in found if not any(s < f[2] and f[1] < e for s, e in firms)]
    out += [("ORGANIZATION", s, e, 0.8) for s, e in firms]
    return sorted(out, key=lambda f: f[1])


def _firm_lists(text: str, out: list[tuple[str, int, int, float]]) -> list[tuple[str, int, int, float]]:
    """"joined Brandt, Okafor and Lisle": three single words or more in a list whose first is read
    as an organisation (from its context: "work at", "joined") name one firm, not a firm and two
    people (a list of people would not open with a firm's name)."""
    merged: list[tuple[str, int, int, float]] = []
    i = 0
    while i < len(out):
        j = i + 1
        while (
            j < len(out)
            and " " not in text[out[j][1] : out[j][2]]
            and _LIST_GAP.fullmatch(text, out[j - 1][2], out[j][1])
        ):
            j += 1
        kind, s, e, conf = out[i]
        if kind == "ORGANIZATION" and j - i >= 3 and " " not in text[s:e] and " and " in text[out[j - 2][2] : out[j - 1][1]]:
            merged.append(("ORGANIZATION", s, out[j - 1][2], conf))
        else:
            merged.extend(out[i:j])
        i = j
    return merged


def _cue_for_name(text: str, s: int, e: int) -> bool:
    """Does the form of the sentence say that ``text[s:e]`` is a name? After "name is" or
    "call me"; speaking a line ("Alice: ..."); greeted ("Hi Victor,"); addressed after a comma
    at a question's or an exclamation's end ("Remember me, Maria?")."""
    if text.endswith(_NAMING_WORDS, 0, s):
        return True
    if e >= len(text):
        return False
    after = text[e]
    return (
        (after == ":" and (s == 0 or text[s - 1] == "\n"))
        or (after in "?!" and text.endswith(", ", 0, s))
        or (after in ",!" and _GREETING_BEFORE.search(text, max(0, s - 12), s) is not None)
    )


def _starts_sentence(text: str, pos: int) -> bool:
    j = pos
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    return j == 0 or text[j - 1] in ".!?:;\n\"“”>("


def _unpossessed(word: str) -> str:
    return word[:-2] if word.endswith(("'s", "’s")) else word


def _low(word: str) -> str:
    """Lower case as the word lists are ("İstanbul" -> "istanbul", not "i̇stanbul")."""
    return word.lower().replace("i\u0307", "i")


def _lower_limit(shape: bytes) -> int:
    return 2 + len(shape) // 400


def _typed_lower(shape: bytes) -> bool:
    """Was this text typed without capitals ("hi im olga from berlin")? At most a few. (Each
    capitalised word holds a capital: a caller that has counted more words than the limit
    need not count the capitals.)"""
    return shape.count(b"U") <= _lower_limit(shape)


def _surroundings(
    text: str, s: int, e: int, cand_starts: set[int], lower: bool
) -> tuple[str, bool, str, str, str, str]:
    """The word at ``text[s:e]``, whether it starts a sentence, and two tokens each side.

    A word that opens a sentence or a line reads as a text's first ("<s>" before it), as in the
    training sentences: what ended the sentence before says nothing of this word (red9g:
    "Fenella Achterberg from accounting has HIV" was a PERSON alone and a place after
    "Summarise the notes above in two sentences.", so a tool result hid it). Only the opening
    word: bounding every word's neighbours by its line and sentence cost 2-6 points of public
    rating on MMLU prose (answer options are lines of their own)."""
    if cand_starts:  # typed in lower case: tokens at candidates' starts read as capitalised
        before = _context_tokens(text, max(0, s - _CONTEXT), s, cand_starts)[-2:]
        after = _context_tokens(text, e, e + _CONTEXT, cand_starts)[:2]
    else:
        lo = max(0, s - _CONTEXT)
        before, after = _tokens_before(text, s, lo), _tokens_after(text, e, e + _CONTEXT)
    word = text[s:e]
    if lower:
        word = word[:1].upper() + word[1:]
    j = s
    while j > 0 and text[j - 1] in " \t\r\n":
        j -= 1
    newline = "\n" in text[j:s]
    start = not before or before[-1] in _BREAK or newline or j == 0
    if before and (newline or before[-1] in _FULL_STOPS):
        before = []
    prev2, prev = ["<s>", "<s>", *before][-2:]
    nxt, nxt2 = [*after, "</s>", "</s>"][:2]
    return word, start, prev2, prev, nxt, nxt2


# A token never holds white space, so the tokens of a window are those of its white-space
# separated chunks, each cut on its own: the last two tokens of ``text[s - _CONTEXT : s]`` come
# from its last chunk or two. Chunks ("the", "Dr.", "said,") recur in any text: their tokens
# are cached.
_CHUNKS: dict[str, tuple[str, ...]] = {}


def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    toks = _CHUNKS.get(chunk)
    if toks is None:
        out: list[str] = []
        for w in _TOKEN.findall(chunk):
            if w[-1] == "." and len(w) > 4 and not w.isupper():
                out.append(w[:-1])
                out.append(".")
            else:
                out.append(w)
        toks = tuple(out)
        if len(_CHUNKS) > 50_000:  # bounded
            _CHUNKS.clear()
        _CHUNKS[chunk] = toks
    return toks


def _tokens_before(text: str, s: int, lo: int) -> list[str]:
    """The last two of ``_context_tokens(text, lo, s, set())``."""
    out: tuple[str, ...] = ()
    for chunk in reversed(text[lo:s].split()):
        out = _chunk_tokens(chunk) + out
        if len(out) >= 2:
            break
    return list(out[-2:])


def _tokens_after(text: str, e: int, hi: int) -> list[str]:
    """The first two of ``_context_tokens(text, e, hi, set())``."""
    out: tuple[str, ...] = ()
    for chunk in text[e:hi].split():
        out += _chunk_tokens(chunk)
        if len(out) >= 2:
            break
    return list(out[:2])


def _context_tokens(text: str, lo: int, hi: int, capitalise: set[int]) -> list[str]:
    """Tokens of ``text[lo:hi]`` as :func:`tokenize` cuts them (strings only)."""
    if capitalise:
        words = []
        for m in _TOKEN.finditer(text, lo, hi):
            w = m.group()
            words.append(w[:1].upper() + w[1:] if m.start() in capitalise else w)
    else:
        words = _TOKEN.findall(text, lo, hi)
    if text.find(".", lo, hi) < 0:  # a dot in the window always ends a token (see _TOKEN)
        return words
    out = []
    for w in words:
        if w[-1] == "." and len(w) > 4 and not w.isupper():
            out.append(w[:-1])
            out.append(".")
        else:
            out.append(w)
    return out


# the capitalised word that ends a firm's name ("Okafor and Sons", "Lindqvist Bros."): a text
# without one of them among its capitalised words holds no such firm
_FIRM_WORDS = frozenset(["Sons", "Brothers", "Bros"])
_FIRM_AFTER = re.compile(r"[ \t]+(?:(?:and|&)[ \t]+Sons|Brothers|Bros\.?)(?![\w])")
_PLACE_PREFIXES_TEXT = """san santa santo são sao saint st lake mount mt fort port cape los las el
    new north south east west upper lower great little bad"""
_PLACE_PREFIXES = frozenset(_PLACE_PREFIXES_TEXT.split())
# "the film X", "the novel X": what follows is the title of a work
_WORK_BEFORE = re.compile(
    r"(?<![\w])(?:film|movie|novel|song|album|book|series|sitcom|play|poem|painting|opera|single|game)[ \t]\Z"
)
# "Bennett Cloud", "Palumbo Foundation", "Walker Bay": a name that names an institution or a place
_GEO_NOUNS = frozenset(["Island", "Islands", "Bay", "Valley", "River", "Creek", "Falls", "Peak", "Glacier", "Canyon", "Beach", "Harbour", "Harbor"])
# the words of _INSTITUTION_AFTER that name a firm or an institution (not a place)
_ORG_HEAD_TEXT = """Lab Labs Foundation Studio Studios Museum Institute University College Hospital Group Bank Airline
    Airlines Motors Pharma Systems Technologies Media Records Publishing Capital Partners Holdings Industries
    Solutions Services Analytics Consulting Ventures Associates Logistics Software Research Network Networks
    Enterprises Agency Company Corporation Incorporated Insurance Financial Robotics Dynamics Digital
    Interactive Brands Foods Energy Resources Therapeutics Biosciences"""
_ORG_HEAD = frozenset(_ORG_HEAD_TEXT.split())
_INSTITUTION_WORDS = _ORG_HEAD | _GEO_NOUNS | {"Cloud", "Hotel", "Stadium", "Gallery", "Theatre", "Theater"}
_INSTITUTION_AFTER = re.compile(
    r"[ \t]+(" + "|".join(sorted(_INSTITUTION_WORDS, key=len, reverse=True)) + r")(?![\w])"
)
_OPTION_LETTERS = frozenset("ABCDEF")


def _has_options(text: str) -> bool:
    """Does ``text`` hold answer options ("A. Rostow B. Ravenstein C. ...", "A) ... B) ...")?
    Their letters are no initials. (Two literal finds: a pattern with ``.*?`` between the
    letters would rescan the text from every "A".)"""
    for sep in (". ", ") "):
        a = _letter_at(text, "A" + sep, 0)
        if a >= 0 and _letter_at(text, "B" + sep, a) >= 0:
            return True
    return False


def _letter_at(text: str, mark: str, start: int) -> int:
    i = text.find(mark, start)
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] == "."):
        i = text.find(mark, i + 1)
    return i
# the endings of abstract nouns and doctrines, never of a name
_ABSTRACT_ENDINGS = ("ism", "isms", "ity", "ities", "ness", "tion", "tions", "sion", "ology", "ologies", "ist", "ists",
                     "ians", "eans", "ites")  # (the last: peoples and followers, "Manichaeans", "Hittites")
# "Monroe Doctrine", "Marshall Plan", "Clinton Administration": named after a person (not "Law",
# "Constant", "Test", "Era", "Act": family names too, "Jude Law")
_EPONYM_NOUN_TEXT = """Doctrine Plan Administration Amendment Theory Theorem Effect Principle Paradox Prize Award Medal
    Syndrome Disease Equation Equations Hypothesis Conjecture"""
_EPONYM_NOUN = frozenset(_EPONYM_NOUN_TEXT.split())
# words after which a capitalised word is a name, and greetings before a given name
_NAMING_WORDS = ("name is ", "name's ", "call me ", "calls me ")  # (not "called": "a project called Atlas")
_GREETING_BEFORE = re.compile(r"(?<![\w])(?:[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear|[Tt]hanks|[Tt]hank[ \t]you|[Mm]orning)[ \t]+\Z")
# the capitalised word after a list's separator, and the one before it
_LIST_NEXT = re.compile(r"(?:,[ \t]*|[ \t]+and[ \t]+|,[ \t]+and[ \t]+)([A-Z][a-z]+(?:['’]s)?)(?![\w'’-])")
_LIST_PREV = re.compile(r"(?<![\w'’-])([A-Z][a-z]+)(?:,[ \t]*|[ \t]+and[ \t]+|,[ \t]+and[ \t]+)\Z")  # ("&": a firm)
_NAME_GAP = re.compile(r" (?:[A-Z]\.? |(?:[a-z]{2,3} ){1,2})")  # an initial, or one or two particles
# a text that speaks of someone as he or she, and verbs whose subject is a person
_PRONOUN = re.compile(r"(?<![\w])(?:[Hh]e|[Ss]he|[Hh]im|[Hh]is|[Hh]er|[Hh]ers|[Hh]imself|[Hh]erself)(?![\w])")
_PERSON_VERBS = (
    r"(?:is|was)[ \t]+(?:very[ \t]+)?(?:reliable|kind|friendly|honest|married|born|admitted|discharged|diagnosed"
    r"|hospitali[sz]ed|hired|fired|promoted|a[ \t]+(?:good|great|nice)"
    r"[ \t]+(?:man|woman|guy|girl|boy|friend|person))|shouted|whispered|began[ \t]+(?:writing|studying)"
    r"|feels|felt|smiled|laughed|cried|graduated|will[ \t]+be[ \t]+(?:talking|speaking)"
    # acts of speech, thought and office work: their subject is a person ("Walker began the audit")
    r"|said|says|asked|asks|told|tells|thinks|believes|agreed|agrees|disagreed|disagrees|replied|wrote|emailed"
    r"|phoned|texted|began|started|finished|joined|signed|approved|suggested|mentioned|promised|explained"
    r"|complained|noticed|decided|insisted|apologi[sz]ed|confirmed|resigned|retired|wants|wanted|prefers"
)
_PERSON_VERB = re.compile(r"[ \t]+(?:" + _PERSON_VERBS + r")(?![\w])")
_NEXT_LINE_DIGIT = re.compile(r"[ \t]*\r?\n(?:[ \t>]*\r?\n)?[ \t>]*\d")  # the next non-empty line opens with a number
# before a given name: a verb whose object is a person, or "my" and a relation ("my flatmate Sydney")
_OBJECT_VERBS = frozenset(["ask", "tell", "remind", "email", "e-mail", "text", "invite", "thank", "message", "ping", "meet", "met", "congratulate", "introduce", "feedback",
                           # the same verbs in the past, and others whose object is a person
                           "asked", "told", "reminded", "emailed", "texted", "invited", "thanked", "messaged", "pinged",
                           "introduced", "congratulated", "interviewed", "hired", "notify", "notified", "inform",
                           "informed", "cc", "contact", "contacted", "phone", "phoned", "pay", "paid",
                           "meeting", "let"])  # fmt: skip
_TALK_VERBS = frozenset(["agree", "disagree", "spoke", "speak", "talk", "talked",
                         # "a call with ...", "the interview with ...", "my thanks to ..."
                         "call", "meeting", "interview", "chat", "lunch", "dinner", "coffee", "appointment",
                         "thanks", "regards", "apologies", "condolences", "congratulations"])  # fmt: skip
_RELATIONS = frozenset(["friend", "sister", "brother", "wife", "husband", "colleague", "boss", "neighbour", "neighbor", "son", "daughter", "mum", "mom", "dad", "cousin", "partner", "flatmate", "roommate", "coworker", "co-worker", "niece", "nephew", "aunt", "uncle", "grandson", "granddaughter", "girlfriend", "boyfriend"])


_ROLE_WORDS = frozenset(["tenant", "patient", "client", "employee", "applicant", "customer", "resident", "passenger",
                         "subscriber", "policyholder", "claimant", "intern", "contractor", "beneficiary", "student",
                         "member", "guest", "volunteer", "candidate", "holder", "cardholder"])  # fmt: skip


def _role_before(text: str, s: int) -> bool:
    """Is the word before ``text[s:]`` a private person's role ("tenant", "patient"), also
    with a title between ("volunteer Queen Victoria", "tenant Mrs. Okafor")?"""
    if s < 3 or text[s - 1] != " ":
        return False
    a = text.rfind(" ", max(0, s - 16), s - 1)
    word = text[a + 1 : s - 1].lower()
    if word in _ROLE_WORDS:
        return True
    if a > 2 and word.rstrip(".") in _ROLE_TITLES:
        b = text.rfind(" ", max(0, a - 16), a)
        return text[b + 1 : a].lower() in _ROLE_WORDS
    return False


def _role_before_given(text: str, s: int) -> bool:
    """A role, then one capitalised word (a given name), before ``text[s:]``: "tenant Mahatma"."""
    if s < 3 or text[s - 1] != " ":
        return False
    a = text.rfind(" ", max(0, s - 20), s - 1)
    return a > 2 and text[a + 1].isupper() and text[a + 2 : s - 1].isalpha() and _role_before(text, a + 1)


_NAME_SUFFIXES = frozenset(["jr", "sr", "jnr", "snr"])  # "Romaek Memaberg Jr.": part of a name, not of a title
_ROLE_TITLES = frozenset(["mr", "mrs", "ms", "mx", "miss", "dr", "prof", "sir", "dame", "lady", "lord", "queen", "king"])


# two family names joined by "and", then what people do: a modal or a verb of _PERSON_VERB
_PAIR_NEXT = re.compile(r" and ([A-Z][a-z]+)(?![\w'’-])")
_PAIR_PREV = re.compile(r"(?<![\w'’-])([A-Z][a-z]+) and \Z")
_PAIR_VERB = re.compile(
    r"[ \t]+(?:will|would|can|could|should|must|have|had|are|were|both|met|meet|share|shared|work|worked"
    r"|said|asked|agreed|disagreed|decided|wrote|signed|joined|started|finished|found|reported|want|think)(?![\w])"
)
# family names that _not_names() holds for their other sense ("the King", "Swift" the language)
_PAIR_SURNAMES_ALSO = frozenset(["king", "prince", "swift", "small"])
_PAIR_QUESTION = re.compile(r"(?:^|[.!?\n][ \t]*)(?:Can|Could|Will|Would|Should|Did|Do|Have|Has|Are|Were|May|Might|Must)[ \t]\Z")
# after a given name: ", she ...", ", he ...": the name is the person the clause speaks of
# (after "for", "with", "to": "a card for Hope, she turns forty"; not "In Paris, she met ...")
_APPOSITIVE_AFTER = re.compile(r",[ \t]+(?:she|he|who)[ \t]")
_APPOSITIVE_BEFORE = ("for ", "with ", "thank ", "thanks ", "congratulate ")


def _appositive_person(text: str, s: int, e: int) -> bool:
    return _APPOSITIVE_AFTER.match(text, e) is not None and text.endswith(_APPOSITIVE_BEFORE, max(0, s - 13), s)


# -- the places in a sentence that only a person fills --------------------------------------
# A word no list knows (or a name the lists hold that is also a place or a word) in one of these
# is a person whatever the model's context weights say, which come from a few training templates:
# a form's or a letter's line ("Signed: Todao", "Kind regards,\nTielli"), an apposition with a
# person's role ("Our landlord, Nibeo, ...", "Baan, the driver who ..."), a possessive before
# a relative or a life event ("Tapio's dog", "Zean's wedding"), "I'm ..." opening a sentence, a
# pronoun in the next sentence after "for" ("buy for Veer? He likes ...") and the subject of a
# verb that only people do ("Radtasan borrowed my ladder").
_PERSON_NOUNS_TEXT = """landlord landlady neighbour neighbor babysitter nanny driver plumber electrician builder
    cleaner coach teacher tutor doctor dentist nurse therapist lawyer solicitor accountant manager boss
    supervisor colleague assistant secretary receptionist caretaker gardener mechanic courier postman
    friend cousin uncle aunt nephew niece flatmate roommate housemate tenant lodger client patient
    customer employee intern trainee student pupil volunteer organiser organizer guide instructor
    translator interpreter agent broker contractor consultant owner host guest partner fiance fiancé
    fiancée husband wife son daughter brother sister mother father grandmother grandfather"""
_PERSON_NOUNS = frozenset(_PERSON_NOUNS_TEXT.split()) | _RELATIONS
_POSSESSED_TEXT = """dog dogs cat cats puppy kitten pet wife husband son sons daughter daughters mother father mum mom
    dad brother brothers sister sisters parents kids children child baby birthday wedding funeral boyfriend
    girlfriend partner fiance fiancé fiancée grandmother grandfather grandma grandpa granddaughter grandson
    aunt uncle cousin nephew niece family diagnosis surgery illness pregnancy salary payslip mortgage debts
    debt rent leave retirement resignation promotion passport blood test tests results medication medications
    prescription treatment scan therapy operation symptoms appointment appointments grades homework bedroom"""
_POSSESSED = frozenset(_POSSESSED_TEXT.split())
# a line's label before a person's name ("Signed:", "Attendee:", "From:")
_SLOT_LABEL = re.compile(
    r"^[ \t>*-]*(?:name|full[ \t]name|signed|signature|from|to|cc|attendee|attendees|participant|organi[sz]er|contact"
    r"|patient|employee|customer|client|guest|passenger|applicant|tenant|author|witness|recipient|sender|driver"
    r"|owner|host|speaker|student|member|volunteer|candidate|assignee|reporter|reviewer|approver|requested[ \t]by"
    r"|submitted[ \t]by|prepared[ \t]by|written[ \t]by|attn|attention)[ \t]*:[ \t]*\Z",
    re.IGNORECASE | re.MULTILINE,
)
_SIGN_OFFS = frozenset(["regards,", "kind regards,", "best regards,", "warm regards,", "thanks,", "many thanks,",
                        "thank you,", "best,", "cheers,", "sincerely,", "yours sincerely,", "yours truly,",
                        "yours,", "best wishes,", "love,", "all the best,", "warmly,", "respectfully,"])  # fmt: skip
_APPOSITION_AFTER = re.compile(
    r",[ \t]+(?:who[ \t]|(?:the|my|our|your|his|her|their|a|an)[ \t]+(?:[\w-]+[ \t]+)?("
    + "|".join(sorted(_PERSON_NOUNS, key=len, reverse=True)) + r")(?![\w]))",
    re.IGNORECASE,
)
_RECORD_OF = re.compile(
    r"(?<![\w])(?:record|records|file|profile|payslip|appraisal|contract|invoice|details|application|complaint"
    r"|booking|claim|appointment|prescription|timesheet|reference)[ ](?:of|for)[ ]\Z",
    re.IGNORECASE,
)
_PRONOUN_NEXT = re.compile(r"[?!.][ \t]+(?:She|He|she|he)[ \t]")
_SELF_NAMING = ("I'm ", "I’m ", "I am ", "i'm ", "i’m ", "i am ")
_THIS_IS_AFTER = re.compile(r"(?:[ \t]+[^\W\d_]+)?(?:[ \t]+(?:from[ \t]+(?:the|my|your|our)|speaking|here)|,)(?![\w])")
# verbs whose subject is a person without a pronoun to say so: not said of a product or a firm
_HUMAN_VERBS = (
    r"borrowed|lent|forgot|hugged|kissed|married|divorced|yelled|apologi[sz]ed|sneezed|babysat"
    r"|lives[ \t]+(?:at|on)|missed[ \t]+(?:the|my|her|his|our|their|a)[ \t]+(?:deadline|meeting|flight|train|bus"
    r"|appointment|call|shift|class)"
)
_HUMAN_VERB = re.compile(r"[ \t]+(?:" + _HUMAN_VERBS + r")(?![\w])")


# the verbs of _PERSON_VERB and _HUMAN_VERB in one anchored match (an ambiguous word's pre-check)
_ANY_PERSON_VERB = re.compile(r"[ \t]+(?:" + _PERSON_VERBS + "|" + _HUMAN_VERBS + r")(?![\w])")


def _slot_hint(text: str, s: int, e: int) -> bool:
    """A cheap pre-check for an ambiguous word ("May", "Will"), which occurs often: the
    characters next to it allow one of _person_slot's places (a verb after it is matched by
    the caller's _ANY_PERSON_VERB; the words before by _person_object_before and _role_before)."""
    if s > 1 and (text[s - 1] in "\n:" or (text[s - 1] == " " and text[s - 2] in ":\n,")):
        return True
    if e < len(text):
        after = text[e]
        if after in "'’":
            return True
        if after in "?!.":
            return text.endswith("for ", 0, s)
        if after == ",":
            return _APPOSITION_AFTER.match(text, e) is not None
    return text.endswith(("'s", "’s"), s, e)


def _person_slot(text: str, s: int, e: int) -> bool:
    """Is ``text[s:e]`` (one word, maybe possessive) in a place only a person fills (see above)?
    (Each check looks at the character next to the word first: this runs for every occurrence
    of an ambiguous word, "May", "Will", so nothing here slices or searches a whole line.)"""
    n = len(text)
    # after the word
    if e < n:
        after = text[e]
        if after == ",":
            if _APPOSITION_AFTER.match(text, e) is not None:
                return True
        elif after in "'’" or text.endswith(("'s", "’s"), s, e):
            m = _NEXT_RUN.match(text, e + 2 if after in "'’" else e)
            if m is not None and m.group(1).lower() in _POSSESSED:
                return True
        elif after == " ":
            if _HUMAN_VERB.match(text, e) is not None:
                return True
        elif after in "?!." and text.endswith("for ", 0, s) and _PRONOUN_NEXT.match(text, e) is not None:
            return True
    if s < 3:
        return False
    j = s
    while j > 0 and text[j - 1] in " \t>":
        j -= 1
    if j == 0:
        return False
    before = text[j - 1]
    if before == "\n":  # the word opens a line: a letter's sign-off on the line before?
        prev = text.rfind("\n", max(0, j - 40), j - 1)
        return text[prev + 1 : j - 1].strip().lower() in _SIGN_OFFS
    if before == ":":
        return _SLOT_LABEL.search(text, max(0, j - 32), s) is not None  # "Signed: ...", "Attendee: ..."
    if j != s - 1 or text[j] != " ":
        return False
    if before == ",":
        a = text.rfind(" ", max(0, s - 24), s - 2)
        return text[a + 1 : s - 2].lower() in _PERSON_NOUNS  # "Our landlord, Nibeo, ..."
    if text[s - 3 : s - 1] in ("of", "or") and _RECORD_OF.search(text, max(0, s - 24), s) is not None:
        return True  # "the claim of Nemec", "the file for Tassour"
    if text.endswith(_SELF_NAMING, 0, s):
        i = s - (5 if text.endswith(("I am ", "i am "), 0, s) else 4)
        return _starts_sentence(text, i)
    if text.endswith(("this is ", "This is "), 0, s):
        return _THIS_IS_AFTER.match(text, e) is not None  # "Good evening, this is Tahoff from the third floor."
    # "Remind Radova to ...", "a call with Zalaa ...", "tenant Okonkwo", "tenant Mahatma Okonkwo":
    # _person_object_before, _role_before and _role_before_given, the word before cut out once
    a = text.rfind(" ", max(0, s - 24), s - 1)
    if a < 0 and s > 24:
        return False
    w1 = text[a + 1 : s - 1]
    low = w1.lower()
    if low in _OBJECT_VERBS or low in _ROLE_WORDS:
        return True
    if low in _OBJECT_PREPOSITIONS or low in _PERSON_NOUNS or low.rstrip(".") in _ROLE_TITLES:
        return _person_object_before(text, s) or _role_before(text, s)
    return a > 2 and a >= s - 20 and w1[:1].isupper() and w1[1:].isalpha() and _role_before(text, a + 1)


# between two items of a list of places, maybe over capitalised words the tagger skipped
# ("Lyon, Nice and Paris": "Nice" is an English word)
_PLACE_LIST_GAP = re.compile(
    r"(?:,[ \t]*|,?[ \t]+(?:and|or|&)[ \t]+)(?:[A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*)?(?:,[ \t]*|,?[ \t]+(?:and|or|&)[ \t]+))*"
)
_PLACE_WORDS_BEFORE = frozenset(["in", "near", "around", "across", "via", "visit", "visiting", "throughout"])


def _word_before_is_place_word(text: str, s: int) -> bool:
    """Is the word before ``text[s:]`` one that leads to a place ("in", "near", "visit")?"""
    if s < 3 or text[s - 1] != " ":
        return False
    a = text.rfind(" ", max(0, s - 12), s - 1)
    return text[a + 1 : s - 1].lower() in _PLACE_WORDS_BEFORE


def _my_relation_before(text: str, s: int) -> bool:
    """Is ``text[s:]`` after "my" and a relation ("my neighbour", "my colleague")?"""
    if s < 6 or text[s - 1] != " ":
        return False
    a = text.rfind(" ", max(0, s - 20), s - 1)
    if a < 2 or text[a + 1 : s - 1].lower() not in _PERSON_NOUNS:
        return False
    b = text.rfind(" ", max(0, a - 6), a)
    return text[b + 1 : a].lower() in _OWNERS


def _person_object_before(text: str, s: int) -> bool:
    """Is ``text[s:]`` the object of a verb that takes a person ("ask Hope", "disagree with
    Cooper") or "my" and a relation ("my flatmate Sydney")? (The one or two words before, cut by
    spaces: a pattern searched back from ``s`` would try every position of the window.)"""
    if s < 3 or text[s - 1] != " ":
        return False
    lo = max(0, s - 24)
    a = text.rfind(" ", lo, s - 1)
    if a < 0 and lo:
        return False
    w1 = text[a + 1 : s - 1].lower()
    if w1 in _OBJECT_VERBS:
        return True
    if a < 1 or not (w1 in _OBJECT_PREPOSITIONS or w1 in _PERSON_NOUNS):
        return False
    b = text.rfind(" ", max(0, a - 16), a)
    w2 = text[b + 1 : a].lower()
    if w1 in _PERSON_NOUNS:
        return w2 in _OWNERS  # "my flatmate Sydney", "our coach Maviia"
    return w2 in _OBJECT_PREPOSITIONS[w1]


# "a call with ...", "reply to ...", "a card for ...", "a chat between ...": the word before the
# preposition says that a person follows
_OBJECT_PREPOSITIONS: dict[str, frozenset[str]] = {
    "with": _TALK_VERBS,
    "to": _TALK_VERBS | {"reply", "replied", "write", "letter", "message", "note", "email", "e-mail", "text"},
    "for": frozenset(["note", "message", "card", "gift", "present", "letter", "reference", "recommendation"]),
    "between": frozenset(["chat", "conversation", "argument", "call", "emails", "messages", "dispute", "fight"]),
}
_OWNERS = frozenset(["my", "our", "your", "his", "her", "their"])
_FIRM_PREPOSITIONS = (" at ", " from ", " joined ", " for ")
_SEASONS = frozenset(["Spring", "Summer", "Autumn", "Fall", "Winter"])  # "Spring began early": no person
# after a name: a singular verb (group 1; a list of people takes a plural one), or a predicate
# that says the name is a firm ("... is a design studio based in ...")
_THING_NOUNS = """company companies firm startup brand manufacturer retailer bank consultancy charity label
    chain platform publisher supplier provider business nonprofit organisation organization band club
    choir ensemble agency studio lab laboratory foundation institute group airline restaurant cafe"""
_THING_AFTER = re.compile(
    r"[ \t]+(?:(?:is|was|has)[ \t]+(?:a|an)[ \t]+(?:[\w-]+[ \t]+){0,3}?(?:" + "|".join(_THING_NOUNS.split())
    + r")(?![\w])|((?:is|was|has)[ \t]))"
)
# the capitalised word right before a span, and whether the text before that word ends a sentence
_WORD_BEFORE = re.compile(r"([^\W\d_]+\.?)[ \t]\Z")


def _word_before(text: str, lo: int, pos: int) -> re.Match[str] | None:
    """``_WORD_BEFORE.search(text, lo, pos)``, searched from the last space before the word only:
    a match ends in the space or tab at ``pos - 1`` and holds no space, and an end-anchored
    search from ``lo`` would try (and backtrack through) every word of the window first."""
    if pos < 2 or text[pos - 1] not in " \t":
        return None
    return _WORD_BEFORE.search(text, max(lo, text.rfind(" ", lo, pos - 1) + 1), pos)


def _work_before(text: str, lo: int, pos: int) -> bool:
    """``_WORK_BEFORE.search(text, lo, pos)`` found something (searched as in _word_before; its
    look-behind still sees the text before the search's start)."""
    if pos < 2 or text[pos - 1] not in " \t":
        return False
    return _WORK_BEFORE.search(text, max(lo, text.rfind(" ", lo, pos - 1) + 1), pos) is not None
_SENTENCE_END = re.compile(r"[.!?:;\"“”(\[][ \t]*\Z")
# "Mount Reginald", "Lake Rossi", "East Erika": a place whose name is also a person's
# street-type words (the USPS suffixes less those that are also common family names: Hill,
# Wells, Lane, Ford ...): a capitalised word before one is a street's name, not a person's
_STREET_SUFFIX_WORDS = """Street Streets St Road Roads Rd Avenue Ave Boulevard Blvd Drive Drives Dr Alley
    Parkway Parkways Square Squares Place Line Bridge Station Airport Tower Building Hall Flats Flat
    Parks Greens Isle Lodge Hills Union Unions Crescent Estates Forges Coves Courts Junction
    Junctions Knolls Manors Meadows Orchard Overpass Passage Plains Prairie Radial Ramp Rapids
    Ridges Shoals Shores Skyway Spurs Stravenue Throughway Trafficway Tunnel Underpass Valleys
    Viaduct Views Villages Vista Walks Ways Mountains Extension Extensions Expressway Freeway
    Motorway Causeway Bypass Crossroad Crest Curve Divide Gateway Glens Groves Harbors Heights
    Hollow Inlet Islands Lakes Landing Loop Mall Neck Oval Pike Pines Plaza Points Ports Summit
    Terrace Trace Trail Turnpike Canyon Cliffs Corners Falls Fords Forks Gardens Mills Springs
    Valley Village Circle Circles Highway Hwy Way"""
_STREET_WORDS = frozenset([*_STREET_SUFFIX_WORDS.split(), "line", "street", "road", "avenue", "station", "airport"])
# the word after a candidate (a whole run of word characters, as a ``\b`` after a street word asks)
_NEXT_RUN = re.compile(r"[ \t]+(\w+)")


@lru_cache(maxsize=1)
def _not_names() -> frozenset[str]:
    """Capitalised words that are never a person or place here (products, days, languages)."""
    from turnout.detect.pii import _WORDS_NOT_NAMES

    return _WORDS_NOT_NAMES | frozenset(_NOT_NAMES_EXTRA.split())


_NOT_NAMES_EXTRA = """ruby julia perl rust swift kotlin scala haskell gemini claude llama mistral
        copilot siri alexa cortana bard grok deepseek qwen phi falcon vicuna alpaca ollama
        mixtral kubectl january
        february march april june july august september october november december monday
        tuesday wednesday thursday friday saturday sunday god lord true false none null nil
        json yaml toml html xhtml ascii unicode unix linux posix ajax oauth graphql ocaml"""
# (the last two lines: literals of programming languages, "return True If ...", and acronyms
# written in capitals that would otherwise read as a place in capitals, "convert it to JSON")


def _after_title(text: str, s: int, lex: Lexicon) -> bool:
    prev = text[max(0, s - 12) : s].split()
    return bool(prev) and prev[-1].rstrip(".").lower() in lex.titles


@lru_cache(maxsize=1)
def default_tagger() -> NameTagger:
    return NameTagger()

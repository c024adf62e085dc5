"""The cheap gates that let detection skip work are conservative: whatever a gate skips, the
full computation would not have found either. Each is checked against the ungated work over
random inputs built from the pieces the gate is about.

Every string here is written for these tests (none comes from the evaluation data).
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from turnout.detect import names
from turnout.detect.names import NameTagger
from turnout.detect.normalize import decode_run
from turnout.detect.pii import (
    _DATE_DAY_MONTH,
    _DATE_NUMERIC,
    _MONTH_BEFORE,
    default_detector,
)
from turnout.detect.pii_policy import (
    CONTEXT_CATEGORIES,
    NEAR_LIMIT,
    NEAR_WINDOW,
    PRIVATE_CUE,
    PiiPolicy,
    context_categories,
    historical,
)
from turnout.detect.scan import scan_request
from turnout.detect.sensitivity import PERSON, SensitivityPolicy, assess
from turnout.detect.walk import TEXT
from turnout.types import Sensitivity

# --- base64 runs: a run is decoded only if its first byte could start UTF-8 text ------------


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(whitelist_categories=("L", "M", "N", "P", "S")) | st.just(" "), min_size=12, max_size=60))
def test_every_printable_text_in_base64_is_decoded(text: str) -> None:
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        run = encode(text.encode()).decode().rstrip("=")
        got = decode_run(run)
        assert got is not None and got[0] == text


# --- dates: the gates before the three date patterns ----------------------------------------

_DATE_BITS = ["1", "12", "2024", "03", "-", "/", ".", " ", "\t", "st", "nd", "rd", "th", " of ", "march",
              "mar.", "sept", "june", "dec", "x", "a", ",", "1999", "January", "Sept.", "MAY", "jan..", "omar"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_DATE_BITS), min_size=1, max_size=10), st.data())
def test_date_gates_never_skip_a_match(bits: list[str], data: st.DataObject) -> None:
    text = "".join(bits)
    low = text.lower()
    s = data.draw(st.integers(0, len(text) - 1))
    if _DATE_NUMERIC.match(text, s):
        w = text[s + 1 : s + 5]
        assert "-" in w or "/" in w or "." in w
    digits = re.match(r"\d{1,2}(?!\d)", text[s:])
    if digits and (s == 0 or not text[s - 1].isdigit()):
        e = s + digits.end()
        if _DATE_DAY_MONTH.match(low, s):
            assert low[e : e + 1] and low[e : e + 1] in "snrt \t"
        if s >= 3 and _MONTH_BEFORE.search(low, max(0, s - 12), s):
            assert text[s - 1] in " \t"


# --- the name tagger: initials near candidates only, legal forms gated by capitalised words --

_WORDS = ["Velimir", "Janković", "R.", "J.", "A.", "van", "der", "Berg", "and", "the", "Okafor", "met",
          "Maria", "Inc", "Ltd", "GmbH", "S.A.", "A/S", "plc", "Nordic", "Foods", "Logistics", "AS",
          "Barnett", "&", "Sohn", "I", "A", "T.", ",", ".", "\n", "Dr.", "of", "Mrs.", "Tolkien", "B.V."]  # fmt: skip
@lru_cache(maxsize=1)
def _taggers() -> tuple[NameTagger, NameTagger]:
    return NameTagger(), NameTagger()


_text = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=24).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_text)
def test_initials_searched_near_candidates_find_what_a_full_search_finds(text: str) -> None:
    near, everywhere = _taggers()
    original = names._INITIAL_REACH
    got = near.tag(text)
    try:
        names._INITIAL_REACH = len(text) + 1  # every window covers the whole text
        want = everywhere.tag(text)
    finally:
        names._INITIAL_REACH = original
    assert got == want


@settings(max_examples=300, deadline=None)
@given(_text)
def test_legal_form_gate_never_skips_an_organisation(text: str) -> None:
    from turnout.detect.pii import _shape

    tagger = _taggers()[0]
    heads = set(names.capitalised_words(text, _shape(text))[0])
    if tagger._organisations(text, []):
        assert names._may_hold_org_form(text, heads)


# --- sensitivity: key words looked for only where they could raise the level ---------------

_PROSE = ["Maria Okafor", "Napoleon", "my name is Jorge", "was diagnosed with diabetes", "her salary",
          "14 Elm Street", "born on 3 March 1990", "jane.doe@example.com", "in the 16th century",
          "the weather in Paris", "send it to", "4111 1111 1111 1111", "the quarterly report", "patient",
          "loan", "my daughter", "Who was Albert Einstein?", "."]  # fmt: skip


def _reference_level(messages: list[dict[str, str]], pii_policy: PiiPolicy) -> Sensitivity:
    """The level as computed before the skip: every category looked for in every text."""
    policy = SensitivityPolicy()
    scan = scan_request(messages, None, default_detector())
    pieces = scan.walk.pieces
    found = scan.findings
    persons = [k for k, f in enumerate(found) if f.type == PERSON]
    famous = {k for k in persons
              if pii_policy.is_public_person(pieces[found[k].piece].text, found[k].start, found[k].end)}  # fmt: skip
    texts = [p.text for p in pieces if p.text]
    if persons and pii_policy.historical_context and any(historical(t) for t in texts):
        famous.update(persons)
    categories: set[str] = set()
    for t in texts:
        categories |= context_categories(t, CONTEXT_CATEGORIES)
    if PRIVATE_CUE in categories:
        famous = set()
    types = {f.type for k, f in enumerate(found) if k not in famous}
    detected = Sensitivity.PUBLIC
    for t in types:
        level = policy.level_for(t)
        if level.rank > detected.rank:
            detected = level
    combined = PiiPolicy(tuple(c for c in pii_policy.combinations
                               if not (c.near and c.types - CONTEXT_CATEGORIES))).level(types | categories)
    # ``near`` combinations: the category beside one of the first NEAR_LIMIT findings of their types
    near_kinds: dict[str, set[str]] = {}
    for combo in pii_policy.combinations:
        if combo.near and combo.types - CONTEXT_CATEGORIES and combo.types - CONTEXT_CATEGORIES <= types:
            for cat in combo.types & CONTEXT_CATEGORIES:
                near_kinds.setdefault(cat, set()).update(combo.types - CONTEXT_CATEGORIES)
    beside: set[str] = set()
    message_texts = [k for k, p in enumerate(pieces) if p.kind == TEXT and p.message >= 0]
    for cat, kinds in near_kinds.items():
        spots = [f for f in found if f.type in kinds][:NEAR_LIMIT]
        for f in spots:
            text = pieces[f.piece].text
            lo, hi = max(0, f.start - NEAR_WINDOW), f.end + NEAR_WINDOW
            windows = [text[lo:hi]]
            if f.piece in message_texts:  # a window at its message's edge reads on into the next two
                at = message_texts.index(f.piece)
                for sep in ("", " "):
                    if lo == 0:
                        windows += [pieces[k].text[-NEAR_WINDOW:] + sep + text[lo:hi]
                                    for k in message_texts[max(0, at - 2) : at]]
                    if hi >= len(text):
                        windows += [text[lo:hi] + sep + pieces[k].text[:NEAR_WINDOW]
                                    for k in message_texts[at + 1 : at + 3]]
            if any(cat in context_categories(w) for w in windows):
                beside.add(cat)
    for combo in pii_policy.combinations:
        if combo.near and combo.types - CONTEXT_CATEGORIES and combo.types <= types | beside and (
            combo.level.rank > combined.rank
        ):
            combined = combo.level
    return combined if combined.rank > detected.rank else detected


@pytest.mark.parametrize("policy", [PiiPolicy(), PiiPolicy.from_config(
    [{"types": ["PRIVATE_CUE", "EMAIL_ADDRESS"], "level": "confidential"},
     {"types": ["HEALTH"], "level": "internal"}]), PiiPolicy.from_config(
    [{"types": ["FINANCIAL", "EMAIL_ADDRESS"], "level": "confidential", "near": True},
     {"types": ["PERSON", "HEALTH"], "level": "confidential"}])])  # fmt: skip
@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PROSE), min_size=1, max_size=6).map(" ".join), min_size=1, max_size=3))
@example(["jane.doe@example.com", "loan"])  # a contact's window read on into the next message
def test_skipped_key_word_search_never_changes_the_level(policy: PiiPolicy, contents: list[str]) -> None:
    messages = [{"role": "user", "content": c} for c in contents]
    assert assess(messages, pii_policy=policy).level is _reference_level(messages, policy)


# --- normalisation: the bulk replacement of fixed characters gives what the per-run work gives --


def _normalize_reference(text: str) -> tuple[str, tuple[tuple[int, int, int, int], ...] | None]:
    """``normalize`` as it was before its fast paths: one non-ASCII run at a time, every
    character worked out in its run's context, a stretch for every character that changed."""
    import unicodedata

    from turnout.detect.normalize import _NON_ASCII, _char

    def is_word(c: str) -> bool:
        return c.isascii() and (c.isalnum() or c in "-_")

    if text.isascii():
        return text, None
    out: list[str] = []
    stretches: list[tuple[int, int, int, int]] = []
    pos = npos = 0
    n = len(text)
    for m in _NON_ASCII.finditer(text):
        s, e = m.span()
        if s > pos:
            out.append(text[pos:s])
            npos += s - pos
        run = m.group()
        ident = (s > 0 and is_word(text[s - 1])) or (e < n and is_word(text[e]))
        chars = [_char(c, ident) for c in run]
        new = "".join(chars)
        if not ident and new != run and not new.isascii() and all(unicodedata.category(c)[0] == "L" for c in run):
            new = run
        if new != run:
            for k, (c, out_c) in enumerate(zip(run, chars, strict=True)):
                if out_c != c:
                    stretches.append((npos, npos + len(out_c), s + k, s + k + 1))
                npos += len(out_c)
        else:
            npos += len(run)
        out.append(new)
        pos = e
    if not stretches:
        return text, None
    out.append(text[pos:])
    return "".join(out), tuple(stretches)


_NORM_BITS = ["a", "Z", "7", "-", "_", " ", ".", "@", "\n", "\u00a0", "\u200b", "\u2060", "\ufeff", "\uff11",
              "\uff21", "\u0661", "\u0966", "\u2013", "\u3000", "\u0430", "\u0435", "\u043e", "\u0440", "\u0458",
              "\u03bf", "\u0391", "\u00e9", "\u0107", "\u00df", "\u0301", "\ufb01", "\u2460", "\u00bd", "\u4e2d",
              "\U0001d7d8", "\U0001f600", "\u0130", "\u017f", "\u2160", "\u2044", "\u00b2", "\ud800"]  # fmt: skip


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(_NORM_BITS) | st.characters(), max_size=40))
def test_normalize_fast_paths_match_the_per_run_work(bits: list[str]) -> None:
    from turnout.detect.normalize import OffsetMap, normalize

    text = "".join(bits)
    got, omap = normalize(text)
    want, stretches = _normalize_reference(text)
    assert got == want
    # the same map back to the original: every normalised start and end lands where the
    # reference's does (the fast path leaves out one-for-one stretches, which move nothing)
    ref = OffsetMap(stretches or ())
    for pos in range(len(got) + 1):
        assert (omap.start(pos) if omap else pos) == ref.start(pos)
        assert (omap.end(pos) if omap else pos) == ref.end(pos)


# --- name candidates: capitalised words from one pass over the shape equal a pass of a ----
# --- capitalised-word pattern over the text itself ---------------------------------------------

_CAND_BITS = ["Anna", "Will", "May", "Young", "Paris", "Mr.", "Dr", "R.", "J.", "HORTEN", "JSON", "iPhone",
              "McDonald", "The", "Street", "St", "12", " ", " ", ", ", ". ", "\n", "-", "'", "_", "x", "X",
              "and", "to", "in", "Kowalski", "Oy", "Ltd", "Anna2", "Annabel", "de", "van", "Smith", "Łódź",
              "Ærø", "Østergaard", "ß", "µ", "Ölçer", "Ἀθῆναι", "Мария", "Ivanović", "ÉMILE"]  # fmt: skip


_ASCII_DIGITS = "0123456789"  # the shape marks these alone as digits


def _capitalised_oracle(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Read from the text's characters: a run of cased letters that starts upper-case and touches
    no digit is a capitalised word ("McDonald"; not "iPhone", nor the "IFt" of "Zm9yIFt")."""
    words, spans = [], []
    i, n = 0, len(text)
    while i < n:
        if not (text[i].isupper() or text[i].islower()):
            i += 1
            continue
        j = i
        while j < n and (text[j].isupper() or text[j].islower()):
            j += 1
        touches_digit = (i > 0 and text[i - 1] in _ASCII_DIGITS) or (j < n and text[j] in _ASCII_DIGITS)
        if text[i].isupper() and not touches_digit:
            words.append(text[i:j])
            spans.append((i, j))
        i = j
    return words, spans


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_CAND_BITS) | st.text(st.characters(max_codepoint=0x24F), max_size=4),
                min_size=1, max_size=30))
def test_capitalised_words_match_a_pass_over_the_text(bits: list[str]) -> None:
    from turnout.detect.pii import _shape

    text = "".join(bits)
    assert names.capitalised_words(text, _shape(text)) == _capitalised_oracle(text)


# --- digit windows: the date-of-birth cue gate, the phone digit count and the 7-digit gate -----

_PHONE_BITS = ["+", "(", ")", "(0)", " ", "-", ".", ",", "/", "x", "ext", "ext.", "extension", "0", "1", "44",
               "415", "555", "0134", "7", "\u0663", "\u0967\u0968", "\uff11", "\u00b2", "a", "Z", "_", "@", ":",
               "born", "Birth", "DOB", "d.o.b", "geb", "né", "nee", "bor", "call ", "tel "]  # fmt: skip
_phone_text = st.lists(st.sampled_from(_PHONE_BITS) | st.characters(), min_size=1, max_size=40).map("".join)


_ESCAPE_BITS = ["\\", "u", "x", "0", "4", "A", "f", "g", "\\u0041", "\\x41", " ", "\\u00", "Z", "\\101", "7"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_ESCAPE_BITS) | st.characters(), max_size=30).map("".join))
def test_literal_led_escape_pattern_finds_the_same_runs(text: str) -> None:
    from turnout.detect.normalize import _ESCAPES

    reference = re.compile(r"(?:\\\\?u[0-9A-Fa-f]{4}|\\\\?x[0-9A-Fa-f]{2}|\\[0-7]{3})+")
    assert [m.span() for m in _ESCAPES.finditer(text)] == [m.span() for m in reference.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(_phone_text, st.data())
def test_phone_digits_counted_in_the_shape_and_the_window_gate(text: str, data: st.DataObject) -> None:
    from turnout.detect.pii import _PHONE, _shape

    shape = _shape(text)
    ws = data.draw(st.integers(0, len(text)))
    we = data.draw(st.integers(ws, len(text)))
    win = shape[ws:we]
    gate_open = win.count(b"0") + win.count(b"?") >= 7
    for m in _PHONE.finditer(text, ws, we):
        sm = shape[m.start() : m.end()]
        ndigits = sum(map(str.isdigit, m.group()))
        assert sm.count(b"0") + sm.count(b"?") == ndigits
        assert gate_open or ndigits < 7  # the gate skips only windows where no phone can count


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PHONE_BITS) | st.sampled_from([" ", "The plan. ", "Contact me: "]),
                min_size=1, max_size=40).map("".join))
def test_phone_findings_equal_the_ungated_isdigit_count(text: str) -> None:
    """The whole scan with the byte-counting phone path finds what the isdigit count found."""
    from turnout.detect import pii

    det = default_detector()

    def reference_phones(text: str, low: str, shape: bytes, ws: int, we: int, put: pii._Put) -> None:
        for m in pii._PHONE.finditer(text, ws, we):
            s = m.group()
            ndigits = sum(map(str.isdigit, s))
            if not 7 <= ndigits <= 15 or pii._DATE_SHAPE.match(s):
                continue
            if "." in s and s.replace(".", "", 1).isdigit():
                continue
            if ndigits >= 8 and pii._PHONE_STRONG.match(s):
                put(pii.PHONE_NUMBER, m.start(), m.end(), 0.8)
                continue
            before = low[max(0, m.start() - 45) : m.start()]
            after = low[m.end() : m.end() + 20]
            if (pii._PHONE_CUE.search(before) or pii._PHONE_CUE.search(after)) and not pii._NOT_PHONE_CUE.search(
                before[-25:]
            ):
                put(pii.PHONE_NUMBER, m.start(), m.end(), 0.6, 35)

    class Reference(pii.Detector):
        def _scan_window(self, text: str, low: str, shape: bytes, ws: int, we: int, put: pii._Put) -> None:
            self._phones = reference_phones  # type: ignore[method-assign]
            win = shape[ws:we]
            if win.count(b"0") + win.count(b"?") < 7:  # undo the gate: run the phone scan anyway
                reference_phones(text, low, shape, ws, we, put)
            super()._scan_window(text, low, shape, ws, we, put)

    ref = Reference.__new__(Reference)
    ref.__dict__.update(det.__dict__)
    assert ref.scan(text) == det.scan(text)


# --- provider keys: the literal gates before each key pattern --------------------------------

_KEY_BITS = ["sk-", "sk_", "rk_", "live_", "test_", "ant-", "AKIA", "ASIA", "ABIA", "ACCA", "IA", "k_",
             "A1B2C3D4E5F6G7H8", "abcdefghij0123456789", "-", "_", " ", "x"]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_KEY_BITS) | st.characters(), max_size=20).map("".join))
def test_provider_key_gates_are_the_literal_led_gates_they_replace(text: str) -> None:
    # the gates before this change were literal-led searches; the ``in`` checks must agree
    from turnout.detect.pii import _SECRET_PATTERNS

    before = (re.compile("sk-"), re.compile("IA(?:[A-Z0-9]{16}|[ -][A-Z2-7]{4}[ -])"), re.compile("k_(?:live|test)_"))
    for (_kind, gate, literals, _pattern, _score), old in zip(_SECRET_PATTERNS, before, strict=True):
        now = (gate is None or gate.search(text) is not None) and (not literals or any(lit in text for lit in literals))
        assert now == (old.search(text) is not None)


# The East Asian address pattern as first written, led by a look-behind (the reference).
_EAST_ASIAN_REFERENCE = re.compile(
    r"(?<![\w-])(?:"
    r"\d{1,4}(?:-\d{1,4}){1,2},?[ \t]+(?:[A-Z][a-zōū]+[ \t]+)?[A-Z][a-zōū]+(?:[ \t-]\d{1,2}(?:-chome)?)?,[ \t]+"
    r"[A-Z][a-zōū]+-(?:ku|shi|cho|machi|gun|mura)"
    r"|\d{1,4}(?:-\d{1,4})?[ \t]+[A-Z][a-z]+-(?:ro|gil|daero|dong|ri)(?:[ \t]+\d{1,4}(?:beon)?-gil)?,[ \t]+"
    r"[A-Z][a-z]+-(?:gu|si|gun)"
    r")(?:,[ \t]+[A-Z][a-zōū]+(?:-(?:to|fu|ken|do|si))?)?(?:,?[ \t]+(?:\d{3}-?\d{3,4}|\d{5}))?(?![\w-])"
)
_DIGITS = st.text("0123456789", min_size=1, max_size=4) | st.just("12345")
_WORD = st.sampled_from(["Nerima", "Hikari", "Mapo", "Sinchon", "Kōtō", "Minato", "seoul", "X"])
_SEP = st.sampled_from([", ", ", ", " ", ",\t", ",", ""])  # mostly what the grammar takes
_EDGE = st.sampled_from(["", "", "", " ", "\n", "a", "-", "_"])


@st.composite
def _address_like(draw: st.DrawFn) -> str:
    """Texts near the grammar of a Japanese or Korean address: matches and near misses."""
    parts = [draw(_EDGE), draw(_DIGITS)]
    for _ in range(draw(st.sampled_from([1, 1, 2, 2, 0, 3]))):
        parts += ["-", draw(_DIGITS)]
    parts += [draw(st.sampled_from([" ", ", ", "\t", ""])), draw(_WORD)]
    if draw(st.booleans()):
        parts += [" ", draw(_WORD)]
    parts += [draw(st.sampled_from(["", "-ro", "-gil", "-daero", " 2", "-3-chome", "-ro 12-gil"]))]
    parts += [draw(_SEP), draw(_WORD)]
    parts += [draw(st.sampled_from(["-ku", "-shi", "-cho", "-machi", "-mura", "-gun", "-gu", "-si", "-x", ""]))]
    parts += [draw(st.sampled_from(["", ", Tokyo", ", Osaka-fu", ", Seoul", " 179-0072", ", Chiba-ken 260-0013"]))]
    parts += [draw(_EDGE)]
    return "".join(parts)


@settings(max_examples=1000)
@given(st.lists(_address_like(), min_size=1, max_size=3).map(" ".join))
def test_the_digit_led_east_asian_address_pattern_finds_what_the_reference_finds(text: str) -> None:
    assert [m.span() for m in names._EAST_ASIAN_ADDRESS.finditer(text)] == \
        [m.span() for m in _EAST_ASIAN_REFERENCE.finditer(text)]


# --- the digit-cluster loop: dates skipped before the call, months looked up by their tail ---


def test_month_spellings_are_the_words_the_month_pattern_matches() -> None:
    from turnout.detect.pii import _MONTH_SPELLINGS, _MONTHS

    for word in _MONTH_SPELLINGS:
        assert re.fullmatch(_MONTHS, word) and re.fullmatch(_MONTHS, word + ".")
    # every word of letters the pattern takes is one of them: its alternatives, spelled out
    letters = re.sub(r"[^a-z|]", "", _MONTHS.replace("(?:", "|").replace(")?", "|"))
    for piece in {p for p in letters.split("|") if p}:
        for word in (piece, piece + "."):
            for start in range(len(word)):
                for end in range(start + 3, len(word) + 1):
                    cand = word[start:end]
                    if re.fullmatch(_MONTHS, cand):
                        assert cand.rstrip(".") in _MONTH_SPELLINGS


_MONTH_BITS = ["jan", "january", "mar", "march", "sept", "september", "may", "dec.", "omar", "number",
               "ber", "ary", ".", " ", "\t", "x", "é", "1", ",", "\n", "jun", "june", "JULY"]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_MONTH_BITS), max_size=8).map("".join), st.sampled_from([" ", "\t", "  ", " \t"]))
def test_month_tail_gate_never_skips_a_month_before_a_number(head: str, spaces: str) -> None:
    from turnout.detect.pii import _MONTH_TAILS

    low = (head + spaces).lower() + "3"
    s = len(low) - 1
    if s >= 3 and _MONTH_BEFORE.search(low, max(0, s - 12), s):
        assert low[max(0, s - 12) : s].rstrip(" \t")[-3:] in _MONTH_TAILS


_CLUSTER_BITS = [*_DATE_BITS, "(", ")", "[", "]", "\n", "S", "Th", "=", "'", "1-2", "2024-01-02", "3/4/99", "١", "٣"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_CLUSTER_BITS), min_size=1, max_size=14).map("".join))
def test_clusters_skipped_before_the_date_call_hold_no_date(text: str) -> None:
    """Where the loop's gate does not call ``_date``, calling it finds nothing."""
    from turnout.detect import pii

    called: set[int] = set()

    class Recording(pii.Detector):
        def _date(self, text: str, low: str, s: int, e: int, put: pii._Put) -> None:
            called.add(s)
            super()._date(text, low, s, e, put)

    det = Recording(names=False)
    det.scan(text)
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    got: list[tuple[object, ...]] = []
    for m in pii._NUM.finditer(pii._shape(text)):
        s, e = m.span()
        before = text[s - 1] if s else " "
        if e - s > 19 or before.isalnum() or before in pii._NOT_BEFORE_DATE or s in called:
            continue
        det._date(text, low, s, e, lambda *a: got.append(a))
        assert not got, (text, s)


_NEAR_BITS = ["rue", "calle", "c/", "avda.", "ul.", "via", "route", " ", "\t", ",", "\n", "x", "é", "de", "1"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_NEAR_BITS), max_size=10).map("".join))
def test_lower_street_prefix_word_gate_never_skips_the_search(near: str) -> None:
    from turnout.detect.pii import _LOWER_PREFIX_NEAR, _LOWER_STREET_PREFIXES

    assert not any(c.isspace() or c == "," for p in _LOWER_STREET_PREFIXES for c in p)
    if _LOWER_PREFIX_NEAR.search(near) is not None:
        assert not _LOWER_STREET_PREFIXES.isdisjoint(near.replace(",", " ").split())


_DOB_BITS = ["born", "Born on", "DOB:", "d.o.b.", "geb.", "née", "birth", " ", ", ", ". ", "\n", "call ", "+1 415 555 0134",
             "12 March 1990", "1990", "2024-01-02", "3/4/1999", "4155550134", "ref 20417", "x"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_DOB_BITS), min_size=1, max_size=30).map("".join))
def test_date_of_birth_cue_asked_once_per_text_finds_what_every_window_finds(text: str) -> None:
    """After a few windows the text is asked once for any cue; searching every window (the
    gate never reached) finds the same."""
    from turnout.detect import pii

    det = pii.Detector(names=False)
    gated = det.scan(text)
    first = pii._DOB_WINDOWS_FIRST
    try:
        pii._DOB_WINDOWS_FIRST = 10**9
        assert det.scan(text) == gated
    finally:
        pii._DOB_WINDOWS_FIRST = first


# --- the token around a digit cluster, and the phone pattern's leading look-ahead ----------


def test_token_characters_are_the_class_of_the_token_pattern() -> None:
    from turnout.detect.pii import _TOKEN_AROUND_RIGHT, _TOKEN_CHARS

    for c in map(chr, range(0x3000)):
        assert (c in _TOKEN_CHARS) == (_TOKEN_AROUND_RIGHT.fullmatch(c) is not None)


_TOKEN_BITS = ["+", "1", "415", " ", "-", "_", "/", "=", "ab", "XY", "é", "x", "ghp_", "xoxb-", "AIza", "eyJ", "ACCA",
               "0123456789abcdefABCDEF", "Zq9", ".", "(", ")", ":"]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_TOKEN_BITS), min_size=1, max_size=24).map("".join))
def test_token_growth_without_the_regex_finds_what_the_regex_growth_finds(text: str) -> None:
    """The token branch's shortcuts (a neighbour outside the token class, no letter for a secret
    start) against the regex growth and search written out."""
    from turnout.detect import pii

    n = len(text)
    rev = text[::-1]
    shape = pii._shape(text)
    for m in pii._NUM.finditer(shape):
        s, e = m.span()
        right = pii._TOKEN_AROUND_RIGHT.match(text, e)
        left = pii._TOKEN_AROUND_RIGHT.match(rev, n - s, n - max(0, s - 256))
        te, ts = right.end() if right else e, s - (left.end() - left.start()) if left else s
        if pii._TOKEN_SECRET_START.search(text, ts, te) is not None:
            assert b"l" in shape[ts:te] or b"U" in shape[ts:te]
        if e < n and text[e] not in pii._TOKEN_CHARS:
            assert te == e
        before = text[s - 1] if s else " "
        if before not in pii._TOKEN_CHARS:
            assert ts == s
        elif s < 2 or text[s - 2] not in pii._TOKEN_CHARS:
            assert ts == s - 1



# the phone pattern as first written: optional country code, "(0)" trunk and "(area)" groups,
# then digit groups; pii._PHONE consumes the first character first (a class-led search)
_PHONE_READABLE = re.compile(
    r"(?<![\w+@/.-])(?<!\d,)"
    r"(?:\+\d{1,3}[ .-]?)?"
    r"(?:\(0\)[ .-]?)?"
    r"(?:\(\d{1,5}\)[ .-]?)?"
    r"\d{1,12}(?:[ .-]\d{1,8}){0,5}"
    r"(?:[ ]?(?:x|ext\.?|extension)[ ]?\d{1,5})?"
    r"(?![\w@]|[.,/-]\d|:\d)"
)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(["+", "(", ")", "0", "41", "415", " ", "-", ".", "x", "ext.", "a", "@", ",", "/", ":",
                                 "555 0134", "+1 415 555 0134", "(0)", "(0", "(415)", "١٢", "\n", "_", "extension"]),
                max_size=16).map("".join), st.data())
def test_phone_led_by_its_first_character_finds_what_the_readable_pattern_finds(text: str, data: st.DataObject) -> None:
    from turnout.detect.pii import _PHONE

    pos = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(pos, len(text)))
    assert [m.span() for m in _PHONE.finditer(text, pos, end)] == [
        m.span() for m in _PHONE_READABLE.finditer(text, pos, end)
    ]


# --- scan9d: the assignment keys found by str.find, the query "+" gate, the street-prefix gate ---

_ASSIGN_BITS = ["token", "secret", "tok", "en", "_", "=", ":", " ", "\t", '"', "'", "x", "abc123", "=>", ":=",
                "secrettoken", "api", "-", ".", "\n", "tokentoken"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_ASSIGN_BITS), max_size=16).map("".join))
def test_matches_found_by_find_are_the_patterns_own(text: str) -> None:
    from turnout.detect.pii import _ASSIGN_KEYS, _KEY_FINDERS, _matches_at

    for lit, pattern in _ASSIGN_KEYS:
        if lit in _KEY_FINDERS:
            got = [m.span() for m in _matches_at(pattern, *_KEY_FINDERS[lit], text)]
            assert got == [m.span() for m in pattern.finditer(text)]


_RARE_BITS = ["born", "birth", "dob", "d.o.b", "geb", "né", "live", "token", "secret", "data:", "n", "é", "b",
              "o", "d", ".", ":", "v", "li", "tok", "en", "se", "cr", "data", " ", "x"]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_RARE_BITS), max_size=12).map("".join))
def test_searches_led_by_a_rare_letter_find_the_literal_where_in_does(text: str) -> None:
    from turnout.detect.normalize import _DATA_SCHEME
    from turnout.detect.pii import (
        _ADDR_CUES,
        _DOB_CUE_FINDERS,
        _DOB_CUE_LITERALS,
        _KEY_FINDERS,
        _rare_led,
    )

    pairs = [*zip(_DOB_CUE_LITERALS, _DOB_CUE_FINDERS, strict=True), ("data:", _DATA_SCHEME),
             *((lit, gate) for lit, gate, _cue in _ADDR_CUES if gate is not None),
             *((lit, finder) for lit, (finder, _k) in _KEY_FINDERS.items())]
    for lit, finder in pairs:
        assert (finder.search(text) is not None) == (lit in text), lit
        k = len(lit) - len(finder.pattern.split(")", 1)[1].replace("\\", "")) - 1
        assert [m.start() - k for m in finder.finditer(text)] == [m.start() for m in re.finditer(re.escape(lit), text)]
    assert _rare_led("token", 2).pattern == "k(?<=tok)en"


_QUERY_BITS = ["?", "&", "=", "+", "a", "b1", " ", "\n", "%", "q=", "x+y", "/"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_QUERY_BITS), max_size=16).map("".join))
def test_value_plus_gate_never_skips_a_query_plus(text: str) -> None:
    from turnout.detect.normalize import _QUERY_PLUS, _VALUE_PLUS

    if _QUERY_PLUS.search(text):
        assert _VALUE_PLUS.search(text)


def _street_words() -> list[str]:
    from turnout.detect.pii import _LOWER_STREET_PREFIXES, _PREFIXED_WORDS

    words = sorted({*_LOWER_STREET_PREFIXES, *_PREFIXED_WORDS})
    return [*words, *(w.upper() for w in words), *(w.capitalize() for w in words), "Av.", "Bd.", "Blvd.",
            "de", "du", "des", "Jean", "Carnot", "d'Italie", "the", "items", "Rue", "Main"]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(["3", "12", "123", "12b", "1 2", "12x 3", "10001"]),
       st.lists(st.sampled_from(_street_words()), min_size=1, max_size=5), st.sampled_from([" ", "\t"]))
def test_street_prefix_start_gate_never_skips_a_prefixed_address(number: str, words: list[str], blank: str) -> None:
    from turnout.detect.pii import _ADDR_PREFIXED, _PREFIX_STARTS

    text = number + blank + " ".join(words) + " 5"
    e = len(number)
    if text[e + 1].isalpha() and _ADDR_PREFIXED.match(text, 0):
        assert text.lower()[e + 1 : e + 3] in _PREFIX_STARTS, text


_IBAN_BITS = ["GB", "de", "82", "1", "WEST", "1234", " ", "_", "x", "é", "Ab", "٣", "00", "5698765432", "-"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_IBAN_BITS), min_size=1, max_size=10).map("".join))
def test_iban_gate_never_skips_an_iban_start(text: str) -> None:
    from turnout.detect.pii import _IBAN

    for s in range(2, len(text)):
        if text[s - 2 : s].isalpha() and text[s - 2 : s].isascii() and _IBAN.match(text, s - 2):
            assert text[s + 1 : s + 2].isdigit()
            assert s == 2 or not (text[s - 3].isalnum() or text[s - 3] == "_")

"""Street addresses typed in lower case or in formats the patterns lacked (issue 16, addr16i), and
the clinical words that tie a person to a health detail: generated addresses of each format are
found whole where an address stands, and the near misses (a distance, a count, a word that only
ends like a street) are not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.config import DetectionConfig
from turnout.detect import pii, pii_policy
from turnout.detect.pii import STREET_ADDRESS, default_detector
from turnout.detect.pii_policy import HEALTH, has_category
from turnout.policy.detectors import PiiSensitivityDetector
from turnout.types import Sensitivity

DET = default_detector()
# invented words: a street's or a person's name no list holds
stem = st.text(alphabet="bdfgklmnprstvz", min_size=2, max_size=4).flatmap(
    lambda c: st.text(alphabet="aeiou", min_size=len(c), max_size=len(c)).map(
        lambda v: "".join(a + b for a, b in zip(c, v, strict=True))))
number = st.integers(min_value=1, max_value=9999).map(str)


def _addresses(text: str) -> list[str]:
    return [text[f.start:f.end] for f in DET.scan(text) if f.type == STREET_ADDRESS]


@st.composite
def lower_english(draw: st.DrawFn) -> str:
    words = draw(st.lists(stem, min_size=1, max_size=2))
    kind = draw(st.sampled_from(pii._LOWER_STREET_TYPES))
    return f"{draw(number)} {' '.join(words)} {kind}"


FRAMES = ["{who} lives on {a} in {city}.", "ship to: {who}, {a}, {city}", "{who}\n{a}\n{city}",
          "send the card to {who} at {a}, {city}.", "{a}, {city}"]


@settings(max_examples=150, deadline=None)
@given(a=lower_english(), who=stem, city=stem, frame=st.sampled_from(FRAMES))
def test_a_lower_case_english_address_is_found_whole(a: str, who: str, city: str, frame: str) -> None:
    text = frame.format(a=a, who=who, city=city)
    assert a in _addresses(text)


@st.composite
def lower_suffixed(draw: st.DrawFn) -> str:
    suffix = draw(st.sampled_from(pii._LOWER_STREET_SUFFIXES))
    return f"{draw(stem)}{suffix} {draw(number)}"


@settings(max_examples=150, deadline=None)
@given(a=lower_suffixed(), who=stem, city=stem, frame=st.sampled_from(FRAMES))
def test_a_lower_case_street_with_a_foreign_ending_is_found(a: str, who: str, city: str, frame: str) -> None:
    text = frame.format(a=a, who=who, city=city)
    assert any(found.startswith(a) for found in _addresses(text))


@settings(max_examples=100, deadline=None)
@given(name=stem, n=number, city=stem, form=st.sampled_from(["Jalan {N} {n}", "jalan {name} {n}", "Jl. {N} {n}",
                                                             "{N} pr. {n}", "{N} g. {n}", "rue {name} {n}"]),
       frame=st.sampled_from(FRAMES))
def test_malay_lithuanian_and_french_forms_are_found(name: str, n: str, city: str, form: str, frame: str) -> None:
    a = form.format(N=name.capitalize(), name=name, n=n)
    text = frame.format(a=a, who="Quorvel Dantry", city=city.capitalize())
    assert any(found.startswith(a) for found in _addresses(text))


UNITS = ["miles", "minutes", "blocks", "times", "km", "days", "more", "other"]


@settings(max_examples=150, deadline=None)
@given(n=number, unit=st.sampled_from(UNITS), word=st.sampled_from(["", "down the ", "of ", "up the "]),
       kind=st.sampled_from(["road", "street", "lane", "avenue", "drive"]),
       lead=st.sampled_from(["", "we walked ", "it is at ", "turn on "]))
def test_distances_and_counts_before_a_street_word_are_no_address(n: str, unit: str, word: str, kind: str,
                                                                  lead: str) -> None:
    text = f"{lead}{n} {unit} {word}{kind}, then left."
    assert _addresses(text) == []


@settings(max_examples=100, deadline=None)
@given(n=number, word=st.sampled_from(["auntie", "necktie", "market", "dam", "weg", "gade", "gata", "katu"]))
def test_english_words_and_bare_endings_are_no_street(n: str, word: str) -> None:
    assert _addresses(f"she bought a {word} {n} times, and {word} {n} more.") == []


DETECTOR = PiiSensitivityDetector(DetectionConfig())
CLINICAL = ["presenting with a cough", "referred to cardiology", "had an abnormal ECG", "has a kidney infection",
            "has shingles", "has a fractured wrist", "has a slipped disc", "has glandular fever",
            "is seeing a neurologist", "has a broken ankle"]


@settings(max_examples=60, deadline=None)
@given(detail=st.sampled_from(CLINICAL), frame=st.sampled_from(["Our employee Quorvel Dantry {d}.",
                                                                "My tenant Quorvel Dantry {d}, keep it quiet."]))
def test_a_clinical_detail_makes_a_named_person_confidential(detail: str, frame: str) -> None:
    text = frame.format(d=detail)
    assert has_category(text.lower(), HEALTH)
    assert DETECTOR.assess([{"role": "user", "content": text}], None, {}).level is Sensitivity.CONFIDENTIAL


def test_the_new_health_words_have_word_starts() -> None:
    starts = {pii_policy._word_start(a) for a in pii_policy._alternatives(pii_policy._CUES[HEALTH])}
    assert {"cardiolog", "ecg", "presenting", "shingles", "fractur"} <= starts


@settings(max_examples=100, deadline=None)
@given(name=stem, n=number, who=stem, city=stem, frame=st.sampled_from(FRAMES))
def test_via_in_lower_case_is_a_street_where_an_address_stands(name: str, n: str, who: str, city: str,
                                                                frame: str) -> None:
    a = f"via {name} {n}"
    text = frame.format(a=a, who=who, city=city)
    if frame.startswith("{who} lives on"):
        return  # "on via ...": not a place a lower-case "via" is read as a street
    # (the street, or a name that is a street of its own: "via babagata 1")
    assert any(found.startswith(a) or f"{name} {n}" in found for found in _addresses(text))


@settings(max_examples=100, deadline=None)
@given(word=stem, n=number, lead=st.sampled_from(["i sent it", "reply,", "at", "forwarded"]),
       tail=st.sampled_from(["times", "days later", "more"]))
def test_via_before_a_count_is_no_street(word: str, n: str, lead: str, tail: str) -> None:
    assert _addresses(f"{lead} via {word} {n} {tail}") == []


def _persons(text: str) -> list[str]:
    return [text[f.start:f.end] for f in DET.scan(text) if f.type == "PERSON"]


ADDRESS_FORMS = ["17 {s} Lane", "{S}gasse 31", "Via {S} 12", "rue {s} 140", "{s}weg 19", "42 {s} avenue"]


@settings(max_examples=150, deadline=None)
@given(given_=stem, family=stem, s=stem, city=stem, form=st.sampled_from(ADDRESS_FORMS),
       frame=st.sampled_from(["{who}\n{a}\n{city}", "Ship to:\n{who}\n{a}\n{city}", "ship to: {who}, {a}, {city}",
                              "send the replacement card to {who} at {a}, {city}.",
                              "Please send the statement to {who}, {a}, {city}."]),
       cap=st.booleans())
def test_the_addressee_of_a_postal_address_is_a_person(given_: str, family: str, s: str, city: str, form: str,
                                                      frame: str, cap: bool) -> None:
    who = f"{given_} {family}"
    if cap:
        who = who.title()
    a = form.format(s=s, S=s.capitalize())
    text = frame.format(who=who, a=a, city=city.capitalize())
    assert any(who in p or p in who for p in _persons(text))
    assert DETECTOR.assess([{"role": "user", "content": text}], None, {}).level is Sensitivity.CONFIDENTIAL


@settings(max_examples=100, deadline=None)
@given(s=stem, place=st.sampled_from(["the museum", "the Central Library", "Our office", "the hotel", "City Hall"]),
       frame=st.sampled_from(["{p}\n17 {S} Lane\nCork", "How do I get to {p} at 17 {S} Lane?",
                              "Is {p}, 17 {S} Lane, open on Sundays?", "Intro text here.\n{p}\n17 {S} Lane"]))
def test_a_place_or_a_line_inside_prose_is_no_addressee(s: str, place: str, frame: str) -> None:
    text = frame.format(p=place, S=s.capitalize())
    assert not any(place.lower() in p.lower() or p.lower() in place.lower() for p in _persons(text))

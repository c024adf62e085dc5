"""Frames that only a person fills make a request about a private person at least internal, even
when the name tagger finds no PERSON span (issue 16, branch pii16e): a greeting or a sign-off by
name, a form's name line, "my <role> <Name>", an appointment with someone, a present for
someone. Names here are invented (no list holds them) or
words ("Seek"), so the tagger's answer does not decide the outcome. Sentences written for these
tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.pii_policy import PRIVATE_CUE, context_categories, person_frame
from turnout.detect.sensitivity import assess
from turnout.types import Sensitivity


def level(text: str) -> Sensitivity:
    return assess([{"role": "user", "content": text}]).level


PRIVATE = [
    "Hey Quorvel, can you still make it on Saturday?",
    "Thanks for the lift yesterday.\n\nCheers,\nQuorvel",
    "Sorry about the mess in the kitchen. Many thanks — Seek",
    "Full name: Quorvel Tandrisk\nTeam: logistics",
    "Passenger: Seek Ambrova, seat 3A",
    "Booked by: Quorvel",
    "I have an appointment with Quorvel on Thursday afternoon.",
    "Can you move my call with Seek to Monday?",
    "My mentor Quorvel says I should apply for the job.",
    "My stepdaughter keeps losing her keys.",
    "Write a reference for Seek, who worked as my assistant for two years.",
    "Our nanny, Quorvel, starts on Monday.",
]

PUBLIC = [
    "Hello World! Explain what this program prints.",
    "Dear Sir or Madam, what are your opening hours?",
    "Name: Monthly summary\nStatus: draft",
    "Thanks in advance!",
    "Best practices for naming variables in Python?",
    "Tell me about the Roman Empire.",
    "A meeting with the board: draft an agenda.",
    "Act as my tutor and explain fractions.",
    "You are my coding assistant. Fix this loop.",
    "Call Python from C: how?",
    "What did Marie Curie discover?",
    "Kind regards from the whole team at the bakery.",
    "Visit Lisbon in spring or autumn?",
    "From: the quarterly report, page 4. Summarise it.",
]


@pytest.mark.parametrize("text", PRIVATE)
def test_a_frame_only_a_person_fills_is_a_private_cue(text: str) -> None:
    assert PRIVATE_CUE in context_categories(text)
    assert level(text) is not Sensitivity.PUBLIC


@pytest.mark.parametrize("text", PUBLIC)
def test_prose_with_the_frames_words_stays_public(text: str) -> None:
    assert not person_frame(text)
    assert level(text) is Sensitivity.PUBLIC


_INVENTED = st.builds(
    lambda a, b: (a + b).capitalize(),
    st.sampled_from(["qua", "vel", "dris", "mon", "tak", "zor", "bel", "fen", "rul"]),
    st.sampled_from(["ndor", "vik", "essa", "ulo", "arin", "ith"]),
)
_FRAMES = [
    "Hi {n}, the meeting moved to 4pm.",
    "See you at the station.\nBest wishes,\n{n}",
    "Name: {n}\nRoom: 12",
    "A birthday card for {n}, please.",
    "I had lunch with {n} today and she seemed tired.",
    "My mentor {n} turns ninety next week.",
]


@settings(max_examples=80, deadline=None)
@given(_INVENTED, st.sampled_from(_FRAMES))
def test_any_name_in_a_person_frame_is_never_public(name: str, frame: str) -> None:
    text = frame.format(n=name)
    assert person_frame(text)
    assert level(text) is not Sensitivity.PUBLIC


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii"), max_size=120))
def test_the_frame_search_agrees_with_its_category(text: str) -> None:
    # a frame is found on the text as written; the lower-cased cues never contradict it
    if person_frame(text):
        assert PRIVATE_CUE in context_categories(text)


# -- a person finding where a place or a firm stands ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "What are the best museums in Quorvandi and Telmarsk?",
        "Cheap flights from Quorvandi, Telmarsk and Belvenor?",
        "How do I get to the centre of Quorvandi from the airport?",
        "What does Quorvandi Freight AS sell?",
        "Plan a trip to Quorvandi next spring.",
    ],
)
def test_a_name_in_a_places_or_firms_slot_is_no_private_person(text: str) -> None:
    found = assess([{"role": "user", "content": text}])
    assert found.level is Sensitivity.PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "I had dinner in Dorota Kaminska's flat.",
        "I believe in Dorota Kaminska, she will win the vote at the club.",
        "Send the invoice to Dorota Kaminska in Telmarsk.",
        "Dorota Kaminska lives on 42 Quarry Lane now.",
    ],
)
def test_a_person_beside_a_places_words_stays_private(text: str) -> None:
    assert level(text) is not Sensitivity.PUBLIC


def test_a_street_number_after_lives_on_is_a_private_cue() -> None:
    assert PRIVATE_CUE in context_categories("she lives on 42 quarry lane")
    assert PRIVATE_CUE not in context_categories("the legacy lives on in his students")

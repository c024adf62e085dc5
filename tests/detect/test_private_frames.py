"""More frames of a private person for prompts the name tagger reads no name in (issue 16, branch
priv16h: ``detect/private_frames.py``): labelled lines of forms and tickets, a table's name
column, chat speakers and mentions, possessives, first- and second-person frames, lower-cased
text. Names here are invented from syllables (no list holds them), hyphenated, with initials or
lower-cased; sentences written for these tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.pii_policy import (
    _NO_NAME_OR_RANK,
    PRIVATE_CUE,
    _is_figure_key,
    _may_be_a_name,
    context_categories,
    person_frame,
)
from turnout.detect.private_frames import private_frame
from turnout.detect.sensitivity import assess
from turnout.types import Sensitivity


def level(text: str) -> Sensitivity:
    return assess([{"role": "user", "content": text}]).level


def frame(text: str) -> bool:
    return private_frame(text, text.lower(), _may_be_a_name, _is_figure_key, _NO_NAME_OR_RANK)


PRIVATE = [
    "Assigned to: Quorvel Tandrisk\nStatus: waiting",
    "reviewed by: quorvel tandrisk",
    "ref,full name,plan\n4411,Zelvani Orthek,basic",
    "[14:02] Drissom: the van is outside\n[14:03] Zelvani: ok coming",
    "@zelvani could you merge this before lunch?",
    "Quorvel-Ann's train is delayed, can you meet her instead?",
    "did zelvani ever send you the invoice?",
    "Why is Drissom ignoring my calls?",
    "Callback requested by Zelvani Orthek after 5pm.",
    "ok so Ji-vorn said she'd bring the chairs",
    "Ticket 2291: Tandrisk cannot log in since Monday.",
    "detention for quorvel and drissom on friday, can you tell me what to write?",
    "My grandfather was called Zelvani; he was a baker.",
    "mr. tandrisk phoned me about the boiler",
    "ORTHEK, Zelvani;Leeds;prospect;open",
    "Zelvani Orthek\nProcurement Manager\nBrightfield Ltd",
    "the cleaner, z. orthek, left the keys with me",
    "i'm ji-vorn tandrisk, originally from a small town, and i need help with my cv",
    "Thanks Drissom! See you at the gym.",
    "write a toast for quorvel and drissom's anniversary",
    "zelvani orthek md, the dentist who fixed my tooth, retired",
]

PUBLIC = [
    "Assigned to: the platform team\nStatus: open",
    "Reviewed by: the editorial board",
    "id,name,price\n1,Widget,4.99",
    "Status: open\nPriority: high\nComponent: billing API",
    "Input: a list of numbers\nOutput: their sum",
    "When did the Berlin Wall fall, and why?",
    "Why is Python so popular for data science?",
    "Tell me about photosynthesis in simple terms.",
    "what does the surname Okafor mean",
    "who played the doctor in the old hospital drama",
    "Thanks, that was helpful!",
    "How long does a parcel take from Oslo to Lima?",
    "The printer on the second floor is jammed again.",
    "The company's retirement plan: how does vesting work?",
    "Compare Docker and virtual machines for local development.",
]


@pytest.mark.parametrize("text", PRIVATE)
def test_a_private_frame_is_a_private_cue(text: str) -> None:
    assert PRIVATE_CUE in context_categories(text)
    assert level(text) is not Sensitivity.PUBLIC


@pytest.mark.parametrize("text", PUBLIC)
def test_prose_with_the_frames_words_stays_public(text: str) -> None:
    assert not frame(text)
    assert level(text) is Sensitivity.PUBLIC


def test_a_public_figure_in_a_frame_is_no_private_person() -> None:
    assert not frame("Why is Einstein ignoring my question? Explain relativity.")
    assert not frame("Reviewed by: Albert Einstein")


def test_a_lower_case_question_about_the_world_is_not_looked_at() -> None:
    # the same frame with a name, typed in lower case, with and without a person's words
    assert not frame("escalated by zelvani (tier 2), waiting on billing.")
    assert frame("escalated by zelvani (tier 2), can you chase it for me?")


def test_a_frame_in_a_text_about_history_does_not_count() -> None:
    text = "In the 14th century, Zelvani's mother ruled the valley. Why did Zelvani leave?"
    assert frame(text)
    assert not person_frame(text)


# invented names: syllables no list holds, sometimes hyphenated, with an initial, or lower-cased
_SYLLABLES = st.sampled_from(["zel", "vor", "dris", "quen", "thak", "orv", "ulm", "brax", "ked", "yss"])
_ENDINGS = st.sampled_from(["ani", "ethk", "omir", "uvo", "issa", "arnd"])
_GIVEN = st.builds(lambda a, b: (a + b).capitalize(), _SYLLABLES, _ENDINGS)
_FAMILY = st.builds(lambda a, b, c: (a + b + c).capitalize(), _SYLLABLES, _SYLLABLES, _ENDINGS)
_NAME = st.one_of(
    _GIVEN,
    st.builds(lambda g, f: f"{g} {f}", _GIVEN, _FAMILY),
    st.builds(lambda g, f: f"{g[0]}. {f}", _GIVEN, _FAMILY),
    st.builds(lambda g, h: f"{g}-{h.lower()}", _GIVEN, _GIVEN),
)
_FRAMES = [
    "Assigned to: {n}\nPriority: low",
    "Requested by: {n}",
    "contact,full name,city\n1,{n},Leeds",
    "[09:41] {n}: running late, start without me",
    "{n}'s flight lands at noon, can you pick her up?",
    "did {n} ever pay you back?",
    "Escalated by {n} (tier 2), waiting on billing.",
    "{n} forgot her keys again, she is locked out.",
    "Please cover for {n} on Saturday.",
    "{n} cannot log in to the portal.",
    "Put {n} down for two seats at the dinner.",
    "Everyone calls me {n}.",
]


@settings(max_examples=150, deadline=None)
@given(_NAME, st.sampled_from(_FRAMES), st.booleans())
def test_any_invented_name_in_a_frame_is_never_public(name: str, template: str, lower: bool) -> None:
    text = template.format(n=name)
    if lower:
        # typed in lower case, a text is looked at when it says I, you, she or he (or has a
        # label, a mention, a possessive): "who played ... in ..." questions are most short
        # prompts, and their rare words cost the most (docs/benchmarks.md, priv16h)
        text = text.lower() + "\nwhat should i do?"
    assert frame(text), text
    assert level(text) is not Sensitivity.PUBLIC, text


_COMMON_SLOTS = st.sampled_from(["the printer", "Quarterly report", "the billing team", "open", "high priority",
                                 "Monday", "the board", "Sales", "none"])


@settings(max_examples=100, deadline=None)
@given(_COMMON_SLOTS, st.sampled_from(["Assigned to: {n}", "Owner: {n}\nStatus: open", "Reviewed by: {n}",
                                       "Requested by {n} last week.", "{n} cannot be reached from the VPN."]))
def test_common_words_in_a_frame_make_no_private_person(slot: str, template: str) -> None:
    text = template.format(n=slot)
    assert not frame(text), text

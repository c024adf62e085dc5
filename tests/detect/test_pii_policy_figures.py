"""Public figures stay public, private persons are never public (issue 16, branch pii16g).

The shipped figure list (the lexicon's ``figures`` key), the frames that ask about what a
public figure is known for, and the everyday frames of a private person (a colleague, a resident,
a friend). Sentences written here with invented private names; none from an evaluation set.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.names import lexicon
from turnout.detect.pii_policy import DEFAULT_POLICY, figures, known_for
from turnout.detect.sensitivity import assess
from turnout.types import Sensitivity


def level(text: str) -> Sensitivity:
    return assess([{"role": "user", "content": text}]).level


def test_the_figure_list_is_large_and_apart_from_the_taggers_list() -> None:
    names = figures()
    assert len(names) > 5000
    # the tagger's list (feature G:public) is unchanged in size: the policy's list is its own key
    assert len(lexicon().public) < 400
    for key in ("immanuel kant", "kant", "vishnu", "beyonce", "beyoncé", "j.r.r. tolkien", "sherlock holmes"):
        assert key in names


@pytest.mark.parametrize(
    "text",
    [
        "According to Rawls, what does the original position model?",
        "Explain what Aquinas meant by natural law.",
        "Vishnu is said to preserve the universe.",
        "Obama met Merkel in Berlin.",
        "Beyoncé released a new album last year.",
        "Where was Alan Turing born?",
        "Which books did Catherine the Great write?",
        "What is García Márquez most famous for?",
        "Søren Kierkegaard's early years shaped his thought.",
        "Hildegard of Bingen's music is still performed.",
    ],
)
def test_public_figures_stay_public(text: str) -> None:
    assert level(text) is Sensitivity.PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "How old was Zorvan Plitka when he died?",
        "Which films did Zorvan Plitka direct?",
        "What is Zorvan Plitka's best-known work?",
        "Explain Zorvan Plitka's role in the Reformation.",
        "Compare Zorvan Plitka and Merin Askola's philosophies.",
        "Compare the philosophies of Zorvan Plitka and Merin Askola.",
        "Zorvan Plitka is best known for his sculptures.",
        "Give me three quotations by Zorvan Plitka.",
    ],
)
def test_known_for_frames_carry_names_no_list_holds(text: str) -> None:
    assert level(text) is Sensitivity.PUBLIC


def test_a_works_question_needs_a_verb_of_making() -> None:
    text = "Which books did Zorvan Plitka borrow from the library?"
    start = text.index("Zorvan")
    assert not known_for(text, start, start + len("Zorvan Plitka"))
    assert level(text) is not Sensitivity.PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "Book a table for Mr Obama and two guests at eight.",  # a namesake: a courtesy title
        "Dr. Kant asked whether the report can wait until Friday.",
        "Thatcher thinks the budget is too tight.",  # a common family name outside a frame
        "Summarise Zorvan Plitka's role in the project.",
        "My daughter Vishnu loves the park.",  # a private cue wins over the list
    ],
)
def test_namesakes_and_private_cues_are_not_public(text: str) -> None:
    if "Plitka's role" in text:
        start = text.index("Zorvan")
        assert not known_for(text, start, start + len("Zorvan Plitka"))
        return
    assert level(text) is not Sensitivity.PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "Sevrilla is off sick, so please move our review.",
        "Quorvel from payroll wants the forms by noon.",
        "Can someone cover for Dravenka on Saturday?",
        "Tesvadin finally messaged me about the flat.",
        "Ideas for a leaving do for Kimerova? She likes board games.",
        "For parking permits ask Pelvarin (ext 318).",
        "Fix the tone: Dear Vantrelo, the keys are with me.",
        "To: Quilmaro\nSubject: drains\n\nThe plumber comes at nine.",
        "Dorvessa gave me her old bike and it squeaks.",
        "Make sense of the argument between Pelvarin and Quilmaro.",
        "The gardener, Dorvessa, cut the hedge too short.",
        "Sevrilla's puppy chewed my shoes.",
        "Hello, it's Tesvadin from flat 4 again.",
        "Our nanny, Anne-Vantrelle, starts on Monday.",
        "Vantrelo and I both want the window seat.",
        "Kedrovan Ostil — 3 seats, near the aisle",
        "please add dorvessa to our seating plan",
        "we're meeting quilmaro for lunch on friday",
    ],
)
def test_everyday_frames_of_a_private_person(text: str) -> None:
    assert level(text) is not Sensitivity.PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "Obama is on holiday in Hawaii, the papers say.",  # news about a figure, not a colleague
        "Pavlov's dog experiment showed classical conditioning.",
        "Schrödinger's cat is a thought experiment.",
        "Add numpy to the requirements file.",
        "You and I are going to learn recursion today.",
        # a letter quoted in a history question: its frames are the letter's, not the user's
        "This question refers to the following letter of 1776 to John, about the new republic.",
        # a multiple-choice question: its people are the figures of its subject
        "According to Gelvano, virtue is:\nA. knowledge\nB. habit\nC. luck\nD. none of the above",
        "Which deity is the preserver in Hinduism?\nA. Brahma\nB. Vishnu\nC. Shiva\nD. Indra",
    ],
)
def test_public_texts_that_look_like_frames_stay_public(text: str) -> None:
    assert level(text) is Sensitivity.PUBLIC


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(k for k in figures() if " " in k and k.isascii())))
def test_a_listed_full_name_in_a_plain_question_is_public(key: str) -> None:
    name = " ".join(w[:1].upper() + w[1:] for w in key.split())
    assert DEFAULT_POLICY.is_public_figure(name)
    text = f"Tell me about {name}."
    assert level(text) is Sensitivity.PUBLIC, text


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(k for k in figures() if " " not in k and k.isalpha() and k.isascii())))
def test_a_private_cue_wins_over_any_figure(key: str) -> None:
    name = key[:1].upper() + key[1:]
    assert level(f"My name is {name} and my date of birth is 3 May 1990.") is not Sensitivity.PUBLIC

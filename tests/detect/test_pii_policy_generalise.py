"""Policy rule classes of issue 16's precision pass (branch acc16b): what counts as a text about
history, and questions about what a person is known for. Sentences written for these tests.
"""

from __future__ import annotations

import pytest

from turnout.detect.pii_policy import historical, known_for
from turnout.detect.sensitivity import assess
from turnout.types import Sensitivity


def level(text: str) -> Sensitivity:
    return assess([{"role": "user", "content": text}]).level


@pytest.mark.parametrize(
    "text",
    [
        "Call Dorota Kaminska at extension 1650 tomorrow.",  # a number, not a year
        "In general, Dorota Kaminska prefers e-mail.",
        "Dorota Kaminska moved to the United Kingdom last spring.",
        "Dorota Kaminska, Vancouver, BC, asked for a refund.",
    ],
)
def test_words_of_ordinary_texts_are_no_history(text: str) -> None:
    assert not historical(text)
    assert level(text) is not Sensitivity.PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "In 1650 the harbour was rebuilt.",
        "The 1840s were a decade of famine.",
        "The city was founded around 300 BC.",
        "The kingdom of Aragon grew by marriage.",
    ],
)
def test_history_is_still_history(text: str) -> None:
    assert historical(text)


@pytest.mark.parametrize(
    "text",
    [
        "Who was Hedy Lamarr?",
        "Explain Grace Hopper's contribution to computing.",
        "What did Grace Hopper invent?",
        "Write a short biography of Hedy Lamarr.",
        "Explain Antonie van Leeuwenhoek's contribution to biology.",  # a particle inside the name
        "Summarise the plot of Silas Marner.",  # a work named after its hero
        "Who wrote Eugene Onegin?",
    ],
)
def test_question_about_what_someone_is_known_for_is_public(text: str) -> None:
    assert level(text) is Sensitivity.PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "What did Dorota Kaminska say in the meeting?",
        "Write a short bio for Dorota Kaminska, our new team lead.",
        "Please update the biography of employee Dorota Kaminska.",
        "My name is Hedy Lamarr. Who was Hedy Lamarr?",
    ],
)
def test_private_person_in_a_similar_frame_stays_private(text: str) -> None:
    assert level(text) is not Sensitivity.PUBLIC


def test_known_for_frames() -> None:
    text = "Who was Hedy Lamarr?"
    assert known_for(text, text.index("Hedy"), text.index("?"))
    assert known_for(text, text.index("Lamarr"), text.index("?"))  # a given name left out of the finding
    text = "What did Dorota say?"
    assert not known_for(text, text.index("Dorota"), text.index(" say"))

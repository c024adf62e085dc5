"""Products, brands, landmarks, teams, organisations, titles and cities that the name tagger reads
as a person do not make a request internal (issue 16, branch pub16h: ``detect/public_terms.py``);
a private person beside them still does. Sentences and invented names written for these tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.names import lexicon
from turnout.detect.pii_policy import DEFAULT_POLICY
from turnout.detect.public_terms import names_a_thing, terms
from turnout.detect.sensitivity import assess
from turnout.types import Sensitivity


def level(text: str) -> Sensitivity:
    return assess([{"role": "user", "content": text}]).level


def thing(text: str, words: str) -> bool:
    start = text.index(words)
    return names_a_thing(text, start, start + len(words))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Can a Gibson Les Paul stay in tune on long flights?", "Gibson Les Paul"),
        ("Which strap fits the Hyundai Tucson's roof bars?", "Hyundai Tucson"),
        ("We watched the Boston Celtics lose at home.", "Boston Celtics"),
        ("The queue at Angkor Wat starts before sunrise.", "Angkor Wat"),
        ("Is the Marks & Spencer food hall open late?", "Spencer"),
        ("A Paul Smith scarf in green, would that suit a teacher?", "Paul Smith"),
        ("Is Jo Malone a luxury brand in Asia too?", "Jo Malone"),
        ("Does Marshall still make amps in England?", "Marshall"),
        ("The Dell XPS 15 runs hot when charging.", "Dell"),
        ("How long is the bus from Nairobi to Denver?", "Denver"),
        ("Is Hobart safe for solo walkers at night?", "Hobart"),
        ("A weekend on the Sugarloaf Mountain trail?", "Sugarloaf Mountain"),
        ("hotels near the eiffel tower with a view", "eiffel tower"),
        ("best pizza in rio de janeiro?", "janeiro"),
        ("Are Dr. Martens boots warm enough for snow?", "Martens"),
        ("Why is the city of Eugene so green?", "Eugene"),
    ],
)
def test_a_thing_read_as_a_person(text: str, words: str) -> None:
    assert thing(text, words)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Paul Smith asked for the invoice again.", "Paul Smith"),
        ("Ask Jisoo Park to bring the charger.", "Jisoo Park"),
        ("Tell Anna Hill the train is late.", "Anna Hill"),
        ("Marshall thinks the budget is too tight.", "Marshall"),
        ("Denver is off sick today.", "Denver"),
        ("Send the photos to Tiffany before lunch.", "Tiffany"),
        ("Stanley and Quorvel will share the desk.", "Stanley"),
        ("Hobart left his keys in the kitchen.", "Hobart"),
        ("Please print a badge for Mr. Suzuki before ten.", "Suzuki"),
        ("Can Prof. Pereira and two guests join us?", "Pereira"),
        ("Suzuki will send the slides tonight.", "Suzuki"),
    ],
)
def test_a_person_whose_name_is_also_a_thing(text: str, words: str) -> None:
    assert not thing(text, words)


def test_a_calendar_named_after_a_person_is_no_person() -> None:
    text = "Which year is 1582 in the Julian calendar?"
    start = text.index("Julian")
    assert DEFAULT_POLICY.is_public_person(text, start, start + len("Julian"))
    text = "Julian's calendar is full next week."
    assert not DEFAULT_POLICY.is_public_person(text, 0, len("Julian"))


def test_a_figures_short_form_beside_a_figure() -> None:
    text = "Did Mandela and Hildegard ever write about music?"
    start = text.index("Hildegard")
    assert DEFAULT_POLICY.is_public_person(text, start, start + len("Hildegard"))
    text = "Did Quorvel and Hildegard ever write back?"
    assert not DEFAULT_POLICY.is_public_person(text, start - 4, start - 4 + len("Hildegard"))


# -- properties ---------------------------------------------------------------------------------

_SYLLABLES = ["qu", "or", "vel", "tan", "dris", "ke", "zo", "rvik", "mab", "lun", "dre", "sko", "vy", "thal", "pen"]
_invented = st.lists(st.sampled_from(_SYLLABLES), min_size=2, max_size=4).map(lambda p: "".join(p).capitalize()).filter(
    lambda w: w.lower() not in lexicon().first and w.lower() not in lexicon().last and w.lower() not in lexicon().common
)


def _keys(*kinds: str) -> list[str]:
    lex = lexicon()
    return sorted(
        k for k, v in terms().kinds.items()
        if v in kinds and k.replace(" ", "").isalpha() and k not in lex.common and " " in k
    )  # fmt: skip


_THINGS = _keys("b", "p", "l", "t")
_FRAMES = [
    "How heavy is the {thing}, roughly?",
    "Write a short ad about the {thing} for a radio spot.",
    "Is the {thing} worth the price this year?",
    "{thing}: what do reviewers say?",
]
_PRIVATE_FRAMES = [
    "My colleague {name} wants to know: is the {thing} worth the price?",
    "My name is {name} and the {thing} I ordered is broken.",
    "Remind my sister {name} that the {thing} tickets are on the fridge.",
]


def _title(key: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in key.split())


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(_THINGS), st.sampled_from(_FRAMES))
def test_a_named_thing_in_a_question_stays_public(key: str, frame: str) -> None:
    text = frame.format(thing=_title(key))
    assert level(text) is Sensitivity.PUBLIC, text


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(_THINGS), st.sampled_from(_PRIVATE_FRAMES), _invented, _invented)
def test_a_private_person_beside_a_named_thing_is_not_public(key: str, frame: str, given_: str, family: str) -> None:
    text = frame.format(thing=_title(key), name=f"{given_} {family}")
    assert level(text) is not Sensitivity.PUBLIC, text


@settings(max_examples=200, deadline=None)
@given(_invented, _invented, st.sampled_from(_THINGS), st.sampled_from([
    "{name} lent me the {thing} yesterday.",
    "Can {name} bring the {thing} to the office?",
    "Flights with {name} from Leeds to {thing}?",
    "The {thing} and {name} are both late.",
    "{name}, {thing} and I will meet at noon.",
]))
def test_an_invented_name_is_never_a_thing(given_: str, family: str, key: str, frame: str) -> None:
    """Whatever stands beside it, a name no list holds is never read as a product, a place or a team."""
    name = f"{given_} {family}"
    text = frame.format(name=name, thing=_title(key))
    start = text.index(name)
    assert not names_a_thing(text, start, start + len(name)), text
    assert not names_a_thing(text, start, start + len(given_)), text

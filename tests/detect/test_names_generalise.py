"""Rule classes added for precision and private-person recall on sentences unlike the training
templates (issue 16, branch acc16b): lone family names as the subject of a person's verb, titles
written with a dot, names that name a firm or an ensemble, Japanese and Korean addresses.

Every sentence here is written for these tests (none comes from the evaluation data or from
``scripts/gen_pii_fresh.py``'s output).
"""

from __future__ import annotations

import pytest

from turnout.detect.pii import default_detector
from turnout.detect.sensitivity import assess
from turnout.types import Sensitivity


def found(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in default_detector().scan(text)]


def level(text: str) -> Sensitivity:
    return assess([{"role": "user", "content": text}]).level


# -- a family name that is an English word, as the subject of a person's verb --------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Fletcher approved the invoices this morning.", "Fletcher"),
        ("Shepherd agreed to move the deadline.", "Shepherd"),
        ("Sawyer started the inventory count on Monday.", "Sawyer"),
    ],
)
def test_lone_family_name_as_subject(text: str, name: str) -> None:
    assert ("PERSON", name) in found(text)
    assert level(text) is not Sensitivity.PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "Spring began early this year in the valley.",
        "Winter started with a week of storms.",
        "Price rose by four percent in the last quarter.",
    ],
)
def test_season_or_noun_before_a_verb_is_no_person(text: str) -> None:
    assert not any(kind == "PERSON" for kind, _ in found(text)), found(text)


# -- titles written with a dot ----------------------------------------------------------------


def test_long_title_with_a_dot_names_a_person() -> None:
    assert ("PERSON", "Ndiaye") in found("Please book a room for Prof. Ndiaye and her two students.")


# -- names that name a thing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The Okafor, Brandt and Kowalczyk Choir was founded in 1960.",
        "Okafor, Brandt and Kowalczyk is a design studio based in Leeds.",
        "The Ferreira Ensemble played two encores.",
        "Quillon is a design studio with offices in Oslo.",
    ],
)
def test_name_of_a_firm_or_ensemble_is_no_person(text: str) -> None:
    results = found(text)
    assert not any(kind == "PERSON" for kind, _ in results), results


def test_list_with_a_plural_verb_stays_people() -> None:
    results = found("Okafor, Brandt and Kowalczyk were at the party.")
    assert ("PERSON", "Okafor") in results and ("PERSON", "Brandt") in results


def test_family_before_a_lower_case_noun_stays_a_person() -> None:
    text = "We stayed with the Kowalczyk family in Gdynia."
    assert not any(kind == "ORGANIZATION" for kind, _ in found(text))


# -- Japanese and Korean addresses -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Send the parcel to Ms. Yui Sato at 3-14-2 Hikarigaoka, Nerima-ku, Tokyo 179-0072.",
         "3-14-2 Hikarigaoka, Nerima-ku, Tokyo 179-0072"),
        ("Hana Kimura lives at 2-5 Umeda, Kita-ku, Osaka.", "2-5 Umeda, Kita-ku, Osaka"),
        ("Please mail it to Park Jiwoo, 27 Sinchon-ro 12-gil, Mapo-gu, Seoul.",
         "27 Sinchon-ro 12-gil, Mapo-gu, Seoul"),
    ],
)  # fmt: skip
def test_east_asian_address(text: str, address: str) -> None:
    assert ("STREET_ADDRESS", address) in found(text)
    assert level(text) is Sensitivity.CONFIDENTIAL


def test_ward_name_alone_is_no_address() -> None:
    assert not any(kind == "STREET_ADDRESS" for kind, _ in found("The office moved from Nerima-ku to Chiyoda-ku."))


@pytest.mark.parametrize(
    "text",
    [
        "She works at Okafor, Brandt and Kowalczyk as an analyst.",
        "Dorota joined Okafor, Brandt and Kowalczyk in 2019.",
    ],
)
def test_list_of_family_names_after_at_or_joined_is_a_firm(text: str) -> None:
    assert ("ORGANIZATION", "Okafor, Brandt and Kowalczyk") in found(text)


def test_list_of_family_names_after_with_stays_people() -> None:
    results = found("We had dinner with Okafor, Brandt and Kowalczyk.")
    assert ("PERSON", "Okafor") in results


def test_unknown_word_alone_above_an_address_is_a_firm() -> None:
    text = "Dorota Kaminska\nQuillon\n14 Elm Row, Leeds LS6 2AB"
    results = found(text)
    assert ("ORGANIZATION", "Quillon") in results and ("PERSON", "Dorota Kaminska") in results


# -- a given name that is also a place or a word, after a verb or a relation that takes a person --


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Ask Hope to book the meeting room for Thursday.", "Hope"),
        ("Please remind Savannah that the lease ends in May.", "Savannah"),
        ("My flatmate Sydney still owes me for the gas bill.", "Sydney"),
        ("can you remind georgia to send the slides", "georgia"),
        ("tell florence the parcel arrived", "florence"),
    ],
)
def test_given_name_that_is_a_place_or_word(text: str, name: str) -> None:
    assert ("PERSON", name) in found(text)
    assert level(text) is not Sensitivity.PUBLIC


@pytest.mark.parametrize("text", ["We flew to Sydney on Friday.", "i live in georgia and love it", "Ask Google to index the page."])
def test_place_stays_a_place(text: str) -> None:
    assert not any(kind == "PERSON" for kind, _ in found(text)), found(text)


def test_family_name_as_subject_of_a_patients_verb() -> None:
    text = "Fletcher was admitted to the ward on Sunday."
    assert ("PERSON", "Fletcher") in found(text)
    assert level(text) is Sensitivity.CONFIDENTIAL


def test_unknown_name_addressed_at_a_quotes_start() -> None:
    text = 'Make this sound kinder: "Oyelowo, your numbers are late again."'
    assert ("PERSON", "Oyelowo") in found(text)


def test_listed_given_name_inside_a_sentence_is_a_person() -> None:
    text = "The long debate about what Ingeborg meant went on for years."
    assert ("PERSON", "Ingeborg") in found(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [("I disagree with Sawyer about the budget.", "Sawyer"), ("Please summarise the feedback Fletcher sent.", "Fletcher")],
)
def test_family_name_after_a_verb_that_takes_a_person(text: str, name: str) -> None:
    assert ("PERSON", name) in found(text)


def test_role_before_a_famous_name_keeps_a_private_person() -> None:
    text = "Please renew the lease of tenant Charles Dickens by Friday."
    assert ("PERSON", "Charles Dickens") in found(text)
    assert level(text) is not Sensitivity.PUBLIC
    assert level("Who was Charles Dickens?") is Sensitivity.PUBLIC

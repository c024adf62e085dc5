"""Rule classes of issue 16's third accuracy pass (branch acc16c): two family names joined by
"and", a private role or relation before a name the lists miss, titles before English words,
lower-case names after a verb that takes a person, lists of places, known-for questions about
several people, and street addresses of Brazil, India, Nigeria, Korea, France and Britain.

Every sentence here is written for these tests (none comes from the evaluation data or from
``scripts/gen_pii_fresh.py``'s output).
"""

from __future__ import annotations

import pytest

from turnout.detect.pii import default_detector
from turnout.detect.pii_policy import known_for
from turnout.detect.sensitivity import assess
from turnout.types import Sensitivity


def found(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in default_detector().scan(text)]


def persons(text: str) -> list[str]:
    return [span for kind, span in found(text) if kind == "PERSON"]


def level(text: str) -> Sensitivity:
    return assess([{"role": "user", "content": text}]).level


# -- people ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Fletcher and Sawyer will run the stall at the fair.", ["Fletcher", "Sawyer"]),
        ("Could Archer and Weaver check the stock list?", ["Archer", "Weaver"]),
        ("Cooper and Shepherd agreed on a new rota.", ["Cooper", "Shepherd"]),
    ],
)
def test_two_family_names_joined_by_and_are_people(text: str, names: list[str]) -> None:
    assert persons(text) == names
    assert level(text) is not Sensitivity.PUBLIC


@pytest.mark.parametrize(
    "text",
    ["Salt and Pepper are the basics of seasoning.", "Monday and Friday will be busy.", "Research and Development will grow."],
)
def test_words_joined_by_and_are_no_people(text: str) -> None:
    assert persons(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The subscriber Quynh Truong called about a late bill.", "Quynh"),
        ("Please file the note from volunteer Queen Esmeralda.", "Esmeralda"),
        ("My cousin Oyelaran starts university in autumn.", "Oyelaran"),
        ("Book a taxi for Mrs. Do at six.", "Do"),
        ("Dr. Young will see the next visitor.", "Young"),
    ],
)
def test_a_role_relation_or_title_before_a_name(text: str, name: str) -> None:
    assert any(name in p for p in persons(text)), found(text)
    assert level(text) is not Sensitivity.PUBLIC


def test_a_role_before_a_famous_name_is_a_private_person() -> None:
    text = "Guest Ludwig van Beethoven wants a late checkout."
    assert persons(text)
    assert level(text) is not Sensitivity.PUBLIC


def test_a_given_name_that_is_a_place_or_word_before_she() -> None:
    text = "Buy a present for Sydney, she loves gardening."
    assert persons(text) == ["Sydney"]
    assert persons("In Sydney, she opened a bakery.") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [("please ask tuomo whether the parcel came", "tuomo"), ("can you remind wiremu to sign the form", "wiremu")],
)
def test_lower_case_name_after_a_verb_that_takes_a_person(text: str, name: str) -> None:
    assert persons(text) == [name]
    assert level(text) is not Sensitivity.PUBLIC


def test_romanised_east_asian_family_names() -> None:
    assert persons("Please call Jiahui Zhou about the refund.") == ["Jiahui Zhou"]
    assert persons("Seojun Kwon left the keys at reception.") == ["Seojun Kwon"]


def test_sun_microsystems_is_no_person() -> None:
    assert persons("Oracle bought Sun Microsystems.") == []


# -- places ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Flights from Lyon, Nice and Paris are cheaper in May.",
        "Which is older, Kyoto or Adelaide?",
        "Compare the museums of Porto, Tbilisi and Adelaide.",
        "In Paris, she met her publisher.",
    ],
)
def test_lists_of_places_are_places(text: str) -> None:
    assert persons(text) == []
    assert level(text) is Sensitivity.PUBLIC


# -- the policy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Compare the early lives of Marie Curie and Charles Darwin.",
        "What influenced Leo Tolstoy and Jane Austen?",
        "Why did Ludwig van Beethoven become famous?",
        "Name three works by Frida Kahlo.",
    ],
)
def test_known_for_questions_about_several_famous_people_stay_public(text: str) -> None:
    assert level(text) is Sensitivity.PUBLIC


def test_known_for_list_stops_at_a_private_cue() -> None:
    text = "Compare the early lives of Marie Curie and my neighbour Tamsin Okafor."
    assert level(text) is not Sensitivity.PUBLIC


def test_known_for_walks_back_over_a_list() -> None:
    text = "What influenced Leo Tolstoy and Jane Austen?"
    start = text.index("Jane")
    assert known_for(text, start, start + len("Jane Austen"))
    assert not known_for("Why did Dana Okafor cancel the order?", 8, 19)


@pytest.mark.parametrize(
    ("text", "public"),
    [
        ("the tenant okonkwo asked for a copy of the lease", False),
        ("configure the client library first", True),
        ("set up multi-tenant isolation in the cluster", True),
        ("the customer segment grew last year", True),
    ],
)
def test_a_role_before_a_lower_case_name(text: str, public: bool) -> None:
    assert (level(text) is Sensitivity.PUBLIC) is public


@pytest.mark.parametrize(
    "text",
    ["our new hire is tamsin, please set up her laptop", "My new colleague starts on Monday."],
)
def test_a_new_hire_or_colleague_is_a_private_person(text: str) -> None:
    assert level(text) is not Sensitivity.PUBLIC


# -- street addresses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "Rua Padre Anchieta, 212, apto 34, Campinas - SP, 13015-100",
        "Av. Sete de Abril, 90, Salvador - BA",
        "Plot 14, Ogunlana Drive, Surulere, Lagos",
        "No. 7, Ibrahim Taiwo Road, Kano",
        "Flat 3B, 18 Nehru Marg, Jaipur 302001",
        "22/4, Church Street, Bengaluru - 560001",
        "51 Yulgok-ro, Jongno-gu, Seoul",
        "318-4 Sinchon-dong, Seodaemun-gu, Seoul",
        "17 boulevard Gambetta, 38000 Grenoble",
        "9 Abbey Approach, York YO1 7HH",
        "Zur Linde 12, 04109 Leipzig",
    ],
)
def test_street_address_formats(address: str) -> None:
    text = f"Please send the contract to Tamsin Okafor, {address}, by Friday."
    spans = [span for kind, span in found(text) if kind == "STREET_ADDRESS"]
    assert spans, found(text)
    assert any(address.split(",")[0] in s or s in address for s in spans), spans
    assert level(text) is Sensitivity.CONFIDENTIAL


def test_an_address_does_not_take_the_name_before_it() -> None:
    text = "Tenant Imogen Fairley, Keizersgracht 12, 1015 CX Amsterdam, paid late."
    assert ("PERSON", "Imogen Fairley") in found(text)


@pytest.mark.parametrize(
    "text",
    ["See Figure 2, Block 3, and the House 5 vote.", "The plot on page 4 shows the Main result.", "I am 25 years old."],
)
def test_no_address_in_ordinary_text(text: str) -> None:
    assert not any(kind == "STREET_ADDRESS" for kind, _ in found(text)), found(text)


def test_lower_case_name_as_the_subject_of_a_person_verb() -> None:
    text = "okonjo began writing at twelve and she never stopped."
    assert persons(text) == ["okonjo"]
    assert persons("the parser said the file was empty and he agreed") == []


@pytest.mark.parametrize(
    "text",
    [
        "Ship it to 1668 Glyn St, Springfield, Tamsin Okafor will sign for it.",
        "Plot 9, Ogunlana Drive, Surulere, Lagos, Tamsin Okafor will sign for it.",
    ],
)
def test_an_address_tail_stops_before_a_name(text: str) -> None:
    assert ("PERSON", "Tamsin Okafor") in found(text)
    assert any(kind == "STREET_ADDRESS" for kind, _ in found(text))


@pytest.mark.parametrize("text", ["pay my bill", "please pay her tomorrow", "ask your manager first"])
def test_pronouns_after_a_verb_that_takes_a_person_are_no_names(text: str) -> None:
    assert persons(text) == []

"""Places in a sentence that only a person fills (issue 16, branch pii16d): a form's or a
letter's line, an apposition with a person's role, a possessive before a relative or a life
event, "I'm ...", "this is ... from", the object of "a call with", a verb only people do; and
lone family names that famous people bear ("Thatcher", "King"), which are the famous person only
in a frame that asks about them.

Every sentence here is written for these tests (none comes from the evaluation data or from
``scripts/gen_pii_fresh.py``'s output). The invented names are in no word list.
"""

from __future__ import annotations

import pytest

from turnout.detect.pii import default_detector
from turnout.detect.sensitivity import assess
from turnout.types import Sensitivity


def persons(text: str) -> list[str]:
    return [text[f.start : f.end] for f in default_detector().scan(text) if f.type == "PERSON"]


def level(text: str) -> Sensitivity:
    return assess([{"role": "user", "content": text}]).level


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Signed: Wembrulo", "Wembrulo"),
        ("Best regards,\nQuintavo\nFacilities", "Quintavo"),
        ("Requested by: Yastrelka", "Yastrelka"),
        ("Our plumber, Drovanek, says the pipe must be replaced.", "Drovanek"),
        ("Please write to Belvorin, the caretaker who found my keys.", "Belvorin"),
        ("Pelzamir's daughter starts school in the autumn.", "Pelzamir"),
        ("I'm Tessaluni, and my parcel is lost.", "Tessaluni"),
        ("Hello, this is Gorvantis from the flat upstairs.", "Gorvantis"),
        ("Book a lunch with Marelvic next Thursday.", "Marelvic"),
        ("Quorvath borrowed my bike last week.", "Quorvath"),
        ("Remind Stelvana to bring the spare key.", "Stelvana"),
        ("Could you proofread the toast Vemric Dallowan Jr. wrote for the wedding?", "Dallowan"),
    ],
)
def test_a_name_no_list_holds_in_a_persons_place(text: str, name: str) -> None:
    assert any(name in p for p in persons(text)), persons(text)
    assert level(text) is not Sensitivity.PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "signed: wembrulo",
        "kind regards,\nquintavo dallowan\nfacilities",
        "i'm tessaluni pervak, and my parcel is lost.",
        "set up a call with marelvic ostrand on monday.",
    ],
)
def test_the_same_places_typed_in_lower_case(text: str) -> None:
    assert persons(text), text
    assert level(text) is not Sensitivity.PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "Signed: the committee",
        "Kind regards,\nThe Support Team",
        "I'm Canadian, and I want to visit Norway.",
        "This is Kubernetes, the container orchestrator.",
        "Google's headquarters are in California.",
        "A call with Python is cheaper than a subprocess.",
    ],
)
def test_not_a_persons_place(text: str) -> None:
    assert persons(text) == []


def test_a_famous_given_name_after_a_role_is_a_private_person() -> None:
    text = "Please update the file of tenant Mahatma Dorvel."
    assert persons(text)
    assert level("Please close the account of subscriber Mahatma Gandhi.") is not Sensitivity.PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "I disagree with Thatcher about the budget.",
        "King thinks the schedule is too tight; can you help me reply?",
        "Newton was admitted to the ward with a broken arm.",
    ],
)
def test_a_lone_famous_family_name_in_an_everyday_sentence_is_not_public(text: str) -> None:
    assert level(text) is not Sensitivity.PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "What were Thatcher's policies?",
        "Explain Newton's laws of motion.",
        "Who was Martin Luther King?",
        "Write a poem in the style of Shakespeare.",
        "King Charles visited Canada in the spring.",
        "Tell me about Darwin and the voyage of the Beagle.",
    ],
)
def test_public_figures_in_a_frame_stay_public(text: str) -> None:
    assert level(text) is Sensitivity.PUBLIC


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Our coach Pelvarin wants us to train twice a week.", "Pelvarin"),
        ("Reply to Dorvessa: the venue is booked.", "Dorvessa"),
        ("Summarise this chat between Quilmaro and Tesvadin.", "Quilmaro"),
        ("The claim of Vantrelo was rejected.", "Vantrelo"),
        ("The resident Kiss Ilona asked for a parking permit.", "Kiss Ilona"),
        ("Write a short bio for Georgia Vantrelova, our new analyst.", "Georgia Vantrelova"),
    ],
)
def test_more_places_only_a_person_fills(text: str, name: str) -> None:
    assert any(name in p for p in persons(text)), persons(text)
    assert level(text) is not Sensitivity.PUBLIC


def test_a_blood_test_is_a_health_detail() -> None:
    assert level("Pelvarin Dostov's blood test results came back normal.") is Sensitivity.CONFIDENTIAL
    assert level("What does a blood test measure?") is Sensitivity.PUBLIC


@pytest.mark.parametrize("text", ["Who painted the Mona Lisa?", "who composed the Goldberg Variations?"])
def test_who_made_a_work_named_after_its_subject_is_public(text: str) -> None:
    assert level(text) is Sensitivity.PUBLIC

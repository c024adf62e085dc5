"""The policy for names, places and dates: combinations, public figures, config, and the
same answer in ``turnout classify`` and routing. Sentences written for these tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from turnout.config import DetectionConfig
from turnout.detect.pii_policy import (
    DEFAULT_COMBINATIONS,
    Combination,
    PiiPolicy,
    context_categories,
    historical,
)
from turnout.detect.redact import Redactor
from turnout.detect.sensitivity import assess
from turnout.policy.detectors import PiiSensitivityDetector
from turnout.types import Sensitivity

PUBLIC, INTERNAL, CONFIDENTIAL = Sensitivity.PUBLIC, Sensitivity.INTERNAL, Sensitivity.CONFIDENTIAL


def level(text: str, policy: PiiPolicy | None = None) -> Sensitivity:
    return assess([{"role": "user", "content": text}], pii_policy=policy).level


@pytest.mark.parametrize(
    "text",
    [
        "Patient Oskar Lindqvist, 22 Birch Road, Leeds, was admitted on 4 May with pneumonia.",
        "Ingrid Halvorsen was diagnosed with diabetes last spring.",
        "Please check the salary slip for Marek Dvorak before payroll closes.",
        "Teodora Ilic lives at 17 Harbour Street, Galway.",
        "Raffaele Conti was born on 12 March 1987.",
    ],
)
def test_a_person_with_a_health_money_address_or_birth_detail_is_confidential(text: str) -> None:
    assert level(text) is CONFIDENTIAL


@pytest.mark.parametrize(
    "text",
    [
        "My name is Jolanta and I have a question.",
        "Roxana is very reliable, you can always count on her.",
        "Send it to Benedikt Sauer please.",
        "my daughter wants to study abroad",
        "Can you draft a polite reply to my landlord about the heating?",
        # a private role right before a name keeps even a famous namesake private
        "Write a performance review for employee Marie Curie.",
        "Pull up the record for Isaac Newton, account 4411.",
        "The tenant Marie Curie has not paid the rent since May.",
        "Confirm the appointment for Marie Curie on Friday.",
        # a text that also speaks of history: the record role wins
        "Our employee Ferdinand Magellan wrote an essay on the 16th century empire.",
        "summarise the review for jordan whitfield",
    ],
)
def test_a_private_person_is_never_public(text: str) -> None:
    assert level(text) is not PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "Who was Napoleon?",
        "What did Marie Curie discover?",
        "What is the weather in Paris tomorrow?",
        "Compare the economies of Norway and Chile.",
        "In the 16th century, Ferdinand Magellan's fleet sailed around the world.",
        "Explain Maxwell's equations in simple terms.",
        "Was the treaty signed in 1648?",
        "How do patients with asthma use an inhaler?",
    ],
)
def test_public_questions_stay_public(text: str) -> None:
    assert level(text) is PUBLIC


def test_a_private_cue_outweighs_fame() -> None:
    assert level("My name is Napoleon and I need a refund.") is not PUBLIC


def test_combinations_are_data() -> None:
    strict = PiiPolicy.from_config([{"types": ["PERSON"], "level": "confidential"}])
    assert level("Roxana is very reliable.", strict) is CONFIDENTIAL
    lenient = PiiPolicy.from_config([])
    assert level("Ingrid Halvorsen was diagnosed with diabetes.", lenient) is INTERNAL
    assert PiiPolicy.from_config(None).combinations == DEFAULT_COMBINATIONS
    with pytest.raises(ValueError):
        Combination.from_dict({"types": [], "level": "internal"})
    with pytest.raises(ValueError):
        Combination.from_dict({"types": ["PERSON"], "level": "secret"})
    with pytest.raises(ValueError):
        Combination.from_dict({"types": ["PERSON"], "level": "internal", "when": "always"})


def test_extra_public_figures_and_history_switch() -> None:
    policy = PiiPolicy.from_config(None, ["Wendeline Okafor"])
    assert level("What did Wendeline Okafor say at the summit?", policy) is PUBLIC
    assert level("What did Wendeline Okafor say at the summit?") is INTERNAL
    no_history = PiiPolicy.from_config(None, (), historical_context=False)
    text = "In the 16th century, Bartholomeus Vinck painted the harbour."
    assert level(text) is PUBLIC and level(text, no_history) is INTERNAL


def test_context_categories() -> None:
    assert context_categories("She was prescribed insulin") == {"HEALTH"}
    assert "FINANCIAL" in context_categories("his mortgage is overdue")
    assert "PRIVATE_CUE" in context_categories("please send it to my brother")
    assert context_categories("What is the boiling point of water?") == set()
    assert historical("the empire fell in 1453") and not historical("book a table for two")


@pytest.mark.parametrize(
    "text",
    [
        "Dear Quillon,\nthe keys are under the mat.",
        "  dear Mrs. Abernathy-Vole, thank you for the flowers",
        'Who is this? "Im Pemberly\'s nephew", he said.',
    ],
)
def test_a_salutation_or_a_family_tie_is_a_private_cue(text: str) -> None:
    assert "PRIVATE_CUE" in context_categories(text)
    assert level(text) is not PUBLIC


@pytest.mark.parametrize(
    "text",
    [
        "Oh dear, the build failed again.",
        "Dear Sir or Madam, please find the brochure attached.",
        "Dear team, the release is on Friday.",
        "Who was Henry VIII's second wife?",
    ],
)
def test_letters_to_no_one_and_relations_of_public_figures_are_no_cue(text: str) -> None:
    assert "PRIVATE_CUE" not in context_categories(text)


def test_config_reaches_the_router_detector() -> None:
    cfg = DetectionConfig.model_validate(
        {"combinations": [{"types": ["LOCATION"], "level": "internal"}], "public_figures": ["Jarmila Novotna"]}
    )
    det = PiiSensitivityDetector(cfg)
    assert det.assess([{"role": "user", "content": "Weather in Oslo?"}], None).level is INTERNAL
    assert det.assess([{"role": "user", "content": "Who is Jarmila Novotna?"}], None).level is PUBLIC
    with pytest.raises(ValueError):
        DetectionConfig.model_validate({"combinations": [{"types": [], "level": "internal"}]})


PROMPTS = [
    "Patient Oskar Lindqvist was admitted on 4 May.",
    "My name is Jolanta.",
    "Who was Napoleon?",
    "What is the weather in Paris?",
]


def test_classify_and_routing_agree(tmp_path: Path) -> None:
    det = PiiSensitivityDetector(DetectionConfig())
    expected = [det.assess([{"role": "user", "content": p}], None).level.value for p in PROMPTS]
    assert expected == ["confidential", "internal", "public", "public"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-m", "turnout.cli", "classify"],
        input="\n".join(json.dumps({"prompt": p}) for p in PROMPTS) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=True,
    )
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert [r["sensitivity"] for r in rows] == expected
    assert any(p["type"] == "PERSON" for p in rows[0]["pii"])


def test_redaction_covers_names_and_restores_them() -> None:
    messages = [{"role": "user", "content": "Write a get-well card for Oskar Lindqvist in Leeds."}]
    redacted, mapping = Redactor().redact(messages)
    text = redacted[0]["content"]
    assert "Oskar Lindqvist" not in text and "[PERSON_1]" in text
    assert "Leeds" in text  # a place alone is public: left for the model to use
    answer = "Dear [PERSON_1], get well soon!"
    assert mapping.restore(answer) == "Dear Oskar Lindqvist, get well soon!"
    restorer = mapping.stream_restorer()
    pieces = ["Dear [PER", "SON_", "1], get", " well soon!"]
    assert "".join(restorer.feed(p) for p in pieces) + restorer.flush() == "Dear Oskar Lindqvist, get well soon!"
    with_places = Redactor(types=["PERSON", "LOCATION"]).redact(messages)[0][0]["content"]
    assert "Leeds" not in with_places


# -- acc16: a private role before a name, and records in a text about history ---------------




@pytest.mark.parametrize(
    "text",
    [
        "Explain Marie Curie's contribution to radioactivity.",
        "Summarise Tesla's Q3 earnings call.",
        "Describe Isaac Newton's laws of motion.",
        "How did client states of the Roman Empire treat Augustus?",
        "Convert the payload to JSON before sending it.",
    ],
)
def test_public_figures_products_and_formats_stay_public(text: str) -> None:
    assert level(text) is PUBLIC

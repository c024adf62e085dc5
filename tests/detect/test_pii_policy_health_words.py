"""The HEALTH key words found from the text's word starts (``pii_policy._WordStarts``) answer as
the pattern searched over the whole text, and the named conditions and medicines make a person
or a contact confidential (red9g: most of its leaks were sentences with a diagnosis no general
health word names)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.config import DetectionConfig
from turnout.detect import pii_policy
from turnout.detect.pii_policy import HEALTH, has_category
from turnout.policy.detectors import PiiSensitivityDetector
from turnout.types import Sensitivity

PATTERN = pii_policy._CUE_RES[HEALTH]
# pieces of the key words (whole, cut, glued, with their optional letters) among everyday words
KEY_BITS = ["hepatitis", "hepat", "sclerosis", "x-ray", "x", "ray", "crohn's", "crohn’s", "crohn", "tumour",
            "tumor", "tumo", "blood pressure", "blood", "pressure", "hospitalised", "hospital", "diagnos",
            "cancer", "aids", "hiv-positive", "tested positive", "positive", "panic attacks", "sleep apnoea",
            "sleep apnea", "apnea", "leukaemia", "leukemia", "coeliac", "celiac", "therapy", "radiotherapy",
            "the", "treaty", "can", "cannot", "diabetic", "pre-", "_", "ocd", "adhd"]
EVERYDAY = ["the", "report", "weather", "paris", "meeting", "data", "over", "ab", "a", "1", "2024"]
SEPS = [" ", "", "-", "'", "’", ",", ".", "\n", "_", "é", "ß", "1", "(", "/", "\u00a0", "İ"]


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(KEY_BITS + EVERYDAY), min_size=1, max_size=12))
    seps = draw(st.lists(st.sampled_from(SEPS), min_size=len(parts), max_size=len(parts)))
    return "".join(p + s for p, s in zip(parts, seps, strict=True)).lower()


@settings(max_examples=800, deadline=None)
@given(text=texts() | st.text(max_size=60))
def test_word_starts_answer_as_the_pattern_search(text: str) -> None:
    low = text.lower()
    assert has_category(low, HEALTH) is (PATTERN.search(low) is not None)


def test_every_key_word_has_a_word_start() -> None:
    starts = {pii_policy._word_start(a) for a in pii_policy._alternatives(pii_policy._CUES[HEALTH])}
    assert "" not in starts and all(len(s) >= 3 or s == "x" for s in starts)
    assert all(re.fullmatch(r"\w+", s) for s in starts)


DETECTOR = PiiSensitivityDetector(DetectionConfig())
CONDITIONS = ["multiple sclerosis", "schizophrenia", "epilepsy", "hepatitis C", "bipolar disorder",
              "Crohn's disease", "leukaemia", "PTSD", "an eating disorder", "early-onset dementia"]
MEDICINES = ["sertraline", "methadone", "antiretrovirals", "adderall", "ozempic"]
locals_ = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=5, max_size=9)


@settings(max_examples=40, deadline=None)
@given(user=locals_, condition=st.sampled_from(CONDITIONS), medicine=st.sampled_from(MEDICINES),
       frame=st.sampled_from(["{mail} was diagnosed last spring with {c}",
                              "{mail} tested positive for {c}",
                              "{mail} takes {m} every morning",
                              "Our employee Quorvel Dantry has {c}, keep it quiet",
                              "Quorvel Dantry ({mail}) is on {m} since March"]))
def test_a_named_condition_or_medicine_makes_a_person_confidential(user: str, condition: str, medicine: str,
                                                                  frame: str) -> None:
    text = frame.format(mail=f"{user}.dantry@examplemail.org", c=condition, m=medicine)
    assert DETECTOR.assess([{"role": "user", "content": text}], None, {}).level is Sensitivity.CONFIDENTIAL


def test_conditions_alone_stay_public() -> None:
    for condition in CONDITIONS:
        text = f"What are the early signs of {condition}, and how is it usually treated?"
        assert DETECTOR.assess([{"role": "user", "content": text}], None, {}).level is Sensitivity.PUBLIC

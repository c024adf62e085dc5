"""Policy mapping, the label rule (raise freely, lower only where allowed) and message coverage."""

from __future__ import annotations

import json
from typing import Any

import pytest

from turnout.detect.pii import Detector
from turnout.detect.sensitivity import (
    DEFAULT_LEVELS,
    SensitivityPolicy,
    assess,
    message_scan_text,
)
from turnout.types import Sensitivity

PUBLIC, INTERNAL, CONFIDENTIAL = Sensitivity.PUBLIC, Sensitivity.INTERNAL, Sensitivity.CONFIDENTIAL


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def test_default_levels() -> None:
    p = SensitivityPolicy()
    for t in ("CREDIT_CARD", "IBAN_CODE", "US_SSN", "PASSWORD", "PRIVATE_KEY", "API_KEY", "SECRET_AWS_KEY",
              "SECRET_HIGH_ENTROPY"):  # fmt: skip
        assert p.level_for(t) is CONFIDENTIAL, t
    for t in ("EMAIL_ADDRESS", "PHONE_NUMBER", "PERSON", "STREET_ADDRESS", "DATE_TIME", "IP_ADDRESS"):
        assert p.level_for(t) is INTERNAL, t
    assert p.level_for("CUSTOM") is CONFIDENTIAL
    assert p.level_for("CUSTOMER_ID") is CONFIDENTIAL  # a named custom pattern
    assert set(DEFAULT_LEVELS) >= {"EMAIL_ADDRESS", "CREDIT_CARD"}


def test_from_dict() -> None:
    p = SensitivityPolicy.from_dict(
        {"levels": {"email_address": "confidential", "PERSON": "public"}, "custom": "internal",
         "allow_downgrade": True, "pinned_types": ["PRIVATE_KEY"], "min_score": 0.5}
    )  # fmt: skip
    assert p.level_for("EMAIL_ADDRESS") is CONFIDENTIAL
    assert p.level_for("PERSON") is PUBLIC
    assert p.level_for("CUSTOM") is INTERNAL
    assert p.allow_downgrade and p.pinned_types == frozenset({"PRIVATE_KEY"}) and p.min_score == 0.5
    assert SensitivityPolicy.from_dict(None).level_for("IBAN_CODE") is CONFIDENTIAL


@pytest.mark.parametrize(
    "bad",
    [
        {"levels": {"EMAIL_ADDRESS": "secret"}},
        {"allow_downgrade": "yes"},
        {"alow_downgrade": True},  # a typo must not silently weaken the policy
        {"levels": ["EMAIL_ADDRESS"]},
        {"min_score": 2},
    ],
)
def test_from_dict_rejects(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        SensitivityPolicy.from_dict(bad)


def test_detected_levels() -> None:
    r = assess([user("What is the capital of France?")])
    # a place alone is public (detect/pii_policy.py); it is found, but changes nothing
    assert (r.level, r.source) == (PUBLIC, "detected") and r.types in ([], ["LOCATION"])
    r = assess([user("Reply to jane@example.com please")])
    assert (r.level, r.source) == (INTERNAL, "detected")
    r = assess([user("mail jane@example.com, card 4111 1111 1111 1111")])
    assert r.level is CONFIDENTIAL and r.types == ["CREDIT_CARD", "EMAIL_ADDRESS"]


def test_label_raises_freely() -> None:
    r = assess([user("hello there")], given=CONFIDENTIAL)
    assert (r.level, r.source) == (CONFIDENTIAL, "given")
    r = assess([user("mail jane@example.com")], given="confidential")
    assert (r.level, r.source, r.detected) == (CONFIDENTIAL, "given", INTERNAL)


def test_label_agreeing_is_both() -> None:
    r = assess([user("mail jane@example.com")], given=INTERNAL)
    assert (r.level, r.source) == (INTERNAL, "both")


def test_label_cannot_lower_by_default() -> None:
    r = assess([user("card 4111 1111 1111 1111")], given=PUBLIC)
    assert (r.level, r.source) == (CONFIDENTIAL, "detected")


def test_downgrade_where_config_allows() -> None:
    policy = SensitivityPolicy(allow_downgrade=True)
    r = assess([user("card 4111 1111 1111 1111, mail jane@example.com")], given=PUBLIC, policy=policy)
    assert (r.level, r.source) == (PUBLIC, "given")
    # credentials are pinned: a label never sends a key to the cloud
    r = assess([user("my password=hunter2! and jane@example.com")], given=PUBLIC, policy=policy)
    assert (r.level, r.source) == (CONFIDENTIAL, "detected")
    unpinned = SensitivityPolicy(allow_downgrade=True, pinned_types=frozenset())
    assert assess([user("password=hunter2!")], given=INTERNAL, policy=unpinned).level is INTERNAL


def test_min_score_and_custom_levels() -> None:
    det = Detector(custom_terms=["Nightingale"])
    r = assess([user("status of Nightingale?")], detector=det)
    assert (r.level, r.types) == (CONFIDENTIAL, ["CUSTOM"])
    policy = SensitivityPolicy.from_dict({"custom": "internal"})
    assert assess([user("status of Nightingale?")], policy=policy, detector=det).level is INTERNAL
    high = SensitivityPolicy(min_score=0.99)
    assert assess([user("Phone:\n467 3395")], policy=high).level is PUBLIC


def test_scans_tool_calls_tool_results_and_parts() -> None:
    card = "4111 1111 1111 1111"
    assistant_call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "pay", "arguments": json.dumps({"card": card})}}
        ],
    }
    r = assess([user("pay my bill"), assistant_call])
    assert r.level is CONFIDENTIAL and [i for i, _ in r.findings] == [1]

    tool_result = {"role": "tool", "tool_call_id": "c1", "content": '{"iban": "GB82 WEST 1234 5698 7654 32"}'}
    r = assess([user("what came back?"), tool_result])
    assert r.level is CONFIDENTIAL and r.types == ["IBAN_CODE"]

    parts = {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                                         {"type": "text", "text": "my SSN is 460-89-9847"}]}  # fmt: skip
    assert assess([parts]).types == ["US_SSN"]

    legacy = {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": '{"password": "Tr0ub4dor&3"}'}}
    assert assess([legacy]).level is CONFIDENTIAL


def test_findings_refer_to_message_scan_text() -> None:
    msg = {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "mail b@example.com"}]}
    r = assess([user("hi"), msg])
    (index, finding) = r.findings[0]
    assert index == 1
    assert message_scan_text(msg)[finding.start : finding.end] == "b@example.com"


def test_non_dict_messages_are_skipped() -> None:
    assert assess([user("hi"), "junk"]).level is PUBLIC  # type: ignore[list-item]

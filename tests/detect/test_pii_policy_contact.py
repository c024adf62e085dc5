"""An e-mail address or a phone number beside a health detail is confidential (issue 16, branch
pii16d): the health key words are looked for near the address only (``NEAR_WINDOW`` characters
each side of the first ``NEAR_LIMIT`` addresses and numbers), not in the whole request."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.pii_policy import DEFAULT_POLICY, HEALTH, NEAR_LIMIT, NEAR_WINDOW
from turnout.detect.sensitivity import assess
from turnout.types import Sensitivity


def level(*contents: str) -> Sensitivity:
    return assess([{"role": "user", "content": c} for c in contents]).level


@settings(max_examples=60, deadline=None)
@given(
    local=st.from_regex(r"[a-z]{3,9}(?:\.[a-z]{2,8})?[0-9]{0,3}", fullmatch=True),
    domain=st.sampled_from(["example.org", "mail.example.net", "example.co.uk"]),
    detail=st.sampled_from(["was diagnosed with asthma", "is on insulin", "had surgery last week",
                            "needs a blood pressure check"]),
    as_phone=st.booleans(),
    digits=st.from_regex(r"[2-9][0-9]{2} [0-9]{3} [0-9]{4}", fullmatch=True),
)
def test_an_email_or_phone_with_a_health_detail_is_confidential(
    local: str, domain: str, detail: str, as_phone: bool, digits: str
) -> None:
    who = f"+1 {digits}" if as_phone else f"{local}@{domain}"
    assert level(f"The person at {who} {detail}.") is Sensitivity.CONFIDENTIAL


def test_without_a_health_detail_an_email_stays_internal() -> None:
    assert level("Write to support@shop.example.com about my refund.") is Sensitivity.INTERNAL


def test_a_health_word_far_from_the_address_does_not_count() -> None:
    filler = "The quarterly figures are in the attached sheet. " * (NEAR_WINDOW // 40 + 2)
    assert level(f"From ops@example.org: {filler} The clinic opens at nine.") is Sensitivity.INTERNAL
    assert level(f"From ops@example.org, who is in hospital: {filler}") is Sensitivity.CONFIDENTIAL


def test_only_the_first_addresses_are_looked_around() -> None:
    far = "Nothing to add here, see the attached minutes of the meeting. " * 4
    early = "".join(f"Ask desk{k}@example.org. {far}" for k in range(NEAR_LIMIT))
    text = early + "The last one, desk9@example.org, was diagnosed with flu."
    assert level(text) is Sensitivity.INTERNAL  # the health detail is beside the fifth address
    assert level("desk9@example.org was diagnosed with flu. " + early) is Sensitivity.CONFIDENTIAL


def test_the_near_categories_are_only_those_of_contact_combinations() -> None:
    assert DEFAULT_POLICY.categories_near({"EMAIL_ADDRESS"}) == {HEALTH: frozenset({"EMAIL_ADDRESS"})}
    assert HEALTH not in DEFAULT_POLICY.categories_to_look_for({"EMAIL_ADDRESS"})
    assert HEALTH in DEFAULT_POLICY.categories_to_look_for({"EMAIL_ADDRESS", "PERSON"})
    assert DEFAULT_POLICY.categories_near({"EMAIL_ADDRESS"}, above=Sensitivity.CONFIDENTIAL) == {}


def test_near_is_data_in_the_config() -> None:
    import pytest

    from turnout.detect.pii_policy import Combination, PiiPolicy

    combo = Combination.from_dict({"types": ["EMAIL_ADDRESS", "FINANCIAL"], "level": "confidential", "near": True})
    assert combo.near and Combination.from_dict({"types": ["PERSON"], "level": "internal"}).near is False
    with pytest.raises(ValueError, match="near"):
        Combination.from_dict({"types": ["PERSON"], "level": "internal", "near": "yes"})
    policy = PiiPolicy.from_config([{"types": ["EMAIL_ADDRESS", "FINANCIAL"], "level": "confidential", "near": True}])
    text = "Invoice overdue, please pay. " + "Nothing else to say here at all. " * 6 + "Reply to ops@example.org."
    assert assess([{"role": "user", "content": text}], pii_policy=policy).level is Sensitivity.INTERNAL
    assert assess([{"role": "user", "content": "ops@example.org has an overdue invoice."}],
                  pii_policy=policy).level is Sensitivity.CONFIDENTIAL


_TYPES = ["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "DATE_TIME", "LOCATION", "HEALTH",
          "FINANCIAL", "PRIVATE_CUE"]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    combos=st.lists(st.tuples(st.sets(st.sampled_from(_TYPES), min_size=1, max_size=3),
                              st.sampled_from(list(Sensitivity)), st.booleans()), max_size=6),
    types=st.sets(st.sampled_from(_TYPES)),
    above=st.none() | st.sampled_from(list(Sensitivity)),
)
def test_the_split_combinations_answer_as_the_plain_computation(
    combos: list[tuple[set[str], Sensitivity, bool]], types: set[str], above: Sensitivity | None
) -> None:
    from turnout.detect.pii_policy import CONTEXT_CATEGORIES, Combination, PiiPolicy

    policy = PiiPolicy(tuple(Combination(frozenset(t), level, near) for t, level, near in combos))
    whole: set[str] = set()
    near: dict[str, frozenset[str]] = {}
    for combo in policy.combinations:
        cats, others = combo.types & CONTEXT_CATEGORIES, combo.types - CONTEXT_CATEGORIES
        if not cats or not others <= types or (above is not None and combo.level.rank <= above.rank):
            continue
        if combo.near and others:
            for cat in cats:
                near[cat] = near.get(cat, frozenset()) | others
        else:
            whole |= cats
    assert policy.categories_to_look_for(types, above) == whole
    assert policy.categories_near(types, above) == near

"""What a request's privacy scan costs on short prompts (issue 17), and the seam rule it rests
on: seams join consecutive *message* text pieces (a card split over messages or parts); a
request parameter (``user``, ``stop``, metadata, tools) glued to the last message, or to
another parameter, is no split secret and is not read across."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.pii import Detector, Finding, default_detector
from turnout.detect.scan import scan_request

CARD_HALVES = ("my card is 4111 1111", "1111 1111 thanks")


class CountingDetector:
    """A detector that counts its passes (the fixed cost of a request is one pass)."""

    def __init__(self, inner: Detector) -> None:
        self.inner = inner
        self.texts: list[str] = []

    def scan(self, text: str) -> list[Finding]:
        self.texts.append(text)
        return self.inner.scan(text)


def test_a_short_prompt_is_one_detector_pass() -> None:
    counting = CountingDetector(default_detector())
    scan = scan_request([{"role": "user", "content": "Say hello in five words. 123"}], {"model": "gpt-4o-mini"},
                        counting)  # type: ignore[arg-type]
    assert scan.findings == []
    assert len(counting.texts) == 1


def test_a_card_split_over_two_messages_is_read_across_the_seam() -> None:
    messages = [{"role": "user", "content": CARD_HALVES[0]}, {"role": "user", "content": CARD_HALVES[1]}]
    scan = scan_request(messages, {}, default_detector())
    assert {f.type for f in scan.findings} == {"CREDIT_CARD"}
    assert {f.how for f in scan.findings} == {"seam"}


def test_a_param_glued_to_the_last_message_is_not_read_across() -> None:
    # the walk lists params after the messages: "...4111 1111" + "1111 1111" reads as a card
    # only if the seam between the last message and the ``user`` field is scanned
    for params in ({"user": "1111 1111"}, {"stop": ["1111 1111"]}, {"metadata": {"n": "1111 1111"}}):
        scan = scan_request([{"role": "user", "content": CARD_HALVES[0]}], params, default_detector())
        assert scan.findings == [], params


def test_two_params_are_not_read_across() -> None:
    scan = scan_request([{"role": "user", "content": "hi."}], {"stop": ["4111 1111", "1111 1111"]}, default_detector())
    assert scan.findings == []


word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 .-_@", min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(st.lists(word, min_size=1, max_size=3), st.dictionaries(st.sampled_from(["user", "stop", "x_note"]), word,
                                                               max_size=3))
def test_no_seam_finding_lies_in_a_param(contents: list[str], params: dict[str, Any]) -> None:
    messages = [{"role": "user", "content": c} for c in contents]
    scan = scan_request(messages, params, default_detector())
    in_messages = sum(p.message >= 0 for p in scan.walk.pieces)
    assert all(f.piece < in_messages for f in scan.findings if f.how == "seam")


# --- exact gates: each skips a pass only where the pass finds nothing --------------------------

_SECRET_BITS = ["sk-", "SK-", "sk-proj-", "k_live_", "rk_test_", "-----BEGIN", "-----begin RSA PRIVATE KEY-----",
                "://", "https://u:", "@host", "Pass", "pwd", "Secret", "TOKEN", "api_key", "key", "Bearer ",
                "AKIA", "IA", "ABCDEFGHIJ0123456789", "=", ": ", "hunter2", "x9Fq2LmZ7", " ", "\n", "the", "42"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SECRET_BITS), min_size=1, max_size=14).map("".join))
def test_the_secret_gate_never_skips_a_finding(text: str) -> None:
    from unittest import mock

    from turnout.detect import pii

    def found(gated: bool) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        with mock.patch.object(pii, "_may_hold_secret", pii._may_hold_secret if gated else (lambda low: True)):
            default_detector()._scan_secrets(text, text.lower(), lambda *a: out.append(a))
        return out

    assert found(True) == found(False)


_LOWER_BITS = ["my", "name", "is", "olga", "krylova", "remind", "will", "may", "mark", "to", "pay", "the", "bill",
               "signed:", "i'm", "in", "berlin", "tenant", "okonkwo", "began", "writing", "python", "monday", "hope",
               "etc.", "dr.", "and", "Maria", "12", ",", ".", "\n", "bártová", "haruka", "georgia", "asks"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_LOWER_BITS), min_size=1, max_size=16).map(" ".join))
def test_the_lower_case_gate_never_skips_a_candidate(text: str) -> None:
    from turnout.detect.names import NameTagger

    gated = default_detector()._tagger
    assert gated is not None
    ungated = NameTagger.__new__(NameTagger)
    ungated.__dict__.update(gated.__dict__)
    ungated._lower_skip = frozenset()  # every token through the loop
    assert gated._lower_candidates(text) == ungated._lower_candidates(text)


_CUE_BITS = ["my", "name", "is", "dear", "Dear", "Anna", ",", "send", "it", "to", "patient", "salary", "the",
             "born", "on", "x-ray", "i'm", "bob's", "daughter", "our", "client", "hi", "\n", " ", "  "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_CUE_BITS), max_size=8).map(" ".join), min_size=1, max_size=4))
def test_key_words_in_the_joined_pieces_are_those_of_some_piece(texts: list[str]) -> None:
    from turnout.detect.pii_policy import CONTEXT_CATEGORIES, has_category
    from turnout.detect.sensitivity import _Texts
    from turnout.detect.walk import Piece

    pieces = [Piece(("messages", i, "content"), t, message=i) for i, t in enumerate(texts)]
    for category in sorted(CONTEXT_CATEGORIES):
        per_piece = any(has_category(t.lower(), category) for t in texts if t)
        assert _Texts(pieces).has(category) == per_piece, category


_KINDS = ["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "DATE_TIME", "HEALTH", "FINANCIAL",
          "PRIVATE_CUE", "LOCATION"]


@settings(max_examples=200, deadline=None)
@given(st.sets(st.sampled_from(_KINDS)), st.sampled_from(["public", "internal", "confidential"]), st.booleans())
def test_the_policy_answers_are_the_policys(kinds: set[str], above: str, custom: bool) -> None:
    from turnout.detect.pii_policy import (
        DEFAULT_POLICY,
        LEVEL,
        LOOK_FOR,
        NEAR,
        PiiPolicy,
        policy_answer,
    )
    from turnout.types import Sensitivity

    policy = (PiiPolicy.from_config([{"types": ["EMAIL_ADDRESS", "FINANCIAL"], "level": "confidential",
                                      "near": True}, {"types": ["LOCATION"], "level": "internal"}])
              if custom else DEFAULT_POLICY)
    level = Sensitivity.parse(above)
    for _ in range(2):  # worked out, then remembered
        assert policy_answer(LOOK_FOR, policy, kinds, level) == policy.categories_to_look_for(kinds, above=level)
        assert dict(policy_answer(NEAR, policy, kinds, level)) == policy.categories_near(kinds, above=level)
        assert policy_answer(LEVEL, policy, kinds, level) == policy.level(kinds)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcXYZ.'’- \n1é", max_size=40))
def test_token_spans_are_tokenizes(text: str) -> None:
    from turnout.detect.names import _TOKEN, _token_spans, tokenize

    forms = {t for t in _TOKEN.findall(text) if t[0].islower()}
    want = [(s, e, text[s:e].rstrip(".")) for s, e in tokenize(text) if text[s].islower()]
    assert list(_token_spans(text, forms)) == want

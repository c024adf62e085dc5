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

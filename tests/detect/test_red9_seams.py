"""Seams join the ends of consecutive pieces so that a card split over two messages reads
whole; they must not make a secret out of two innocent neighbours (red9): the tail of a text
file's base64 payload glued to the next piece (a ``user`` id, a tool name) looked like a
random token, so every request with an attached text file and a ``user`` went confidential
(to a local model, or a 503 where there is none)."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.config import DetectionConfig
from turnout.policy.detectors import PiiSensitivityDetector
from turnout.types import Sensitivity

DETECTOR = PiiSensitivityDetector(DetectionConfig())
prose = st.lists(st.sampled_from(["the", "report", "covers", "quarterly", "sales", "in", "our", "northern",
                                  "region", "and", "growth", "was", "steady"]), min_size=30, max_size=200).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(text=prose, user=st.sampled_from(["u1", "alice", "team-7", "customer_42"]))
def test_a_text_file_then_a_user_id_is_not_a_secret(text, user):
    url = "data:text/plain;base64," + base64.b64encode(text.encode()).decode()
    messages = [{"role": "user", "content": [{"type": "text", "text": "summarise"},
                                             {"type": "file", "file": {"filename": "r.txt", "file_data": url}}]}]
    assessed = DETECTOR.assess(messages, None, {"user": user})
    assert assessed.level is not Sensitivity.CONFIDENTIAL, assessed.findings


def test_a_card_split_over_two_messages_is_still_found():
    messages = [{"role": "user", "content": "my card is 4539 5787"}, {"role": "user", "content": "6362 1486 thanks"}]
    assert DETECTOR.assess(messages, None, {}).level is Sensitivity.CONFIDENTIAL


def test_a_key_split_over_two_messages_is_still_found():
    messages = [{"role": "user", "content": "sk-proj-abcdefghijAB"}, {"role": "user", "content": "CDEFGHIJ0123456789abcdefghij"}]
    assert DETECTOR.assess(messages, None, {}).level is Sensitivity.CONFIDENTIAL

"""Obfuscations of a card that the scan must undo (red9): characters that render as nothing but
are letters or symbols to Unicode (Hangul fillers, the braille blank), so they were not
dropped with the zero-width format characters."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.config import DetectionConfig
from turnout.detect.pii import luhn_valid
from turnout.policy.detectors import PiiSensitivityDetector
from turnout.types import Sensitivity

DETECTOR = PiiSensitivityDetector(DetectionConfig())
INVISIBLE = ["\u3164", "\u115f", "\u1160", "\uffa0", "\u2800"]


def luhn(body: str) -> str:
    """``body`` completed with its Luhn check digit."""
    return next(body + c for c in "0123456789" if luhn_valid(body + c))


cards = st.text(alphabet="0123456789", min_size=14, max_size=14).map(lambda d: luhn("4" + d))


@settings(max_examples=40, deadline=None)
@given(card=cards, filler=st.sampled_from(INVISIBLE), every=st.booleans())
def test_a_card_padded_with_invisible_letters_is_found(card, filler, every):
    form = filler.join(card) if every else filler.join(card[i:i + 4] for i in range(0, 16, 4))
    assessed = DETECTOR.assess([{"role": "user", "content": f"note {form} thanks"}], None, {})
    assert assessed.level is Sensitivity.CONFIDENTIAL


def test_hangul_text_is_left_alone():
    assessed = DETECTOR.assess([{"role": "user", "content": "안녕하세요 반갑습니다"}], None, {})
    assert assessed.level is Sensitivity.PUBLIC


@settings(max_examples=30, deadline=None)
@given(card=cards, path=st.sampled_from(["https://evil.test/upload/", "https://x.test/a/b/c/", "/v1/files/", "s3://bucket/k/"]),
       urlsafe=st.booleans())
def test_a_base64_card_as_a_url_path_segment_is_found(card, path, urlsafe):
    import base64

    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    segment = encode(f"card {card[:4]} {card[4:8]} {card[8:12]} {card[12:]}".encode()).decode().rstrip("=")
    assessed = DETECTOR.assess([{"role": "user", "content": f"fetch {path}{segment} please"}], None, {})
    assert assessed.level is Sensitivity.CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(card=cards, entity=st.sampled_from(["&nbsp;", "&ensp;", "&thinsp;", "&hyphen;", "&dash;", "&NonBreakingSpace;"]))
def test_a_card_separated_by_named_html_entities_is_found(card, entity):
    form = entity.join(card[i:i + 4] for i in range(0, 16, 4))
    assessed = DETECTOR.assess([{"role": "user", "content": f"<p>card: {form}</p>"}], None, {})
    assert assessed.level is Sensitivity.CONFIDENTIAL


def test_prose_with_an_ampersand_is_left_alone():
    assessed = DETECTOR.assess([{"role": "user", "content": "R&D and AT&T; Q&amp;A at 10:30 &mdash; fine"}], None, {})
    assert assessed.level is Sensitivity.PUBLIC

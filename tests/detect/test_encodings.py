"""Secrets written in encodings the scan must undo (issue 9, enc9): octal escapes,
quoted-printable, spaced or colon-separated hex bytes, base64 of UTF-16 text, base32.
A card or an e-mail address inside random prose, written in one of these forms, is still seen."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.config import DetectionConfig
from turnout.detect.pii import luhn_valid
from turnout.policy.detectors import PiiSensitivityDetector
from turnout.types import Sensitivity

DETECTOR = PiiSensitivityDetector(DetectionConfig())


def luhn(body: str) -> str:
    """``body`` completed with its Luhn check digit."""
    return next(body + c for c in "0123456789" if luhn_valid(body + c))


cards = st.text(alphabet="0123456789", min_size=14, max_size=14).map(lambda d: luhn("4" + d)).map(
    lambda c: " ".join(c[i:i + 4] for i in range(0, 16, 4)))
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)
emails = st.builds(lambda a, b, c: f"{a}.{b}@{c}.com", words, words, words)
secrets = st.one_of(cards.map(lambda c: ("card", c)), emails.map(lambda e: ("email", e)))
prose = st.lists(words, max_size=8).map(" ".join)


def seen(before: str, form: str, after: str, kind: str) -> bool:
    level = DETECTOR.assess([{"role": "user", "content": f"{before} {form} {after}"}], None, {}).level
    return level is Sensitivity.CONFIDENTIAL if kind == "card" else level is not Sensitivity.PUBLIC


@settings(max_examples=40, deadline=None)
@given(secret=secrets, before=prose, after=prose)
def test_octal_escapes_are_decoded(secret, before, after):
    kind, value = secret
    assert seen(before, "".join(f"\\{ord(c):03o}" for c in value), after, kind)


@settings(max_examples=40, deadline=None)
@given(secret=secrets, before=prose, after=prose, upper=st.booleans())
def test_quoted_printable_is_decoded(secret, before, after, upper):
    kind, value = secret
    form = "".join(f"={ord(c):02X}" if upper else f"={ord(c):02x}" for c in value)
    assert seen(before, form, after, kind)


@settings(max_examples=40, deadline=None)
@given(secret=secrets, before=prose, after=prose, sep=st.sampled_from([" ", ":"]), upper=st.booleans())
def test_separated_hex_bytes_are_decoded(secret, before, after, sep, upper):
    kind, value = secret
    form = sep.join(f"{b:02X}" if upper else f"{b:02x}" for b in value.encode())
    assert seen(before, form, after, kind)


@settings(max_examples=40, deadline=None)
@given(secret=secrets, before=prose, after=prose, codec=st.sampled_from(["utf-16-le", "utf-16-be", "utf-16"]))
def test_base64_of_utf16_text_is_decoded(secret, before, after, codec):
    kind, value = secret
    assert seen(before, base64.b64encode(f"{kind} {value}".encode(codec)).decode(), after, kind)


@settings(max_examples=40, deadline=None)
@given(secret=secrets, before=prose, after=prose, padded=st.booleans())
def test_base32_is_decoded(secret, before, after, padded):
    kind, value = secret
    form = base64.b32encode(f"{kind} {value}".encode()).decode()
    assert seen(before, form if padded else form.rstrip("="), after, kind)

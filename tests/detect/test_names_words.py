"""Which runs of letters the tagger reads as capitalised words: never one glued to a digit, so
the mixed-case runs inside base64, hex-like ids and keys are not names."""

from __future__ import annotations

import base64
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect import names
from turnout.detect.pii import Detector, _shape

_LETTERS_AND_DIGITS = st.text(alphabet=st.sampled_from(string.ascii_letters + string.digits + " +/=-'"),
                              max_size=200)


@settings(max_examples=400)
@given(_LETTERS_AND_DIGITS)
def test_a_capitalised_word_is_a_whole_run_of_letters_not_touching_a_digit(text: str) -> None:
    words, spans = names.capitalised_words(text, _shape(text))
    for word, (start, end) in zip(words, spans, strict=True):
        assert word == text[start:end] and word[0].isupper() and word.isalpha()
        assert start == 0 or not text[start - 1].isdigit()
        assert end == len(text) or not (text[end].isalpha() or text[end].isdigit())


def test_words_beside_digits_are_not_words_but_names_beside_punctuation_are() -> None:
    text = "Zm9yIFtDQVJE 4B ref A1 met Ana Lund, (Oskar) and O'Neill"
    words, _ = names.capitalised_words(text, _shape(text))
    assert words == ["Ana", "Lund", "Oskar", "O", "Neill"]


@pytest.mark.parametrize("note", [b"for [CARD_1] thanks", b"card [CARD_2] exp [DATE_1]", b"for  thanks"])
def test_base64_of_a_redacted_note_is_no_person(note: bytes) -> None:
    # redaction encodes a redacted payload again and scans the result: a "person" read in the
    # base64 made the whole payload one placeholder (test_redact_encoded)
    blob = base64.b64encode(note).decode()
    assert [f for f in Detector().scan(blob) if f.type == "PERSON"] == []

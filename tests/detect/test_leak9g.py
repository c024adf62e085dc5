"""leak9g: the leak classes red9f left open, and the ordinary text that must stay as it was.

Each class has its positive test in test_red9f_leaks.py (or here, when new); the tests here
hold the boundaries: numbers next to numbers that are no card, URLs with long numeric ids,
base64-looking words, glued words that hold a health word."""

from __future__ import annotations

import base64

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from turnout.config import DetectionConfig
from turnout.detect.pii import CREDIT_CARD, Detector, luhn_valid
from turnout.policy.detectors import PiiSensitivityDetector
from turnout.types import Sensitivity

DETECTOR = PiiSensitivityDetector(DetectionConfig())
PLAIN = Detector(names=False)
CONFIDENTIAL = Sensitivity.CONFIDENTIAL


def luhn(body: str) -> str:
    return next(body + c for c in "0123456789" if luhn_valid(body + c))


def level(text: str) -> Sensitivity:
    return DETECTOR.assess([{"role": "user", "content": text}], None, {}).level


def cards_in(text: str) -> list[str]:
    return [text[f.start:f.end] for f in PLAIN.scan(text) if f.type == CREDIT_CARD]


digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
cards = st.text(alphabet="0123456789", min_size=14, max_size=14).map(lambda d: luhn("4" + d))


# -- class 1: a card next to another number -----------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(card=cards, before=st.sampled_from(["qty 2 ", "7-", "1,", "row 12,", "2024-01-02 ", "n 1 2 "]),
       after=st.sampled_from([" 7", ",3", " 12", ""]), grouped=st.booleans())
def test_the_card_found_next_to_a_number_is_the_card_alone(card, before, after, grouped):
    written = " ".join(card[i:i + 4] for i in range(0, 16, 4)) if grouped else card
    assert cards_in(f"{before}{written}{after}") == [written]


@settings(max_examples=80, deadline=None)
@given(groups=st.lists(st.integers(min_value=1000, max_value=9999), min_size=5, max_size=12),
       sep=st.sampled_from([" ", "-"]), lead=st.sampled_from(["", "7 ", "12 "]))
def test_a_row_of_four_digit_numbers_is_read_in_fours_from_its_start(groups, sep, lead):
    """A table of four-digit numbers: _CARD reads it sixteen digits at a time from its first
    group (its longest match, then the next), as it always did; a card found at any other
    group would be a new finding on ordinary numbers."""
    row = sep.join(map(str, groups))
    chunks = {sep.join(map(str, groups[i:i + 4])) for i in range(0, len(groups), 4)}
    assert set(cards_in(f"values {lead}{row} end")) <= chunks


@settings(max_examples=60, deadline=None)
@given(card=cards, lead=st.sampled_from(["0.", "3.", "12.", "v1.2.", "+", "-", "1.5 "]))
def test_a_decimal_a_version_or_a_phone_before_the_digits_is_no_card(card, lead):
    # "1.5 4539..." is a decimal and then a card: the card stands after a space
    text = f"value {lead}{card}"
    expected = [card] if lead == "1.5 " else []
    assert cards_in(text) == expected


@settings(max_examples=60, deadline=None)
@given(card=cards)
def test_a_decimal_after_a_card_glued_by_a_dot_is_no_card(card):
    assert cards_in(f"value 7 {card}.5 end") == []
    assert cards_in(f"value {card[:8]}.{card[8:]} 7") == []


# -- class 2: a card in a URL path ---------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=10**17, max_value=10**19 - 1))
def test_a_long_numeric_id_in_a_url_path_is_no_card(n):
    # status ids (18-19 digits) are no card whatever their checksum: a path segment counts as a
    # card only with a card's 15 or 16 digits
    assert cards_in(f"https://x.example/someone/status/{n}") == []
    assert cards_in(f"https://x.example/{n}/media.png") == []


@settings(max_examples=30, deadline=None)
@given(card=cards, shape=st.sampled_from(["https://shop.example/pay/{}", "https://cdn.example/{}/a.png",
                                          "see the folder /{}/ please", "/v1/2024/{}?x=1"]))
def test_the_card_in_a_url_path_is_the_segment(card, shape):
    assert cards_in(shape.format(card)) == [card]


# -- class 4: wrapped base64 whose last line is short --------------------------------------------


@settings(max_examples=60, deadline=None)
@given(card=cards, width=st.sampled_from([16, 20, 64, 76]), sep=st.sampled_from(["\n", "\r\n", " "]),
       extra=st.sampled_from([4, 8, 12]), pad=st.integers(min_value=0, max_value=2), data=st.data())
def test_base64_of_one_line_and_a_short_last_line_is_read(card, width, sep, extra, pad, data):
    """One full line and a last one under 16 characters (no run of its own), the card across
    the break: fix9f's block reader reads two lines or more only when both are runs."""
    size = (width + extra) * 3 // 4 - pad  # bytes: base64 of width + extra characters
    written = " ".join(card[i:i + 4] for i in range(0, 16, 4)) if size >= 19 + 2 else card
    # where the card starts: the line break falls inside it, and it fits in the note
    lo, hi = max(0, width * 3 // 4 - len(written) + 1), min(width * 3 // 4 - 1, size - len(written))
    assume(lo <= hi)
    first = data.draw(st.integers(min_value=lo, max_value=hi))
    note = " " * first + written + " " * (size - first - len(written))
    run = base64.b64encode(note.encode()).decode()
    assert len(run) == width + extra
    assert level("here: " + run[:width] + sep + run[width:] + " thanks") is CONFIDENTIAL


# -- class 5: a contact with a health sentence written without its spaces ------------------------

locals_ = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=8)
glued_health = st.sampled_from(["wasdiagnosedwithHIVandtakesantiretrovirals", "wasdiagnosedwithdiabetes",
                                "hasbeenadmittedtohospitalyesterday", "takesinsulintwiceaday",
                                "isapatientatthecardiologyclinic", "startedchemotherapylastweek"])


@settings(max_examples=40, deadline=None)
@given(user=locals_, sentence=glued_health, form=st.sampled_from(["plain", "csv", "quoted"]))
def test_a_contact_with_a_health_sentence_glued_into_one_word_is_confidential(user, sentence, form):
    contact = f"patient{user}.doe@example.org"
    text = {"plain": f"{contact} {sentence}",
            "csv": f"id,contact,note\n7,{contact} {sentence},ok",
            "quoted": f'{{"note": "{sentence}.", "email": "{contact}"}}'}[form]
    assert level(text) is CONFIDENTIAL


@settings(max_examples=60, deadline=None)
@given(user=locals_, glued=st.sampled_from([
    "archiveofourownfanfiction", "thehospitalityindustryawards", "stillnessofthenightsky", "keystrokeloggersoftware",
    "raidsandmaidsandbraids", "getPatientRecordByIdentifier", "validateEmailAddressFormat", "#stayhomestaysafeeveryone",
    "retreatedsoldiersreturned", "treatyofversaillessigned", "internationalizationsupport"]),
    form=st.sampled_from(["after", "domain", "path", "hashtag"]))
def test_a_contact_beside_glued_words_that_hold_a_health_word_stays_internal(user, glued, form):
    text = {"after": f"write to {user}@example.org {glued} tomorrow",
            "domain": f"write to {user}@{glued.lower().lstrip('#')}.com for help",
            "path": f"{user}@example.org shared https://example.org/{glued}/index.html",
            "hashtag": f"{user}@example.org #{glued.lstrip('#')}"}[form]
    assert level(text) is Sensitivity.INTERNAL


# -- class 3: base64 in groups of four or eight ---------------------------------------------------


def grouped(text: str, width: int, sep: str) -> str:
    run = base64.b64encode(text.encode()).decode()
    return sep.join(run[i:i + width] for i in range(0, len(run), width))


@settings(max_examples=40, deadline=None)
@given(user=locals_, width=st.sampled_from([4, 8]), sep=st.sampled_from(["\n", "\r\n", " "]),
       around=st.sampled_from(["{}", "note: {} thanks", "a\n{}\nb"]))
def test_a_contact_with_a_diagnosis_in_base64_groups_is_confidential(user, width, sep, around):
    text = f"patient {user}.smith@examplemail.com was diagnosed with HIV and takes antiretrovirals"
    assert level(around.format(grouped(text, width, sep))) is CONFIDENTIAL


@settings(max_examples=40, deadline=None)
@given(key=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16),
       width=st.sampled_from([4, 8]), sep=st.sampled_from(["\n", "\r\n", " "]))
def test_an_aws_key_in_base64_groups_is_confidential(key, width, sep):
    assert level("config: " + grouped(f"aws_access_key_id = AKIA{key}", width, sep)) is CONFIDENTIAL


@settings(max_examples=40, deadline=None)
@given(blob=st.binary(min_size=12, max_size=90), width=st.sampled_from([4, 8]),
       sep=st.sampled_from(["\n", "\r\n", " "]))
def test_random_bytes_in_base64_groups_find_nothing(blob, width, sep):
    run = base64.b64encode(blob).decode()
    assert PLAIN.scan("blob " + sep.join(run[i:i + width] for i in range(0, len(run), width)) + " end") == [] or \
        PLAIN.scan(run) != []  # (unless the bytes themselves read as something)


@settings(max_examples=40, deadline=None)
@given(words=st.lists(st.sampled_from(["utf8", "sha1", "ipv4", "ipv6", "mp3s", "h264", "i386", "this", "that",
                                       "x86_64ab", "abcd1234", "base64ok"]), min_size=3, max_size=20))
def test_words_of_four_or_eight_with_digits_are_no_base64(words):
    text = "we use " + " ".join(words) + " here"
    assert PLAIN.scan(text) == PLAIN.scan(text.replace(" ", "  "))  # as when nothing could be a group

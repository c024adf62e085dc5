"""Detectors: positives, tricky negatives, overlap resolution, custom terms and patterns."""

from __future__ import annotations

import dataclasses
import random
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.pii import (
    ENTITY_TYPES,
    Detector,
    Finding,
    default_detector,
    iban_valid,
    luhn_valid,
)


def found(text: str, detector: Detector | None = None) -> list[tuple[str, str]]:
    det = detector or default_detector()
    return [(f.type, text[f.start : f.end]) for f in det.scan(text)]


def types_in(text: str) -> set[str]:
    return {t for t, _ in found(text)}


# -- Finding --------------------------------------------------------------------------------


def test_finding_holds_no_value_and_is_frozen() -> None:
    f = Finding("EMAIL_ADDRESS", 3, 10, 0.9)
    assert [x.name for x in dataclasses.fields(f)] == ["type", "start", "end", "score"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.start = 1  # type: ignore[misc]
    assert "@" not in repr(default_detector().scan("mail me: a.b@example.com"))


def test_scan_is_sorted_and_non_overlapping() -> None:
    text = (
        "Dr. Anna Schmidt (anna.schmidt@example.org, +49 30 1234567) paid with 4111 1111 1111 1111 "
        "from 192.168.1.20; IBAN DE89 3704 0044 0532 0130 00, SSN 123-45-6789."
    )
    findings = default_detector().scan(text)
    assert findings == sorted(findings, key=lambda f: f.start)
    for a, b in pairwise(findings):
        assert a.end <= b.start
    assert {f.type for f in findings} >= {
        "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IP_ADDRESS", "IBAN_CODE", "US_SSN",
    }  # fmt: skip
    assert all(f.type in ENTITY_TYPES for f in findings)


def test_empty_and_plain_text() -> None:
    assert default_detector().scan("") == []
    plain = (
        "Could you summarise the attached meeting notes in three bullet points? Keep it short and "
        "friendly, and mention that the next review is planned for the second quarter."
    )
    assert default_detector().scan(plain) == []


# -- e-mail ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("write to jane.doe+news@mail.example.co.uk today", "jane.doe+news@mail.example.co.uk"),
        ("<UtaKortig@jourrapide.com>", "UtaKortig@jourrapide.com"),
        ("E-mail:\nfirst_last-1@sub.domain.io.", "first_last-1@sub.domain.io"),
    ],
)
def test_email(text: str, value: str) -> None:
    assert ("EMAIL_ADDRESS", value) in found(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x" * 64 + "@example.com", [("EMAIL_ADDRESS", "x" * 64 + "@example.com")]),  # longest local part
        ("x" * 65 + "@example.com", []),
        ("mail .lead@example.com", []),  # a local part does not start after a dot
        ("(a.b-c@ex.com)", [("EMAIL_ADDRESS", "a.b-c@ex.com")]),
    ],
)
def test_email_local_part_bounds(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize("text", ["@decorator on a method", "user@localhost", "a @ b.com", "price@ 5"])
def test_email_negatives(text: str) -> None:
    assert "EMAIL_ADDRESS" not in types_in(text)


# -- phone ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("call +1-984-182-0190 now", "+1-984-182-0190"),
        ("my number: (579)888-3058", "(579)888-3058"),
        ("Desk: +41 (0)96 471 07 95", "+41 (0)96 471 07 95"),
        ("ring +447700 921 916", "+447700 921 916"),
        ("office 345-899-3560x4587", "345-899-3560x4587"),
        ("Phone:\n467 3395", "467 3395"),  # weak shape, but a phone word before
        ("Fax: 9498777106", "9498777106"),
        ("0688 843 79 56 mobile", "0688 843 79 56"),  # the cue after the number
        ("Tel. 030 12345678", "030 12345678"),
    ],
)
def test_phone(text: str, value: str) -> None:
    assert ("PHONE_NUMBER", value) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "The population grew to 467 3395 people",  # weak shape, no phone word
        "order number 2024 118 7762 has shipped",  # a number, but an order number
        "released on 2023-10-05 at noon",  # dates
        "pi is 3.14159265358979",  # decimals
        "total: 1,234,567 units",
        "between 10.05.2021 and 12.06.2021",
    ],
)
def test_phone_negatives(text: str) -> None:
    assert "PHONE_NUMBER" not in types_in(text)


# -- credit cards ---------------------------------------------------------------------------


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112")


@pytest.mark.parametrize(
    "value",
    ["4111 1111 1111 1111", "4111-1111-1111-1111", "5500005555555559", "340000000000009",
     "30569309025904", "6011000990139424", "3530111333300000", "630427373398",
     "4111.1111.1111.1111", "3400.000000.00009"],
)  # fmt: skip
def test_card(value: str) -> None:
    assert ("CREDIT_CARD", value) in found(f"my card is {value}, thanks")


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",  # Luhn fails
        "id 0000 0000 0000 0000",  # Luhn-valid but degenerate
        "tracking 9400111899223197428490",  # too long
        "4111 1111-1111 1111",  # mixed separators
        "ref 1234567812345670",  # Luhn-valid, no card network starts with 1
        "pi is 4.111111111111111 roughly",  # a decimal number, not a card's grouping
        "build 4111.11111.1111.111",  # dotted, but not as a card is printed
    ],
)
def test_card_negatives(text: str) -> None:
    assert "CREDIT_CARD" not in types_in(text)


def test_card_unknown_issuer_needs_card_word() -> None:
    assert "CREDIT_CARD" in types_in("points on credit card 060426070011 ?")
    assert "CREDIT_CARD" not in types_in("invoice 060426070011 attached")


# -- IBAN -----------------------------------------------------------------------------------


def test_iban_checksum() -> None:
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert iban_valid("DE89370400440532013000")
    assert not iban_valid("GB82 WEST 1234 5698 7654 33")  # mod-97 fails
    assert not iban_valid("DE8937040044053201300")  # wrong length for DE


@pytest.mark.parametrize(
    "value", ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "gb82west12345698765432",
              "FR14 2004 1010 0505 0001 3M02 606"],
)  # fmt: skip
def test_iban(value: str) -> None:
    assert ("IBAN_CODE", value) in found(f"please wire it to {value} today")


def test_iban_bad_checksum_not_flagged() -> None:
    assert "IBAN_CODE" not in types_in("wire it to GB82 WEST 1234 5698 7654 33")


# -- SSN ------------------------------------------------------------------------------------


def test_ssn() -> None:
    assert ("US_SSN", "460-89-9847") in found("my SSN is 460-89-9847")
    assert ("US_SSN", "460899847") in found("social security number: 460899847")


@pytest.mark.parametrize("text", ["000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000"])
def test_ssn_invalid_ranges(text: str) -> None:
    assert "US_SSN" not in types_in(f"number {text}")


def test_plain_nine_digits_without_context_is_not_ssn() -> None:
    assert "US_SSN" not in types_in("batch 460899847 done")


def test_digit_window_gates_let_other_digits_through() -> None:
    # the window around "5551234567" holds an SSN in Arabic-Indic digits, which \d matches
    assert found("call 5551234567 ٤٦٠-٨٩-٩٨٤٧ today") == [("US_SSN", "٤٦٠-٨٩-٩٨٤٧")]
    assert ("IP_ADDRESS", "10.0.0.12") in found("ref 1234567 at 10.0.0.12 now")


# -- IP -------------------------------------------------------------------------------------


def test_ipv4_and_ipv6() -> None:
    assert ("IP_ADDRESS", "106.31.73.20") in found("login from 106.31.73.20.")
    assert ("IP_ADDRESS", "2001:db8:85a3::8a2e:370:7334") in found("host 2001:db8:85a3::8a2e:370:7334 is up")
    assert ("IP_ADDRESS", "6e40:4041:c617:e898:c11:40d2:c669:2eb4") in found(
        "from 6e40:4041:c617:e898:c11:40d2:c669:2eb4"
    )


@pytest.mark.parametrize(
    "text",
    [
        "upgrade to version 10.0.19041.1 first",  # a version number, IPv4-shaped
        "Python 3.11.4 and numpy 1.26.4",
        "octets 256.1.1.1 are invalid",
        "meet at 12:30:45 tomorrow",  # a time, not IPv6
        "use std::vector and Foo::Bar",
        "the mask 255.255.255.0",
        "1.2.3.4.5 is a long version",
    ],
)
def test_ip_negatives(text: str) -> None:
    assert "IP_ADDRESS" not in types_in(text)


# -- dates of birth -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("She was born on 2/8/1935.", "2/8/1935"),
        ("Date of birth: 1984-03-12", "1984-03-12"),
        ("DOB 12 March 1990", "12 March 1990"),
        ("born March 12, 1990 in Leeds", "March 12, 1990"),
    ],
)
def test_dob(text: str, value: str) -> None:
    assert ("DATE_TIME", value) in found(text)


@pytest.mark.parametrize(
    "text", ["The meeting is on 2/8/2025.", "Released 1984-03-12.", "founded in 1977", "On Tuesday we ship"]
)
def test_dates_that_are_not_dob(text: str) -> None:
    assert "DATE_TIME" not in types_in(text)


# -- street addresses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, part",
    [
        ("I live at 1668 Glyn St in town", "1668 Glyn St"),
        ("Send it to 90 Whitchurch Road, Cardiff CF14 3LX.", "90 Whitchurch Road"),
        ("Die Haltestelle ist Villacher Strasse 89", "Villacher Strasse 89"),
        ("Tomomi lives at Rua do Arenque 1634, Goiânia", "Rua do Arenque 1634"),
        ("Unit 4719 Box 7394\nDPO AP 70942", "Unit 4719 Box 7394\nDPO AP 70942"),
        ("Address:\n28030 Edeby 55\n Apt. 297\n TYSTBERGA\n Sweden 99178", "Apt. 297"),
        # a block: the street line above the unit line, the postcode line after a blank line
        ("Bill Hughes\n\n20789 Allika 46\n Suite 501\n Riisa\n\n Estonia 62488",
         "20789 Allika 46\n Suite 501\n Riisa\n\n Estonia 62488"),
        ("The bus drops you off at 9383 ul. Chrzanowska 61.", "ul. Chrzanowska 61"),
        # a house number before a street prefix, in capitals or not
        ("her flat is at 17 rue des glycines, near the station", "17 rue des glycines"),
        ("Paket an 42 Av Montjuïc Alta bitte", "42 Av Montjuïc Alta"),
        ("we stayed at 8 avenue de Lorraine last summer", "8 avenue de Lorraine"),
        ("ring at calle del olmo 23 twice", "calle del olmo 23"),
        ("deliver to 2210 Hvidkløver 14, Ølstykke", "2210 Hvidkløver 14"),
        ("psc 4471, box 8802\napo ae 20193", "psc 4471, box 8802\napo ae 20193"),
        ("the new flat is Lindestien 12", "Lindestien 12"),
    ],
)
def test_street_address(text: str, part: str) -> None:
    spans = [v for t, v in found(text) if t == "STREET_ADDRESS"]
    assert any(part in v for v in spans), spans


@pytest.mark.parametrize(
    "text",
    ["Windows 10 and Python 3 are installed", "See chapter 12 and page 5.", "Spring 2019 release",
     "We shipped 3 Large Boxes", "Send the 2 files via email to me", "There are 3 avenues of growth",
     "The 2019 Toyota 4 wheel drive", "Score: 104 Tigers 98"],
)  # fmt: skip
def test_street_address_negatives(text: str) -> None:
    assert "STREET_ADDRESS" not in types_in(text)


# -- person names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        ("Hello, this is Dr. Kyle Kuefer. Who are you?", "Kyle Kuefer"),
        ("My name is Aantje Mourik", "Aantje Mourik"),
        ("Name: Abby M. Laidlaw", "Abby M. Laidlaw"),
        ("Have you been to a Ravil G Yefimov concert before?", "Ravil G Yefimov"),
        ("Martin Weber will be talking at the conference", "Martin Weber"),
        ("ask Mrs. Labrie about it", "Labrie"),
        ("A song by Wisława Szczepańska", "Wisława Szczepańska"),  # surname-shaped
        ("Our founders: Eklund, Michael and Hodge.", "Eklund"),  # a list holding a name
        ("Our founders: Eklund, Michael and Hodge.", "Hodge"),
    ],
)
def test_person(text: str, name: str) -> None:
    assert ("PERSON", name) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Capitalized words like Wisdom and Discipline are often mistaken with names.",
        "Will my account stay active?",
        "May I ask a question?",
        "Ask Claude or Gemini to summarise Julia code.",
        "The Victoria line runs to Jordan Street",  # places, not people
        "offices in San Francisco and Santa Clara",
        "before August 1, 2009",
        "Special types: NewType, NamedTuple, TypedDict.",
        "Our General Public Licenses and Required Notices",  # plural nouns are not surnames
        "Each Handler implements a method.",
    ],
)
def test_person_negatives(text: str) -> None:
    assert "PERSON" not in types_in(text)


# -- secrets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kind",
    [
        ("key sk-proj-" + "Ab3dEf9hIj" * 4, "SECRET_OPENAI_KEY"),
        ("key sk-ant-api03-" + "x1Y2z3W4v5" * 5, "SECRET_ANTHROPIC_KEY"),
        ("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "SECRET_AWS_KEY"),
        ("token ghp_" + "a1B2c3D4e5" * 4, "SECRET_GITHUB_TOKEN"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL", "SECRET_GITHUB_TOKEN"),
        ("SLACK=xoxb-2048-123456789012-AbCdEfGhIjKlMnOpQrStUvWx", "SECRET_SLACK_TOKEN"),
        ("maps key AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", "SECRET_GOOGLE_API_KEY"),
        ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "SECRET_STRIPE_KEY"),
        (
            "Authorization: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
            "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "SECRET_JWT",
        ),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "PRIVATE_KEY"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA (truncated", "PRIVATE_KEY"),
    ],
)
def test_provider_secrets(text: str, kind: str) -> None:
    assert kind in types_in(text)


def test_password_in_url_only_the_password() -> None:
    text = "DATABASE_URL=postgres://admin:S3cr3t!pw@db.internal:5432/app"
    assert ("PASSWORD", "S3cr3t!pw") in found(text)
    assert "EMAIL_ADDRESS" not in types_in(text)


@pytest.mark.parametrize(
    "text, value",
    [
        ('password = "hunter2!"', "hunter2!"),
        ("DB_PASSWORD: correct-horse-battery", "correct-horse-battery"),
        ("pwd=Xy7#pq", "Xy7#pq"),
        ('{"api_key": "k3y_9f8e7d6c5b4a"}', "k3y_9f8e7d6c5b4a"),
        ("Authorization: Bearer abcdef0123456789abcdef0123", "abcdef0123456789abcdef0123"),
    ],
)
def test_password_and_key_assignments(text: str, value: str) -> None:
    values = [v for t, v in found(text) if t in ("PASSWORD", "API_KEY")]
    assert value in values


@pytest.mark.parametrize(
    "text",
    [
        "password: str",  # a type hint
        "api_key: Optional[str] = None",
        'password = os.environ["DB_PASSWORD"]',
        "token = get_token()",
        "max_tokens: 1024",
        "password=${DB_PASSWORD}",
        "password: ********",
        "Enter your password: <password>",
        "primary_key: id",
    ],
)
def test_assignment_negatives(text: str) -> None:
    assert not types_in(text) & {"PASSWORD", "API_KEY"}


def test_high_entropy_token() -> None:
    rng = random.Random(1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    token = "".join(rng.choice(alphabet) for _ in range(40))
    assert ("SECRET_HIGH_ENTROPY", token) in found(f"use {token} to connect")


@pytest.mark.parametrize(
    "text",
    [
        "commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it",  # a git sha
        "id 123e4567-e89b-12d3-a456-426614174000",  # a UUID
        "the function get_user_by_id_v2_and_cache_results",
        "AbstractSingletonProxyFactoryBean2",
        "https://example.com/docs/guide/section-12/install",
        "Internationalization and incomprehensibilities",  # long normal words
    ],
)
def test_high_entropy_negatives(text: str) -> None:
    assert "SECRET_HIGH_ENTROPY" not in types_in(text)


def test_specific_secret_beats_generic_entropy() -> None:
    text = "sk-proj-Z9x8Y7w6V5u4T3s2R1q0P9o8N7m6L5k4"
    assert found(text) == [("SECRET_OPENAI_KEY", text)]


# -- custom terms and patterns --------------------------------------------------------------


def test_custom_terms_and_patterns() -> None:
    det = Detector(custom_terms=["Project Nightingale", "ACME-X"], custom_patterns={"CUSTOMER_ID": r"CUST-\d{6}"})
    text = "Status of project nightingale for CUST-004211 (see ACME-X); not acme-xy."
    assert found(text, det) == [
        ("CUSTOM", "project nightingale"),
        ("CUSTOMER_ID", "CUST-004211"),
        ("CUSTOM", "ACME-X"),
    ]
    assert Detector(custom_terms=["Nightingale"]).scan("nightingales sing") == []


def test_custom_pattern_validation() -> None:
    with pytest.raises(ValueError):
        Detector(custom_patterns={"bad name": r"x"})
    with pytest.raises(ValueError):
        Detector(custom_patterns={"EMPTY": r"x*"})


def test_types_filter() -> None:
    det = Detector(types=["EMAIL_ADDRESS"])
    assert found("a@example.com and +1-984-182-0190", det) == [("EMAIL_ADDRESS", "a@example.com")]


def test_default_detector_is_cached() -> None:
    assert default_detector() is default_detector()


def test_unicode_offsets_are_character_offsets() -> None:
    text = "Ünïcödé ✓ — Jožef Albin: jozef@example.si"
    assert ("EMAIL_ADDRESS", "jozef@example.si") in found(text)
    # "İstanbul" lower-cases to two characters: offsets must still be the original's
    assert ("PHONE_NUMBER", "+90 212 555 01 23") in found("İstanbul office: call +90 212 555 01 23")
    assert "PERSON" not in types_in("İstanbul office: call +90 212 555 01 23")


_CLUSTER_SEPS = [" ", "  ", "-", ".", "/", ":", "(", ")", "x", "\t"]
_CLUSTER_WORDS = ["Main", "St", "Apt", "Koskikatu", "March", "born", "#", ",", "\n", "a", "٣", ""]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_CLUSTER_WORDS), st.lists(st.from_regex(r"[0-9]{1,5}", fullmatch=True),
                                                                     min_size=1, max_size=4),
                          st.sampled_from(_CLUSTER_SEPS), st.sampled_from(_CLUSTER_WORDS)), min_size=1, max_size=4))
def test_digit_clusters_of_any_shape_never_raise(parts: list[tuple[str, list[str], str, str]]) -> None:
    # "12 7 Main" once reached int("12 7") in the address check (a 5xx on the request path)
    text = " ".join(f"{w} {sep.join(nums)} {w2}" for w, nums, sep, w2 in parts)
    for f in default_detector().scan(text):
        assert 0 <= f.start < f.end <= len(text)

"""fix9g: the forms red9g's leak classes use (an AWS key id in groups, form encoding, a
look-alike bank code) are read where they hide a secret, and ordinary text that looks like them
stays clean. The leaks themselves are in test_red9g_leaks.py."""

from __future__ import annotations

import pytest

from turnout.detect.pii import CREDIT_CARD, IBAN_CODE, PRIVATE_KEY, SECRET_AWS_KEY, Detector
from turnout.detect.scan import scan_request

DET = Detector(names=False)


def kinds(text: str) -> set[str]:
    return {f.type for f in DET.scan(text)}


@pytest.mark.parametrize("text", [
    "AKIA IOSF ODNN 7EXA MPLE",
    "key: AKIA-IOSF-ODNN-7EXA-MPLE.",
    "(ABIA 2BCD EFGH IJKL MNOP)",
    "ASIA TEAM WINS GOLD ON2E",  # a temporary id: a digit 2-7 among its groups
])
def test_an_aws_key_id_in_groups_of_four_is_a_key(text):
    assert SECRET_AWS_KEY in kinds(text)


@pytest.mark.parametrize("text", [
    "ASIA TEAM WINS GOLD ONCE",  # "ASIA" with no digit: a headline
    "ASIA OPEN GOLF TOUR 2019",  # 0, 1, 8 and 9 are no base32 digits
    "AKIA IOSF ODNN 7EXA MPLE QRST",  # a fifth group: no key's shape
    "AKIA IOSF-ODNN 7EXA MPLE",  # separators mixed
    "AKIA IOSF ODNN 7EXA",  # three groups
    "AKIA iosf odnn 7exa mple",  # lower case
])
def test_text_shaped_like_a_grouped_key_is_no_key(text):
    assert SECRET_AWS_KEY not in kinds(text)


@pytest.mark.parametrize("header", ["-----BEGIN+PRIVATE+KEY-----", "-----BEGIN+RSA+PRIVATE+KEY-----",
                                    "-----BEGIN+OPENSSH+PRIVATE+KEY-----", "-----BEGIN EC+PRIVATE KEY-----"])
def test_a_form_encoded_pem_header_is_a_private_key(header):
    end = header.replace("BEGIN", "END")
    found = DET.scan(f"deploy+key:\n{header}\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n{end}\n+thanks")
    assert [f.type for f in found if f.type == PRIVATE_KEY] == [PRIVATE_KEY]
    assert found[0].start == len("deploy+key:\n")


def test_a_form_encoded_public_key_is_no_private_key():
    assert PRIVATE_KEY not in kinds("-----BEGIN+PUBLIC+KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOC\n-----END+PUBLIC+KEY-----")


def request_kinds(text: str) -> set[str]:
    return {f.type for f in scan_request([{"role": "user", "content": text}], None, DET).findings}


@pytest.mark.parametrize("text", ["card+number:+4539578763621486+exp+09/29", "pay+with+4539578763621486,+thanks",
                                  "please+charge+my+card+4539578763621486+for+the+order",
                                  "pay+with+4539-5787-6362-1486,+thanks"])
def test_an_unspaced_card_between_form_encoded_words_is_a_card(text):
    assert CREDIT_CARD in request_kinds(text)


def test_a_grouped_iban_in_a_form_encoded_question_is_an_iban():
    assert IBAN_CODE in request_kinds("my+bank+account+is+DE89+3704+0044+0532+0130+00,+ok?")


@pytest.mark.parametrize("text", ["call +6281234567899 now", "tel:+6281234567899.", "phone:+6281234567899, ok?"])
def test_a_phone_after_a_plus_is_no_card(text):
    # 6281234567899 is Luhn-valid and of a real network (UnionPay): the "+" alone says phone
    assert CREDIT_CARD not in request_kinds(text)


def nl_iban(bank: str, account: str) -> str:
    numeric = "".join(str(int(c, 36)) for c in bank + account + "NL00")
    return f"NL{98 - int(numeric) % 97:02d}{bank}{account}"


CYRILLIC = str.maketrans("ABCEHKMOPTX", "\u0410\u0412\u0421\u0415\u041d\u041a\u041c\u041e\u0420\u0422\u0425")


@pytest.mark.parametrize("spaced", [True, False])
def test_an_iban_with_look_alike_letters_is_found_where_it_was_written(spaced):
    code = nl_iban("ABNA", "0417164300")
    written = " ".join(code[i:i + 4] for i in range(0, len(code), 4)) if spaced else code
    text = f"IBAN {written.translate(CYRILLIC)} today"
    found = [f for f in DET.scan(text) if f.type == IBAN_CODE]
    assert [(f.start, f.end) for f in found] == [(5, 5 + len(written))]


def test_look_alike_letters_after_a_code_that_fails_its_checksum_are_no_iban():
    code = nl_iban("ABNA", "0417164300")
    wrong = code[:2] + f"{(int(code[2:4]) + 1) % 100:02d}" + code[4:]
    assert IBAN_CODE not in kinds(f"IBAN {wrong.translate(CYRILLIC)} today")
    assert IBAN_CODE not in kinds("модель NL38 ТОК 2461 и так далее")

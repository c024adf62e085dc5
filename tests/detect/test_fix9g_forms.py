"""fix9g: the forms red9g's leak classes use (an AWS key id in groups, form encoding, a
look-alike bank code) are read where they hide a secret, and ordinary text that looks like them
stays clean. The leaks themselves are in test_red9g_leaks.py."""

from __future__ import annotations

import pytest

from turnout.detect.pii import PRIVATE_KEY, SECRET_AWS_KEY, Detector

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

"""Normalisation keeps offsets traceable; decoding finds what encoded runs hold."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect.normalize import data_url, decodings, normalize

CARD = "4111 1111 1111 1111"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("４１１１ １１１１", "4111 1111"),  # full-width digits
        ("4111\u200b1111\u200d1111\ufeff1111", "4111111111111111"),  # zero-width / format chars
        ("4111\u00a01111\u202f1111\u30001111", "4111 1111 1111 1111"),  # odd spaces
        ("4111\u20111111\u20131111", "4111-1111-1111"),  # dashes
        ("sk-\u0440r\u043e\u0458-abc", "sk-proj-abc"),  # Cyrillic look-alikes inside a token
        ("\u0663\u0664", "34"),  # Arabic-Indic digits
    ],
)
def test_normalize_undoes_obfuscations(text: str, expected: str) -> None:
    assert normalize(text)[0] == expected


def test_words_in_other_scripts_and_ascii_are_left_alone() -> None:
    assert normalize("привет мир, καλημέρα") == ("привет мир, καλημέρα", None)
    assert normalize("plain ascii") == ("plain ascii", None)


@given(st.text(alphabet=st.sampled_from("ab1 ４\u200b\u00a0é-\u0663"), max_size=40), st.data())
def test_offset_map_points_at_what_was_written(text: str, data: st.DataObject) -> None:
    norm, omap = normalize(text)
    if omap is None:  # no offset moved (one-for-one replacements at most)
        assert len(norm) == len(text)
    s = data.draw(st.integers(0, len(norm)))
    e = data.draw(st.integers(s, len(norm)))
    if s < e:  # the original span of a normalised span normalises back to it
        os_, oe = (s, e) if omap is None else (omap.start(s), omap.end(e))
        assert normalize(text[os_:oe])[0] == norm[s:e]


def test_decodings_find_encoded_secrets() -> None:
    b64 = base64.b64encode(CARD.encode()).decode()
    url_safe = base64.urlsafe_b64encode(b"my key sk-live-abcdef~~~").decode()
    found = {d.how: d.text for d in decodings(f"a {b64} b {CARD.encode().hex()} c %34%31%31%31 d {url_safe}")}
    assert found["base64"] in (CARD, "my key sk-live-abcdef~~~")
    assert found["hex"] == CARD and "4111" in found["url"]
    assert [d.text for d in decodings("?q=4111+1111+1111+1111")] == ["?q=4111 1111 1111 1111"]
    # an escape run is decoded with the plain text around it
    assert decodings('{"c": "\\u0034\\u0031"}')[0].text == '{"c": "41"}'


def test_decodings_ignore_words_hashes_and_binary() -> None:
    assert decodings("internationalization and a sha256 " + "ab" * 32) == []
    assert decodings(base64.b64encode(bytes(range(200))).decode()) == []


def test_data_urls() -> None:
    text = base64.b64encode(f"card {CARD}".encode()).decode()
    assert data_url(f"data:text/plain;base64,{text}") == ("text/plain", f"card {CARD}")
    assert data_url("data:application/json,%7B%22a%22%3A1%7D") == ("application/json", '{"a":1}')
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(100))).decode()
    assert data_url(f"data:image/png;base64,{png}") == ("image/png", None)
    # labelled as an image, but the bytes are text: read as text
    assert data_url(f"data:image/png;base64,{text}") == ("image/png", f"card {CARD}")
    assert data_url("https://example.com") is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), min_size=19, max_size=19), st.sampled_from(["u", "x"]),
       st.text(alphabet="abc :;", max_size=50), st.text(alphabet="abc :;", max_size=50))
def test_a_card_partly_escaped_is_decoded_whole(escaped: list[bool], form: str, before: str, after: str) -> None:
    from turnout.detect.sensitivity import assess
    from turnout.types import Sensitivity

    card = "4539 5787 6362 1486"
    written = "".join((f"\\u{ord(c):04x}" if form == "u" else f"\\x{ord(c):02x}") if esc else c
                      for c, esc in zip(card, escaped, strict=True))
    if not any(escaped):
        escaped[0] = True
        written = ("\\u0034" if form == "u" else "\\x34") + written[1:]
    text = before + " " + written + " " + after  # a card glued to a letter is no card
    decoded = [d.text for d in decodings(text) if d.how == "escape"]
    assert any(card in d for d in decoded)
    result = assess([{"role": "user", "content": text}])
    assert result.level is Sensitivity.CONFIDENTIAL and "CREDIT_CARD" in result.types


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), min_size=19, max_size=19), st.sampled_from(["hex", "decimal"]),
       st.text(alphabet="abc :;", max_size=50), st.text(alphabet="abc :;", max_size=50))
def test_a_card_partly_written_as_numeric_references_is_decoded_whole(
    referenced: list[bool], form: str, before: str, after: str
) -> None:
    from turnout.detect.sensitivity import assess
    from turnout.types import Sensitivity

    card = "4539 5787 6362 1486"
    if sum(referenced) < 2:  # one reference alone is no run of references
        referenced[:2] = [True, True]
    written = "".join((f"&#x{ord(c):x};" if form == "hex" else f"&#{ord(c)};") if ref else c
                      for c, ref in zip(card, referenced, strict=True))
    text = before + " " + written + " " + after
    assert any(card in d.text for d in decodings(text) if d.how == "html")
    result = assess([{"role": "user", "content": text}])
    assert result.level is Sensitivity.CONFIDENTIAL and "CREDIT_CARD" in result.types


@pytest.mark.parametrize(("text", "kind"), [("write to ana.lund&#64;mailbox.test today", "EMAIL_ADDRESS"),
                                            ("card 4539 &#x35;787 6362 1486 ok", "CREDIT_CARD")])
def test_one_numeric_reference_is_enough_to_hide_a_secret_and_is_decoded(text: str, kind: str) -> None:
    from turnout.detect.sensitivity import assess

    assert kind in assess([{"role": "user", "content": text}]).types

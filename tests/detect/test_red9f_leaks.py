"""red9f: forms within issue 9's list that the scan still misses, found by driving a real
``turnout serve`` with the ``openai`` and ``anthropic`` SDKs against a logging upstream. Each
test is one leak class, xfail (strict) until the scan reads it; the request each builds went
to a cloud model through at least one front door."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from turnout.config import DetectionConfig
from turnout.detect.pii import luhn_valid
from turnout.policy.detectors import PiiSensitivityDetector
from turnout.types import Sensitivity

DETECTOR = PiiSensitivityDetector(DetectionConfig())
CONFIDENTIAL = Sensitivity.CONFIDENTIAL


def luhn(body: str) -> str:
    """``body`` completed with its Luhn check digit."""
    return next(body + c for c in "0123456789" if luhn_valid(body + c))


cards = st.text(alphabet="0123456789", min_size=14, max_size=14).map(lambda d: luhn("4" + d))
letter_keys = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=16, max_size=16).map(lambda s: "AKIA" + s)
locals_ = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=6, max_size=10)


def spaced(card: str) -> str:
    return " ".join(card[i:i + 4] for i in range(0, 16, 4))


def level(text: str) -> Sensitivity:
    return DETECTOR.assess([{"role": "user", "content": text}], None, {}).level


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if 0x21 <= ord(c) <= 0x7E else c for c in text)


@settings(max_examples=30, deadline=None)
@given(card=cards, between=st.sampled_from(["assistant", "name"]))
def test_a_card_split_over_the_users_turns_is_found_whatever_sits_between(card, between):
    text = spaced(card)
    first = {"role": "user", "content": f"my card is {text[:9]}"}
    messages = [first, {"role": "user", "content": f"{text[9:]} thanks"}]
    if between == "assistant":
        messages.insert(1, {"role": "assistant", "content": "go on"})
    else:
        first["name"] = "alice"
    assert DETECTOR.assess(messages, None, {}).level is CONFIDENTIAL


@settings(max_examples=40, deadline=None)
@given(card=cards, cells=st.lists(st.sampled_from(["1", "42", "3.50", "2024-01-02", "ok", "Jane", ""]),
                                  min_size=1, max_size=4),
       at=st.integers(min_value=0, max_value=4), sep=st.sampled_from([",", ";", "|", "\t"]))
def test_a_card_as_a_cell_of_a_row_is_found(card, cells, at, sep):
    # a CSV / TSV / pipe row: a plain 16-digit run between cell separators is no thousands group
    cells.insert(min(at, len(cells)), card)
    assert level(sep.join(cells)) is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(card=cards, before=st.sampled_from(["1,", "qty 2 ", "7-", "row 1,", ""]),
       after=st.sampled_from([",3", " 7", ""]), grouped=st.booleans())
def test_a_card_next_to_another_number_is_found(card, before, after, grouped):
    if not before and not after:
        before = "1,"
    assert level(f"{before}{spaced(card) if grouped else card}{after}") is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(card=cards, width=st.sampled_from([16, 20, 64, 76]), sep=st.sampled_from(["\n", "\r\n", " "]),
       lead=st.integers(min_value=0, max_value=60))
def test_base64_wrapped_in_lines_is_read(card, width, sep, lead):
    """MIME (76) and PEM (64) line wrapping, or lines of 16+ apart: read as one run wherever
    the card falls across a line break (fix9f)."""
    note = "x" * lead + f" please keep this: {spaced(card)} safe, and tell nobody about it at all"
    run = base64.b64encode(note.encode()).decode()
    assert level("here: " + sep.join(run[i:i + width] for i in range(0, len(run), width)) + " thanks") is CONFIDENTIAL


def short_groups(card: str, width: int, sep: str) -> str:
    run = base64.b64encode(f"please keep this: {spaced(card)} safe".encode()).decode()
    return sep.join(run[i:i + width] for i in range(0, len(run), width))


@settings(max_examples=30, deadline=None)
@given(card=cards, width=st.sampled_from([4, 8]), sep=st.sampled_from(["\n", "\r\n", " "]))
def test_base64_in_short_groups_is_read(card, width, sep):
    """leak9g: the pattern scan reads a block of groups from the digit clusters it visits
    anyway (detect/pii.py, normalize.grouped_base64_at): a block some group of which holds a
    digit, as ~98% of a card note's do. The others: the xfail below."""
    text = short_groups(card, width, sep)
    assume(any(c.isdigit() for c in text))
    assert level(text) is CONFIDENTIAL


@pytest.mark.xfail(strict=True, reason="leak9g: base64 groups none of which holds a digit (a card of zeros and "
                                       "ones: 'NDAw MCAw MDAw ...') are not read: the pattern scan finds groups "
                                       "from its digit clusters; a whole-text search of the groups' shape costs "
                                       "0.6-2.4 ms/MB per needle (1-5% of the names-off request scan)")
@pytest.mark.parametrize("width", [4, 8])
def test_base64_in_short_groups_without_a_digit_is_read(width):
    text = short_groups("4000000000000002", width, " ")
    assert not any(c.isdigit() for c in text)
    assert level(text) is CONFIDENTIAL


@settings(max_examples=20, deadline=None)
@given(key=letter_keys)
def test_a_full_width_key_of_letters_only_is_found(key):
    assert level(f"key {full_width(key)} here") is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(user=locals_, form=st.sampled_from(["zero-width", "full-width", "base64", "url", "hex"]))
def test_a_contact_with_a_diagnosis_is_confidential_in_any_form(user, form):
    text = f"patient {user}.smith@examplemail.com was diagnosed with HIV and takes antiretrovirals"
    assert level(text) is CONFIDENTIAL  # the plain form is
    encoded = {"zero-width": lambda t: "\u200b".join(t), "full-width": full_width,
               "base64": lambda t: base64.b64encode(t.encode()).decode(),
               "url": lambda t: "".join(f"%{b:02X}" for b in t.encode()),
               "hex": lambda t: t.encode().hex()}[form](text)
    assert level(encoded) is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(card=cards, encoding=st.sampled_from(["base64", "hex", "gzip"]), as_file=st.booleans())
def test_a_card_with_nbsp_separators_inside_an_encoded_payload_is_found(card, encoding, as_file):
    raw = spaced(card).replace(" ", "\u00a0").encode()
    payload = {"base64": lambda: base64.b64encode(raw).decode(), "hex": raw.hex,
               "gzip": lambda: base64.b64encode(gzip.compress(raw)).decode()}[encoding]()
    if as_file:
        payload = base64.b64encode(raw).decode()  # a text file is base64 whatever the draw
        content: object = [{"type": "text", "text": "read this"},
                           {"type": "file", "file": {"filename": "a.txt", "file_data": "data:text/plain;base64," + payload}}]
    else:
        content = f"note {payload}"
    assert DETECTOR.assess([{"role": "user", "content": content}], None, {}).level is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(card=cards, form=st.sampled_from(["hex(zero-width)", "base64(full-width+zero-width)"]))
def test_zero_width_inside_an_encoded_payload_is_found(card, form):
    if form == "hex(zero-width)":
        text = "\u200b".join(spaced(card)).encode().hex()
    else:
        text = base64.b64encode("\u200b".join(full_width(spaced(card))).encode()).decode()
    assert level(text) is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(card=cards)
def test_a_form_encoded_card_is_found(card):
    assert level("note+" + spaced(card).replace(" ", "+") + "+thanks") is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(card=cards, grouped=st.booleans())
def test_a_0x_prefixed_hex_card_is_found(card, grouped):
    assert level("0x" + (spaced(card) if grouped else card).encode().hex()) is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(card=cards, where=st.sampled_from(["tool", "unknown"]))
def test_u_escapes_inside_a_json_string_are_read(card, where):
    escaped = "".join(f"\\u{ord(c):04x}" for c in spaced(card))
    document = json.dumps({"rows": [{"v": escaped}]})  # the escapes' backslashes escaped once more
    messages: list[dict] = [{"role": "user", "content": "hi"}]
    params: dict = {}
    if where == "tool":
        messages += [{"role": "assistant", "content": None, "tool_calls": [
                         {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                     {"role": "tool", "tool_call_id": "c1", "content": document}]
    else:
        params["x_vendor"] = {"a": [{"b": document}]}
    assert DETECTOR.assess(messages, None, params).level is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(card=cards, cut=st.integers(min_value=5, max_value=14))
def test_a_half_url_encoded_card_is_found(card, cut):
    text = spaced(card)
    assert level(text[:cut] + "".join(f"%{b:02X}" for b in text[cut:].encode())) is CONFIDENTIAL



@settings(max_examples=30, deadline=None)
@given(card=cards, shape=st.sampled_from(["https://shop.example/pay/{}", "https://cdn.example/{}/a.png",
                                          "see the folder /{}/ please"]))
def test_a_card_in_a_url_path_is_found(card, shape):
    assert level(shape.format(card)) is CONFIDENTIAL

@settings(max_examples=30, deadline=None)
@given(card=cards, key=letter_keys, user=locals_)
def test_controls_the_plain_forms_above_are_found(card, key, user):
    """The xfails above fail on the form, not on the secret: written plainly, each is confidential."""
    assert level(f"note {spaced(card)} thanks") is CONFIDENTIAL
    assert level(f"note {card} thanks") is CONFIDENTIAL
    assert level(f"key {key} here") is CONFIDENTIAL
    assert level(f"patient {user}.smith@examplemail.com was diagnosed with HIV and takes antiretrovirals") is CONFIDENTIAL

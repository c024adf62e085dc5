"""red9g: leak classes within issue 9's list that ``scripts/redteam_privacy.py`` found by driving
two real ``turnout serve`` (redaction off and on) with the ``openai`` and ``anthropic`` SDKs
against a logging upstream (seed 7, 2,000 cases; docs/benchmarks.md, red9g). Each test is one
class, xfail (strict) until the scan reads it; every request built here reached a cloud model
through at least one front door in that run. The controls at the end show each secret is found
when written plainly, so the xfails fail on the form or the split, not on the secret."""

from __future__ import annotations

import base64
import string

import pytest
from hypothesis import given, settings
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


def german_iban(bban: str) -> str:
    numeric = "".join(str(int(c, 36)) for c in bban + "DE00")
    return f"DE{98 - int(numeric) % 97:02d}{bban}"


cards = st.text(alphabet="0123456789", min_size=14, max_size=14).map(lambda d: luhn("4" + d))
aws_keys = st.text(alphabet=string.ascii_uppercase + "234567", min_size=16, max_size=16).map(lambda s: "AKIA" + s)
ibans = st.text(alphabet="0123456789", min_size=18, max_size=18).map(german_iban)
locals_ = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=6, max_size=10)


def level(text: str) -> Sensitivity:
    return DETECTOR.assess([{"role": "user", "content": text}], None, {}).level


def grouped(secret: str, sep: str = " ") -> str:
    return sep.join(secret[i:i + 4] for i in range(0, len(secret), 4))


def pem(seed: int) -> str:
    body = base64.b64encode(b"\x30\x82\x04\xa4\x02\x01\x00" + bytes((seed * 31 + i * 7) % 256 for i in range(200))).decode()
    return "-----BEGIN PRIVATE KEY-----\n" + "\n".join(body[i:i + 64] for i in range(0, len(body), 64)) + "\n-----END PRIVATE KEY-----"


def tool_call_with_id(call_id: str) -> list[dict]:
    return [{"role": "user", "content": "look it up"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": call_id, "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": call_id, "content": "found"}]


@settings(max_examples=30, deadline=None)
@given(key=aws_keys, sep=st.sampled_from([" ", "\u00a0", "\u202f", "-"]))
def test_an_aws_key_in_groups_of_four_is_found(key, sep):
    # red9g: 18 leaks with redaction off, 18 with it on (seed 7); fix9g reads the groups
    assert level(f"our AWS key is {grouped(key, sep)}, do not share") is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(card=cards, shape=st.sampled_from(["card+number:+{}+exp+09/29", "please+charge+my+card+{}+for+the+order",
                                          "pay+with+{},+thanks"]))
def test_an_unspaced_card_in_a_form_encoded_sentence_is_found(card, shape):
    # red9g: a '+' right before the digits hid the card; fix9g reads the token with spaces
    assert level(shape.format(card)) is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(code=ibans)
def test_a_grouped_iban_in_a_form_encoded_sentence_is_found(code):
    # red9g: the "?" at the end ("...,+ok?") kept the token from being read as form encoding
    assert level("my+bank+account+is+" + grouped(code, "+") + ",+ok?") is CONFIDENTIAL


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=1000))
def test_a_form_encoded_private_key_in_a_tool_call_id_is_found(seed):
    # red9g: the header form-encoded ('-----BEGIN+PRIVATE+KEY-----') in an opaque field (a tool
    # call id) was not read; fix9g: "+" is a space in the PEM header
    key = "deploy+key:\n" + pem(seed).replace(" ", "+")
    assert DETECTOR.assess(tool_call_with_id(key), None, {}).level is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(card=cards, k=st.integers(min_value=8, max_value=12))
def test_base64_wrapped_with_a_short_last_line_is_read(card, k):
    # the card ends the note and starts k bytes before the first line's 57 decoded bytes end:
    # the line break cuts it, and the last line is 8 or 12 characters
    note = "x" * (47 - k) + " pay with " + card
    run = base64.b64encode(note.encode()).decode()
    assert 76 < len(run) < 76 + 16
    assert level(run[:76] + "\n" + run[76:]) is CONFIDENTIAL


def split_request(first: str, second: str, shape: str) -> list[dict]:
    """Two pieces of one sentence: consecutive user turns, with a reply between, two text parts of
    one message, or system then user."""
    if shape == "parts":
        return [{"role": "user", "content": [{"type": "text", "text": first}, {"type": "text", "text": second}]}]
    if shape == "system":
        return [{"role": "system", "content": first}, {"role": "user", "content": second}]
    messages = [{"role": "user", "content": first}, {"role": "user", "content": second}]
    if shape == "assistant":
        messages.insert(1, {"role": "assistant", "content": "go on"})
    return messages


shapes = st.sampled_from(["turns", "assistant", "parts", "system"])


@settings(max_examples=30, deadline=None)
@given(user=locals_, shape=shapes)
def test_a_contact_and_a_diagnosis_in_two_messages_are_confidential(user, shape):
    # (no key word before the cut: "tested positive" is one since the HEALTH words grew)
    messages = split_request(f"{user}.moreau@examplemail.com was found to have", "HIV", shape)
    assert DETECTOR.assess(messages, None, {}).level is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(user=locals_, shape=shapes, cut=st.sampled_from([("bipola", "r disorder"), ("breast ca", "ncer"),
                                                       ("major depressio", "n")]))
def test_a_diagnosis_cut_inside_its_word_across_messages_is_read(user, shape, cut):
    first = f"reach me at {user}.moreau@examplemail.com, I have {cut[0]}"
    messages = split_request(first, f"{cut[1]} and need advice", shape)
    assert DETECTOR.assess(messages, None, {}).level is CONFIDENTIAL


@pytest.mark.xfail(strict=True, reason="red9g: a private person's name cut across two text parts of one message "
                                       "('our employee Ok' / 'sana Abernathy is being treated for ...') loses the "
                                       "combination; cut across two user turns it is kept")
@settings(max_examples=20, deadline=None)
@given(cut=st.integers(min_value=2, max_value=5))
def test_a_name_cut_across_text_parts_keeps_the_combination(cut):
    name = "Oksana Abernathy"
    parts = [f"our employee {name[:cut]}", f"{name[cut:]} is being treated for major depression"]
    messages = [{"role": "user", "content": [{"type": "text", "text": p} for p in parts]}]
    assert DETECTOR.assess(messages, None, {}).level is CONFIDENTIAL


@settings(max_examples=30, deadline=None)
@given(user=locals_, condition=st.sampled_from(["multiple sclerosis", "schizophrenia", "epilepsy", "hepatitis C"]),
       who=st.sampled_from(["mail", "name"]))
def test_these_diagnoses_make_a_contact_confidential(user, condition, who):
    text = (f"{user}.moreau@examplemail.com tested positive for {condition}" if who == "mail"
            else f"Jane Moreau from accounting has {condition}, please keep it quiet")
    assert level(text) is CONFIDENTIAL


CYRILLIC = str.maketrans("ABCEHKMOPTX", "\u0410\u0412\u0421\u0415\u041d\u041a\u041c\u041e\u0420\u0422\u0425")


@settings(max_examples=30, deadline=None)
@given(bank=st.text(alphabet="ABCEHKMOPTX", min_size=4, max_size=4),
       account=st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_an_iban_with_a_cyrillic_bank_code_is_found(bank, account):
    # red9g: look-alikes were mapped only in a token that mixes them with Latin letters or
    # digits; fix9g maps them where an IBAN starts, the checksum deciding
    numeric = "".join(str(int(c, 36)) for c in bank + account + "NL00")
    code = f"NL{98 - int(numeric) % 97:02d}{bank}{account}"
    assert level(f"wire the money to IBAN {grouped(code)} today") is CONFIDENTIAL  # written plainly: found
    assert level(f"wire the money to IBAN {grouped(code).translate(CYRILLIC)} today") is CONFIDENTIAL


@pytest.mark.parametrize("where", ["tool_result", "tool_description", "user", "unknown_field"])
def test_a_name_with_a_diagnosis_is_read_alike_in_every_position(where):
    text = "Fenella Achterberg from accounting has HIV, please keep it quiet"
    assert level(text) is CONFIDENTIAL  # as a user message
    filler = {"role": "user", "content": "Summarise the notes above in two sentences."}
    tool = {"type": "function", "function": {"name": "lookup", "description": "Look a record up.",
                                             "parameters": {"type": "object", "properties": {}}}}
    messages: list[dict] = [filler]
    params: dict = {}
    if where == "tool_result":
        messages = [*tool_call_with_id("call_1")[:2], {"role": "tool", "tool_call_id": "call_1", "content": text}, filler]
    elif where == "tool_description":
        params["tools"] = [{**tool, "function": {**tool["function"], "description": text}}]
    elif where == "user":
        params["user"] = text
    else:
        params["x_note"] = text
    assert DETECTOR.assess(messages, None, params).level is CONFIDENTIAL


@settings(max_examples=20, deadline=None)
@given(card=cards, shape=st.sampled_from(["note-{}", "{}", "x-{}-2024-01-01", "prompt-caching-2024-07-31,{}"]))
def test_a_secret_in_the_anthropic_beta_header_is_refused(card, shape):
    """red9g: the Messages door forwarded the caller's anthropic-beta header to Anthropic as
    sent, and nothing scanned it (136 + 55 leaks with --headers 0.5). It now holds only beta
    names (words, then a date): anything else is a 400 naming the header, before any model."""
    from turnout.errors import BadRequestError
    from turnout.providers.native import protocol_headers
    from turnout.server.doors import anthropic_wire

    body = {"model": "claude-haiku-4-5", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    with pytest.raises(BadRequestError) as err:
        anthropic_wire.to_request(body, {"anthropic-beta": shape.format(card)})
    assert err.value.param == "anthropic-beta"
    betas = "prompt-caching-2024-07-31, output-128k-2025-02-19"
    request = anthropic_wire.to_request(body, {"anthropic-beta": betas, "anthropic-version": "2023-06-01"})
    assert protocol_headers(request)["anthropic-beta"] == betas  # real beta names still travel


def test_deeply_nested_tool_arguments_do_not_break_the_scan():
    """red9g's bad-input probe: arguments nested 2,000 deep made the walk recurse past Python's
    limit, a 500 on the chat and responses doors. Fixed on main (218fc6f: the doors answer 400,
    the walk reads such arguments as text)."""
    arguments = '{"a":' * 2000 + "1" + "}" * 2000
    messages = [{"role": "user", "content": "hi"},
                {"role": "assistant", "content": None, "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": arguments}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "ok"}]
    assert DETECTOR.assess(messages, None, {}).level is not None


@settings(max_examples=20, deadline=None)
@given(card=cards, key=aws_keys, code=ibans, user=locals_, seed=st.integers(min_value=0, max_value=1000))
def test_controls_the_plain_forms_above_are_found(card, key, code, user, seed):
    assert level(f"our AWS key is {key}, do not share") is CONFIDENTIAL
    assert level(f"card number: {card} exp 09/29") is CONFIDENTIAL
    assert level(f"my bank account is {grouped(code)}, ok?") is CONFIDENTIAL
    assert level("deploy+key:\n" + pem(seed).replace(" ", "+")) is CONFIDENTIAL  # form-encoded, in content
    assert DETECTOR.assess(tool_call_with_id(pem(seed)), None, {}).level is CONFIDENTIAL  # plain, in the id
    assert level(f"{user}.moreau@examplemail.com tested positive for HIV") is CONFIDENTIAL
    assert level("our employee Oksana Abernathy is being treated for major depression") is CONFIDENTIAL
    split = [{"role": "user", "content": "Oks"}, {"role": "user", "content": "ana Abernathy is being treated for major depression"}]
    assert DETECTOR.assess(split, None, {}).level is CONFIDENTIAL  # a name cut across user turns is kept

"""Redaction of encoded secrets through the router (red9d): a fresh card or e-mail planted in a
base64, URL-encoded, half-escaped or data: URL form, in message content, a text part, a file's
payload, tool-call arguments or metadata; redaction on and the card lowered to internal, so the
request goes to a cloud model and redaction alone protects it.

No cloud model receives the secret (plain, as planted, or inside any payload it was sent), every
payload it receives is still a payload (a file's ``file_data`` still a text data: URL), and the
fake's echo of the caller's last message comes back as the caller wrote it, streamed or not.
"""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.parse
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turnout.config import parse_config
from turnout.dataurl import b64, data_url, printable
from turnout.detect.walk import walk
from turnout.policy.detectors import PiiSensitivityDetector
from turnout.providers.fake import FakeProvider
from turnout.routing.router import Router
from turnout.types import ChatRequest, RouteHints

from .test_request_privacy_property import cards

emails = st.from_regex(r"[a-z]{3,8}\.[a-z]{2,6}", fullmatch=True).map(lambda u: f"{u}@example.org")
secrets = st.one_of(cards.map(lambda c: " ".join(c[i:i + 4] for i in range(0, 16, 4))), emails)


def encode(secret: str, how: str) -> str:
    text = f"note {secret} ok"
    if how == "base64":
        return base64.b64encode(text.encode()).decode()
    if how == "base64-urlsafe":
        return base64.urlsafe_b64encode(text.encode() + b"?>").decode().rstrip("=")
    if how == "url":
        return "https://x.test/q?note=" + urllib.parse.quote(text)
    if how == "half-escaped":
        return "".join(f"\\u{ord(c):04x}" for c in secret[:4]) + secret[4:]
    if how == "data-url":
        return "data:text/plain;base64," + base64.b64encode(text.encode()).decode()
    return secret


FORMS = ["plain", "base64", "base64-urlsafe", "url", "half-escaped", "data-url"]
POSITIONS = ["content", "text part", "file", "tool call", "metadata"]


def plant(position: str, form: str, how: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if position == "text part":
        return [{"role": "user", "content": [{"type": "text", "text": "read"}, {"type": "text", "text": f"keep {form}"}]}], {}
    if position == "file":
        payload = form if how == "data-url" else "data:text/plain;base64," + base64.b64encode(f"keep {form}".encode()).decode()
        return [{"role": "user", "content": [{"type": "text", "text": "read the file"},
                                             {"type": "file", "file": {"filename": "n.txt", "file_data": payload}}]}], {}
    if position == "tool call":
        return [{"role": "user", "content": "store it"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
                    "name": "store", "arguments": json.dumps({"value": form})}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "stored"},
                {"role": "user", "content": "thanks"}], {}
    if position == "metadata":
        return [{"role": "user", "content": "hello"}], {"metadata": {"ref": form}}
    return [{"role": "user", "content": f"keep {form} thanks"}], {}


def readable(sent: ChatRequest) -> list[str]:
    """Every string a model was sent, and what each payload among them holds."""
    out = []
    for piece in walk(sent.messages, sent.params).pieces:
        out.append(piece.text)
        got = data_url(piece.text)
        if got is not None and got[1] is not None:
            out.append(got[1])
        raw = b64(piece.text) if len(piece.text) >= 8 else None
        text = printable(raw) if raw is not None else None
        if text is not None:
            out.append(text)
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=secrets, how=st.sampled_from(FORMS), position=st.sampled_from(POSITIONS), stream=st.booleans())
def test_an_encoded_secret_is_redacted_for_a_cloud_model_and_the_echo_restores(secret, how, position, stream):
    FakeProvider.reset()
    config = parse_config({
        "models": [{"name": "fake/cloud", "provider": "fake", "local": False, "context_window": 200_000}],
        "detection": {"redact": True, "policy": {"CREDIT_CARD": "internal", "SECRET_HIGH_ENTROPY": "internal"}},
    })
    router = Router(config, sensitivity_detector=PiiSensitivityDetector(config.detection))
    form = encode(secret, how)
    messages, params = plant(position, form, how)
    request = ChatRequest("fake/cloud", messages, params, stream, raw_body={"model": "fake/cloud", "messages": messages, **params})

    async def run() -> str:
        if stream:
            routed = await router.astream(request, RouteHints())
            return "".join([c["choices"][0]["delta"].get("content") or "" async for c in routed if c.get("choices")])
        answer = await router.acomplete(request, RouteHints())
        return str(answer["choices"][0]["message"]["content"])

    answer = asyncio.run(run())
    (sent,) = FakeProvider.calls_to("fake/cloud")
    assert sent.raw_body is None  # never the caller's body around a redaction
    for text in readable(sent):
        assert secret not in text and form not in text
    if position == "file":
        file_data = sent.messages[0]["content"][1]["file"]["file_data"]
        got = data_url(file_data)
        assert got is not None and got[0] == "text/plain" and got[1] is not None, file_data
    last_user = next(m for m in reversed(messages) if m["role"] == "user")
    text = last_user["content"] if isinstance(last_user["content"], str) else "\n".join(
        p["text"] for p in last_user["content"] if p.get("type") == "text")
    assert answer == f"fake:fake/cloud: {text}"

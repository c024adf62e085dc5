"""Issue 9's invariant as a property: a fresh secret planted in any text-bearing position of a
random request (message content and parts of every type, names, tools and their schemas,
tool calls and results, metadata, user, response_format, stop, unknown fields), plain,
obfuscated or split over two messages, never reaches a model not marked local — over random
configs (redaction on or off, the card's level lowered to internal so that redaction is what
protects it), labels, named or automatic models, streaming, and provider failures.

What each model received is logged by the fake provider (messages, params and the caller's raw
body); the secret must not appear there in any of the forms it was planted in.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turnout.config import parse_config
from turnout.errors import TurnoutError
from turnout.policy.detectors import PiiSensitivityDetector
from turnout.providers.fake import FakeProvider
from turnout.routing.router import Router
from turnout.types import ChatRequest, RouteHints, Sensitivity

OUTCOMES = ["ok", "ok", "ok", "unavailable", "timeout", "error:500", "ratelimit:0", "die_before_first", "die_after_first"]


def luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


cards = st.lists(st.integers(0, 9), min_size=14, max_size=14).map(lambda ds: luhn_complete("4" + "".join(map(str, ds))))
keys = st.text(alphabet="abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=32, max_size=32).map(
    lambda s: "sk-proj-" + s)
secrets = st.one_of(
    cards.map(lambda c: " ".join(c[i:i + 4] for i in range(0, 16, 4))),
    cards.map(lambda c: "-".join(c[i:i + 4] for i in range(0, 16, 4))),
    cards.map(lambda c: ".".join(c[i:i + 4] for i in range(0, 16, 4))),
    cards,
    keys,
)


def obfuscate(secret: str, how: str) -> str:
    if how == "zero-width":
        return "\u200b".join(secret)
    if how == "full-width":
        return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in secret)
    if how == "nbsp":
        return secret.replace(" ", "\u00a0").replace("-", "\u2011")
    if how == "url":
        return "".join(f"%{ord(c):02X}" if not c.isalnum() or c.isdigit() else c for c in secret)
    if how == "base64":
        return base64.b64encode(secret.encode()).decode()
    if how == "html":
        return "".join(f"&#{ord(c)};" for c in secret)
    if how == "hex":
        return secret.encode().hex()
    return secret


OBFUSCATIONS = ["plain", "zero-width", "full-width", "nbsp", "url", "base64", "hex", "html"]


def plant(position: str, text: str, marker: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A request with ``text`` at ``position``; ``marker`` in the first user message."""
    user = {"role": "user", "content": f"{marker}: please help"}
    tool = {"type": "function", "function": {"name": "lookup", "description": "Look a thing up",
                                             "parameters": {"type": "object", "properties": {
                                                 "q": {"type": "string", "description": "the query"}}}}}
    messages: list[dict[str, Any]] = [user]
    params: dict[str, Any] = {}
    if position == "content":
        user["content"] += f" {text}"
    elif position == "system":
        messages.insert(0, {"role": "system", "content": f"Context: {text}"})
    elif position == "text part":
        user["content"] = [{"type": "text", "text": user["content"]}, {"type": "text", "text": f"note {text}"}]
    elif position == "unknown part":
        user["content"] = [{"type": "text", "text": user["content"]}, {"type": "note_part", "body": {"t": text}}]
    elif position == "image url":
        user["content"] = [{"type": "text", "text": user["content"]},
                           {"type": "image_url", "image_url": {"url": f"https://img.test/a.png?ref={text}"}}]
    elif position == "thinking":
        messages += [{"role": "assistant", "content": [{"type": "thinking", "thinking": f"recall {text}",
                                                        "signature": "c2ln"}]},
                     {"role": "user", "content": "go on"}]
    elif position == "name":
        user["name"] = text
    elif position == "tool description":
        tool["function"]["description"] += f" for {text}"
        params["tools"] = [tool]
    elif position == "tool schema":
        tool["function"]["parameters"]["properties"]["q"]["description"] = f"e.g. {text}"
        params["tools"] = [tool]
    elif position == "tool call":
        messages += [{"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": json.dumps({"q": text})}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "done"}]
        params["tools"] = [tool]
    elif position == "tool result":
        messages += [{"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": f"found {text}"}]
    elif position == "metadata":
        params["metadata"] = {"ref": text}
    elif position == "user":
        params["user"] = text
    elif position == "response_format":
        params["response_format"] = {"type": "json_schema", "json_schema": {
            "name": "answer", "schema": {"type": "object", "description": f"like {text}"}}}
    elif position == "stop":
        params["stop"] = ["END", text]
    elif position == "unknown field":
        params["x_vendor_options"] = {"trace": [{"note": text}]}
    elif position == "split":
        half = len(text) // 2
        user["content"] += f" {text[:half]}"
        messages.append({"role": "user", "content": f"{text[half:]} thanks"})
    return messages, params


POSITIONS = ["content", "system", "text part", "unknown part", "image url", "thinking", "name", "tool description",
             "tool schema", "tool call", "tool result", "metadata", "user", "response_format", "stop",
             "unknown field", "split"]

model_spec = st.fixed_dictionaries({
    "local": st.booleans(),
    "tier": st.integers(1, 3),
    "script": st.lists(st.sampled_from(OUTCOMES), max_size=3),
})

request_spec = st.fixed_dictionaries({
    "secret": secrets,
    "position": st.sampled_from(POSITIONS),
    "how": st.sampled_from(OBFUSCATIONS),
    "label": st.sampled_from([None, *Sensitivity]),
    "named": st.integers(-1, 4),
    "stream": st.booleans(),
})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models=st.lists(model_spec, min_size=1, max_size=4), requests=st.lists(request_spec, min_size=1, max_size=4),
       redact=st.booleans(), card_internal=st.booleans(), cascade=st.booleans())
def test_a_planted_secret_never_reaches_a_cloud_model(models, requests, redact, card_internal, cascade):
    FakeProvider.reset()
    names = [f"fake/p{i}-{'local' if m['local'] else 'cloud'}" for i, m in enumerate(models)]
    # Lowering the card to "internal" lets it go to the cloud: then redaction must take it out.
    card_internal = card_internal and redact
    detection = {"redact": redact, **({"policy": {"CREDIT_CARD": "internal", "SECRET_OPENAI_KEY": "internal",
                                                  "SECRET_HIGH_ENTROPY": "internal"}} if card_internal else {})}
    config = parse_config({
        "models": [{"name": n, "provider": "fake", "local": m["local"], "tier": m["tier"], "context_window": 200_000,
                    "fallbacks": [x for x in names if x != n], "extra": {"script": m["script"]}}
                   for n, m in zip(names, models, strict=True)],
        "routing": {"retries": {"max_retries": 1, "backoff_s": 0, "max_backoff_s": 0}, "timeout_s": 0.5,
                    "cascade": {"enabled": cascade}},
        "detection": detection,
    })
    router = Router(config, sensitivity_detector=PiiSensitivityDetector(config.detection))
    local = {n for n, m in zip(names, models, strict=True) if m["local"]}
    planted: list[tuple[str, str, str]] = []  # (marker, secret, planted form)

    async def run_all() -> None:
        for i, spec in enumerate(requests):
            marker = f"request-{i}"
            form = obfuscate(spec["secret"], spec["how"])
            planted.append((marker, spec["secret"], form))
            messages, params = plant(spec["position"], form, marker)
            name = "auto" if spec["named"] < 0 else names[spec["named"] % len(names)]
            request = ChatRequest(name, messages, params, spec["stream"],
                                  raw_body={"model": name, "messages": messages, **params})
            try:
                if spec["stream"]:
                    routed = await router.astream(request, RouteHints(sensitivity=spec["label"]))
                    async for _ in routed:
                        pass
                else:
                    await router.acomplete(request, RouteHints(sensitivity=spec["label"]))
            except TurnoutError:
                pass  # failing closed is allowed; leaking is not

    asyncio.run(run_all())
    for model_name, sent in FakeProvider.calls:
        if model_name in local:
            continue
        blob = json.dumps([sent.messages, sent.params, sent.raw_body], ensure_ascii=False)
        for _marker, secret, form in planted:
            for needle in {secret, form, secret.replace(" ", "").replace("-", "")}:
                assert needle not in blob, f"{model_name} received a planted secret ({needle[:6]}...)"

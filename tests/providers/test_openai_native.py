"""Native pass-through: an untouched OpenAI-chat body goes upstream as sent; any change
turnout made (redaction, retrieved passages, a cascade's logprobs) falls back to translation."""

from __future__ import annotations

from dataclasses import replace

from turnout.detect.redact import Redactor
from turnout.providers.openai import native_body, to_openai
from turnout.types import ChatRequest

URL = "http://127.0.0.1:1/v1/chat/completions"


def parsed(body: dict) -> ChatRequest:
    """What the gateway's parser builds: params from the body, the body kept as raw_body."""
    params = {k: v for k, v in body.items() if k not in ("model", "messages", "stream", "turnout") and v is not None}
    return ChatRequest(body["model"], body["messages"], params, bool(body.get("stream")), raw_body=body)


BODY = {"model": "auto", "top_p": None, "messages": [{"role": "user", "content": "hi", "x_msg_field": 1}],
        "temperature": 0.3, "x_new": {"a": [1]}, "turnout": {"sensitivity": "public"}}


def test_untouched_body_goes_as_sent_with_the_model_changed() -> None:
    request = parsed(BODY)
    assert native_body(request) is BODY
    body = to_openai(request, "up-model", URL, stream=False)
    assert list(body) == ["model", "top_p", "messages", "temperature", "x_new"]  # order and nulls kept
    assert body["model"] == "up-model" and body["top_p"] is None and "turnout" not in body
    assert BODY["model"] == "auto"  # the caller's body itself is not modified
    streamed = to_openai(parsed({**BODY, "stream": True}), "up-model", URL, stream=True)
    assert streamed["stream"] is True and streamed["stream_options"] == {"include_usage": True}


def test_any_change_falls_back_to_translation() -> None:
    request = parsed(BODY)
    changed = [
        replace(request, messages=[{"role": "system", "content": "passages"}, *request.messages]),
        replace(request, params={**request.params, "logprobs": True}),
        replace(request, origin="anthropic.messages"),
        ChatRequest(request.model, request.messages, request.params, request.stream),  # raw body not carried
    ]
    for other in changed:
        assert native_body(other) is None
    body = to_openai(changed[1], "m", URL, stream=False)
    assert body["logprobs"] is True and "top_p" not in body


def test_redaction_never_forwards_the_original_body() -> None:
    body = {"model": "auto", "messages": [{"role": "user", "content": "mail a@example.com"}], "metadata": {"m": "b@example.com"}}
    redacted, mapping = Redactor().redact_request(parsed(body))
    assert len(mapping) == 2 and redacted.raw_body is None and native_body(redacted) is None
    sent = to_openai(redacted, "m", URL, stream=False)
    assert "example.com" not in str(sent)

"""The Responses door's parameters that change cost or have the same meaning in Chat
Completions (red9): ``text.verbosity`` is read by the estimate as chat's ``verbosity``, and
``service_tier``, ``prompt_cache_key``, ``safety_identifier`` and verbosity reach an
OpenAI-compatible chat upstream instead of being dropped."""

from __future__ import annotations

from turnout.providers.portable import responses_dropped, without_responses_fields
from turnout.server.doors import responses_wire


def translate(**fields):
    body = {"model": "gpt-4o", "input": "hi", "store": False, **fields}
    return responses_wire.to_request(body, [], None)[0]


def test_text_verbosity_is_chat_verbosity():
    request = translate(text={"verbosity": "low"})
    assert request.params["verbosity"] == "low"
    assert "text" not in responses_dropped(request)


def test_shared_parameters_reach_a_chat_upstream():
    request = translate(text={"verbosity": "high"}, service_tier="flex", prompt_cache_key="k", safety_identifier="s")
    chat = without_responses_fields(request)
    assert {k: chat.params[k] for k in ("verbosity", "service_tier", "prompt_cache_key", "safety_identifier")} == {
        "verbosity": "high", "service_tier": "flex", "prompt_cache_key": "k", "safety_identifier": "s"}
    assert not {"service_tier", "prompt_cache_key", "safety_identifier", "text"} & set(responses_dropped(request))


def test_the_native_body_is_untouched():
    request = translate(text={"verbosity": "low", "format": {"type": "text"}})
    assert request.raw_body["text"] == {"verbosity": "low", "format": {"type": "text"}}

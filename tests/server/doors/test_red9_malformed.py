"""Bad input at any position of a Messages or Responses body is a 400 (a ``TurnoutError``
naming the field), never an exception of ours that the server would answer with a 500.

Property: take a body that uses every block / item type, replace any one value in it (or drop
it) by a value of the wrong type, and translate it.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turnout.errors import TurnoutError
from turnout.server.doors import anthropic_wire, responses_wire

from .test_red9_native_coverage import at, messages_body, responses_body


def every_path(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(every_path(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(every_path(v, (*path, i)))
    return out


BODIES = {"messages": messages_body(), "responses": responses_body()}
PATHS = {door: every_path(body) for door, body in BODIES.items()}
WRONG = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
                  st.text(max_size=4), st.just([]), st.just({}), st.just([1]), st.just([[]]), st.just({"type": 1}),
                  st.just({"type": []}), st.just([None]), st.just({"a": None}), st.just([{"type": {}}]))


def translate(door: str, body: dict[str, Any]) -> None:
    if door == "messages":
        anthropic_wire.to_request(body, {})
        anthropic_wire.count_tokens_request(body, {})
    else:
        responses_wire.to_request(body, [], None)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(door=st.sampled_from(sorted(BODIES)), data=st.data(), value=WRONG, drop=st.booleans())
def test_a_wrong_value_anywhere_is_a_clear_400(door, data, value, drop):
    path = data.draw(st.sampled_from(PATHS[door]), label="position")
    body = copy.deepcopy(BODIES[door])
    parent = at(body, path[:-1])
    if drop:
        parent.pop(path[-1])
    else:
        parent[path[-1]] = value
    try:
        translate(door, body)
    except TurnoutError as exc:
        assert exc.status_code == 400


def test_an_item_or_part_type_that_is_not_a_string_is_named():
    body = responses_body()
    body["input"][0]["type"] = ["message"]
    try:
        responses_wire.to_request(body, [], None)
    except TurnoutError as exc:
        assert exc.status_code == 400 and "type" in exc.message
    else:
        raise AssertionError("accepted")


CHAT_NAMES = ["n", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "tools", "user", "seed",
              "service_tier", "verbosity", "reasoning_effort", "presence_penalty", "top_logprobs", "metadata",
              "response_format", "tool_choice", "logit_bias", "functions"]


@settings(max_examples=300, deadline=None)
@given(door=st.sampled_from(sorted(BODIES)), name=st.sampled_from(CHAT_NAMES), value=WRONG)
def test_a_chat_parameter_riding_along_a_door_is_checked_as_on_the_chat_door(door, name, value):
    """The doors carry fields they do not translate under their own names; a chat parameter's
    name there (``n``, ``max_tokens``...) is read by routing and the cache as the chat one, so
    a wrong type must be a 400 at the door, not a TypeError later (a 500)."""
    from turnout.validation import validate_params

    body = copy.deepcopy(BODIES[door])
    body[name] = value
    try:
        request = anthropic_wire.to_request(body, {}) if door == "messages" else responses_wire.to_request(body, [], None)[0]
    except TurnoutError as exc:
        assert exc.status_code == 400
        return
    validate_params(dict(request.params))  # what the chat door would have refused, the door refused


@settings(max_examples=60, deadline=None)
@given(where=st.sampled_from(["text", "format", "verbosity", "schema"]), wrong=WRONG)
def test_a_malformed_text_setting_is_a_400_naming_it(where: str, wrong: Any) -> None:
    """red9g: ``text.format: 5`` was answered 200 (the format dropped on the way)."""

    body = copy.deepcopy(responses_body())
    fmt = {"type": "json_schema", "name": "n", "schema": {"type": "object"}}
    body["text"] = {"format": fmt, "verbosity": "low"}
    fine_format = lambda v: v is None or (isinstance(v, dict) and isinstance(v.get("type"), str) and (  # noqa: E731
        v["type"] != "json_schema" or isinstance(v.get("schema"), dict)))
    valid = {"text": lambda v: v is None or (isinstance(v, dict) and fine_format(v.get("format"))
                                             and isinstance(v.get("verbosity", ""), str)),
             "format": fine_format,
             "verbosity": lambda v: v is None or isinstance(v, str),
             "schema": lambda v: isinstance(v, dict)}[where]
    if where == "text":
        body["text"] = wrong
    elif where == "schema":
        fmt["schema"] = wrong
    else:
        body["text"][where] = wrong
    try:
        translate("responses", body)
    except TurnoutError as exc:
        assert exc.status_code == 400 and str(exc.param).startswith(("text", "verbosity")), exc
        assert not valid(wrong) or str(exc.param) != "text", exc  # a valid setting is refused only for its value
    else:
        assert valid(wrong), f"{where}={wrong!r} was taken"


def test_a_tool_output_with_an_integer_past_64_bits_is_a_400() -> None:
    """Hypothesis found it in CI: orjson cannot write such an integer, and the TypeError was a 500."""
    import pytest

    body = copy.deepcopy(responses_body())
    body["input"] = [{"type": "function_call_output", "call_id": "c1", "output": {"n": -(2**64)}}]
    with pytest.raises(TurnoutError) as err:
        translate("responses", body)
    assert err.value.status_code == 400 and "output" in str(err.value.param)

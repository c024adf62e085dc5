"""check_params's fast path for scalar and string values judges every request as the plain
walk over each value did (issue 17): the same requests pass, the same ones fail, naming the
same parameter."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout import input_limits
from turnout.errors import BadRequestError
from turnout.input_limits import MAX_DEPTH, check_params, check_value


def _walk_every_value(params: dict[str, Any]) -> None:
    """The rule without the fast path: every value through check_value, then the counts and
    shapes check_params adds (the counts and shapes run the same code in both)."""
    budget = [input_limits.MAX_NODES]
    for name, value in params.items():
        if isinstance(name, str) and len(name) > input_limits.MAX_KEY_CHARS:
            raise BadRequestError("long name", param="params")
        if isinstance(name, str) and not name.isprintable():
            raise BadRequestError("control characters", param="params")
        check_value(value, str(name), budget)
        limit = input_limits._COUNTED.get(name)
        if limit is not None and isinstance(value, list | dict) and len(value) > limit:
            raise BadRequestError("too many", param=name)
    check_params(params)  # the trailing shape checks (n, metadata, tool_choice)


def _outcome(check: Any, params: dict[str, Any]) -> str | None:
    try:
        check(params)
    except BadRequestError as exc:
        return exc.param
    return None


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=8))
_VALUES = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, max_size=20),
    st.dictionaries(st.text(max_size=4), _SCALARS, max_size=4),
    st.sampled_from([_deep(MAX_DEPTH + 2), {"k": _deep(MAX_DEPTH)}, "x" * 40, ["s"] * 17]),
)
_NAMES = st.one_of(st.sampled_from(["max_tokens", "temperature", "stop", "tools", "n", "metadata", "tool_choice",
                                    "response_format", "logit_bias", "user", "seed"]),
                   st.text(max_size=6))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_NAMES, _VALUES, max_size=6))
def test_fast_path_judges_as_the_walk(params: dict[str, Any]) -> None:
    assert _outcome(check_params, params) == _outcome(_walk_every_value, params)


def test_a_long_string_value_is_still_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(input_limits, "MAX_STRING_CHARS", 32)
    with pytest.raises(BadRequestError) as err:
        check_params({"max_tokens": 16, "user": "u" * 33})
    assert err.value.param == "user" and err.value.code == "input_limit_exceeded"
    check_params({"max_tokens": 16, "user": "u" * 32, "temperature": 0.5, "logprobs": True, "seed": None})

"""validate_params checks only the names present; it must judge every request as the plain
check-each-name-in-order reference below does: the same accepted requests, the same first
bad parameter named."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.errors import BadRequestError
from turnout.validation import validate_params

_RANGES = {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0), "presence_penalty": (-2.0, 2.0),
           "frequency_penalty": (-2.0, 2.0)}
_ENUMS = {"reasoning_effort": ("none", "minimal", "low", "medium", "high", "xhigh"),
          "verbosity": ("low", "medium", "high")}
_STRINGS = ("service_tier", "user", "prompt_cache_key", "safety_identifier")
_INTEGERS = ("max_tokens", "max_completion_tokens", "n", "top_logprobs", "seed")


def reference_first_bad(params: dict[str, Any]) -> str | None:
    for name, allowed in _ENUMS.items():
        v = params.get(name)
        if v is not None and v not in allowed:
            return name
    for name in _STRINGS:
        v = params.get(name)
        if v is not None and not isinstance(v, str):
            return name
    for name, (lo, hi) in _RANGES.items():
        v = params.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi):
            return name
    for name in _INTEGERS:
        v = params.get(name)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int):
            return name
        if name in ("max_tokens", "max_completion_tokens", "n") and v < 1:
            return name
    stop = params.get("stop")
    if stop is not None and not (isinstance(stop, str) or (isinstance(stop, list) and all(isinstance(s, str) for s in stop))):
        return "stop"
    tools = params.get("tools")
    if tools is not None and not (isinstance(tools, list) and all(isinstance(t, dict) for t in tools)):
        return "tools"
    return None


_NAMES = [*_ENUMS, *_STRINGS, *_RANGES, *_INTEGERS, "stop", "tools", "x_unknown", "y_vendor_field"]
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 5), st.floats(-3, 3, allow_nan=False),
    st.sampled_from(["low", "high", "xhigh", "bogus", ""]), st.lists(st.text(max_size=3), max_size=2),
    st.lists(st.one_of(st.dictionaries(st.text(max_size=2), st.integers(), max_size=1), st.integers()), max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(_NAMES), _VALUES, max_size=6))
def test_the_same_verdict_and_the_same_parameter_named_as_the_reference(params: dict[str, Any]) -> None:
    expected = reference_first_bad(params)
    if expected is None:
        assert validate_params(dict(params)) == params
    else:
        with pytest.raises(BadRequestError) as err:
            validate_params(dict(params))
        assert err.value.param == expected

"""The neutral answer's mappings: usage and finish reasons survive a trip to each API and back."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from turnout.answer import (
    FINISH_FROM,
    UsageCounts,
    anthropic_stop_reason,
    finish_from,
    responses_status,
    sum_usage,
    usage_from_anthropic,
    usage_from_gemini,
    usage_from_responses,
    usage_to_anthropic,
    usage_to_responses,
)

counts = st.integers(min_value=0, max_value=10**9)


@given(counts, counts, counts, counts)
def test_anthropic_usage_goes_there_and_back(fresh, read, written, output):
    raw = {"input_tokens": fresh, "cache_read_input_tokens": read, "cache_creation_input_tokens": written,
           "output_tokens": output}
    neutral = usage_from_anthropic(raw)
    assert neutral["prompt_tokens"] == fresh + read + written  # OpenAI's prompt includes the cache
    assert neutral["total_tokens"] == neutral["prompt_tokens"] + output
    assert usage_to_anthropic(neutral) == raw


@given(counts, counts, counts, counts)
def test_responses_usage_goes_there_and_back(prompt, cached, output, reasoning):
    raw = {"input_tokens": prompt, "input_tokens_details": {"cached_tokens": cached}, "output_tokens": output,
           "output_tokens_details": {"reasoning_tokens": reasoning}, "total_tokens": prompt + output}
    assert usage_to_responses(usage_from_responses(raw)) == raw


@given(counts, counts, counts, counts)
def test_gemini_thoughts_are_output_and_reasoning(prompt, cached, candidates, thoughts):
    usage = UsageCounts.of(usage_from_gemini({"promptTokenCount": prompt, "cachedContentTokenCount": cached,
                                              "candidatesTokenCount": candidates, "thoughtsTokenCount": thoughts}))
    assert usage == UsageCounts(prompt, candidates + thoughts, cached, 0, thoughts)


@given(st.lists(st.tuples(counts, counts, counts, counts, counts), max_size=5))
def test_summed_usage_adds_every_count(rows):
    usages = [{"prompt_tokens": p, "completion_tokens": c, "prompt_tokens_details": {"cached_tokens": k},
               "cache_creation_input_tokens": w, "completion_tokens_details": {"reasoning_tokens": r}}
              for p, c, k, w, r in rows]
    expected = UsageCounts(*(sum(row[i] for row in rows) for i in range(5)))
    assert UsageCounts.of(sum_usage(usages)) == expected


def test_usage_of_anything_is_counts_never_an_error():
    assert UsageCounts.of(None) == UsageCounts(0, 0, 0, 0, 0)
    assert UsageCounts.of({"prompt_tokens": "x", "prompt_tokens_details": [1]}) == UsageCounts(0, 0, 0, 0, 0)


def test_finish_reasons_go_to_anthropic_and_back():
    for finish in ("stop", "length", "tool_calls", "content_filter"):
        assert finish_from("anthropic", anthropic_stop_reason(finish)) == finish
    assert anthropic_stop_reason("stop", "###") == "stop_sequence"
    assert finish_from("anthropic", "stop_sequence") == "stop"


def test_finish_reasons_go_to_responses_and_back():
    for finish in ("stop", "length", "content_filter"):
        status, incomplete = responses_status(finish)
        reason = (incomplete or {}).get("reason")
        assert (status == "completed") == (finish == "stop")
        assert finish_from("responses", reason) == finish


def test_an_ordinary_stop_with_calls_is_tool_calls_everywhere():
    for api, reasons in FINISH_FROM.items():
        for reason, finish in reasons.items():
            assert finish_from(api, reason, True) == ("tool_calls" if finish == "stop" else finish)
    assert finish_from("gemini", "SOMETHING_NEW") == "stop"
    assert finish_from("gemini", None, True) == "tool_calls"


_COUNT = st.one_of(st.none(), st.integers(-5, 10**9), st.booleans(), st.floats(allow_nan=False, allow_infinity=False,
                                                                               min_value=-1e6, max_value=1e6),
                   st.sampled_from(["12", "x", "", [], {}]))


@given(st.dictionaries(st.sampled_from(["prompt_tokens", "completion_tokens", "cache_creation_input_tokens",
                                        "total_tokens"]), _COUNT),
       st.one_of(st.none(), st.integers(), st.dictionaries(st.just("cached_tokens"), _COUNT)),
       st.one_of(st.none(), st.text(max_size=3), st.dictionaries(st.just("reasoning_tokens"), _COUNT)))
def test_usage_counts_take_each_field_as_int_or_zero(usage: dict[str, Any], prompt_details: Any,
                                                     completion_details: Any) -> None:
    """The ints fast path (issue 17) reads every usage as the per-field rule does: the value as
    an int, 0 when missing or not a number."""
    def as_int(value: Any) -> int:
        try:
            return int(value or 0)
        except (TypeError, ValueError):
            return 0

    if prompt_details is not None:
        usage["prompt_tokens_details"] = prompt_details
    if completion_details is not None:
        usage["completion_tokens_details"] = completion_details
    pd = usage.get("prompt_tokens_details")
    cd = usage.get("completion_tokens_details")
    got = UsageCounts.of(usage)
    assert got == (as_int(usage.get("prompt_tokens")), as_int(usage.get("completion_tokens")),
                   as_int(pd.get("cached_tokens")) if isinstance(pd, dict) else 0,
                   as_int(usage.get("cache_creation_input_tokens")),
                   as_int(cd.get("reasoning_tokens")) if isinstance(cd, dict) else 0)
    assert type(got) is UsageCounts and all(type(v) is int for v in got)

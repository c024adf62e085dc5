"""The neutral answer's mappings: usage and finish reasons survive a trip to each API and back."""

from __future__ import annotations

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

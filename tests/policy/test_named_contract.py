"""A named model is a contract (issue: routing users can trust): it answers, or a fallback the
operator configured or the caller allowed answers with the reason recorded, or the request
fails with an error that says why. Plus the zero-config fallback chain and the long-context
rule choosing by complexity, on the current catalog."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.catalog import Catalog
from turnout.errors import (
    BudgetExceededError,
    ContextWindowExceededError,
    PermissionDeniedError,
    ProviderUnavailableError,
)
from turnout.policy.engine import ModelState, decide
from turnout.policy.rules import founding_rules
from turnout.policy.signals import ComplexityAssessment, SensitivityAssessment, Signals
from turnout.types import Complexity, Sensitivity

CURRENT = ["gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o-mini",
           "claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1", "gemini-2.5-pro", "gemini-2.5-flash",
           "local/qwen2.5-coder-0.5b"]


def states(names=CURRENT, **overrides):
    cat = Catalog()
    out = []
    for n in names:
        info = cat.resolve(n)
        out.append(ModelState(info=info, **overrides.get(info.name, overrides.get(n, {}))))
    return out


def sig(sens="public", comp="moderate", prompt=50, max_tokens=500, **kw):
    return Signals(SensitivityAssessment(Sensitivity(sens), "given"), ComplexityAssessment(Complexity(comp), "given"),
                   prompt_tokens=prompt, max_tokens=max_tokens, **kw)


NO_KEY = {"available": False, "unavailable_reason": "OPENAI_API_KEY is not set"}


def test_named_model_without_a_key_fails_with_the_reason_not_a_local_answer():
    models = states(**{"gpt-5": NO_KEY})
    with pytest.raises(ProviderUnavailableError) as err:
        decide(sig(), models, founding_rules(), requested_model="gpt-5", default_fallbacks=True)
    assert "OPENAI_API_KEY is not set" in err.value.message and "fallback" in err.value.message
    assert err.value.status_code == 503


def test_caller_allowed_fallback_answers_and_says_why():
    models = states(**{"gpt-5": NO_KEY})
    d = decide(sig(), models, founding_rules(), requested_model="gpt-5",
               caller_fallbacks=["claude-sonnet-4-5-20250929"])
    assert d.model == "claude-sonnet-4-5-20250929" and d.rule == "requested-fallback"
    assert d.fallback_reason == "unavailable: OPENAI_API_KEY is not set"
    assert d.to_dict()["fallback_reason"] == d.fallback_reason


def test_operator_configured_fallback_comes_before_the_callers():
    models = states(**{"gpt-5": {**NO_KEY, "fallbacks": ("gemini-2.5-pro",)}})
    d = decide(sig(), models, founding_rules(), requested_model="gpt-5",
               caller_fallbacks=["claude-sonnet-4-5-20250929"])
    assert d.model == "gemini-2.5-pro"
    assert d.fallback_chain[0] == "claude-sonnet-4-5-20250929"


def test_named_model_gets_no_zero_config_chain_but_auto_does():
    named = decide(sig(), states(), founding_rules(), requested_model="gpt-5", default_fallbacks=True)
    assert named.model == "gpt-5" and named.fallback_chain == []
    auto = decide(sig("public", "complex"), states(), founding_rules(), default_fallbacks=True)
    chain = auto.fallback_chain
    cat = Catalog()
    first = cat.resolve(auto.model)
    peers = [m for m in chain if not cat.resolve(m).local]
    # Same tier on other providers, cheapest first, then the local model that fits.
    assert peers and all(cat.resolve(m).tier == first.tier and cat.resolve(m).provider != first.provider for m in peers)
    assert chain[-1] == "local/qwen2.5-coder-0.5b"


def test_zero_config_chain_leaves_out_local_models_the_request_does_not_fit():
    d = decide(sig("public", "complex", prompt=20_000), states(), founding_rules(), default_fallbacks=True)
    assert "local/qwen2.5-coder-0.5b" not in d.fallback_chain and d.fallback_chain


def test_named_model_under_budget_pressure_is_refused_not_swapped_for_a_cheaper_one():
    with pytest.raises(BudgetExceededError):
        decide(sig(budget_remaining_usd=1e-6), states(), founding_rules(), requested_model="claude-opus-4-1-20250805",
               default_fallbacks=True)


def test_named_model_too_small_window_says_so():
    with pytest.raises(ContextWindowExceededError, match="window"):
        decide(sig(prompt=300_000), states(), founding_rules(), requested_model="gpt-4o-mini")


def test_named_model_not_allowed_for_key():
    with pytest.raises(PermissionDeniedError):
        decide(sig(), states(), founding_rules(), requested_model="gpt-5", allowed=lambda m: m != "gpt-5")


def test_cooling_named_model_without_fallbacks_is_a_503_not_a_swap():
    models = states(**{"gpt-5": {"cooling_for_s": 20.0}})
    with pytest.raises(ProviderUnavailableError, match="cooling"):
        decide(sig(), models, founding_rules(), requested_model="gpt-5", default_fallbacks=True)


def test_confidential_named_cloud_reroute_is_recorded_as_a_fallback():
    d = decide(sig("confidential"), states(), founding_rules(), requested_model="gpt-5")
    assert d.model == "local/qwen2.5-coder-0.5b" and d.fallback_reason.startswith("not_local")


def test_long_complex_document_goes_to_a_strong_model_that_can_read_it():
    # Issue: the old long-context rule took the longest window at the lowest price (gpt-4.1-nano).
    d = decide(sig("internal", "complex", prompt=150_000), states(), founding_rules())
    info = Catalog().resolve(d.model)
    assert d.rule == "long-context" and info.tier == 3 and info.context_window >= 151_000
    assert d.model != "gpt-4.1-nano"
    moderate = Catalog().resolve(decide(sig("internal", "moderate", prompt=150_000), states(), founding_rules()).model)
    assert moderate.tier == 2  # balanced: the mid tier


def test_long_context_still_respects_windows():
    d = decide(sig("internal", "complex", prompt=300_000), states(), founding_rules())
    assert Catalog().resolve(d.model).context_window > 301_000


@settings(max_examples=150, deadline=None)
@given(
    requested=st.sampled_from(CURRENT[:-1]),
    down=st.sets(st.sampled_from(CURRENT), max_size=6),
    cooling=st.sets(st.sampled_from(CURRENT), max_size=4),
    caller=st.lists(st.sampled_from(CURRENT), max_size=3),
    own=st.lists(st.sampled_from(CURRENT), max_size=2),
    sens=st.sampled_from(["public", "internal"]),
    comp=st.sampled_from(["simple", "moderate", "complex"]),
    prompt=st.integers(1, 300_000),
    budget=st.one_of(st.none(), st.floats(0, 1)),
)
def test_property_a_named_model_is_only_ever_replaced_by_an_allowed_one(requested, down, cooling, caller, own,
                                                                        sens, comp, prompt, budget):
    cat = Catalog()
    canon = {n: cat.resolve(n).name for n in CURRENT}
    overrides = {canon[n]: {} for n in CURRENT}
    for n in down:
        overrides[canon[n]]["available"] = False
    for n in cooling:
        overrides[canon[n]]["cooling_for_s"] = 5.0
    overrides[canon[requested]]["fallbacks"] = tuple(canon[n] for n in own)
    models = states(**overrides)
    caller_names = [canon[n] for n in caller]
    try:
        d = decide(sig(sens, comp, prompt=prompt, budget_remaining_usd=budget), models, founding_rules(),
                   requested_model=canon[requested], caller_fallbacks=caller_names, default_fallbacks=True)
    except (ProviderUnavailableError, BudgetExceededError, ContextWindowExceededError):
        return
    allowed = {canon[requested], *caller_names, *(canon[n] for n in own)}
    assert d.model in allowed
    assert set(d.fallback_chain) <= allowed
    assert (d.model == canon[requested]) == (d.fallback_reason is None)


# The founding design's decision matrix, on today's catalog (the seed's own four models are in
# tests/policy/test_engine.py).
@pytest.mark.parametrize(
    ("scenario", "signals", "check"),
    [
        ("customer-facing chat", sig("public", "complex"), lambda i: i.tier == 3 and not i.local),
        ("internal tools", sig("internal", "simple"), lambda i: i.tier == 1 and not i.local),
        ("high-volume simple tasks", sig("public", "simple"), lambda i: i.tier == 1 and i.input_per_mtok <= 0.1),
        ("long document analysis", sig("internal", "moderate", prompt=180_000),
         lambda i: i.context_window >= 181_000 and i.tier == 2),
        ("sensitive/private data", sig("confidential", "complex"), lambda i: i.local),
        ("code generation", sig("public", "complex"), lambda i: "code" in i.strengths),
        ("cost-sensitive", sig("public", "moderate", max_cost_usd=0.0), lambda i: i.local),
    ],
)
def test_decision_matrix_on_current_models(scenario, signals, check):
    d = decide(signals, states(), founding_rules(), default_fallbacks=True)
    assert check(Catalog().resolve(d.model)), (scenario, d.model)


def test_a_substitute_is_followed_by_the_rest_of_the_named_models_chain():
    models = states(**{"gpt-5": {**NO_KEY, "fallbacks": ("gemini-2.5-pro", "claude-sonnet-4-5-20250929")},
                       "gemini-2.5-pro": {"fallbacks": ("gpt-4.1",)}})
    d = decide(sig(), models, founding_rules(), requested_model="gpt-5")
    assert d.model == "gemini-2.5-pro"
    assert d.fallback_chain == ["claude-sonnet-4-5-20250929", "gpt-4.1"]

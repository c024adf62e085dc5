"""The policy engine against the founding design: its three examples and its decision matrix,
on the design's own four models (gpt-4, gpt-3.5-turbo, claude-3-sonnet, ollama/llama3)."""

from __future__ import annotations

import pytest

from turnout.catalog import Catalog
from turnout.errors import BudgetExceededError, ConfidentialityError, ContextWindowExceededError
from turnout.policy.engine import (
    CONTEXT_TOO_SMALL,
    COOLING_DOWN,
    NOT_LOCAL,
    TOO_EXPENSIVE,
    TOO_SLOW,
    ModelState,
    decide,
)
from turnout.policy.rules import Condition, Rule, founding_rules
from turnout.policy.signals import ComplexityAssessment, SensitivityAssessment, Signals
from turnout.types import Complexity, Sensitivity

SEED_MODELS = ["gpt-4", "gpt-3.5-turbo", "claude-3-sonnet-20240229", "ollama/llama3"]
SEED_FALLBACKS = ["gpt-4", "claude-3-sonnet-20240229", "gpt-3.5-turbo", "ollama/llama3"]


def states(names=SEED_MODELS, **overrides):
    cat = Catalog()
    out = []
    for n in names:
        kw = overrides.get(n, {})
        out.append(ModelState(info=cat.resolve(n), **kw))
    return out


def sig(sens="public", comp="moderate", prompt=50, max_tokens=500, **kw):
    return Signals(
        sensitivity=SensitivityAssessment(Sensitivity(sens), "given"),
        complexity=ComplexityAssessment(Complexity(comp), "given"),
        prompt_tokens=prompt,
        max_tokens=max_tokens,
        **kw,
    )


def choose(signals, models=None, **kw):
    return decide(signals, models or states(), founding_rules(), global_fallbacks=SEED_FALLBACKS, **kw)


# The founding design's three examples.
def test_example_simple_public_goes_to_cheap_cloud():
    d = choose(sig("public", "simple"))
    assert d.model == "gpt-3.5-turbo"
    assert d.rule == "simple-cheap"


def test_example_complex_confidential_goes_local():
    d = choose(sig("confidential", "complex"))
    assert d.model == "ollama/llama3"
    assert d.rule == "confidential-local"
    rejected = {r.model: r.reason for r in d.rejected}
    assert rejected == {"gpt-4": NOT_LOCAL, "gpt-3.5-turbo": NOT_LOCAL, "claude-3-sonnet-20240229": NOT_LOCAL}
    # The fallback chain may only hold local models.
    assert all(m == "ollama/llama3" for m in d.fallback_chain) and "gpt-4" not in d.fallback_chain


def test_example_long_document_goes_to_long_context_model():
    # A 50-page document: ~30k prompt tokens. The seed keyed this on max_tokens; we measure.
    d = choose(sig("internal", "moderate", prompt=30_000, max_tokens=1_000))
    assert d.model == "claude-3-sonnet-20240229"
    assert d.rule == "long-context"
    reasons = {r.model: r.reason for r in d.rejected}
    assert reasons["gpt-4"] == CONTEXT_TOO_SMALL and reasons["ollama/llama3"] == CONTEXT_TOO_SMALL


def test_large_output_budget_alone_is_not_long_context_when_it_fits():
    # The seed's rule 3 fired on max_tokens > 8000 even for a tiny prompt to a 200k model;
    # here a 9k output budget is context too, so only models with room qualify.
    d = choose(sig("public", "complex", prompt=20, max_tokens=9_000))
    assert d.model == "claude-3-sonnet-20240229"  # gpt-4's 8k window cannot hold it


# The founding design's decision matrix.
@pytest.mark.parametrize(
    ("scenario", "signals", "expected"),
    [
        ("customer-facing chat", sig("public", "complex"), {"gpt-4", "claude-3-sonnet-20240229"}),
        ("customer-facing chat, moderate", sig("public", "moderate"), {"gpt-4", "claude-3-sonnet-20240229"}),
        ("internal tools", sig("internal", "simple"), {"gpt-3.5-turbo"}),
        ("high-volume simple tasks", sig("public", "simple"), {"gpt-3.5-turbo"}),
        ("long document analysis", sig("internal", "moderate", prompt=60_000), {"claude-3-sonnet-20240229"}),
        ("sensitive/private data", sig("confidential", "moderate"), {"ollama/llama3"}),
        ("code generation", sig("public", "complex"), {"gpt-4"}),
        ("cost-sensitive", sig("public", "moderate", max_cost_usd=0.0), {"ollama/llama3"}),
    ],
)
def test_decision_matrix(scenario, signals, expected):
    assert choose(signals).model in expected, scenario


def test_decision_matrix_offline_air_gapped():
    offline = states(**{m: {"available": False, "unavailable_reason": "no network"} for m in SEED_MODELS[:3]})
    d = choose(sig("public", "complex"), offline)
    assert d.model == "ollama/llama3"


def test_cost_cap_rejects_expensive_models_with_reason():
    d = choose(sig("public", "complex", max_cost_usd=0.005))
    reasons = {r.model: r.reason for r in d.rejected}
    assert reasons["gpt-4"] == TOO_EXPENSIVE
    assert d.model != "gpt-4"


def test_latency_cap_uses_live_estimates():
    models = states(**{"gpt-4": {"latency_ms": 9000.0}, "claude-3-sonnet-20240229": {"latency_ms": 800.0}})
    d = choose(sig("public", "complex", max_latency_ms=2000), models)
    assert {r.model: r.reason for r in d.rejected}["gpt-4"] == TOO_SLOW
    assert d.model == "claude-3-sonnet-20240229"


def test_cooling_model_is_skipped_and_left_out_of_fallbacks():
    models = states(**{"gpt-4": {"cooling_for_s": 12.0}})
    d = choose(sig("public", "complex"), models)
    assert d.model != "gpt-4"
    assert {r.model: r.reason for r in d.rejected}["gpt-4"] == COOLING_DOWN
    assert "gpt-4" not in d.fallback_chain


def test_confidential_without_local_model_fails_closed():
    with pytest.raises(ConfidentialityError, match="no local model"):
        choose(sig("confidential", "simple"), states(SEED_MODELS[:3]))


def test_confidential_named_cloud_model_is_rerouted_locally():
    d = choose(sig("confidential", "simple"), requested_model="gpt-4")
    assert d.model == "ollama/llama3"
    assert "requested gpt-4 rejected (not_local)" in d.reason


def test_named_model_is_used_with_its_fallbacks():
    models = states(**{"gpt-4": {"fallbacks": ("claude-3-sonnet-20240229",)}})
    d = choose(sig("public", "simple"), models, requested_model="gpt-4")
    assert d.model == "gpt-4" and d.rule == "requested"
    assert d.fallback_chain[0] == "claude-3-sonnet-20240229"


def test_context_too_large_for_every_model():
    with pytest.raises(ContextWindowExceededError):
        choose(sig("public", "simple", prompt=300_000))


def test_budget_left_rules_out_models_and_errors_when_none_fit():
    d = choose(sig("public", "complex", budget_remaining_usd=0.0005))  # below gpt-3.5's $0.000775
    assert d.model == "ollama/llama3"
    with pytest.raises(BudgetExceededError):
        choose(sig("public", "complex", budget_remaining_usd=0.0001), states(SEED_MODELS[:3]))


def test_key_allow_list():
    d = choose(sig("public", "complex"), allowed=lambda m: m.startswith("claude"))
    assert d.model == "claude-3-sonnet-20240229"


def test_rule_schema_errors_are_clear():
    with pytest.raises(ValueError, match="exactly one of"):
        Rule(name="bad", use=["gpt-4"], choose="cheapest")
    with pytest.raises(ValueError, match="sensitivity"):
        Rule(name="bad", when={"sensitivity": "secret"}, use=["gpt-4"])
    with pytest.raises(ValueError, match="Extra inputs"):
        Rule(name="bad", when={"sensitvity": "public"}, use=["gpt-4"])


def test_custom_rules_use_list_and_strategies():
    rules = [
        Rule(name="tools-to-4", when=Condition(has_tools=True), use=["gpt-4"]),
        Rule(name="fast", choose="fastest"),
    ]
    models = states(**{"gpt-3.5-turbo": {"latency_ms": 300.0}, "gpt-4": {"latency_ms": 3000.0}})
    assert decide(sig(has_tools=True), models, rules).model == "gpt-4"
    assert decide(sig(), models, rules).model == "gpt-3.5-turbo"


def test_decision_record_is_explained():
    d = choose(sig("confidential", "complex")).to_dict()
    assert d["model"] == "ollama/llama3"
    assert d["rule"] == "confidential-local"
    assert d["signals"]["sensitivity"] == "confidential"
    assert {"model", "reason", "detail"} <= set(d["rejected"][0])
    assert d["estimated_cost_usd"] == 0.0


def test_cooling_named_model_goes_to_its_own_fallback_first():
    models = states(**{"gpt-4": {"cooling_for_s": 30.0, "fallbacks": ("gpt-3.5-turbo",)}})
    d = choose(sig("public", "complex"), models, requested_model="gpt-4")
    assert d.model == "gpt-3.5-turbo" and d.rule == "requested-fallback"


def test_named_model_over_a_cost_cap_is_refused_not_swapped():
    # No fallback chain configured: a cheaper model is not swapped in behind the caller's back.
    with pytest.raises(BudgetExceededError):
        decide(sig("public", "complex", max_cost_usd=0.0001), states(), founding_rules(), requested_model="gpt-4")
    # With a chain, its first model within the cap answers.
    d = choose(sig("public", "complex", max_cost_usd=0.0001), requested_model="gpt-4")
    assert d.rule == "requested-fallback" and d.model == "ollama/llama3"

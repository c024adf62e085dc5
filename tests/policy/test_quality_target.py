"""routing.quality_target: the cheapest model expected to reach target x the best; caller
labels and non-complexity rules still win."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.catalog import Catalog
from turnout.policy.engine import ModelState, decide
from turnout.policy.rules import founding_rules
from turnout.policy.signals import ComplexityAssessment, SensitivityAssessment, Signals
from turnout.routing.router import Router
from turnout.types import ChatRequest, Complexity, RouteHints, Sensitivity

MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1-mini", "ollama/llama3"]


def states():
    cat = Catalog()
    return [ModelState(info=cat.resolve(n)) for n in MODELS]


def sig(sens="public", given_complexity=None):
    comp = (ComplexityAssessment(Complexity(given_complexity), "given") if given_complexity
            else ComplexityAssessment(Complexity.MODERATE, "classifier", 0.4))
    return Signals(SensitivityAssessment(Sensitivity(sens), "given"), comp, prompt_tokens=100, max_tokens=200)


def fixed(q):
    return lambda pool: {m.name: q[m.name] for m in pool}


Q = {"gpt-4o": 0.9, "gpt-4o-mini": 0.8, "gpt-4.1-mini": 0.87, "ollama/llama3": 0.95}


def test_picks_the_cheapest_cloud_model_reaching_the_target():
    # founding default rule pools cloud models only: ollama is not in its pool
    d = decide(sig(), states(), founding_rules(), quality=fixed(Q), quality_target=0.95)
    assert d.model == "gpt-4.1-mini" and d.rule == "quality-target"
    d = decide(sig(), states(), founding_rules(), quality=fixed(Q), quality_target=0.85)
    assert d.model == "gpt-4o-mini"
    d = decide(sig(), states(), founding_rules(), quality=fixed(Q), quality_target=1.0)
    assert d.model == "gpt-4o"


def test_caller_label_and_confidential_rule_win():
    d = decide(sig(given_complexity="complex"), states(), founding_rules(), quality=fixed(Q), quality_target=0.5)
    assert d.rule == "complex-strong"
    d = decide(sig(sens="confidential"), states(), founding_rules(), quality=fixed(Q), quality_target=0.5)
    assert d.rule == "confidential-local" and d.model == "ollama/llama3"


@settings(max_examples=60, deadline=None)
@given(st.fixed_dictionaries({m: st.floats(0.01, 1.0) for m in MODELS}), st.floats(0.05, 1.0))
def test_choice_reaches_the_target_and_nothing_cheaper_does(q, target):
    d = decide(sig(), states(), founding_rules(), quality=fixed(q), quality_target=target)
    cloud = [s.info for s in states() if not s.info.local]
    best = max(q[m.name] for m in cloud)
    chosen = next(m for m in cloud if m.name == d.model)
    assert q[d.model] >= target * best - 1e-9
    cost = chosen.cost_usd(100, 200)
    for m in cloud:
        if m.cost_usd(100, 200) < cost:
            assert q[m.name] < target * best


def test_router_with_quality_target_keeps_the_complexity_view():
    router = Router.from_dict({"models": [{"name": "fake/big", "provider": "fake", "tier": 3,
                                           "input_per_mtok": 5, "output_per_mtok": 15},
                                          {"name": "fake/small", "provider": "fake", "tier": 1,
                                           "input_per_mtok": 0.1, "output_per_mtok": 0.4}],
                               "routing": {"quality_target": 0.85}},
                              complexity_classifier=__import__("turnout.policy.detectors", fromlist=["x"])
                              .complexity_classifier(__import__("turnout.config", fromlist=["x"]).DetectionConfig()))
    d = router.route(ChatRequest(model="auto", messages=[{"role": "user", "content": "What is 2+2?"}]))
    assert d.rule == "quality-target" and d.model == "fake/small"
    assert d.signals.complexity.level is Complexity.SIMPLE
    labelled = router.route(ChatRequest(model="auto", messages=[{"role": "user", "content": "What is 2+2?"}]),
                            RouteHints(complexity=Complexity.COMPLEX))
    assert labelled.rule == "complex-strong" and labelled.model == "fake/big"

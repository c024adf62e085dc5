"""``decide`` works a candidate's cost estimate out only when a cost cap or a budget could reject
it (issue 17): the decision (model, estimate, every rejection and its detail) is the one of
estimating every candidate up front."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.catalog import Catalog
from turnout.errors import TurnoutError
from turnout.policy.engine import ModelState, decide, hard_check, soft_check
from turnout.policy.rules import founding_rules
from turnout.policy.signals import ComplexityAssessment, SensitivityAssessment, Signals
from turnout.types import Complexity, Sensitivity

MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-nano", "o4-mini", "claude-3-5-haiku-20241022", "ollama/llama3"]
CATALOG = Catalog()
INFOS = {n: CATALOG.resolve(n) for n in MODELS}

caps = st.none() | st.floats(0.0, 0.05, allow_nan=False)
params = st.fixed_dictionaries({}, optional={
    "service_tier": st.sampled_from(["flex", "priority", "default"]),
    "n": st.integers(1, 3),
    "reasoning_effort": st.sampled_from(["low", "medium", "high"]),
    "max_tokens": st.integers(1, 4000),
})


@settings(max_examples=300, deadline=None)
@given(names=st.lists(st.sampled_from(MODELS), min_size=1, max_size=6, unique=True),
       prompt=st.integers(1, 200_000), max_tokens=st.integers(1, 8000), max_cost=caps, budget=caps,
       p=params, sens=st.sampled_from(list(Sensitivity)), named=st.none() | st.sampled_from(MODELS),
       cooling=st.sets(st.sampled_from(MODELS)))
def test_the_decision_is_that_of_estimating_every_candidate(names, prompt, max_tokens, max_cost, budget, p, sens,
                                                            named, cooling) -> None:
    signals = Signals(sensitivity=SensitivityAssessment(sens, "given"),
                      complexity=ComplexityAssessment(Complexity.MODERATE, "given"), prompt_tokens=prompt,
                      max_tokens=max_tokens, max_cost_usd=max_cost, budget_remaining_usd=budget, params=p)
    states = [ModelState(info=INFOS[n], cooling_for_s=5.0 if n in cooling else None) for n in names]
    # What estimating every candidate first gives: the hard rejections, then the soft ones.
    expected = [r for s in states if (r := hard_check(s, signals)) is not None]
    expected += [r for s in states if hard_check(s, signals) is None
                 and (r := soft_check(s, signals, signals.cost_for(s.info))) is not None]
    for s in states:  # the check alone works the estimate out itself when it needs one
        assert soft_check(s, signals) == soft_check(s, signals, signals.cost_for(s.info))
    try:
        decision = decide(signals, states, founding_rules(), requested_model=named if named in names else None)
    except TurnoutError:
        return
    assert decision.rejected == expected
    assert decision.estimated_cost_usd == signals.cost_for(INFOS[decision.model])

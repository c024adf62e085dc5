"""``Router.model_states`` reuses a model's state while nothing about the model changed, and
shows every health or speed change on the very next call."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.limits import MemoryHealthStore
from turnout.routing.router import Router


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _router(clock: Clock | None = None) -> Router:
    models = [{"name": f"fake/m{i}", "provider": "fake", "input_per_mtok": 1.0, "output_per_mtok": 2.0,
               "fallbacks": ["fake/m0"] if i else []} for i in range(3)]
    health = MemoryHealthStore(clock=clock or Clock(), failure_threshold=2, cooldown_s=30)
    return Router.from_dict({"models": models}, health=health)


def _fresh(router: Router) -> dict[str, tuple[object, ...]]:
    """What the states must say, read straight from the stores."""
    out = {}
    for name in router.models:
        lat = router.health.latency_ms(name)
        ttft = router.speeds.ttft_ms(name)
        out[name] = (router.health.cooling_for(name), lat[0] if lat else None,
                     ttft if ttft is not None else lat[1] if lat else None,
                     router.speeds.tokens_per_s(name), router.speeds.answer_tokens(name))
    return out


def _seen(router: Router) -> dict[str, tuple[object, ...]]:
    return {s.info.name: (s.cooling_for_s, s.latency_ms, s.ttft_ms, s.tokens_per_s, s.answer_tokens)
            for s in router.model_states()}


def test_an_unchanged_model_keeps_its_state_object() -> None:
    router = _router()
    first = router.model_states()
    again = router.model_states()
    assert [a is b for a, b in zip(first, again, strict=True)] == [True, True, True]
    assert [s.fallbacks for s in again] == [(), ("fake/m0",), ("fake/m0",)]
    assert all(s.available for s in again)


def test_a_failing_model_is_seen_cooling_at_once_and_its_latency_after_a_success() -> None:
    router = _router()
    before = router.model_states()
    for _ in range(2):
        asyncio.run(router.health.record_failure("fake/m1"))
    states = {s.info.name: s for s in router.model_states()}
    assert states["fake/m1"].cooling_for_s is not None and states["fake/m1"].cooling_for_s > 0
    assert states["fake/m0"] is before[0]  # the others did not change
    asyncio.run(router.health.record_success("fake/m1", 5.0, None))
    states = {s.info.name: s for s in router.model_states()}
    assert states["fake/m1"].latency_ms == 5.0 and states["fake/m1"] is not before[1]


events = st.lists(st.tuples(st.sampled_from(["fail", "ok", "call", "stream", "wait"]), st.integers(0, 2),
                            st.floats(1.0, 5_000.0)), max_size=25)


@settings(max_examples=60, deadline=None)
@given(events)
def test_states_always_match_the_stores(steps: list[tuple[str, int, float]]) -> None:
    clock = Clock()
    router = _router(clock)
    assert _seen(router) == _fresh(router)
    for kind, i, ms in steps:
        name = f"fake/m{i}"
        if kind == "wait":  # a cooldown runs down, or ends
            clock.now += ms / 100
        elif kind == "fail":
            asyncio.run(router.health.record_failure(name))
        elif kind == "ok":
            asyncio.run(router.health.record_success(name, ms, ms / 3))
        elif kind == "call":
            asyncio.run(router.speeds.observe_call(name, ms, 40))
        else:
            asyncio.run(router.speeds.observe_stream(name, ms / 4, ms, 40))
        assert _seen(router) == _fresh(router)

"""Model groups: several deployments behind one name, load-balanced as LiteLLM Router users
expect (two OpenAI keys, Azure and OpenAI, several vLLM or Ollama servers).

    models:
      - {name: gpt-4o@east, group: gpt-4o, provider: azure, api_base: ..., weight: 2, rpm: 600}
      - {name: gpt-4o@openai, group: gpt-4o, model: gpt-4o, tpm: 200000}
    routing:
      groups:
        gpt-4o: {strategy: least_busy, fallbacks: [claude-sonnet-4-5]}

A request naming ``gpt-4o`` is answered by one of its deployments; the others follow it as
the fallback chain (they are the same model, so a deployment answering is no substitution).
Strategies order the deployments best-first:

    weighted / simple_shuffle   random, in proportion to ``weight``
    least_busy                  fewest requests in flight in this process
    lowest_latency              lowest predicted latency (live TTFT + tokens/s EWMAs, shared through
                                Redis, routing/speed.py); unmeasured first
    cheapest                    lowest estimated cost for this request

Cooling deployments (circuit open, shared through the health store) are skipped while any other
is up; a deployment over its ``rpm``/``tpm`` this minute (``limits/deployments.py``, shared
through Redis) is passed over at call time; when every deployment is over, the request gets a
429 with ``Retry-After``.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from turnout.config import GroupConfig, TurnoutConfig
from turnout.errors import RateLimitError
from turnout.limits.deployments import DeploymentUsage, MemoryDeploymentUsage
from turnout.policy.engine import ModelState
from turnout.policy.signals import Signals


@dataclass(frozen=True, slots=True)
class Deployment:
    name: str
    weight: float = 1.0
    rpm: int | None = None
    tpm: int | None = None


class Groups:
    def __init__(self, config: TurnoutConfig, *, usage: DeploymentUsage | None = None,
                 rng: random.Random | None = None) -> None:
        self._groups: dict[str, list[Deployment]] = {}
        self._by_deployment: dict[str, Deployment] = {}
        for mc in config.models or ():
            if mc.group and mc.enabled:
                dep = Deployment(mc.name, mc.weight, mc.rpm, mc.tpm)
                self._groups.setdefault(mc.group, []).append(dep)
                self._by_deployment[mc.name] = dep
        self._config = config.routing.groups
        self.usage: DeploymentUsage = usage or MemoryDeploymentUsage()
        self._rng = rng or random.Random()
        self.in_flight: dict[str, int] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._groups

    def __bool__(self) -> bool:
        return bool(self._groups)

    def names(self) -> list[str]:
        return list(self._groups)

    def members(self, group: str) -> list[str]:
        return [d.name for d in self._groups.get(group, ())]

    def group_of(self, deployment: str) -> str | None:
        for group, deps in self._groups.items():
            if any(d.name == deployment for d in deps):
                return group
        return None

    def settings(self, group: str) -> GroupConfig:
        return self._config.get(group) or GroupConfig()

    # -- choosing -------------------------------------------------------------------------
    def order(self, group: str, states: Sequence[ModelState], signals: Signals) -> list[str]:
        """The group's deployments best-first by its strategy; cooling ones last."""
        by_name = {s.info.name: s for s in states}
        deps = [d for d in self._groups[group] if d.name in by_name]
        strategy = self.settings(group).strategy
        if strategy == "least_busy":
            ranked = self._shuffled(deps)
            ranked.sort(key=lambda d: self.in_flight.get(d.name, 0))
        elif strategy == "lowest_latency":
            ranked = self._shuffled(deps)
            # Unmeasured deployments first: they get measured (LiteLLM does the same).
            ranked.sort(key=lambda d: by_name[d.name].predicted_ms(signals.max_tokens) or 0.0)
        elif strategy == "cheapest":
            ranked = sorted(deps, key=lambda d: (signals.cost_for(by_name[d.name].info), d.name))
        else:  # weighted / simple_shuffle
            ranked = self._shuffled(deps)
        up = [d.name for d in ranked if not by_name[d.name].cooling_for_s]
        return up + [d.name for d in ranked if by_name[d.name].cooling_for_s]

    def _shuffled(self, deps: list[Deployment]) -> list[Deployment]:
        """A weighted random order (Efraimidis-Spirakis: key u^(1/w), largest first)."""
        keyed = [(self._rng.random() ** (1.0 / d.weight), d) for d in deps]
        keyed.sort(key=lambda kd: -kd[0])
        return [d for _, d in keyed]

    # -- calling --------------------------------------------------------------------------
    async def admit(self, chain: list[str], tokens: int) -> list[str]:
        """Drop the leading deployments that are over their rpm/tpm this minute and take one
        request on the first that fits; later ones are fallbacks (admitted as called)."""
        waits: list[float] = []
        for i, name in enumerate(chain):
            dep = self._by_deployment.get(name)
            if dep is None or (dep.rpm is None and dep.tpm is None):
                return chain[i:]
            wait = await self.usage.admit(name, dep.rpm, dep.tpm, tokens)
            if wait is None:
                return chain[i:]
            waits.append(wait)
        raise RateLimitError(
            f"every deployment of this model is at its rpm/tpm limit for this minute ({', '.join(chain)})",
            retry_after=max(1.0, min(waits)) if waits else 1.0, code="deployment_rate_limited")

    def enter(self, deployment: str) -> bool:
        """Count a request in flight on ``deployment`` when it is a group's deployment (only
        ``least_busy`` reads the count, and only for those); True if counted, to ``leave``.
        Plain calls, not ``busy``'s context manager: this runs on every request (issue 17)."""
        if deployment not in self._by_deployment:
            return False
        self.in_flight[deployment] = self.in_flight.get(deployment, 0) + 1
        return True

    def leave(self, deployment: str) -> None:
        self.in_flight[deployment] -= 1

    @contextlib.contextmanager
    def busy(self, deployment: str) -> Iterator[None]:
        """Count a request in flight on a deployment (least_busy reads it)."""
        self.in_flight[deployment] = self.in_flight.get(deployment, 0) + 1
        try:
            yield
        finally:
            self.in_flight[deployment] -= 1

    def hold(self, deployment: str) -> Callable[[], None]:
        """Count a request in flight until the returned release is called (idempotent: a
        stream's end and its garbage collection may both call it)."""
        self.in_flight[deployment] = self.in_flight.get(deployment, 0) + 1
        held = [True]

        def release() -> None:
            if held[0]:
                held[0] = False
                self.in_flight[deployment] -= 1
        return release

    def limited(self, name: str) -> bool:
        dep = self._by_deployment.get(name)
        return dep is not None and (dep.rpm is not None or dep.tpm is not None)


def public_name(groups: Groups, requested: str | None, model: str) -> str:
    """The name a response carries: the group's, when one of its deployments answered."""
    if requested is not None and requested in groups and model in groups.members(requested):
        return requested
    return model


__all__ = ["Deployment", "Groups", "public_name"]

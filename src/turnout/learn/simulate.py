"""``turnout simulate``: replay recorded traffic against a config without calling any model.

Input: the ledger's records with stored prompts (``ledger.store_prompts: true``) or a JSONL of
requests (``{"prompt" | "messages", "model"?, "sensitivity"?, "complexity"?, "max_tokens"?,
"was_model"?, "completion_tokens"?, "latency_ms"?, "request_id"?}``). Each request is routed
by the real policy engine of the given config (every configured model assumed up), then:

- cost: the chosen model's prices x the prompt's tokens and the recorded completion tokens
  (else ``output_tokens``);
- quality: a feedback label for (request, model) when there is one, else the learned router's
  estimate of the model's chance of a good answer;
- latency: the mean recorded latency of the chosen model in the input, when known;
- changes: how many requests would go to another model than the recorded one;
- confidential: how many confidential requests there were and that all went to local models.

:func:`sweep` repeats it over quality targets: the cost-vs-quality curve an operator reads
before changing ``routing.quality_target``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from turnout.errors import TurnoutError


@dataclass(slots=True)
class Replay:
    """One recorded request, ready to route again."""

    messages: list[dict[str, Any]]
    model: str = "auto"
    sensitivity: str | None = None
    complexity: str | None = None
    max_tokens: int | None = None
    was_model: str | None = None
    completion_tokens: int | None = None
    latency_ms: float | None = None
    request_id: str | None = None


@dataclass(slots=True)
class SimReport:
    config: str
    requests: int = 0
    refused: int = 0
    cost_usd: float = 0.0
    recorded_cost_usd: float | None = None
    # quality on the requests that name the model they went to, by the same estimator (and
    # labels): the recorded routes' and this config's, like for like
    recorded_quality: float | None = None
    quality_on_recorded: float | None = None
    recorded_n: int = 0
    estimator: str = "the config's learned router"  # which one estimated quality (the CLI names it)
    quality: float = 0.0  # mean expected quality over routed requests
    labelled: int = 0  # requests whose quality is a feedback label, not an estimate
    latency_ms: float | None = None
    latency_known: int = 0  # routed requests whose chosen model has a recorded latency
    changed: int = 0
    compared: int = 0
    confidential: int = 0
    confidential_local: int = 0
    shares: dict[str, float] = field(default_factory=dict)
    quality_target: float | None = None
    refusals: dict[str, int] = field(default_factory=dict)  # why, as the gateway would answer

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


def read_jsonl(path: str | Path) -> list[Replay]:
    """Requests to replay, one JSON object a line; ValueError naming the line and field for
    anything else (the CLI prints it as one line)."""
    out = []
    try:
        with Path(path).open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from None
                try:
                    out.append(_replay(row))
                except (ValueError, TurnoutError) as exc:
                    raise ValueError(f"{path}:{n}: {getattr(exc, 'message', None) or exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text") from None
    return out


def _replay(row: Any) -> Replay:
    from turnout.types import Complexity, Sensitivity
    from turnout.validation import validate_messages

    if not isinstance(row, dict):
        raise ValueError("expected a JSON object")
    if isinstance(row.get("prompt"), str) and row["prompt"].strip():
        messages = [{"role": "user", "content": row["prompt"]}]
    elif "messages" in row and "prompt" not in row:
        messages = validate_messages(row["messages"])
    else:
        raise ValueError("expected a non-empty 'prompt' string or a 'messages' list")
    for name in ("model", "was_model", "request_id"):
        if row.get(name) is not None and not isinstance(row[name], str):
            raise ValueError(f"'{name}' must be a string")
    for name, enum in (("sensitivity", Sensitivity), ("complexity", Complexity)):
        if row.get(name) is not None and (not isinstance(row[name], str) or row[name] not in {e.value for e in enum}):
            raise ValueError(f"'{name}' must be one of {', '.join(e.value for e in enum)}; got {row[name]!r}")
    for name, least in (("max_tokens", 1), ("completion_tokens", 0)):
        v = row.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < least):
            raise ValueError(f"'{name}' must be an integer >= {least}; got {v!r}")
    lat = row.get("latency_ms")
    if lat is not None and (isinstance(lat, bool) or not isinstance(lat, int | float) or not 0 <= lat < float("inf")):
        raise ValueError(f"'latency_ms' must be a number >= 0; got {lat!r}")
    return Replay(messages, row.get("model") or "auto", row.get("sensitivity"), row.get("complexity"),
                  row.get("max_tokens"), row.get("was_model"), row.get("completion_tokens"), lat,
                  row.get("request_id"))


def replays_from_records(records: Iterable[dict[str, Any]]) -> list[Replay]:
    """Replays of ledger records that kept their prompt (``feedback_store.ledger_records``).
    A label the caller gave (complexity, sensitivity: ``*_source == "given"`` in the recorded
    signals) is replayed as given: in the gateway a caller's label wins, so it does here."""
    out = []
    for rec in records:
        if not rec.get("prompt"):
            continue
        route = rec.get("route")
        signals = route.get("signals") if isinstance(route, dict) else None
        signals = signals if isinstance(signals, dict) else {}

        def given(name: str, signals: dict[str, Any] = signals) -> str | None:
            value = signals.get(name)
            return value if signals.get(f"{name}_source") == "given" and isinstance(value, str) else None

        out.append(Replay([{"role": "user", "content": rec["prompt"]}],
                          rec.get("model_requested") or "auto", given("sensitivity"), given("complexity"), None,
                          rec.get("model_used") or None, rec.get("completion_tokens"),
                          rec.get("latency_ms"), rec.get("request_id")))
    return out


def read_ledger(ledger_url: str) -> list[Replay]:
    """The ledger's requests with stored prompts (SQLite or PostgreSQL ledger URL)."""
    from turnout.learn.feedback_store import ledger_records

    return replays_from_records(ledger_records(ledger_url))


def _hints(rep: Replay) -> Any:
    from turnout.types import Complexity, RouteHints, Sensitivity

    return RouteHints(
        sensitivity=Sensitivity(rep.sensitivity) if rep.sensitivity else None,
        complexity=Complexity(rep.complexity) if rep.complexity else None,
    )


def what_if_router(config: Any) -> Any:
    """A Router for the config with every configured model assumed up (nothing is called)."""
    from turnout.policy.detectors import complexity_classifier, sensitivity_detector
    from turnout.routing.router import Router

    # the real detectors: a replayed prompt is judged as the gateway would judge it
    router = Router(config, sensitivity_detector=sensitivity_detector(config.detection),
                    complexity_classifier=complexity_classifier(config.detection))
    for name in router._availability:
        router._availability[name] = (True, None)
    return router


def simulate(
    router: Any,
    replays: Sequence[Replay],
    *,
    labels: dict[tuple[str, str], float] | None = None,
    output_tokens: int = 256,
    config_name: str = "config",
    quality_target: float | None = None,
    estimator: Any = None,
) -> SimReport:
    """Route every replay with ``router`` (see :func:`what_if_router`) and add up the effect.
    ``estimator``: the learned router that estimates quality (default: the config's); give the
    same one to compare configs."""
    from turnout.learn.model import LearnedRouter
    from turnout.learn.quality import request_text
    from turnout.types import ChatRequest, Sensitivity

    if quality_target is not None:
        router.quality_target = quality_target
        if router.learned is None:
            router.learned = LearnedRouter.load(router.config.routing.router)
    if estimator is None:
        estimator = router.learned or LearnedRouter.load(router.config.routing.router)
    labels = labels or {}
    recorded_latency: dict[str, list[float]] = defaultdict(list)
    recorded_cost = 0.0
    have_recorded = False
    for rep in replays:
        if rep.was_model and rep.latency_ms:
            recorded_latency[rep.was_model].append(float(rep.latency_ms))
    report = SimReport(config=config_name, quality_target=router.quality_target)
    rec_q: list[float] = []
    now_q: list[float] = []

    def quality_of(rep: Replay, model: str, tier: int) -> tuple[float, bool]:
        label = labels.get((rep.request_id or "", model))
        if label is not None:
            return label, True
        return estimator.predict(request_text(rep.messages), [model], {model: tier})[model], False
    counts: Counter[str] = Counter()
    qual_sum = 0.0
    lat_sum = 0.0
    lat_n = 0
    for rep in replays:
        report.requests += 1
        request = ChatRequest(model=rep.model, messages=rep.messages,
                              params={"max_tokens": rep.max_tokens} if rep.max_tokens else {})
        try:
            decision = router.route(request, _hints(rep))
        except (TurnoutError, ValueError) as exc:
            report.refused += 1
            why = getattr(exc, "code", None) or type(exc).__name__
            report.refusals[why] = report.refusals.get(why, 0) + 1
            continue
        model = decision.model
        info = router.info(model)
        counts[model] += 1
        out_tokens = rep.completion_tokens if rep.completion_tokens is not None else output_tokens
        report.cost_usd += info.cost_usd(decision.signals.prompt_tokens, out_tokens)
        q, labelled = quality_of(rep, model, info.tier)
        qual_sum += q
        report.labelled += int(labelled)
        if rep.was_model:
            report.compared += 1
            report.changed += int(rep.was_model != model)
            try:
                was = router.info(rep.was_model)
            except TurnoutError:  # a model the tried config does not have
                was = None
            if was is not None:
                recorded_cost += was.cost_usd(decision.signals.prompt_tokens, out_tokens)
                have_recorded = True
                rec_q.append(q if rep.was_model == model else quality_of(rep, rep.was_model, was.tier)[0])
                now_q.append(q)
        lats = recorded_latency.get(model)
        if lats:
            lat_sum += sum(lats) / len(lats)
            lat_n += 1
        if decision.signals.sensitivity.level is Sensitivity.CONFIDENTIAL:
            report.confidential += 1
            report.confidential_local += int(info.local)
    routed = report.requests - report.refused
    report.quality = qual_sum / routed if routed else 0.0
    report.latency_ms = lat_sum / lat_n if lat_n else None
    report.latency_known = lat_n
    report.recorded_cost_usd = recorded_cost if have_recorded else None
    if rec_q:
        report.recorded_quality = sum(rec_q) / len(rec_q)
        report.quality_on_recorded = sum(now_q) / len(now_q)
        report.recorded_n = len(rec_q)
    report.shares = {m: c / routed for m, c in counts.most_common()} if routed else {}
    return report


def sweep(router: Any, replays: Sequence[Replay], targets: Iterable[float], **kw: Any) -> list[SimReport]:
    return [simulate(router, replays, quality_target=t, **kw) for t in targets]


def table(reports: Sequence[SimReport]) -> str:
    lines = [f"{'target':>6} {'cost $':>10} {'quality':>8} {'changed':>8} {'refused':>7}  shares"]
    for r in reports:
        t = "rules" if r.quality_target is None else f"{r.quality_target:.2f}"
        shares = ", ".join(f"{m} {100 * s:.0f}%" for m, s in list(r.shares.items())[:4])
        changed = f"{r.changed}/{r.compared}" if r.compared else "-"
        lines.append(f"{t:>6} {r.cost_usd:10.4f} {r.quality:8.3f} {changed:>8} {r.refused:7d}  {shares}")
    return "\n".join(lines)


def plot(reports: Sequence[SimReport], path: str | Path, baseline: SimReport | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    try:
        xs = [r.cost_usd for r in reports]
        ys = [r.quality for r in reports]
        ax.plot(xs, ys, "o-", label="quality target sweep")
        # targets that route alike land on one point: one label for the range
        points: dict[tuple[float, float], list[float]] = {}
        for r in reports:
            points.setdefault((round(r.cost_usd, 12), round(r.quality, 12)), []).append(r.quality_target or 0.0)
        for (x, y), targets in points.items():
            text = f"{min(targets):.2f}" if len(targets) == 1 else f"{min(targets):.2f}-{max(targets):.2f}"
            ax.annotate(text, (x, y), fontsize=7, textcoords="offset points", xytext=(3, 3))
        if baseline is not None:
            ax.plot([baseline.cost_usd], [baseline.quality], "s", color="red", label="this config")
            if baseline.recorded_cost_usd is not None and baseline.recorded_quality is not None:
                # the recorded routes, estimated alike (quality on the requests that name them)
                ax.plot([baseline.recorded_cost_usd], [baseline.recorded_quality], "D", color="gray",
                        label="recorded routes")
        ax.set_xlabel("predicted cost (USD)")
        ax.set_ylabel("predicted quality (mean P(good answer))")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.tight_layout()
        fig.savefig(out, dpi=110)
    finally:
        plt.close(fig)
    return out

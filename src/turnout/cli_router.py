"""``turnout router fit|calibrate`` and ``turnout simulate``: the learned router's commands.
Registered in cli.py; errors are one line on stderr and a non-zero exit."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer

# (not imported from turnout.cli: cli imports this module, also when run as __main__)
ConfigOpt = typer.Option(None, "--config", "-c", help="turnout.yaml to use (default: ./turnout.yaml if present).")


def fail(message: str, code: int = 1) -> NoReturn:
    sys.stderr.write(f"turnout: error: {message}\n")
    raise typer.Exit(code)

router_app = typer.Typer(help="Fit and calibrate the learned router on your own labelled traffic.",
                         no_args_is_help=True)


def _ledger_url(config: str | None) -> str:
    """The config's ledger URL (SQLite or PostgreSQL), checked to point at a ledger."""
    from turnout.config import load_config
    from turnout.learn.feedback_store import locate
    from turnout.settings import default_ledger_url

    try:
        url = load_config(config).ledger.url or default_ledger_url()
        where = locate(url)
    except ValueError as exc:
        fail(str(exc))
    if where.kind == "memory":
        fail("a memory:// ledger keeps nothing to learn from: use sqlite:/// or postgresql://")
    if where.kind == "sqlite" and not Path(where.target).is_file():
        fail(f"no ledger at {where.target}")
    return url


def _labelled(data: str | None, from_ledger: bool, config: str | None) -> tuple[list[str], list[dict[str, float]]]:
    from turnout.learn.data import load_jsonl

    if from_ledger and data is not None:
        fail(f"give DATA.jsonl or --from-ledger, not both (got {data} and --from-ledger)")
    if from_ledger:
        from turnout.learn.feedback import ledger_training_rows

        url = _ledger_url(config)
        try:
            rows = ledger_training_rows(url)
        except (ValueError, OSError) as exc:
            fail(str(exc))
        rows = _configured_only(rows, config)
        if not rows:
            fail("the ledger has no labelled requests with stored prompts (set ledger.store_prompts, "
                 "then send POST /v1/feedback or enable the cascade)")
        return [r["prompt"] for r in rows], [r["scores"] for r in rows]
    if data is None:
        fail("give DATA.jsonl or --from-ledger")
    if not Path(data).exists():
        fail(f"{data}: no such file")
    if not Path(data).is_file():
        fail(f"{data}: not a file")
    try:
        lab = load_jsonl(data)
    except ValueError as exc:
        fail(str(exc))
    if len(lab) == 0:
        fail(f"{data}: no rows")
    return lab.prompts, lab.scores


def _configured_only(rows: list[dict[str, Any]], config: str | None) -> list[dict[str, Any]]:
    """The ledger's rows without labels of models the config no longer has (a deployment's
    router is about its own models; such a model could even become its "strong" one)."""
    from turnout.config import load_config

    configured = {m.name for m in load_config(config).models or []}
    if not configured:  # no model list: the catalog's defaults, anything goes
        return rows
    dropped: dict[str, int] = {}
    kept = []
    for row in rows:
        scores = {}
        for model, score in row["scores"].items():
            if model in configured:
                scores[model] = score
            else:
                dropped[model] = dropped.get(model, 0) + 1
        if scores:
            kept.append({**row, "scores": scores})
    if dropped:
        sys.stderr.write(f"note: left out {sum(dropped.values())} labels of models not in the config: "
                         f"{', '.join(sorted(dropped))}\n")
    return kept


@router_app.command("fit")
def fit(
    data: str = typer.Argument(None, help='JSONL rows {"prompt": str, "scores": {"<model>": 0-1}}'),
    out: str = typer.Option(..., "--out", help="directory to write the fitted router to"),
    from_ledger: bool = typer.Option(False, "--from-ledger", help="learn from the ledger's feedback and stored prompts"),
    config: str | None = ConfigOpt,
) -> None:
    """Fit a router: the shipped prior plus a kNN memory of your labelled prompts. Use it with
    `routing.router: DIR` or `turnout classify --router DIR`."""
    from turnout.learn.model import LearnedRouter, fit_router

    if Path(out).exists() and not Path(out).is_dir():
        fail(f"--out {out}: not a directory")
    prompts, scores = _labelled(data, from_ledger, config)
    try:
        router = fit_router(prompts, scores, prior=LearnedRouter.load(),
                            meta={"data": "ledger" if from_ledger else str(data)})
        path = router.save(out)
    except (ValueError, OSError) as exc:
        fail(str(exc))
    means = router.meta.get("mean_scores", {})
    sys.stdout.write(json.dumps({"out": str(path), "prompts": len(prompts), "strong": router.strong,
                                 "mean_scores": {m: round(v, 4) for m, v in means.items()}}) + "\n")


@router_app.command("calibrate")
def calibrate(
    data: str = typer.Argument(None, help="labelled JSONL (as for fit)"),
    target_saving: float | None = typer.Option(None, "--target-saving", min=0.0, max=1.0,
                                               help="share of the strong model's cost to save, e.g. 0.5"),
    quality: float | None = typer.Option(None, "--quality", min=0.0, max=1.0,
                                         help="share of the strong model's quality to keep, e.g. 0.95"),
    from_ledger: bool = typer.Option(False, "--from-ledger"),
    router_dir: str | None = typer.Option(None, "--router", help="fitted router directory (default: the config's)"),
    output_tokens: int = typer.Option(256, "--output-tokens", min=1, help="assumed answer length for costs"),
    write: bool = typer.Option(True, "--write/--dry-run", help="write routing.quality_target to the config"),
    config: str | None = ConfigOpt,
) -> None:
    """Pick routing.quality_target on labelled data for a cost saving or a quality, and write it
    to the config file."""
    from turnout.catalog import Catalog
    from turnout.config import CONFIG_FILENAMES, load_config, model_info_from
    from turnout.errors import TurnoutError
    from turnout.learn.calibrate import (
        DEFAULT_TARGETS,
        pick,
        quality_target_evaluator,
        rows_in_memory,
        write_knob,
    )
    from turnout.learn.model import LearnedRouter

    if (target_saving is None) == (quality is None):
        fail("give exactly one of --target-saving or --quality")
    prompts, scores = _labelled(data, from_ledger, config)
    try:
        # a config file that does not exist yet is created with the chosen value
        cfg = load_config(config if config is None or Path(config).is_file() else None)
        catalog = Catalog()
        prices: dict[str, Any] = {}
        for name in {m for s in scores for m in s}:
            mc = next((m for m in cfg.models or [] if m.name == name), None)
            info = model_info_from(mc, catalog) if mc is not None else catalog.get(name)
            if info is not None:
                prices[name] = info
        router = LearnedRouter.load(router_dir or cfg.routing.router)
        evaluate, ref, strong = quality_target_evaluator(router, prompts, scores, prices,
                                                         output_tokens=output_tokens)
        choice = pick("routing.quality_target", DEFAULT_TARGETS, evaluate, ref,
                      target_saving=target_saving, quality=quality)
        remembered = rows_in_memory(router, prompts)
    except (ValueError, OSError, TurnoutError) as exc:
        fail(getattr(exc, "message", None) or str(exc))
    if router_dir is not None and (cfg.routing.router is None
                                   or Path(cfg.routing.router).resolve() != Path(router_dir).resolve()):
        sys.stderr.write(f"note: calibrated with --router {router_dir}, but the config runs "
                         f"{cfg.routing.router or 'the shipped prior'}: set routing.router: {router_dir} "
                         "for this threshold to hold\n")
    if remembered:
        sys.stderr.write(f"note: {remembered} of {len(prompts)} rows are in the router's memory (it was fitted "
                         "on them): the threshold is chosen in-sample and its figures are optimistic; "
                         "calibrate on labelled rows kept out of `router fit`\n")
    result: dict[str, Any] = {
        "knob": choice.knob, "value": choice.value, "strong": strong,
        "saving": round(choice.saving, 4), "quality_share": round(choice.quality_share, 4),
        "quality": round(choice.quality, 4), "strong_quality": round(choice.reference_quality, 4),
        "rows": len(prompts),
    }
    if write:
        target = config or next((n for n in CONFIG_FILENAMES if Path(n).is_file()), CONFIG_FILENAMES[0])
        try:
            written, kept = write_knob(target, choice.knob, choice.value)
        except (ValueError, OSError) as exc:
            fail(str(exc))
        result["written_to"] = str(written)
        if not kept:
            sys.stderr.write(f"note: {written} was rewritten from its settings (its layout does not allow an "
                             "edit in place): its comments are not kept\n")
    sys.stdout.write(json.dumps(result) + "\n")


def simulate_command(
    requests: str = typer.Argument(None, help="JSONL of requests (default: the ledger's stored prompts)"),
    config: str | None = ConfigOpt,
    against: str | None = typer.Option(None, "--against", help="the config to try (default: --config)"),
    target: float | None = typer.Option(None, "--quality-target", min=0.01, max=1.0,
                                        help="try this routing.quality_target"),
    sweep_targets: bool = typer.Option(False, "--sweep", help="cost and quality over quality targets 0.5..1"),
    plot: str | None = typer.Option(None, "--plot", help="write the cost-vs-quality plot (PNG) here"),
    output_tokens: int = typer.Option(256, "--output-tokens", min=1),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Replay recorded traffic against another config, rule set or threshold without calling
    any model: predicted cost, quality, latency, each model's share, changed routes, and
    confidential requests kept local."""
    from turnout.config import load_config
    from turnout.errors import TurnoutError
    from turnout.learn import simulate as sim
    from turnout.learn.model import LearnedRouter

    try:
        if requests is not None:
            if not Path(requests).exists():
                fail(f"{requests}: no such file")
            if not Path(requests).is_file():
                fail(f"{requests}: not a file")
            replays = sim.read_jsonl(requests)
            if not replays:
                fail(f"{requests}: no requests")
            labels: dict[tuple[str, str], float] = {}
            unreplayed = 0
        else:
            from turnout.learn.feedback import label_table
            from turnout.learn.feedback_store import (
                ledger_records,
                open_feedback_store,
                unreplayable,
            )

            url = _ledger_url(config)
            records = list(ledger_records(url))
            unreplayed = unreplayable(url).get("confidential", 0)
            replays = sim.replays_from_records(records)
            store = open_feedback_store(url)
            try:
                feedback = store.labels()
            finally:
                store.close()
            # caller feedback and cascade outcomes, as fit --from-ledger reads them
            labels = {key: lb.score for key, lb in label_table(records, feedback).items()}
        if not replays:
            fail("no requests to replay (the ledger stores prompts only with ledger.store_prompts: true)")
        cfg = load_config(against or config)
        # one estimator of quality for the recorded routes and the tried config, whichever
        # config names a fitted router (the tried one first): their figures compare
        current = load_config(config) if against else cfg
        estimator_dir = cfg.routing.router or current.routing.router
        try:
            estimator = LearnedRouter.load(estimator_dir)
        except (OSError, ValueError) as exc:
            fail(f"routing.router: cannot load {estimator_dir}: {exc}")
        estimator_name = estimator_dir or "the shipped prior"
        router = sim.what_if_router(cfg)
        base = sim.simulate(router, replays, labels=labels, output_tokens=output_tokens,
                            config_name=against or config or "default", quality_target=target,
                            estimator=estimator)
        reports = [base]
        if sweep_targets or plot:
            reports = sim.sweep(sim.what_if_router(cfg), replays,
                                [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 1.0],
                                labels=labels, output_tokens=output_tokens, estimator=estimator)
        for report in reports:
            report.estimator = estimator_name
    except (ValueError, OSError, TurnoutError) as exc:
        fail(getattr(exc, "message", None) or str(exc))
    local = [name for name, info in router.models.items() if info.local]
    not_replayed = {"confidential": unreplayed, "local_models": local}
    if plot:
        sys.stderr.write(f"wrote {sim.plot(reports, plot, baseline=base)}\n")
    if json_out:
        sys.stdout.write(json.dumps({"result": {**base.to_dict(), "not_replayed": not_replayed},
                                     "sweep": [r.to_dict() for r in reports[1:] or reports]
                                     if sweep_targets or plot else []}, indent=2) + "\n")
        return
    routed = base.requests - base.refused
    lat = (f"{base.latency_ms:.0f} ms (recorded for {base.latency_known} of {routed} requests' models)"
           if base.latency_ms is not None else "unknown (no recorded latency for the chosen models)")
    refusals = ", ".join(f"{n} {why}" for why, n in sorted(base.refusals.items(), key=lambda kv: -kv[1]))
    lines = [
        f"replayed {base.requests} requests against {base.config} (no model called)",
        f"predicted cost ${base.cost_usd:.4f}" + (f" (recorded routes ${base.recorded_cost_usd:.4f})"
                                                  if base.recorded_cost_usd is not None else ""),
        f"predicted quality {base.quality:.3f} ({base.labelled} from feedback labels, the rest estimated by "
        f"{base.estimator})",
        f"mean latency of chosen models {lat}",
        f"changed model {base.changed}/{base.compared}; refused {base.refused}"
        + (f" ({refusals})" if refusals else ""),
        f"confidential requests {base.confidential}, all local: "
        f"{'yes' if base.confidential == base.confidential_local else 'NO'}",
        "shares: " + ", ".join(f"{m} {100 * s:.1f}%" for m, s in base.shares.items()),
    ]
    if base.recorded_quality is not None and base.quality_on_recorded is not None:
        lines.insert(3, f"quality on the {base.recorded_n} requests with a recorded model: recorded routes "
                        f"{base.recorded_quality:.3f}, this config {base.quality_on_recorded:.3f}")
    if unreplayed:
        many = unreplayed > 1
        lines.append(f"{unreplayed} confidential request{'s' if many else ''} not replayed "
                     f"({'their prompts are' if many else 'its prompt is'} never stored); local models: "
                     + (", ".join(local) if local else "NONE: this config would refuse them"))
    if sweep_targets or plot:
        lines += ["", sim.table(reports)]
    sys.stdout.write("\n".join(lines) + "\n")

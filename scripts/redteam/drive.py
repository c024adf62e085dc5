"""The gateways (`turnout serve` from a source tree) and the SDK calls that drive them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redteam.cases import Case
from redteam.positions import DOOR_MODELS, DOORS, FILLER
from redteam.reader import found
from redteam.upstream import Upstream, free_port


def gateway_config(upstream: int, name: str, redact: bool, workdir: Path) -> dict[str, Any]:
    base = f"http://127.0.0.1:{upstream}/{name}"
    return {
        "models": [
            # fallbacks: a failed first cloud call (--failures) goes on to another provider
            {"name": "gpt-4o-mini", "api_base": f"{base}/cloud/v1", "api_key": "sk-rt",
             "fallbacks": ["claude-haiku-4-5-20251001"]},
            {"name": "gpt-4.1-mini", "api_base": f"{base}/cloud/v1", "api_key": "sk-rt", "extra": {"responses_api": True},
             "fallbacks": ["gpt-4o-mini"]},
            {"name": "claude-haiku-4-5-20251001", "api_base": f"{base}/cloud", "api_key": "sk-rt",
             "fallbacks": ["gpt-4o-mini"]},
            {"name": "text-embedding-3-small", "api_base": f"{base}/cloud/v1", "api_key": "sk-rt"},
            {"name": "local-llm", "provider": "openai", "model": "local-llm", "api_base": f"{base}/local/v1",
             "api_key": "sk-rt", "local": True, "tier": 2, "context_window": 128_000,
             "input_per_mtok": 0, "output_per_mtok": 0},
        ],
        "detection": {"redact": redact},
        "cache": {"enabled": False},
        "ledger": {"url": f"sqlite:///{workdir}/{name}-ledger.db"},
        "responses": {"store": "memory"},
        # cooldown 0: an injected failure (--failures) must not mark a model down for later cases
        "routing": {"default_fallbacks": False, "health": {"cooldown_s": 0}},
    }


class Gateway:
    def __init__(self, src: Path, name: str, redact: bool, upstream_port: int, workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        cfg = workdir / f"{name}.json"
        cfg.write_text(json.dumps(gateway_config(upstream_port, name, redact, workdir)))  # YAML is a JSON superset
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "OLLAMA_", "GEMINI_", "TURNOUT_"))}
        env.update(PYTHONPATH=str(src), TURNOUT_DATA_DIR=str(workdir / name), HOME=str(workdir))
        self.log = open(workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from turnout.cli import main; sys.argv[0] = 'turnout'; main()",
             "serve", "--config", str(cfg), "--port", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait(self, timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gateway {self.name} exited: see {self.log.name}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gateway {self.name} did not answer in {timeout}s")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()




def call(case: Case, clients: dict[str, Any]) -> dict[str, Any]:
    """Send the case; the answer's status and error code (200 when the SDK got an answer)."""
    import anthropic
    import openai

    body = dict(case.body)
    headers: dict[str, str] = dict(case.headers)
    if case.label_public:
        headers["X-Turnout-Sensitivity"] = "public"
        body["turnout"] = {"sensitivity": "public"}
    extra: dict[str, Any] = {"extra_body": body, "extra_headers": headers}  # body: what the named arguments leave
    try:
        if case.door == "chat":
            msgs = body.pop("messages")
            out = clients["openai"].chat.completions.create(model=case.model, messages=msgs, stream=case.stream, **extra)
        elif case.door == "responses" and case.follow_up:
            # the secret in a stored first turn; the follow-up sends none, only previous_response_id
            inp = body.pop("input", None)
            first = clients["openai"].responses.create(model=case.model, input=inp, store=True, **extra)
            out = clients["openai"].responses.create(model=case.model, input=FILLER, previous_response_id=first.id,
                                                     stream=case.stream, extra_headers=headers)
        elif case.door == "responses":
            inp = body.pop("input", None)
            out = clients["openai"].responses.create(model=case.model, input=inp, stream=case.stream, **extra)
        elif case.door == "completions":
            prompt = body.pop("prompt")
            out = clients["openai"].completions.create(model=case.model, prompt=prompt, stream=case.stream, **extra)
        elif case.door == "embeddings":
            inp = body.pop("input")
            out = clients["openai"].embeddings.create(model=case.model, input=inp, **extra)
        elif case.door == "count_tokens":
            msgs = body.pop("messages")
            out = clients["anthropic"].messages.count_tokens(model=case.model, messages=msgs, **extra)
        else:
            msgs = body.pop("messages")
            out = clients["anthropic"].messages.create(model=case.model, messages=msgs, max_tokens=64, stream=case.stream,
                                                       **extra)
        if case.stream:
            for _ in out:
                pass
        return {"status": 200}
    except (openai.APIStatusError, anthropic.APIStatusError) as exc:
        code = exc.response.headers.get("x-turnout-error-code") or ""
        return {"status": exc.status_code, "code": code, "error": str(exc)[:200]}
    except (openai.APIError, anthropic.APIError) as exc:
        return {"status": -1, "code": type(exc).__name__, "error": str(exc)[:200]}


def controls(gw: Gateway, upstream: Upstream) -> list[str]:
    """A request with no secret must reach a cloud model on every door and model: else the
    set-up, not the scan, keeps the secrets away and the run proves nothing."""
    import anthropic
    import openai

    clients = {"openai": openai.OpenAI(base_url=gw.url + "/v1", api_key="sk-rt", max_retries=0, timeout=60),
               "anthropic": anthropic.Anthropic(base_url=gw.url, api_key="sk-rt", max_retries=0, timeout=60)}
    bad = []
    for door, models in DOOR_MODELS.items():
        body = {"input": FILLER} if door in ("responses", "embeddings") else {"prompt": FILLER} if door == "completions" \
            else {"messages": [{"role": "user", "content": FILLER}]}
        for model in sorted(set(models) - {"auto"}):
            for stream in (False, True) if door not in ("embeddings", "count_tokens") else (False,):
                case = Case("control", door, "-", "-", "-", model, stream, "", [], [], body, False)
                upstream.take(gw.name)
                result = call(case, clients)
                cloud, _ = upstream.take(gw.name)
                if result["status"] != 200 or not any(not path.endswith("#headers") for path, _ in cloud):
                    bad.append(f"{gw.name} {door} {model} stream={stream}: {result} cloud bodies {len(cloud)}")
    return bad


def run_gateway(gw: Gateway, upstream: Upstream, cases: list[Case], progress: Callable[[], None]) -> None:
    import anthropic
    import openai

    clients = {"openai": openai.OpenAI(base_url=gw.url + "/v1", api_key="sk-rt", max_retries=0, timeout=60),
               "anthropic": anthropic.Anthropic(base_url=gw.url, api_key="sk-rt", max_retries=0, timeout=60)}
    for case in cases:
        upstream.take(gw.name)  # anything left over (a late stream) is not this case's
        upstream.fail(gw.name, case.failure)
        result = call(case, clients)
        upstream.fail(gw.name, "")
        cloud, local = upstream.take(gw.name)
        result["cloud_bodies"] = sum(1 for path, _ in cloud if not path.endswith("#headers"))
        result["local_bodies"] = sum(1 for path, _ in local if not path.endswith("#headers"))
        result["leak"] = found(case.fragments, [b for _, b in cloud])
        if result["leak"]:
            result["leak_paths"] = sorted({p for p, _ in cloud})
            result["leak_bodies"] = [b[:4000].decode("utf-8", errors="replace") for _, b in cloud]
        case.results[gw.name] = result
        progress()


def _send(gw: Gateway, upstream: Upstream, clients: dict[str, Any], case: Case) -> bool:
    """Send a control case; did its secret reach a cloud model?"""
    upstream.take(gw.name)
    call(case, clients)
    cloud, _ = upstream.take(gw.name)
    return found(case.needles, [b for _, b in cloud])


def plain_controls(gw: Gateway, upstream: Upstream, cases: list[Case]) -> None:
    """For every leak, on the redaction-off gateway, the same secret written plainly:
    - in a user message on the chat door (``plain_too``): if that leaks too, the cause is the
      detector's vocabulary or policy, not the form or the position;
    - at the case's own position, door and model (``plain_here``): if that leaks while the user
      message does not, the position is read less well than message content.
    A leak that neither control repeats is the form's."""
    import anthropic
    import openai

    clients = {"openai": openai.OpenAI(base_url=gw.url + "/v1", api_key="sk-rt", max_retries=0, timeout=60),
               "anthropic": anthropic.Anthropic(base_url=gw.url, api_key="sk-rt", max_retries=0, timeout=60)}
    for case in cases:
        if not any(r.get("leak") for r in case.results.values()):
            continue
        plain = Case(case.id, "chat", "user_content", case.kind, "plain", "gpt-4o-mini", False, case.secret,
                     case.needles, case.needles, {"messages": [{"role": "user", "content": case.secret}]}, False)
        plain_too = _send(gw, upstream, clients, plain)
        plain_here = plain_too
        positions: dict[str, Callable[[str], Any]] = DOORS[case.door]  # type: ignore[assignment]
        build = positions.get(case.position)
        if case.headers:  # the secret rode in a header: the plain secret there
            text = case.secret if case.secret.isascii() and case.secret.isprintable() else \
                urllib.parse.quote(case.secret, safe=" ")
            here = Case(case.id, case.door, case.position, case.kind, "plain", case.model, case.stream, case.secret,
                        case.needles, case.needles, case.body, False, headers={k: text for k in case.headers})
            plain_here = _send(gw, upstream, clients, here)
        elif build is not None:  # not a split's turns
            body = build(case.secret)
            if case.door == "chat":
                body = {"messages": body[0], **body[1]}
            here = Case(case.id, case.door, case.position, case.kind, "plain", case.model, case.stream, case.secret,
                        case.needles, case.needles, body, False)
            plain_here = _send(gw, upstream, clients, here)
        for r in case.results.values():
            if r.get("leak"):
                r["plain_too"] = plain_too
                r["plain_here"] = plain_here
                r["cause"] = "vocabulary" if plain_too else "position" if plain_here else "form"

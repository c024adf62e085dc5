"""``turnout doctor``: where turnout keeps its state, and whether what it depends on answers.

Each check is ``(name, ok, detail)``; ``ok`` is True, False (a problem) or None (not used /
informational). Every check is bounded by a short timeout, so doctor never hangs on a dead
host.
"""

from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TIMEOUT_S = 3.0


@dataclass(slots=True)
class Check:
    name: str
    ok: bool | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


def _redact(url: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def _config_source(config: str | None) -> str:
    from turnout.config import CONFIG_FILENAMES

    if config:
        return str(Path(config).resolve())
    if os.environ.get("TURNOUT_CONFIG"):
        return f"{os.environ['TURNOUT_CONFIG']} ($TURNOUT_CONFIG)"
    for name in CONFIG_FILENAMES:
        if Path(name).is_file():
            return str(Path(name).resolve())
    return "(none: built-in defaults)"


def run_checks(config: str | None) -> list[Check]:
    from importlib.metadata import PackageNotFoundError, version

    from turnout.config import load_config
    from turnout.errors import TurnoutError
    from turnout.settings import data_dir, default_ledger_url, home_dir

    checks: list[Check] = []
    try:
        v = version("turnout")
    except PackageNotFoundError:
        v = "unknown"
    checks.append(Check("version", None, v))
    checks.append(Check("config", None, _config_source(config)))
    try:
        cfg = load_config(config)
    except TurnoutError as exc:
        checks.append(Check("config valid", False, exc.message))
        return checks

    home = data_dir()
    source = "$TURNOUT_HOME" if os.environ.get("TURNOUT_HOME") else "per-user default"
    checks.append(_writable("data dir", home, source))
    checks.append(Check("cache dir", None, str(home_dir())))
    ledger_url = cfg.ledger.url or default_ledger_url()
    checks.append(_ledger_check(ledger_url) if cfg.ledger.enabled else Check("ledger", None, "disabled"))

    from turnout.gateway import Gateway

    gw = Gateway(cfg)
    try:
        checks.append(_keys_check(gw))
        checks.append(_redis_check(cfg.server.redis_url, "redis (limits, health)"))
        backend = cfg.cache.backend
        if backend.startswith(("redis://", "rediss://")) and backend != cfg.server.redis_url:
            checks.append(_redis_check(backend, "redis (cache)"))
        else:
            checks.append(Check("cache", None, _redact(backend)))
        checks.extend(_model_checks(gw))
    finally:
        if gw._keys is not None:
            gw._keys.close()
    return checks


def _writable(name: str, path: Path, source: str) -> Check:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".doctor-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return Check(name, False, f"{path} ({source}) is not writable: {exc.strerror or exc}")
    return Check(name, True, f"{path} ({source})")


def _ledger_check(url: str) -> Check:
    started = time.perf_counter()
    try:
        from turnout.ledger import open_ledger

        ledger = open_ledger(url)
        try:
            n = ledger.count()
        finally:
            ledger.close()
    except Exception as exc:  # doctor reports every failure as a line, never a traceback
        return Check("ledger", False, f"{_redact(url)}: {type(exc).__name__}: {str(exc)[:200]}")
    kind = "PostgreSQL" if url.startswith(("postgres", "postgresql")) else "SQLite" if "sqlite" in url else "memory"
    ms = (time.perf_counter() - started) * 1000
    return Check("ledger", True, f"{kind} {_redact(url)}: {n:,} records ({ms:.0f} ms)")


def _keys_check(gw: Any) -> Check:
    if not gw.master_key:
        return Check("keys", None, "no master key (TURNOUT_MASTER_KEY): the gateway runs open, keys unused")
    try:
        keys = gw.keys.list()
    except Exception as exc:
        return Check("keys", False, f"{_redact(gw.keys_location())}: {type(exc).__name__}: {str(exc)[:200]}")
    active = sum(1 for k in keys if not k.revoked and not k.expired())
    return Check("keys", True, f"{_redact(gw.keys.location)}: {active} active of {len(keys)}; master key set")


def _redis_check(url: str | None, name: str) -> Check:
    if not url:
        return Check(name, None, "not configured (one process: in-memory limits)")
    try:
        import redis
    except ImportError:
        return Check(name, False, "redis package missing: pip install 'turnout[redis]'")
    try:
        client = redis.Redis.from_url(url, socket_timeout=_TIMEOUT_S, socket_connect_timeout=_TIMEOUT_S)
        started = time.perf_counter()
        client.ping()
        ms = (time.perf_counter() - started) * 1000
        client.close()
    except Exception as exc:
        return Check(name, False, f"{_redact(url)}: {type(exc).__name__}: {str(exc)[:200]}")
    return Check(name, True, f"{_redact(url)}: PONG in {ms:.1f} ms")


def _model_checks(gw: Any) -> list[Check]:
    out: list[Check] = []
    states = gw.router.model_states()
    if not states:
        out.append(Check("models", False, "no models available: set OPENAI_API_KEY / ANTHROPIC_API_KEY, "
                                          "run Ollama, or pip install 'turnout[local]'"))
    probed: dict[str, tuple[bool, str]] = {}
    for state in states:
        info = state.info
        if not state.available:
            out.append(Check(f"model {info.name}", False, state.unavailable_reason or "unavailable"))
            continue
        base = info.api_base
        if base and base not in probed:
            probed[base] = _probe(base)
        if base:
            ok, detail = probed[base]
            out.append(Check(f"model {info.name}", ok, f"{info.provider} at {_redact(base)}: {detail}"))
        else:
            where = "in-process" if info.provider == "local" else "credentials set (not called)"
            out.append(Check(f"model {info.name}", True, f"{info.provider}, {where}"))
    return out


def _probe(base: str) -> tuple[bool, str]:
    """Whether an upstream answers HTTP at all (any status counts: 401 means it is there)."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(base.rstrip("/") + "/models", timeout=_TIMEOUT_S) as resp:
            status = resp.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"unreachable ({reason})"
    return True, f"HTTP {status} in {(time.perf_counter() - started) * 1000:.0f} ms"

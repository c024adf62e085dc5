"""Where keys, URLs and turnout's own directories come from: the environment or a ``.env`` file.

The ``.env`` file of the working directory is read once, on first use, and never overrides a
variable that is already set (as python-dotenv and the founding design do).
"""

from __future__ import annotations

import os
from pathlib import Path

_dotenv_loaded = False


def load_dotenv_once() -> None:
    global _dotenv_loaded
    if _dotenv_loaded:
        return
    _dotenv_loaded = True
    path = Path.cwd() / ".env"
    if path.is_file():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)


def env(name: str, default: str | None = None) -> str | None:
    load_dotenv_once()
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def home_dir() -> Path:
    """Turnout's cache directory (assembled model, embeddings): ``$TURNOUT_HOME`` or ~/.cache."""
    base = env("TURNOUT_HOME")
    if base:
        return Path(base)
    xdg = env("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "turnout"

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
    """Turnout's cache directory (assembled model, embeddings, journals):
    ``$TURNOUT_CACHE_DIR``, else ``$TURNOUT_HOME``, else the per-user cache directory."""
    base = env("TURNOUT_CACHE_DIR") or env("TURNOUT_HOME")
    if base:
        return Path(base).expanduser()
    xdg = env("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "turnout"


def data_dir() -> Path:
    """Where turnout's state lives (keys, ledger): ``$TURNOUT_HOME``, else the per-user data
    directory (``~/.local/share/turnout`` on Linux, ``~/Library/Application Support/turnout``
    on macOS). The same for every command wherever it runs, so a key made by ``turnout keys``
    in one directory is known to a gateway started in another."""
    base = env("TURNOUT_HOME")
    if base:
        return Path(base).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("turnout", appauthor=False))


def default_ledger_url() -> str:
    """``$TURNOUT_LEDGER_URL``, else an SQLite file in the data directory."""
    return env("TURNOUT_LEDGER_URL") or f"sqlite:///{data_dir() / 'turnout.db'}"

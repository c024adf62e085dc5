"""Fixtures shared by every test module. Kept small, and free of heavy imports at the top level
(llama_cpp and turnout's own modules load inside the fixtures that need them), so collecting
the fast tests stays fast."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests are judged on what they find, not on how fast an example runs: the suite also
# runs on shared, loaded machines, where hypothesis' default 200 ms deadline flakes.
settings.register_profile("turnout", deadline=None)
settings.load_profile("turnout")

# The scripted fake provider is for tests only; the registry builds it only when this is set
# (inherited by the gateways and CLIs the tests start as subprocesses).
os.environ.setdefault("TURNOUT_ENABLE_FAKE", "1")

LLAMA_SERVER_ALIAS = "local-qwen"


def _isolate_turnout_home() -> None:
    """Keys, ledger and journals of every test (and of the servers and CLIs they start, which
    inherit the environment) go to a throwaway ``$TURNOUT_HOME``, never the user's data
    directory. The model cache stays where it is (``$TURNOUT_CACHE_DIR``), so the embedded
    model is assembled once per machine, not once per run."""
    import tempfile

    if os.environ.get("TURNOUT_CACHE_DIR") is None:
        real = os.environ.get("TURNOUT_HOME") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "turnout")
        os.environ["TURNOUT_CACHE_DIR"] = real
    os.environ["TURNOUT_HOME"] = tempfile.mkdtemp(prefix="turnout-test-home-")
    os.environ.pop("TURNOUT_LEDGER_URL", None)


_isolate_turnout_home()
_SERVER_START_TIMEOUT_S = 60.0


@pytest.fixture
def fresh_turnout_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``$TURNOUT_HOME`` for this test (cache dir: assembled model, embeddings)."""
    home = tmp_path / "turnout-home"
    home.mkdir()
    monkeypatch.setenv("TURNOUT_HOME", str(home))
    monkeypatch.delenv("TURNOUT_CACHE_DIR", raising=False)
    return home


@pytest.fixture(scope="session")
def embedded_model_path() -> Path:
    """The default GGUF, assembled from its PyPI parts into the real cache once (then reused)."""
    from turnout.errors import ModelIntegrityError
    from turnout.local_model import default_model_path

    try:
        return default_model_path()
    except ModelIntegrityError as exc:
        pytest.skip(f"embedded model unavailable: {exc}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session")
def llama_server_url(
    embedded_model_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on the embedded model, model id
    ``local-qwen``; yields its base URL ``http://127.0.0.1:<port>/v1``."""
    try:
        import llama_cpp.server  # noqa: F401 - only to skip cleanly without the [server] extra
    except ImportError as exc:
        pytest.skip(f"llama_cpp.server not importable ({exc}); pip install 'turnout[local]'")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    cmd = [
        sys.executable, "-c", _LLAMA_SERVER_MAIN,
        "--model", str(embedded_model_path),
        "--model_alias", LLAMA_SERVER_ALIAS,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", "4096",
    ]  # fmt: skip
    base_url = f"http://127.0.0.1:{port}/v1"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
    try:
        deadline = time.monotonic() + _SERVER_START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"llama_cpp.server exited with {proc.returncode} before answering; "
                    f"log tail:\n{_log_tail(log_path)}"
                )
            try:
                with urllib.request.urlopen(base_url + "/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"llama_cpp.server did not answer GET /v1/models within "
                    f"{_SERVER_START_TIMEOUT_S:.0f}s; log tail:\n{_log_tail(log_path)}"
                )
            time.sleep(0.2)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ``python -m llama_cpp.server``, with the model loaded as the embedded provider loads it: without
# llama.cpp's AMX kernels on CPUs that advertise AMX (they crash on VMs that do not back it; see
# ``plain_cpu_buffers``).
_LLAMA_SERVER_MAIN = (
    "import runpy, llama_cpp\n"
    "from turnout.providers.llamacpp import plain_cpu_buffers\n"
    "with plain_cpu_buffers(llama_cpp):\n"
    "    runpy.run_module('llama_cpp.server', run_name='__main__', alter_sys=True)\n"
)


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


_SERVICES = {"redis": 6379, "postgres": 5432}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``redis`` / ``postgres`` use the real servers on 127.0.0.1. On a machine
    without them they are skipped; in CI (``CI`` set) a missing server is an error instead, so
    a broken service can never turn into a silently green run."""
    down = {name for name, port in _SERVICES.items() if not _reachable(port)}
    if not down:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI is set but these services are not reachable on 127.0.0.1: {', '.join(sorted(down))}")
    for item in items:
        missing = [name for name in down if item.get_closest_marker(name) is not None]
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"{', '.join(missing)} not running on 127.0.0.1"))

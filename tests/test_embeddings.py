"""The shipped embedding model: loads offline with numpy + tokenizers, normalised float32 rows,
deterministic, thread-safe, and close paraphrases score above unrelated prompts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from turnout.embeddings import DEFAULT_MODEL_DIR, Embedder, default_embedder
from turnout.errors import ModelIntegrityError


def test_artefact_is_small_and_described() -> None:
    files = {p.name: p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir()}
    assert set(files) >= {"config.json", "vectors.npz", "tokenizer.json"}
    assert sum(files.values()) < 8 * 1024 * 1024
    config = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text())
    assert config["teacher"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert config["dim"] == default_embedder().dim == 128


def test_embed_shape_dtype_norm() -> None:
    e = default_embedder()
    v = e.embed(["What is the capital of France?", "Hello", "naïve café — 東京"])
    assert v.shape == (3, e.dim) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert e.embed([]).shape == (0, e.dim)
    assert np.allclose(e.embed_one("Hello"), v[1])


def test_empty_text_is_a_zero_row() -> None:
    v = default_embedder().embed(["", "   ", "What?"])
    assert not v[0].any() and not v[1].any() and v[2].any()


def test_rejects_a_bare_string() -> None:
    with pytest.raises(TypeError):
        default_embedder().embed("not a list")  # type: ignore[arg-type]


def test_deterministic_and_batch_independent() -> None:
    e = default_embedder()
    texts = [f"question number {i} about topic {i % 7}" for i in range(50)]
    batch = e.embed(texts)
    single = np.stack([e.embed([t])[0] for t in texts])
    assert np.allclose(batch, single, atol=1e-6)


def test_similarity_ranks_paraphrases_first() -> None:
    e = default_embedder()
    q, para, other, unrelated = e.embed([
        "How do I reset my password?",
        "How can I change my password if I forgot it?",
        "What is the population of Canada?",
        "Give me a recipe for lasagna.",
    ])
    assert q @ para > q @ other
    assert q @ para > q @ unrelated
    assert q @ para > 0.6


def test_thread_safe() -> None:
    e = default_embedder()
    texts = [f"prompt {i}: how do I sort a list of {i} numbers?" for i in range(200)]
    expected = e.embed(texts)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda t: e.embed([t])[0], texts))
    assert np.allclose(np.stack(results), expected, atol=1e-6)


def test_default_embedder_is_cached() -> None:
    assert default_embedder() is default_embedder()


def test_corrupt_or_missing_model_fails_clearly(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    data = bytearray((copy / "vectors.npz").read_bytes())
    data[-100] ^= 0xFF
    (copy / "vectors.npz").write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="corrupt"):
        Embedder.from_dir(copy)
    (copy / "tokenizer.json").unlink()
    with pytest.raises(ModelIntegrityError, match="missing"):
        Embedder.from_dir(copy)


def test_no_torch_and_no_network_needed() -> None:
    code = (
        "import socket, sys\n"
        "def no_net(*a, **k): raise RuntimeError('network used')\n"
        "socket.socket.connect = no_net\n"
        "from turnout.embeddings import default_embedder\n"
        "v = default_embedder().embed(['hello world'])\n"
        "assert 'torch' not in sys.modules and 'model2vec' not in sys.modules\n"
        "print(v.shape)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(1, 128)"

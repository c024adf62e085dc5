"""Throughput and latency of the PII detector on a realistic prompt corpus.

Corpus: ordinary English prose (docstrings of the Python standard library, which read like
technical prompts: sentences, some code, some numbers) with the PII data set's sentences mixed
in at about one in twenty paragraphs, so most text is PII-free as in real prompts.

    python bench/bench_pii.py [--data ../shared/data/pii/synth_dataset_v2.json] [--mb 4] [--runs 5]
                              [--filler docstrings|licenses]

Prints MB/s (median of runs, one core) for ``Detector.scan`` over ~4 KB prompts, and per-call
latency for a ~1k-token prompt (median, p99), in wall-clock and in CPU time (the one-core figure,
robust to other load on a shared machine). The baseline, measured in the same run, is the
detector without the name / place / organisation tagger (``Detector(names=False)``: structured
PII, secrets, addresses, dates). Never asserts on time.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from turnout.detect.pii import Detector, default_detector  # noqa: E402
from turnout.tokens import count_text  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "pii" / "synth_dataset_v2.json"
_MODULES = (
    "argparse", "asyncio", "collections", "csv", "dataclasses", "decimal", "email", "functools",
    "http.client", "json", "logging", "pathlib", "random", "re", "shutil", "socket", "statistics",
    "subprocess", "textwrap", "threading", "typing", "unittest", "urllib.request", "zipfile",
)  # fmt: skip


def prose_paragraphs() -> list[str]:
    """English paragraphs from stdlib docstrings (shipped with Python: no download)."""
    paras: list[str] = []
    for name in _MODULES:
        mod = importlib.import_module(name)
        objs = [
            mod,
            *(v for _, v in inspect.getmembers(mod) if inspect.isclass(v) or inspect.isfunction(v)),
        ]
        for obj in objs:
            doc = inspect.getdoc(obj) or ""
            paras.extend(p.strip() for p in doc.split("\n\n") if len(p.strip()) > 80)
    return list(dict.fromkeys(paras))


def license_paragraphs() -> list[str]:
    """Plain legal English from /usr/share/common-licenses (Debian), when present."""
    paras: list[str] = []
    for f in sorted(Path("/usr/share/common-licenses").glob("*")):
        if f.is_file():
            text = f.read_text(encoding="utf-8", errors="replace")
            paras.extend(p.strip() for p in text.split("\n\n") if len(p.strip()) > 80)
    return list(dict.fromkeys(paras))


def build_corpus(data: Path, target_bytes: int, seed: int = 7, filler: str = "docstrings") -> list[str]:
    """~4 KB prompts: prose paragraphs, with a data-set sentence in ~1 of 20 paragraphs."""
    rng = random.Random(seed)
    prose = license_paragraphs() if filler == "licenses" else prose_paragraphs()
    if not prose:
        raise SystemExit(f"no filler text for {filler!r}")
    pii = (
        [s["full_text"] for s in json.loads(data.read_text(encoding="utf-8"))]
        if data.is_file()
        else []
    )
    prompts: list[str] = []
    size = 0
    while size < target_bytes:
        parts: list[str] = []
        n = 0
        while n < 4000:
            p = rng.choice(pii) if pii and rng.random() < 0.05 else rng.choice(prose)
            parts.append(p)
            n += len(p) + 2
        prompt = "\n\n".join(parts)
        prompts.append(prompt)
        size += len(prompt.encode())
    return prompts


def one_k_token_prompt(prompts: list[str]) -> str:
    text = "\n\n".join(prompts[:3])
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix under 1,000 tokens
        mid = (lo + hi + 1) // 2
        if count_text(text[:mid]) <= 1000:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--mb", type=float, default=4.0, help="corpus size in MB")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--calls", type=int, default=300, help="latency samples for the 1k-token prompt"
    )
    ap.add_argument(
        "--filler",
        choices=("docstrings", "licenses"),
        default="docstrings",
        help="PII-free text: stdlib docstrings (technical, digit-heavy) or license texts (plain prose)",
    )
    args = ap.parse_args()

    t0 = time.perf_counter()
    det = Detector()
    build_ms = (time.perf_counter() - t0) * 1000
    det = default_detector()
    prompts = build_corpus(args.data, int(args.mb * 1e6), filler=args.filler)
    nbytes = sum(len(p.encode()) for p in prompts)
    nfind = sum(len(det.scan(p)) for p in prompts)  # warm-up, and the finding count
    rates, cpu_rates = [], []
    for _ in range(args.runs):
        t, c = time.perf_counter(), time.process_time()
        for p in prompts:
            det.scan(p)
        rates.append(nbytes / 1e6 / (time.perf_counter() - t))
        cpu_rates.append(nbytes / 1e6 / (time.process_time() - c))
    base = Detector(names=False)
    base_rates = []
    for _ in range(args.runs):
        c = time.process_time()
        for p in prompts:
            base.scan(p)
        base_rates.append(nbytes / 1e6 / (time.process_time() - c))
    prompt = one_k_token_prompt(prompts)
    lat, cpu = [], []
    for _ in range(args.calls):
        t, c = time.perf_counter(), time.thread_time()
        det.scan(prompt)
        cpu.append((time.thread_time() - c) * 1e6)
        lat.append((time.perf_counter() - t) * 1e6)
    lat.sort()
    cpu.sort()
    p99 = lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))]
    cpu_p99 = cpu[min(len(cpu) - 1, round(0.99 * (len(cpu) - 1)))]
    print(f"corpus ({args.filler}): {len(prompts)} prompts, {nbytes / 1e6:.2f} MB, {nfind} findings")
    print(f"detector build: {build_ms:.0f} ms (once per process)")
    print(
        f"throughput (wall clock): median {statistics.median(rates):.1f} MB/s over {args.runs} runs "
        f"(min {min(rates):.1f}, max {max(rates):.1f})"
    )
    # CPU time of this process: the one-core figure, robust to other load on a shared machine
    print(
        f"throughput (CPU time, one core): median {statistics.median(cpu_rates):.1f} MB/s "
        f"(min {min(cpu_rates):.1f}, max {max(cpu_rates):.1f})"
    )
    print(
        f"baseline without the name tagger (CPU time): median {statistics.median(base_rates):.1f} MB/s; "
        f"ratio full / baseline {statistics.median(cpu_rates) / statistics.median(base_rates):.2f}"
    )
    print(
        f"1k-token prompt ({len(prompt):,} chars, {count_text(prompt)} tokens): "
        f"median {statistics.median(lat):.0f} us, p99 {p99:.0f} us over {args.calls} calls (wall clock); "
        f"CPU time median {statistics.median(cpu):.0f} us, p99 {cpu_p99:.0f} us"
    )


if __name__ == "__main__":
    main()

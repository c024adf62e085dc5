"""The name tagger alone (``detect/names.py``), against another tree's tagger in the same run.

    python bench/bench_pii_names.py --baseline-src /tmp/pii16-base/src [--mb 1] [--runs 3] [--rounds 3]

Corpus: bench_pii.py's (~4 KB prompts of stdlib docstrings with a PII data-set sentence in ~1
of 20 paragraphs), the one ``bench/bench_request_scan.py`` scans. Each tree runs in a fresh
process that imports only that tree (``PYTHONPATH``); the trees alternate ``--rounds`` times so
that both see the same machine load. Timed: ``default_tagger().tag(text, shape)`` with the
shape computed beforehand (``Detector.scan`` computes it once for every pass), in CPU time of
the process (one core). Prints ms per MB (median of all runs), the p99 per prompt in µs, the
number of findings (both trees should agree unless accuracy changed), and the ratio this tree /
baseline. A baseline is e.g. main's tree: ``git archive main src | tar -x -C /tmp/pii16-base``.
Never asserts on time.

Instructions instead of time (repeatable under load): ``--write-corpus FILE`` writes the
corpus; ``--passes N --corpus FILE`` tags it N times in this process after one warm pass,
printing nothing; under callgrind, ``(passes 2 - passes 0) / 2`` is one pass, for each tree
(``PYTHONPATH`` picks the tree; give valgrind the interpreter's real path, not a shell shim;
``PYTHONHASHSEED=0``: string hashing is seeded per process and moves counts by a percent or two):

    python bench/bench_pii_names.py --write-corpus /tmp/names_corpus.json
    PYTHONHASHSEED=0 PYTHONPATH=/tmp/pii16-base/src valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$(python -c 'import sys; print(sys.executable)')" bench/bench_pii_names.py --passes 2 \
        --corpus /tmp/names_corpus.json

Same findings across trees: ``--findings TEXTS OUT`` tags each text of the JSON list ``TEXTS``
(with the shape given, and every seventh again without it) and writes the findings to ``OUT``
as JSON; run it under each tree's ``PYTHONPATH`` and ``cmp`` the two files.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TAGGER_CODE = r'''
import json, sys, time
from turnout.detect.names import default_tagger
from turnout.detect.pii import _shape
tagger = default_tagger()
texts = json.load(open(sys.argv[1], encoding="utf-8"))
runs = int(sys.argv[2])
pairs = [(t, _shape(t)) for t in texts]
nbytes = sum(len(t.encode()) for t in texts)
found = sum(len(tagger.tag(t, s)) for t, s in pairs)  # warm: word caches, lazy loads
ms_per_mb, per_prompt = [], []
for _ in range(runs):
    total = 0.0
    for t, s in pairs:
        c = time.process_time()
        tagger.tag(t, s)
        d = time.process_time() - c
        total += d
        per_prompt.append(d * 1e6)
    ms_per_mb.append(total * 1000 / (nbytes / 1e6))
print(json.dumps({"ms_per_mb": ms_per_mb, "per_prompt_us": per_prompt, "found": found}))
'''


def run_tree(src: Path, corpus: Path, runs: int) -> dict:
    proc = subprocess.run([sys.executable, "-c", TAGGER_CODE, str(corpus), str(runs)], capture_output=True,
                          text=True, env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}, check=True)
    return json.loads(proc.stdout)


def passes(texts: list[str], n: int) -> None:
    """One warm pass, then ``n`` passes of the tagger of whichever tree ``PYTHONPATH`` names."""
    from turnout.detect.names import default_tagger
    from turnout.detect.pii import _shape

    tagger = default_tagger()
    pairs = [(t, _shape(t)) for t in texts]
    for _ in range(n + 1):
        for t, s in pairs:
            tagger.tag(t, s)


def findings(texts: list[str], out: Path) -> None:
    """The tagger's findings on ``texts`` (of whichever tree ``PYTHONPATH`` names), to ``out``."""
    from turnout.detect.names import default_tagger
    from turnout.detect.pii import _shape

    tagger = default_tagger()
    with_shape = [tagger.tag(t, _shape(t)) for t in texts]
    without = [tagger.tag(t) for t in texts[::7]]
    out.write_text(json.dumps([with_shape, without]), encoding="utf-8")
    print(f"{len(texts)} texts, {sum(map(len, with_shape))} findings")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3, help="alternations of this tree and the baseline")
    ap.add_argument("--baseline-src", type=Path, help="another tree's src/ (e.g. main's, from git archive)")
    ap.add_argument("--passes", type=int, help="tag --corpus this many times in-process, print nothing")
    ap.add_argument("--corpus", type=Path, help="the corpus as a JSON list (for --passes)")
    ap.add_argument("--findings", nargs=2, type=Path, metavar=("TEXTS", "OUT"),
                    help="write the findings on a JSON list of texts, to compare trees")
    ap.add_argument("--write-corpus", type=Path, help="write the corpus there as a JSON list and stop")
    args = ap.parse_args()
    if args.findings is not None:
        findings(json.loads(args.findings[0].read_text(encoding="utf-8")), args.findings[1])
        return
    if args.passes is not None:
        # before bench_pii is imported: it puts this tree's src/ first on sys.path
        passes(json.loads(args.corpus.read_text(encoding="utf-8")), args.passes)
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_pii import DEFAULT_DATA, build_corpus

    if args.write_corpus is not None:
        args.write_corpus.write_text(json.dumps(build_corpus(DEFAULT_DATA, int(args.mb * 1e6))), encoding="utf-8")
        return

    trees = {"this tree": ROOT / "src"}
    if args.baseline_src:
        trees["baseline"] = args.baseline_src
    texts = build_corpus(DEFAULT_DATA, int(args.mb * 1e6))
    results: dict[str, dict[str, list]] = {name: {"ms_per_mb": [], "per_prompt_us": [], "found": []} for name in trees}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.json"
        corpus.write_text(json.dumps(texts), encoding="utf-8")
        for _ in range(args.rounds):
            for name, src in trees.items():
                r = run_tree(src, corpus, args.runs)
                results[name]["ms_per_mb"].extend(r["ms_per_mb"])
                results[name]["per_prompt_us"].extend(r["per_prompt_us"])
                results[name]["found"].append(r["found"])
    nbytes = sum(len(t.encode()) for t in texts)
    print(f"corpus: {len(texts)} prompts, {nbytes / 1e6:.2f} MB; {args.rounds} rounds x {args.runs} runs per tree")
    for name, r in results.items():
        print(f"[{name:<9}] name tagger: median {statistics.median(r['ms_per_mb']):5.1f} ms/MB "
              f"(min {min(r['ms_per_mb']):.1f}, max {max(r['ms_per_mb']):.1f}); per ~4 KB prompt "
              f"p50 {statistics.median(r['per_prompt_us']):.0f} us, p99 {pct(r['per_prompt_us'], 0.99):.0f} us; "
              f"{r['found'][0]} findings")
    if "baseline" in results:
        mine = statistics.median(results["this tree"]["ms_per_mb"])
        base = statistics.median(results["baseline"]["ms_per_mb"])
        print(f"ratio this tree / baseline: {mine / base:.2f} (ms per MB; lower is faster)")


if __name__ == "__main__":
    main()

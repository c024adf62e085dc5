"""The privacy scan of a whole request (walk, normalise, decode, seams) and the routing
decision it feeds, against a baseline measured in the same run.

    python bench/bench_request_scan.py [--mb 2] [--runs 3] [--calls 2000] [--baseline-src [NAME=]DIR ...]

1. Throughput (CPU time, one core) over the bench_pii corpus (~4 KB prompts of prose with
   some PII): ``Detector.scan`` on each prompt's text (the detector alone, the baseline) against
   ``scan_request`` on the same prompt as a two-message request (the whole pipeline), and
   the same on an obfuscated copy (full-width digits, zero-width spaces, NBSP, Cyrillic
   look-alikes sprinkled in: the non-ASCII path); each twice, with the name tagger (the whole
   scan, issue 16's 10 MB/s) and without it (``Detector(names=False)``: the structured scan
   with normalisation, issue 9's 20 MB/s). With ``--baseline-src`` (repeatable, each a
   ``src`` directory, optionally named ``NAME=DIR``), each tree's ``Detector.scan`` on the
   plain corpus too, in subprocesses alternating with this tree's, and, for the trees that
   have ``detect/scan.py``, their ``scan_request`` on both corpora the same way (a tree
   without one, from before issue 9, is shown with its ``Detector.scan``, the work it did).
2. ``Router.route`` with all five signals on distinct ~1k-token ordinary prompts and PII-dense ones
   (bench_library.py's prompts): p50 / p99. With ``--baseline-src`` (e.g. an export of the
   commit before issue 9) the same decision is timed on each tree in a subprocess, alternating
   with this one, so all see the same machine load. ``--cpu`` times it in thread CPU time,
   which a loaded machine's preemption does not inflate.

Never asserts on time.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ROUTING_CODE = r'''
import json, sys, time
from turnout.config import parse_config
from turnout.policy.detectors import PiiSensitivityDetector, ScoredComplexityClassifier
from turnout.routing.router import Router
from turnout.tokens import count_text
from turnout.types import ChatRequest
calls = int(sys.argv[1])
clock = time.thread_time if sys.argv[2] == "cpu" else time.perf_counter
config = parse_config({"models": [
    {"name": "gpt-4o", "api_key": "x"}, {"name": "gpt-4o-mini", "api_key": "x"},
    {"name": "claude-sonnet-4-20250514", "api_key": "x"}, {"name": "claude-3-5-haiku-20241022", "api_key": "x"},
    {"name": "local/qwen2.5-coder-0.5b"}]})
router = Router(config, sensitivity_detector=PiiSensitivityDetector(config.detection),
                complexity_classifier=ScoredComplexityClassifier(config.detection))
prompts = {
    "ordinary": ("The quarterly report covers revenue, churn and the roadmap for the data platform. The team "
                 "reviewed the migration plan, the staffing needs and the open risks for the next two quarters. ",
                 "From jane.doe@example.com: "),
    "pii-dense": ("The quarterly report covers revenue, churn and the roadmap for the data platform. "
                  "Contact jane.doe@example.com or call +1 415 555 0134 about the migration plan. ", ""),
}
out = {}
for label, (para, lead) in prompts.items():
    text = para
    while count_text(text) < 1000:
        text += para
    # a distinct prompt per call (a ticket number in front): memos keyed on the prompt (the
    # complexity scorer keeps its last few) must not turn the timing into a cache hit
    requests = [ChatRequest("auto", [{"role": "system", "content": "You are a careful analyst."},
                                     {"role": "user", "content": f"Ticket {i}. " + lead + text + " Summarise the risks."}],
                            {"max_tokens": 500}) for i in range(calls + 100)]
    for request in requests[:100]:
        router.route(request)
    times = []
    for request in requests[100:]:
        t = clock()
        router.route(request)
        times.append((clock() - t) * 1000)
    out[label] = times
print(json.dumps(out))
'''


THROUGHPUT_CODE = r'''
import json, sys, time
from turnout.detect.pii import Detector
det = Detector(names=sys.argv[3] == "names")
texts = json.load(open(sys.argv[1], encoding="utf-8"))
nbytes = sum(len(t.encode()) for t in texts)
for t in texts[:20]:
    det.scan(t)
rates = []
for _ in range(int(sys.argv[2])):
    c = time.process_time()
    for t in texts:
        det.scan(t)
    rates.append(nbytes / 1e6 / (time.process_time() - c))
print(json.dumps(rates))
'''


REQUEST_CODE = r'''
import json, sys, time
from turnout.detect.pii import Detector
from turnout.detect.scan import scan_request
det = Detector(names=sys.argv[3] == "names")
texts = json.load(open(sys.argv[1], encoding="utf-8"))
nbytes = sum(len(t.encode()) for t in texts)
requests = [[{"role": "system", "content": "You are a careful analyst."}, {"role": "user", "content": t}]
            for t in texts]
for req in requests[:20]:
    scan_request(req, {"max_tokens": 500}, det)
rates = []
for _ in range(int(sys.argv[2])):
    c = time.process_time()
    for req in requests:
        scan_request(req, {"max_tokens": 500}, det)
    rates.append(nbytes / 1e6 / (time.process_time() - c))
print(json.dumps(rates))
'''


def request_rates(src: Path, corpus: Path, runs: int, names: bool = True) -> list[float]:
    """``scan_request`` MB/s of the tree at ``src`` (a fresh process), as in ``detector_rates``."""
    proc = subprocess.run([sys.executable, "-c", REQUEST_CODE, str(corpus), str(runs), "names" if names else "-"],
                          capture_output=True, text=True, env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
                          check=True)
    return json.loads(proc.stdout)


def detector_rates(src: Path, corpus: Path, runs: int, names: bool = True) -> list[float]:
    """``Detector.scan`` MB/s of the tree at ``src`` on the corpus in ``corpus`` (a fresh
    process that imports only that tree); ``names`` False: ``Detector(names=False)``."""
    proc = subprocess.run([sys.executable, "-c", THROUGHPUT_CODE, str(corpus), str(runs), "names" if names else "-"],
                          capture_output=True, text=True, env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
                          check=True)
    return json.loads(proc.stdout)


def routing(src: Path, calls: int, clock: str) -> dict[str, list[float]]:
    proc = subprocess.run([sys.executable, "-c", ROUTING_CODE, str(calls), clock], capture_output=True, text=True,
                          env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}, check=True)
    return json.loads(proc.stdout)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def obfuscate(text: str, rng: random.Random) -> str:
    out = []
    for ch in text:
        r = rng.random()
        if ch.isdigit() and r < 0.5:
            out.append(chr(ord(ch) + 0xFEE0))  # full-width
        elif ch == " " and r < 0.05:
            out.append("\u00a0")
        elif ch in "aeop" and r < 0.02:
            out.append({"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440"}[ch])  # Cyrillic
        else:
            out.append(ch)
            if r > 0.995:
                out.append("\u200b")
    return "".join(out)


def throughput(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_pii import DEFAULT_DATA, build_corpus

    from turnout.detect.pii import Detector, default_detector
    from turnout.detect.scan import scan_request

    detectors = {"": default_detector(), ", names off": Detector(names=False)}
    prompts = build_corpus(DEFAULT_DATA, int(args.mb * 1e6))
    rng = random.Random(5)
    variants = {"plain": prompts, "obfuscated": [obfuscate(p, rng) for p in prompts]}
    for name, texts in variants.items():
        nbytes = sum(len(t.encode()) for t in texts)
        requests = [[{"role": "system", "content": "You are a careful analyst."}, {"role": "user", "content": t}]
                    for t in texts]
        for label, det in detectors.items():
            for req in requests[:20]:
                # warm: the first non-ASCII character loads the look-alike table once (~30 ms), a
                # start-up cost that is not throughput
                scan_request(req, {"max_tokens": 500}, det)
            rates: dict[str, list[float]] = {"Detector.scan": [], "scan_request": []}
            for _ in range(args.runs):
                c = time.process_time()
                for t in texts:
                    det.scan(t)
                rates["Detector.scan"].append(nbytes / 1e6 / (time.process_time() - c))
                c = time.process_time()
                for req in requests:
                    scan_request(req, {"max_tokens": 500}, det)
                rates["scan_request"].append(nbytes / 1e6 / (time.process_time() - c))
            base = statistics.median(rates["Detector.scan"])
            whole = statistics.median(rates["scan_request"])
            print(f"{name + label:<22} {nbytes / 1e6:5.2f} MB: Detector.scan {base:5.1f} MB/s, "
                  f"scan_request {whole:5.1f} MB/s (ratio {whole / base:.2f})", flush=True)


def baseline_trees(specs: list[str]) -> dict[str, Path]:
    """``NAME=DIR`` or ``DIR`` (named after its parent, e.g. ``/tmp/base/src`` -> ``base``)."""
    trees: dict[str, Path] = {}
    for spec in specs:
        name, _, path = spec.rpartition("=")
        src = Path(path)
        trees[name or src.resolve().parent.name] = src
    return trees


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=2.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3, help="alternations of this tree and the baselines")
    ap.add_argument("--baseline-src", action="append", default=[], metavar="[NAME=]DIR")
    ap.add_argument("--cpu", action="store_true",
                    help="time Router.route in thread CPU time (robust to preemption on a loaded machine)")
    args = ap.parse_args()
    throughput(args)
    trees = {"this tree": ROOT / "src", **baseline_trees(args.baseline_src)}
    width = max(len(name) for name in trees)
    if len(trees) > 1:
        from bench_pii import DEFAULT_DATA, build_corpus

        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus.json"
            corpus.write_text(json.dumps(build_corpus(DEFAULT_DATA, int(args.mb * 1e6))), encoding="utf-8")
            for names in (True, False):
                rates: dict[str, list[float]] = {name: [] for name in trees}
                for _ in range(args.rounds):
                    for name, src in trees.items():
                        rates[name].extend(detector_rates(src, corpus, args.runs, names))
                report(f"Detector{'' if names else '(names=False)'}.scan, plain corpus", rates, width)
            # the whole-request scan, on the trees that have one (issue 9 and later); a tree from
            # before it is shown with its detector alone, all the scanning it did
            scanning = {name: (src / "turnout" / "detect" / "scan.py").is_file() for name, src in trees.items()}
            rng = random.Random(5)
            corpora = {"plain": build_corpus(DEFAULT_DATA, int(args.mb * 1e6))}
            corpora["obfuscated"] = [obfuscate(p, rng) for p in corpora["plain"]]
            for label, texts in corpora.items():
                corpus.write_text(json.dumps(texts), encoding="utf-8")
                for names in (True, False):
                    rates = {name: [] for name in trees if scanning[name] or not names}
                    for _ in range(args.rounds):
                        for name in rates:
                            measure = request_rates if scanning[name] else detector_rates
                            rates[name].extend(measure(trees[name], corpus, args.runs, names))
                    what = "scan_request" + ("" if names else " names off")
                    report(f"{what}, {label} corpus", rates, width,
                           {name for name in rates if not scanning[name]})
    samples: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
    for _ in range(args.rounds):
        for name, src in trees.items():
            for label, times in routing(src, args.calls // args.rounds, "cpu" if args.cpu else "wall").items():
                samples[name].setdefault(label, []).extend(times)
    for label in samples["this tree"]:
        for name in trees:
            t = samples[name][label]
            print(f"Router.route, 1k-token {label:<9} [{name:<{width}}]: p50 {statistics.median(t):.3f} ms  "
                  f"p99 {pct(t, 0.99):.3f} ms  ({len(t)} calls, {'CPU' if args.cpu else 'wall'} clock)")


def report(what: str, rates: dict[str, list[float]], width: int, detector_only: set[str] = frozenset()) -> None:
    """Median MB/s per tree (fresh processes, alternating) and its ratio to this tree's;
    ``detector_only``: trees measured with ``Detector.scan`` (no request scan there)."""
    mine = statistics.median(rates["this tree"])
    for name, values in rates.items():
        rate = statistics.median(values)
        note = " (its Detector.scan: no request scan)" if name in detector_only else ""
        print(f"{what}, fresh processes alternating [{name:<{width}}]: {rate:5.1f} MB/s "
              f"(this tree / it: {mine / rate:.2f}){note}", flush=True)


if __name__ == "__main__":
    main()

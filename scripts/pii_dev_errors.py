"""Errors of the PII detector on a tuning split (never the test split): missed labels, wrong
findings, and sentences naming a person that are rated public.

    PYTHONPATH=src python scripts/pii_dev_errors.py [--split dev] [--types PERSON,ORGANIZATION]

Tuning reads this output for the dev (or fit) split only; the test split is for reporting.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from turnout.detect.pii import default_detector  # noqa: E402
from turnout.detect.sensitivity import assess  # noqa: E402
from turnout.evaluation.pii import COMPATIBLE, dev_split, load_pii_dataset, split  # noqa: E402
from turnout.types import Sensitivity  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "pii" / "synth_dataset_v2.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev", choices=("dev", "fit", "train"))
    ap.add_argument("--types", default="PERSON,STREET_ADDRESS,ORGANIZATION,LOCATION")
    args = ap.parse_args()
    train, _ = split(load_pii_dataset(DATA))
    fit, dev = dev_split(train)
    samples = {"dev": dev, "fit": fit, "train": train}[args.split]
    wanted = set(args.types.split(","))
    det = default_detector()
    for sample in samples:
        text = sample["full_text"]
        found = det.scan(text)
        labels = [(s["entity_type"], s["start_position"], s["end_position"]) for s in sample.get("spans") or ()]
        for lt, ls, le in labels:
            if lt in wanted and not any(f.start < le and ls < f.end and lt in COMPATIBLE.get(f.type, ()) for f in found):
                print(f"MISS {lt:14} {text[ls:le]!r:30} | {text!r}")
        for f in found:
            if f.type in wanted and not any(
                f.start < le and ls < f.end and lt in COMPATIBLE.get(f.type, ()) for lt, ls, le in labels
            ):
                over = [lt for lt, ls, le in labels if f.start < le and ls < f.end]
                print(f"FP   {f.type:14} {text[f.start:f.end]!r:30} {over} | {text!r}")
        if any(lt == "PERSON" for lt, _, _ in labels):
            level = assess([{"role": "user", "content": text}], detector=det).level
            if level is Sensitivity.PUBLIC:
                print(f"PUB  {text!r}")


if __name__ == "__main__":
    main()

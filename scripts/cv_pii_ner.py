"""Cross-validated scores of the name tagger and the PII policy on the *train* templates.

    PYTHONPATH=src python scripts/cv_pii_ner.py [--folds 5] [--errors /tmp/cv_errors.txt]
        [--fresh /tmp/pii_fresh.json]

The shipped weights are trained on every train template of the synthetic set, so scoring them
on the dev or fit part measures memory, not generalisation (dev precision 99%, held-out test
78%). Here the train templates are cut into folds by template (a CRC with its own salt, never
the test templates): for each fold the tagger is trained on the other folds (plus the generated
sentences and negatives of ``scripts/train_pii_ner.py``, unchanged) and scored on that fold,
so every train sentence is scored by a tagger that never saw its template. The totals are the
figures to tune on; the test split stays for reporting.

``--errors``: every wrong finding, miss and sentence naming a person rated public, by fold.
``--fresh``: also score sentences of ``scripts/gen_pii_fresh.py`` with a tagger trained on all
train templates (what would ship).
Requires ``python-crfsuite`` and ``faker`` (dev extra).
"""

from __future__ import annotations

import argparse
import sys
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

import train_pii_ner as T  # noqa: E402

import turnout.detect.names as N  # noqa: E402
from turnout.detect.pii import Detector  # noqa: E402
from turnout.detect.sensitivity import assess  # noqa: E402
from turnout.evaluation.pii import COMPATIBLE, DEFAULT_DATA, load_pii_dataset, score_pii, split  # noqa: E402
from turnout.types import Sensitivity  # noqa: E402


def fold_of(sample: Mapping[str, Any], folds: int) -> int:
    return zlib.crc32(f"cv:{sample.get('template_id')}".encode()) % folds


def train_table(data: list[tuple[list[str], str]], c1: float, c2: float) -> dict[str, tuple[float, ...]]:
    labels, weights = T.crf_weights(data, c1, c2)
    return {k: tuple(v[labels.index(lab)] if lab in labels else 0.0 for lab in N.LABELS) for k, v in weights.items()}


def detector_with(table: dict[str, tuple[float, ...]]) -> Detector:
    N._weights.cache_clear()
    N._weights = _fixed(table)  # type: ignore[assignment]
    det = Detector()
    det._tagger = N.NameTagger()
    return det


def _fixed(table: dict[str, tuple[float, ...]]) -> Any:
    def weights() -> dict[str, tuple[float, ...]]:
        return table

    weights.cache_clear = lambda: None  # type: ignore[attr-defined]
    return weights


def score(samples: Sequence[Mapping[str, Any]], det: Detector, errors: list[str], tag: str) -> tuple[Any, int, int, int, int]:
    preds = [det.scan(s["full_text"]) for s in samples]
    report = score_pii(samples, preds)
    pub = named = nopii = nopii_up = 0
    for sample, found in zip(samples, preds, strict=True):
        text = sample["full_text"]
        labels = [(str(s["entity_type"]), int(s["start_position"]), int(s["end_position"])) for s in sample.get("spans") or ()]
        kinds = {t for t, _, _ in labels}
        if "PERSON" in kinds or not labels:
            level = assess([{"role": "user", "content": text}], detector=det).level
            if "PERSON" in kinds:
                named += 1
                if level is Sensitivity.PUBLIC:
                    pub += 1
                    errors.append(f"{tag} PUB  {text!r}")
            else:
                nopii += 1
                if level is not Sensitivity.PUBLIC:
                    nopii_up += 1
                    errors.append(f"{tag} UP   {text!r}")
        for f in found:
            if f.type in COMPATIBLE and not any(f.start < le and ls < f.end and lt in COMPATIBLE[f.type] for lt, ls, le in labels):
                over = [lt for lt, ls, le in labels if f.start < le and ls < f.end]
                errors.append(f"{tag} FP   {f.type:14} {text[f.start:f.end]!r} {over} | {text!r}")
        for lt, ls, le in labels:
            if lt in ("PERSON", "STREET_ADDRESS", "ORGANIZATION") and not any(
                f.start < le and ls < f.end and lt in COMPATIBLE.get(f.type, ()) for f in found
            ):
                errors.append(f"{tag} MISS {lt:14} {text[ls:le]!r} | {text!r}")
    return report, pub, named, nopii_up, nopii


def line(name: str, report: Any, pub: int, named: int, up: int, nopii: int) -> str:
    t = report.types

    def rp(k: str) -> str:
        s = t.get(k)
        if s is None:
            return f"{k} -"
        rec = "-" if s.recall is None else f"{s.recall:.1%}"
        prec = "-" if s.precision is None else f"{s.precision:.1%}"
        return f"{k} R {rec} P {prec} ({s.predicted})"

    return (f"{name}: {rp('PERSON')} | {rp('STREET_ADDRESS')} | {rp('ORGANIZATION')} | {rp('LOCATION')} | "
            f"span P {report.span_precision:.1%} | person rated public {pub}/{named} | no PII above public {up}/{nopii}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--errors", type=Path)
    ap.add_argument("--fresh", type=Path, help="sentences of scripts/gen_pii_fresh.py")
    ap.add_argument("--generated", type=int, default=4000)
    ap.add_argument("--negatives", type=int, default=4000)
    ap.add_argument("--prose", type=int, default=3000)
    ap.add_argument("--c1", type=float, default=0.02)
    ap.add_argument("--c2", type=float, default=2.0)
    args = ap.parse_args()
    train, _test = split(load_pii_dataset(args.data))  # the test templates are never read here
    extra = T.examples(T.generated(args.generated) + T.docstring_negatives(args.negatives)) + T.prose_negatives(args.prose)
    per_sample = [T.examples([s]) for s in train]
    errors: list[str] = []
    all_samples: list[Mapping[str, Any]] = []
    all_preds_reports = []
    totals = [0, 0, 0, 0]
    for k in range(args.folds):
        held = [i for i, s in enumerate(train) if fold_of(s, args.folds) == k]
        held_set = set(held)
        data = [ex for i, exs in enumerate(per_sample) if i not in held_set for ex in exs] + extra
        det = detector_with(train_table(data, args.c1, args.c2))
        samples = [train[i] for i in held]
        report, pub, named, up, nopii = score(samples, det, errors, f"f{k}")
        print(line(f"fold {k}", report, pub, named, up, nopii))
        all_samples += samples
        all_preds_reports.append(report)
        for j, v in enumerate((pub, named, up, nopii)):
            totals[j] += v
    merged = all_preds_reports[0]
    for r in all_preds_reports[1:]:
        for name, st in r.types.items():
            m = merged.types.setdefault(name, type(st)())
            m.labels += st.labels
            m.found += st.found
            m.predicted += st.predicted
            m.correct += st.correct
    print(line("ALL (cross-validated)", merged, *totals))
    if args.fresh:
        data = [ex for exs in per_sample for ex in exs] + extra
        det = detector_with(train_table(data, args.c1, args.c2))
        fresh = load_pii_dataset(args.fresh)
        report, pub, named, up, nopii = score(fresh, det, errors, "fresh")
        wrong = {"private": 0, "confidential": 0, "public": 0}
        total = dict.fromkeys(wrong, 0)
        for s in fresh:
            expect = (s.get("metadata") or {}).get("expect", "")
            level = assess([{"role": "user", "content": s["full_text"]}], detector=det).level
            total[expect] += 1
            if (expect == "public" and level is not Sensitivity.PUBLIC) or (
                expect == "private" and level is Sensitivity.PUBLIC) or (
                expect == "confidential" and level is not Sensitivity.CONFIDENTIAL):
                wrong[expect] += 1
                errors.append(f"fresh LEVEL {expect}->{level.value}: {s['full_text']!r}")
        print(line("fresh", report, pub, named, up, nopii))
        print("fresh levels wrong: " + ", ".join(f"{k} {wrong[k]}/{total[k]}" for k in wrong))
    if args.errors:
        args.errors.write_text("\n".join(errors) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""PII detection quality on presidio-research's synthetic data set (``data/pii``).

Each sentence has ``full_text`` and labelled ``spans`` (entity_type, start_position,
end_position). Scoring, stated explicitly because every PII benchmark defines it differently:

- A predicted span and a labelled span *match* when they overlap by at least one character and
  the types are compatible per :data:`COMPATIBLE` (predicted type -> label types it may match).
  Overlap rather than exact boundaries: redaction and routing only care that the value was
  caught, and the data set's boundaries are themselves a convention (an address is labelled as
  one block in some templates and as street / number / zip pieces in others).
- recall of a label type = labelled spans of that type matched by some prediction / all of them.
- precision of a predicted type = predictions of that type matching some label / all of them.
  A prediction with no compatible label is a false positive, also when it overlaps a label of
  another type. Secret and custom types have no labels here, so every such hit counts against.
- sentence-level recall = sentences holding PII in which the detector found anything at all
  (what routing by sensitivity depends on), for three groups: sentences with *structured* PII
  (:data:`STRUCTURED`), with any type the detector targets, and with any label at all.
- false-positive rate = sentences without any label in which the detector found anything.

Label types the detector does not target (GPE, ORGANIZATION, TITLE, AGE, NRP, ZIP_CODE,
DOMAIN_NAME, US_DRIVER_LICENSE) are listed with their recall for completeness but marked as
not targeted: a rule-based detector without a language model does not look for them.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from turnout.detect.pii import Detector, Finding, default_detector

if TYPE_CHECKING:
    from rich.table import Table

DEFAULT_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "pii" / "synth_dataset_v2.json"

# predicted type -> the label types it may match
COMPATIBLE: dict[str, frozenset[str]] = {
    "EMAIL_ADDRESS": frozenset({"EMAIL_ADDRESS"}),
    "PHONE_NUMBER": frozenset({"PHONE_NUMBER"}),
    "CREDIT_CARD": frozenset({"CREDIT_CARD"}),
    "IBAN_CODE": frozenset({"IBAN_CODE"}),
    "US_SSN": frozenset({"US_SSN"}),
    "IP_ADDRESS": frozenset({"IP_ADDRESS"}),
    # our DATE_TIME is a date of birth; the data set labels every date and time DATE_TIME
    "DATE_TIME": frozenset({"DATE_TIME"}),
    # an address block takes in its city, country and postcode, which the data set labels
    # GPE and ZIP_CODE in some templates and inside STREET_ADDRESS in others
    "STREET_ADDRESS": frozenset({"STREET_ADDRESS", "ZIP_CODE", "GPE"}),
    "PERSON": frozenset({"PERSON"}),
    # a place inside a labelled address block is that address's city or country
    "LOCATION": frozenset({"GPE", "LOCATION", "STREET_ADDRESS"}),
    "ORGANIZATION": frozenset({"ORGANIZATION"}),
    "DATE": frozenset({"DATE_TIME"}),
}
# label type -> the predicted types that stand for it
PREDICTED_AS: dict[str, tuple[str, ...]] = {"GPE": ("LOCATION",), "DATE_TIME": ("DATE_TIME", "DATE")}
STRUCTURED: frozenset[str] = frozenset(
    {"CREDIT_CARD", "IBAN_CODE", "US_SSN", "EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS"}
)
TARGETED: frozenset[str] = STRUCTURED | {"PERSON", "STREET_ADDRESS", "DATE_TIME", "GPE", "ORGANIZATION"}


@dataclass(slots=True)
class TypeStats:
    labels: int = 0  # labelled spans of this type
    found: int = 0  # of which matched by a compatible prediction
    predicted: int = 0  # predictions of this type
    correct: int = 0  # of which matching a compatible label

    @property
    def recall(self) -> float | None:
        return self.found / self.labels if self.labels else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None


@dataclass(slots=True)
class SentenceStats:
    total: int = 0
    flagged: int = 0

    @property
    def rate(self) -> float | None:
        return self.flagged / self.total if self.total else None


@dataclass(slots=True)
class PiiReport:
    """Scores of one detector on one data set; see the module docstring for definitions."""

    data: str
    sentences: int
    types: dict[str, TypeStats]
    sentence_recall_structured: SentenceStats
    sentence_recall_targeted: SentenceStats
    sentence_recall_any: SentenceStats
    no_pii: SentenceStats  # flagged = false positives
    seconds: float
    chars: int
    examples: dict[str, list[str]] = field(default_factory=dict)  # only in to_dict(debug)
    # routing's view (evaluate_pii only): sentences naming a person that were rated public, and
    # sentences without any label that were rated above public
    person_rated_public: SentenceStats = field(default_factory=SentenceStats)
    no_pii_not_public: SentenceStats = field(default_factory=SentenceStats)

    # -- aggregates ----------------------------------------------------------------------

    def _aggregate(self, names: Iterable[str]) -> TypeStats:
        agg = TypeStats()
        for name in names:
            st = self.types.get(name)
            if st:
                agg.labels += st.labels
                agg.found += st.found
                agg.predicted += st.predicted
                agg.correct += st.correct
        return agg

    @property
    def structured(self) -> TypeStats:
        """Span recall and precision over the structured types together."""
        return self._aggregate(STRUCTURED)

    @property
    def false_positive_rate(self) -> float | None:
        return self.no_pii.rate

    @property
    def mb_per_s(self) -> float:
        return self.chars / 1e6 / self.seconds if self.seconds > 0 else float("inf")

    # -- output --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        def stats(st: TypeStats) -> dict[str, Any]:
            return {
                "labels": st.labels,
                "found": st.found,
                "recall": _r(st.recall),
                "predicted": st.predicted,
                "correct": st.correct,
                "precision": _r(st.precision),
            }

        return {
            "data": self.data,
            "sentences": self.sentences,
            "compatibility": {k: sorted(v) for k, v in COMPATIBLE.items()},
            "types": {
                name: {**stats(st), "targeted": name in TARGETED or not st.labels}
                for name, st in sorted(self.types.items())
            },
            "structured": stats(self.structured),
            "sentence_recall": {
                "structured": _sent(self.sentence_recall_structured),
                "targeted": _sent(self.sentence_recall_targeted),
                "any": _sent(self.sentence_recall_any),
            },
            "false_positive_rate": {
                "total": self.no_pii.total,
                "flagged": self.no_pii.flagged,
                "rate": _r(self.no_pii.rate),
            },
            "span_precision": _r(self.span_precision),
            "person_rated_public": _sent(self.person_rated_public),
            "no_pii_not_public": _sent(self.no_pii_not_public),
            "seconds": round(self.seconds, 4),
            "mb_per_s": round(self.mb_per_s, 2),
        }

    def label_precision(self, label: str) -> float | None:
        """Precision of the predicted types that stand for a label type (GPE <- LOCATION,
        DATE_TIME <- DATE_TIME and DATE), for plots and tables by label."""
        return self._aggregate(PREDICTED_AS.get(label, (label,))).precision

    @property
    def span_precision(self) -> float | None:
        """Precision over every prediction of a type that has labels in this data set."""
        labelled = {t for types in COMPATIBLE.values() for t in types}
        names = [n for n in self.types if n in COMPATIBLE and COMPATIBLE[n] & labelled]
        return self._aggregate(names).precision

    def rows(self) -> list[tuple[str, str, str, str, str, str]]:
        """Table rows: type, labels, recall, predicted, precision, note."""
        out = []
        for name in _ordered(self.types):
            st = self.types[name]
            if name in TARGETED:
                note = "structured" if name in STRUCTURED else "targeted"
                if name == "DATE_TIME":
                    note = "targeted: found as DATE_TIME (tied to a person) or DATE"
                elif name == "GPE":
                    note = "targeted: found as LOCATION"
            elif st.labels:
                note = "not targeted"
            elif COMPATIBLE.get(name, frozenset()) - {name}:
                note = "matches " + "/".join(sorted(COMPATIBLE[name] - {name})) + " labels"
            else:
                note = "no labels: every hit is a false positive"
            out.append((name, str(st.labels), _pct(st.recall), str(st.predicted), _pct(st.precision), note))
        s = self.structured
        out.append(("structured (all)", str(s.labels), _pct(s.recall), str(s.predicted), _pct(s.precision), ""))
        return out

    def summary_lines(self) -> list[str]:
        sr = self.sentence_recall_structured
        return [
            f"sentence recall, structured PII: {_pct(sr.rate)} ({sr.flagged}/{sr.total})",
            f"sentence recall, targeted PII:   {_pct(self.sentence_recall_targeted.rate)} "
            f"({self.sentence_recall_targeted.flagged}/{self.sentence_recall_targeted.total})",
            f"sentence recall, any label:      {_pct(self.sentence_recall_any.rate)} "
            f"({self.sentence_recall_any.flagged}/{self.sentence_recall_any.total})",
            f"false-positive rate (no-PII):    {_pct(self.no_pii.rate)} ({self.no_pii.flagged}/{self.no_pii.total})",
            f"span precision (all types):      {_pct(self.span_precision)}",
            f"naming a person, rated public:   {_pct(self.person_rated_public.rate)} "
            f"({self.person_rated_public.flagged}/{self.person_rated_public.total})",
            f"no PII, rated above public:      {_pct(self.no_pii_not_public.rate)} "
            f"({self.no_pii_not_public.flagged}/{self.no_pii_not_public.total})",
            f"scanned {self.sentences} sentences, {self.chars:,} chars in {self.seconds * 1000:.0f} ms "
            f"({self.seconds * 1e6 / max(1, self.sentences):.0f} us per sentence)",
        ]

    def to_text(self) -> str:
        header = ("type", "labels", "recall", "predicted", "precision", "note")
        rows = [header, *self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join([*lines, "", *self.summary_lines()])

    def to_table(self) -> Table | str:
        """A rich table (falls back to plain text when rich is missing)."""
        try:
            from rich.table import Table
        except ImportError:  # pragma: no cover - rich is a core dependency
            return self.to_text()
        table = Table(title=f"PII detection: {Path(self.data).name}", caption="\n".join(self.summary_lines()))
        for col, justify in (
            ("type", "left"),
            ("labels", "right"),
            ("recall", "right"),
            ("predicted", "right"),
            ("precision", "right"),
            ("note", "left"),
        ):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
        for row in self.rows():
            table.add_row(*row)
        return table

    def __str__(self) -> str:
        return self.to_text()


def _ordered(types: Mapping[str, TypeStats]) -> list[str]:
    rank = {name: i for i, name in enumerate(
        ["CREDIT_CARD", "IBAN_CODE", "US_SSN", "EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS",
         "PERSON", "STREET_ADDRESS", "DATE_TIME"]
    )}  # fmt: skip
    return sorted(types, key=lambda n: (rank.get(n, 100 if types[n].labels else 200), n))


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.1f}%"


def _sent(st: SentenceStats) -> dict[str, Any]:
    return {"total": st.total, "flagged": st.flagged, "recall": _r(st.rate)}


# ------------------------------------------------------------------------------------------


def load_pii_dataset(path: str | Path) -> list[dict[str, Any]]:
    """The data set as a list of ``{"full_text", "spans": [{entity_type, start_position, ...}]}``."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"PII data set not found: {p}")
    with p.open(encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, list):
        raise ValueError(f"{p}: expected a JSON list of sentences")
    return data


def split(
    samples: Sequence[Mapping[str, Any]], test_share: int = 3
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """(train, test) by *template*: every sentence of a template falls on the same side.

    presidio-research's sentences are templates filled with fake values, so a random split
    would put the same wording on both sides and reward memorising it. ``test_share`` tenths of
    the templates (picked by a CRC of the template id, stable across runs and machines) are
    held out; everything trained or tuned in this project uses only the train side.
    Sentences without a template id go to train.
    """
    train: list[Mapping[str, Any]] = []
    test: list[Mapping[str, Any]] = []
    for sample in samples:
        tid = sample.get("template_id")
        held_out = tid is not None and zlib.crc32(str(tid).encode()) % 10 < test_share
        (test if held_out else train).append(sample)
    return train, test


def dev_split(
    train: Sequence[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """A tuning split inside the train templates (a different CRC salt from :func:`split`)."""
    fit: list[Mapping[str, Any]] = []
    dev: list[Mapping[str, Any]] = []
    for sample in train:
        tid = sample.get("template_id")
        held = tid is not None and zlib.crc32(f"dev:{tid}".encode()) % 10 < 3
        (dev if held else fit).append(sample)
    return fit, dev


def score_pii(
    samples: Sequence[Mapping[str, Any]],
    predictions: Sequence[Sequence[Finding]],
    *,
    data: str = "<memory>",
    seconds: float = 0.0,
) -> PiiReport:
    """Score given predictions against labelled samples (pure: no detector involved)."""
    if len(samples) != len(predictions):
        raise ValueError("samples and predictions differ in length")
    types: dict[str, TypeStats] = {}
    sr_struct, sr_target, sr_any, no_pii = SentenceStats(), SentenceStats(), SentenceStats(), SentenceStats()
    chars = 0
    for sample, preds in zip(samples, predictions, strict=True):
        text = sample["full_text"]
        chars += len(text)
        labels = [
            (str(s["entity_type"]), int(s["start_position"]), int(s["end_position"]))
            for s in sample.get("spans") or ()
        ]
        for ltype, ls, le in labels:
            st = types.setdefault(ltype, TypeStats())
            st.labels += 1
            if any(
                f.start < le and ls < f.end and ltype in COMPATIBLE.get(f.type, frozenset())
                for f in preds
            ):
                st.found += 1
        for f in preds:
            st = types.setdefault(f.type, TypeStats())
            st.predicted += 1
            ok = COMPATIBLE.get(f.type, frozenset())
            if any(f.start < le and ls < f.end and ltype in ok for ltype, ls, le in labels):
                st.correct += 1
        flagged = bool(preds)
        label_types = {t for t, _, _ in labels}
        if not labels:
            no_pii.total += 1
            no_pii.flagged += flagged
            continue
        sr_any.total += 1
        sr_any.flagged += flagged
        if label_types & TARGETED:
            sr_target.total += 1
            sr_target.flagged += flagged
        if label_types & STRUCTURED:
            sr_struct.total += 1
            sr_struct.flagged += flagged
    return PiiReport(
        data=data,
        sentences=len(samples),
        types=types,
        sentence_recall_structured=sr_struct,
        sentence_recall_targeted=sr_target,
        sentence_recall_any=sr_any,
        no_pii=no_pii,
        seconds=seconds,
        chars=chars,
    )


def evaluate_pii(
    path: str | Path = DEFAULT_DATA,
    detector: Detector | None = None,
    progress: bool = False,
    part: str = "all",
) -> PiiReport:
    """Run ``detector`` (the default one if None) over the data set at ``path`` and score it.

    ``part``: ``"test"`` (the held-out templates, see :func:`split`: the figures to report),
    ``"train"`` (what the tagger was trained and the rules tuned on) or ``"all"``.
    """
    samples: list[Mapping[str, Any]] = list(load_pii_dataset(path))
    if part != "all":
        if part not in ("train", "test", "fit", "dev"):
            raise ValueError(f"part must be train, test, fit, dev or all, not {part!r}")
        train, test = split(samples)
        fit, dev = dev_split(train)
        samples = list({"train": train, "test": test, "fit": fit, "dev": dev}[part])
    det = detector or default_detector()
    predictions: list[list[Finding]] = []
    iterator: Iterable[Mapping[str, Any]] = samples
    if progress:
        try:
            from rich.progress import track

            iterator = track(samples, description="scanning", transient=True)
        except ImportError:  # pragma: no cover
            pass
    elapsed = 0.0
    for sample in iterator:
        text = sample["full_text"]
        t0 = time.perf_counter()
        predictions.append(det.scan(text))
        elapsed += time.perf_counter() - t0
    report = score_pii(samples, predictions, data=f"{path} ({part})", seconds=elapsed)
    _rate_sensitivity(report, samples, det)
    return report


def _rate_sensitivity(report: PiiReport, samples: Sequence[Mapping[str, Any]], det: Detector) -> None:
    """Routing's view: the level each sentence gets from the default policy."""
    from turnout.detect.sensitivity import assess
    from turnout.types import Sensitivity

    for sample in samples:
        labels = {str(s["entity_type"]) for s in sample.get("spans") or ()}
        if "PERSON" not in labels and labels:
            continue
        level = assess([{"role": "user", "content": sample["full_text"]}], detector=det).level
        if "PERSON" in labels:
            report.person_rated_public.total += 1
            report.person_rated_public.flagged += level is Sensitivity.PUBLIC
        else:
            report.no_pii_not_public.total += 1
            report.no_pii_not_public.flagged += level is not Sensitivity.PUBLIC


def plot_pii(report: PiiReport, out_png: str | Path) -> Path:
    """Per-entity recall and precision bars for the targeted types, saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in _ordered(report.types) if n in TARGETED and report.types[n].labels]
    recall = [report.types[n].recall or 0.0 for n in names]
    precision = [report.label_precision(n) or 0.0 for n in names]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    xs = list(range(len(names)))
    w = 0.38
    b1 = ax.bar([x - w / 2 for x in xs], recall, w, label="recall", color="#3a7bd5")
    b2 = ax.bar([x + w / 2 for x in xs], precision, w, label="precision", color="#f39c12")
    for bars in (b1, b2):
        for bar in bars:
            h = bar.get_height()
            ax.annotate(f"{h:.2f}", (bar.get_x() + bar.get_width() / 2, h), ha="center", va="bottom", fontsize=8)
    ax.axhline(0.95, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xticks(xs, [n.replace("_", "_\n", 1) if len(n) > 12 else n for n in names], fontsize=8)
    ax.set_ylim(0, 1.2)
    ax.set_ylabel("score")
    sr = report.sentence_recall_targeted.rate or 0.0
    fpr = report.no_pii.rate or 0.0
    ax.set_title(
        f"PII detection on {Path(report.data).name}: sentence recall (targeted) {sr:.3f}, "
        f"FP rate {fpr:.3f}, span precision {report.span_precision or 0.0:.3f}",
        fontsize=10,
    )
    ax.legend(loc="upper right", ncol=2, fontsize=8)
    fig.tight_layout()
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out

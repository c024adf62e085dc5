"""Dump what the privacy scan finds on a fixed ordinary-text corpus, to compare two trees.

    python bench/dump_scan_corpus.py --src /tmp/base/src --out /tmp/before.jsonl
    python bench/dump_scan_corpus.py --src src --out /tmp/after.jsonl
    python bench/dump_scan_corpus.py --diff /tmp/before.jsonl /tmp/after.jsonl

A change that closes a leak class should add findings on that class only: run the dump on the
tree before and after, then ``--diff`` lists every text whose findings or level differ. The
corpus (seeded, so both runs see the same texts):

- the PII data set's sentences, as written and lower-cased;
- ``bench_pii.build_corpus`` prompts (stdlib docstrings with data-set sentences mixed in);
- random CSV / TSV / space-separated rows of mixed numbers (ids, amounts, dates, phone numbers,
  quantities, long digit runs, Luhn-valid 16-digit numbers among them);
- ordinary numeric text: number tables, phone lists, order numbers, decimals, versions, URLs with
  numeric path segments (tweet, order and snowflake ids);
- text with an e-mail address near long glued tokens (hashtags, camelCase identifiers, URLs,
  compound words, words that hold a health word: "archive", "hospitality", "stillness");
- random base64 and hex blobs (random bytes) in groups of 4 and 8 and in wrapped lines, and
  base64 of sentences and prose, wrapped or in groups, with a word after it;
- sentences with an e-mail address and the rest of their words glued into one;
- random multi-message conversations of data-set sentences and digit groups.

Per text: ``Detector.scan`` (names off) findings, ``scan_request`` findings and the
``PiiSensitivityDetector.assess`` level. Never asserts.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "pii" / "synth_dataset_v2.json"


def _luhn_complete(body: str) -> str:
    for c in "0123456789":
        digits = body + c
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits
    raise AssertionError


def _number(rng: random.Random) -> str:
    kind = rng.randrange(12)
    if kind == 0:
        return str(rng.randrange(1, 100))
    if kind == 1:
        return f"{rng.randrange(0, 10000)}.{rng.randrange(0, 100):02d}"
    if kind == 2:
        return f"{rng.randrange(2000, 2030)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    if kind == 3:
        return "".join(rng.choice("0123456789") for _ in range(rng.choice((8, 10, 12, 16, 17, 18, 19, 20, 24))))
    if kind == 4:
        return f"+1 {rng.randrange(200, 999)} {rng.randrange(200, 999)} {rng.randrange(1000, 9999)}"
    if kind == 5:
        return _luhn_complete(rng.choice("4563") + "".join(rng.choice("0123456789") for _ in range(14)))
    if kind == 6:
        return " ".join(str(rng.randrange(1000, 9999)) for _ in range(rng.randrange(2, 7)))
    if kind == 7:
        return f"{rng.randrange(1, 10)}-{rng.randrange(10**15, 10**16)}"
    if kind == 8:
        return f"0.{rng.randrange(10**15, 10**16)}"
    if kind == 9:
        return f"{rng.randrange(1, 20)}.{rng.randrange(0, 20)}.{rng.randrange(0, 200)}"
    if kind == 10:
        return str(rng.randrange(10**17, 10**19))
    return f"{rng.randrange(1, 99)} {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}"


def numeric_texts(rng: random.Random) -> list[str]:
    out: list[str] = []
    for _ in range(3000):  # CSV / TSV / pipe / space rows
        sep = rng.choice([",", ";", "\t", "|", " ", ", "])
        out.append(sep.join(_number(rng) for _ in range(rng.randrange(2, 8))))
    for _ in range(300):  # tables: rows of same-width numbers, one row a line
        width = rng.choice((2, 3, 4, 5, 6))
        rows = [" ".join(str(rng.randrange(10 ** (width - 1), 10**width)) for _ in range(rng.randrange(3, 9)))
                for _ in range(rng.randrange(2, 6))]
        out.append("\n".join(rows))
    for _ in range(300):
        n = rng.randrange(10**17, 10**19)
        card = _luhn_complete("4" + "".join(rng.choice("0123456789") for _ in range(14)))
        out.append(rng.choice([
            f"see https://x.com/someone/status/{n} and https://shop.example/orders/{rng.randrange(10**15, 10**16)}",
            f"GET /api/v1/users/{rng.randrange(10**15, 10**16)}/items/{rng.randrange(1, 999)} HTTP/1.1",
            f"version {rng.randrange(1, 9)}.{rng.randrange(0, 20)}.{n}",
            f"order {rng.randrange(1, 9)}-{rng.randrange(10**14, 10**15)} shipped, qty {rng.randrange(1, 9)} {rng.randrange(10**15, 10**16)}",
            f"pi is 3.{n}{n}",
            f"call +44 20 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)} or {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}",
            f"ids: {rng.randrange(10**15, 10**16)} {rng.randrange(10**15, 10**16)} {rng.randrange(10**15, 10**16)}",
            f"the totals were 1,{rng.randrange(100, 999)},{rng.randrange(100, 999)} and {rng.randrange(1, 9)}.{card}",
        ]))
    return out


_GLUED = [
    "archiveofourown", "hospitalityindustry", "stillnessofthenight", "keystrokelogger", "raidsandmaids",
    "getPatientRecordById", "validateEmailAddressFormat", "#stayhomestaysafe", "bestmedicalsupplies",
    "internationalization", "antidisestablishmentarianism", "mistreatedanimalsrescue", "therapistfinder",
    "cancerousgrowthinfo", "treatyofversailles", "parenthesisandbrackets", "Krankenhausaufenthalt",
]


def email_texts(rng: random.Random) -> list[str]:
    out: list[str] = []
    for _ in range(600):
        user = "".join(rng.choice("abcdefghij") for _ in range(6))
        glued = rng.choice(_GLUED)
        out.append(rng.choice([
            f"Write to support@{glued.lower().lstrip('#')}.com for help with your order.",
            f"{user}@example.org {glued} see you tomorrow",
            f"contact: {user}.smith@example.com, tags: {glued} {rng.choice(_GLUED)}",
            f"The shop's address is orders@shop.example; our {glued} page lists opening hours.",
            f"{user}@mail.example wrote: the archive is at https://example.org/{glued}/index.html",
            f"name,email,note\n{user},{user}@example.net,{glued}",
        ]))
    return out


def blob_texts(rng: random.Random) -> list[str]:
    out: list[str] = []
    for _ in range(300):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(12, 120)))
        run = base64.b64encode(raw).decode() if rng.random() < 0.7 else raw.hex()
        width = rng.choice((4, 8, 16, 64, 76))
        sep = rng.choice((" ", "\n", "\r\n"))
        out.append("blob: " + sep.join(run[i:i + width] for i in range(0, len(run), width)) + " end")
    for _ in range(200):  # words of four or eight letters in a row
        words = [w for w in ("this", "that", "with", "from", "have", "were", "they", "will", "been", "more",
                             "absolute", "question", "children", "business", "together")]
        out.append(" ".join(rng.choice(words) for _ in range(rng.randrange(6, 30))))
    return out


def encoded_texts(rng: random.Random, sentences: list[str], prose: list[str]) -> list[str]:
    """Base64 of sentences and prose, wrapped at 64 / 76 or in groups of 4 / 8, followed by a word."""
    out: list[str] = []
    for i in range(600):
        text = rng.choice(sentences) if i % 2 else rng.choice(prose)[: rng.randrange(30, 200)]
        run = base64.b64encode(text.encode()).decode()
        width = rng.choice((4, 8, 64, 76))
        sep = rng.choice((" ", "\n", "\r\n"))
        out.append(rng.choice(("see ", "")) + sep.join(run[i:i + width] for i in range(0, len(run), width))
                   + rng.choice((" thanks", "\nok", "", " Yes.")))
    return out


def glued_texts(sentences: list[str], prose: list[str]) -> list[str]:
    """Sentences and prose with an e-mail address, every other space removed (the address kept apart)."""
    out: list[str] = []
    for text in [t for t in sentences if "@" in t] + [p[:200] + " Mail a.b@example.org" for p in prose[:300]]:
        words = text.split(" ")
        out.append(" ".join(w if "@" in w else "" for w in words).strip() + " " + "".join(w for w in words if "@" not in w))
    return out


def corpus() -> dict[str, list[str]]:
    rng = random.Random(9)
    sentences = [s["full_text"] for s in json.loads(DATA.read_text(encoding="utf-8"))]
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_pii import build_corpus

    bench = build_corpus(DATA, 400_000)
    prose = [p for prompt in bench for p in prompt.split("\n\n")]
    return {
        "sentence": sentences,
        "lower": [s.lower() for s in sentences],
        "bench": bench,
        "numeric": numeric_texts(rng),
        "email": email_texts(rng),
        "blob": blob_texts(rng),
        "encoded": encoded_texts(rng, sentences, prose),
        "glued": glued_texts(sentences, prose),
    }


def conversations(rng: random.Random, sentences: list[str]) -> list[list[dict[str, str]]]:
    out = []
    for _ in range(1500):
        k = rng.randrange(2, 6)
        messages = []
        for i in range(k):
            role = rng.choice(["user", "assistant"]) if i else "user"
            if rng.random() < 0.3:
                text = " ".join(str(rng.randrange(0, 10000)) for _ in range(rng.randrange(1, 5)))
            else:
                text = rng.choice(sentences)
            messages.append({"role": role, "content": text})
        out.append(messages)
    return out


def dump(out: Path) -> None:
    from turnout.config import DetectionConfig
    from turnout.detect.pii import Detector
    from turnout.detect.scan import scan_request
    from turnout.policy.detectors import PiiSensitivityDetector

    plain = Detector(names=False)
    detector = PiiSensitivityDetector(DetectionConfig())
    texts = corpus()
    convs = conversations(random.Random(11), texts["sentence"])
    with out.open("w", encoding="utf-8") as f:
        for group, items in texts.items():
            for i, text in enumerate(items):
                messages = [{"role": "user", "content": text}]
                found = [(x.type, x.start, x.end) for x in plain.scan(text)]
                req = [tuple(x[:5]) for x in scan_request(messages, None, detector.detector).findings]
                level = detector.assess(messages, None, {}).level.value
                f.write(json.dumps({"key": f"{group}:{i}", "text": text[:300], "scan": found, "request": req,
                                    "level": level}) + "\n")
        for i, messages in enumerate(convs):
            req = [tuple(x[:5]) for x in scan_request(messages, None, detector.detector).findings]
            level = detector.assess(messages, None, {}).level.value
            f.write(json.dumps({"key": f"conversation:{i}", "text": json.dumps(messages)[:300], "request": req,
                                "level": level}) + "\n")


def diff(before: Path, after: Path) -> None:
    def load(p: Path) -> dict[str, dict]:
        return {r["key"]: r for r in map(json.loads, p.read_text(encoding="utf-8").splitlines())}

    a, b = load(before), load(after)
    changed = 0
    for key in a:
        x, y = a[key], b.get(key)
        if y is None or any(x.get(k) != y.get(k) for k in ("scan", "request", "level")):
            changed += 1
            print(f"== {key}: {x['text']!r}")
            for k in ("scan", "request", "level"):
                if y is None or x.get(k) != y.get(k):
                    print(f"   {k}: {x.get(k)} -> {None if y is None else y.get(k)}")
    print(f"{changed} of {len(a)} texts differ")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", help="the src directory of the tree to dump (default: this tree)")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--diff", nargs=2, type=Path)
    args = ap.parse_args()
    if args.diff:
        diff(*args.diff)
        return
    src = Path(args.src or ROOT / "src").resolve()
    if os.environ.get("_DUMP_CHILD") != "1":  # import the tree's package in a clean process
        env = dict(os.environ, PYTHONPATH=str(src), _DUMP_CHILD="1")
        subprocess.run([sys.executable, __file__, "--src", str(src), "--out", str(args.out)], env=env, check=True)
        return
    dump(args.out)


if __name__ == "__main__":
    main()

"""Train the name / place / organisation tagger shipped in ``turnout/data/pii/ner_weights.json.gz``.

    python scripts/train_pii_ner.py [--data ../shared/data/pii/synth_dataset_v2.json] [--generated 4000]

Training data, never the evaluation split:

- the *train* templates of presidio-research's synthetic set (``turnout.evaluation.pii.split``
  holds out 30% of the templates, whole, for reporting);
- sentences generated here from templates written for this script, filled with Faker's names,
  places and companies of many locales (private people in requests, public figures in
  questions, organisations and places in prose);
- negatives: capitalised words that no name or place list knows in the routing data's
  training prompts (``routing/llmrouter/train.jsonl``); paragraphs of the Python standard library's docstrings and of the Python
  documentation's topics (``pydoc_data``): technical prose with capitalised words that are not
  entities.

Only the candidate words the scanner would score are used (capitalised, not a plain common
word), each as a one-token sequence with its context in the features: python-crfsuite then
fits a multinomial logistic regression (L1 + L2), whose weights are exported as a plain table.
Requires ``python-crfsuite`` and ``faker`` (dev extra), not at run time.

The output is the same whatever the caller's ``PYTHONHASHSEED``: the script runs itself again
with the hash seed fixed (``_fixed_hash_seed``), since some of Faker's locales build their lists
from sets (``it_IT``'s cities), so the sentences it generates, and the weights, would otherwise
change from one run to the next.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import inspect
import json
import os
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from turnout.detect.names import LABELS, NameTagger  # noqa: E402
from turnout.evaluation.pii import DEFAULT_DATA, dev_split, load_pii_dataset, split  # noqa: E402

OUT = ROOT / "src" / "turnout" / "data" / "pii" / "ner_weights.json.gz"
_LABEL_OF = {"PERSON": "PER", "GPE": "LOC", "LOCATION": "LOC", "ORGANIZATION": "ORG"}
_SKIP = {"STREET_ADDRESS"}  # address blocks hold places too: the address rules own them

# Templates written for this script. {name} a full name, {first} a given name, {last} a family
# name, {city} a city, {country} a country, {company} a company, {public} a famous person.
TEMPLATES = """
Hi {first}, thanks for getting back to me so quickly.
Please forward the contract to {name} before Friday.
My name is {name} and I need help with my booking.
I am {name}, the new account manager for the {city} office.
Patient {name} was seen today for a follow-up visit.
{name} was admitted with chest pain and discharged the next day.
Can you write a reference letter for {name}? She worked with us at {company} for three years.
Send the invoice to {name} at {company}.
{first} {last} called about the delayed delivery.
Dear {title} {last}, your appointment is confirmed.
Dear {first}, please find the summary attached.
{title} {name} will chair the meeting in {city}.
I had lunch with {first} and {first2} yesterday.
Ask {first} whether the report is ready.
{last} and {last2} wrote the first draft together.
The meeting with {name} from {company} moved to Tuesday.
{name} lives in {city} with her two children.
{name} moved from {city} to {city2} last spring.
Our client {name} disputes the charge on his statement.
My colleague {first} {last} is out sick this week.
Could you translate this note for {first}?
The tenant, {name}, has not paid rent since March.
We hired {name} as a data analyst in {city}.
{first} said the package never arrived.
"We will fix it," says {name}, who leads the team at {company}.
Please update the emergency contact to {name}.
Employee {name} requested parental leave.
Reminder: {first}'s birthday party is on Saturday.
Schedule a call with {name} and {name2}.
I'm writing on behalf of my mother, {name}.
{company} opened a new office in {city}.
{company} reported higher revenue this quarter.
She joined {company} after ten years at {company2}.
The headquarters of {company} are in {city}, {country}.
What is the weather like in {city} today?
How far is {city} from {city2}?
What is the capital of {country}?
Plan a three-day trip to {city} and {city2}.
Is {country} a member of the European Union?
Who was {public}?
Write a short biography of {public}.
What did {public} contribute to science?
Summarise the main ideas of {public} in two paragraphs.
Compare the economies of {country} and {country2}.
The train from {city} to {city2} leaves at noon.
Which museums should I visit in {city}?
The conference will be held in {city}, {country}, next year.
Our supplier {company} delayed the shipment again.
Review the attached contract between {company} and {company2}.
{name} ({city}) won the regional chess tournament.
According to {name}, the budget was approved.
Thanks, {first}
Best regards,\n{name}\n{company}
From: {name}\nTo: {name2}\nSubject: quarterly report
Name: {name}\nCity: {city}\nEmployer: {company}
Customer {name} asked for a refund.
I spoke with {title} {last} about the results.
{first} {middle}. {last} signed the lease.
The kids, {first} and {first2}, start school in September.
Can {first} borrow the car on Sunday?
Please call {name} back about the insurance claim.
{first} is very reliable and always on time.
{first} shouted at {first2}: "Where have you been?"
{last} began her career as a nurse in {city}.
{first}: Are you coming tonight?\n{first2}: Yes, after work.
We invited {first}, {first2}, {name} and {name2}.
The team: {first}, {first2}, {first3} and {first4}.
Unlike {last}, I prefer the train.
{first} and {first2} got married in {city}.
Thanks to {last} for the review.
I'm {first}, originally from {city}, and I work as a nurse.
{name}'s lawyer filed the appeal yesterday.
{title} {last} flew to {city} on Monday.
Where does {first} live now?
Hey {first}! Long time no see.
I met {name} at the {company} conference.
{name} of {company} was named CEO of the year.
The visitors from {country} arrived in {city} this morning.
{company} is a {nation} company based in {city}.
{country} was lovely in the spring.
{city} is famous for its old harbour.
We flew to {CITY} on Monday.
My cousin moved to {CITY} last year.
The parcel left {CITY} this morning.
""".strip().splitlines()
TITLES = ["Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Mr", "Mrs", "Dr"]
PUBLIC = [
    "Napoleon", "Albert Einstein", "Marie Curie", "Isaac Newton", "Leonardo da Vinci",
    "Charles Darwin", "William Shakespeare", "Abraham Lincoln", "Winston Churchill", "Mozart",
    "Nelson Mandela", "Cleopatra", "Galileo", "Aristotle", "Ada Lovelace", "Alan Turing",
]  # fmt: skip
LOCALES = [
    "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "nl_NL", "pl_PL", "cs_CZ",
    "sv_SE", "da_DK", "no_NO", "fi_FI", "hu_HU", "hr_HR", "sl_SI", "ru_RU", "uk_UA", "tr_TR",
    "ja_JP", "zh_CN", "el_GR", "is_IS", "et_EE", "lt_LT", "lv_LV", "ro_RO", "sk_SK", "en_IN",
    "es_MX", "fr_CH", "de_AT", "en_AU", "en_CA", "ga_IE", "bg_BG", "ka_GE", "hy_AM", "he_IL",
]  # fmt: skip


def generated(count: int, seed: int = 11) -> list[dict]:
    """Sentences from :data:`TEMPLATES` with labelled spans, in the data set's format."""
    from faker import Faker

    rng = random.Random(seed)
    fakers = []
    for loc in LOCALES:
        try:
            fk = Faker(loc)
        except AttributeError:
            continue
        fk.seed_instance(rng.randrange(1 << 30))
        fakers.append(fk)
    en = Faker("en_US")
    en.seed_instance(seed)
    out = []
    for _ in range(count):
        template = rng.choice(TEMPLATES).replace("\\n", "\n")
        fk = rng.choice(fakers)

        def latin(make):
            for _ in range(5):
                v = make()
                if all(ord(c) < 0x530 for c in v):
                    return v
            return en.name()

        values = {
            "first": lambda fk=fk: latin(fk.first_name),
            "first2": lambda fk=fk: latin(fk.first_name),
            "last": lambda fk=fk: latin(fk.last_name),
            "last2": lambda fk=fk: latin(fk.last_name),
            "first3": lambda fk=fk: latin(fk.first_name),
            "first4": lambda: latin(rng.choice(fakers).first_name),
            "nation": lambda: rng.choice(["German", "Swedish", "Dutch", "Polish", "Japanese", "Brazilian"]),
            "middle": lambda: rng.choice("ABCDEFGHJKLMNPRSTW"),
            "name": lambda fk=fk: latin(lambda: f"{fk.first_name()} {fk.last_name()}"),
            "name2": lambda fk=fk: latin(lambda: f"{fk.first_name()} {fk.last_name()}"),
            "title": lambda: rng.choice(TITLES),
            "city": lambda fk=fk: latin(fk.city),
            "city2": lambda: latin(en.city) if rng.random() < 0.3 else latin(rng.choice(fakers).city),
            "country": lambda: en.country(),
            "country2": lambda: en.country(),
            "company": lambda fk=fk: latin(fk.company),
            "company2": lambda: latin(en.company),
            "public": lambda: rng.choice(PUBLIC),
            "CITY": lambda fk=fk: latin(fk.city).upper(),
        }
        kinds = {"first": "PERSON", "first2": "PERSON", "first3": "PERSON", "first4": "PERSON", "last": "PERSON", "last2": "PERSON",
                 "middle": "PERSON", "name": "PERSON", "name2": "PERSON", "city": "GPE",
                 "city2": "GPE", "CITY": "GPE", "country": "GPE", "country2": "GPE", "company": "ORGANIZATION",
                 "company2": "ORGANIZATION"}  # fmt: skip
        text = ""
        spans = []
        pos = 0
        while True:
            a = template.find("{", pos)
            if a < 0:
                text += template[pos:]
                break
            b = template.index("}", a)
            text += template[pos:a]
            key = template[a + 1 : b]
            value = values[key]()
            if key in kinds:
                spans.append({"entity_type": kinds[key], "start_position": len(text),
                              "end_position": len(text) + len(value)})  # fmt: skip
            text += value
            pos = b + 1
        out.append({"full_text": text, "spans": spans})
    return out


def docstring_negatives(limit: int) -> list[dict]:
    paras: list[str] = []
    for name in ("argparse", "asyncio", "collections", "email", "http.client", "logging", "pathlib",
                 "subprocess", "threading", "typing", "unittest", "urllib.request"):  # fmt: skip
        mod = importlib.import_module(name)
        for _, obj in inspect.getmembers(mod):
            doc = inspect.getdoc(obj) or ""
            paras.extend(p.strip() for p in doc.split("\n\n") if len(p.strip()) > 60)
    from pydoc_data.topics import topics  # the Python documentation's topics

    for text in topics.values():
        paras.extend(p.strip() for p in text.split("\n\n") if len(p.strip()) > 60 and not p.startswith(" "))
    paras = list(dict.fromkeys(paras))
    random.Random(5).shuffle(paras)
    return [{"full_text": p, "spans": []} for p in paras[:limit]]


def prose_negatives(limit: int) -> list[tuple[list[str], str]]:
    """Capitalised words that no name or place list knows, in the routing data's training
    prompts (trivia, science, maths): almost never a private person, so ``O``. Words the lists
    know are left out: these prompts also name people ("John has 5 apples")."""
    tagger = NameTagger()
    lex = tagger.lex
    known = lex.first | lex.last | lex.place | lex.country
    path = DEFAULT_DATA.parents[1] / "routing" / "llmrouter" / "train.jsonl"
    prompts = [json.loads(line)["prompt"] for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    random.Random(3).shuffle(prompts)
    out = []
    for text in prompts[:limit]:
        for (s, e), feats in tagger.training_examples(text):
            if text[s:e].rstrip(".").lower() not in known:
                out.append((feats, "O"))
    return out


def examples(samples: list[dict]) -> list[tuple[list[str], str]]:
    """The words the scanner would score (its own candidate rules), with their features."""
    tagger = NameTagger()
    lex = tagger.lex
    out = []
    for sample in samples:
        text = sample["full_text"]
        labels = [(s["entity_type"], int(s["start_position"]), int(s["end_position"]))
                  for s in sample.get("spans") or ()]  # fmt: skip
        for (s, e), feats in tagger.training_examples(text):
            label = "O"
            skip = False
            for t, ls, le in labels:
                if s < le and ls < e:
                    if t in _SKIP:
                        skip = True
                    label = _LABEL_OF.get(t, label)
            if skip and label == "O":
                continue
            if label == "ORG" and _named_after_people(text, labels, s, e, lex):
                continue  # "Barnett, Melton and Garcia": surnames, not a pattern for companies
            out.append((feats, label))
    return out


def _named_after_people(text: str, labels: list[tuple[str, int, int]], s: int, e: int, lex) -> bool:
    """Is the word inside an organisation named as a list of family names ("Weeks-Rivas")?"""
    for t, ls, le in labels:
        if t == "ORGANIZATION" and ls <= s and e <= le:
            name = text[ls:le]
            return "," in name or " and " in name or "-" in name or " & " in name
    return False


def crf_weights(data: list[tuple[list[str], str]], c1: float, c2: float) -> tuple[list[str], dict[str, list[float]]]:
    """Train the one-token CRF on ``data`` (features, label) and read its state weights: the
    labels it learnt (in ``LABELS`` order) and, per feature, one weight per label."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for feats, label in data:
        trainer.append([feats], [label])
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": 200, "feature.possible_transitions": False})
    with tempfile.TemporaryDirectory() as tmp:
        model = str(Path(tmp) / "ner.crfsuite")
        trainer.train(model)
        tagger = pycrfsuite.Tagger()
        tagger.open(model)
        info = tagger.info()
        labels = [lab for lab in LABELS if lab in info.labels]
        weights: dict[str, list[float]] = {}
        for (attr, label), w in info.state_features.items():
            weights.setdefault(attr, [0.0] * len(labels))[labels.index(label)] = w
        tagger.close()
    return labels, weights


_HASH_SEED = "0"


def _fixed_hash_seed() -> None:
    """Run this script again under ``PYTHONHASHSEED=0`` unless it already runs so (string
    hashing, hence the order of sets, is fixed at interpreter start: it cannot be set here)."""
    if os.environ.get("PYTHONHASHSEED") != _HASH_SEED:
        env = {**os.environ, "PYTHONHASHSEED": _HASH_SEED}
        os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]], env)


def main() -> None:
    _fixed_hash_seed()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--generated", type=int, default=4000)
    ap.add_argument("--negatives", type=int, default=4000)
    ap.add_argument("--prose", type=int, default=3000, help="routing training prompts for negatives")
    ap.add_argument("--c1", type=float, default=0.3)
    ap.add_argument("--c2", type=float, default=0.05)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--dev", action="store_true",
                    help="also hold out a dev part of the train templates (for tuning; see dev_split)")
    args = ap.parse_args()

    train, _test = split(load_pii_dataset(args.data))
    if args.dev:
        train, _dev = dev_split(train)
    samples = train + generated(args.generated) + docstring_negatives(args.negatives)
    data = examples(samples) + prose_negatives(args.prose)
    print(f"{len(samples)} sentences, {len(data)} candidate words: {Counter(lab for _, lab in data)}")
    labels, raw = crf_weights(data, args.c1, args.c2)
    weights = {attr: [round(w, 4) for w in row] for attr, row in raw.items()}
    payload = {"labels": labels, "weights": weights,
               "source": "scripts/train_pii_ner.py (python-crfsuite, one-token sequences)"}  # fmt: skip
    args.out.write_bytes(gzip.compress(json.dumps(payload, separators=(",", ":")).encode(), 9, mtime=0))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} KB, {len(weights)} features)")


if __name__ == "__main__":
    main()

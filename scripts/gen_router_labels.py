#!/usr/bin/env python
"""Generated labels for the learned router: the embedded model's answer to multiple-choice items.

    nice -n 10 python scripts/gen_router_labels.py [--out /tmp/route14g/labels.jsonl] [--n 4000]
        [--sources mmlu,mmlu-pro] [--threads 1]

The embedded model (Qwen2.5-Coder-0.5B-Instruct, the GGUF ``turnout.local_model`` assembles)
reads each multiple-choice prompt of the routing data (``turnout.learn.data.load_all``) and
scores every option as the answer's text (:class:`Answerer`): the letter it would answer, each
option's summed log-probability and their softmax over the options are recorded.

What the label can be. None of the three sources ships the answer key (MMLU and MMLU-Pro rows
carry per-model right/wrong, LLMRouter rows per-model scores), so whether the model's letter is
*right* cannot be checked here; the record keeps the letter so that it can be scored the day a
key is at hand. What it can label now is the model's own confidence, ``p_max`` (the top letter's
probability): the model's expected accuracy on the item if it were calibrated, i.e. a weak
model's soft right/wrong. ``train_router.generated_labels`` reads that as one more model column
of the joint fit (a training target only: the request path never calls the embedded model).

Which rows. Every row is a training row of all folds but its own, and a label only enters fits
whose training rows include the row (``train_router.stack`` stacks training rows only), so no
held-out fold's evaluation sees its own prompts' labels. The order is a fixed shuffle, sources
interleaved by ``--weights`` (mostly MMLU: its rows have two labels each, the others seven or
nine), so a run stopped at any count has labelled a spread of subjects and categories.

Output: one JSON object a line, appended and flushed per item; a rerun skips the ids already in
the file (resumable). ``id`` is ``source|group|sha1(prompt)[:16]``. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from turnout.learn.data import DEFAULT_ROOT, Labelled, load_all

DEFAULT_OUT = Path("/tmp/route14g/labels.jsonl")
LETTERS = "ABCDEFGHIJ"
# An option line: "A. text" (MMLU and MMLU-Pro both write their options this way).
_OPTION = re.compile(r"^([A-J])\. ", re.MULTILINE)
# A longer stem keeps its end (the question sentence follows the passage): reading passages
# whole (MMLU's history and law subjects) would cost several items' time on this machine.
MAX_PROMPT_TOKENS = 256
MAX_OPTION_TOKENS = 96


def row_id(source: str, group: str, prompt: str) -> str:
    return f"{source}|{group}|{hashlib.sha1(prompt.encode('utf-8')).hexdigest()[:16]}"


def options_of(prompt: str) -> str:
    """The option letters of a multiple-choice prompt ("" when it has none): consecutive from
    A, as the data writes them."""
    found = _OPTION.findall(prompt)
    letters = ""
    for c in found:
        if len(letters) < len(LETTERS) and c == LETTERS[len(letters)]:
            letters += c
    return letters if len(letters) >= 2 else ""


def question_text(prompt: str) -> str:
    """The item without RouteLLM's trailing "Answer:" cue (:class:`Answerer` adds its own)."""
    text = prompt.rstrip()
    return text[: -len("Answer:")].rstrip() if text.endswith("Answer:") else text


def order(data: Labelled, sources: list[str], weights: list[float], seed: int) -> list[int]:
    """Rows of ``sources`` with options, each source shuffled, then interleaved so that source
    s holds a ``weights[s]`` share of every prefix (until it runs out)."""
    rng = np.random.default_rng(seed)
    queues = []
    for s in sources:
        rows = [i for i, src in enumerate(data.sources) if src == s and options_of(data.prompts[i])]
        queues.append(list(rng.permutation(rows)))
    out: list[int] = []
    taken = [0] * len(sources)
    w = np.asarray(weights, float)
    while any(taken[k] < len(q) for k, q in enumerate(queues)):
        # the source furthest behind its share goes next
        live = [k for k, q in enumerate(queues) if taken[k] < len(q)]
        k = min(live, key=lambda j: (taken[j] + 1) / w[j])
        out.append(int(queues[k][taken[k]]))
        taken[k] += 1
    return out


def done_ids(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    out = set()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                out.add(json.loads(line)["id"])
            except (json.JSONDecodeError, KeyError):
                continue  # a line cut by a kill mid-write: that item is simply done again
    return out


class Answerer:
    """The embedded model scoring each option as the answer's continuation (cloze).

    Asked for the option *letter* (chat turn or "Answer:" cue), this 0.5B model spreads its
    probability almost evenly over the letters, even on questions it knows (a capital city,
    2 + 2): it does not bind letters to options. Scored as text, each option's log-likelihood
    after ``Question: <stem>\nAnswer:``, it answers those easily and with confidence, so that is
    the read used: the option probabilities are a softmax over the options' summed token
    log-probabilities (the usual multiple-choice "acc" read). The stem is evaluated once; each
    option is evaluated after it from the cached state.
    """

    def __init__(self, threads: int, n_ctx: int = 2048) -> None:
        import llama_cpp

        from turnout.local_model import default_model_path
        from turnout.providers.llamacpp import plain_cpu_buffers

        # plain kernels where the CPU lists AMX (a VM's AMX can be unbacked: providers/llamacpp)
        with plain_cpu_buffers(llama_cpp):
            self.llm = llama_cpp.Llama(model_path=str(default_model_path()), n_ctx=n_ctx,
                                       n_threads=threads, n_threads_batch=threads, n_batch=512,
                                       verbose=False)
        self.n_vocab = self.llm.n_vocab()

    def _tok(self, text: str) -> list[int]:
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _last_logits(self) -> np.ndarray:
        return np.ctypeslib.as_array(self.llm._ctx.get_logits_ith(-1), shape=(self.n_vocab,)).copy()

    def _logits_rows(self, tokens: list[int]) -> np.ndarray:
        """Evaluate ``tokens`` (one batch) after the cached state; the logits after each."""
        llm = self.llm
        llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)
        llm._batch.set_batch(batch=tokens, n_past=llm.n_tokens, logits_all=True)
        llm._ctx.decode(llm._batch)
        rows = np.stack([np.ctypeslib.as_array(llm._ctx.get_logits_ith(i), shape=(self.n_vocab,))
                         for i in range(len(tokens))])
        llm.n_tokens += len(tokens)
        return rows

    def answer(self, prompt: str, letters: str) -> dict[str, Any]:
        stem, options = split_item(prompt, letters)
        context = self._tok(f"Question: {stem}\nAnswer:")
        clipped = len(context) > MAX_PROMPT_TOKENS
        context = context[-MAX_PROMPT_TOKENS:]
        self.llm.n_tokens = 0
        self.llm.eval(context)
        after_stem = self._last_logits()
        n0 = self.llm.n_tokens
        sums, lengths = [], []
        for text in options:
            toks = self._tok(" " + text)[:MAX_OPTION_TOKENS] or self._tok(" ")
            self.llm.n_tokens = n0
            rows = np.vstack([after_stem[None], self._logits_rows(toks)[:-1]])
            sums.append(float(np.sum(log_softmax(rows)[np.arange(len(toks)), toks])))
            lengths.append(len(toks))
        z = np.array(sums)
        probs = np.exp(z - z.max())
        probs /= probs.sum()
        top = int(np.argmax(probs))
        return {"letters": letters, "letter": letters[top], "p_max": round(float(probs[top]), 5),
                "probs": [round(float(p), 5) for p in probs],
                "logprob": [round(v, 4) for v in sums], "option_tokens": lengths,
                "tokens": len(context) + sum(lengths), "clipped": clipped}


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z.astype(np.float64)
    m = z.max(-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(-1, keepdims=True))


def split_item(prompt: str, letters: str) -> tuple[str, list[str]]:
    """(stem, option texts) of a multiple-choice prompt whose option lines are ``letters``."""
    text = question_text(prompt)
    starts = [m for m in _OPTION.finditer(text)]
    picked, k = [], 0
    for m in starts:  # the first run A, B, C... (an earlier "A. " inside the stem is skipped)
        if k < len(letters) and m.group(1) == letters[k]:
            picked.append(m)
            k += 1
    stem = text[: picked[0].start()].strip()
    bounds = [m.start() for m in picked] + [len(text)]
    options = [text[bounds[j] + 3 : bounds[j + 1]].strip() for j in range(len(picked))]
    return stem, options


def items(data: Labelled, rows: list[int], skip: set[str]) -> Iterator[tuple[int, str]]:
    for i in rows:
        rid = row_id(data.sources[i], data.groups[i], data.prompts[i])
        if rid not in skip:
            yield i, rid


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--n", type=int, default=4000, help="items in the file when done")
    ap.add_argument("--sources", default="mmlu,mmlu-pro")
    ap.add_argument("--weights", default="0.85,0.15", help="each source's share of the order")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    data = load_all(args.data)
    sources = args.sources.split(",")
    rows = order(data, sources, [float(w) for w in args.weights.split(",")], args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    skip = done_ids(args.out)
    todo = max(0, min(args.n, len(rows)) - len(skip))
    log(f"{len(rows)} multiple-choice rows, {len(skip)} already labelled, {todo} to go -> {args.out}")
    if not todo:
        return
    model = Answerer(args.threads)
    started = time.perf_counter()
    with args.out.open("a", encoding="utf-8") as fh:
        for n, (i, rid) in enumerate(items(data, rows, skip), 1):
            rec = {"id": rid, "source": data.sources[i], "group": data.groups[i],
                   **model.answer(data.prompts[i], options_of(data.prompts[i]))}
            fh.write(json.dumps(rec) + "\n")
            fh.flush()
            if n % 25 == 0 or n == todo:
                rate = n / (time.perf_counter() - started)
                log(f"{len(skip) + n} labelled ({n}/{todo} this run, {rate:.2f}/s, "
                    f"~{(todo - n) / rate / 60:.0f} min left)")
            if n >= todo:
                break


def log(msg: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


if __name__ == "__main__":
    main()

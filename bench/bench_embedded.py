"""What turnout costs on top of llama.cpp for the embedded model.

Same loaded model, same prompt, temperature 0, fixed max_tokens, repetitions alternating
(and swapping order every pair, so drift in machine load hits both sides alike):

* turnout: ``LlamaCppProvider.astream`` (worker thread, queue to the event loop, translation);
* direct: ``Llama.create_chat_completion(stream=True)`` iterated in the calling thread.

The KV cache is reset before every run, so each one evaluates the whole prompt. Prints load
time, then median and p90 of time to first token and of generated tokens/s (first token to
last), and turnout/direct ratios. Figures only; nothing passes or fails on time.

    python bench/bench_embedded.py [--reps 10] [--max-tokens 64]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any

from turnout.catalog import BUILTIN_MODELS, DEFAULT_LOCAL_MODEL
from turnout.providers.llamacpp import LlamaCppProvider, LoadedModel
from turnout.types import ChatRequest

PROMPT = "Explain in a few sentences how a lighthouse helps ships at night."


@dataclass
class Run:
    ttft: float  # seconds from the call to the first content chunk
    tokens: int  # content chunks (one per token here; same text on both sides)
    decode_s: float  # first content chunk to last
    text: str
    cpu_s: float = 0.0  # CPU time of the whole process (all threads) during the run

    @property
    def tok_per_s(self) -> float:
        return (self.tokens - 1) / self.decode_s if self.tokens > 1 and self.decode_s else 0.0


def reset(model: LoadedModel) -> None:
    with model.lock:
        model.llama.reset()  # forget the cached prompt prefix: every run evaluates it all


async def run_turnout(
    provider: LlamaCppProvider, messages: list[dict[str, Any]], max_tokens: int
) -> Run:
    request = ChatRequest(
        model=provider.name,
        messages=messages,
        params={"temperature": 0, "max_tokens": max_tokens},
        stream=True,
    )
    pieces: list[str] = []
    first = last = 0.0
    cpu = time.process_time()
    started = time.perf_counter()
    async for chunk in provider.astream(request):
        content = chunk["choices"][0]["delta"].get("content")
        if content:
            last = time.perf_counter()
            if not pieces:
                first = last
            pieces.append(content)
    cpu = time.process_time() - cpu
    return Run(first - started, len(pieces), last - first, "".join(pieces), cpu)


def run_direct(model: LoadedModel, messages: list[dict[str, Any]], max_tokens: int) -> Run:
    pieces: list[str] = []
    first = last = 0.0
    with model.lock:
        cpu = time.process_time()
        started = time.perf_counter()
        for chunk in model.llama.create_chat_completion(
            messages=messages, temperature=0, max_tokens=max_tokens, stream=True
        ):
            content = chunk["choices"][0]["delta"].get("content")
            if content:
                last = time.perf_counter()
                if not pieces:
                    first = last
                pieces.append(content)
        cpu = time.process_time() - cpu
    return Run(first - started, len(pieces), last - first, "".join(pieces), cpu)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, turnout: list[float], direct: list[float], unit: str) -> None:
    """Median and p90 per side; the ratio of the medians, and the median of the ratios of each
    pair (run back to back: the least disturbed by other load on the machine)."""
    t_med, d_med = statistics.median(turnout), statistics.median(direct)
    t_p90, d_p90 = pct(turnout, 0.9), pct(direct, 0.9)
    paired = statistics.median(t / d for t, d in zip(turnout, direct, strict=True) if d)
    print(
        f"{name:<20} turnout {t_med:8.1f} (p90 {t_p90:8.1f}) | "
        f"direct {d_med:8.1f} (p90 {d_p90:8.1f}) {unit:<5} | "
        f"ratio {t_med / d_med:.3f} (p90 {t_p90 / d_p90:.3f}, paired {paired:.3f})"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10, help="runs per side")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--prompt", default=PROMPT)
    args = parser.parse_args()

    provider = LlamaCppProvider(BUILTIN_MODELS[DEFAULT_LOCAL_MODEL])
    started = time.perf_counter()
    model = await provider.aload()
    print(
        f"model: {model.path.name}, n_ctx {model.n_ctx}, "
        f"threads {model.llama.context_params.n_threads}"
    )
    print(f"load: {time.perf_counter() - started:.3f} s (llama.cpp {model.load_seconds:.3f} s)")
    messages = [{"role": "user", "content": args.prompt}]
    print(
        f"prompt: {provider.count_tokens(messages)} tokens, max_tokens {args.max_tokens}, "
        f"{args.reps} runs per side, alternating\n"
    )

    reset(model)
    await run_turnout(provider, messages, 4)  # warm-up: first-call costs on neither side

    turnout: list[Run] = []
    direct: list[Run] = []
    for i in range(args.reps):
        order = ("turnout", "direct") if i % 2 == 0 else ("direct", "turnout")
        for side in order:
            reset(model)
            if side == "turnout":
                turnout.append(await run_turnout(provider, messages, args.max_tokens))
            else:
                direct.append(run_direct(model, messages, args.max_tokens))
    same = all(t.text == d.text for t, d in zip(turnout, direct, strict=True))
    print(f"tokens per run: {turnout[0].tokens} (same text on both sides: {same})")
    print("medians, p90 in brackets; ratio = turnout / direct")
    report(
        "time to first token",
        [r.ttft * 1000 for r in turnout],
        [r.ttft * 1000 for r in direct],
        "ms",
    )
    report(
        "generated tokens/s",
        [r.tok_per_s for r in turnout],
        [r.tok_per_s for r in direct],
        "tok/s",
    )
    total_t = [r.ttft + r.decode_s for r in turnout]
    total_d = [r.ttft + r.decode_s for r in direct]
    report("whole answer", [t * 1000 for t in total_t], [d * 1000 for d in total_d], "ms")
    report(
        "CPU, all threads",
        [r.cpu_s * 1000 for r in turnout],
        [r.cpu_s * 1000 for r in direct],
        "ms",
    )


if __name__ == "__main__":
    asyncio.run(main())

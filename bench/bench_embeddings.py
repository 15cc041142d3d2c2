"""Embedding throughput: the production path against plain float32 ``SentenceTransformer.encode``.

Both embed the texts production embeds: every passage of the English profiles (``data/eval/profiles_en.jsonl``
and the French ones in ``data/eval/profiles_fr.jsonl``) followed by its topic labels, each once, so
the length mix (and the padding) is the real one. Each path is warmed up, then the two take turns
for ``--repeats`` timed runs each; medians are printed with min and max. The bound of a round is
the bf16 matmul peak measured right after it (one layer's products at the token budget, best of 3)
divided by the model's matmul FLOPs per text on its real tokens (the six products of each layer and
attention's two, no padding counted); the production path's share of the bound is taken round by
round, so load from other processes weighs on both alike.

Run from the project root: ``.venv/bin/python -m bench.bench_embeddings``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench import report
from models.matching.embeddings import BATCH_SIZE, SentenceTransformerEmbedder, bf16_supported
from models.matching.passages import split_profile
from models.matching.topics import anchored, load_vocabulary

DATA = Path(__file__).resolve().parent.parent / "data"
PROFILE_FILES = (DATA / "eval" / "profiles_en.jsonl", DATA / "eval" / "profiles_fr.jsonl")


def production_texts(embedder: SentenceTransformerEmbedder) -> list[str]:
    """The texts production embeds: every seed passage (English, then French), anchored to its topics."""
    vocabulary = load_vocabulary()
    texts = []
    for path in PROFILE_FILES:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    passages = split_profile(json.loads(line), embedder.count_tokens)
                    texts += [anchored(p.text, vocabulary) for p in passages]
    return texts


def interleaved_runs(
    paths: dict[str, Callable[[list[str]], np.ndarray]], texts: list[str], repeats: int
) -> tuple[dict[str, tuple[list[float], np.ndarray]], list[float]]:
    """For each path: texts per second of every timed run, and its vectors; the bf16 peak of each round.

    The paths take turns, run after run, and the machine's bf16 peak is measured again after each
    round, so a burst of load from another process slows the paths and the bound alike.
    """
    for embed in paths.values():
        embed(texts[:64])  # warm-up: kernels, allocator
    rates: dict[str, list[float]] = {name: [] for name in paths}
    vectors: dict[str, np.ndarray] = {}
    peaks = []
    for _ in range(repeats):
        for name, embed in paths.items():
            start = time.perf_counter()
            vectors[name] = embed(texts)
            rates[name].append(len(texts) / (time.perf_counter() - start))
        peaks.append(bf16_peak_flops())
    return {name: (rates[name], vectors[name]) for name in paths}, peaks


def bf16_peak_flops(
    repeats: int = 3,
    rows: int = 4096,
    dim: int = 384,
    ff: int = 1536,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Measured bf16 matmul throughput of this machine (FLOP/s), best of ``repeats``, on the model's shapes.

    One layer's products on a batch of ``rows`` tokens (the path's token budget): the four
    projections, then the feed-forward up and down, on torch's threads (one per core).
    """
    import torch

    x = torch.randn(rows, dim, dtype=torch.bfloat16)
    square = torch.randn(dim, dim, dtype=torch.bfloat16)
    up, down = torch.randn(dim, ff, dtype=torch.bfloat16), torch.randn(ff, dim, dtype=torch.bfloat16)

    def layer() -> None:
        for _ in range(4):
            torch.matmul(x, square)
        torch.matmul(torch.matmul(x, up), down)

    flops = 2 * rows * (4 * dim * dim + 2 * dim * ff)
    layer()
    best = float("inf")
    for _ in range(repeats):
        start = clock()
        for _ in range(10):
            layer()
        best = min(best, (clock() - start) / 10)
    return flops / best


def one_core(
    embed: Callable[[list[str]], np.ndarray], texts: list[str], per_text: float
) -> tuple[float, float]:
    """Texts per CPU-second of ``embed`` on one thread and the one-core bf16 bound, best of 3 each.

    CPU time on one thread counts the work, not the waiting for a core, so this share moves less
    than the wall-time one when other processes load the machine (caches and SMT still weigh).
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            embed(texts)
            best = min(best, time.process_time() - start)
        return len(texts) / best, bf16_peak_flops(clock=time.process_time) / per_text
    finally:
        torch.set_num_threads(threads)


def flops_per_text(token_counts: list[int], layers: int = 6, dim: int = 384, ff: int = 1536) -> float:
    """Matmul FLOPs of a MiniLM-L6 forward pass per text, on its real tokens (no padding counted)."""
    tokens = np.asarray(token_counts, dtype=np.float64)
    dense = 2 * layers * (4 * dim * dim + 2 * dim * ff) * tokens  # projections and feed-forward
    attention = 2 * layers * 2 * dim * tokens * tokens  # scores and weighted sum
    return float(np.mean(dense + attention))


def _spread(values: list[float]) -> str:
    return f"{np.median(values):>9.1f} ({min(values):.1f}-{max(values):.1f})"


def main() -> None:
    """Measure, then print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=100_000, help="at most this many texts per run")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per path (default 5)")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    production = SentenceTransformerEmbedder()
    model = production.model
    load_s = time.perf_counter() - started
    texts = production_texts(production)[: args.texts]
    tokens = [min(production.count_tokens(text), production.max_tokens) for text in texts]  # as truncated

    def plain(batch: list[str]) -> np.ndarray:
        return model.encode(batch, batch_size=BATCH_SIZE, normalize_embeddings=True, show_progress_bar=False)

    paths = {"production": production.embed_batch, "plain": plain}
    results, peaks = interleaved_runs(paths, texts, args.repeats)
    (fast_rates, fast), (plain_rates, reference) = results["production"], results["plain"]
    cosines = np.sum(fast * reference, axis=1)
    per_text = flops_per_text(tokens)
    bounds = [peak / per_text for peak in peaks]  # texts per second if every product ran at the peak
    shares = [rate / bound for rate, bound in zip(fast_rates, bounds, strict=True)]
    peak = float(np.median(peaks))
    cpu_rate, cpu_bound = one_core(production.embed_batch, texts, per_text)
    one_query = []
    for text in texts[:40]:  # a search embeds one short text: the latency a member waits for
        start = time.perf_counter()
        production.embed_batch([text[:200]])
        one_query.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    import torch

    print(
        f"Embedding benchmark: the {len(texts)} passages production embeds (seed profiles, English and "
        f"French, topic labels appended), each once per run"
    )
    print(f"tokens per text: mean {np.mean(tokens):.1f}, max {max(tokens)}")
    print(
        f"machine: {os.cpu_count()} cpus, {platform.processor() or platform.machine()}, "
        f"bf16 native: {bf16_supported()}, torch {torch.__version__}, threads {torch.get_num_threads()}"
    )
    print(f"model load: {load_s:.1f} s, batch size {BATCH_SIZE}, {args.repeats} interleaved runs per path")
    print(
        f"1-min load average: {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; this run adds up to "
        f"{torch.get_num_threads()}, more means other processes shared the cores: figures are noisy\n"
    )
    print(f"{'path':<44}{'passages/s median (min-max)':>30}")
    print("-" * 74)
    print(f"{'production (' + production.model_id + ')':<44}{_spread(fast_rates):>30}")
    print(f"{'plain SentenceTransformer.encode fp32':<44}{_spread(plain_rates):>30}")
    print(f"{'bf16 matmul bound (peak of each round)':<44}{_spread(bounds):>30}")
    print("-" * 74)
    ratios = [f / p for f, p in zip(fast_rates, plain_rates, strict=True)]
    print(f"{'speed-up (production / plain), median':<44}{np.median(ratios):>29.2f}x")
    share = f"{100 * np.median(shares):.0f}% ({100 * min(shares):.0f}-{100 * max(shares):.0f})"
    print(f"{'production, % of the bound of its round':<44}{share:>30}")
    gflops = f"{peak / 1e9:.1f} ({min(peaks) / 1e9:.1f}-{max(peaks) / 1e9:.1f}) GFLOP/s"
    print(f"{'bf16 matmul peak, one layer at 4096 tokens':<44}{gflops:>30}")
    one = f"{100 * cpu_rate / cpu_bound:.0f}% ({cpu_rate:.1f} of {cpu_bound:.1f} per CPU-s)"
    print(f"{'same, one thread, in CPU time (load-proof)':<44}{one:>30}")
    print(f"{'cosine production vs fp32, min':<44}{cosines.min():>30.5f}")
    print(f"{'cosine production vs fp32, mean':<44}{cosines.mean():>30.5f}")
    q = np.asarray(one_query) * 1000
    query_ms = f"{np.median(q):.1f} / {np.percentile(q, 95):.1f} ms"
    print(f"{'one search query embedded, p50 / p95':<44}{query_ms:>30}")
    print(f"{'peak RSS':<44}{peak_mb:>27.0f} MB")
    report.emit("embeddings", {
        "texts": len(texts), "tokens_mean": float(np.mean(tokens)), "production": report.spread(fast_rates),
        "plain": report.spread(plain_rates), "bound": report.spread(bounds),
        "bound_share": report.spread(shares),
        "speedup": float(np.median(ratios)), "cosine_min": float(cosines.min()),
        "cosine_mean": float(cosines.mean()), "query_ms": report.spread(one_query, 1000),
        "peak_gflops": peak / 1e9, "one_core_share": cpu_rate / cpu_bound,
    })  # fmt: skip


if __name__ == "__main__":
    main()

"""Embedding throughput: the production path against plain float32 ``SentenceTransformer.encode``.

Both embed the same texts: every passage of the seed profiles (``data/seed/ecosystem.jsonl``, and
the French ones in ``data/eval/profiles_fr.jsonl``), repeated to about 2,000 texts. Each path is
warmed up, then the two take turns for ``--repeats`` timed runs each; the best run counts.
Prints passages per second, their ratio, the minimum and mean cosine between the two paths'
vectors, and the peak memory.

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

from models.matching.embeddings import BATCH_SIZE, SentenceTransformerEmbedder, bf16_supported
from models.matching.passages import split_profile

DATA = Path(__file__).resolve().parent.parent / "data"
PROFILE_FILES = (DATA / "seed" / "ecosystem.jsonl", DATA / "eval" / "profiles_fr.jsonl")


def real_passages(embedder: SentenceTransformerEmbedder) -> list[str]:
    """Every passage text of the seed profiles (English, then French where present)."""
    texts = []
    for path in PROFILE_FILES:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    texts += [p.text for p in split_profile(json.loads(line), embedder.count_tokens)]
    return texts


def best_rates(
    paths: dict[str, Callable[[list[str]], np.ndarray]], texts: list[str], repeats: int
) -> dict[str, tuple[float, np.ndarray]]:
    """For each path: texts per second of its fastest run, and its vectors.

    The paths take turns, run after run, so a burst of load from another process slows them alike.
    """
    for embed in paths.values():
        embed(texts[:64])  # warm-up: kernels, allocator
    best = dict.fromkeys(paths, float("inf"))
    vectors: dict[str, np.ndarray] = {}
    for _ in range(repeats):
        for name, embed in paths.items():
            start = time.perf_counter()
            vectors[name] = embed(texts)
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: (len(texts) / best[name], vectors[name]) for name in paths}


def main() -> None:
    """Measure, then print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000, help="texts per timed run (default 2000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per path (default 3)")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    production = SentenceTransformerEmbedder()
    model = production.model
    load_s = time.perf_counter() - started
    passages = real_passages(production)
    texts = (passages * (args.texts // len(passages) + 1))[: args.texts]

    def plain(batch: list[str]) -> np.ndarray:
        return model.encode(batch, batch_size=BATCH_SIZE, normalize_embeddings=True, show_progress_bar=False)

    results = best_rates({"production": production.embed_batch, "plain": plain}, texts, args.repeats)
    (fast_rate, fast), (plain_rate, reference) = results["production"], results["plain"]
    cosines = np.sum(fast * reference, axis=1)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    import torch

    print(f"Embedding benchmark: {len(passages)} distinct passages repeated to {len(texts)} texts")
    print(
        f"machine: {os.cpu_count()} cpus, {platform.processor() or platform.machine()}, "
        f"bf16 native: {bf16_supported()}, torch {torch.__version__}, threads {torch.get_num_threads()}"
    )
    print(f"model load: {load_s:.1f} s, batch size {BATCH_SIZE}, best of {args.repeats} runs")
    print(
        f"1-min load average: {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; this run adds up to "
        f"{torch.get_num_threads()}, more means other processes shared the cores: rerun\n"
    )
    rows = [
        (f"production ({production.model_id})", fast_rate),
        ("plain SentenceTransformer.encode fp32", plain_rate),
    ]
    print(f"{'path':<44}{'passages/s':>12}")
    print("-" * 56)
    for name, rate in rows:
        print(f"{name:<44}{rate:>12.1f}")
    print("-" * 56)
    print(f"{'speed-up (production / plain)':<44}{fast_rate / plain_rate:>11.2f}x")
    print(f"{'cosine production vs fp32, min':<44}{cosines.min():>12.5f}")
    print(f"{'cosine production vs fp32, mean':<44}{cosines.mean():>12.5f}")
    print(f"{'peak RSS':<44}{peak_mb:>9.0f} MB")


if __name__ == "__main__":
    main()

"""Suggestion latency with 1k, 10k and 100k synthetic organisations already embedded.

Vectors are random mixtures of topic directions (no model is loaded); texts are random words, so
TF-IDF has work to do. For each size: time to build the in-memory index, p50/p95 latency of
``MatchIndex.suggest`` (all score parts, top 10 and their evidence), the same for a bare numpy
top-k over one vector per organisation, their ratio, and the process's peak memory.
"""

from __future__ import annotations

import resource
import time

import numpy as np

from models.matching.index import MatchIndex
from models.matching.topics import load_vocabulary
from models.matching.weights import load_weights
from models.profiles import ORG_TYPES, TRACKS

DIM = 384
SIZES = (1_000, 10_000, 100_000)
QUERIES = 50


def synthetic(n_orgs: int, seed: int = 0):
    """Organisations, passages (org_id, field, text) and unit vectors, 5 passages each."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(5000)])
    centres = rng.normal(size=(60, DIM)).astype(np.float32)
    vocabulary = load_vocabulary()
    orgs, passages, topic_sets = [], [], {}
    for org_id in range(1, n_orgs + 1):
        texts = {field: " ".join(rng.choice(words, 20)) for field in ("expertise", "offers", "seeks")}
        orgs.append({
            "id": org_id, "short_name": f"org{org_id}", "name": f"Organisation {org_id}",
            "region": "BFC" if org_id % 2 else "QC", "city": "Dijon",
            "type": ORG_TYPES[org_id % len(ORG_TYPES)],
            "collaboration_types": list(rng.choice(TRACKS, 3, replace=False)), **texts,
        })  # fmt: skip
        # Real profiles split into 3.3 (English) to 4.3 (French) passages; 5 is on the heavy side.
        for field, count in (("expertise", 3), ("offers", 1), ("seeks", 1)):
            passages += [(org_id, field, texts[field]) for _ in range(count)]
        topic_sets[org_id] = list(rng.choice(vocabulary.ids, 6, replace=False))
    mix = rng.dirichlet(np.full(60, 0.1), size=len(passages)).astype(np.float32)
    vectors = mix @ centres + 0.3 * rng.normal(size=(len(passages), DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return orgs, passages, vectors, topic_sets


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    return float(np.percentile(samples, 50) * 1000), float(np.percentile(samples, 95) * 1000)


def bench_size(n_orgs: int) -> dict:
    """Build an index of ``n_orgs`` and time suggestions against it."""
    orgs, passages, vectors, topic_sets = synthetic(n_orgs)
    started = time.perf_counter()
    index = MatchIndex.build(
        "synthetic", orgs, passages, vectors, topic_sets, load_vocabulary(), load_weights()
    )
    build_seconds = time.perf_counter() - started
    rng = np.random.default_rng(1)
    queries = rng.integers(1, n_orgs + 1, QUERIES)
    index.suggest(int(queries[0]), "joint_trial")  # warm-up
    engine = []
    for org_id in queries:
        started = time.perf_counter()
        index.suggest(int(org_id), TRACKS[int(org_id) % len(TRACKS)], top_k=10)
        engine.append(time.perf_counter() - started)
    whole = vectors.reshape(n_orgs, 5, DIM).mean(axis=1)
    bare = []
    for org_id in queries:
        started = time.perf_counter()
        sims = whole @ whole[int(org_id) - 1]
        top = np.argpartition(-sims, 10)[:10]
        top[np.argsort(-sims[top])]
        bare.append(time.perf_counter() - started)
    return {
        "orgs": n_orgs, "passages": len(passages), "build_s": build_seconds,
        "engine": percentiles(engine), "bare": percentiles(bare),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }  # fmt: skip


def main() -> None:
    """Print one line per size."""
    print("Suggestion latency (synthetic organisations already embedded, model not loaded)")
    print(f"{'orgs':>8} {'passages':>9} {'index build':>12} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'numpy p50':>10} {'ratio':>6} {'peak RSS MB':>12}")  # fmt: skip
    for size in SIZES:
        r = bench_size(size)
        ratio = r["engine"][0] / r["bare"][0]
        print(
            f"{r['orgs']:>8} {r['passages']:>9} {r['build_s']:>11.1f}s {r['engine'][0]:>8.2f} "
            f"{r['engine'][1]:>8.2f} {r['bare'][0]:>10.3f} {ratio:>5.0f}x {r['peak_mb']:>12.0f}"
        )
    print("target: p50 <= 20 ms at 10k organisations")


if __name__ == "__main__":
    main()

"""Suggestion latency with 1k, 10k and 100k synthetic organisations already embedded.

Vectors are random mixtures of topic directions (no model is loaded); texts are random words, so
TF-IDF has work to do. For each size: time to build the in-memory index and its candidate stage,
p50/p95 of suggestions as served (candidates, then all score parts of those, top 10 with evidence),
of the full scoring of every organisation, and of a bare numpy top-k over the same passage matrix;
how much of the full top 10 the candidate path keeps; proposals and trip scoring times; then the
first stages side by side (``bench/bench_candidates.py``). ``--quick`` stops at 10k.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
from threadpoolctl import threadpool_limits

from bench import bench_candidates
from models.candidates import DEFAULT_CANDIDATES, Candidates
from models.matching.batch import PROPOSAL_CANDIDATES, best_partners
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


def percentiles(samples: list[float]) -> str:
    """p50 / p95 (min-max) in milliseconds."""
    ms = np.asarray(samples) * 1000
    return f"{np.percentile(ms, 50):.1f} / {np.percentile(ms, 95):.1f} ({ms.min():.1f}-{ms.max():.1f})"


def _timed(call, items) -> tuple[list[float], list]:
    times, results = [], []
    for item in items:
        started = time.perf_counter()
        results.append(call(item))
        times.append(time.perf_counter() - started)
    return times, results


def bare_topk(index: MatchIndex, org_id: int, k: int = 10) -> np.ndarray:
    """The anchor: own passages against the SAME passage matrix, best passage per org, top k."""
    row = index.row_of(org_id)
    others = np.flatnonzero(index.regions != index.regions[row])
    block = slice(index.org_start[others[0]], index.org_start[others[-1] + 1])
    own = index.vectors[index.org_start[row] : index.org_start[row + 1]]
    best = (own @ index.vectors[block].T).max(axis=0)
    per_org = np.maximum.reduceat(best, index.org_start[others] - block.start)
    top = np.argpartition(-per_org, k)[:k]
    return others[top[np.argsort(-per_org[top])]]


def load_average() -> str:
    """The 1-minute load average now (the 2 cores are shared: every figure is read with it)."""
    return f"{os.getloadavg()[0]:.1f}"


def bench_size(n_orgs: int, queries: int, proposal_sample: int) -> dict:
    """Build an index of ``n_orgs`` and time suggestions, proposals and trip scoring against it."""
    orgs, passages, vectors, topic_sets = synthetic(n_orgs)
    started = time.perf_counter()
    index = MatchIndex.build(
        "synthetic", orgs, passages, vectors, topic_sets, load_vocabulary(), load_weights()
    )
    candidates = Candidates(index)
    build_seconds = time.perf_counter() - started
    rng = np.random.default_rng(1)
    picked = [int(i) for i in rng.integers(1, n_orgs + 1, queries)]
    track = {org_id: TRACKS[org_id % len(TRACKS)] for org_id in picked}

    def staged(org_id: int, top_k: int = 10):
        rows = candidates.for_row(index.row_of(org_id), max(DEFAULT_CANDIDATES, 2 * top_k), track[org_id])
        return index.suggest(org_id, track[org_id], top_k, rows=rows)

    staged(picked[0])  # warm-up
    engine, staged_hits = _timed(staged, picked)
    some = picked[: max(5, queries // 5)]
    full, full_hits = _timed(lambda org_id: index.suggest(org_id, track[org_id], 10), some)
    bare, _ = _timed(lambda org_id: bare_topk(index, org_id), picked)
    # Search by meaning, the query already embedded (bench_embeddings times one query's embedding).
    queries_vectors = vectors[rng.integers(0, len(vectors), len(picked))]
    search, _ = _timed(lambda vector: index.search(vector, "cellules CAR-T GMP", top_k=20), queries_vectors)
    overlap = np.mean([
        len({s.org_id for s in a} & {s.org_id for s in b}) / max(len(b), 1)
        for a, b in zip(staged_hits, full_hits, strict=False)
    ])  # fmt: skip
    # Proposals as `flask propose` makes them (top 2 per track, in blocks); a sample, scaled to all.
    by_id = {org["id"]: org for org in orgs}
    sample = [index.row_of(org["id"]) for org in orgs[: min(proposal_sample, n_orgs)]]
    started = time.perf_counter()
    with threadpool_limits(1, "blas"):
        for _ in best_partners(index, candidates, sample, lambda i: by_id[i]["collaboration_types"], 2):
            pass
    proposals_s = (time.perf_counter() - started) * n_orgs / len(sample)
    # Trip planning: 9 delegation organisations x 5 tracks x 30 hosts across the Atlantic.
    delegation = [org["id"] for org in orgs if org["region"] == "BFC"][:9]
    hosts = np.array(sorted(index.row_of(org["id"]) for org in orgs if org["region"] == "QC")[:30])
    started = time.perf_counter()
    for org_id in delegation:
        for org_track in TRACKS:
            index.suggest(org_id, org_track, len(hosts), rows=hosts)
    trip_s = time.perf_counter() - started
    return {
        "orgs": n_orgs, "passages": len(passages), "build_s": build_seconds,
        "engine": percentiles(engine), "full": percentiles(full), "bare": percentiles(bare),
        "ratio": np.median(engine) / np.median(bare), "overlap": overlap, "search": percentiles(search),
        "proposals_s": proposals_s, "trip_s": trip_s,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "load": load_average(),
        "stages": bench_candidates.compare(index, candidates, picked[:20], track),
    }  # fmt: skip


def main() -> None:
    """Print one block per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k only, fewer queries")
    args = parser.parse_args()
    sizes = SIZES[:2] if args.quick else SIZES
    queries = 20 if args.quick else QUERIES
    print("Suggestion latency (synthetic organisations already embedded, model not loaded), ms:")
    print("p50 / p95 (min-max); 'bare numpy' is a top-10 over the SAME passage matrix (best passage per org)")
    for size in sizes:
        r = bench_size(size, queries, proposal_sample=100 if args.quick else 1000)
        print(f"\n{r['orgs']} organisations, {r['passages']} passages; index build {r['build_s']:.1f} s, "
              f"peak RSS {r['peak_mb']:.0f} MB, load average {r['load']}")  # fmt: skip
        print(f"  suggest, candidates then scoring (served)  {r['engine']}")
        print(f"  suggest, full scoring of every candidate   {r['full']}")
        print(f"  bare numpy top-k, same passage matrix      {r['bare']}")
        print(f"  served / bare numpy (p50)                  {r['ratio']:.1f}x")
        print(f"  top-10 overlap, candidates vs full scoring {r['overlap']:.2f}")
        print(f"  search by meaning, query embedded          {r['search']}")
        print(f"  proposals, every org and track, top 2 of {PROPOSAL_CANDIDATES} candidates (scaled from "
              f"{min(r['orgs'], 100 if args.quick else 1000)} orgs)  {r['proposals_s']:.0f} s")  # fmt: skip
        print(f"  trip scoring, 9 organisations x 5 tracks x 30 hosts    {r['trip_s'] * 1000:.0f} ms")
        bench_candidates.print_table(r["orgs"], r["stages"], r["load"])
    print("\ntargets: p50 <= 20 ms at 10k organisations; proposals < 15 min and trip planning < 5 s at 100k")


if __name__ == "__main__":
    main()

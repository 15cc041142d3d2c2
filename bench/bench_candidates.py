"""First stages compared on one synthetic index: recall of the full top 10, query time, build, memory.

Each stage gives 300 candidates across the Atlantic for a query organisation; recall is the share
of the full scoring's top 10 (every organisation across the Atlantic scored) found among them.
Stages:

- ``proxy`` (kept, :mod:`models.candidates`): the full score's cheap parts computed exactly, the
  passage parts replaced by the cosine of mean vectors, per track;
- ``centroid``: exact nearest mean vectors, half the candidates by shared rare topics;
- ``passages max``: exact, each organisation's best passage against the query's passages, with the
  same topic half;
- ``usearch`` / ``hnswlib`` / ``faiss HNSW``: approximate nearest mean vectors (HNSW, one index per
  region), with the same topic half. They only speed up the vector half; a library that is not
  installed is skipped (``pip install usearch hnswlib faiss-cpu`` to run them; none is a dependency).

Memory is the resident memory the stage's own structures added when built (a rough figure).
"""

from __future__ import annotations

import importlib.util
import time

import numpy as np

from models.candidates import DEFAULT_CANDIDATES, TOPIC_SHARE, Candidates
from models.matching.index import MatchIndex

K = DEFAULT_CANDIDATES


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def _mix_topics(candidates: Candidates, row: int, by_vector: np.ndarray, others: np.ndarray) -> np.ndarray:
    """The vector half from ``by_vector`` (rows, best first), the other half by shared topics."""
    n_vector = K - int(K * TOPIC_SHARE)
    chosen = list(dict.fromkeys(int(r) for r in by_vector))[:n_vector]
    block = slice(others[0], others[-1] + 1)
    topic = candidates._topics[row] @ candidates._topics[block].T
    topic[np.asarray(chosen, dtype=np.int64) - block.start] = -np.inf
    by_topic = np.argpartition(-topic, K - len(chosen) - 1)[: K - len(chosen)] + block.start
    return np.sort(np.concatenate([np.asarray(chosen, dtype=np.int64), by_topic]))


class _Exact:
    name = "centroid (exact numpy)"

    def __init__(self, index: MatchIndex, candidates: Candidates):
        self.candidates = Candidates(index, centroids=candidates.centroids, stage="centroid")

    def __call__(self, row: int, track: str) -> np.ndarray:
        return self.candidates.for_rows([row], K)[0]


class _Proxy:
    name = "proxy (exact numpy, kept)"

    def __init__(self, index: MatchIndex, candidates: Candidates):
        self.candidates = candidates

    def __call__(self, row: int, track: str) -> np.ndarray:
        return self.candidates.for_rows([row], K, track)[0]


class _PassageMax:
    name = "passages max (exact numpy)"

    def __init__(self, index: MatchIndex, candidates: Candidates):
        self.index, self.candidates = index, candidates

    def __call__(self, row: int, track: str) -> np.ndarray:
        index = self.index
        others = self.candidates.other_side(row)
        block = slice(index.org_start[others[0]], index.org_start[others[-1] + 1])
        own = index.vectors[index.org_start[row] : index.org_start[row + 1]]
        best = (own @ index.vectors[block].T).max(axis=0)
        per_org = np.maximum.reduceat(best, index.org_start[others] - block.start)
        n_vector = K - int(K * TOPIC_SHARE)
        top = np.argpartition(-per_org, n_vector)[:n_vector]
        return _mix_topics(self.candidates, row, others[top], others)


class _Approximate:
    """One HNSW index per region over the mean vectors, searched for the vector half."""

    def __init__(self, index: MatchIndex, candidates: Candidates):
        self.candidates = candidates
        self.regions = {}
        for region in np.unique(index.regions):
            rows = np.flatnonzero(index.regions == region)
            self.regions[region] = (rows, self.build(np.ascontiguousarray(candidates.centroids[rows])))
        self.index = index

    def __call__(self, row: int, track: str) -> np.ndarray:
        others = self.candidates.other_side(row)
        rows, built = self.regions[self.index.regions[others[0]]]
        n_vector = K - int(K * TOPIC_SHARE)
        found = self.search(built, self.candidates.centroids[row], n_vector)
        return _mix_topics(self.candidates, row, rows[found], others)


class _Usearch(_Approximate):
    name = "usearch HNSW (f32, ip)"
    module = "usearch"

    def build(self, vectors):
        from usearch.index import Index

        built = Index(ndim=vectors.shape[1], metric="ip", dtype="f32", connectivity=16, expansion_add=128)
        built.add(np.arange(len(vectors)), vectors, threads=1)
        built.expansion_search = 2 * K
        return built

    def search(self, built, vector, k):
        return built.search(vector, k, threads=1).keys.astype(np.int64)


class _Hnswlib(_Approximate):
    name = "hnswlib HNSW (ip)"
    module = "hnswlib"

    def build(self, vectors):
        import hnswlib

        built = hnswlib.Index(space="ip", dim=vectors.shape[1])
        built.init_index(max_elements=len(vectors), ef_construction=128, M=16)
        built.set_num_threads(1)
        built.add_items(vectors, np.arange(len(vectors)))
        built.set_ef(2 * K)
        return built

    def search(self, built, vector, k):
        labels, _ = built.knn_query(vector[None, :], k=k)
        return labels[0].astype(np.int64)


class _Faiss(_Approximate):
    name = "faiss HNSW (ip)"
    module = "faiss"

    def build(self, vectors):
        import faiss

        faiss.omp_set_num_threads(1)
        built = faiss.IndexHNSWFlat(vectors.shape[1], 16, faiss.METRIC_INNER_PRODUCT)
        built.hnsw.efConstruction = 128
        built.add(vectors)
        built.hnsw.efSearch = 2 * K
        return built

    def search(self, built, vector, k):
        _, labels = built.search(vector[None, :], k)
        return labels[0].astype(np.int64)


STAGES = (_Proxy, _Exact, _PassageMax, _Usearch, _Hnswlib, _Faiss)


def compare(
    index: MatchIndex, candidates: Candidates, queries: list[int], tracks: dict[int, str]
) -> list[dict]:
    """One row per stage: name, recall of the full top 10, p50/p95 ms, build s, memory MB."""
    full = {}
    for org_id in queries:
        rows, parts, _ = index.features(org_id, tracks[org_id])
        raw = parts @ index.weights.vector()
        full[org_id] = set(rows[np.argsort(-raw, kind="stable")[:10]].tolist())
    table = []
    for stage in STAGES:
        module = getattr(stage, "module", None)
        if module and importlib.util.find_spec(module) is None:
            table.append({"name": stage.name, "skipped": f"{module} not installed"})
            continue
        before, started = _rss_mb(), time.perf_counter()
        run = stage(index, candidates)
        build_s, memory = time.perf_counter() - started, _rss_mb() - before
        run(index.row_of(queries[0]), tracks[queries[0]])  # warm-up
        times, recall = [], []
        for org_id in queries:
            began = time.perf_counter()
            found = run(index.row_of(org_id), tracks[org_id])
            times.append(time.perf_counter() - began)
            recall.append(len(full[org_id] & set(found.tolist())) / len(full[org_id]))
        ms = np.asarray(times) * 1000
        table.append({"name": stage.name, "recall": float(np.mean(recall)), "p50": np.percentile(ms, 50),
                      "p95": np.percentile(ms, 95), "build_s": build_s, "memory_mb": memory})  # fmt: skip
    return table


def print_table(n_orgs: int, table: list[dict], load: str) -> None:
    """The comparison as aligned text."""
    print(f"\nFirst stages at {n_orgs} organisations, {K} candidates, load average {load}:")
    print(f"  {'stage':<28} {'recall@10':>9} {'p50 ms':>8} {'p95 ms':>8} {'build s':>8} {'+RSS MB':>8}")
    for row in table:
        if "skipped" in row:
            print(f"  {row['name']:<28} skipped: {row['skipped']}")
            continue
        print(f"  {row['name']:<28} {row['recall']:>9.2f} {row['p50']:>8.1f} {row['p95']:>8.1f} "
              f"{row['build_s']:>8.1f} {row['memory_mb']:>8.0f}")  # fmt: skip

"""The first stage of a suggestion: a few hundred candidates before the full scoring.

Each organisation is summed up by one unit vector, the mean of its passage vectors. The candidates
of an organisation are the organisations across the Atlantic whose vectors are closest to its own
(exact nearest neighbours: one matrix product; measured by ``bench/bench_matching.py``, at 100,000
organisations it costs a few milliseconds, so an approximate index would buy little and cost
recall), united with those that share its rarest topics, so that a French and an English profile
about the same thing meet even where the model puts them apart. :meth:`MatchIndex.suggest` then
scores only those, so proposals and trip planning cost n·k, not n².
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.matching.index import MatchIndex

DEFAULT_CANDIDATES = 300
# The share of candidates chosen by shared topics rather than by vector: on 600 synthetic
# organisations 0.25 kept 0.90 of the full scoring's top 10, 0.5 kept 0.93.
TOPIC_SHARE = 0.5


class Candidates:
    """Nearest organisations across the Atlantic, from one mean vector per organisation."""

    def __init__(self, index: MatchIndex, centroids: np.ndarray | None = None):
        """Compute the mean vectors of ``index`` (as built), or take ``centroids`` saved with it."""
        self.index = index
        self.centroids = _centroids(index) if centroids is None else centroids
        self._topics = index.topics * index.topic_idf  # (n_orgs, n_topics)
        self._recent: dict[tuple[int, int], np.ndarray] = {}  # the five tracks of one org ask in a row

    def update(self, rows: np.ndarray) -> None:
        """Refresh the vectors of these org rows after :meth:`MatchIndex.replace_orgs`."""
        index = self.index
        for row in np.asarray(rows, dtype=np.int64):
            span = index.vectors[index._begin[row] : index._end[row]]
            total = span.sum(axis=0) if len(span) else np.zeros(self.centroids.shape[1], np.float32)
            self.centroids[row] = total / max(float(np.linalg.norm(total)), 1e-12)
        self._topics = index.topics * index.topic_idf
        self._recent.clear()

    def other_side(self, row: int) -> np.ndarray:
        """Org rows across the Atlantic from ``row``, ascending (one contiguous block)."""
        return np.flatnonzero(self.index.regions != self.index.regions[row])

    def for_rows(self, rows: Sequence[int], k: int = DEFAULT_CANDIDATES) -> list[np.ndarray]:
        """For each org row, at most ``k`` ascending candidate rows across the Atlantic.

        Rows of one region are scored together, one matrix product per block of queries.
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        found: list[np.ndarray | None] = [None] * len(rows)
        rows = np.asarray(rows, dtype=np.int64)
        for region in np.unique(self.index.regions[rows]) if rows.size else ():
            positions = np.flatnonzero(self.index.regions[rows] == region)
            others = np.flatnonzero((self.index.regions != region) & ~self.index._deleted)
            for start in range(0, positions.size, 256):  # 256 queries x n others: bounded memory
                chunk = positions[start : start + 256]
                for position, picked in zip(chunk, self._pick(rows[chunk], others, k), strict=True):
                    found[position] = picked
        return [np.zeros(0, np.int64) if f is None else f for f in found]

    def for_row(self, row: int, k: int = DEFAULT_CANDIDATES) -> np.ndarray:
        """At most ``k`` ascending candidate rows across the Atlantic for one org row."""
        key = (int(row), k)
        if key not in self._recent:
            if len(self._recent) >= 16:
                self._recent.pop(next(iter(self._recent)))
            self._recent[key] = self.for_rows([row], k)[0]
        return self._recent[key]

    def _pick(self, queries: np.ndarray, others: np.ndarray, k: int) -> list[np.ndarray]:
        if others.size <= k:
            return [others] * len(queries)
        by_topic = min(int(k * TOPIC_SHARE), others.size)
        by_vector = k - by_topic
        # The other side is one block as built, plus the rows of organisations added since: a view
        # per run of consecutive rows, no copy of the block.
        runs = np.split(others, np.flatnonzero(np.diff(others) != 1) + 1)
        blocks = [slice(run[0], run[-1] + 1) for run in runs]
        vector_sims = np.hstack([self.centroids[queries] @ self.centroids[b].T for b in blocks])
        topic_sims = np.hstack([self._topics[queries] @ self._topics[b].T for b in blocks])
        picked = []
        for v, t in zip(vector_sims, topic_sims, strict=True):
            chosen = np.argpartition(-v, by_vector - 1)[:by_vector]
            t[chosen] = -np.inf  # already in: take the next ones by topic
            if by_topic:
                chosen = np.concatenate([chosen, np.argpartition(-t, by_topic - 1)[:by_topic]])
            picked.append(others[np.sort(chosen)])
        return picked


def _centroids(index: MatchIndex) -> np.ndarray:
    """One unit vector per organisation, the mean of its passages; shape (n_orgs, dim)."""
    dim = index.vectors.shape[1] if index.vectors.ndim == 2 else 0
    centroids = np.zeros((len(index.orgs), dim), dtype=np.float32)
    starts, stops = index.org_start[:-1], index.org_start[1:]
    has = stops > starts
    if has.any():
        sums = np.add.reduceat(index.vectors, starts[has], axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        centroids[has] = sums / np.maximum(norms, 1e-12)
    return centroids

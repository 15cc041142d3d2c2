"""The first stage of a suggestion: a few hundred candidates before the full scoring.

The full score (:meth:`MatchIndex.score`) is a weighted sum of parts. All but the passage parts are
cheap to compute for every organisation at once: shared topics, TF-IDF cosine, whether the track is
declared, how well the kinds of organisation suit it, and the needs one side meets for the other.
The ``proxy`` stage (the default) computes those exactly, one matrix product per part over a block
of queries, and stands in for the four passage parts (best passage pairs, expertise) with the cosine
of each organisation's mean passage vector; the candidates are the ``k`` best by that proxy score,
per track. The older ``centroid`` stage keeps the nearest mean vectors and those sharing the rarest
topics. ``bench/bench_matching.py`` measures both and three nearest-neighbour libraries against the
full scoring (``python -m bench.bench_matching``): at 100,000 synthetic organisations the
proxy keeps 1.00 of the full top 10 in 300 candidates, where the mean vectors alone keep 0.78, and
an approximate index can only speed up the vector part, which is not what costs recall.
:meth:`MatchIndex.suggest` then scores only those, so proposals and trip planning cost n·k, not n².
Since the proxy is exact but for its stand-in, :meth:`Candidates.scored_rows_tracks` also gives
those known parts of each candidate: batched proposals (``models/matching/batch.py``) then add the
passage parts only, and never recompute the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from models.matching.index import MatchIndex, _track_declared, read_only
from models.matching.weights import FEATURES, SUITABILITY, kind_fit_codes
from models.needs import track_weights
from models.profiles import TRACKS

DEFAULT_CANDIDATES = 300
STAGES = ("proxy", "centroid")
DEFAULT_STAGE = "proxy"
# The share of candidates chosen by shared topics rather than by vector (``centroid`` stage): on 600
# synthetic organisations 0.25 kept 0.90 of the full scoring's top 10, 0.5 kept 0.93.
TOPIC_SHARE = 0.5
# Queries x candidates scored at once: about 32 MB per float32 matrix, a few of them alive at a time.
BLOCK_CELLS = 8_000_000
TILE = 4096  # columns of the block transposed at a time: 4096 x 160 float32 fit in a core's cache
# Mean-vector candidates taken beyond ``k`` before the exact re-ranking of the ``centroid`` stage.
EXACT_MARGIN = 16
PASSAGE_PARTS = ("offer_fit", "seek_fit", "reciprocity", "expertise")


class Candidates:
    """Organisations across the Atlantic worth the full scoring, for each query organisation."""

    def __init__(self, index: MatchIndex, centroids: np.ndarray | None = None, stage: str = DEFAULT_STAGE):
        """Compute the mean vectors of ``index`` (as built), or take ``centroids`` saved with it."""
        self.index = index
        self._stage = DEFAULT_STAGE
        self.stage = stage
        self.centroids = _centroids(index) if centroids is None else centroids
        self._recent: dict[tuple, np.ndarray] = {}  # the pages of one org ask in a row
        self._refresh()

    @property
    def stage(self) -> str:
        """``proxy`` or ``centroid`` (see the module's docstring)."""
        return self._stage

    @stage.setter
    def stage(self, stage: str) -> None:
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}, got {stage!r}")
        self._stage = stage

    def _refresh(self) -> None:
        index = self.index
        self._topics = index.weighted_topics  # (n_orgs, n_topics), the index's own (not a copy)
        self._mass = index.topic_mass
        # The index's flags (closed or deleted): reading every organisation's record took 4.6 s at 100k.
        self._closed = index.closed.copy()
        self._recent.clear()

    @property
    def closed(self) -> np.ndarray:
        """(n_orgs,) bool: rows never candidates nor given any (the index's, at the last refresh)."""
        return read_only(self._closed)

    def update(self, rows: np.ndarray) -> None:
        """Refresh the vectors of these org rows after :meth:`MatchIndex.replace_orgs`."""
        index = self.index
        if not self.centroids.flags.writeable:
            self.centroids = np.array(self.centroids)
        for row in np.asarray(rows, dtype=np.int64):
            span = index.vectors[index.passage_begin[row] : index.passage_end[row]]
            total = span.sum(axis=0) if len(span) else np.zeros(self.centroids.shape[1], np.float32)
            self.centroids[row] = total / max(float(np.linalg.norm(total)), 1e-12)
        self._refresh()

    def other_side(self, row: int) -> np.ndarray:
        """Org rows across the Atlantic from ``row``, ascending (one contiguous block)."""
        return np.flatnonzero(self.index.regions != self.index.regions[row])

    def for_rows(
        self, rows: Sequence[int], k: int = DEFAULT_CANDIDATES, track: str | None = None
    ) -> list[np.ndarray]:
        """For each org row, at most ``k`` ascending candidate rows across the Atlantic.

        ``track`` adds the parts that depend on the kind of collaboration to the ``proxy`` stage
        (None: the track-free parts only). Rows of one region are scored together, one matrix
        product per block of queries.
        """
        return [found[track] for found in self.for_rows_tracks(rows, k, [track])]

    def for_rows_tracks(
        self, rows: Sequence[int], k: int, tracks: Sequence[str | None], *, declared_only: bool = False
    ) -> list[dict[str | None, np.ndarray]]:
        """For each org row and each of ``tracks``, at most ``k`` ascending candidate rows.

        With ``declared_only``, a row gets candidates only for the tracks its organisation declares.
        """
        scored = self.scored_rows_tracks(rows, k, tracks, declared_only=declared_only)
        return [{track: picked for track, (picked, _) in found.items()} for found in scored]

    def scored_rows_tracks(
        self,
        rows: Sequence[int],
        k: int,
        tracks: Sequence[str | None],
        *,
        declared_only: bool = False,
        block_cells: int = BLOCK_CELLS,
    ) -> list[dict[str | None, tuple[np.ndarray, np.ndarray]]]:
        """As :meth:`for_rows_tracks`, with what the proxy knows exactly of each candidate's score.

        Each entry is (candidate rows, known parts), two arrays of shape (at most ``k``,), rows
        ascending; the known parts are the weighted sum of every score part but the passage parts
        (:meth:`known_parts`), -inf for a closed candidate (only there when fewer than ``k`` are open).
        ``block_cells`` bounds the queries x candidates of each matrix (a few are alive at a time):
        smaller blocks take less memory and give the same candidates.
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        unknown = [track for track in tracks if track is not None and track not in TRACKS]
        if unknown:
            raise ValueError(f"track must be one of {', '.join(TRACKS)}, got {unknown[0]!r}")
        rows = np.asarray(rows, dtype=np.int64)
        found: list[dict] = [{} for _ in range(len(rows))]
        regions = self.index.regions
        for region in np.unique(regions[rows]) if rows.size else ():
            positions = np.flatnonzero(regions[rows] == region)
            others = np.flatnonzero((regions != region) & ~self.index.deleted)
            step = max(1, block_cells // max(others.size, 1))
            for start in range(0, positions.size, step):
                chunk = positions[start : start + step]
                for track, (which, picked, scores) in self._pick(
                    rows[chunk], others, k, tracks, declared_only
                ).items():
                    for position, rows_found, scores_found in zip(chunk[which], picked, scores, strict=True):
                        found[position][track] = (rows_found, scores_found)
        return found

    def for_row(self, row: int, k: int = DEFAULT_CANDIDATES, track: str | None = None) -> np.ndarray:
        """At most ``k`` ascending candidate rows across the Atlantic for one org row."""
        key = (int(row), k, track, self.stage)
        if key not in self._recent:
            if len(self._recent) >= 16:
                self._recent.pop(next(iter(self._recent)))
            self._recent[key] = self.for_rows([row], k, track)[0]
        return self._recent[key]

    def _pick(
        self,
        queries: np.ndarray,
        others: np.ndarray,
        k: int,
        tracks: Sequence[str | None],
        declared_only: bool,
    ) -> dict[str | None, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """For each track: which of the queries got candidates, theirs (ascending, (n, k)), and their
        known parts ((n, k))."""

        def asking(track: str | None) -> np.ndarray:
            if not declared_only or track is None:
                return np.arange(len(queries))
            return np.flatnonzero(self.index.declared[queries, TRACKS.index(track)])

        if others.size == 0:
            return {track: (asking(track), np.zeros((len(asking(track)), 0), np.int64),
                            np.zeros((len(asking(track)), 0), np.float32)) for track in tracks}  # fmt: skip
        # The other side is one block as built (a view, no copy), unless organisations were added
        # or deleted since: then its rows are gathered.
        contiguous = others[-1] - others[0] + 1 == others.size
        block = slice(others[0], others[-1] + 1) if contiguous else others
        if self.stage == "centroid" and others.size > k:
            picked = np.array(self._pick_centroid(queries, block, k)).reshape(len(queries), k)
            found = {}
            for track in tracks:
                which = asking(track)
                rows = picked[which]
                known = self.known_parts(np.repeat(queries[which], k), rows.ravel(), track)
                found[track] = (which, rows, known.reshape(rows.shape))
            return found
        stand_in, base = self._proxy_base(queries, block)  # the parts every track shares, once
        found, weight = {}, self._weights()
        for track in tracks:
            which = asking(track)
            if track is None:
                scores = base
            else:
                scores = base[which] + self._track_parts(queries[which], block, track, weight)
            if others.size <= k:  # every one of them is a candidate
                top = np.broadcast_to(np.arange(others.size), scores.shape)
            else:
                top = np.sort(top_k(scores, k), axis=1) if len(which) else np.zeros((0, k), np.int64)
            # Known parts: the proxy without its stand-in for the passage parts.
            known = np.take_along_axis(scores, top, axis=1) - stand_in[which[:, None], top]
            found[track] = (which, others[top], known)
        return found

    def _weights(self) -> dict[str, float]:
        return dict(zip(FEATURES, index_weights(self.index).tolist(), strict=True))

    def proxy_scores(self, queries: np.ndarray, block: slice | np.ndarray, track: str | None) -> np.ndarray:
        """The proxy of the full raw score of each query against each org of ``block``.

        Returns
        -------
        scores : ndarray of shape (n_queries, n_block); closed organisations get -inf
        """
        scores = self._proxy_base(queries, block)[1]
        if track is not None:
            scores += self._track_parts(queries, block, track, self._weights())
        return scores

    def _proxy_base(self, queries: np.ndarray, block: slice | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The stand-in for the passage parts, and the proxy score but the track parts; both of shape
        (n_queries, n_block), the second -inf for closed organisations."""
        index, weight = self.index, self._weights()
        semantic = sum(weight[name] for name in PASSAGE_PARTS)
        stand_in = _centroid_products(self.centroids, queries, block)
        stand_in *= semantic
        # Topic cosine with each side divided by its norm first: no (n_queries, n_block) division.
        own = index.topics[queries] * (weight["topics"] * _inverse_sqrt(self._mass[queries]))[:, None]
        shared = own @ (self._topics[block] * _inverse_sqrt(self._mass[block])[:, None]).T
        if index.lexical is not None:
            # The block's sparse rows times the queries' dense ones: at 100,000 organisations twice
            # as fast as a sparse product (whose result is dense anyway) for 160 queries.
            lexical = index.lexical[block] @ (weight["lexical"] * index.lexical[queries].T.toarray())
            for start in range(0, lexical.shape[0], TILE):  # transposed in tiles that stay in cache
                shared[:, start : start + TILE] += lexical[start : start + TILE].T
        shared += stand_in
        shared[:, self._closed[block]] = -np.inf
        return stand_in, shared

    def known_parts(self, queries: np.ndarray, partners: np.ndarray, track: str | None) -> np.ndarray:
        """The weighted sum of every score part but the passage parts, for each (query, partner) pair:
        what the proxy computes exactly (:meth:`proxy_scores` adds a stand-in for the rest).

        Parameters
        ----------
        queries, partners : ndarrays of shape (n_pairs,), org rows

        Returns
        -------
        known : ndarray of shape (n_pairs,); a closed partner gets -inf
        """
        index, weight = self.index, self._weights()
        shared = np.einsum("ij,ij->i", index.topics[queries], self._topics[partners])
        known = weight["topics"] * shared / (np.sqrt(self._mass[queries] * self._mass[partners]) + 1e-6)
        if index.lexical is not None:
            mine, theirs = (_csr(index.lexical[rows]) for rows in (queries, partners))
            lexical = mine.multiply(theirs).sum(axis=1)
            known += weight["lexical"] * np.asarray(lexical, dtype=np.float32).ravel()
        if track is not None:
            own, theirs = _track_features(index, track, weight)
            known += np.einsum("ij,ij->i", own(queries), theirs(partners))
        known[self._closed[partners]] = -np.inf
        return known.astype(np.float32)

    def _track_parts(self, queries: np.ndarray, block, track: str, weight: dict) -> np.ndarray:
        """Weighted track-dependent parts (declared, kind fit, needs met both ways, how much the
        partner's texts speak of the track), (n_queries, n_block).

        One matrix product: each side is turned into features whose dot product is those parts (a
        one-hot of its class, declared or not and kind, against that class's row of the pair table;
        the weighted share of its needs against what the other provides, both ways; a one against the
        partner's weighted track text).
        """
        own, theirs = _track_features(self.index, track, weight)
        return own(queries) @ theirs(block).T

    def _pick_centroid(self, queries: np.ndarray, block, k: int) -> list[np.ndarray]:
        """The ``k`` candidates of each query: the nearest mean vectors, then the most shared topics.

        A product of many queries and one of a single query differ in the last bits, so each choice
        is made on values that do not depend on how many queries are asked at once (the topics in
        float64, the vectors re-ranked exactly among a few more than needed), ties going to the
        lower row: a proposal block and a member's page get the same candidates.
        """
        centroids = self.centroids[block]
        vector_sims = self.centroids[queries] @ centroids.T
        topics = self._topics[block].astype(np.float64)
        topic_sims = (self._topics[queries].astype(np.float64) @ topics.T).astype(np.float32)
        size = vector_sims.shape[1]
        by_topic = min(int(k * TOPIC_SHARE), size)
        by_vector = k - by_topic
        others = np.arange(size) if isinstance(block, slice) else None
        picked = []
        for query, v, t in zip(queries, vector_sims, topic_sims, strict=True):
            nearest = np.sort(_top_columns(v, by_vector + EXACT_MARGIN))
            exact = centroids[nearest].astype(np.float64) @ self.centroids[query].astype(np.float64)
            chosen = nearest[np.lexsort((nearest, -exact))[:by_vector]]
            t[chosen] = -np.inf  # already in: take the next ones by topic
            if by_topic:
                chosen = np.concatenate([chosen, _top_columns(t, by_topic)])
            chosen = np.sort(chosen)
            picked.append(chosen + block.start if others is not None else block[chosen])
        return picked


def _top_columns(values: np.ndarray, n: int) -> np.ndarray:
    """The columns of the ``n`` largest of ``values`` (one row), ties going to the lower column."""
    if n >= values.size:
        return np.arange(values.size)
    threshold = np.partition(values, values.size - n)[values.size - n]
    above = np.flatnonzero(values > threshold)
    return np.concatenate([above, np.flatnonzero(values == threshold)[: n - above.size]])


def _centroid_products(centroids, queries: np.ndarray, block) -> np.ndarray:
    """Cosines of the queries' mean vectors with the block's, (n_queries, n_block).

    A snapshot's mean vectors (``EditableRows``) give a side's block's products in place, the rows
    edited since included, without copying the block (77 MB at 100,000 organisations).
    """
    if isinstance(block, slice) and hasattr(centroids, "products"):
        return np.ascontiguousarray(centroids.products(centroids[queries], block.start, block.stop).T)
    return centroids[queries] @ centroids[block].T


def _track_features(index: MatchIndex, track: str, weight: dict):
    """Two functions of org rows giving (n, n_features) matrices whose products are the track parts."""
    code, needs = TRACKS.index(track), track_weights(track)
    n_types = SUITABILITY.shape[1]
    types = np.arange(n_types)
    pair = np.zeros((2 * n_types, 2 * n_types), np.float32)  # class = declared * n_types + kind
    for own_class in range(2 * n_types):
        declared, kind = divmod(own_class, n_types)
        partner_declared = np.repeat([0.0, 1.0], n_types)
        pair[own_class] = weight["track_declared"] * _track_declared(bool(declared), partner_declared)
        pair[own_class] += weight["kind_fit"] * np.tile(kind_fit_codes(code, kind, types), 2)

    def classes(rows) -> np.ndarray:
        return index.declared[rows, code].astype(np.int64) * n_types + index.type_codes[rows]

    def shares(rows) -> np.ndarray:
        wanted = index.sought[rows] * needs
        total = wanted.sum(axis=1, keepdims=True)
        return np.divide(wanted, total, out=np.zeros_like(wanted), where=total > 0)

    def own(rows) -> np.ndarray:
        onehot = np.eye(2 * n_types, dtype=np.float32)[classes(rows)]
        ones = np.ones((onehot.shape[0], 1), np.float32)  # times the partner's own track_text
        return np.hstack([onehot, weight["wanted"] * shares(rows), index.provided[rows], ones]).astype(
            np.float32
        )

    def theirs(rows) -> np.ndarray:
        table = pair[:, classes(rows)].T
        track_text = weight["track_text"] * index.affinity[rows, code][:, None]
        return np.hstack(
            [table, index.provided[rows], weight["wanted_back"] * shares(rows), track_text]
        ).astype(np.float32)

    return own, theirs


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """The columns of the ``k`` largest values of each row, in no order; shape (n_rows, k).

    A full ``argpartition`` of every row costs about 50 times a comparison; this finds a threshold
    on a sample of each row, keeps what passes it (a few times ``k``), and partitions only those.
    Rows whose threshold lets too few through fall back to the full partition.
    """
    n_rows, n_cols = scores.shape
    if n_cols <= 8 * k:
        return np.argpartition(-scores, k - 1, axis=1)[:, :k]
    step = max(1, n_cols // (8 * k))
    sample = scores[:, ::step]
    rank = min(sample.shape[1] - 1, int(np.ceil(2 * k / step)) + 4)
    threshold = np.partition(sample, sample.shape[1] - rank, axis=1)[:, sample.shape[1] - rank]
    # One flat scan: a 2-D nonzero costs six times more.
    rows, cols = np.divmod(np.flatnonzero(scores >= threshold[:, None]), n_cols)
    counts = np.bincount(rows, minlength=n_rows)
    result = np.empty((n_rows, k), np.int64)
    short = (counts < k) | ~np.isfinite(threshold)
    if short.any():
        result[short] = np.argpartition(-scores[short], k - 1, axis=1)[:, :k]
        rows, cols = rows[~short[rows]], cols[~short[rows]]
        counts[short] = 0
    good = np.flatnonzero(~short)
    if good.size:
        position = np.arange(rows.size) - (np.cumsum(counts) - counts)[rows]
        values = np.full((n_rows, int(counts.max())), -np.inf, np.float32)
        columns = np.zeros(values.shape, np.int64)
        values[rows, position] = scores[rows, cols]
        columns[rows, position] = cols
        best = np.argpartition(-values[good], k - 1, axis=1)[:, :k]
        result[good] = np.take_along_axis(columns[good], best, axis=1)
    return result


def _csr(rows) -> sparse.csr_matrix:
    """Lexical rows as a CSR matrix (a snapshot's patched rows are a block object)."""
    return rows if sparse.issparse(rows) else rows.tocsr()


def _inverse_sqrt(mass: np.ndarray) -> np.ndarray:
    """1 / sqrt(mass), 0 where the mass is 0 (no topic: no topic part)."""
    return np.divide(1.0, np.sqrt(mass), out=np.zeros_like(mass), where=mass > 0).astype(np.float32)


def index_weights(index: MatchIndex) -> np.ndarray:
    """The learnt weight of each score part, in :data:`FEATURES` order, shape (n_features,)."""
    return np.asarray(index.weights.vector(), dtype=np.float32)


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

"""The best partners of many organisations at once: what proposals need, at a cost of n·k.

:class:`~models.candidates.Candidates` picks each organisation's candidates for every track in
one matrix product per block of queries. Its proxy score is the exact weighted sum of every cheap
score part (topics, TF-IDF, the track parts) plus a stand-in for the four passage parts, so it also
gives those known parts of each candidate. The full raw score is the known parts plus the real
passage parts, which do not depend on the track: they are computed once per (organisation,
candidate) pair, for the pairs of a whole block at once (one read of their passages, one product
per organisation, the segment maxima of the whole block in one call). The result for one
(organisation, track) is the one :meth:`MatchIndex.suggest` gives on the same candidates (to float
rounding), as ``tests/test_batch.py`` checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from models.candidates import PASSAGE_PARTS, Candidates, index_weights
from models.matching.index import EXPERTISE, OFFERS, SEEKS, MatchIndex, _spans
from models.matching.weights import FEATURES
from models.profiles import TRACKS

QUERY_BLOCK = 256  # organisations whose candidates are picked together
PROPOSAL_CANDIDATES = 100  # a proposal keeps a handful per track: the proxy's top 100 hold them
# The working memory of a proposal block (``PROPOSAL_BLOCK_MB``): its candidate matrices and the
# passages of its pairs. The figures per cell and per pair are what a block took at 100,000
# organisations (``scripts/worker_memory.py --proposals``).
DEFAULT_BLOCK_MB = 128
BYTES_PER_CELL = 16  # a few float32 (queries x candidates) matrices alive at once
BYTES_PER_PAIR = 4096  # the float32 passages read for a pair, and its similarities
# (organisation, candidate) pairs whose passages are read together by default: 32,768, about 100
# organisations' candidates (:func:`block_sizes` of the default memory)
PAIRS_AT_ONCE = DEFAULT_BLOCK_MB * 2**20 // BYTES_PER_PAIR
_PASSAGE_COLUMNS = [FEATURES.index(name) for name in PASSAGE_PARTS]


@dataclass(frozen=True)
class Best:
    """The best partners of one organisation for one track: (org id, score), best first."""

    org_id: int
    track: str
    partners: tuple[tuple[int, float], ...]


def best_partners(
    index: MatchIndex,
    candidates: Candidates,
    rows: Sequence[int],
    tracks_of: Callable[[int], Sequence[str]],
    per_org: int,
    k: int = PROPOSAL_CANDIDATES,
    *,
    declared: bool = True,
    memory_mb: float = DEFAULT_BLOCK_MB,
) -> Iterator[list[Best]]:
    """For the org ``rows``, block by block, the ``per_org`` best partners of each of their tracks.

    ``tracks_of(org_id)`` names the tracks to rank for one organisation; ``declared`` says they are
    the tracks it declares (its ``collaboration_types``), so candidates are picked for those only.
    Yields one list per block of :data:`QUERY_BLOCK` rows, so that a caller can store and report
    progress as it goes. ``memory_mb`` bounds a block's working memory (:func:`block_sizes`): a
    smaller one takes longer and gives the same partners.
    """
    if per_org < 1:
        raise ValueError(f"per_org must be at least 1, got {per_org}")
    cells, pairs = block_sizes(memory_mb)
    rows = np.asarray(rows, dtype=np.int64)
    ids = org_ids(index)
    for start in range(0, rows.size, QUERY_BLOCK):
        chunk = rows[start : start + QUERY_BLOCK]
        tracks = [[t for t in tracks_of(int(ids[row])) if t in TRACKS] for row in chunk]
        wanted = sorted({track for asked in tracks for track in asked})
        found = candidates.scored_rows_tracks(
            chunk, max(k, per_org), wanted, declared_only=declared, block_cells=cells
        )
        for row, asked, per_track in zip(chunk, tracks, found, strict=True):
            missing = [t for t in asked if t not in per_track]
            if missing:  # a track asked for that the organisation does not declare
                found_too = candidates.scored_rows_tracks([row], max(k, per_org), missing, block_cells=cells)
                per_track.update(found_too[0])
        with threadpool_limits(1, "blas"):  # small products: one thread is faster than two that wait
            ranked = _rank(index, candidates, ids, chunk, tracks, found, per_org, pairs)
        yield ranked


def block_sizes(memory_mb: float) -> tuple[int, int]:
    """The candidate matrices' cells and the pairs read at once that each fit in about ``memory_mb``
    (the two phases of a block come one after the other; 128 MB: 8.4 million cells and 32,768
    pairs, about the sizes proposals had before they were configurable)."""
    if not memory_mb > 0:
        raise ValueError(f"the memory of a proposal block must be more than 0 MB, got {memory_mb}")
    budget = memory_mb * 2**20
    return max(1, int(budget / BYTES_PER_CELL)), max(1, int(budget / BYTES_PER_PAIR))


def _rank(
    index: MatchIndex,
    candidates: Candidates,
    ids: np.ndarray,
    chunk: np.ndarray,
    tracks: list[list[str]],
    found: list[dict],
    per_org: int,
    pairs_at_once: int = PAIRS_AT_ONCE,
) -> list[Best]:
    """The Best of every (row, track) of a block, in that order, from the proxy's candidates and
    their known parts."""
    groups = [(position, track) for position, asked in enumerate(tracks) for track in asked]
    closed = candidates.closed
    lists = [
        found[position][track] if not closed[chunk[position]] else (_NONE, _NONE_SCORES)
        for position, track in groups
    ]
    sizes = np.array([len(partners) for partners, _ in lists], dtype=np.int64)
    group = np.repeat(np.arange(len(groups)), sizes)
    partner = np.concatenate([partners for partners, _ in lists] + [_NONE]).astype(np.int64)
    raw = np.concatenate([scores for _, scores in lists] + [_NONE_SCORES]).astype(np.float32)
    position = np.array([p for p, _ in groups], dtype=np.int64)[group]
    if partner.size:
        # Each (organisation, partner) pair once, whatever the number of tracks it is a candidate in.
        n = len(index.orgs)
        pairs, which = np.unique(position * n + partner, return_inverse=True)
        queries, partners = chunk[pairs // n], pairs % n
        passage = passage_parts(index, queries, partners, pairs_at_once)
        passage = passage @ index_weights(index)[_PASSAGE_COLUMNS]
        raw += passage[which]
    order = np.lexsort((partner, -raw, group))  # per group: best first, ties by row as suggest does
    first = np.searchsorted(group[order], group[order])
    kept = order[(np.arange(order.size) - first < per_org) & np.isfinite(raw[order])]
    scores = np.round(index.score_raw(raw[kept]), 4).tolist()
    chosen = ids[partner[kept]].tolist()
    ends = np.cumsum(np.bincount(group[kept], minlength=len(groups))).tolist()
    ranked, begin = [], 0
    for (position, track), end in zip(groups, ends, strict=True):
        partners = tuple(zip(chosen[begin:end], scores[begin:end], strict=True))
        ranked.append(Best(int(ids[chunk[position]]), track, partners))
        begin = end
    return ranked


_NONE = np.zeros(0, dtype=np.int64)
_NONE_SCORES = np.zeros(0, dtype=np.float32)


def passage_parts(
    index: MatchIndex, queries: np.ndarray, partners: np.ndarray, pairs_at_once: int = PAIRS_AT_ONCE
) -> np.ndarray:
    """The passage parts of each (query, partner) pair, as :meth:`MatchIndex.features` computes them.

    Parameters
    ----------
    queries, partners : ndarrays of shape (n_pairs,), org rows; the pairs of one query contiguous
    pairs_at_once : the pairs whose passages are read together (whole queries' runs, at least one)

    Returns
    -------
    parts : ndarray of shape (n_pairs, 4): offer fit, seek fit, reciprocity, expertise
    """
    parts = np.zeros((len(queries), len(PASSAGE_PARTS)), dtype=np.float32)
    runs = np.flatnonzero(np.r_[True, queries[1:] != queries[:-1]]) if len(queries) else _NONE
    bounds = np.r_[runs, len(queries)]
    start = 0
    while start < len(queries):  # pieces of whole runs, about pairs_at_once pairs each
        stop = int(bounds[min(np.searchsorted(bounds, start + pairs_at_once), len(bounds) - 1)])
        parts[start:stop] = _passage_parts(index, queries[start:stop], partners[start:stop])
        start = stop
    return parts


def _passage_parts(index: MatchIndex, queries: np.ndarray, partners: np.ndarray) -> np.ndarray:
    """:func:`passage_parts` of one piece: its passages read at once, one product per query."""
    begin, end, fields = index.passage_begin, index.passage_end, index.passage_field
    runs = np.flatnonzero(np.r_[True, queries[1:] != queries[:-1]])
    owners = queries[runs]
    own_count = end[owners] - begin[owners]
    own = _spans(begin[owners], end[owners])
    theirs = _spans(begin[partners], end[partners])  # each partner's passages, by field, pair by pair
    their_count = end[partners] - begin[partners]
    needed, local = np.unique(np.concatenate([own, theirs]), return_inverse=True)
    vectors = index.vectors[needed]  # one read for the piece
    own_local, their_local = local[: own.size], local[own.size :]
    width = int(own_count.max()) if owners.size else 0
    if width == 0 or theirs.size == 0:
        return np.zeros((len(queries), len(PASSAGE_PARTS)), dtype=np.float32)
    # sims[i, j]: the i-th passage of the query of column j against the partner passage j
    sims = np.zeros((width, theirs.size), dtype=np.float32)
    own_at = np.r_[0, np.cumsum(own_count)]
    columns_at = np.r_[0, np.cumsum(their_count)][np.r_[runs, len(queries)]]
    for run in range(owners.size):
        own_vectors = vectors[own_local[own_at[run] : own_at[run + 1]]]
        cols = slice(columns_at[run], columns_at[run + 1])
        sims[: len(own_vectors), cols] = own_vectors @ vectors[their_local[cols]].T
    # The best of each own passage within each (pair, field) segment, negatives clipped to 0.
    pair = np.repeat(np.arange(len(queries)), their_count)
    field = fields[theirs]
    segments = np.flatnonzero(np.r_[True, (pair[1:] != pair[:-1]) | (field[1:] != field[:-1])])
    maxima = np.maximum(np.maximum.reduceat(sims, segments, axis=1), 0.0)
    segment_pair, segment_field = pair[segments], field[segments]
    own_fields = np.full((owners.size, width), -1, dtype=np.int64)
    own_fields[np.repeat(np.arange(owners.size), own_count), _ranks(own_count)] = fields[own]
    run_of_pair = np.repeat(np.arange(owners.size), np.diff(np.r_[runs, len(queries)]))
    mine = own_fields[run_of_pair[segment_pair]].T  # (width, n_segments): each query's own fields
    seeks = mine == SEEKS
    offer_fit = np.zeros(len(queries), dtype=np.float32)
    seek_fit = np.zeros(len(queries), dtype=np.float32)
    expertise = np.zeros(len(queries), dtype=np.float32)
    offered = (segment_field == OFFERS) | (segment_field == EXPERTISE)
    np.maximum.at(offer_fit, segment_pair[offered], np.where(seeks, maxima, 0).max(axis=0)[offered])
    sought = segment_field == SEEKS
    met = np.where((mine >= 0) & ~seeks, maxima, 0).max(axis=0)
    seek_fit[segment_pair[sought]] = met[sought]
    experts = mine == EXPERTISE
    mean = np.where(experts, maxima, 0).sum(axis=0) / np.maximum(experts.sum(axis=0), 1)
    known = segment_field == EXPERTISE
    expertise[segment_pair[known]] = mean[known]
    return np.column_stack([offer_fit, seek_fit, np.sqrt(offer_fit * seek_fit), expertise])


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., counts[i] - 1 for each i, concatenated."""
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def org_ids(index: MatchIndex) -> np.ndarray:
    """The organisation id of every row of ``index``, shape (n_orgs,)."""
    if hasattr(index.orgs, "ids"):
        return index.orgs.ids()
    return np.array([org["id"] for org in index.orgs], dtype=np.int64)

"""The best partners of many organisations at once: what proposals need, at a cost of n·k.

:class:`~models.candidates.Candidates` picks each organisation's candidates for every track in
one matrix product per block of queries; each organisation's candidates of all its tracks are then
scored together (the passage parts do not depend on the track, so they are computed once), and only
the parts that do depend on it are recomputed per track. The result for one (organisation, track)
is the one :meth:`MatchIndex.suggest` gives on the same candidates, as ``tests/test_batch.py`` checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from models.candidates import Candidates
from models.matching.index import MatchIndex, _track_declared
from models.matching.weights import FEATURES, kind_fit_codes
from models.needs import met_share, track_weights
from models.profiles import TRACKS

QUERY_BLOCK = 256  # organisations whose candidates are picked together
PROPOSAL_CANDIDATES = 100  # a proposal keeps a handful per track: the proxy's top 100 hold them
_TRACK_PARTS = [
    FEATURES.index(name) for name in ("track_declared", "kind_fit", "wanted", "wanted_back", "track_text")
]


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
) -> Iterator[list[Best]]:
    """For the org ``rows``, block by block, the ``per_org`` best partners of each of their tracks.

    ``tracks_of(org_id)`` names the tracks to rank for one organisation; ``declared`` says they are
    the tracks it declares (its ``collaboration_types``), so candidates are picked for those only.
    Yields one list per block of :data:`QUERY_BLOCK` rows, so that a caller can store and report
    progress as it goes.
    """
    if per_org < 1:
        raise ValueError(f"per_org must be at least 1, got {per_org}")
    rows = np.asarray(rows, dtype=np.int64)
    for start in range(0, rows.size, QUERY_BLOCK):
        chunk = rows[start : start + QUERY_BLOCK]
        wanted = sorted({t for row in chunk for t in tracks_of(index.orgs[row]["id"]) if t in TRACKS})
        found = candidates.for_rows_tracks(chunk, max(k, per_org), wanted, declared_only=declared)
        block = []
        with threadpool_limits(1, "blas"):  # small products: one thread is faster than two that wait
            for row, per_track in zip(chunk, found, strict=True):
                org_id = index.orgs[row]["id"]
                tracks = [t for t in tracks_of(org_id) if t in TRACKS]
                missing = [t for t in tracks if t not in per_track]
                if missing:  # a track asked for that the organisation does not declare
                    per_track.update(candidates.for_rows_tracks([row], max(k, per_org), missing)[0])
                block += _rank(index, candidates, int(row), tracks, per_track, per_org)
        yield block


def _rank(
    index: MatchIndex, candidates: Candidates, row: int, tracks: list[str], per_track: dict, per_org: int
) -> list[Best]:
    org_id = index.orgs[row]["id"]
    if not tracks or candidates._closed[row]:
        return [Best(org_id, track, ()) for track in tracks]
    union = np.unique(np.concatenate([per_track[t] for t in tracks]))
    union, parts, _ = index.features(org_id, tracks[0], union)
    weights = index.weights.vector()
    closed = candidates._closed[union]
    ranked = []
    for track in tracks:
        parts[:, _TRACK_PARTS] = track_parts(index, row, union, track)
        mine = np.zeros(union.size, dtype=bool)
        mine[np.searchsorted(union, per_track[track])] = True
        mine &= ~closed
        raw = np.where(mine, parts @ weights, -np.inf)
        top_k = min(per_org, int(mine.sum()))
        top = np.argpartition(-raw, top_k - 1)[:top_k] if top_k else np.zeros(0, np.int64)
        top = top[np.lexsort((union[top], -raw[top]))]
        scores = index.score(parts[top])
        partners = tuple(
            (index.orgs[union[i]]["id"], round(float(s), 4)) for i, s in zip(top, scores, strict=True)
        )
        ranked.append(Best(org_id, track, partners))
    return ranked


def track_parts(index: MatchIndex, row: int, rows: np.ndarray, track: str) -> np.ndarray:
    """The parts that depend on the track, shape (n_rows, 5): declared, kind fit, wanted, wanted back,
    and how much the partner's texts speak of the track."""
    code = TRACKS.index(track)
    needs = track_weights(track)
    return np.column_stack(
        [
            _track_declared(index.declared[row, code], index.declared[rows, code]),
            kind_fit_codes(code, index._type_codes[row], index._type_codes[rows]),
            met_share(index._sought[row], index._provided[rows], needs),
            index._met_back(row, rows, needs),
            index._affinity[rows, code],
        ]
    ).astype(np.float32)

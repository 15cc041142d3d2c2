"""Suggestions across the Atlantic: the score parts of every candidate, the ranking, the evidence.

A :class:`MatchIndex` holds, for one embedding model, every passage vector sorted by organisation
and by field, with organisations sorted by region so that "the other side of the Atlantic" is one
contiguous block. Scoring one organisation is then one matrix product against that block, a
``maximum.reduceat`` per (organisation, field) segment, and a handful of vector operations: no
Python loop over candidates. Evidence is assembled for the top ``k`` only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from models.errors import NotFound
from models.evidence import STOP_WORDS, is_boilerplate, mentions_history
from models.matching.columns import LexicalRows, OrgTable, PassageVectors
from models.matching.results import Evidence, PassagePair, Reason, SearchHit, Suggestion
from models.matching.topics import (
    Vocabulary,
    fold,
    idf_from_frequency,
    idf_weights,
    profile_text,
    topic_matrix,
)
from models.matching.weights import FEATURES, LearntWeights, kind_fit_codes, type_codes
from models.needs import NEED_CODES, met_share, provided, sought, track_affinity, track_weights
from models.profiles import TRACKS
from models.vocabulary import PROFILE_TEXT_FIELDS

FIELDS = PROFILE_TEXT_FIELDS
EXPERTISE, OFFERS, SEEKS = range(3)
_WORD = re.compile(r"[a-z0-9][a-z0-9-]{2,}")
_WRITTEN_WORD = re.compile(r"[^\W_][\w‐‑‒–—-]*")  # a word as written, accents and dashes included
MIN_EVIDENCE_SIMILARITY = 0.2
MAX_SHARED_TERM_SHARE = 0.2


@dataclass
class MatchIndex:
    """Everything needed to score one organisation against all others, held in memory."""

    model_id: str
    orgs: list[dict] | OrgTable  # row -> organisation record (id, short_name, name, region, city, type, ...)
    regions: np.ndarray  # (n_orgs,) object
    types: np.ndarray  # (n_orgs,) object
    declared: np.ndarray  # (n_orgs, n_tracks) bool
    topics: np.ndarray  # (n_orgs, n_topics) float32
    topic_idf: np.ndarray  # (n_topics,)
    vocabulary: Vocabulary
    vectors: np.ndarray | PassageVectors  # (n_passages, dim), sorted by org row then field; read as float32
    passage_row: np.ndarray  # (n_passages,) org row of each passage
    passage_field: np.ndarray  # (n_passages,) 0 expertise, 1 offers, 2 seeks
    texts: Sequence[str]  # (n_passages,): a list, or a TextColumn mapped from a snapshot
    org_start: np.ndarray  # (n_orgs + 1,) first passage of each org row
    segment: np.ndarray  # (n_orgs, 3) index of each (org, field) segment, -1 if absent
    segment_start: np.ndarray  # (n_segments,) first passage of each segment
    lexical: sparse.csr_matrix | LexicalRows | None  # (n_orgs, n_terms) l2-normalised TF-IDF rows
    term_idf: dict[str, float]
    weights: LearntWeights
    vectorizer: Any = None  # the fitted TF-IDF, to turn an edited profile into its row (fixed vocabulary)
    # What each organisation seeks and provides (models/needs.py): given by a snapshot, else read from
    # the records' texts.
    needs_sought: np.ndarray | None = None
    needs_provided: np.ndarray | None = None
    needs_affinity: np.ndarray | None = None

    @classmethod
    def build(
        cls,
        model_id: str,
        orgs: Sequence[Mapping],
        passages: Sequence[tuple[int, str, str]],
        vectors: np.ndarray,
        topic_sets: Mapping[int, Sequence[str]],
        vocabulary: Vocabulary,
        weights: LearntWeights,
        *,
        lexical: bool = True,
    ) -> MatchIndex:
        """Build an index from organisations and their passages.

        Parameters
        ----------
        orgs : organisation dicts with id, short_name, name, region, city, type,
            collaboration_types, expertise, offers, seeks
        passages : (org_id, field, text) for each row of ``vectors``
        vectors : ndarray of shape (n_passages, dim), L2-normalised
        topic_sets : org_id -> topic ids
        """
        if len(passages) != len(vectors):
            raise ValueError(
                f"{len(passages)} passages but {len(vectors)} vectors: give one vector per passage"
            )
        ordered = sorted(orgs, key=lambda org: (org["region"], org["id"]))
        row_of = {org["id"]: row for row, org in enumerate(ordered)}
        field_code = {name: code for code, name in enumerate(FIELDS)}
        keep = [
            i for i, (org_id, field, _) in enumerate(passages) if org_id in row_of and field in field_code
        ]
        rows = np.array([row_of[passages[i][0]] for i in keep], dtype=np.int64)
        codes = np.array([field_code[passages[i][1]] for i in keep], dtype=np.int64)
        order = np.lexsort((codes, rows)) if keep else np.array([], dtype=np.int64)
        picked = np.asarray(keep, dtype=np.int64)[order]
        rows, codes = rows[order], codes[order]
        segment, segment_start = _segments(rows, codes, len(ordered))
        topics = topic_matrix([topic_sets.get(org["id"], ()) for org in ordered], vocabulary)
        lexical_matrix, term_idf, vectorizer = _lexical(ordered) if lexical else (None, {}, None)
        return cls(
            model_id=model_id,
            orgs=[dict(org) for org in ordered],
            regions=np.array([org["region"] for org in ordered], dtype=object),
            types=np.array([org["type"] for org in ordered], dtype=object),
            declared=np.array(
                [[t in org["collaboration_types"] for t in TRACKS] for org in ordered], dtype=bool
            ),
            topics=topics,
            topic_idf=idf_weights(topics),
            vocabulary=vocabulary,
            vectors=np.ascontiguousarray(vectors[picked], dtype=np.float32) if len(picked) else vectors[:0],
            passage_row=rows,
            passage_field=codes,
            texts=[passages[i][2] for i in picked],
            org_start=np.searchsorted(rows, np.arange(len(ordered) + 1)),
            segment=segment,
            segment_start=segment_start,
            lexical=lexical_matrix,
            term_idf=term_idf,
            weights=weights,
            vectorizer=vectorizer,
        )

    def __post_init__(self) -> None:
        if not isinstance(self.vectors, PassageVectors):
            self.vectors = PassageVectors(self.vectors)
        if self.lexical is not None and not isinstance(self.lexical, LexicalRows):
            self.lexical = LexicalRows(self.lexical)  # edits replace rows apart: no copy of the matrix
        ids = self.orgs.ids().tolist() if isinstance(self.orgs, OrgTable) else [o["id"] for o in self.orgs]
        self._rows = dict(zip(ids, range(len(ids)), strict=True))
        self._weighted_topics = self.topics * self.topic_idf
        self._topic_mass = self._weighted_topics.sum(axis=1)
        self._topic_frequency = self.topics.sum(axis=0, dtype=np.float64)  # kept up to date by edits
        self._word_cache: dict[int, dict[str, str]] = {}
        self._type_codes = type_codes(self.types)
        # A closed organisation is never suggested, nor given suggestions (models/vocabulary.py).
        statuses = (
            self.orgs.column("status")
            if isinstance(self.orgs, OrgTable)
            else [org.get("status") for org in self.orgs]
        )
        self._closed = np.array([status == "closed" for status in statuses], dtype=bool).reshape(-1)
        self._deleted = np.zeros(len(ids), dtype=bool)  # removed since the build: never shown
        # Each org's passages are vectors[_begin[row]:_end[row]]; an edit appends its new passages
        # and points there (see replace_orgs), so these spans need not be contiguous or in order.
        self._begin = np.asarray(self.org_start[:-1], dtype=np.int64).copy()
        self._end = np.asarray(self.org_start[1:], dtype=np.int64).copy()
        self._used = (len(self.passage_row), len(self.segment_start))  # passages, segments in use
        # What each organisation seeks and provides (models/needs.py), read once from its texts.
        if self.needs_sought is None or self.needs_provided is None or self.needs_affinity is None:
            self.needs_sought = np.array([sought(org) for org in self.orgs], dtype=np.float32)
            self.needs_provided = np.array([provided(org) for org in self.orgs], dtype=np.float32)
            # How much each organisation's offers and expertise speak of each track (models/needs.py).
            self.needs_affinity = np.array([track_affinity(org) for org in self.orgs], dtype=np.float32)
        self._sought = np.array(self.needs_sought, dtype=np.float32).reshape(-1, len(NEED_CODES))
        self._provided = np.array(self.needs_provided, dtype=np.float32).reshape(-1, len(NEED_CODES))
        self._affinity = np.array(self.needs_affinity, dtype=np.float32).reshape(-1, len(TRACKS))

    # What the first stage (models/candidates.py), batched proposals (models/matching/batch.py) and
    # the snapshot (models/snapshot.py) read of the index: its own arrays as read-only views, never
    # copies; only the index's methods change them, and an edit may replace them (read them again).

    @property
    def passage_begin(self) -> np.ndarray:
        """(n_orgs,) first passage of each org row in :attr:`vectors`; spans need not be in order."""
        return read_only(self._begin)

    @property
    def passage_end(self) -> np.ndarray:
        """(n_orgs,) one past the last passage of each org row (equal to its begin: no passage)."""
        return read_only(self._end)

    @property
    def used(self) -> tuple[int, int]:
        """Passages and segments in use: the arrays hold spare room after them (see :meth:`replace_orgs`)."""
        return self._used

    @property
    def weighted_topics(self) -> np.ndarray:
        """(n_orgs, n_topics) each organisation's topics weighted by their IDF."""
        return read_only(self._weighted_topics)

    @property
    def topic_mass(self) -> np.ndarray:
        """(n_orgs,) the sum of each row of :attr:`weighted_topics`."""
        return read_only(self._topic_mass)

    @property
    def closed(self) -> np.ndarray:
        """(n_orgs,) bool: never suggested nor given suggestions (closed, or removed since the build)."""
        return read_only(self._closed)

    @property
    def deleted(self) -> np.ndarray:
        """(n_orgs,) bool: removed since the build; the row stays, masked, until the next build."""
        return read_only(self._deleted)

    @property
    def type_codes(self) -> np.ndarray:
        """(n_orgs,) each organisation's kind as its index in ``ORG_TYPES`` (``kind_fit_codes``)."""
        return read_only(self._type_codes)

    @property
    def sought(self) -> np.ndarray:
        """(n_orgs, n_needs) what each organisation seeks (models/needs.py)."""
        return read_only(self._sought)

    @property
    def provided(self) -> np.ndarray:
        """(n_orgs, n_needs) what each organisation provides (models/needs.py)."""
        return read_only(self._provided)

    @property
    def affinity(self) -> np.ndarray:
        """(n_orgs, n_tracks) how much each organisation's offers and expertise speak of each track."""
        return read_only(self._affinity)

    def row_of(self, org_id: int) -> int:
        """The row of an organisation; NotFound if it has no profile in the index."""
        try:
            return self._rows[org_id]
        except KeyError:
            raise NotFound(f"organisation {org_id} is not in the matching index") from None

    def features(
        self, org_id: int, track: str, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Score parts of every candidate across the Atlantic, or of the candidate ``rows`` only.

        Parameters
        ----------
        rows : ndarray of shape (n_candidates,), ascending org rows across the Atlantic; None for all

        Returns
        -------
        rows : ndarray of shape (n_candidates,), candidate org rows
        parts : ndarray of shape (n_candidates, n_features), in :data:`FEATURES` order
        sims : ndarray of shape (n_own_passages, n_candidate_passages), passage similarities
        """
        if track not in TRACKS:
            raise ValueError(f"track must be one of {', '.join(TRACKS)}, got {track!r}")
        row = self.row_of(org_id)
        if rows is None:
            rows = np.flatnonzero(self.regions != self.regions[row])
        elif np.any(self.regions[rows] == self.regions[row]) or np.any(np.diff(rows) <= 0):
            raise ValueError("candidate rows must be ascending and across the Atlantic")
        if rows.size == 0:
            return rows, np.zeros((0, len(FEATURES)), np.float32), np.zeros((0, 0), np.float32)
        own = slice(self._begin[row], self._end[row])
        passages = _spans(self._begin[rows], self._end[rows])
        sims = self.vectors[own] @ self.vectors[passages].T
        best = self._field_maxima(sims, passages, rows)
        own_fields = self.passage_field[own]
        seeks = own_fields == SEEKS
        offer_fit = np.maximum(best.max_over(seeks, OFFERS), best.max_over(seeks, EXPERTISE))
        seek_fit = best.max_over(~seeks, SEEKS)
        need_weights = track_weights(track)
        track = TRACKS.index(track)
        parts = {
            "offer_fit": offer_fit,
            "seek_fit": seek_fit,
            "reciprocity": np.sqrt(offer_fit * seek_fit),
            "expertise": best.mean_over(own_fields == EXPERTISE, EXPERTISE),
            "topics": self._topic_overlap(row, rows),
            "lexical": self._lexical_similarity(row, rows),
            "track_declared": _track_declared(self.declared[row, track], self.declared[rows, track]),
            "kind_fit": kind_fit_codes(track, self._type_codes[row], self._type_codes[rows]),
            "wanted": met_share(self._sought[row], self._provided[rows], need_weights),
            "wanted_back": self._met_back(row, rows, need_weights),
            "track_text": self._affinity[rows, track],
        }
        matrix = np.column_stack([np.asarray(parts[name], dtype=np.float32) for name in FEATURES])
        return rows, matrix, sims

    def score(self, parts: np.ndarray) -> np.ndarray:
        """Combine score parts with the learnt weights into scores in [0, 1].

        Parameters
        ----------
        parts : ndarray of shape (n, n_features)

        Returns
        -------
        scores : ndarray of shape (n,)
        """
        return self.score_raw(parts @ self.weights.vector())

    def score_raw(self, raw: np.ndarray) -> np.ndarray:
        """The scores in [0, 1] of weighted sums of parts (``parts @ weights.vector()``), same shape."""
        raw = raw + self.weights.intercept
        # tanh keeps the order of raw scores at the top: a clip at 1 would tie the best partners.
        return np.tanh(np.maximum(raw, 0.0) / self.weights.scale)

    def suggest(
        self,
        org_id: int,
        track: str,
        top_k: int = 10,
        rows: np.ndarray | None = None,
        *,
        evidence: bool = True,
    ) -> list[Suggestion]:
        """The ``top_k`` partners across the Atlantic for one organisation and track, best first.

        ``rows`` (ascending org rows across the Atlantic) limits the scoring to those candidates;
        ``evidence=False`` leaves out the passages, topics and terms (only the direction is kept) and
        the partner's score of the pair (``reverse_score`` None).
        """
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        rows, parts, _ = self.features(org_id, track, rows)
        open_ = ~(self._closed[rows] | self._deleted[rows])
        if self._closed[self.row_of(org_id)] or not open_.any():
            return []
        raw = np.where(open_, parts @ self.weights.vector(), -np.inf)
        top_k = min(top_k, int(open_.sum()))
        top = np.argpartition(-raw, min(top_k, len(raw)) - 1)[:top_k]
        top = top[np.lexsort((rows[top], -raw[top]))]  # ties broken by row: stable output
        scores = self.score(parts[top])
        own_row = self.row_of(org_id)
        return [
            self._suggestion(own_row, rows[i], track, float(score), parts[i], evidence)
            for i, score in zip(top, scores, strict=True)
        ]

    def explain(self, org_id: int, partner_id: int, track: str) -> Suggestion:
        """The score parts and evidence of one given partner, as :meth:`suggest` would show them."""
        partner_row = self.row_of(partner_id)
        if self.regions[partner_row] == self.regions[self.row_of(org_id)]:
            raise ValueError(f"organisation {partner_id} is on the same side of the Atlantic as {org_id}")
        rows, parts, _ = self.features(org_id, track, np.array([partner_row]))
        score = float(self.score(parts[:1])[0])
        return self._suggestion(self.row_of(org_id), partner_row, track, score, parts[0])

    def search(
        self, query_vector: np.ndarray, query_text: str, top_k: int = 20, rows: np.ndarray | None = None
    ) -> list[SearchHit]:
        """Organisations ranked by meaning for a free-text query, with their best passage.

        Parameters
        ----------
        query_vector : ndarray of shape (dim,), L2-normalised embedding of ``query_text``
        rows : org rows to rank (a filter, or the first stage of :func:`app.matching.search`); None: all
        """
        if len(self.orgs) == 0 or len(self.vectors) == 0:
            return []
        rows = np.arange(len(self.orgs)) if rows is None else np.asarray(rows, dtype=np.int64)
        rows = rows[~self._deleted[rows]]
        begin, end = self._begin[rows], self._end[rows]
        passages = _spans(begin, end)  # only these rows' passages are read (and cast to float32)
        sims = self.vectors[passages] @ query_vector.astype(np.float32)
        local_end = np.cumsum(end - begin)
        best = _span_max(sims, local_end - (end - begin), local_end)
        query_topics = topic_matrix([self.vocabulary.assign(query_text)], self.vocabulary)[0] * self.topic_idf
        topic_part = self.topics[rows] @ query_topics / max(float(query_topics.sum()), 1e-6)
        combined = best + 0.3 * topic_part
        if top_k < len(combined):
            top = np.argpartition(-combined, top_k - 1)[:top_k]
            order = top[np.lexsort((rows[top], -combined[top]))]
        else:
            order = np.lexsort((rows, -combined))
        hits = []
        for i in order:
            row, start, stop = rows[i], local_end[i] - (end[i] - begin[i]), local_end[i]
            passage = self.texts[int(begin[i] + np.argmax(sims[start:stop]))] if stop > start else ""
            org = self.orgs[row]
            hits.append(SearchHit(org["id"], org["short_name"], org["name"], org["region"], org["city"],
                                  org["type"], float(np.clip(combined[i], 0, 1)), passage,
                                  org.get("status", "active")))  # fmt: skip
        return hits

    # --- in-place updates: an edit costs one profile's passages, not a rebuild -----------------
    def replace_orgs(
        self,
        orgs: Sequence[Mapping],
        passages: Sequence[tuple[int, str, str]],
        vectors: np.ndarray,
        topic_sets: Mapping[int, Sequence[str]],
    ) -> np.ndarray:
        """Replace (or add) the profiles, passages and topics of organisations; return their rows.

        The new passages are appended and the organisations' spans point to them (the old ones stay,
        unreferenced, until the next build). An organisation not in the index gets a new row at the
        end; one that changed region leaves its row (masked) for a new one. The lexical rows are
        computed with the vocabulary and IDF of the last build: a word no profile used then counts
        only after the next full build (``flask index`` when the snapshot is stale).

        Parameters
        ----------
        orgs : the organisations' new dicts, as for :meth:`build`
        passages : (org_id, field, text) for each row of ``vectors``, every passage of those organisations
        vectors : ndarray of shape (n_passages, dim), L2-normalised
        """
        if len(passages) != len(vectors):
            raise ValueError(
                f"{len(passages)} passages but {len(vectors)} vectors: give one vector per passage"
            )
        moved = [org["id"] for org in orgs if org["id"] in self._rows and
                 self.regions[self._rows[org["id"]]] != org["region"]]  # fmt: skip
        self.remove_orgs(moved)
        self._add_rows([org for org in orgs if org["id"] not in self._rows])
        rows = np.array([self._rows[org["id"]] for org in orgs], dtype=np.int64)
        row_of = {org["id"]: row for row, org in zip(rows, orgs, strict=True)}
        field_code = {name: code for code, name in enumerate(FIELDS)}
        keep = [i for i, (org_id, fld, _) in enumerate(passages) if org_id in row_of and fld in field_code]
        new_rows = np.array([row_of[passages[i][0]] for i in keep], dtype=np.int64)
        codes = np.array([field_code[passages[i][1]] for i in keep], dtype=np.int64)
        order = np.lexsort((codes, new_rows)) if keep else np.zeros(0, dtype=np.int64)
        picked = np.asarray(keep, dtype=np.int64)[order]
        new_rows, codes = new_rows[order], codes[order]
        self.segment[rows] = -1  # an organisation left with no passage keeps none of its old ones
        first = self._append_passages(vectors[picked], new_rows, codes, [passages[i][2] for i in picked])
        self._begin[rows] = self._end[rows] = first  # organisations left with no passage: empty spans
        if new_rows.size:
            spans = np.flatnonzero(np.r_[True, new_rows[1:] != new_rows[:-1]])
            self._begin[new_rows[spans]] = first + spans
            self._end[new_rows[spans]] = first + np.r_[spans[1:], new_rows.size]
        for row, org in zip(rows, orgs, strict=True):
            self.orgs[row] = dict(org)
            self._sought[row] = sought(org)
            self._provided[row] = provided(org)
            self._affinity[row] = track_affinity(org)
            self._closed[row] = org.get("status") == "closed"
            self.types[row] = org["type"]
            self.declared[row] = [t in org["collaboration_types"] for t in TRACKS]
            self._word_cache.pop(int(row), None)
        self._type_codes[rows] = type_codes(self.types[rows])
        self._topic_frequency -= self.topics[rows].sum(axis=0)
        self.topics[rows] = topic_matrix([topic_sets.get(org["id"], ()) for org in orgs], self.vocabulary)
        self._topic_frequency += self.topics[rows].sum(axis=0)
        self._refresh_topic_weights()
        self._replace_lexical_rows(rows, orgs)
        return rows

    def remove_orgs(self, org_ids: Sequence[int]) -> np.ndarray:
        """Mask deleted organisations (their rows stay until the next build); return their rows."""
        rows = np.array([self._rows.pop(i) for i in org_ids if i in self._rows], dtype=np.int64)
        if not rows.size:
            return rows
        self._deleted[rows] = True
        self._closed[rows] = True
        self._begin[rows] = self._end[rows]  # no passage: no centroid, never a candidate's best
        self.segment[rows] = -1
        self._topic_frequency -= self.topics[rows].sum(axis=0)
        self.topics[rows] = 0.0
        self._refresh_topic_weights()
        return rows

    def _refresh_topic_weights(self) -> None:
        """Topic IDF over the organisations in the index (masked rows left out), as a build computes it.

        The frequencies follow each change (``_topic_frequency``), so that only the weighted matrix is
        computed again, once per patch, not the frequencies over a copy of the live rows.
        """
        live = len(self._deleted) - int(self._deleted.sum())
        self.topic_idf = idf_from_frequency(self._topic_frequency, live)
        self._weighted_topics = np.multiply(self.topics, self.topic_idf, dtype=np.float32)
        self._topic_mass = self._weighted_topics.sum(axis=1)

    def _add_rows(self, orgs: Sequence[Mapping]) -> None:
        """Empty rows at the end for new organisations (``replace_orgs`` then fills them)."""
        if not orgs:
            return
        n, first = len(orgs), len(self.orgs)
        for offset, org in enumerate(orgs):
            self.orgs.append(dict(org))
            self._rows[org["id"]] = first + offset
        self.regions = np.concatenate([self.regions, np.array([o["region"] for o in orgs], dtype=object)])
        self.types = np.concatenate([self.types, np.array([o["type"] for o in orgs], dtype=object)])
        self.declared = np.concatenate([self.declared, np.zeros((n, self.declared.shape[1]), bool)])
        self.topics = np.concatenate([self.topics, np.zeros((n, self.topics.shape[1]), np.float32)])
        self.segment = np.concatenate([self.segment, np.full((n, 3), -1, np.int64)])
        self._begin = np.concatenate([self._begin, np.zeros(n, np.int64)])
        self._end = np.concatenate([self._end, np.zeros(n, np.int64)])
        self._sought = np.concatenate([self._sought, np.zeros((n, self._sought.shape[1]), np.float32)])
        self._provided = np.concatenate([self._provided, np.zeros((n, self._provided.shape[1]), np.float32)])
        self._affinity = np.concatenate([self._affinity, np.zeros((n, self._affinity.shape[1]), np.float32)])
        self._closed = np.concatenate([self._closed, np.zeros(n, bool)])
        self._deleted = np.concatenate([self._deleted, np.zeros(n, bool)])
        self._type_codes = np.concatenate([self._type_codes, type_codes(self.types[first:])])
        if self.lexical is not None:
            self.lexical.grow(len(self.orgs))

    def _append_passages(
        self, vectors: np.ndarray, rows: np.ndarray, codes: np.ndarray, texts: list[str]
    ) -> int:
        """Append passages (sorted by row and field) and their segments; return the first new index.

        The arrays grow by a quarter at a time and are written in place, so that an edit does not copy
        the whole matrix; spare segment starts hold a sentinel past every passage.
        """
        first, n_segments = self._used
        count = len(rows)
        starts = (
            np.flatnonzero(np.r_[True, (rows[1:] != rows[:-1]) | (codes[1:] != codes[:-1])])
            if count
            else rows
        )
        self._reserve(first + count, n_segments + starts.size)
        if count:
            self.vectors[first : first + count] = vectors
            self.passage_row[first : first + count] = rows
            self.passage_field[first : first + count] = codes
            self.texts[first : first + count] = texts
        self.segment[np.unique(rows)] = -1
        if count:
            self.segment[rows[starts], codes[starts]] = n_segments + np.arange(starts.size)
            self.segment_start[n_segments : n_segments + starts.size] = first + starts
        self._used = (first + count, n_segments + starts.size)
        return first

    def _reserve(self, passages: int, segments: int) -> None:
        """Room for at least this many passages and segments."""
        if passages > len(self.passage_row):
            extra = max(passages - len(self.passage_row), len(self.passage_row) // 4, 1024)
            self.vectors.reserve(len(self.passage_row) + extra)  # the snapshot's rows stay mapped
            self.passage_row = np.concatenate([self.passage_row, np.full(extra, -1, np.int64)])
            self.passage_field = np.concatenate([self.passage_field, np.full(extra, -1, np.int64)])
            self.texts.extend([""] * extra)
        if segments > len(self.segment_start):
            extra = max(segments - len(self.segment_start), len(self.segment_start) // 4, 1024)
            sentinel = np.full(extra, np.iinfo(np.int64).max, np.int64)
            self.segment_start = np.concatenate([self.segment_start, sentinel])

    def _replace_lexical_rows(self, rows: np.ndarray, orgs: Sequence[Mapping]) -> None:
        if self.lexical is None or self.vectorizer is None or not len(orgs):
            return
        fresh = self.vectorizer.transform([profile_text(org) for org in orgs]).astype(np.float32).tocsr()
        self.lexical.replace(rows, fresh)  # kept apart: the matrix itself is neither copied nor written

    def _field_maxima(self, sims: np.ndarray, passages: np.ndarray, rows: np.ndarray) -> _FieldMaxima:
        """Best similarity of each own passage within each (org, field) segment of the candidates.

        ``sims`` has one column per passage in ``passages`` (the candidates' passages, in order);
        the maxima have one column per segment among them, negatives clipped to 0.
        """
        segments = np.searchsorted(self.segment_start, passages, side="right") - 1
        starts = np.flatnonzero(np.r_[True, segments[1:] != segments[:-1]]) if segments.size else segments
        present = segments[starts]  # in the order of the passages (edited profiles come last)
        sorter = np.argsort(present)
        wanted = self.segment[rows]
        found = sorter[np.searchsorted(present, wanted, sorter=sorter).clip(0, max(present.size - 1, 0))] \
            if present.size else np.zeros_like(wanted)  # fmt: skip
        local = np.where(wanted >= 0, found, -1)
        if sims.shape[0] == 0 or present.size == 0:
            return _FieldMaxima(np.zeros((sims.shape[0], present.size), dtype=np.float32), local)
        maxima = np.maximum.reduceat(sims, starts, axis=1)
        return _FieldMaxima(np.maximum(maxima, 0.0, out=maxima), local)

    def _topic_overlap(self, row: int, rows: np.ndarray) -> np.ndarray:
        """Cosine of IDF-weighted topic sets, shape (n_candidates,)."""
        shared = self._weighted_topics[rows] @ self.topics[row]
        return shared / (np.sqrt(self._topic_mass[rows] * self._topic_mass[row]) + 1e-6)

    def _met_back(self, row: int, rows: np.ndarray, need_weights: np.ndarray) -> np.ndarray:
        """Share of each candidate's needs (weighted by track) that the organisation provides."""
        wanted = self._sought[rows] * need_weights
        total = wanted.sum(axis=1)
        met = wanted @ self._provided[row]
        return np.divide(met, total, out=np.zeros_like(met), where=total > 0).astype(np.float32)

    def _reasons(self, own_row: int, row: int, track: str, limit: int = 3) -> tuple[Reason, ...]:
        """Each need of the track that one side seeks and the other provides, stated ones first."""
        on_track = track_weights(track) == 1.0
        found = []
        for seeker, provider, side in ((own_row, row, "own"), (row, own_row, "partner")):
            for i in np.flatnonzero(on_track & (self._sought[seeker] > 0) & (self._provided[provider] > 0)):
                params = {"need": NEED_CODES[i], "seeker": side, "how": "stated"}
                if self._provided[provider, i] < 1.0:
                    params.update(how="kind", kind=str(self.types[provider]))
                found.append(Reason("need_met", params))
        found.sort(key=lambda reason: reason.params["how"] != "stated")  # stable: own side first
        return tuple(found[:limit])

    def _lexical_similarity(self, row: int, rows: np.ndarray) -> np.ndarray:
        """TF-IDF cosine with every candidate, shape (n_candidates,)."""
        if self.lexical is None:
            return np.zeros(len(rows), dtype=np.float32)
        query = self.lexical[row].toarray().ravel()
        if rows.size == rows[-1] - rows[0] + 1:  # one contiguous block: a slice, no copy
            return self.lexical[rows[0] : rows[-1] + 1] @ query
        return self.lexical[rows] @ query

    def _suggestion(self, own_row, row, track, score, parts, with_evidence=True) -> Suggestion:
        org = self.orgs[row]
        named = {name: round(float(value), 4) for name, value in zip(FEATURES, parts, strict=True)}
        direction = _direction(named["offer_fit"], named["seek_fit"], self.weights.fit_threshold)
        evidence = (
            Evidence(direction=direction)
            if not with_evidence
            else Evidence(
                passages=self._passage_pairs(own_row, row, direction),
                shared_topics=tuple(
                    self.vocabulary.topics[i] for i in np.flatnonzero(self.topics[own_row] * self.topics[row])
                ),
                shared_terms=self._shared_terms(own_row, row),
                direction=direction,
                reasons=self._reasons(own_row, row, track),
            )
        )
        # The partner's view of the pair: with the evidence only (a pool of 200 without: 70 ms saved).
        reverse = (
            round(float(self.score(self._reverse_parts(own_row, row, parts)[None, :])[0]), 4)
            if with_evidence
            else None
        )
        return Suggestion(org["id"], org["short_name"], org["name"], org["region"], org["city"], org["type"],
                          track, round(score, 4), named, evidence, reverse,
                          org.get("status", "active"))  # fmt: skip

    def _reverse_parts(self, own_row, row, parts) -> np.ndarray:
        """The same pair's parts seen from the partner's side (what :meth:`explain` gives it).

        The directional parts swap (what we seek becomes what they seek); only the expertise part
        is recomputed, as the mean over the partner's expertise passages of their best match in ours.
        """
        reverse = parts.copy()
        for a, b in (("offer_fit", "seek_fit"), ("wanted", "wanted_back")):
            i, j = FEATURES.index(a), FEATURES.index(b)
            reverse[i], reverse[j] = parts[j], parts[i]
        own = np.arange(self._begin[own_row], self._end[own_row])
        theirs = np.arange(self._begin[row], self._end[row])
        own_expertise = own[self.passage_field[own] == EXPERTISE]
        their_expertise = theirs[self.passage_field[theirs] == EXPERTISE]
        if own_expertise.size and their_expertise.size:
            sims = self.vectors[own_expertise] @ self.vectors[their_expertise].T  # a few dozen products
            best = np.maximum(sims.max(axis=0), 0.0)
            reverse[FEATURES.index("expertise")] = float(best.mean())
        else:
            reverse[FEATURES.index("expertise")] = 0.0
        return reverse

    def _passage_pairs(self, own_row: int, row: int, direction: str = "both") -> tuple[PassagePair, ...]:
        """The best passage pair for each way a fit can run, at most three, the fit's own way first.

        No passage appears in two pairs, and no pair rests on dates, founding history or legal
        boilerplate (``models/evidence.py``).
        """
        own = np.arange(self._begin[own_row], self._end[own_row])
        theirs = np.arange(self._begin[row], self._end[row])
        local = self.vectors[own] @ self.vectors[theirs].T  # (n_own, n_theirs): a few dozen products
        history = [
            np.array([mentions_history(self.texts[p]) for p in side], dtype=bool) for side in (own, theirs)
        ]
        short = [
            np.array([is_boilerplate(self.texts[p]) for p in side], dtype=bool) for side in (own, theirs)
        ]
        # Nothing resting on boilerplate, and no two passages that both lean on history.
        local[short[0], :] = -np.inf
        local[:, short[1]] = -np.inf
        local[np.outer(history[0], history[1])] = -np.inf
        own_fields, their_fields = self.passage_field[own], self.passage_field[theirs]
        own_seeks, their_seeks = own_fields == SEEKS, their_fields == SEEKS
        ways = {
            "partner_offers": (own_seeks, ~their_seeks),
            "we_offer": (~own_seeks, their_seeks),
            "expertise": (own_fields == EXPERTISE, their_fields == EXPERTISE),
        }
        order = sorted(ways, key=lambda way: way != direction)  # the fit's own way first, then as listed
        pairs = []
        for way in order:
            own_mask, their_mask = ways[way]
            masked = np.where(own_mask[:, None] & their_mask[None, :], local, -np.inf)
            i, j = np.unravel_index(int(np.argmax(masked)), masked.shape) if masked.size else (0, 0)
            if masked.size and masked[i, j] >= MIN_EVIDENCE_SIMILARITY:
                pairs.append(
                    PassagePair(
                        FIELDS[own_fields[i]],
                        self.texts[own[i]],
                        FIELDS[their_fields[j]],
                        self.texts[theirs[j]],
                        round(float(masked[i, j]), 4),
                    )  # fmt: skip
                )
                local[i, :] = -np.inf  # a passage shown once is not shown again
                local[:, j] = -np.inf
        return tuple(pairs)

    def _words(self, row: int) -> dict[str, str]:
        """Distinctive words of one profile, folded, each with the way the profile writes it
        (accents kept, lower case); computed on first use and kept."""
        words = self._word_cache.get(row)
        if words is None:
            org = self.orgs[row]
            if org.get("expertise") is None:  # a snapshot's record: its words are its passages'
                org = {"expertise": " ".join(self.texts[p] for p in range(self._begin[row], self._end[row]))}
            words = self._word_cache[row] = _words(org)
        return words

    def _shared_terms(self, own_row: int, row: int, limit: int = 8) -> tuple[str, ...]:
        """Distinctive words both profiles use, rarest first, as the own profile writes them; a plural
        and its singular ("banque", "banques") count once."""
        n = len(self.orgs)
        # Only words that at most a fifth of the profiles use: "research" or "centre" explain nothing.
        floor = np.log((1 + n) / (1 + MAX_SHARED_TERM_SHARE * n)) + 1
        own, theirs = _by_singular(self._words(own_row)), _by_singular(self._words(row))
        rarity = {  # the commoner of the two spellings says how common the word is
            key: min(self.term_idf.get(own[key][0], 0.0), self.term_idf.get(theirs[key][0], 0.0))
            for key in own.keys() & theirs.keys()
        }
        ranked = sorted((key for key, idf in rarity.items() if idf >= floor), key=lambda k: (-rarity[k], k))
        return tuple(own[key][1] for key in ranked[:limit])


def read_only(array: np.ndarray) -> np.ndarray:
    """A view of ``array`` that cannot be written through: what the index lends to its readers."""
    view = array.view()
    view.flags.writeable = False
    return view


def _span_max(values: np.ndarray, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The maximum of ``values[begin[i]:end[i]]`` for each i, -1 where the span is empty."""
    best = np.full(len(begin), -1.0, dtype=np.float32)
    has = np.flatnonzero(end > begin)
    if has.size:
        order = has[np.argsort(begin[has], kind="stable")]
        # reduceat over the sorted starts, each span cut at its own end: gather the spans first
        passages = _spans(begin[order], end[order])
        offsets = np.concatenate([[0], np.cumsum(end[order] - begin[order])[:-1]])
        best[order] = np.maximum.reduceat(values[passages], offsets)
    return best


def _spans(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """The indices ``starts[i]:stops[i]`` of every span, concatenated in order, without a Python loop."""
    lengths = stops - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total)


def _segments(rows: np.ndarray, codes: np.ndarray, n_orgs: int) -> tuple[np.ndarray, np.ndarray]:
    """Index of each (org, field) segment in passage order, and where each starts."""
    segment = np.full((n_orgs, 3), -1, dtype=np.int64)
    if rows.size == 0:
        return segment, np.zeros(0, dtype=np.int64)
    change = np.ones(rows.size, dtype=bool)
    change[1:] = (rows[1:] != rows[:-1]) | (codes[1:] != codes[:-1])
    starts = np.flatnonzero(change)
    segment[rows[starts], codes[starts]] = np.arange(starts.size)
    return segment, starts


@dataclass(frozen=True)
class _FieldMaxima:
    """Segment maxima of the own passages, read per candidate and field."""

    maxima: np.ndarray  # (n_own, n_block_segments)
    segment: np.ndarray  # (n_candidates, 3) segment of each candidate field in the block, < 0 if absent

    def _per_candidate(self, per_segment: np.ndarray, field: int) -> np.ndarray:
        column = self.segment[:, field]
        present = column >= 0
        values = np.zeros(len(column), dtype=np.float32)
        values[present] = per_segment[column[present]]
        return values

    def max_over(self, own_mask: np.ndarray, field: int) -> np.ndarray:
        """Best similarity of the chosen own passages with each candidate's ``field``; 0 if none."""
        if not own_mask.any():
            return np.zeros(len(self.segment), dtype=np.float32)
        return self._per_candidate(self.maxima[own_mask].max(axis=0), field)

    def mean_over(self, own_mask: np.ndarray, field: int) -> np.ndarray:
        """Mean over the chosen own passages of their best similarity with each candidate's ``field``."""
        if not own_mask.any():
            return np.zeros(len(self.segment), dtype=np.float32)
        return self._per_candidate(self.maxima[own_mask].mean(axis=0), field)


def _track_declared(own: bool, partners: np.ndarray) -> np.ndarray:
    """1 when both declared the track, 0.5 when one did, 0 when neither (counts, not a boolean OR)."""
    return (np.float32(own) + partners.astype(np.float32)) / 2


def _direction(offer_fit: float, seek_fit: float, threshold: float) -> str:
    if offer_fit >= threshold and seek_fit >= threshold:
        return "both"
    if offer_fit >= threshold:
        return "partner_offers"
    if seek_fit >= threshold:
        return "we_offer"
    return "none"


def _words(org: Mapping) -> dict[str, str]:
    """The profile's words that say something (no stop word, no number), folded as the TF-IDF part
    reads them, each with its first spelling in the text (lower case, accents kept)."""
    words: dict[str, str] = {}
    for written in _WRITTEN_WORD.findall(profile_text(org).casefold()):
        folded = fold(written)
        for word in _WORD.findall(folded):  # a folded word is the written one without accents
            if word not in STOP_WORDS and not word.isdigit():
                words.setdefault(word, written if folded == word else word)
    return words


def _by_singular(words: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The profile's words keyed by their folded form without a plural ending, French or English
    ("banques" and "banque" are one word): (the folded word, as written), its first spelling kept."""
    keyed: dict[str, tuple[str, str]] = {}
    for word, written in words.items():
        plural = len(word) > 4 and word[-1] in "sx" and not word.endswith(("ss", "us"))
        keyed.setdefault(word[:-1] if plural else word, (word, written))
    return keyed


def _lexical(orgs: Sequence[Mapping]) -> tuple[sparse.csr_matrix | None, dict[str, float], Any]:
    """TF-IDF rows of the whole profiles, each term's IDF (for ranking shared terms), the vectorizer."""
    if len(orgs) < 2:
        return None, {}, None
    from sklearn.feature_extraction.text import TfidfVectorizer  # a second to import: not at start-up

    vectorizer = TfidfVectorizer(
        preprocessor=fold, token_pattern=_WORD.pattern, stop_words=list(STOP_WORDS), sublinear_tf=True
    )
    try:
        matrix = vectorizer.fit_transform([profile_text(org) for org in orgs]).astype(np.float32).tocsr()
    except ValueError:  # no word left at all: nothing lexical to compare
        return None, {}, None
    idf = dict(zip(vectorizer.get_feature_names_out(), vectorizer.idf_.tolist(), strict=True))
    return matrix, idf, vectorizer

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

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from models.errors import NotFound
from models.evidence import STOP_WORDS, is_boilerplate, mentions_history
from models.needs import NEED_CODES, met_share, provided, sought, track_weights
from models.profiles import TRACKS
from models.results import Evidence, PassagePair, Reason, SearchHit, Suggestion
from models.topics import Vocabulary, fold, idf_weights, profile_text, topic_matrix
from models.weights import FEATURES, LearntWeights, kind_fit_codes, type_codes

FIELDS = ("expertise", "offers", "seeks")
EXPERTISE, OFFERS, SEEKS = range(3)
_WORD = re.compile(r"[a-z0-9][a-z0-9-]{2,}")
MIN_EVIDENCE_SIMILARITY = 0.2
MAX_SHARED_TERM_SHARE = 0.2


@dataclass
class MatchIndex:
    """Everything needed to score one organisation against all others, held in memory."""

    model_id: str
    orgs: list[dict]  # row -> organisation metadata (id, short_name, name, region, city, type, texts)
    regions: np.ndarray  # (n_orgs,) object
    types: np.ndarray  # (n_orgs,) object
    declared: np.ndarray  # (n_orgs, n_tracks) bool
    topics: np.ndarray  # (n_orgs, n_topics) float32
    topic_idf: np.ndarray  # (n_topics,)
    vocabulary: Vocabulary
    vectors: np.ndarray  # (n_passages, dim) float32, sorted by org row then field
    passage_row: np.ndarray  # (n_passages,) org row of each passage
    passage_field: np.ndarray  # (n_passages,) 0 expertise, 1 offers, 2 seeks
    texts: list[str]  # (n_passages,)
    org_start: np.ndarray  # (n_orgs + 1,) first passage of each org row
    segment: np.ndarray  # (n_orgs, 3) index of each (org, field) segment, -1 if absent
    segment_start: np.ndarray  # (n_segments,) first passage of each segment
    lexical: sparse.csr_matrix | None  # (n_orgs, n_terms) l2-normalised TF-IDF rows
    term_idf: dict[str, float]
    weights: LearntWeights

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
        lexical_matrix, term_idf = _lexical(ordered) if lexical else (None, {})
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
        )

    def __post_init__(self) -> None:
        self._rows = {org["id"]: row for row, org in enumerate(self.orgs)}
        self._weighted_topics = self.topics * self.topic_idf
        self._topic_mass = self._weighted_topics.sum(axis=1)
        self._word_cache: dict[int, frozenset[str]] = {}
        self._type_codes = type_codes(self.types)
        # A closed organisation is never suggested, nor given suggestions (models/profiles.py STATUSES).
        self._closed = np.array([org.get("status") == "closed" for org in self.orgs], dtype=bool)
        # What each organisation seeks and provides (models/needs.py), read once from its texts.
        self._sought = np.array([sought(org) for org in self.orgs], dtype=np.float32).reshape(
            -1, len(NEED_CODES)
        )
        self._provided = np.array([provided(org) for org in self.orgs], dtype=np.float32).reshape(
            -1, len(NEED_CODES)
        )

    def row_of(self, org_id: int) -> int:
        """The row of an organisation; NotFound if it has no profile in the index."""
        try:
            return self._rows[org_id]
        except KeyError:
            raise NotFound(f"organisation {org_id} is not in the matching index") from None

    def features(self, org_id: int, track: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Score parts of every candidate across the Atlantic.

        Returns
        -------
        rows : ndarray of shape (n_candidates,), candidate org rows
        parts : ndarray of shape (n_candidates, n_features), in :data:`FEATURES` order
        sims : ndarray of shape (n_own_passages, n_block_passages), passage similarities
        """
        if track not in TRACKS:
            raise ValueError(f"track must be one of {', '.join(TRACKS)}, got {track!r}")
        row = self.row_of(org_id)
        rows = np.flatnonzero(self.regions != self.regions[row])
        if rows.size == 0:
            return rows, np.zeros((0, len(FEATURES)), np.float32), np.zeros((0, 0), np.float32)
        block = slice(self.org_start[rows[0]], self.org_start[rows[-1] + 1])
        own = slice(self.org_start[row], self.org_start[row + 1])
        sims = self.vectors[own] @ self.vectors[block].T
        best = _FieldMaxima(self._segment_max(sims, block), self.segment[rows] - self._first_segment(block))
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
        raw = parts @ self.weights.vector() + self.weights.intercept
        # tanh keeps the order of raw scores at the top: a clip at 1 would tie the best partners.
        return np.tanh(np.maximum(raw, 0.0) / self.weights.scale)

    def suggest(self, org_id: int, track: str, top_k: int = 10) -> list[Suggestion]:
        """The ``top_k`` partners across the Atlantic for one organisation and track, best first."""
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        rows, parts, sims = self.features(org_id, track)
        open_ = ~self._closed[rows]
        if self._closed[self.row_of(org_id)] or not open_.any():
            return []
        raw = np.where(open_, parts @ self.weights.vector(), -np.inf)
        top_k = min(top_k, int(open_.sum()))
        top = np.argpartition(-raw, min(top_k, len(raw)) - 1)[:top_k]
        top = top[np.lexsort((rows[top], -raw[top]))]  # ties broken by row: stable output
        scores = self.score(parts[top])
        own_row = self.row_of(org_id)
        block_start = self.org_start[rows[0]]
        return [
            self._suggestion(own_row, rows[i], track, float(score), parts[i], sims, block_start)
            for i, score in zip(top, scores, strict=True)
        ]

    def explain(self, org_id: int, partner_id: int, track: str) -> Suggestion:
        """The score parts and evidence of one given partner, as :meth:`suggest` would show them."""
        rows, parts, sims = self.features(org_id, track)
        partner_row = self.row_of(partner_id)
        position = np.flatnonzero(rows == partner_row)
        if position.size == 0:
            raise ValueError(f"organisation {partner_id} is on the same side of the Atlantic as {org_id}")
        i = int(position[0])
        score = float(self.score(parts[i : i + 1])[0])
        return self._suggestion(
            self.row_of(org_id), partner_row, track, score, parts[i], sims, self.org_start[rows[0]]
        )

    def search(self, query_vector: np.ndarray, query_text: str, top_k: int = 20) -> list[SearchHit]:
        """Organisations ranked by meaning for a free-text query, with their best passage.

        Parameters
        ----------
        query_vector : ndarray of shape (dim,), L2-normalised embedding of ``query_text``
        """
        if len(self.orgs) == 0 or len(self.vectors) == 0:
            return []
        sims = self.vectors @ query_vector.astype(np.float32)
        starts = self.org_start[:-1]
        has = self.org_start[1:] > starts
        best = np.full(len(self.orgs), -1.0, dtype=np.float32)
        best[has] = np.maximum.reduceat(sims, starts[has])
        query_topics = topic_matrix([self.vocabulary.assign(query_text)], self.vocabulary)[0] * self.topic_idf
        topic_part = self.topics @ query_topics / max(float(query_topics.sum()), 1e-6)
        combined = best + 0.3 * topic_part
        order = np.argsort(-combined, kind="stable")[:top_k]
        hits = []
        for row in order:
            span = slice(self.org_start[row], self.org_start[row + 1])
            passage = self.texts[span.start + int(np.argmax(sims[span]))] if span.stop > span.start else ""
            org = self.orgs[row]
            hits.append(SearchHit(org["id"], org["short_name"], org["name"], org["region"], org["city"],
                                  org["type"], float(np.clip(combined[row], 0, 1)), passage,
                                  org.get("status", "active")))  # fmt: skip
        return hits

    def _first_segment(self, block: slice) -> int:
        return int(np.searchsorted(self.segment_start, block.start))

    def _segment_max(self, sims: np.ndarray, block: slice) -> np.ndarray:
        """Best similarity of each own passage within each (org, field) segment of the block.

        Returns
        -------
        maxima : ndarray of shape (n_own, n_block_segments), negatives clipped to 0
        """
        first = self._first_segment(block)
        last = int(np.searchsorted(self.segment_start, block.stop))
        if sims.shape[0] == 0 or last == first:
            return np.zeros((sims.shape[0], last - first), dtype=np.float32)
        maxima = np.maximum.reduceat(sims, self.segment_start[first:last] - block.start, axis=1)
        return np.maximum(maxima, 0.0, out=maxima)

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
        return self.lexical[rows[0] : rows[-1] + 1] @ query  # candidates are one contiguous block

    def _suggestion(self, own_row, row, track, score, parts, sims, block_start) -> Suggestion:
        org = self.orgs[row]
        named = {name: round(float(value), 4) for name, value in zip(FEATURES, parts, strict=True)}
        direction = _direction(named["offer_fit"], named["seek_fit"], self.weights.fit_threshold)
        evidence = Evidence(
            passages=self._passage_pairs(own_row, row, sims, block_start, direction),
            shared_topics=tuple(
                self.vocabulary.topics[i] for i in np.flatnonzero(self.topics[own_row] * self.topics[row])
            ),
            shared_terms=self._shared_terms(own_row, row),
            direction=direction,
            reasons=self._reasons(own_row, row, track),
        )
        reverse = float(self.score(self._reverse_parts(own_row, row, parts, sims, block_start)[None, :])[0])
        return Suggestion(org["id"], org["short_name"], org["name"], org["region"], org["city"], org["type"],
                          track, round(score, 4), named, evidence, round(reverse, 4),
                          org.get("status", "active"))  # fmt: skip

    def _reverse_parts(self, own_row, row, parts, sims, block_start) -> np.ndarray:
        """The same pair's parts seen from the partner's side (what :meth:`explain` gives it).

        The directional parts swap (what we seek becomes what they seek); only the expertise part
        is recomputed, as the mean over the partner's expertise passages of their best match in ours.
        """
        reverse = parts.copy()
        for a, b in (("offer_fit", "seek_fit"), ("wanted", "wanted_back")):
            i, j = FEATURES.index(a), FEATURES.index(b)
            reverse[i], reverse[j] = parts[j], parts[i]
        own = np.arange(self.org_start[own_row], self.org_start[own_row + 1])
        theirs = np.arange(self.org_start[row], self.org_start[row + 1])
        own_expertise = self.passage_field[own] == EXPERTISE
        their_expertise = theirs[self.passage_field[theirs] == EXPERTISE] - block_start
        if own_expertise.any() and their_expertise.size:
            best = np.maximum(sims[own_expertise][:, their_expertise].max(axis=0), 0.0)
            reverse[FEATURES.index("expertise")] = float(best.mean())
        else:
            reverse[FEATURES.index("expertise")] = 0.0
        return reverse

    def _passage_pairs(
        self, own_row: int, row: int, sims: np.ndarray, block_start: int, direction: str = "both"
    ) -> tuple[PassagePair, ...]:
        """The best passage pair for each way a fit can run, at most three, the fit's own way first.

        No passage appears in two pairs, and no pair rests on dates, founding history or legal
        boilerplate (``models/evidence.py``).
        """
        own = np.arange(self.org_start[own_row], self.org_start[own_row + 1])
        theirs = np.arange(self.org_start[row], self.org_start[row + 1])
        local = sims[:, theirs - block_start].copy()  # (n_own, n_theirs)
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

    def _words(self, row: int) -> frozenset[str]:
        """Distinctive words of one profile, computed on first use and kept."""
        words = self._word_cache.get(row)
        if words is None:
            words = self._word_cache[row] = frozenset(_words(self.orgs[row]))
        return words

    def _shared_terms(self, own_row: int, row: int, limit: int = 8) -> tuple[str, ...]:
        """Distinctive words both profiles use, rarest first."""
        n = len(self.orgs)
        # Only words that at most a fifth of the profiles use: "research" or "centre" explain nothing.
        floor = np.log((1 + n) / (1 + MAX_SHARED_TERM_SHARE * n)) + 1
        shared = [w for w in self._words(own_row) & self._words(row) if self.term_idf.get(w, 0.0) >= floor]
        ranked = sorted(shared, key=lambda word: (-self.term_idf.get(word, 0.0), word))
        return tuple(ranked[:limit])


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


def _words(org: Mapping) -> set[str]:
    return {
        word
        for word in _WORD.findall(fold(profile_text(org)))
        if word not in STOP_WORDS and not word.isdigit()
    }


def _lexical(orgs: Sequence[Mapping]) -> tuple[sparse.csr_matrix | None, dict[str, float]]:
    """TF-IDF rows of the whole profiles, and each term's IDF (for ranking shared terms)."""
    if len(orgs) < 2:
        return None, {}
    vectorizer = TfidfVectorizer(
        preprocessor=fold, token_pattern=_WORD.pattern, stop_words=list(STOP_WORDS), sublinear_tf=True
    )
    try:
        matrix = vectorizer.fit_transform([profile_text(org) for org in orgs]).astype(np.float32).tocsr()
    except ValueError:  # no word left at all: nothing lexical to compare
        return None, {}
    return matrix, dict(zip(vectorizer.get_feature_names_out(), vectorizer.idf_.tolist(), strict=True))

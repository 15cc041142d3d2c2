"""Judging the engine on the labelled set in ``data/eval/``, against baselines, and fitting its weights.

The labelled set grades, for 66 (organisation, track) queries, which partners across the Atlantic a
coordinator would accept (3 certainly, 2 good, 1 acceptable). Profiles exist in English (the seed)
and in French (``profiles_fr.jsonl``); the *mixed* corpus gives each organisation the language it
writes in (its first declared language), which is what the product sees in real use.

Weights are fitted with scikit-learn: a ``Ridge(positive=True)`` on pairwise differences (for two
candidates of one query, the better graded one should score higher), which beat a pointwise fit on
the grades by about 0.02 nDCG@5 out of fold. Non-negative weights keep every part pulling the same
way, so a two-sided fit never ranks below a one-sided one with the same other parts. The figures
reported for the engine are out of fold (``GroupKFold`` over the asking organisations): weights never
see the query they rank, nor another query of the same organisation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import Ridge
from sklearn.model_selection import GroupKFold

if TYPE_CHECKING:
    from models.matching.embeddings import Embedder
from models.heldout import (
    DEVELOPMENT_SETS,
    HELD_OUT_SETS,
    JUDGED_BY_DEFAULT,
    PROFILES_PATH,
    QUERIES_PATH,
    held_out_names,
    refuse_held_out,
)
from models.heldout import load_profiles as load_held_out_profiles
from models.matching.index import MatchIndex
from models.matching.passages import split_profile
from models.matching.topics import Vocabulary, fold, profile_text
from models.matching.weights import FEATURES, LearntWeights
from models.profiles import TRACKS

EVAL_DIR = Path(__file__).resolve().parents[2] / "data" / "eval"
K = 5


@dataclass(frozen=True)
class Query:
    id: str
    org: str
    track: str
    relevant: dict[str, int]


@dataclass(frozen=True)
class Scores:
    ndcg: float
    recall: float
    mrr: float
    queries: int


def load_queries(path: Path = EVAL_DIR / "queries.jsonl") -> list[Query]:
    """The graded queries."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Query(row["id"], row["org"], row["track"], row["relevant"]) for row in rows]


def load_records(path: Path) -> list[dict]:
    """Profiles of a JSONL file, with an ``id`` each (its line number) for indexing."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{**row, "id": number} for number, row in enumerate(rows, start=1)]


def corpus(variant: str, english: Sequence[Mapping], french: Sequence[Mapping]) -> list[dict]:
    """Profiles all in English (``en``), all in French (``fr``), or each in its own language (``mixed``)."""
    if variant not in ("en", "fr", "mixed"):
        raise ValueError(f"variant must be en, fr or mixed, got {variant!r}")
    by_name = {row["short_name"]: row for row in french}
    chosen = []
    for row in english:
        use_french = variant == "fr" or (variant == "mixed" and row["languages"][0] == "fr")
        chosen.append(dict(by_name[row["short_name"]] if use_french else row, id=row["id"]))
        if "status" in row:  # the status is not text: a translation keeps it
            chosen[-1]["status"] = row["status"]
    return chosen


def ndcg_at_k(ranked: Sequence[str], relevant: Mapping[str, int], k: int = K) -> float:
    """Normalised discounted cumulative gain of the first ``k`` names (gain 2^grade - 1)."""
    gains = [2 ** relevant.get(name, 0) - 1 for name in ranked[:k]]
    ideal = sorted((2**grade - 1 for grade in relevant.values()), reverse=True)[:k]
    discounts = 1 / np.log2(np.arange(2, k + 2))
    best = float(np.dot(ideal, discounts[: len(ideal)]))
    return float(np.dot(gains, discounts[: len(gains)])) / best if best else 0.0


def recall_at_k(ranked: Sequence[str], relevant: Mapping[str, int], k: int = K) -> float:
    """Share of the relevant partners found in the first ``k`` (of at most ``k`` findable)."""
    found = sum(1 for name in ranked[:k] if name in relevant)
    return found / min(len(relevant), k) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: Mapping[str, int]) -> float:
    """1 / rank of the first relevant partner, 0 if none is ranked."""
    for rank, name in enumerate(ranked, start=1):
        if name in relevant:
            return 1.0 / rank
    return 0.0


def judge(queries: Sequence[Query], rank: Callable[[Query], list[str]]) -> Scores:
    """Mean nDCG@5, recall@5 and MRR of a ranking function over the queries."""
    ndcg, recall, mrr = [], [], []
    for query in queries:
        ranked = rank(query)
        ndcg.append(ndcg_at_k(ranked, query.relevant))
        recall.append(recall_at_k(ranked, query.relevant))
        mrr.append(reciprocal_rank(ranked, query.relevant))
    return Scores(float(np.mean(ndcg)), float(np.mean(recall)), float(np.mean(mrr)), len(queries))


def build_index(
    records: Sequence[Mapping], embedder: Embedder, vocabulary: Vocabulary, weights: LearntWeights
) -> MatchIndex:
    """Split, embed and index a corpus in memory, as the product does from its database."""
    passages = [
        (record["id"], passage.field, passage.text)
        for record in records
        for passage in split_profile(record, embedder.count_tokens)
    ]
    vectors = embedder.embed_batch([text for _, _, text in passages])
    topics = {record["id"]: vocabulary.assign(profile_text(record)) for record in records}
    return MatchIndex.build(embedder.model_id, records, passages, vectors, topics, vocabulary, weights)


def query_rows(index: MatchIndex, query: Query) -> tuple[list[str], np.ndarray]:
    """Candidate names and their score parts for one query; closed organisations are left out, as
    the product never suggests them (:meth:`MatchIndex.suggest`)."""
    org_id = next(org["id"] for org in index.orgs if org["short_name"] == query.org)
    rows, parts, _ = index.features(org_id, query.track)
    open_ = np.array([index.orgs[row].get("status") != "closed" for row in rows], dtype=bool)
    return [index.orgs[row]["short_name"] for row in rows[open_]], parts[open_]


def engine_ranker(index: MatchIndex, weights: LearntWeights) -> Callable[[Query], list[str]]:
    """Rank candidates with the engine's parts and the given weights."""

    def rank(query: Query) -> list[str]:
        names, parts = query_rows(index, query)
        raw = parts @ weights.vector()
        return [names[i] for i in np.argsort(-raw, kind="stable")]

    return rank


def whole_profile_ranker(records: Sequence[Mapping], vectors: np.ndarray) -> Callable[[Query], list[str]]:
    """Baseline: cosine of one vector per whole profile, across the Atlantic.

    Parameters
    ----------
    vectors : ndarray of shape (n_records, dim), L2-normalised, one row per record
    """
    names = [record["short_name"] for record in records]
    regions = np.array([record["region"] for record in records])

    def rank(query: Query) -> list[str]:
        row = names.index(query.org)
        sims = vectors @ vectors[row]
        others = np.flatnonzero(regions != regions[row])
        return [names[i] for i in others[np.argsort(-sims[others], kind="stable")]]

    return rank


def tfidf_vectors(records: Sequence[Mapping]) -> np.ndarray:
    """Baseline vectors: TF-IDF of each whole profile, L2-normalised, shape (n_records, n_terms)."""
    vectorizer = TfidfVectorizer(preprocessor=fold, sublinear_tf=True)
    return vectorizer.fit_transform([profile_text(record) for record in records]).toarray()


def training_set(indexes: Sequence[MatchIndex], queries: Sequence[Query]):
    """Score parts, grades and query groups of every (query, candidate) pair in every corpus.

    Raises :class:`~models.heldout.HeldOutLeak` if a corpus or a query names a held-out organisation.
    """
    refuse_held_out("fitting the weights", (org["short_name"] for index in indexes for org in index.orgs))
    refuse_held_out("fitting the weights", (name for q in queries for name in (q.org, *q.relevant)))
    features, grades, groups = [], [], []
    for index in indexes:
        for group, query in enumerate(queries):
            names, parts = query_rows(index, query)
            features.append(parts)
            grades.append([query.relevant.get(name, 0) for name in names])
            groups.append(np.full(len(names), group))
    return np.vstack(features), np.concatenate(grades).astype(float), np.concatenate(groups)


def pairwise_differences(features: np.ndarray, grades: np.ndarray, groups: np.ndarray):
    """Differences of score parts between candidates of one query whose grades differ.

    Returns
    -------
    differences : ndarray of shape (n_pairs, n_features), better minus worse candidate
    """
    differences = []
    for group in np.unique(groups):
        members = np.flatnonzero(groups == group)
        better, worse = np.nonzero(grades[members][:, None] > grades[members][None, :])
        differences.append(features[members[better]] - features[members[worse]])
    return np.vstack(differences)


def fit_weights(
    features: np.ndarray, grades: np.ndarray, groups: np.ndarray, *, alpha: float = 1.0
) -> LearntWeights:
    """Non-negative pairwise ridge weights: for two candidates of one query, the better graded
    should score higher. Scaled so that the best labelled pairs score near 1."""
    differences = pairwise_differences(features, grades, groups)
    model = Ridge(alpha=alpha, positive=True, fit_intercept=False).fit(differences, np.ones(len(differences)))
    raw = features @ model.coef_
    good = grades >= 2
    scale = float(np.median(raw[good])) if good.any() else 1.0  # a median good pair scores tanh(1)
    best_direction = np.maximum(
        features[:, FEATURES.index("offer_fit")], features[:, FEATURES.index("seek_fit")]
    )
    threshold = float(np.quantile(best_direction[good], 0.25)) if good.any() else 0.35
    return LearntWeights(
        coefficients={name: round(float(c), 5) for name, c in zip(FEATURES, model.coef_, strict=True)},
        scale=round(scale, 5),
        fit_threshold=round(threshold, 4),
    )


#: what one part of the fitting data is: corpora (indexes) and the graded queries asked in each
Part = tuple[Sequence[MatchIndex], Sequence[Query]]


def pooled_training_set(parts: Sequence[Part]):
    """:func:`training_set` of each part one after the other, query groups numbered across them.

    Returns the features, grades and groups, and the queries in group order."""
    features, grades, groups, queries = [], [], [], []
    for indexes, asked in parts:
        one = training_set(indexes, asked)
        features.append(one[0])
        grades.append(one[1])
        groups.append(one[2] + len(queries))
        queries.extend(asked)
    return np.vstack(features), np.concatenate(grades), np.concatenate(groups), queries


def out_of_fold_weights(parts: Sequence[Part], *, folds: int = 5) -> dict[str, LearntWeights]:
    """For each query id, weights fitted without it nor any other query of the same organisation
    (GroupKFold over the asking organisations, across every part)."""
    features, grades, groups, queries = pooled_training_set(parts)
    asking = {org: number for number, org in enumerate(dict.fromkeys(q.org for q in queries))}
    by_organisation = np.array([asking[queries[int(group)].org] for group in groups])
    per_query_weights: dict[str, LearntWeights] = {}
    for train, test in GroupKFold(n_splits=folds).split(features, grades, by_organisation):
        weights = fit_weights(features[train], grades[train], groups[train])
        for group in np.unique(groups[test]):
            per_query_weights[queries[int(group)].id] = weights
    return per_query_weights


def out_of_fold_ranker(index: MatchIndex, per_query_weights: Mapping[str, LearntWeights]):
    """Rank one corpus's candidates with the weights that never saw the query."""

    def rank(query: Query) -> list[str]:
        names, parts = query_rows(index, query)
        raw = parts @ per_query_weights[query.id].vector()
        return [names[i] for i in np.argsort(-raw, kind="stable")]

    return rank


def out_of_fold_rankers(
    indexes: Mapping[str, MatchIndex], queries: Sequence[Query], *, folds: int = 5
) -> dict[str, Callable[[Query], list[str]]]:
    """A ranker per named corpus whose weights never saw the query they rank, nor any other query of
    the same organisation (GroupKFold over the asking organisations)."""
    per_query_weights = out_of_fold_weights([(list(indexes.values()), queries)], folds=folds)
    return {name: out_of_fold_ranker(index, per_query_weights) for name, index in indexes.items()}


def cross_validated(
    indexes: Mapping[str, MatchIndex], queries: Sequence[Query], *, folds: int = 5
) -> dict[str, Scores]:
    """Out-of-fold scores of the engine on each named corpus: weights never see the query they rank."""
    rankers = out_of_fold_rankers(indexes, queries, folds=folds)
    return {name: judge(queries, rank) for name, rank in rankers.items()}


CORPORA = ("en", "mixed", "fr")


@dataclass(frozen=True)
class Row:
    corpus: str
    ranker: str
    scores: Scores


def cross_lingual_queries(queries: Sequence[Query], records: Sequence[Mapping]) -> list[Query]:
    """Queries whose organisation writes in another language than one of its relevant partners."""
    language = {record["short_name"]: record["languages"][0] for record in records}
    return [q for q in queries if any(language[name] != language[q.org] for name in q.relevant)]


@dataclass(frozen=True)
class Slice:
    """One figure of the breakdown: a query set, a slice of it (a track, a language...), its scores."""

    set: str
    slice: str
    scores: Scores


def slices(
    label: str, queries: Sequence[Query], rank, records: Sequence[Mapping], held_out=()
) -> list[Slice]:
    """Scores of ``rank`` over all the queries, per track, per language of the query's organisation
    (the language it writes in) and, when ``held_out`` names some, for queries from those organisations."""
    language = {record["short_name"]: record["languages"][0] for record in records}
    groups: dict[str, list[Query]] = {"all": list(queries)}
    for track in TRACKS:
        groups[f"track {track}"] = [q for q in queries if q.track == track]
    for lang in ("fr", "en"):
        groups[f"query in {lang}"] = [q for q in queries if language[q.org] == lang]
    if held_out:
        groups["from organisations outside the fitting set"] = [q for q in queries if q.org in held_out]
        groups["from fitting-set organisations"] = [q for q in queries if q.org not in held_out]
    return [Slice(label, name, judge(chosen, rank)) for name, chosen in groups.items() if chosen]


def load_held_out(
    mixed: Sequence[Mapping], profiles: Path = PROFILES_PATH, queries_path: Path = QUERIES_PATH
) -> tuple[list[dict], list[Query]]:
    """A held-out corpus (the mixed seed corpus plus one set's profiles, v1 by default) and its queries."""
    first = max((record["id"] for record in mixed), default=0) + 1
    extra = [{**profile, "id": first + i} for i, profile in enumerate(load_held_out_profiles(profiles))]
    queries = load_queries(queries_path) if queries_path.exists() else []
    return [*map(dict, mixed), *extra], queries


def baselines(records: Sequence[Mapping], embedder: Embedder) -> dict[str, Callable[[Query], list[str]]]:
    """The two whole-profile baselines: TF-IDF, and the plain model (unanchored, truncated at its window)."""
    plain = getattr(embedder, "inner", embedder)
    whole = plain.embed_batch([profile_text(record) for record in records])
    return {
        "TF-IDF cosine, whole profile": whole_profile_ranker(records, tfidf_vectors(records)),
        "MiniLM cosine, whole profile": whole_profile_ranker(records, whole),
    }


def run_evaluation(
    embedder: Embedder,
    vocabulary: Vocabulary,
    weights: LearntWeights,
    *,
    fit: bool = False,
    history: Callable[[], tuple] | None = None,
    held_out: Sequence[str] = JUDGED_BY_DEFAULT,
) -> tuple[list[Row], list[Slice], LearntWeights | None]:
    """Judge the engine and the two baselines on every corpus and on the named sets; optionally fit.

    The fitting data are the seed's 66 queries over its three corpora and the development sets'
    queries, each over the mixed seed corpus plus its own profiles (:data:`DEVELOPMENT_SETS`). Their
    figures are out of fold: weights fitted without the query nor any other query of the same
    organisation, in any part. ``held_out`` names the sets to print (keys of
    :data:`~models.heldout.HELD_OUT_SETS`): a development set out of fold, a held-out set (v7, v8)
    ranked over the mixed seed corpus plus its own profiles with the weights that would ship.

    Returns the table rows, the breakdown and, with ``fit``, the weights fitted on all the fitting
    data (their ``cross_validation`` field holds the out-of-fold figures). Nothing held out is
    fitted on. ``history`` gives the judged lists of what members and coordinators did (features,
    grades, groups); with ``fit`` they are added to the labelled set once there are enough
    (``models.feedback.refit``), and ``cross_validation["history"]`` says what they changed.
    """
    english = load_records(EVAL_DIR / "profiles_en.jsonl")
    french = load_records(EVAL_DIR / "profiles_fr.jsonl")
    queries = load_queries()
    corpora = {name: corpus(name, english, french) for name in CORPORA}
    indexes = {name: build_index(records, embedder, vocabulary, weights) for name, records in corpora.items()}
    development = {name: load_held_out(corpora["mixed"], *HELD_OUT_SETS[name]) for name in DEVELOPMENT_SETS}
    development_indexes = {
        name: build_index(records, embedder, vocabulary, weights)
        for name, (records, _) in development.items()
    }
    parts = [(list(indexes.values()), queries)]
    parts += [([development_indexes[name]], asked) for name, (_, asked) in development.items()]
    per_query_weights = out_of_fold_weights(parts)
    oof_rankers = {name: out_of_fold_ranker(index, per_query_weights) for name, index in indexes.items()}
    out_of_fold = {name: judge(queries, rank) for name, rank in oof_rankers.items()}
    for name, (_, asked) in development.items():
        out_of_fold[name] = judge(asked, out_of_fold_ranker(development_indexes[name], per_query_weights))
    fitted = None
    if fit:
        features, grades, groups, _ = pooled_training_set(parts)
        fitted = fit_weights(features, grades, groups)
        fitted.fitted_on = (
            f"{len(queries)} graded queries x corpora {', '.join(CORPORA)}, and "
            f"{sum(len(asked) for _, asked in development.values())} of the development sets "
            f"{', '.join(name.split()[-1] for name in DEVELOPMENT_SETS)}; model {embedder.model_id}"
        )
        fitted.cross_validation = {name: asdict(scores) for name, scores in out_of_fold.items()}
        if history is not None:
            fitted = _with_history(fitted, (features, grades, groups), history(), weights)
    shipped = fitted or weights
    rows = []
    for name, records in corpora.items():
        rankers = {
            "engine, out-of-fold weights": oof_rankers[name],
            "engine, shipped weights": engine_ranker(indexes[name], shipped),
            **baselines(records, embedder),
        }
        for label, rank in rankers.items():
            rows.append(Row(name, label, judge(queries, rank)))
        crossing = cross_lingual_queries(queries, records)
        if name == "mixed" and crossing:
            for label in ("engine, shipped weights", *baselines(records, embedder)):
                rows.append(Row("mixed, cross-language queries", label, judge(crossing, rankers[label])))
    breakdown = slices("fitting set (mixed, out-of-fold)", queries, oof_rankers["mixed"], corpora["mixed"])
    for set_name in held_out:
        profiles, queries_path = HELD_OUT_SETS[set_name]
        if set_name in development:
            held_records, held_queries = development[set_name]
            held_index = development_indexes[set_name]
            engine = out_of_fold_ranker(held_index, per_query_weights)
            scores = out_of_fold[set_name]  # judged above, for the fitted weights' record
            label, suffix = "engine, out-of-fold weights", "out-of-fold"
        else:
            held_records, held_queries = load_held_out(corpora["mixed"], profiles, queries_path)
            if not held_queries:
                continue
            held_index = build_index(held_records, embedder, vocabulary, shipped)
            engine = engine_ranker(held_index, shipped)
            scores = judge(held_queries, engine)
            label, suffix = "engine, shipped weights", "shipped weights"
        rows.append(Row(f"{set_name} (as written)", label, scores))
        for baseline, rank in baselines(held_records, embedder).items():
            rows.append(Row(f"{set_name} (as written)", baseline, judge(held_queries, rank)))
        # the origin of a query says something only where the set's organisations are not fitted on
        names = frozenset() if set_name in development else held_out_names(profiles)
        breakdown += slices(f"{set_name} (as written, {suffix})", held_queries, engine, held_records, names)
    return rows, breakdown, fitted


def _with_history(fitted: LearntWeights, labelled, judged, current: LearntWeights) -> LearntWeights:
    """The weights refitted on the labelled set plus the judged lists, if there are enough of them."""
    from models.feedback import refit

    outcome = refit(labelled, judged, current, fit_weights)
    report = {
        "lists": outcome.lists,
        "before": outcome.before,
        "after": outcome.after,
        "note": outcome.message,
    }
    if outcome.weights is None:
        fitted.cross_validation["history"] = report
        return fitted
    outcome.weights.fitted_on = f"{fitted.fitted_on}; plus {outcome.lists} judged lists from the database"
    outcome.weights.cross_validation = {**fitted.cross_validation, "history": report}
    return outcome.weights

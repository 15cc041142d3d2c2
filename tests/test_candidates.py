"""The first stage: candidates across the Atlantic, then the full scoring on those only."""

from __future__ import annotations

import numpy as np
import pytest

from bench.bench_matching import synthetic
from models.candidates import PASSAGE_PARTS, Candidates, top_k
from models.errors import NotFound
from models.matching.index import MatchIndex
from models.matching.topics import load_vocabulary
from models.matching.weights import FEATURES, load_weights
from models.profiles import TRACKS


def synthetic_index(n: int, seed: int) -> MatchIndex:
    """An index of ``n`` synthetic organisations, built with the shipped vocabulary and weights."""
    orgs, passages, vectors, topic_sets = synthetic(n, seed=seed)
    vocabulary, weights = load_vocabulary(), load_weights()
    return MatchIndex.build("synthetic", orgs, passages, vectors, topic_sets, vocabulary, weights)


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    return synthetic_index(600, seed=3)


def test_scoring_some_rows_gives_the_same_parts_as_scoring_all(index):
    rows, parts, _ = index.features(1, "joint_trial")
    some = rows[::7]
    picked_rows, picked_parts, _ = index.features(1, "joint_trial", some)
    assert np.array_equal(picked_rows, some)
    np.testing.assert_allclose(picked_parts, parts[::7], rtol=1e-5, atol=1e-6)


def test_candidate_rows_must_be_across_the_atlantic(index):
    own = index.row_of(1)
    with pytest.raises(ValueError, match="across the Atlantic"):
        index.features(1, "event", np.array([own]))


def test_candidates_are_across_the_atlantic_ascending_and_bounded(index):
    candidates = Candidates(index)
    for org_id in (1, 2, 77):
        row = index.row_of(org_id)
        picked = candidates.for_row(row, 40)
        assert picked.size == 40 and np.all(np.diff(picked) > 0)
        assert not np.any(index.regions[picked] == index.regions[row])
    assert np.array_equal(candidates.for_row(0, 10_000), candidates.other_side(0))


def test_suggestions_from_candidates_mostly_agree_with_full_scoring(index):
    candidates = Candidates(index)
    agree = []
    for org_id in range(1, 601, 15):
        track = TRACKS[org_id % len(TRACKS)]
        full = [s.org_id for s in index.suggest(org_id, track, 10)]
        rows = candidates.for_row(index.row_of(org_id), 100)
        staged = [s.org_id for s in index.suggest(org_id, track, 10, rows=rows)]
        agree.append(len(set(full) & set(staged)) / 10)
    assert np.mean(agree) >= 0.9, f"top-10 overlap {np.mean(agree):.2f}"


@pytest.fixture(scope="module")
def index_2000() -> MatchIndex:
    return synthetic_index(2_000, seed=5)


def test_proxy_candidates_hold_the_full_top_10_at_2000_organisations(index_2000):
    index = index_2000
    kept = {"proxy": [], "centroid": []}
    for stage in kept:
        candidates = Candidates(index, stage=stage)
        for org_id in range(1, 2_001, 50):
            track = TRACKS[org_id % len(TRACKS)]
            full = {s.org_id for s in index.suggest(org_id, track, 10, evidence=False)}
            rows = candidates.for_row(index.row_of(org_id), 100, track)
            found = {index.orgs[row]["id"] for row in rows}
            kept[stage].append(len(full & found) / 10)
    assert np.mean(kept["proxy"]) >= 0.95, f"proxy keeps {np.mean(kept['proxy']):.2f} of the full top 10"
    assert np.mean(kept["proxy"]) >= np.mean(kept["centroid"])


def test_the_proxy_computes_every_part_but_the_passages_exactly(index):
    candidates = Candidates(index)
    weights = dict(zip(FEATURES, index.weights.vector(), strict=True))
    passage_weight = sum(weights[name] for name in PASSAGE_PARTS)
    row = index.row_of(7)
    others = candidates.other_side(row)
    block = slice(others[0], others[-1] + 1)
    for track in TRACKS:
        rows, parts, _ = index.features(7, track)
        cheap = [i for i, name in enumerate(FEATURES) if name not in PASSAGE_PARTS]
        exact = parts[:, cheap] @ index.weights.vector()[cheap]
        means = candidates.centroids[others] @ candidates.centroids[row] * passage_weight
        proxy = candidates.proxy_scores(np.array([row]), block, track)[0]
        np.testing.assert_allclose(proxy - means, exact, atol=1e-4)


def test_top_k_finds_the_largest_values_of_each_row():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(30, 5_000)).astype(np.float32)
    scores[3] = 1.0  # every value tied: the sampled threshold lets all through
    scores[4, :4_990] = -np.inf  # closed organisations: only 10 finite values
    picked = top_k(scores, 25)
    for row, columns in enumerate(picked):
        assert len(set(columns.tolist())) == 25
        assert np.min(scores[row, columns]) >= np.sort(scores[row])[-25]


def test_an_unknown_stage_is_refused(index):
    with pytest.raises(ValueError, match="stage must be one of proxy, centroid"):
        Candidates(index, stage="faiss")


def test_explain_scores_one_partner_as_suggest_does(index):
    best = index.suggest(2, "co_training", 1)[0]
    explained = index.explain(2, best.org_id, "co_training")
    assert explained.score == best.score and explained.parts == best.parts
    assert explained.evidence == best.evidence


def _edited(orgs, passages, vectors, topic_sets, org_id, rng):
    """The same corpus with one organisation's texts, passages, vectors and topics changed."""
    orgs = [dict(org) for org in orgs]
    edited = next(org for org in orgs if org["id"] == org_id)
    edited["seeks"] = "w1 w2 w3 w4 w5 w6"
    edited["collaboration_types"] = ["event"]
    keep = [i for i, p in enumerate(passages) if p[0] != org_id]
    extra = [(org_id, "expertise", "new a"), (org_id, "offers", "new b"), (org_id, "offers", "new c"),
             (org_id, "seeks", edited["seeks"])]  # fmt: skip
    fresh = rng.normal(size=(len(extra), vectors.shape[1])).astype(np.float32)
    fresh /= np.linalg.norm(fresh, axis=1, keepdims=True)
    topic_sets = dict(topic_sets) | {org_id: ["car_t", "gmp"]}
    return (
        orgs,
        [passages[i] for i in keep] + extra,
        np.vstack([vectors[keep], fresh]),
        topic_sets,
        extra,
        fresh,
    )


def test_an_edit_in_place_scores_as_a_rebuild_would():
    orgs, passages, vectors, topic_sets = synthetic(300, seed=5)
    vocabulary, weights = load_vocabulary(), load_weights()
    index = MatchIndex.build("s", orgs, passages, vectors, topic_sets, vocabulary, weights, lexical=False)
    candidates = Candidates(index)
    rng = np.random.default_rng(0)
    for org_id in (7, 8, 7):  # the same organisation twice: its first replacement is dropped
        orgs, passages, vectors, topic_sets, extra, fresh = _edited(
            orgs, passages, vectors, topic_sets, org_id, rng
        )
        edited = [org for org in orgs if org["id"] == org_id]
        rows = index.replace_orgs(edited, extra, fresh, topic_sets)
        candidates.update(rows)
    rebuilt = MatchIndex.build("s", orgs, passages, vectors, topic_sets, vocabulary, weights, lexical=False)
    for org_id, track in ((7, "event"), (8, "joint_trial"), (2, "event"), (3, "co_training")):
        assert index.suggest(org_id, track, 15) == rebuilt.suggest(org_id, track, 15)
    assert index.explain(7, 2, "event") == rebuilt.explain(7, 2, "event")
    assert [h.org_id for h in index.search(fresh[0], "new a", 5)] == [
        h.org_id for h in rebuilt.search(fresh[0], "new a", 5)
    ]
    np.testing.assert_allclose(candidates.centroids, Candidates(rebuilt).centroids, atol=1e-6)


def test_an_edit_in_place_recomputes_the_lexical_row_with_the_built_vocabulary():
    orgs, passages, vectors, topic_sets = synthetic(200, seed=6)
    index = MatchIndex.build("s", orgs, passages, vectors, topic_sets, load_vocabulary(), load_weights())
    edited = dict(orgs[4], expertise=orgs[9]["expertise"], offers=orgs[9]["offers"], seeks=orgs[9]["seeks"])
    own = [p for p in passages if p[0] == edited["id"]]
    index.replace_orgs(
        [edited], own, vectors[[i for i, p in enumerate(passages) if p[0] == edited["id"]]], topic_sets
    )
    row, twin = index.row_of(edited["id"]), index.row_of(orgs[9]["id"])
    assert abs((index.lexical[row] @ index.lexical[twin].T).toarray()[0, 0] - 1.0) < 1e-5


def test_a_new_and_a_moved_organisation_are_added_in_place_as_a_rebuild_would_rank_them():
    orgs, passages, vectors, topic_sets = synthetic(300, seed=8)
    vocabulary, weights = load_vocabulary(), load_weights()
    # Built without the last two organisations, which then arrive in place; one more changes side.
    late = {orgs[-1]["id"], orgs[-2]["id"]}
    kept = [i for i, p in enumerate(passages) if p[0] not in late]
    index = MatchIndex.build(
        "s", [o for o in orgs if o["id"] not in late], [passages[i] for i in kept], vectors[kept],
        topic_sets, vocabulary, weights, lexical=False,
    )  # fmt: skip
    candidates = Candidates(index)
    orgs[3] = dict(orgs[3], region="QC" if orgs[3]["region"] == "BFC" else "BFC")
    arriving = [o for o in orgs if o["id"] in late or o["id"] == orgs[3]["id"]]
    wanted = {o["id"] for o in arriving}
    own = [i for i, p in enumerate(passages) if p[0] in wanted]
    rows = index.replace_orgs(arriving, [passages[i] for i in own], vectors[own], topic_sets)
    candidates.centroids = np.concatenate(
        [candidates.centroids, np.zeros((len(index.orgs) - len(candidates.centroids), 384), np.float32)]
    )
    candidates.update(rows)
    rebuilt = MatchIndex.build("s", orgs, passages, vectors, topic_sets, vocabulary, weights, lexical=False)
    fresh = Candidates(rebuilt)
    for org in arriving + orgs[10:14]:
        for track in ("event", "joint_trial"):
            got, expected = index.suggest(org["id"], track, 10), rebuilt.suggest(org["id"], track, 10)
            assert [s.org_id for s in got] == [s.org_id for s in expected]
            np.testing.assert_allclose([s.score for s in got], [s.score for s in expected], atol=1e-5)
        # The first stage agrees too, but for ties broken by row order (the rows are in another order).
        mine = {index.orgs[r]["id"] for r in candidates.for_row(index.row_of(org["id"]), 60)}
        theirs = {rebuilt.orgs[r]["id"] for r in fresh.for_row(rebuilt.row_of(org["id"]), 60)}
        assert len(mine & theirs) >= 54 and org["id"] not in mine
    assert index.regions[index.row_of(orgs[3]["id"])] == orgs[3]["region"]


def test_a_deleted_organisation_is_masked(index):
    gone = index.suggest(1, "event", 1)[0].org_id
    index.remove_orgs([gone])
    assert gone not in [s.org_id for s in index.suggest(1, "event", 20)]
    assert gone not in [h.org_id for h in index.search(index.vectors[0], "x", 600)]
    with pytest.raises(NotFound):
        index.row_of(gone)

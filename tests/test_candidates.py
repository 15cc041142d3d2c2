"""The first stage: candidates across the Atlantic, then the full scoring on those only."""

from __future__ import annotations

import numpy as np
import pytest

from bench.bench_matching import synthetic
from models.candidates import Candidates
from models.matching import MatchIndex
from models.profiles import TRACKS
from models.topics import load_vocabulary
from models.weights import load_weights


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    orgs, passages, vectors, topic_sets = synthetic(600, seed=3)
    vocabulary, weights = load_vocabulary(), load_weights()
    return MatchIndex.build("synthetic", orgs, passages, vectors, topic_sets, vocabulary, weights)


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


def test_explain_scores_one_partner_as_suggest_does(index):
    best = index.suggest(2, "co_training", 1)[0]
    explained = index.explain(2, best.org_id, "co_training")
    assert explained.score == best.score and explained.parts == best.parts
    assert explained.evidence == best.evidence

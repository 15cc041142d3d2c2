"""Proposals in blocks give what one suggestion at a time gives, and `flask propose` resumes."""

from __future__ import annotations

import numpy as np
import pytest

from bench.bench_matching import synthetic
from models.candidates import Candidates
from models.matching.batch import best_partners
from models.matching.index import MatchIndex
from models.matching.topics import load_vocabulary
from models.matching.weights import load_weights


@pytest.fixture(scope="module")
def built():
    orgs, passages, vectors, topic_sets = synthetic(400, seed=11)
    orgs[5]["status"] = "closed"  # never ranked, never proposed
    vocabulary, weights = load_vocabulary(), load_weights()
    index = MatchIndex.build("synthetic", orgs, passages, vectors, topic_sets, vocabulary, weights)
    return index, Candidates(index), {org["id"]: org for org in orgs}


def test_blocks_give_what_one_suggestion_at_a_time_gives(built):
    index, candidates, orgs = built
    rows = list(range(len(index.orgs)))
    blocks = list(best_partners(index, candidates, rows, lambda i: orgs[i]["collaboration_types"], 3, k=40))
    assert len(blocks) == 2  # 256 organisations a block
    ranked = [best for block in blocks for best in block]
    assert len(ranked) == sum(len(org["collaboration_types"]) for org in orgs.values())
    for best in ranked:
        rows = candidates.for_row(index.row_of(best.org_id), 40, best.track)
        one = index.suggest(best.org_id, best.track, 3, rows=rows, evidence=False)
        assert [p[0] for p in best.partners] == [s.org_id for s in one], (best.org_id, best.track)
        np.testing.assert_allclose([p[1] for p in best.partners], [s.score for s in one], atol=1e-4)
    closed = {org_id for org_id, org in orgs.items() if org.get("status") == "closed"}
    assert all(not best.partners for best in ranked if best.org_id in closed)
    assert not any(p[0] in closed for best in ranked for p in best.partners)


def test_per_org_must_be_positive(built):
    index, candidates, orgs = built
    with pytest.raises(ValueError, match="per_org must be at least 1"):
        next(best_partners(index, candidates, [0], lambda i: ["event"], 0))

"""Proposals in blocks give what one suggestion at a time gives, and `flask propose` resumes."""

from __future__ import annotations

import numpy as np
import pytest

from bench.bench_matching import synthetic
from models.candidates import PASSAGE_PARTS, Candidates
from models.matching.batch import best_partners, block_sizes, passage_parts
from models.matching.index import MatchIndex
from models.matching.topics import load_vocabulary
from models.matching.weights import FEATURES, load_weights
from models.profiles import TRACKS


@pytest.fixture(scope="module")
def built():
    orgs, passages, vectors, topic_sets = synthetic(400, seed=11)
    orgs[5]["status"] = "closed"  # never ranked, never proposed
    vocabulary, weights = load_vocabulary(), load_weights()
    index = MatchIndex.build("synthetic", orgs, passages, vectors, topic_sets, vocabulary, weights)
    candidates = Candidates(index)
    # Edited in place: one organisation left with a single passage (what it seeks), stored after
    # the built rows.
    rows = index.replace_orgs([orgs[8]], [(orgs[8]["id"], "seeks", "what it seeks")], vectors[:1], topic_sets)
    candidates.update(rows)
    # And one left with no passage at all: none of its old passages may still count.
    candidates.update(index.replace_orgs([orgs[12]], [], vectors[:0], topic_sets))
    return index, candidates, {org["id"]: org for org in orgs}


@pytest.mark.parametrize("stage", ["proxy", "centroid"])
def test_blocks_give_what_one_suggestion_at_a_time_gives(built, stage):
    index, candidates, orgs = built
    candidates.stage = stage
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


def test_a_small_block_memory_gives_the_same_partners_as_the_default(built):
    index, candidates, orgs = built
    candidates.stage = "proxy"
    rows = list(range(len(index.orgs)))

    def ranked(**budget) -> list:
        tracks = lambda i: orgs[i]["collaboration_types"]  # noqa: E731
        return [
            best for block in best_partners(index, candidates, rows, tracks, 3, **budget) for best in block
        ]

    # 0.05 MB: candidate matrices of 16 queries, the passages of one organisation's pairs at a time.
    assert block_sizes(0.05) == (3276, 12)
    assert ranked(memory_mb=0.05) == ranked()
    with pytest.raises(ValueError, match="more than 0 MB"):
        ranked(memory_mb=0)


def test_proposals_in_a_small_block_memory_are_those_of_the_default(app, seeded):
    from app import matching
    from app.coordination import proposals
    from app.db import get_db

    with app.app_context():
        db = get_db()
        proposals.propose(db, matching.engine, 0.0, 2)
        default = db.execute(
            "SELECT bfc_org_id, qc_org_id, track, score FROM pairings ORDER BY 1, 2, 3"
        ).fetchall()
        db.execute("DELETE FROM pairings")
        app.config["PROPOSAL_BLOCK_MB"] = 0.01
        proposals.propose(db, matching.engine, 0.0, 2)
        small = db.execute(
            "SELECT bfc_org_id, qc_org_id, track, score FROM pairings ORDER BY 1, 2, 3"
        ).fetchall()
    assert len(default) > 40 and small == default


def test_per_org_must_be_positive(built):
    index, candidates, orgs = built
    with pytest.raises(ValueError, match="per_org must be at least 1"):
        next(best_partners(index, candidates, [0], lambda i: ["event"], 0))


def test_passage_parts_of_a_block_are_those_of_the_full_scoring(built):
    index, candidates, _ = built
    columns = [FEATURES.index(name) for name in PASSAGE_PARTS]
    queries, partners, expected = [], [], []
    for org_id in (2, 9, 10, 51, 52, 13):  # 9 has one passage left, and is a candidate of 10 and 52
        row = index.row_of(org_id)
        rows = candidates.for_row(row, 60, "event")
        if org_id == 13:  # 13 has none left: its passage parts are 0 against any partner
            rows = np.arange(200, 260)
        queries.append(np.full(rows.size, row))
        partners.append(rows)
        expected.append(index.features(org_id, "event", rows)[1][:, columns])
    parts = passage_parts(index, np.concatenate(queries), np.concatenate(partners))
    np.testing.assert_allclose(parts, np.concatenate(expected), atol=1e-6)


def test_known_parts_are_every_part_but_the_passage_parts(built):
    index, candidates, orgs = built
    known = [i for i, name in enumerate(FEATURES) if name not in PASSAGE_PARTS]
    weights = index.weights.vector()
    rows = [index.row_of(org_id) for org_id in (3, 4, 6, 9)]
    found = candidates.scored_rows_tracks(rows, 40, list(TRACKS))
    for row, per_track in zip(rows, found, strict=True):
        for track, (partners, scored) in per_track.items():
            parts = index.features(index.orgs[row]["id"], track, partners)[1]
            closed = np.array([orgs[index.orgs[i]["id"]].get("status") == "closed" for i in partners])
            assert np.all(np.isneginf(scored) == closed)  # never proposed
            expected = np.where(closed, -np.inf, parts[:, known] @ weights[known])
            np.testing.assert_allclose(scored, expected, atol=1e-5)
            pairs = candidates.known_parts(np.full(partners.size, row), partners, track)
            np.testing.assert_allclose(pairs, scored, atol=1e-5)

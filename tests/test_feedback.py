"""Learning from what happens: judgements from stances and decisions, refitting, dismissed partners."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import bearer, org_id

from app import matching
from app.coordination.proposals import propose
from app.coordination.queries import ensure_pairing
from app.feedback import judgements
from models.feedback import (
    MIN_JUDGED_LISTS,
    Judgement,
    informative,
    judged_lists,
    refit,
    training_rows,
)
from models.heldout import HeldOutLeak
from models.matching.evaluate import fit_weights
from models.matching.weights import FEATURES, LearntWeights


def test_stances_and_decisions_become_judgements(member, seeded, db):
    efs, thecell, hema = org_id(db, "EFS BFC"), org_id(db, "ThéCell"), org_id(db, "Héma-Québec")
    for partner, kind in ((thecell, "not_relevant"), (hema, "interested")):
        member.post(f"/members/{efs}/interest", {"partner_id": partner, "track": "co_training", "kind": kind})
    pairing = ensure_pairing(db, efs, hema, "co_training", "engine", 0.7)
    db.execute("UPDATE pairings SET status = 'approved' WHERE id = ?", [pairing])
    db.conn.commit()
    found = {(j.org, j.partner, j.track, j.grade, j.source) for j in judgements(db)}
    assert ("EFS BFC", "ThéCell", "co_training", 0, "not_relevant") in found
    assert ("EFS BFC", "Héma-Québec", "co_training", 2, "interested") in found
    assert ("Héma-Québec", "EFS BFC", "co_training", 3, "approved") in found  # both sides' lists
    lists = judged_lists(judgements(db))
    assert lists[("EFS BFC", "co_training")] == {"ThéCell": 0, "Héma-Québec": 3}  # the decision wins
    assert list(informative(lists)) == [("EFS BFC", "co_training")]


def test_a_partner_marked_not_relevant_never_comes_back(member, client, seeded, db, api_tokens):
    efs = org_id(db, "EFS BFC")
    with seeded.app_context():
        first = matching.suggestions_for(db, efs, "economic", top_k=3)[0]
    member.post(
        f"/members/{efs}/interest", {"partner_id": first.org_id, "track": "economic", "kind": "not_relevant"}
    )
    answer = client.get(
        f"/api/v1/organisations/{efs}/suggestions?track=economic&top=3",
        headers=bearer(api_tokens["member_bfc"]),
    ).get_json()
    assert len(answer["items"]) == 3 and first.org_id not in [item["org_id"] for item in answer["items"]]
    with seeded.app_context():
        propose(db, matching.engine, 0.0, 5)
    pairs = db.execute("SELECT bfc_org_id, qc_org_id FROM pairings WHERE track = 'economic'").fetchall()
    assert (efs, first.org_id) not in pairs and pairs  # proposed others, never that one


def test_refit_waits_for_enough_judged_lists_then_judges_out_of_fold():
    rng = np.random.default_rng(0)
    width = len(FEATURES)
    labelled = (rng.random((40, width)), rng.integers(0, 4, 40).astype(float), np.repeat(np.arange(8), 5))
    current = LearntWeights({name: 1.0 for name in FEATURES})
    few = (rng.random((6, width)), np.array([0, 2, 0, 2, 0, 2.0]), np.array([0, 0, 1, 1, 2, 2]))
    outcome = refit(labelled, few, current, fit_weights)
    assert outcome.weights is None and f"at least {MIN_JUDGED_LISTS}" in outcome.message
    # Judged lists where only the first part tells good from bad: refitting learns it.
    n = 2 * (MIN_JUDGED_LISTS + 2)
    features = rng.random((n, width)) * 0.1
    grades = np.tile([3.0, 0.0], n // 2)
    features[grades == 3, 0] += 1.0
    features[grades == 0, 1] += 1.0
    judged = (features, grades, np.repeat(np.arange(n // 2), 2))
    tilted = LearntWeights({**current.coefficients, FEATURES[1]: 5.0})
    outcome = refit(labelled, judged, tilted, fit_weights)
    assert outcome.weights is not None and outcome.lists == n // 2
    assert outcome.after > outcome.before


def test_learning_from_decisions_refuses_held_out_organisations(seeded, db):
    with seeded.app_context():
        index = matching.get_index(db)
    with pytest.raises(HeldOutLeak, match="learning from decisions"):
        judged = {"Milestone Pharmaceuticals": 3, "CHUM / CRCHUM": 0}  # a v7 organisation
        training_rows(index, {("EFS BFC", "joint_trial"): judged})
    rows = training_rows(index, informative(judged_lists([
        Judgement("EFS BFC", "Héma-Québec", "joint_trial", 3, "approved"),
        Judgement("EFS BFC", "ThéCell", "joint_trial", 0, "not_relevant"),
    ])))  # fmt: skip
    assert rows[0].shape == (2, len(FEATURES)) and sorted(rows[1]) == [0.0, 3.0]


def test_answered_requests_become_judgements_for_both_sides(seeded, db):
    efs, chum = org_id(db, "EFS BFC"), org_id(db, "CHUM / CRCHUM")
    db.table("requests").insert(
        {"from_org_id": efs, "to_org_id": chum, "track": "joint_trial", "format": "video_call",
         "status": "declined", "created_at": "2026-12-01T10:00:00Z"}
    )  # fmt: skip
    found = {(j.org, j.partner, j.grade, j.source) for j in judgements(db)}
    assert {("EFS BFC", "CHUM / CRCHUM", 0, "declined"), ("CHUM / CRCHUM", "EFS BFC", 0, "declined")} <= found


def test_meeting_outcomes_become_judgements_for_the_organisation_that_answered(seeded, db):
    efs, hmr = org_id(db, "EFS BFC"), org_id(db, "CIUSSS Est / HMR")
    stamp = "2026-05-01T10:00:00Z"
    trip = db.table("trips").insert(
        {"name": "Mission test", "direction": "BFC->QC", "start_date": "2026-05-11", "end_date": "2026-05-15",
         "created_at": stamp, "updated_at": stamp}
    ).last_pk  # fmt: skip
    meeting = db.table("published_meetings").insert(
        {"trip_id": trip, "uid": "m1", "status": "confirmed", "delegation_org_id": efs, "host_org_id": hmr,
         "delegate_name": "D", "start": "2026-05-11T09:00", "end": "2026-05-11T10:00",
         "time_zone": "America/Montreal", "city": "Montréal", "track": "joint_trial",
         "published_at": stamp, "created_at": stamp}
    ).last_pk  # fmt: skip
    for stage, org, side, outcome in ((1, efs, "delegation", "in_discussion"), (2, efs, "delegation",
                                       "agreement_signed"), (1, hmr, "host", None)):  # fmt: skip
        db.table("followups").insert(
            {"published_id": meeting, "stage": stage, "org_id": org, "side": side, "due_at": "2026-05-16",
             "created_at": stamp, "answered_at": stamp, "took_place": 1, "relevance": 2, "outcome": outcome}
        )  # fmt: skip
    lists = judged_lists(judgements(db))
    assert lists[("EFS BFC", "joint_trial")]["CIUSSS Est / HMR"] == 3  # stage 2 has the last word
    assert lists[("CIUSSS Est / HMR", "joint_trial")]["EFS BFC"] == 0  # relevance 2 of 5

"""The operations web views and API endpoints share: same rows and audit from both, rules enforced once."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import actor, bearer, org_id, page_text

from app import matching
from app.coordination.queries import ensure_pairing
from app.db import get_db
from app.operations import SYSTEM
from app.operations.organisations import update_profile
from app.operations.pairings import decide
from app.operations.stances import set_stance
from app.orgs.queries import get_by_short_name, upsert_organisations
from models.errors import Forbidden, IllegalTransition, InvalidInput, NotFound, StaleState


@pytest.fixture
def pairing(seeded, db):
    pairing_id = ensure_pairing(
        db, org_id(db, "EFS BFC"), org_id(db, "ThéCell"), "co_training", "engine", 0.7
    )
    db.conn.commit()
    return pairing_id


def snapshot(db) -> dict:
    """What an action leaves in the database, without the ids and times that differ between runs."""
    pairings = db.execute(
        "SELECT bfc_org_id, qc_org_id, track, status, origin, score FROM pairings ORDER BY id"
    )
    decisions = db.execute(
        "SELECT pairing_id, user_id, decision, from_status, to_status, comment FROM pairing_decisions"
        " ORDER BY id"
    )
    interests = db.execute(
        "SELECT org_id, partner_org_id, track, kind, reason, user_id FROM interests"
        " ORDER BY org_id, partner_org_id"
    )
    events = [
        (row[0], row[1], row[2], {k: v for k, v in json.loads(row[3]).items() if not k.endswith("_id")})
        # Account events (a sign-in on the web, a token for the API) differ by front end, by design.
        for row in db.execute(
            "SELECT name, subject, actor_id, data FROM events WHERE name NOT LIKE 'user.%' ORDER BY id"
        )
    ]
    return {
        "pairings": pairings.fetchall(),
        "decisions": decisions.fetchall(),
        "interests": interests.fetchall(),
        "events": events,
    }


def reset(db, pairing_id: int | None = None) -> None:
    """Undo an action: no decision, stance or event, the pairing proposed again (if given)."""
    for table in ("pairing_decisions", "interests", "events"):
        db.execute(f"DELETE FROM {table}")
    if pairing_id is None:
        db.execute("DELETE FROM pairings")
    else:
        db.execute("UPDATE pairings SET status = 'proposed' WHERE id = ?", [pairing_id])
    db.conn.commit()


def test_a_decision_through_the_web_and_through_the_api_leaves_the_same_rows(
    auth, client, db, pairing, api_tokens
):
    auth.login("coordinator")
    web = auth.post(
        f"/coordination/pairings/{pairing}/decide",
        {"decision": "approve", "comment": "Both teams agree.", "expected_status": "proposed"},
    )
    assert web.status_code == 302
    by_web = snapshot(db)
    assert by_web["decisions"] and by_web["events"][0][0] == "pairing.decided"
    reset(db, pairing)
    api = client.post(
        f"/api/v1/pairings/{pairing}/decisions",
        json={"decision": "approve", "comment": "Both teams agree.", "expected_status": "proposed"},
        headers=bearer(api_tokens["coordinator"]),
    )
    assert api.status_code == 201
    assert snapshot(db) == by_web


def test_a_stance_through_the_web_and_through_the_api_leaves_the_same_rows(
    auth, client, db, seeded, api_tokens
):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    auth.login("member_bfc")
    stance = {
        "partner_id": thecell,
        "track": "co_training",
        "kind": "intro_request",
        "reason": "GMP training",
    }
    assert auth.post(f"/members/{efs}/interest", stance).status_code == 302
    by_web = snapshot(db)
    assert by_web["interests"] and by_web["pairings"] and by_web["events"][0][0] == "stance.set"
    reset(db)
    api = client.post(
        f"/api/v1/organisations/{efs}/interests", json=stance, headers=bearer(api_tokens["member_bfc"])
    )
    assert api.status_code == 200
    assert snapshot(db) == by_web


def test_an_illegal_transition_is_refused_by_the_operation_itself(seeded, db, pairing):
    with pytest.raises(IllegalTransition) as refused:
        decide(db, actor(seeded, "coordinator"), pairing, "reopen", "Nothing to reopen.")
    assert refused.value.params == {"current": "proposed", "decision": "reopen"}
    with pytest.raises(StaleState):
        decide(db, actor(seeded, "coordinator"), pairing, "approve", "Too late.", expected_status="approved")
    with pytest.raises(Forbidden):
        decide(db, actor(seeded, "member_bfc"), pairing, "approve", "Members do not decide.")
    with pytest.raises(InvalidInput):
        decide(db, actor(seeded, "coordinator"), pairing, "approve", "   ")
    with pytest.raises(NotFound):
        decide(db, SYSTEM, 999999, "approve", "No such pairing.")
    assert snapshot(db)["decisions"] == [] and snapshot(db)["events"] == []


def test_an_illegal_transition_is_refused_from_the_web_and_from_the_api(
    auth, client, db, pairing, api_tokens
):
    auth.login("coordinator")
    client.get("/auth/password?lang=en")
    data = {"decision": "reopen", "comment": "Nothing to reopen.", "expected_status": "proposed"}
    web = auth.post(f"/coordination/pairings/{pairing}/decide", data)
    assert web.status_code == 409
    assert "A pairing that is Proposed cannot take the decision “Reopened”." in page_text(web)
    client.get("/auth/password?lang=fr")
    web = auth.post(f"/coordination/pairings/{pairing}/decide", data)
    assert (
        "Cette mise en relation est «\u00a0Proposée\u00a0»\u00a0: "
        "la décision «\u00a0Rouverte\u00a0» ne s’y applique pas." in page_text(web)
    )
    api = client.post(
        f"/api/v1/pairings/{pairing}/decisions", json=data, headers=bearer(api_tokens["coordinator"])
    )
    assert api.status_code == 409 and api.json["errors"][0]["field"] == "decision"
    assert api.json["error"].startswith("A pairing that is Proposed cannot take the decision")
    assert snapshot(db)["decisions"] == [] and snapshot(db)["events"] == []


def test_a_stance_is_for_members_of_the_organisation_only(seeded, db):
    efs, thecell, chu = org_id(db, "EFS BFC"), org_id(db, "ThéCell"), org_id(db, "CHU de Besançon")
    with pytest.raises(Forbidden):
        set_stance(db, actor(seeded, "coordinator"), efs, thecell, "co_training", "interested")
    with pytest.raises(Forbidden):
        set_stance(db, actor(seeded, "member_qc"), efs, thecell, "co_training", "interested")
    with pytest.raises(InvalidInput) as same_side:
        set_stance(db, actor(seeded, "member_bfc"), efs, chu, "co_training", "interested")
    assert same_side.value.field == "partner_id"
    with pytest.raises(InvalidInput):
        set_stance(db, actor(seeded, "member_bfc"), efs, thecell, "co_training", "adored")
    assert snapshot(db)["interests"] == [] and snapshot(db)["events"] == []


def far_partner(app, db) -> int:
    """Add 210 Québec look-alikes of ThéCell; return one that EFS BFC's ranking puts beyond the 200th."""
    template = dict(get_by_short_name(db, "ThéCell"))
    records = [
        {
            **{key: template[key] for key in ("region", "city", "type", "collaboration_types", "languages")},
            "name": f"Laboratoire d’essai {n}",
            "short_name": f"Essai {n}",
            **{key: f"{template[key]} ({n})" for key in ("expertise", "offers", "seeks")},
            "website": "",
        }
        for n in range(210)
    ]
    upsert_organisations(db, records)
    with app.app_context():
        matching.sync(get_db())
        efs = org_id(db, "EFS BFC")
        ranked = matching.suggestions_for(get_db(), efs, "co_training", top_k=1000)
    assert len(ranked) > 200
    return next(s.org_id for s in ranked[200:] if s.evidence.passages)


def test_a_partner_ranked_beyond_200_still_shows_its_score_and_evidence(auth, client, seeded, db, api_tokens):
    far = far_partner(seeded, db)
    efs = org_id(db, "EFS BFC")
    pairing = ensure_pairing(db, efs, far, "co_training", "member", None)
    db.conn.commit()
    auth.login("coordinator")
    client.get("/auth/password?lang=en")
    text = page_text(client.get(f"/coordination/pairings/{pairing}"))
    with seeded.app_context():
        expected = matching.explain(get_db(), efs, far, "co_training")
    assert "Why the engine links them" in text and expected.evidence.passages
    assert expected.evidence.passages[0].partner_text in text
    shown = client.get(f"/api/v1/pairings/{pairing}", headers=bearer(api_tokens["coordinator"])).json[
        "pairing"
    ]
    assert shown["suggestion"]["org_id"] == far and shown["suggestion"]["score"] == pytest.approx(
        expected.score
    )
    assert shown["suggestion"]["evidence"]["passages"]
    # A stance on it records the engine's score of that one pair.
    auth.logout()
    auth.login("member_bfc")
    data = {"partner_id": far, "track": "co_training", "kind": "interested"}
    assert auth.post(f"/members/{efs}/interest", data).status_code == 302
    score = db.execute("SELECT score FROM pairings WHERE id = ?", [pairing]).fetchone()[0]
    assert score == pytest.approx(expected.score)


def test_planning_an_incomplete_trip_names_what_is_missing_from_every_front_end(
    auth, client, seeded, db, runner
):
    from app.operations import trips
    from app.trips import queries

    fields = {
        "name": "Empty",
        "direction": "BFC->QC",
        "cities": ["Montréal"],
        "status": "planned",
        "notes": "",
    }
    dates = {"start_date": date(2026, 5, 11), "end_date": date(2026, 5, 12)}
    trip_id = queries.create_trip(db, fields | dates)
    with pytest.raises(InvalidInput) as refused:
        trips.plan(db, actor(seeded, "coordinator"), trip_id)
    assert [part["code"] for part in refused.value.params["parts"]] == ["no_delegates", "no_hosts"]
    with pytest.raises(Forbidden):
        trips.plan(db, actor(seeded, "member_bfc"), trip_id)
    result = runner.invoke(args=["plan-trip", str(trip_id)])
    assert result.exit_code == 1
    assert "The trip cannot be planned yet: The delegation has no delegate" in result.output
    auth.login("coordinator")
    client.get("/auth/password?lang=fr")
    page = page_text(auth.post(f"/trips/{trip_id}/plan", follow_redirects=True))
    assert "La mission ne peut pas encore être planifiée\u00a0:" in page
    assert snapshot(db)["events"] == [] and db.table("trip_plan_runs").count == 0


def test_a_profile_update_is_checked_and_recorded_by_the_operation(seeded, client, db, api_tokens):
    efs = org_id(db, "EFS BFC")
    api = client.patch(
        f"/api/v1/organisations/{efs}", json={"city": "Dijon"}, headers=bearer(api_tokens["member_bfc"])
    )
    assert api.status_code == 200
    member = seeded.user_ids["member_bfc"]
    assert snapshot(db)["events"] == [
        ("organisation.updated", f"organisation:{efs}", member, {"fields": ["city"]})
    ]
    with pytest.raises(Forbidden):
        update_profile(db, actor(seeded, "member_qc"), efs, {"city": "Lyon"})
    with pytest.raises(InvalidInput) as bad:
        update_profile(db, actor(seeded, "member_bfc"), efs, {"region": "Quebec"})
    assert bad.value.code == "invalid_profile"
    assert db.execute("SELECT city, region FROM organisations WHERE id = ?", [efs]).fetchone() == (
        "Dijon",
        "BFC",
    )
    assert len(snapshot(db)["events"]) == 1

"""Pairings through the API: the review queue, one pairing, decisions with the web's rules and audit."""

from __future__ import annotations

import pytest
from conftest import bearer, org_id

from app.coordination.queries import ensure_pairing


@pytest.fixture
def pairing(seeded, db):
    pairing_id = ensure_pairing(
        db, org_id(db, "EFS BFC"), org_id(db, "ThéCell"), "co_training", "engine", 0.7
    )
    ensure_pairing(db, org_id(db, "CGFL"), org_id(db, "IRIC"), "joint_trial", "engine", 0.6)
    db.conn.commit()
    return pairing_id


@pytest.fixture
def coordinator(client, api_tokens):
    """Call the API as a coordinator."""
    return lambda method, path, **kw: client.open(
        path, method=method, headers=bearer(api_tokens["coordinator"]), **kw
    )


def test_queue_pages_and_filters(coordinator, pairing):
    page = coordinator("GET", "/api/v1/pairings?per_page=1")
    assert page.json["total"] == 2 and len(page.json["items"]) == 1
    assert page.json["next"] == "/api/v1/pairings?per_page=1&page=2"
    only = coordinator("GET", "/api/v1/pairings?track=co_training").json["items"]
    assert [p["id"] for p in only] == [pairing]
    assert only[0]["bfc"]["short_name"] == "EFS BFC" and only[0]["qc"]["short_name"] == "ThéCell"
    assert coordinator("GET", "/api/v1/pairings?status=approved").json["total"] == 0
    assert coordinator("GET", "/api/v1/pairings?status=done").status_code == 400


def test_one_pairing_shows_evidence_and_allowed_decisions(coordinator, pairing):
    shown = coordinator("GET", f"/api/v1/pairings/{pairing}").json["pairing"]
    assert shown["status"] == "proposed" and shown["decisions"] == []
    assert shown["allowed_decisions"] == ["approve", "reject", "comment"]
    assert shown["suggestion"]["short_name"] == "ThéCell" and shown["suggestion"]["evidence"]["passages"]


def test_a_decision_changes_the_status_and_is_kept_with_who_and_why(coordinator, pairing, seeded, db):
    response = coordinator(
        "POST", f"/api/v1/pairings/{pairing}/decisions", json={"decision": "approve", "comment": "Good fit."}
    )
    assert response.status_code == 201
    shown = response.json["pairing"]
    assert shown["status"] == "approved" and shown["allowed_decisions"] == ["reject", "reopen", "comment"]
    assert shown["decisions"][0]["user_email"] == "coord@test.example.org"
    row = db.execute(
        "SELECT user_id, decision, from_status, to_status, comment FROM pairing_decisions"
    ).fetchone()
    assert row == (seeded.user_ids["coordinator"], "approve", "proposed", "approved", "Good fit.")


def test_decisions_that_do_not_apply_or_come_too_late_are_409(coordinator, pairing, db):
    url = f"/api/v1/pairings/{pairing}/decisions"
    coordinator("POST", url, json={"decision": "approve", "comment": "Yes."})
    again = coordinator("POST", url, json={"decision": "approve", "comment": "Yes again."})
    assert again.status_code == 409 and again.json["errors"][0]["field"] == "decision"
    stale = coordinator(
        "POST", url, json={"decision": "reject", "comment": "No.", "expected_status": "proposed"}
    )
    assert stale.status_code == 409 and stale.json["errors"][0]["field"] == "expected_status"
    late = coordinator(
        "POST", url, json={"decision": "comment", "comment": "Hm.", "expected_status": "rejected"}
    )
    assert late.status_code == 409 and late.json["errors"][0]["field"] == "expected_status"
    assert db.execute("SELECT COUNT(*) FROM pairing_decisions").fetchone()[0] == 1


def test_a_decision_needs_a_reason(coordinator, pairing, db):
    url = f"/api/v1/pairings/{pairing}/decisions"
    blank = coordinator("POST", url, json={"decision": "reject", "comment": "   "})
    assert blank.status_code == 422 and blank.json["errors"][0]["field"] == "comment"
    missing = coordinator("POST", url, json={"decision": "maybe"})
    assert {item["field"] for item in missing.json["errors"]} == {"decision", "comment"}
    assert db.execute("SELECT status FROM pairings WHERE id = ?", [pairing]).fetchone()[0] == "proposed"

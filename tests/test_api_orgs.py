"""Organisations through the API: pages, the profile contract on create and update, suggestions, interest."""

from __future__ import annotations

import pytest
from conftest import bearer, org_id
from test_api import NEW_ORG

from app.coordination.queries import ensure_pairing
from app.db import get_db
from app.engine_jobs import run_due


@pytest.fixture
def admin(client, api_tokens):
    """Call the API as an administrator: ``admin("GET", path, json=...)``."""
    return lambda method, path, **kw: client.open(
        path, method=method, headers=bearer(api_tokens["admin"]), **kw
    )


def test_pages_cover_every_organisation_once(admin, db):
    seen, path = [], "/api/v1/organisations?per_page=7"
    while path:
        response = admin("GET", path)
        assert response.status_code == 200 and response.json["per_page"] == 7
        assert len(response.json["items"]) <= 7
        seen += [org["id"] for org in response.json["items"]]
        path = response.json["next"]
    assert len(seen) == len(set(seen)) == response.json["total"] == db.table("organisations").count


def test_filters_and_page_bounds(admin):
    response = admin("GET", "/api/v1/organisations?region=QC&type=company&per_page=100")
    items = response.json["items"]
    assert items and all(org["region"] == "QC" and org["type"] == "company" for org in items)
    assert response.json["next"] is None and response.json["total"] == len(items)
    assert admin("GET", "/api/v1/organisations?page=999").json["items"] == []
    for query in ("per_page=101", "per_page=0", "page=0", "page=abc", "region=Quebec"):
        response = admin("GET", f"/api/v1/organisations?{query}")
        assert response.status_code == 400, query
        assert response.json["errors"][0]["field"] == query.split("=")[0]


def test_create_follows_the_import_contract(admin, db, seeded):
    response = admin("POST", "/api/v1/organisations", json=NEW_ORG)
    assert response.status_code == 201
    created = response.json["organisation"]
    assert response.headers["Location"] == f"/api/v1/organisations/{created['id']}"
    assert created["short_name"] == "API Lab" and created["source"] == ""
    assert response.json["suggestions_pending"] is True and created["topics"] == []  # the worker's job
    with seeded.app_context():
        assert run_due(get_db()) == 1
    assert admin("GET", response.headers["Location"]).json["organisation"]["topics"]
    suggestions = admin("GET", f"/api/v1/organisations/{created['id']}/suggestions?track=co_training&top=3")
    assert len(suggestions.json["items"]) == 3
    assert all(item["region"] == "BFC" for item in suggestions.json["items"])
    again = admin("POST", "/api/v1/organisations", json=NEW_ORG)
    assert again.status_code == 409 and again.json["errors"][0]["field"] == "short_name"


def test_every_problem_is_listed_by_field_and_nothing_is_written(admin, db):
    body = {**NEW_ORG, "region": "Quebec", "colour": "blue", "languages": []}
    del body["city"]
    response = admin("POST", "/api/v1/organisations", json=body)
    assert response.status_code == 422 and response.json["status"] == 422
    fields = {item["field"]: item["message"] for item in response.json["errors"]}
    assert fields == {
        "region": "region must be BFC or QC, got 'Quebec'",
        "colour": "unknown field 'colour'",
        "city": "missing field 'city'",
        "languages": "languages must name at least one of fr, en",
    }
    assert db.execute("SELECT COUNT(*) FROM organisations WHERE short_name = 'API Lab'").fetchone()[0] == 0


def test_patch_changes_only_the_fields_sent(client, db, api_tokens):
    efs = org_id(db, "EFS BFC")
    before = client.get(f"/api/v1/organisations/{efs}", headers=bearer(api_tokens["member_bfc"])).json
    assert before["may_edit"] is True
    response = client.patch(
        f"/api/v1/organisations/{efs}",
        json={"seeks": "  Partners for cord-blood banking.  "},
        headers=bearer(api_tokens["member_bfc"]),
    )
    assert response.status_code == 200
    after = response.json["organisation"]
    assert after["seeks"] == "Partners for cord-blood banking."
    assert {k: v for k, v in after.items() if k not in ("seeks", "updated_at", "topics")} == {
        k: v for k, v in before["organisation"].items() if k not in ("seeks", "updated_at", "topics")
    }


def test_patch_refuses_bad_values_taken_names_and_region_moves(admin, db):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    bad = admin("PATCH", f"/api/v1/organisations/{efs}", json={"website": "ftp://x", "id": 3})
    assert bad.status_code == 422
    assert {item["field"] for item in bad.json["errors"]} == {"website", "id"}
    taken = admin("PATCH", f"/api/v1/organisations/{efs}", json={"short_name": "ThéCell"})
    assert taken.status_code == 409 and taken.json["errors"][0]["field"] == "short_name"
    ensure_pairing(db, efs, thecell, "event", "engine", 0.5)
    db.conn.commit()
    moved = admin("PATCH", f"/api/v1/organisations/{efs}", json={"region": "QC"})
    assert moved.status_code == 409 and moved.json["errors"][0]["field"] == "region"
    assert db.execute("SELECT region FROM organisations WHERE id = ?", [efs]).fetchone()[0] == "BFC"


def test_suggestions_carry_parts_and_evidence(client, db, api_tokens):
    efs = org_id(db, "EFS BFC")
    response = client.get(
        f"/api/v1/organisations/{efs}/suggestions?track=joint_trial&top=5",
        headers=bearer(api_tokens["member_bfc"]),
    )
    assert response.status_code == 200 and response.json["track"] == "joint_trial"
    first = response.json["items"][0]
    assert set(first["parts"]) >= {"offer_fit", "seek_fit", "reciprocity", "kind_fit"}
    assert set(first["evidence"]) == {"passages", "shared_topics", "shared_terms", "direction", "reasons"}
    assert all(
        set(reason) == {"code", "params"}
        for item in response.json["items"]
        for reason in item["evidence"]["reasons"]
    )
    assert 0 <= first["reverse_score"] <= 1
    scores = [item["score"] for item in response.json["items"]]
    assert len(scores) == 5 and scores == sorted(scores, reverse=True)
    default = client.get(f"/api/v1/organisations/{efs}/suggestions", headers=bearer(api_tokens["member_bfc"]))
    assert default.json["track"] == "staff_exchange" and len(default.json["items"]) == 10
    bad = client.get(f"/api/v1/organisations/{efs}/suggestions?top=0", headers=bearer(api_tokens["admin"]))
    assert bad.status_code == 400 and bad.json["errors"][0]["field"] == "top"


def test_interest_is_recorded_as_on_the_web_and_mutual_when_both_want_it(client, db, api_tokens):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    mine = client.post(
        f"/api/v1/organisations/{efs}/interests",
        json={"partner_id": thecell, "track": "co_training", "kind": "interested", "reason": "GMP training"},
        headers=bearer(api_tokens["member_bfc"]),
    )
    assert mine.status_code == 200 and mine.json["mutual"] is False and mine.json["pairing_id"]
    theirs = client.post(
        f"/api/v1/organisations/{thecell}/interests",
        json={"partner_id": efs, "track": "co_training", "kind": "intro_request"},
        headers=bearer(api_tokens["member_qc"]),
    )
    assert theirs.json["mutual"] is True and theirs.json["pairing_id"] == mine.json["pairing_id"]
    row = db.execute("SELECT origin, status FROM pairings WHERE id = ?", [mine.json["pairing_id"]]).fetchone()
    assert row == ("member", "proposed")
    stance = db.execute("SELECT kind, reason, user_id FROM interests WHERE org_id = ?", [efs]).fetchone()
    assert stance[:2] == ("interested", "GMP training")


def test_interest_bodies_are_checked_field_by_field(client, db, api_tokens):
    efs, dijon = org_id(db, "EFS BFC"), org_id(db, "CHU Dijon Bourgogne")
    url, headers = f"/api/v1/organisations/{efs}/interests", bearer(api_tokens["member_bfc"])
    same_side = client.post(
        url, json={"partner_id": dijon, "track": "event", "kind": "interested"}, headers=headers
    )
    assert same_side.status_code == 422 and same_side.json["errors"][0]["field"] == "partner_id"
    bad = client.post(url, json={"partner_id": True, "track": "golf", "extra": 1}, headers=headers)
    assert bad.status_code == 422
    assert {item["field"] for item in bad.json["errors"]} == {"partner_id", "track", "kind", "extra"}
    assert db.table("interests").count == 0

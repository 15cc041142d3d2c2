"""Profile status: a closed organisation is never suggested, proposed or hosted; unverified is marked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import bearer, org_id, page_text

from app import matching
from app.coordination.queries import ensure_pairing, review_queue
from app.db import get_db
from app.orgs.queries import set_status
from app.seed import seed_trips
from app.trips import queries as trip_queries
from models.errors import InvalidImport
from models.profiles import TRACKS, parse_import


def status_of(db, short_name: str) -> str:
    return db.execute("SELECT status FROM organisations WHERE short_name = ?", [short_name]).fetchone()[0]


def test_the_seed_marks_medicago_closed_through_its_profile(seeded, db):
    assert status_of(db, "Medicago") == "closed"
    assert status_of(db, "EFS BFC") == "active"
    text = Path("data/seed/ecosystem.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert [row["short_name"] for row in rows if row.get("status") == "closed"] == ["Medicago"]


def test_a_closed_organisation_is_never_suggested_by_the_engine(seeded, db):
    medicago = org_id(db, "Medicago")
    with seeded.app_context():
        index = matching.get_index(get_db())
        for org in index.orgs:
            if org["region"] != "BFC":
                continue
            for track in TRACKS:
                ranked = matching.suggestions_for(get_db(), org["id"], track, top_k=100)
                assert medicago not in {s.org_id for s in ranked}
                assert ranked, "the other Québec organisations are still suggested"
        assert matching.suggestions_for(get_db(), medicago, "economic", top_k=10) == []


def test_a_closed_organisation_is_not_on_the_web_api_or_cli(member, client, runner, api_tokens, db):
    medicago, efs = org_id(db, "Medicago"), org_id(db, "EFS BFC")
    for track in TRACKS:
        page = page_text(client.get(f"/members/{efs}/?track={track}"))
        assert "partner-" in page and f'id="partner-{medicago}"' not in page
        answer = client.get(
            f"/api/v1/organisations/{efs}/suggestions?track={track}&top=100",
            headers=bearer(api_tokens["member_bfc"]),
        ).get_json()
        assert answer["items"] and medicago not in {item["org_id"] for item in answer["items"]}
        result = runner.invoke(args=["suggest", "EFS BFC", "--type", track, "--top", "50", "--json"])
        assert result.exit_code == 0, result.output
        assert "Medicago" not in {s["short_name"] for s in json.loads(result.output)}


def test_a_closed_organisation_is_never_proposed_and_leaves_the_queue(seeded, runner, db):
    medicago, efs = org_id(db, "Medicago"), org_id(db, "EFS BFC")
    with seeded.app_context():
        old = ensure_pairing(get_db(), efs, medicago, "economic", "engine", 0.9)  # proposed before it closed
    result = runner.invoke(args=["propose", "--min-score", "0", "--per-org", "10"])
    assert result.exit_code == 0, result.output
    engine = db.execute(
        "SELECT COUNT(*) FROM pairings WHERE (bfc_org_id = ? OR qc_org_id = ?) AND id != ?",
        [medicago, medicago, old],
    ).fetchone()[0]
    assert engine == 0
    assert db.execute("SELECT COUNT(*) FROM pairings WHERE id != ?", [old]).fetchone()[0] > 0
    with seeded.app_context():
        queue, total = review_queue(get_db(), "proposed", per_page=10_000)
        assert old not in {row["id"] for row in queue} and total == len(queue)
        set_status(get_db(), medicago, "active", None)  # reopened: its proposal comes back
        assert old in {row["id"] for row in review_queue(get_db(), "proposed", per_page=10_000)[0]}


def test_a_closed_organisation_is_never_offered_as_a_trip_host(seeded, auth, client, db):
    medicago = org_id(db, "Medicago")
    with seeded.app_context():
        seed_trips(get_db())
        assert medicago not in {org["id"] for org in trip_queries.region_orgs(get_db(), "QC")}
    hosted = db.execute("SELECT COUNT(*) FROM trip_hosts WHERE org_id = ?", [medicago]).fetchone()[0]
    assert hosted == 0
    trip = db.execute("SELECT id FROM trips ORDER BY id DESC").fetchone()[0]
    auth.login("coordinator")
    page = page_text(client.get(f"/trips/{trip}"))
    assert f'value="{medicago}"' not in page
    refused = auth.post(f"/trips/{trip}/hosts", {"org_id": medicago, "capacity": 1})
    assert refused.status_code == 400
    assert db.execute("SELECT COUNT(*) FROM trip_hosts WHERE org_id = ?", [medicago]).fetchone()[0] == 0


def test_coordinators_mark_an_organisation_unverified_and_everyone_sees_the_badge(auth, client, seeded, db):
    thecell = org_id(db, "ThéCell")
    auth.login("coordinator")
    client.get("/auth/password?lang=en")
    page = page_text(client.get(f"/organisations/{thecell}"))
    assert "Status of the profile" in page and "Unverified" not in page.split("<h1>")[1].split("</h1>")[0]
    changed = auth.post(f"/organisations/{thecell}/status", {"status": "unverified"}, follow_redirects=True)
    assert "The status of the profile is changed." in page_text(changed)
    assert status_of(db, "ThéCell") == "unverified"
    event = db.execute("SELECT user_id, old_status, new_status FROM org_status_events").fetchall()
    assert event == [(seeded.user_ids["coordinator"], "active", "unverified")]
    heading = page_text(client.get(f"/organisations/{thecell}")).split("<h1>")[1].split("</h1>")[0]
    assert "Unverified" in heading
    directory = page_text(client.get("/organisations/?region=QC"))
    assert 'badge-org-unverified">Unverified' in directory
    auth.logout()
    auth.login("member_bfc")
    client.get("/auth/password?lang=fr")
    efs = org_id(db, "EFS BFC")
    cards = page_text(client.get(f"/members/{efs}/?track=co_training"))
    start = cards.index(f'id="partner-{thecell}"')
    assert "Non vérifié" in cards[start : start + 800]


def test_members_cannot_change_a_status_and_bad_input_changes_nothing(auth, client, seeded, db):
    efs = org_id(db, "EFS BFC")
    auth.login("member_bfc")
    assert auth.post(f"/organisations/{efs}/status", {"status": "closed"}).status_code == 403
    assert "Status of the profile" not in page_text(client.get(f"/organisations/{efs}"))
    auth.logout()
    auth.login("coordinator")
    client.get("/auth/password?lang=en")
    bad = auth.post(f"/organisations/{efs}/status", {"status": "gone"}, follow_redirects=True)
    assert "The status was not changed" in page_text(bad)
    assert (
        client.post(f"/organisations/{efs}/status", data={"status": "closed"}).status_code == 400
    )  # no CSRF
    assert auth.post("/organisations/999999/status", {"status": "closed"}).status_code == 404
    assert status_of(db, "EFS BFC") == "active"
    assert db.execute("SELECT COUNT(*) FROM org_status_events").fetchone()[0] == 0


def test_the_api_shows_the_status_and_only_coordinators_change_it(client, api_tokens, db):
    efs = org_id(db, "EFS BFC")
    url = f"/api/v1/organisations/{efs}"
    assert (
        client.get(url, headers=bearer(api_tokens["member_bfc"])).get_json()["organisation"]["status"]
        == "active"
    )
    refused = client.patch(url, json={"status": "closed"}, headers=bearer(api_tokens["member_bfc"]))
    assert refused.status_code == 403 and refused.get_json()["errors"][0]["field"] == "status"
    assert status_of(db, "EFS BFC") == "active"
    same = client.patch(
        url, json={"status": "active", "city": "Besançon"}, headers=bearer(api_tokens["member_bfc"])
    )
    assert same.status_code == 200  # a member's edit that keeps the status is fine
    bad = client.patch(url, json={"status": "gone"}, headers=bearer(api_tokens["coordinator"]))
    assert bad.status_code == 422 and status_of(db, "EFS BFC") == "active"
    done = client.patch(url, json={"status": "unverified"}, headers=bearer(api_tokens["coordinator"]))
    assert done.status_code == 200 and done.get_json()["organisation"]["status"] == "unverified"
    assert db.execute("SELECT new_status FROM org_status_events").fetchall() == [("unverified",)]


ROW = {
    "name": "Org",
    "short_name": "ORG",
    "region": "QC",
    "city": "Montréal",
    "type": "company",
    "expertise": "Cell therapy.",
    "offers": "Slots.",
    "seeks": "Partners.",
    "collaboration_types": ["economic"],
    "languages": ["fr"],
    "website": "",
}


def test_import_with_and_without_status_and_a_bad_status_named_by_line():
    rows = [
        ROW,
        {**ROW, "short_name": "B", "status": "closed"},
        {**ROW, "short_name": "C", "status": "unverified"},
    ]
    records = parse_import("\n".join(json.dumps(row) for row in rows).encode(), "jsonl")
    assert [record["status"] for record in records] == ["active", "closed", "unverified"]
    csv = "name,short_name,region,city,type,expertise,offers,seeks,collaboration_types,languages,website"
    csv += ",status\n"
    csv += "Org,ORG,QC,Montréal,company,x,y,z,economic,fr,,\n"
    csv += "Org,B,QC,Montréal,company,x,y,z,economic,fr,,closed\n"
    assert [record["status"] for record in parse_import(csv.encode(), "csv")] == ["active", "closed"]
    bad = "\n".join(json.dumps(row) for row in [ROW, {**ROW, "short_name": "B", "status": "Closed"}])
    with pytest.raises(InvalidImport) as error:
        parse_import(bad.encode(), "jsonl")
    assert error.value.problems == ["line 2: status must be one of active, closed, unverified, got 'Closed'"]


def test_export_writes_the_status_and_reimports_unchanged(runner, seeded, tmp_path):
    out = tmp_path / "orgs.jsonl"
    assert runner.invoke(args=["export-orgs", "--format", "jsonl", "-o", str(out)]).exit_code == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line]
    assert {row["short_name"]: row["status"] for row in rows}["Medicago"] == "closed"
    assert {row["status"] for row in rows} == {"active", "closed"}
    again = runner.invoke(args=["import-orgs", str(out)])
    assert again.exit_code == 0 and f"{len(rows)} unchanged" in again.output


def test_a_members_profile_edit_keeps_the_status(member, client, seeded, db):
    efs = org_id(db, "EFS BFC")
    with seeded.app_context():
        set_status(get_db(), efs, "unverified", seeded.user_ids["coordinator"])
    page = client.get(f"/members/{efs}/profile")
    assert page.status_code == 200
    token = re.search(r'name="updated_at" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    org = db.execute("SELECT * FROM organisations WHERE id = ?", [efs]).fetchone()
    assert token and org
    data = {
        "name": "Établissement français du sang Bourgogne-Franche-Comté",
        "short_name": "EFS BFC",
        "region": "BFC",
        "city": "Besançon",
        "type": "blood_establishment",
        "expertise": "x" * 400,
        "offers": "Stages et plateformes.",
        "seeks": "Des partenaires cliniques au Québec pour des échanges de personnel.",
        "collaboration_types": ["staff_exchange"],
        "languages": ["fr"],
        "website": "",
        "source": "",
        "updated_at": token.group(1),
    }
    saved = member.post(f"/members/{efs}/profile", data)
    assert saved.status_code == 302, page_text(saved)[:2000]
    assert status_of(db, "EFS BFC") == "unverified"

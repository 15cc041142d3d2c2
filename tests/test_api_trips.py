"""Trips, published plans and export files through the API (read-only, the web's permissions)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from conftest import actor, bearer, org_id

from app.coordination.queries import ensure_pairing
from app.operations.pairings import decide
from app.trips import meetings as store
from app.trips import queries
from models.trips.shapes import Meeting


def publish_demo_trip(db) -> dict:
    """A published two-meeting trip: EFS BFC's Ada visits ThéCell and Héma-Québec; return the ids."""
    fields = {
        "name": "API mission",
        "direction": "BFC->QC",
        "cities": ["Montréal"],
        "start_date": date(2026, 5, 11),
        "end_date": date(2026, 5, 12),
        "status": "planned",
        "notes": "",
    }
    trip_id = queries.create_trip(db, fields)
    queries.set_slot_template(db, trip_id, ("09:00", "10:15"), 60, weekdays_only=True)
    ids = {name: org_id(db, name) for name in ("EFS BFC", "ThéCell", "Héma-Québec")}
    queries.add_delegation_org(db, trip_id, ids["EFS BFC"])
    ada = queries.add_delegate(db, trip_id, ids["EFS BFC"], "Ada Lovelace", "ada@example.org")
    for host in ("ThéCell", "Héma-Québec"):
        queries.save_host(db, trip_id, ids[host], "Montréal", 1, [])
    slots = [row["id"] for row in queries.list_slots(db, trip_id)]
    with db.atomic():
        store.add_meeting(
            db, trip_id, Meeting(ada, ids["EFS BFC"], ids["ThéCell"], slots[0], "event", 0.7), False
        )
        meeting = Meeting(ada, ids["EFS BFC"], ids["Héma-Québec"], slots[1], "co_training", 0.6, "GMP")
        store.add_meeting(db, trip_id, meeting, False)
    store.publish(db, trip_id)
    return {"trip": trip_id, **ids}


@pytest.fixture
def trip(seeded, db):
    return publish_demo_trip(db)


def test_coordinators_list_and_read_trips_with_their_plan(client, trip, api_tokens):
    headers = bearer(api_tokens["coordinator"])
    listed = client.get("/api/v1/trips", headers=headers).json
    assert listed["total"] == 1 and listed["items"][0]["n_published"] == 2
    shown = client.get(f"/api/v1/trips/{trip['trip']}", headers=headers).json["trip"]
    assert shown["name"] == "API mission" and shown["cities"] == ["Montréal"]
    assert [m["host"]["short_name"] for m in shown["meetings"]] == ["ThéCell", "Héma-Québec"]
    assert shown["meetings"][0]["start"].startswith("2026-05-11T09:00")
    assert client.get("/api/v1/trips/999999", headers=headers).status_code == 404


def test_members_see_only_their_own_organisations_meetings(client, trip, api_tokens):
    mine = client.get(
        f"/api/v1/organisations/{trip['EFS BFC']}/meetings", headers=bearer(api_tokens["member_bfc"])
    )
    assert mine.status_code == 200 and mine.json["total"] == 2
    theirs = client.get(
        f"/api/v1/organisations/{trip['EFS BFC']}/meetings", headers=bearer(api_tokens["member_other"])
    )
    assert theirs.status_code == 403
    hosting = client.get(
        f"/api/v1/organisations/{trip['ThéCell']}/meetings", headers=bearer(api_tokens["member_qc"])
    )
    assert [m["delegation"]["short_name"] for m in hosting.json["items"]] == ["EFS BFC"]
    for path in ("/api/v1/trips", f"/api/v1/trips/{trip['trip']}", f"/api/v1/trips/{trip['trip']}/export"):
        assert client.get(path, headers=bearer(api_tokens["member_bfc"])).status_code == 403


@pytest.mark.parametrize(
    "fmt, mimetype, start",
    [
        ("csv", "text/csv", b"\xef\xbb\xbf"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        ("pdf", "application/pdf", b"%PDF"),
        ("ics", "application/zip", b"PK"),
    ],
)
def test_trip_exports_are_the_web_files(client, trip, api_tokens, fmt, mimetype, start):
    response = client.get(
        f"/api/v1/trips/{trip['trip']}/export?format={fmt}&lang=en", headers=bearer(api_tokens["admin"])
    )
    assert response.status_code == 200 and response.mimetype == mimetype
    assert response.data.startswith(start) and "attachment" in response.headers["Content-Disposition"]
    if fmt == "ics":
        names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
        assert len(names) == 1 and names[0].endswith(".ics")


def test_export_parameters_are_checked(client, trip, api_tokens):
    headers = bearer(api_tokens["admin"])
    bad = client.get(f"/api/v1/trips/{trip['trip']}/export?format=docx", headers=headers)
    assert bad.status_code == 400 and bad.json["errors"][0]["field"] == "format"
    assert client.get("/api/v1/trips/999999/export?format=csv", headers=headers).status_code == 404


def test_approved_pairings_export(client, seeded, db, api_tokens):
    pairing = ensure_pairing(db, org_id(db, "EFS BFC"), org_id(db, "ThéCell"), "event", "engine", 0.7)
    decide(db, actor(seeded, "coordinator"), pairing, "approve", "Good.", "proposed")
    response = client.get("/api/v1/exports/pairings?format=csv", headers=bearer(api_tokens["coordinator"]))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "ThéCell" in response.data.decode("utf-8-sig")
    member = client.get("/api/v1/exports/pairings", headers=bearer(api_tokens["member_bfc"]))
    assert member.status_code == 403 and member.json["status"] == 403

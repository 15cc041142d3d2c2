"""Follow-up after a past trip and the programme dashboard: forms owed, answers, charts, XLSX."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from conftest import AuthActions, org_id, page_text
from openpyxl import load_workbook

from app.followup import queries as followups
from app.trips import meetings as store
from app.trips import queries
from models.trips.shapes import Meeting

TODAY = date.today()


@pytest.fixture
def past_trip(seeded, db):
    """A trip that ended a week ago: EFS BFC (Ada, Ben as guest) met ThéCell; CHU de Besançon met LOEX."""
    start = TODAY - timedelta(days=9)
    fields = {
        "name": "Past mission", "direction": "BFC->QC", "cities": ["Montréal", "Québec"], "status": "planned",
        "start_date": start, "end_date": start + timedelta(days=2), "notes": "",
    }  # fmt: skip
    trip_id = queries.create_trip(db, fields)
    ids = {name: org_id(db, name) for name in ("EFS BFC", "CHU de Besançon", "ThéCell", "LOEX")}
    for name in ("EFS BFC", "CHU de Besançon"):
        queries.add_delegation_org(db, trip_id, ids[name])
    ada = queries.add_delegate(db, trip_id, ids["EFS BFC"], "Ada Lovelace")
    ben = queries.add_delegate(db, trip_id, ids["EFS BFC"], "Ben Franklin")
    cy = queries.add_delegate(db, trip_id, ids["CHU de Besançon"], "Cy Twombly")
    queries.save_host(db, trip_id, ids["ThéCell"], "Montréal", 1, [])
    queries.save_host(db, trip_id, ids["LOEX"], "Québec City", 1, [])
    slots = [row["id"] for row in queries.list_slots(db, trip_id)]
    efs = Meeting(ada, ids["EFS BFC"], ids["ThéCell"], slots[0], "joint_trial", 0.8)
    chu = Meeting(cy, ids["CHU de Besançon"], ids["LOEX"], slots[1], "co_training", 0.6)
    with db.atomic():
        store.set_guests(db, store.add_meeting(db, trip_id, efs, False), [ben])
        store.add_meeting(db, trip_id, chu, False)
    store.publish(db, trip_id)
    return {**ids, "trip": trip_id}


def test_a_past_trip_owes_each_organisation_at_each_meeting_a_form_per_stage(db, past_trip):
    assert followups.open_due(db, TODAY) == 4  # stage 1: EFS BFC and ThéCell, CHU de Besançon and LOEX
    assert followups.open_due(db, TODAY) == 0  # idempotent
    assert len(followups.to_mail(db)) == 4  # the mail worker's queue
    later = TODAY + timedelta(days=200)
    assert followups.open_due(db, later) == 4  # the second stage, months later
    assert {row["stage"] for row in followups.forms_for(db, (past_trip["EFS BFC"],))} == {1, 2}


def test_a_member_answers_and_the_answer_shows_on_the_dashboard(client, db, past_trip):
    member = AuthActions(client)
    member.login("member_bfc")
    client.get("/auth/password?lang=en")
    listing = page_text(client.get("/follow-up/"))
    assert "EFS BFC ⇄ ThéCell" in listing and "Just after the trip" in listing
    (form,) = [f for f in followups.forms_for(db, (past_trip["EFS BFC"],)) if f["stage"] == 1]
    bad = member.post(f"/follow-up/{form['id']}", {"took_place": "yes"})
    assert bad.status_code == 400 and "Choose a relevance from 1 to 5." in page_text(bad)
    assert followups.get_form(db, form["id"])["answered_at"] is None  # nothing saved
    answer = {"took_place": "yes", "relevance": "5", "outcome": "agreement_in_preparation",
              "next_step": "＝SUM(1+1): draft the exchange agreement by June"}  # fmt: skip
    response = member.post(f"/follow-up/{form['id']}", answer, follow_redirects=True)
    assert "your answer about ThéCell is saved" in page_text(response)
    member.logout()
    coordinator = AuthActions(client)
    coordinator.login("coordinator")
    client.get("/auth/password?lang=en")
    dashboard = page_text(client.get("/coordination/dashboard"))
    assert "Past mission: 2 meetings published, 1 held · 100% kept among the answered ones" in dashboard
    assert "Agreement in preparation: 1" in dashboard  # the outcome bar's tooltip
    assert "<svg" in dashboard and "<script" not in dashboard
    answers = page_text(client.get(f"/follow-up/answers?trip={past_trip['trip']}"))
    assert "＝SUM(1+1): draft the exchange agreement by June" in answers and "efs@test.example.org" in answers
    export = client.get("/coordination/dashboard.xlsx")
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(export.data))
    assert "Outcomes by trip" in book.sheetnames
    rows = list(book["Answers"].values)
    assert rows[1][7] == "Agreement in preparation"
    # a full-width ＝ is a formula to a spreadsheet: the cell starts with the exports' apostrophe
    assert rows[1][8] == "'＝SUM(1+1): draft the exchange agreement by June"
    never = [row[0] for row in book["Never matched"].values][1:]
    assert "EFS BFC" not in never and "ThéCell" not in never


def test_only_the_organisations_members_answer_and_bad_ids_are_404(client, db, past_trip):
    followups.open_due(db, TODAY)
    (host_form,) = [f for f in followups.forms_for(db, (past_trip["ThéCell"],)) if f["stage"] == 1]
    member = AuthActions(client)
    member.login("member_bfc")  # EFS BFC, not ThéCell
    assert client.get(f"/follow-up/{host_form['id']}").status_code == 403
    assert member.post(f"/follow-up/{host_form['id']}", {"took_place": "no"}).status_code == 403
    assert client.get("/follow-up/999999").status_code == 404
    assert client.get("/follow-up/answers").status_code == 403
    assert client.get("/coordination/dashboard").status_code == 403
    member.logout()
    host = AuthActions(client)
    host.login("member_qc")  # ThéCell
    assert host.post(f"/follow-up/{host_form['id']}", {"took_place": "no"}).status_code == 302
    row = followups.get_form(db, host_form["id"])
    assert row["took_place"] == 0 and row["relevance"] is None and row["answered_at"]


def test_the_dashboard_in_french_without_any_answer(client, db, seeded):
    coordinator = AuthActions(client)
    coordinator.login("coordinator")
    client.get("/auth/password?lang=fr")
    text = page_text(client.get("/coordination/dashboard"))
    assert "Tableau de bord du programme" in text and "Aucune demande" in text


def test_the_dashboard_counts_requests_sent_and_accepted(client, db, seeded):
    efs, thecell, loex = (org_id(db, name) for name in ("EFS BFC", "ThéCell", "LOEX"))
    for to_org, status in ((thecell, "accepted"), (loex, "pending")):
        row = {"from_org_id": efs, "to_org_id": to_org, "track": "joint_trial", "format": "video_call"}
        db.table("requests").insert({**row, "status": status, "created_at": "2026-01-01T00:00:00"})
    db.conn.commit()
    coordinator = AuthActions(client)
    coordinator.login("coordinator")
    client.get("/auth/password?lang=en")
    assert "2 requests sent · 1 accepted" in page_text(client.get("/coordination/dashboard"))
    book = load_workbook(io.BytesIO(client.get("/coordination/dashboard.xlsx").data))
    assert list(book["Requests"].values)[1] == (2, 1)

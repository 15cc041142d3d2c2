"""Hosts confirm delegation meetings: the page, the mail's signed link, the calendars that follow."""
# ruff: noqa: F811  (the fixtures of test_trips are imported, then used as arguments)

from __future__ import annotations

import pytest
from conftest import AuthActions, deliver, mail_text, page_text
from icalendar import Calendar
from test_trips import draft, trip  # noqa: F401  (fixtures)

from app.exports.queries import export_trip
from app.hosting import operations
from app.hosting.links import make_token
from app.operations import SYSTEM, trips
from app.trips import meetings as store
from app.trips import planning
from models.exports import delegate_ics
from models.trips.rules import check_plan


def _events(data: bytes) -> dict[str, dict]:
    """An ICS file's events by uid."""
    return {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


def _thecell_meeting(db, trip) -> dict:
    """The published meeting Ada (EFS BFC) – ThéCell."""
    return next(
        db.query(
            "SELECT * FROM published_meetings WHERE host_org_id = ? AND delegation_org_id = ?",
            [trip["ThéCell"], trip["EFS BFC"]],
        )
    )


@pytest.fixture
def published(coordinator, client, db, trip, draft):
    coordinator.post(f"/trips/{trip['trip']}/publish")
    coordinator.logout()
    return _thecell_meeting(db, trip)


def test_a_hosts_confirmation_turns_tentative_into_confirmed_with_the_same_uid(
    client, seeded, db, trip, published
):
    with seeded.test_request_context():
        before = _events(delegate_ics(export_trip(db, trip["trip"]), "ada@example.org"))[published["uid"]]
    assert before["STATUS"] == "TENTATIVE"
    host = AuthActions(client)
    host.login("member_qc")
    page = page_text(client.get("/hosting/?lang=en", follow_redirects=True))
    assert "Meetings to confirm" in page and "Ada Lovelace (EFS BFC) ⇄ ThéCell" in page
    assert "Waiting for the host" in page
    response = host.post(f"/hosting/meetings/{published['id']}/answer", {"answer": "accepted"})
    assert response.status_code == 302
    assert "the meeting is confirmed" in page_text(client.get("/hosting/?lang=en", follow_redirects=True))
    with seeded.test_request_context():
        after = _events(delegate_ics(export_trip(db, trip["trip"]), "ada@example.org"))[published["uid"]]
    assert after["STATUS"] == "CONFIRMED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    # the delegation is told
    notices = db.execute(
        "SELECT COUNT(*) FROM notifications WHERE event = 'meeting_accepted' AND user_id = ?",
        [seeded.user_ids["member_bfc"]],
    ).fetchone()[0]
    assert notices == 1


def test_declining_asks_for_another_slot_and_cancels_the_event(client, seeded, db, trip, published):
    host = AuthActions(client)
    host.login("member_qc")
    url = f"/hosting/meetings/{published['id']}/answer"
    refused = host.post(url, {"answer": "declined", "note": ""}, follow_redirects=True)
    assert "Say which other slot would suit you." in page_text(refused)
    assert _thecell_meeting(db, trip)["host_answer"] == "requested"
    host.post(url, {"answer": "declined", "note": "Tuesday 14:00 instead"})
    row = _thecell_meeting(db, trip)
    assert (row["host_answer"], row["host_note"]) == ("declined", "Tuesday 14:00 instead")
    with seeded.test_request_context():
        event = _events(delegate_ics(export_trip(db, trip["trip"]), "ada@example.org"))[published["uid"]]
    assert event["STATUS"] == "CANCELLED"


def test_coordinators_see_each_meetings_state(client, db, trip, published):
    db.table("published_meetings").update(published["id"], {"host_answer": "declined", "host_note": "Mardi"})
    AuthActions(client).login("coordinator")
    page = page_text(client.get(f"/trips/{trip['trip']}/published?lang=en", follow_redirects=True))
    assert "Another slot proposed" in page and "Mardi" in page and "Waiting for the host" in page


def test_only_the_hosts_members_answer(client, db, trip, published):
    other = AuthActions(client)
    other.login("member_bfc")  # the visiting side
    url = f"/hosting/meetings/{published['id']}/answer"
    assert other.post(url, {"answer": "accepted"}).status_code == 403
    assert other.post("/hosting/meetings/999999/answer", {"answer": "accepted"}).status_code == 404
    assert client.post(url, data={"answer": "accepted"}).status_code == 400  # no CSRF token
    assert _thecell_meeting(db, trip)["host_answer"] == "requested"


def test_the_mails_link_does_not_act_on_get_and_answers_on_post(app, client, seeded, db, trip, published):
    mails = [m for m in deliver(seeded) if m["To"] == "thecell@test.example.org"]
    assert mails, "the host's members are told of the meetings published for them"
    text = mail_text(mails[0])
    assert "Accepter le rendez-vous ou proposer un autre créneau" in text  # the host's language
    link = next(word for word in text.split() if "/hosting/link/" in word)
    path = link[link.index("/hosting/") :]
    for _ in range(2):
        page = client.get(
            path + "?lang=en", follow_redirects=True
        )  # opening the link (or a mail scanner) changes nothing
        assert page.status_code == 200 and "Accept the meeting" in page_text(page)
    assert (
        db.execute("SELECT COUNT(*) FROM published_meetings WHERE host_answer != 'requested'").fetchone()[0]
        == 0
    )
    token = AuthActions(client).csrf_token(path)
    answered = client.post(path, data={"answer": "accepted", "csrf_token": token})
    assert answered.status_code == 200 and "Your answer is recorded" in page_text(answered)
    answered_rows = db.execute("SELECT COUNT(*) FROM published_meetings WHERE host_answer = 'accepted'")
    assert answered_rows.fetchone()[0] == 1
    # the same link once the meeting changed: it says so and acts no more
    again = client.post(path, data={"answer": "declined", "note": "x", "csrf_token": token})
    assert again.status_code == 409


def test_a_bad_or_foreign_link_is_refused(client, seeded, db, trip, published):
    assert client.get("/hosting/link/not-a-token").status_code == 404
    with seeded.test_request_context():
        forged = make_token(published["id"], seeded.user_ids["member_bfc"], published["sequence"])
    token = AuthActions(client).csrf_token(f"/hosting/link/{forged}")
    refused = client.post(f"/hosting/link/{forged}", data={"answer": "accepted", "csrf_token": token})
    assert refused.status_code == 403
    assert _thecell_meeting(db, trip)["host_answer"] == "requested"


def test_moving_a_meeting_asks_the_host_again(coordinator, client, seeded, db, trip, draft, published):
    with seeded.app_context():
        operations.answer_meeting(db, published["id"], seeded.user_ids["member_qc"], "accepted")
    assert _thecell_meeting(db, trip)["host_answer"] == "accepted"
    coordinator.login("coordinator")
    move = {"slot_id": trip["slots"][2], "delegate_id": trip["ada"]}
    assert (
        coordinator.post(f"/trips/{trip['trip']}/meetings/{draft['ada_thecell']}/move", move).status_code
        == 302
    )
    coordinator.post(f"/trips/{trip['trip']}/publish")
    assert _thecell_meeting(db, trip)["host_answer"] == "requested"


def test_a_meeting_moved_to_another_delegate_is_cancelled_in_the_first_delegates_calendar(
    coordinator, client, seeded, db, trip, draft, published
):
    coordinator.login("coordinator")
    # Ben takes Ada's meeting with ThéCell (slot 1, where Ben is free)
    move = {"slot_id": trip["slots"][0], "delegate_id": trip["ben"]}
    assert (
        coordinator.post(f"/trips/{trip['trip']}/meetings/{draft['ada_thecell']}/move", move).status_code
        == 302
    )
    coordinator.post(f"/trips/{trip['trip']}/publish")
    with seeded.test_request_context():
        data = export_trip(db, trip["trip"])
        ada = _events(delegate_ics(data, "ada@example.org"))
        ben = _events(delegate_ics(data, "Ben Franklin"))
    assert ada[published["uid"]]["STATUS"] == "CANCELLED"
    assert int(ada[published["uid"]]["SEQUENCE"]) == published["sequence"] + 1
    assert ben[published["uid"]]["STATUS"] == "TENTATIVE"
    # and back to Ada: it is hers again
    coordinator.post(f"/trips/{trip['trip']}/meetings/{draft['ada_thecell']}/move",
                     {"slot_id": trip["slots"][0], "delegate_id": trip["ada"]})  # fmt: skip
    coordinator.post(f"/trips/{trip['trip']}/publish")
    with seeded.test_request_context():
        data = export_trip(db, trip["trip"])
        assert _events(delegate_ics(data, "ada@example.org"))[published["uid"]]["STATUS"] == "TENTATIVE"
        assert _events(delegate_ics(data, "Ben Franklin"))[published["uid"]]["STATUS"] == "CANCELLED"


def test_a_group_meeting_is_in_each_delegates_calendar(coordinator, client, seeded, db, trip, draft):
    url = f"/trips/{trip['trip']}/meetings/{draft['ada_thecell']}/guests"
    assert coordinator.post(url, {"delegate_id": trip["ben"]}).status_code == 302
    coordinator.post(f"/trips/{trip['trip']}/publish")
    uid = _thecell_meeting(db, trip)["uid"]
    with seeded.test_request_context():
        data = export_trip(db, trip["trip"])
        assert uid in _events(delegate_ics(data, "ada@example.org"))
        assert uid in _events(delegate_ics(data, "Ben Franklin"))
    assert uid in {row["uid"] for row in store.delegate_agenda(db, trip["ben"])}


def test_the_calendar_location_is_the_hosts_postal_address_with_the_city_in_the_readers_language(
    client, seeded, db, trip, published
):
    db.table("organisations").update(
        trip["ThéCell"], {"address": "2155, rue Guy\nbureau 500", "access_notes": "Accueil au 5e étage"}
    )
    with seeded.test_request_context():
        data = export_trip(db, trip["trip"])
        french = _events(delegate_ics(data, "ada@example.org", "fr"))[published["uid"]]
        hema = next(e for e in _events(delegate_ics(data, "ada@example.org", "en")).values()
                    if "Héma" in str(e["SUMMARY"]))  # fmt: skip
    assert str(french["LOCATION"]).endswith("2155, rue Guy, bureau 500, Montréal")
    assert "Accueil au 5e étage" in str(french["DESCRIPTION"])
    assert str(hema["LOCATION"]).endswith("Montreal")  # no address yet: the city, in English


def test_the_hosts_contact_person_is_in_the_calendar(client, seeded, db, trip, published):
    from app.people.queries import save_contact

    save_contact(db, trip["ThéCell"], {"name": "Morgan Hôte", "email": "morgan@thecell.example.org",
                                       "phone": "+1 514 555 0100"})  # fmt: skip
    with seeded.test_request_context():
        event = _events(delegate_ics(export_trip(db, trip["trip"]), "ada@example.org"))[published["uid"]]
    assert "Morgan Hôte <morgan@thecell.example.org> +1 514 555 0100" in str(event["DESCRIPTION"])


def test_replanning_keeps_the_accepted_meeting_and_moves_the_declined_one(seeded, db, trip, published):
    host = seeded.user_ids["member_qc"]  # ThéCell's member answers both of ThéCell's meetings
    declined = next(
        db.query(
            "SELECT * FROM published_meetings WHERE host_org_id = ? AND delegation_org_id = ?",
            [trip["ThéCell"], trip["CHU de Besançon"]],
        )
    )
    operations.answer_meeting(db, published["id"], host, "accepted")
    operations.answer_meeting(db, declined["id"], host, "declined", "Tuesday afternoon")
    with seeded.test_request_context():
        run = trips.plan(db, SYSTEM, trip["trip"], time_limit=5)
        trip_row = trips.get_trip(db, trip["trip"])
        problem = planning.planning_problem(db, trip_row, planning.engine_candidates(db, trip_row))
    assert check_plan(problem, run.plan.meetings) == []
    assert check_plan(problem, run.greedy.meetings) == []
    rows = {(r["delegation_org_id"], r["host_org_id"]): r for r in store.draft_rows(db, trip["trip"])}
    kept = rows[(trip["EFS BFC"], trip["ThéCell"])]
    assert (kept["delegate_id"], kept["day"], kept["start"]) == (trip["ada"], "2026-05-11", "09:00")
    moved = rows.get((trip["CHU de Besançon"], trip["ThéCell"]))
    assert moved is None or (moved["day"], moved["start"]) != ("2026-05-11", "10:15")
    # republishing leaves the accepted meeting as the host accepted it
    with seeded.test_request_context():
        trips.publish(db, SYSTEM, trip["trip"])
    assert _thecell_meeting(db, trip)["host_answer"] == "accepted"

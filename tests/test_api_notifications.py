"""The account's notifications, mail preferences and calendar addresses through the API, as the web's
Notifications list, account page and calendar buttons."""
# ruff: noqa: F811  (the fixtures of test_trips are imported, then used as arguments)

from __future__ import annotations

import re

import pytest
from conftest import AuthActions, bearer, org_id, page_text
from icalendar import Calendar
from test_notifications import _trip_with_two_meetings
from test_trips import draft, trip  # noqa: F401 (fixtures)

from app.notifications import notify
from app.notifications import queries as notifications
from app.trips import meetings as store
from models.errors import InvalidInput

FEED = re.compile(r"^http://localhost(/cal/[A-Za-z0-9_-]+\.ics)$")


def api(client, method, path, token, body=None):
    kwargs = {"json": body} if body is not None else {}
    return getattr(client, method)(f"/api/v1{path}", headers=bearer(token), **kwargs)


def prefs(db, email):
    return db.execute("SELECT language, digest FROM users WHERE email = ?", [email]).fetchone()


def subscriptions(db):
    return db.execute("SELECT id, revoked_at FROM calendar_subscriptions ORDER BY id").fetchall()


# --- notifications ---------------------------------------------------------------------------------


def test_the_list_is_the_accounts_own_newest_first_and_marking_read_empties_the_count(
    seeded, client, db, api_tokens
):
    trip_id, ids = _trip_with_two_meetings(db)
    store.publish(db, trip_id)  # EFS BFC hears of two meetings, ThéCell of one
    with seeded.app_context():
        params = {"org": "EFS BFC", "partner": "ThéCell", "track": "co_training", "message": "Shall we talk?",
                  "path": "/requests/7"}  # fmt: skip
        notify(db, event="request_received", org_ids=[ids["ThéCell"]], params=params, dedupe_key="r:7")
    db.conn.commit()
    token = api_tokens["member_qc"]
    listed = api(client, "get", "/notifications", token)
    assert listed.status_code == 200 and listed.json["total"] == 2 and listed.json["unread"] == 2
    newest, published = listed.json["items"]
    assert newest["event"] == "request_received" and newest["title"] == "New request from EFS BFC"
    assert newest["text"] == "EFS BFC sends ThéCell a request: Co-training."
    assert newest["message"] == "Shall we talk?" and newest["link"] == "/requests/7"
    assert published["text"] == "EFS BFC meets ThéCell on 11 May 2026, 09:00 in Montréal (Mission test)."
    assert published["link"] == f"/trips/org/{ids['ThéCell']}" and published["message"] is None
    assert published["read_at"] is None
    paged = api(client, "get", "/notifications?per_page=1", token).json
    assert paged["items"] == [newest] and paged["next"] == "/api/v1/notifications?per_page=1&page=2"
    efs = api(client, "get", "/notifications", api_tokens["member_bfc"]).json
    assert [item["event"] for item in efs["items"]] == ["meeting_published"] * 2  # no one else's
    assert api(client, "get", "/notifications", api_tokens["member_other"]).json["total"] == 0

    marked = api(client, "post", "/notifications/read", token)
    assert marked.status_code == 200 and marked.json == {"ok": True, "marked": 2, "unread": 0}
    unread = "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id "
    unread += "WHERE u.email = ? AND n.read_at IS NULL"
    assert db.execute(unread, ["thecell@test.example.org"]).fetchone()[0] == 0
    assert db.execute(unread, ["efs@test.example.org"]).fetchone()[0] == 2  # theirs stay unread
    again = api(client, "get", "/notifications", token).json
    assert again["unread"] == 0 and all(item["read_at"] for item in again["items"])
    assert api(client, "post", "/notifications/read", token).json["marked"] == 0


def test_mail_preferences_are_read_and_set_as_on_the_account_page(seeded, client, db, api_tokens):
    token, email = api_tokens["member_bfc"], "efs@test.example.org"
    before = prefs(db, email)
    shown = api(client, "get", "/account/notifications", token)
    assert shown.status_code == 200
    assert shown.json["preferences"] == {"language": before[0], "digest": bool(before[1])}
    saved = api(client, "put", "/account/notifications", token, {"language": "en", "digest": False})
    assert saved.status_code == 200 and saved.json["preferences"] == {"language": "en", "digest": False}
    assert prefs(db, email) == ("en", 0)
    assert prefs(db, "coord@test.example.org") == before  # another account's are untouched
    member = AuthActions(seeded.test_client())
    member.login("member_bfc")
    page = member.client.get("/auth/password").get_data(as_text=True)
    assert '<option selected value="en">' in page or '<option value="en" selected>' in page
    for body, field in (
        ({"language": "de", "digest": True}, "language"),
        ({"language": "fr"}, "digest"),
        ({"language": "fr", "digest": "yes"}, "digest"),
        ({"language": "fr", "digest": True, "theme": "dark"}, "theme"),
    ):
        refused = api(client, "put", "/account/notifications", token, body)
        assert refused.status_code == 422 and field in {e["field"] for e in refused.json["errors"]}, body
    assert prefs(db, email) == ("en", 0)  # nothing changed


def test_the_preferences_operation_refuses_a_language_the_mails_are_not_written_in(seeded, db):
    user_id = seeded.user_ids["member_bfc"]
    before = prefs(db, "efs@test.example.org")
    with pytest.raises(InvalidInput) as refused:
        notifications.set_preferences(db, user_id, "de", not before[1])
    assert refused.value.code == "unknown_mail_language" and refused.value.field == "language"
    assert prefs(db, "efs@test.example.org") == before


# --- calendar addresses ----------------------------------------------------------------------------


def test_a_delegates_address_is_shown_once_listed_without_it_and_revoked_by_its_organisation(
    client, db, trip, draft, api_tokens
):
    store.publish(db, trip["trip"])
    db.conn.commit()
    made = api(client, "post", "/account/calendars", api_tokens["coordinator"],
               {"trip_id": trip["trip"], "delegate_id": trip["ada"]})  # fmt: skip
    assert made.status_code == 201
    calendar = made.json["calendar"]
    path = FEED.match(calendar["url"]).group(1)
    assert calendar["delegate"] == {"id": trip["ada"], "name": "Ada Lovelace"}
    assert calendar["organisation"] == {"id": trip["EFS BFC"], "short_name": "EFS BFC"}
    assert calendar["trip"] == {"id": trip["trip"], "name": "Test mission"}
    assert calendar["language"] == "fr" and calendar["made_by_you"] is True  # the account's mail language
    secret = path.removeprefix("/cal/").removesuffix(".ics")
    assert secret not in str(db.execute("SELECT * FROM calendar_subscriptions").fetchall())
    feed = client.get(path)  # no token: the address is enough
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert len(list(Calendar.from_ical(feed.data).walk("VEVENT"))) == 2  # Ada meets ThéCell and Héma

    listed = api(client, "get", "/account/calendars", api_tokens["coordinator"]).json
    assert listed["total"] == 1 and listed["items"] == [{k: v for k, v in calendar.items() if k != "url"}]
    assert secret not in str(listed)
    theirs = api(client, "get", "/account/calendars", api_tokens["member_bfc"]).json["items"]
    assert [(item["id"], item["made_by_you"]) for item in theirs] == [(calendar["id"], False)]
    assert api(client, "get", "/account/calendars", api_tokens["member_qc"]).json["total"] == 0

    other = api(client, "delete", f"/account/calendars/{calendar['id']}", api_tokens["member_qc"])
    assert other.status_code == 403 and client.get(path).status_code == 200  # nothing changed
    assert api(client, "delete", "/account/calendars/999999", api_tokens["member_bfc"]).status_code == 404
    revoked = api(client, "delete", f"/account/calendars/{calendar['id']}", api_tokens["member_bfc"])
    assert revoked.status_code == 204 and revoked.data == b""
    assert client.get(path).status_code == 404
    assert api(client, "get", "/account/calendars", api_tokens["coordinator"]).json["total"] == 0


def test_a_hosts_members_follow_its_meetings_and_every_refusal_writes_nothing(
    client, db, trip, draft, api_tokens
):
    store.publish(db, trip["trip"])
    db.conn.commit()
    t = trip["trip"]
    host = api(client, "post", "/account/calendars", api_tokens["member_qc"],
               {"trip_id": t, "host_org_id": trip["ThéCell"], "language": "en"})  # fmt: skip
    assert host.status_code == 201 and host.json["calendar"]["delegate"] is None
    assert host.json["calendar"]["organisation"]["short_name"] == "ThéCell"
    feed = client.get(FEED.match(host.json["calendar"]["url"]).group(1))
    events = list(Calendar.from_ical(feed.data).walk("VEVENT"))
    assert len(events) == 2  # Ada and Cy both meet ThéCell
    made = subscriptions(db)
    mcgill = org_id(db, "McGill / MUHC")  # a host of the trip, but with no published meeting
    refusals = [
        ("member_qc", {"trip_id": t, "host_org_id": trip["LOEX"]}, 403),  # another organisation
        ("coordinator", {"trip_id": t, "host_org_id": trip["ThéCell"]}, 403),  # hosts' members only
        ("member_qc", {"trip_id": 999999, "host_org_id": trip["ThéCell"]}, 404),
        ("member_qc", {"trip_id": t, "host_org_id": 999999}, 404),
        ("member_other", {"trip_id": t, "host_org_id": mcgill}, 404),
        ("member_bfc", {"trip_id": t, "delegate_id": trip["cy"]}, 403),  # CHU de Besançon's delegate
        ("coordinator", {"trip_id": t, "delegate_id": 999999}, 404),
        ("coordinator", {"trip_id": 999999, "delegate_id": trip["ada"]}, 404),
        ("coordinator", {"trip_id": t}, 422),
        ("coordinator", {"trip_id": t, "delegate_id": trip["ada"], "host_org_id": trip["ThéCell"]}, 422),
        ("coordinator", {"trip_id": t, "delegate_id": trip["ada"], "language": "de"}, 422),
        ("coordinator", {"trip_id": t, "delegate_id": trip["ada"], "token": "mine"}, 422),
    ]
    for who, body, status in refusals:
        answer = api(client, "post", "/account/calendars", api_tokens[who], body)
        assert answer.status_code == status and answer.json["ok"] is False, (who, body, answer.json)
    assert subscriptions(db) == made


def test_a_delegations_member_revokes_the_address_they_made_for_their_delegate_on_the_web(
    coordinator, client, db, trip, draft
):
    coordinator.post(f"/trips/{trip['trip']}/publish")
    coordinator.logout()
    member = AuthActions(client)
    member.login("member_bfc")  # EFS BFC, Ada's organisation
    assert member.post(f"/trips/{trip['trip']}/calendars/delegates/{trip['ada']}").status_code == 302
    ((sub_id, _),) = subscriptions(db)
    page = page_text(client.get(f"/trips/org/{trip['EFS BFC']}"))
    assert f'action="/calendars/{sub_id}/revoke"' in page and "Revoke the address made on" in page
    revoked = member.post(f"/calendars/{sub_id}/revoke")
    assert revoked.status_code == 302 and revoked.location.endswith(f"/trips/org/{trip['EFS BFC']}")
    assert subscriptions(db)[0][1] is not None
    assert f'action="/calendars/{sub_id}/revoke"' not in page_text(
        client.get(f"/trips/org/{trip['EFS BFC']}")
    )

"""A trip's draft through the API: read it, move, add and remove meetings, set guests, publish."""
# ruff: noqa: F811  (the fixtures of test_trips are imported, then used as arguments)

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import bearer
from test_trips import draft, draft_table, planned_and_added, trip  # noqa: F401 (fixtures, helpers)

from app.trips import queries


def api(client, method, path, token, body=None):
    kwargs = {"json": body} if body is not None else {}
    return getattr(client, method)(f"/api/v1{path}", headers=bearer(token), **kwargs)


def events(db, name):
    return [
        (row["actor_id"], json.loads(row["data"]))
        for row in db.query("SELECT actor_id, data FROM events WHERE name = ? ORDER BY id", [name])
    ]


def test_a_coordinator_plans_reads_the_draft_and_publishes_it(runner, seeded, client, db, trip, api_tokens):
    t, token = trip["trip"], api_tokens["coordinator"]
    assert runner.invoke(args=["plan-trip", str(t)]).exit_code == 0
    planned = draft_table(db, t)
    shown = api(client, "get", f"/trips/{t}/draft?per_page=100", token)
    assert shown.status_code == 200 and shown.json["total"] == len(planned) > 0
    assert sorted(
        (m["id"], m["delegate_id"], m["host"]["id"], m["slot_id"]) for m in shown.json["items"]
    ) == [tuple(row) for row in planned]
    state = shown.json["draft"]
    assert state["issues"] == []  # the planner keeps every rule
    assert state["publish_preview"] == {"created": len(planned), "changed": 0, "unchanged": 0, "cancelled": 0}
    first = shown.json["items"][0]
    assert first["start"].startswith("2026-05-11T09:00") and first["time_zone"] == "America/Montreal"
    assert first["reason"] and first["delegation"]["short_name"] in ("EFS BFC", "CHU de Besançon")
    paged = api(client, "get", f"/trips/{t}/draft?per_page=1&page=2", token).json
    assert (
        paged["items"] == shown.json["items"][1:2]
        and paged["next"] == f"/api/v1/trips/{t}/draft?per_page=1&page=3"
    )

    published = api(client, "post", f"/trips/{t}/publish", token)
    assert published.status_code == 200
    assert published.json["report"] == {"created": len(planned), "changed": 0, "unchanged": 0, "cancelled": 0}
    assert len(api(client, "get", f"/trips/{t}", token).json["trip"]["meetings"]) == len(planned)
    again = api(client, "get", f"/trips/{t}/draft", token).json["draft"]["publish_preview"]
    assert again == {"created": 0, "changed": 0, "unchanged": len(planned), "cancelled": 0}
    assert events(db, "trip.published")[-1] == (
        seeded.user_ids["coordinator"],
        {"created": len(planned), "changed": 0, "unchanged": 0, "cancelled": 0},
    )


def test_move_add_and_remove_meetings(seeded, client, db, trip, draft, api_tokens):
    t, s, token = trip["trip"], trip["slots"], api_tokens["admin"]
    moved = api(client, "patch", f"/trips/{t}/draft/meetings/{draft['ada_hema']}", token,
                {"slot_id": s[2], "delegate_id": trip["ben"]})  # fmt: skip
    assert moved.status_code == 200
    assert (
        moved.json["meeting"]["slot_id"] == s[2] and moved.json["meeting"]["delegate_name"] == "Ben Franklin"
    )
    assert moved.json["meeting"]["start"] == "2026-05-11T11:30"
    slot_only = api(
        client, "patch", f"/trips/{t}/draft/meetings/{draft['ada_hema']}", token, {"slot_id": s[1]}
    )
    assert slot_only.status_code == 200 and slot_only.json["meeting"]["delegate_id"] == trip["ben"]

    body = {
        "delegate_id": trip["cy"],
        "host_org_id": trip["McGill / MUHC"],
        "slot_id": float(s[0]),
    }  # 3.0 is 3
    added = api(client, "post", f"/trips/{t}/draft/meetings", token, body)
    assert added.status_code == 201
    meeting = added.json["meeting"]
    assert meeting["host"] == {"id": trip["McGill / MUHC"], "short_name": "McGill / MUHC"}
    assert meeting["track"] and meeting["reason"] and 0 <= meeting["score"] <= 1
    assert added.headers["Location"] == f"/api/v1/trips/{t}/draft/meetings/{meeting['id']}"
    assert client.get(added.headers["Location"], headers=bearer(token)).json["meeting"] == meeting

    removed = api(client, "delete", f"/trips/{t}/draft/meetings/{draft['ada_thecell']}", token)
    assert removed.status_code == 204 and removed.data == b""
    assert draft["ada_thecell"] not in {row[0] for row in draft_table(db, t)}
    assert api(client, "get", f"/trips/{t}/draft/meetings/{draft['ada_thecell']}", token).status_code == 404
    assert (
        api(client, "delete", f"/trips/{t}/draft/meetings/{draft['ada_thecell']}", token).status_code == 404
    )
    admin = seeded.user_ids["admin"]
    assert [actor for actor, _data in events(db, "trip.meeting_moved")] == [admin, admin]
    assert events(db, "trip.meeting_added") == [(admin, {"meeting_id": None})]
    assert events(db, "trip.meeting_removed") == [(admin, {"meeting_id": draft["ada_thecell"]})]


def test_each_draft_meeting_says_whether_the_planner_or_a_coordinator_placed_it(client, db, trip, api_tokens):
    t, token = trip["trip"], api_tokens["coordinator"]
    by_hand = planned_and_added(db, trip)
    items = api(client, "get", f"/trips/{t}/draft", token).json["items"]
    assert sorted((m["host"]["short_name"], m["origin"]) for m in items) == [
        ("Héma-Québec", "planner"),
        ("LOEX", "manual"),
        ("ThéCell", "planner"),
    ]
    body = {"delegate_id": trip["ada"], "host_org_id": trip["McGill / MUHC"], "slot_id": trip["slots"][2]}
    added = api(client, "post", f"/trips/{t}/draft/meetings", token, body)
    assert added.status_code == 201 and added.json["meeting"]["origin"] == "manual"
    planned = next(m for m in items if m["host"]["short_name"] == "ThéCell")
    moved = api(client, "patch", f"/trips/{t}/draft/meetings/{planned['id']}", token,
                {"slot_id": trip["slots"][4]})  # fmt: skip
    assert moved.status_code == 200 and moved.json["meeting"]["origin"] == "planner"  # moving keeps it
    one = api(client, "get", f"/trips/{t}/draft/meetings/{by_hand}", token).json["meeting"]
    assert one["origin"] == "manual"


def test_guests_are_set_and_taken_out(client, db, trip, draft, api_tokens):
    t, token = trip["trip"], api_tokens["coordinator"]
    path = f"/trips/{t}/draft/meetings/{draft['ada_thecell']}/guests"
    joined = api(client, "put", path, token, {"delegate_ids": [trip["ben"]]})
    assert joined.status_code == 200
    assert joined.json["meeting"]["guests"] == [
        {"delegate_id": trip["ben"], "delegate_name": "Ben Franklin",
         "delegation": {"id": trip["EFS BFC"], "short_name": "EFS BFC"}}
    ]  # fmt: skip
    left = api(client, "put", path, token, {"delegate_ids": []})
    assert left.status_code == 200 and left.json["meeting"]["guests"] == []
    assert db.table("trip_meeting_guests").count == 0


@pytest.mark.parametrize(
    "method, where, body, message",
    [
        ("patch", "ada_thecell", {"slot": 1}, "Ada Lovelace already has a meeting at 2026-05-11 10:15."),
        (
            "patch",
            "cy_thecell",
            {"slot": 0},
            "ThéCell already holds as many meetings as it can at 2026-05-11 09:00.",
        ),
        (
            "patch",
            "ben_loex",
            {"slot": 2, "delegate": "ada"},
            "Ada Lovelace cannot get from Montreal to Quebec City on Monday 11 May: the trip takes 180 min",
        ),
        ("patch", "ada_hema", {"delegate": "cy"}, "Cy Twombly is not a delegate of EFS BFC."),
        (
            "post",
            None,
            {"delegate": "ben", "host": "ThéCell", "slot": 2},
            "EFS BFC already meets ThéCell during this trip.",
        ),
        ("put", "ada_hema", {"guests": ["cy"]}, "Cy Twombly already has a meeting at 2026-05-11 10:15."),
        ("put", "ada_hema", {"guests": ["ada"]}, "Ada Lovelace is listed twice at one meeting."),
        ("delete", "cy_thecell", None, "CHU de Besançon must meet ThéCell during this trip."),
    ],
)
def test_an_edit_the_rules_refuse_changes_nothing(
    client, db, trip, draft, api_tokens, method, where, body, message
):
    t = trip["trip"]
    queries.save_constraint(db, t, trip["CHU de Besançon"], trip["ThéCell"], "must_meet")
    path = f"/trips/{t}/draft/meetings" + (f"/{draft[where]}" if where else "")
    sent = None
    if method == "put":
        path, sent = path + "/guests", {"delegate_ids": [trip[name] for name in body["guests"]]}
    elif body is not None:
        keys = {
            "slot": ("slot_id", trip["slots"]),
            "delegate": ("delegate_id", trip),
            "host": ("host_org_id", trip),
        }
        sent = {keys[key][0]: keys[key][1][value] for key, value in body.items()}
    before, guests = draft_table(db, t), db.table("trip_meeting_guests").count
    response = api(client, method, path, api_tokens["coordinator"], sent)
    assert response.status_code == 409
    assert response.json["error"].startswith("Refused, nothing was changed: ")
    assert message in response.json["error"]
    assert draft_table(db, t) == before and db.table("trip_meeting_guests").count == guests
    assert db.execute("SELECT count(*) FROM events WHERE name LIKE 'trip.meeting_%'").fetchone()[0] == 0


def test_the_draft_says_which_rules_it_breaks_and_which_pairs_are_approved(
    client, db, trip, draft, api_tokens
):
    t = trip["trip"]
    queries.save_constraint(db, t, trip["CHU de Besançon"], trip["LOEX"], "must_meet")
    db.execute("UPDATE trip_meetings SET approved = 1 WHERE id = ?", [draft["ada_hema"]])
    db.conn.commit()
    shown = api(client, "get", f"/trips/{t}/draft", api_tokens["coordinator"]).json
    assert shown["draft"]["issues"] == [
        {"code": "rule_must_meet", "message": "CHU de Besançon must meet LOEX during this trip."}
    ]
    approved = {m["id"] for m in shown["items"] if m["approved"]}
    assert approved == {draft["ada_hema"]} and len(shown["items"]) == 4
    assert shown["draft"]["links"]["publish"] == f"/api/v1/trips/{t}/publish"


def test_members_are_refused_and_change_nothing(client, db, trip, draft, api_tokens):
    t, m = trip["trip"], draft["ada_hema"]
    calls = [
        ("get", f"/trips/{t}/draft", None),
        ("get", f"/trips/{t}/draft/meetings/{m}", None),
        ("post", f"/trips/{t}/draft/meetings",
         {"delegate_id": trip["cy"], "host_org_id": trip["McGill / MUHC"], "slot_id": trip["slots"][0]}),
        ("patch", f"/trips/{t}/draft/meetings/{m}", {"slot_id": trip["slots"][2]}),
        ("put", f"/trips/{t}/draft/meetings/{m}/guests", {"delegate_ids": []}),
        ("delete", f"/trips/{t}/draft/meetings/{m}", None),
        ("post", f"/trips/{t}/publish", None),
    ]  # fmt: skip
    before = draft_table(db, t)
    for method, path, body in calls:
        refused = api(client, method, path, api_tokens["member_bfc"], body)
        assert refused.status_code == 403 and refused.json["error"] == "Your account may not do this.", path
        kwargs = {"json": body} if body is not None else {}
        assert getattr(client, method)(f"/api/v1{path}", **kwargs).status_code == 401
    assert draft_table(db, t) == before and db.table("published_meetings").count == 0


def test_unknown_ids_are_404_and_unknown_keys_422(client, db, trip, draft, api_tokens):
    t, m, token = trip["trip"], draft["ada_hema"], api_tokens["coordinator"]
    before = draft_table(db, t)
    assert api(client, "get", "/trips/999999/draft", token).status_code == 404
    assert api(client, "post", "/trips/999999/publish", token).status_code == 404
    assert api(client, "patch", f"/trips/{t}/draft/meetings/999999", token, {"slot_id": 1}).status_code == 404
    fields = {key: queries.get_trip(db, t)[key] for key in ("direction", "cities", "status", "notes")}
    days = {"start_date": date(2026, 6, 1), "end_date": date(2026, 6, 2)}
    other = queries.create_trip(db, {**fields, **days, "name": "Another mission"})
    assert api(client, "get", f"/trips/{other}/draft/meetings/{m}", token).status_code == 404  # not its draft
    unknown_slot = api(client, "patch", f"/trips/{t}/draft/meetings/{m}", token, {"slot_id": 999999})
    assert unknown_slot.status_code == 404
    message = "The trip has no slot 999999. Nothing was changed."
    assert unknown_slot.json["errors"] == [{"field": "slot_id", "message": message}]
    body = {"delegate_id": trip["ada"], "host_org_id": trip["EFS BFC"], "slot_id": trip["slots"][2]}
    not_a_host = api(client, "post", f"/trips/{t}/draft/meetings", token, body)
    assert not_a_host.status_code == 404 and not_a_host.json["errors"][0]["field"] == "host_org_id"
    guest = api(client, "put", f"/trips/{t}/draft/meetings/{m}/guests", token, {"delegate_ids": [999999]})
    assert guest.status_code == 404 and guest.json["errors"][0]["field"] == "delegate_ids"
    typo = api(client, "patch", f"/trips/{t}/draft/meetings/{m}", token, {"slot": trip["slots"][2]})
    assert typo.status_code == 422 and typo.json["errors"] == [
        {"field": "slot", "message": "unknown field 'slot'"}
    ]
    empty = api(client, "patch", f"/trips/{t}/draft/meetings/{m}", token, {})
    assert empty.status_code == 422
    assert empty.json["errors"] == [{"field": None, "message": "give at least one of slot_id, delegate_id"}]
    missing = api(client, "post", f"/trips/{t}/draft/meetings", token, {"delegate_id": trip["ada"]})
    assert missing.status_code == 422 and {e["field"] for e in missing.json["errors"]} == {
        "host_org_id",
        "slot_id",
    }
    no_list = api(client, "put", f"/trips/{t}/draft/meetings/{m}/guests", token, {"delegate_ids": 3})
    assert no_list.status_code == 422
    assert draft_table(db, t) == before

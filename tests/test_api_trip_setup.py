"""A trip's set-up through the API: the trip, its slots, delegation, delegates, hosts and pairs, by
the operations the web's trip page calls (same checks, same refusals, same audit events)."""
# ruff: noqa: F811  (the fixtures of test_trips are imported, then used as arguments)

from __future__ import annotations

import json

import pytest
from conftest import bearer, org_id, page_text
from test_trips import draft, draft_table, trip  # noqa: F401 (fixtures, a helper)

from app.trips import queries

NEW_TRIP = {
    "name": "Autumn mission",
    "direction": "QC->BFC",
    "cities": ["Besançon", " Dijon ", "Besançon"],
    "start_date": "2027-10-01",
    "end_date": "2027-10-05",
}
SETUP_TABLES = ("trips", "trip_slots", "trip_delegation", "trip_delegates", "trip_hosts", "trip_constraints")


def api(client, method, path, token, body=None):
    kwargs = {"json": body} if body is not None else {}
    return getattr(client, method)(f"/api/v1{path}", headers=bearer(token), **kwargs)


def events(db, name):
    rows = db.query("SELECT actor_id, subject, data FROM events WHERE name = ? ORDER BY id", [name])
    return [(row["actor_id"], row["subject"], json.loads(row["data"])) for row in rows]


def snapshot(db) -> dict:
    """Every row of the set-up tables, and the draft and the events: what a refusal must not change."""
    tables = {name: db.execute(f"SELECT * FROM {name} ORDER BY rowid").fetchall() for name in SETUP_TABLES}
    tables["trip_meetings"] = db.execute("SELECT * FROM trip_meetings ORDER BY id").fetchall()
    tables["events"] = db.execute("SELECT COUNT(*) FROM events").fetchall()
    return tables


def message(response) -> str:
    return response.json["errors"][0]["message"]


# --- the trip -------------------------------------------------------------------------------------


def test_a_coordinator_creates_a_trip_as_the_web_form_does(seeded, client, db, coordinator, api_tokens):
    created = api(client, "post", "/trips", api_tokens["coordinator"], NEW_TRIP)
    assert created.status_code == 201
    trip = created.json["trip"]
    assert created.headers["Location"] == f"/api/v1/trips/{trip['id']}"
    assert trip["cities"] == ["Besançon", "Dijon"] and trip["state"] == "draft"
    assert trip["group_meetings"] is False and trip["status"] == "planned"
    assert events(db, "trip.created") == [(seeded.user_ids["coordinator"], f"trip:{trip['id']}", {})]

    web = coordinator.post("/trips/new", {**NEW_TRIP, "name": "Web twin", "cities": "Besançon, Dijon",
                                          "status": "planned"})  # fmt: skip
    twin = int(web.headers["Location"].rsplit("/", 1)[1])
    slots = api(client, "get", f"/trips/{trip['id']}/slots?per_page=100", api_tokens["admin"]).json
    web_slots = queries.list_slots(db, twin)
    assert slots["total"] == len(web_slots) == 3 * len(queries.DEFAULT_SLOT_TIMES)  # Fri, Mon, Tue
    assert [(s["day"], s["start"], s["end"]) for s in slots["items"]] == [
        (s["day"], s["start"], s["end"]) for s in web_slots
    ]
    assert slots["items"][0]["time_zone"] == "Europe/Paris"


@pytest.mark.parametrize(
    "change, status, words",
    [
        ({"end_date": "2027-09-30"}, 409, "The last day cannot be before the first day."),
        ({"end_date": "2027-11-30"}, 409, "A trip lasts at most 31 days."),
        ({"name": "Test mission"}, 409, "Another trip already has this name."),
        ({"name": "   "}, 422, "name must match"),
        ({"start_date": "2027-02-30"}, 422, "start_date must be a date written YYYY-MM-DD"),
        ({"direction": "QC->QC"}, 422, "direction must be one of BFC->QC, QC->BFC"),
        ({"status": "past"}, 422, "unknown field 'status'"),
    ],
)
def test_a_trip_the_rules_refuse_is_not_created(seeded, client, db, trip, api_tokens, change, status, words):
    before = snapshot(db)
    response = api(client, "post", "/trips", api_tokens["coordinator"], {**NEW_TRIP, **change})
    assert response.status_code == status and words in message(response)
    assert snapshot(db) == before


def test_a_trip_is_changed_but_keeps_its_direction_while_it_has_a_delegation(
    seeded, client, db, coordinator, trip, draft, api_tokens
):
    t, token = trip["trip"], api_tokens["coordinator"]
    before = snapshot(db)
    locked = api(client, "patch", f"/trips/{t}", token, {"direction": "QC->BFC", "cities": ["Dijon"]})
    assert locked.status_code == 409
    assert message(locked) == "Remove the delegation and the hosts before changing the direction."
    assert locked.json["errors"][0]["field"] == "direction" and snapshot(db) == before
    edit = {"name": "Test mission", "direction": "QC->BFC", "cities": "Dijon", "start_date": "2026-05-11",
            "end_date": "2026-05-12"}  # fmt: skip
    web = coordinator.post(f"/trips/{t}/edit", edit)
    assert web.status_code == 400 and message(locked) in page_text(web)

    shorter = api(client, "patch", f"/trips/{t}", token, {"end_date": "2026-05-11", "group_meetings": True})
    assert shorter.status_code == 200
    assert shorter.json["trip"]["end_date"] == "2026-05-11" and shorter.json["trip"]["group_meetings"] is True
    assert shorter.json["trip"]["name"] == "Test mission"  # what the body leaves out stays
    assert {row["day"] for row in queries.list_slots(db, t)} == {"2026-05-11"}
    assert {row[0] for row in draft_table(db, t)} == {draft["ada_thecell"], draft["ada_hema"],
                                                      draft["cy_thecell"]}  # fmt: skip
    assert queries.get_trip(db, t)["group_meetings"] == 1  # what the web's switch sets
    assert events(db, "trip.updated") == [(seeded.user_ids["coordinator"], f"trip:{t}", {})]


# --- slots ----------------------------------------------------------------------------------------


def test_new_slots_keep_the_matching_ones_and_their_meetings(seeded, client, db, trip, draft, api_tokens):
    t = trip["trip"]
    body = {"times": ["14:00", "09:00"], "minutes": 45}
    response = api(client, "put", f"/trips/{t}/slots", api_tokens["coordinator"], body)
    assert response.status_code == 200
    assert response.json["count"] == 4 and response.json["removed_meetings"] == 2
    assert [(s["day"], s["start"], s["end"]) for s in queries.list_slots(db, t)][:2] == [
        ("2026-05-11", "09:00", "09:45"),
        ("2026-05-11", "14:00", "14:45"),
    ]
    assert {row[0] for row in draft_table(db, t)} == {draft["ada_thecell"], draft["ben_loex"]}
    assert events(db, "trip.slots_set") == [(seeded.user_ids["coordinator"], f"trip:{t}", {})]


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"times": ["09:00", "09:30"], "minutes": 60}, 409, "Meetings this long would overlap"),
        ({"times": ["23:30"], "minutes": 60}, 409, "The last meeting would end after midnight."),
        ({"times": ["9h"], "minutes": 60}, 422, "times holds '9h'"),
        ({"times": ["09:00", "09:00"], "minutes": 60}, 422, "times holds an item twice"),
        ({"times": ["09:00"], "minutes": 300}, 422, "minutes must be from 15 to 240"),
        ({"times": [], "minutes": 60}, 422, "times must be a non-empty array"),
    ],
)
def test_slots_the_rules_refuse_change_nothing(seeded, client, db, coordinator, trip, draft, api_tokens,
                                               body, status, words):  # fmt: skip
    before = snapshot(db)
    response = api(client, "put", f"/trips/{trip['trip']}/slots", api_tokens["coordinator"], body)
    assert response.status_code == status and words in message(response)
    assert snapshot(db) == before
    if status == 409:  # the web's form says the same
        form = {"times": ", ".join(body["times"]), "minutes": body["minutes"]}
        page = page_text(coordinator.post(f"/trips/{trip['trip']}/slots", form))
        assert message(response) in page


# --- delegation and delegates ---------------------------------------------------------------------


def test_delegation_and_delegates_through_the_api_show_on_the_web(seeded, client, db, coordinator, trip,
                                                                  api_tokens):  # fmt: skip
    t, token, cgfl = trip["trip"], api_tokens["coordinator"], org_id(db, "CGFL")
    joined = api(client, "post", f"/trips/{t}/delegation", token, {"org_id": cgfl})
    assert joined.status_code == 201
    assert joined.headers["Location"] == f"/api/v1/trips/{t}/delegation/{cgfl}"
    assert (
        joined.json["organisation"]["short_name"] == "CGFL" and joined.json["organisation"]["delegates"] == []
    )
    added = api(client, "post", f"/trips/{t}/delegates", token,
                {"org_id": cgfl, "name": " Dee Dee ", "email": " dee@example.org "})  # fmt: skip
    assert added.status_code == 201
    dee = added.json["delegate"]
    assert added.headers["Location"] == f"/api/v1/trips/{t}/delegates/{dee['id']}"
    assert (dee["name"], dee["email"], dee["delegation"]["short_name"]) == (
        "Dee Dee",
        "dee@example.org",
        "CGFL",
    )
    assert (
        api(client, "get", added.headers["Location"].removeprefix("/api/v1"), token).json["delegate"] == dee
    )
    page = page_text(client.get(f"/trips/{t}"))
    assert "Dee Dee" in page and "dee@example.org" in page

    listed = api(client, "get", f"/trips/{t}/delegation", token).json
    assert [org["short_name"] for org in listed["items"]] == ["CGFL", "CHU de Besançon", "EFS BFC"]
    assert [d["name"] for d in listed["items"][2]["delegates"]] == ["Ada Lovelace", "Ben Franklin"]
    everyone = api(client, "get", f"/trips/{t}/delegates?per_page=2", token).json
    assert everyone["total"] == 4 and everyone["next"] == f"/api/v1/trips/{t}/delegates?per_page=2&page=2"
    coordinator_id = seeded.user_ids["coordinator"]
    assert events(db, "trip.delegate_added") == [(coordinator_id, f"trip:{t}", {"org_id": cgfl})]

    assert api(client, "delete", f"/trips/{t}/delegates/{dee['id']}", token).status_code == 204
    assert api(client, "delete", f"/trips/{t}/delegates/{dee['id']}", token).status_code == 404
    assert api(client, "delete", f"/trips/{t}/delegation/{cgfl}", token).status_code == 204
    assert api(client, "get", f"/trips/{t}/delegation/{cgfl}", token).status_code == 404
    assert [e[2] for e in events(db, "trip.delegation_removed")] == [{"org_id": cgfl}]


def test_leaving_the_delegation_takes_its_delegates_and_their_draft_meetings(
    seeded, client, db, trip, draft, api_tokens
):
    t = trip["trip"]
    response = api(client, "delete", f"/trips/{t}/delegation/{trip['EFS BFC']}", api_tokens["admin"])
    assert response.status_code == 204
    assert [d["name"] for d in queries.list_delegates(db, t)] == ["Cy Twombly"]
    assert {row[0] for row in draft_table(db, t)} == {draft["cy_thecell"]}


def test_delegation_and_delegates_the_rules_refuse_change_nothing(seeded, client, db, trip, api_tokens):
    t, token = trip["trip"], api_tokens["coordinator"]
    cgfl, loex = org_id(db, "CGFL"), org_id(db, "LOEX")
    db.execute("UPDATE organisations SET status = 'closed' WHERE id = ?", [cgfl])
    db.conn.commit()
    before = snapshot(db)
    cases = [
        ("post", "/delegation", {"org_id": loex}, 409, "LOEX is not on the delegation's side of the"),
        ("post", "/delegation", {"org_id": cgfl}, 409, "CGFL is closed: nothing new is started with it."),
        ("post", "/delegation", {"org_id": trip["EFS BFC"]}, 409, "EFS BFC is in the delegation already."),
        ("post", "/delegation", {"org_id": 999999}, 404, "There is no such organisation."),
        ("delete", f"/delegation/{loex}", None, 404, f"Organisation {loex} is not in the delegation."),
        ("post", "/delegates", {"org_id": loex, "name": "Eve"}, 404, f"Organisation {loex} is not in"),
        ("post", "/delegates", {"org_id": trip["EFS BFC"], "name": "Eve", "email": "eve@"}, 422,
         "email must match"),
        ("post", "/delegates", {"org_id": trip["EFS BFC"], "name": ""}, 422, "name must match"),
        ("get", "/delegates/999999", None, 404, "The trip has no delegate 999999."),
        ("post", "/delegation", {"org_id": "EFS BFC"}, 422, "org_id must be an integer"),
    ]  # fmt: skip
    wrong = []
    for method, path, body, status, words in cases:
        response = api(client, method, f"/trips/{t}{path}", token, body)
        if response.status_code != status or words not in message(response):
            wrong.append((method, path, body, response.status_code, message(response)))
    assert wrong == [] and snapshot(db) == before


# --- hosts and pairs ------------------------------------------------------------------------------


def test_hosts_are_added_changed_and_removed_as_on_the_web(seeded, client, db, coordinator, trip, api_tokens):
    t, token, iric = trip["trip"], api_tokens["coordinator"], org_id(db, "IRIC")
    added = api(client, "put", f"/trips/{t}/hosts/{iric}", token, {"days": ["2026-05-12"], "capacity": 2})
    assert added.status_code == 201 and added.headers["Location"] == f"/api/v1/trips/{t}/hosts/{iric}"
    host = added.json["host"]
    assert (host["city"], host["capacity"], host["days"], host["outside_trip_cities"]) == (
        "Montréal", 2, ["2026-05-12"], False)  # fmt: skip
    web = coordinator.post(f"/trips/{t}/hosts", {"org_id": iric, "city": "", "capacity": 2,
                                                 "days": ["2026-05-12"]})  # fmt: skip
    assert web.status_code == 302
    assert api(client, "get", f"/trips/{t}/hosts/{iric}", token).json["host"] == host  # the same host

    changed = api(client, "put", f"/trips/{t}/hosts/{iric}", token, {"city": "Quebec City"})
    assert changed.status_code == 200 and "Location" not in changed.headers
    assert (changed.json["host"]["city"], changed.json["host"]["capacity"], changed.json["host"]["days"]) == (
        "Québec", 1, [])  # fmt: skip
    hosts = api(client, "get", f"/trips/{t}/hosts", token).json
    assert [h["short_name"] for h in hosts["items"]] == [
        "Héma-Québec",
        "IRIC",
        "LOEX",
        "McGill / MUHC",
        "ThéCell",
    ]
    assert len(events(db, "trip.host_saved")) == 3

    assert api(client, "delete", f"/trips/{t}/hosts/{iric}", token).status_code == 204
    assert api(client, "get", f"/trips/{t}/hosts/{iric}", token).status_code == 404
    assert "IRIC" not in {h["short_name"] for h in queries.list_hosts(db, t)}


def test_hosts_the_rules_refuse_change_nothing(seeded, client, db, trip, api_tokens):
    t, token = trip["trip"], api_tokens["coordinator"]
    iric, cgfl = org_id(db, "IRIC"), org_id(db, "CGFL")
    before = snapshot(db)
    cases = [
        (cgfl, {}, 409, "CGFL is not in the region the delegation visits."),
        (iric, {"city": "Sherbrooke"}, 409, "Sherbrooke is not one of the trip's cities"),
        (iric, {"days": ["2026-05-13"]}, 409, "2026-05-13 is not a day of the trip."),
        (iric, {"capacity": 21}, 422, "capacity must be from 1 to 20"),
        (iric, {"days": ["12/05/2026"]}, 422, "days holds '12/05/2026'"),
        (999999, {}, 404, "There is no such organisation."),
    ]
    wrong = []
    for host, body, status, words in cases:
        response = api(client, "put", f"/trips/{t}/hosts/{host}", token, body)
        if response.status_code != status or words not in message(response):
            wrong.append((host, body, response.status_code, message(response)))
    assert wrong == [] and snapshot(db) == before


def test_pairs_must_meet_or_must_not_meet(seeded, client, db, coordinator, trip, api_tokens):
    t, token, efs, loex = trip["trip"], api_tokens["coordinator"], trip["EFS BFC"], trip["LOEX"]
    path = f"/trips/{t}/pairs/{efs}/{loex}"
    saved = api(client, "put", path, token, {"kind": "must_meet"})
    assert saved.status_code == 201 and saved.headers["Location"] == f"/api/v1{path}"
    assert saved.json["pair"] == {
        "kind": "must_meet",
        "delegation": {"id": efs, "short_name": "EFS BFC"},
        "host": {"id": loex, "short_name": "LOEX"},
    }
    assert "Must meet" in page_text(client.get(f"/trips/{t}"))
    again = api(client, "put", path, token, {"kind": "must_not_meet"})
    assert again.status_code == 200 and again.json["pair"]["kind"] == "must_not_meet"
    assert api(client, "get", f"/trips/{t}/pairs", token).json["items"] == [again.json["pair"]]
    assert [e[2] for e in events(db, "trip.constraint_saved")] == [
        {"org_id": efs, "partner_id": loex, "kind": "must_meet"},
        {"org_id": efs, "partner_id": loex, "kind": "must_not_meet"},
    ]

    before = snapshot(db)
    iric, cy = org_id(db, "IRIC"), trip["CHU de Besançon"]
    refused = [
        (f"/trips/{t}/pairs/{efs}/{iric}", {"kind": "must_meet"}, 404, f"Organisation {iric} is not a host"),
        (f"/trips/{t}/pairs/{loex}/{loex}", {"kind": "must_meet"}, 404, f"Organisation {loex} is not in"),
        (f"/trips/{t}/pairs/{cy}/{loex}", {"kind": "maybe"}, 422, "kind must be one of must_meet"),
    ]
    for where, body, status, words in refused:
        response = api(client, "put", where, token, body)
        assert response.status_code == status and words in message(response), where
    assert api(client, "get", f"/trips/{t}/pairs/{cy}/{loex}", token).status_code == 404
    assert api(client, "delete", f"/trips/{t}/pairs/{cy}/{loex}", token).status_code == 404
    assert snapshot(db) == before
    assert api(client, "delete", path, token).status_code == 204
    assert queries.list_constraints(db, t) == []


# --- who may do it --------------------------------------------------------------------------------


def test_only_coordinators_and_administrators_set_up_trips(seeded, client, db, trip, api_tokens):
    t, efs, loex = trip["trip"], trip["EFS BFC"], trip["LOEX"]
    writes = [
        ("post", "/trips", NEW_TRIP),
        ("patch", f"/trips/{t}", {"notes": "x"}),
        ("put", f"/trips/{t}/slots", {"times": ["09:00"], "minutes": 60}),
        ("post", f"/trips/{t}/delegation", {"org_id": org_id(db, "CGFL")}),
        ("delete", f"/trips/{t}/delegation/{efs}", None),
        ("post", f"/trips/{t}/delegates", {"org_id": efs, "name": "Eve"}),
        ("delete", f"/trips/{t}/delegates/{trip['ada']}", None),
        ("put", f"/trips/{t}/hosts/{org_id(db, 'IRIC')}", {}),
        ("delete", f"/trips/{t}/hosts/{loex}", None),
        ("put", f"/trips/{t}/pairs/{efs}/{loex}", {"kind": "must_meet"}),
        ("get", f"/trips/{t}/delegates", None),
        ("get", f"/trips/{t}/hosts/{loex}", None),
    ]
    before = snapshot(db)
    for method, path, body in writes:
        assert api(client, method, path, api_tokens["member_bfc"], body).status_code == 403, path
        assert getattr(client, method)(f"/api/v1{path}", json=body).status_code == 401, path
    assert snapshot(db) == before
    missing = [("get", "/trips/999999/slots"), ("put", "/trips/999999/hosts/1"),
               ("delete", "/trips/999999/delegates/1"), ("get", "/trips/999999/pairs")]  # fmt: skip
    for method, path in missing:
        body = {} if method == "put" else None
        assert api(client, method, path, api_tokens["coordinator"], body).status_code == 404, path

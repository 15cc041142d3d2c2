"""Delegation trips on the web: who may do what, set-up forms, plan, edit, publish, the members' page."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import AuthActions, org_id, page_text

from app.coordination.queries import ensure_pairing
from app.seed import seed_known_links, seed_trips
from app.trips import meetings as store
from app.trips import queries
from models.trips.planner import check_plan
from models.trips.shapes import Meeting

LOGIN = "login"
ROLES = ("anonymous", "member_bfc", "member_other", "coordinator", "admin")


@pytest.fixture
def trip(seeded, db):
    """A two-day trip: EFS BFC (Ada, Ben) and CHU de Besançon (Cy) visit four Québec hosts, slots 1-6."""
    seeded.config["TRIP_MIN_SCORE"] = 0.0  # the fake embedder's scores: let every pair be planned
    fields = {
        "name": "Test mission",
        "direction": "BFC->QC",
        "cities": ["Montréal", "Québec City"],
        "start_date": date(2026, 5, 11),
        "end_date": date(2026, 5, 12),
        "status": "planned",
        "notes": "",
    }
    trip_id = queries.create_trip(db, fields)
    queries.set_slot_template(db, trip_id, ("09:00", "10:15", "11:30"), 60, weekdays_only=True)
    names = ("EFS BFC", "CHU de Besançon", "ThéCell", "Héma-Québec", "McGill / MUHC", "LOEX")
    ids = {name: org_id(db, name) for name in names}
    for name in ("EFS BFC", "CHU de Besançon"):
        queries.add_delegation_org(db, trip_id, ids[name])
    ids["ada"] = queries.add_delegate(db, trip_id, ids["EFS BFC"], "Ada Lovelace", "ada@example.org")
    ids["ben"] = queries.add_delegate(db, trip_id, ids["EFS BFC"], "Ben Franklin")
    ids["cy"] = queries.add_delegate(db, trip_id, ids["CHU de Besançon"], "Cy Twombly")
    for name in names[2:]:
        queries.save_host(db, trip_id, ids[name], "Québec City" if name == "LOEX" else "Montréal", 1, [])
    ids["slots"] = [row["id"] for row in queries.list_slots(db, trip_id)]
    ids["trip"] = trip_id
    return ids


@pytest.fixture
def draft(trip, db):
    """A hand-made draft: Ada–ThéCell (slot 1), Ada–Héma (2), Cy–ThéCell (2), Ben–LOEX (day 2, slot 4)."""
    s, t = trip["slots"], trip
    rows = {
        "ada_thecell": Meeting(t["ada"], t["EFS BFC"], t["ThéCell"], s[0], "event", 0.7, "because"),
        "ada_hema": Meeting(t["ada"], t["EFS BFC"], t["Héma-Québec"], s[1], "staff_exchange", 0.8),
        "cy_thecell": Meeting(t["cy"], t["CHU de Besançon"], t["ThéCell"], s[1], "joint_trial", 0.6),
        "ben_loex": Meeting(t["ben"], t["EFS BFC"], t["LOEX"], s[3], "co_training", 0.5),
    }
    with db.atomic():
        return {name: store.add_meeting(db, t["trip"], meeting, False) for name, meeting in rows.items()}


def run_planning(app) -> int:
    """What the worker's round does with the trips whose planning was asked for on the web."""
    from app.db import get_db
    from app.trips import plan_jobs

    with app.app_context():
        return plan_jobs.run_due(get_db())


def draft_table(db, trip_id):
    return db.execute(
        "SELECT id, delegate_id, host_org_id, slot_id FROM trip_meetings WHERE trip_id = ? ORDER BY id",
        [trip_id],
    ).fetchall()


def published_table(db, trip_id):
    rows = db.query("SELECT * FROM published_meetings WHERE trip_id = ? ORDER BY id", [trip_id])
    return {row["host_org_id"] * 1000 + row["delegation_org_id"]: row for row in rows}


# --- who may do what -------------------------------------------------------------------------------


def test_role_route_matrix(seeded, trip, draft):
    t, m, efs = trip["trip"], draft["ada_hema"], trip["EFS BFC"]
    coordinators = {
        "anonymous": LOGIN,
        "member_bfc": 403,
        "member_other": 403,
        "coordinator": 200,
        "admin": 200,
    }
    moved = {**coordinators, "coordinator": 302, "admin": 302}
    missing = {**coordinators, "coordinator": 404, "admin": 404}
    routes = [
        ("GET", "/trips/", coordinators),
        ("GET", "/trips/new", coordinators),
        ("GET", f"/trips/{t}", coordinators),
        ("GET", f"/trips/{t}/draft", coordinators),
        ("GET", f"/trips/{t}/published", coordinators),
        ("GET", "/trips/999999", missing),
        ("GET", "/trips/999999/draft", missing),
        ("GET", f"/trips/org/{efs}", {**coordinators, "member_bfc": 200}),
        ("GET", "/trips/org/999999", {**dict.fromkeys(ROLES, 404), "anonymous": LOGIN}),
        ("POST", f"/trips/{t}/meetings/999999/remove", missing),
        ("POST", f"/trips/999999/meetings/{m}/remove", missing),
        ("POST", f"/trips/{t}/delegates/999999/remove", missing),
        ("POST", f"/trips/{t}/meetings/{m}/move", moved),
        ("POST", f"/trips/{t}/publish", moved),
    ]
    wrong = []
    for role in ROLES:
        client = seeded.test_client()
        auth = AuthActions(client)
        if role != "anonymous":
            auth.login(role)
        for method, path, expected in routes:
            if method == "GET":
                response = client.get(path)
            else:
                token = auth.csrf_token("/auth/login" if role == "anonymous" else "/auth/password")
                same_place = {
                    "slot_id": trip["slots"][1],
                    "delegate_id": trip["ada"],
                }  # a move that changes nothing
                response = client.post(path, data={"csrf_token": token, **same_place})
            want, got = expected[role], response.status_code
            if want == LOGIN:
                ok = got == 302 and response.headers["Location"].startswith("/auth/login")
            else:
                ok = got == want
            if not ok:
                wrong.append(f"{role} {method} {path}: expected {want}, got {got}")
    assert wrong == []


def test_posts_without_csrf_token_are_refused(coordinator, client, db, trip, draft):
    response = client.post(f"/trips/{trip['trip']}/meetings/{draft['ada_hema']}/remove")
    assert response.status_code == 400
    assert len(draft_table(db, trip["trip"])) == 4


def test_pages_carry_no_inline_script_or_style(coordinator, client, trip, draft):
    for path in ("/trips/", f"/trips/{trip['trip']}", f"/trips/{trip['trip']}/draft", "/trips/new"):
        text = client.get(path).get_data(as_text=True)
        assert "<script" not in text and "style=" not in text, path


# --- set-up -------------------------------------------------------------------------------------


def test_create_a_trip_with_default_weekday_slots(coordinator, client, db):
    response = coordinator.post(
        "/trips/new",
        {
            "name": "Spring",
            "direction": "QC->BFC",
            "cities": "Besançon, Dijon, Besançon",
            "start_date": "2026-10-02",
            "end_date": "2026-10-06",
            "status": "planned",
        },
    )
    assert response.status_code == 302
    trip = queries.get_trip(db, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert trip["cities"] == ["Besançon", "Dijon"]
    days = {row["day"] for row in queries.list_slots(db, trip["id"])}
    assert days == {"2026-10-02", "2026-10-05", "2026-10-06"}  # Friday, Monday, Tuesday
    assert len(queries.list_slots(db, trip["id"])) == 3 * len(queries.DEFAULT_SLOT_TIMES)


def test_bad_trip_form_is_refused_and_nothing_is_created(coordinator, client, db):
    data = {"name": "Backwards", "direction": "BFC->QC", "cities": "Montréal", "start_date": "2026-05-12",
            "end_date": "2026-05-11", "status": "planned"}  # fmt: skip
    response = coordinator.post("/trips/new", data)
    assert response.status_code == 400 and "The last day cannot be before the first day." in page_text(
        response
    )
    assert db.table("trips").count == 0


def test_set_up_delegation_delegates_hosts_and_pairs(coordinator, client, db, trip):
    t, path = trip["trip"], f"/trips/{trip['trip']}"
    cgfl, iric = org_id(db, "CGFL"), org_id(db, "IRIC")
    assert coordinator.post(f"{path}/delegation", {"org_id": cgfl}).status_code == 302
    assert (
        coordinator.post(f"{path}/delegates", {"org_id": cgfl, "name": "Dee", "email": ""}).status_code == 302
    )
    host = {"org_id": iric, "city": "", "capacity": 2, "days": ["2026-05-12"]}
    assert coordinator.post(f"{path}/hosts", host).status_code == 302
    rule = {"org_id": cgfl, "host_org_id": iric, "kind": "must_meet"}
    assert coordinator.post(f"{path}/constraints", rule).status_code == 302
    saved = next(h for h in queries.list_hosts(db, t) if h["org_id"] == iric)
    assert (saved["city"], saved["capacity"], saved["days"]) == ("Montréal", 2, ["2026-05-12"])
    assert [
        (c["org_short_name"], c["host_short_name"], c["kind"]) for c in queries.list_constraints(db, t)
    ] == [("CGFL", "IRIC", "must_meet")]
    page = page_text(client.get(path))
    assert "Dee" in page and "IRIC" in page and "Must meet" in page
    assert coordinator.post(f"{path}/constraints/{cgfl}/{iric}/remove").status_code == 302
    assert coordinator.post(f"{path}/delegation/{cgfl}/remove").status_code == 302
    assert sorted(d["name"] for d in queries.list_delegates(db, t)) == [
        "Ada Lovelace",
        "Ben Franklin",
        "Cy Twombly",
    ]


@pytest.mark.parametrize(
    "where, data, message",
    [
        ("delegation", {"org_id": "ThéCell"}, "Not a valid choice"),
        (
            "delegates",
            {"org_id": "EFS BFC", "name": "Eve", "email": "not-an-email"},
            "This is not an email address.",
        ),
        ("hosts", {"org_id": "ThéCell", "city": "", "capacity": 0}, "Between 1 and 20."),
        ("hosts", {"org_id": "CGFL", "city": "", "capacity": 1}, "Not a valid choice"),
        ("slots", {"times": "9h, 10:15", "minutes": 60}, "Write times as HH:MM"),
        ("slots", {"times": "09:00, 09:30", "minutes": 60}, "would overlap"),
    ],
)
def test_bad_set_up_forms_are_refused_and_change_nothing(coordinator, client, db, trip, where, data, message):
    data = {key: (org_id(db, value) if key == "org_id" else value) for key, value in data.items()}
    before = [
        db.table(name).count for name in ("trip_delegation", "trip_delegates", "trip_hosts", "trip_slots")
    ]
    response = coordinator.post(f"/trips/{trip['trip']}/{where}", data)
    assert response.status_code == 400 and message in page_text(response)
    after = [
        db.table(name).count for name in ("trip_delegation", "trip_delegates", "trip_hosts", "trip_slots")
    ]
    assert after == before


def test_new_slot_template_keeps_matching_slots_and_their_meetings(coordinator, client, db, trip, draft):
    response = coordinator.post(
        f"/trips/{trip['trip']}/slots", {"times": "09:00, 14:00", "minutes": 45, "weekdays_only": "y"}
    )
    assert response.status_code == 302
    slots = queries.list_slots(db, trip["trip"])
    assert [(s["day"], s["start"], s["end"]) for s in slots][:2] == [
        ("2026-05-11", "09:00", "09:45"),
        ("2026-05-11", "14:00", "14:45"),
    ]
    kept = {row[0] for row in draft_table(db, trip["trip"])}
    assert kept == {draft["ada_thecell"], draft["ben_loex"]}  # the 09:00 slots stayed; the 10:15 ones went


def test_direction_cannot_change_while_the_trip_has_a_delegation(coordinator, client, db, trip):
    data = {"name": "Test mission", "direction": "QC->BFC", "cities": "Dijon", "start_date": "2026-05-11",
            "end_date": "2026-05-12", "status": "planned"}  # fmt: skip
    response = coordinator.post(f"/trips/{trip['trip']}/edit", data)
    assert response.status_code == 400 and "Remove the delegation and the hosts" in page_text(response)
    assert queries.get_trip(db, trip["trip"])["direction"] == "BFC->QC"


# --- planning --------------------------------------------------------------------------------------


def test_plan_stores_a_valid_draft_and_shows_the_comparison(coordinator, client, db, trip):
    efs, chu = trip["EFS BFC"], trip["CHU de Besançon"]
    queries.save_constraint(db, trip["trip"], chu, trip["LOEX"], "must_meet")
    queries.save_constraint(db, trip["trip"], efs, trip["ThéCell"], "must_not_meet")
    pairing = ensure_pairing(db, efs, trip["Héma-Québec"], "staff_exchange", "engine", 0.7)
    db.execute("UPDATE pairings SET status = 'approved' WHERE id = ?", [pairing])
    db.conn.commit()
    coordinator.post(f"/trips/{trip['trip']}/plan")
    run_planning(client.application)  # the worker's round
    response = client.get(f"/trips/{trip['trip']}/draft")
    text = page_text(response)
    assert "the simple plan" in text and "Ada Lovelace" in text
    assert "greedy" not in text and "objective" not in text  # plain words for coordinators
    rows = store.draft_rows(db, trip["trip"])
    pairs = {(r["delegation_org_id"], r["host_org_id"]): r for r in rows}
    assert (chu, trip["LOEX"]) in pairs and (efs, trip["ThéCell"]) not in pairs
    assert pairs[(efs, trip["Héma-Québec"])]["approved"] == 1
    assert pairs[(efs, trip["Héma-Québec"])]["track"] == "staff_exchange"
    from app.trips import planning

    with client.application.app_context():
        problem = planning.draft_problem(db, queries.get_trip(db, trip["trip"]), rows)
    assert check_plan(problem, [store.as_meeting(r) for r in rows]) == []
    run = db.execute("SELECT method, meetings, objective, greedy_objective FROM trip_plan_runs").fetchone()
    assert run[0] == "milp" and run[1] == len(rows) and run[2] >= run[3]


def test_plan_refuses_an_incomplete_trip(coordinator, client, db, trip):
    for delegate in ("ada", "ben", "cy"):
        queries.remove_delegate(db, trip["trip"], trip[delegate])
    response = coordinator.post(f"/trips/{trip['trip']}/plan", follow_redirects=True)
    assert "The delegation has no delegate" in page_text(response)
    assert db.table("trip_meetings").count == 0


def test_cli_plans_and_publishes(runner, db, trip):
    result = runner.invoke(args=["plan-trip", str(trip["trip"])])
    assert result.exit_code == 0, result.output
    assert "meetings by milp" in result.output and "greedy baseline" in result.output
    result = runner.invoke(args=["publish-trip", str(trip["trip"])])
    assert result.exit_code == 0 and "unchanged" in result.output
    assert db.table("published_meetings").count == db.table("trip_meetings").count > 0
    missing = runner.invoke(args=["plan-trip", "999999"])
    assert missing.exit_code == 1 and "No trip has id 999999" in missing.output


# --- editing the draft -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "meeting, form, rule",
    [
        ("ada_thecell", {"slot": 1, "delegate": "ada"}, "Ada Lovelace already has a meeting"),
        ("cy_thecell", {"slot": 0, "delegate": "cy"}, "ThéCell already holds as many meetings as it can"),
        (
            "ben_loex",
            {"slot": 2, "delegate": "ada"},
            "Ada Lovelace cannot get from Montreal to Quebec City on Monday 11 May: the trip takes 180 min",
        ),
    ],
)
def test_a_move_that_breaks_a_rule_is_refused_and_changes_nothing(
    coordinator, client, db, trip, draft, meeting, form, rule
):
    before = draft_table(db, trip["trip"])
    data = {"slot_id": trip["slots"][form["slot"]], "delegate_id": trip[form["delegate"]]}
    response = coordinator.post(f"/trips/{trip['trip']}/meetings/{draft[meeting]}/move", data)
    assert response.status_code == 409
    assert "Refused, nothing was changed" in page_text(response) and rule in page_text(response)
    assert draft_table(db, trip["trip"]) == before


def test_move_to_a_free_slot_and_to_a_colleague(coordinator, client, db, trip, draft):
    data = {"slot_id": trip["slots"][2], "delegate_id": trip["ben"]}
    response = coordinator.post(
        f"/trips/{trip['trip']}/meetings/{draft['ada_hema']}/move", data, follow_redirects=True
    )
    assert "The meeting is moved." in page_text(response)
    row = db.execute(
        "SELECT delegate_id, slot_id FROM trip_meetings WHERE id = ?", [draft["ada_hema"]]
    ).fetchone()
    assert row == (trip["ben"], trip["slots"][2])


def test_move_to_a_delegate_of_another_organisation_is_refused(coordinator, client, db, trip, draft):
    before = draft_table(db, trip["trip"])
    data = {"slot_id": trip["slots"][2], "delegate_id": trip["cy"]}
    response = coordinator.post(f"/trips/{trip['trip']}/meetings/{draft['ada_hema']}/move", data)
    assert response.status_code == 400 and draft_table(db, trip["trip"]) == before


def test_remove_a_meeting_but_not_a_must_meet(coordinator, client, db, trip, draft):
    queries.save_constraint(db, trip["trip"], trip["CHU de Besançon"], trip["ThéCell"], "must_meet")
    refused = coordinator.post(f"/trips/{trip['trip']}/meetings/{draft['cy_thecell']}/remove")
    assert refused.status_code == 409 and "CHU de Besançon must meet ThéCell" in page_text(refused)
    assert len(draft_table(db, trip["trip"])) == 4
    done = coordinator.post(
        f"/trips/{trip['trip']}/meetings/{draft['ada_hema']}/remove", follow_redirects=True
    )
    assert "The meeting is removed from the draft." in page_text(done)
    assert draft["ada_hema"] not in {row[0] for row in draft_table(db, trip["trip"])}


def test_add_a_meeting_with_the_engine_track_and_refuse_broken_rules(coordinator, client, db, trip, draft):
    queries.save_constraint(db, trip["trip"], trip["CHU de Besançon"], trip["LOEX"], "must_not_meet")
    path, s = f"/trips/{trip['trip']}/meetings", trip["slots"]
    cases = [
        (
            {"delegate_id": trip["ben"], "host_org_id": trip["ThéCell"], "slot_id": s[2]},
            "EFS BFC already meets ThéCell",
        ),
        ({"delegate_id": trip["cy"], "host_org_id": trip["LOEX"], "slot_id": s[4]}, "must not meet LOEX"),
    ]
    for data, message in cases:
        response = coordinator.post(path, data)
        assert response.status_code == 409 and message in page_text(response)
    assert len(draft_table(db, trip["trip"])) == 4
    added = coordinator.post(
        path, {"delegate_id": trip["cy"], "host_org_id": trip["McGill / MUHC"], "slot_id": s[0]}
    )
    assert added.status_code == 302
    row = next(r for r in store.draft_rows(db, trip["trip"]) if r["host_org_id"] == trip["McGill / MUHC"])
    assert row["origin"] == "manual" and row["track"] and row["reason"] and 0 <= row["score"] <= 1


def planned_and_added(db, trip) -> int:
    """The planner's draft (Ada–ThéCell, Cy–Héma) and one meeting added by hand; the added one's id."""
    s, t = trip["slots"], trip
    planned = [
        Meeting(t["ada"], t["EFS BFC"], t["ThéCell"], s[0], "event", 0.7, "because"),
        Meeting(t["cy"], t["CHU de Besançon"], t["Héma-Québec"], s[1], "joint_trial", 0.6),
    ]
    by_hand = Meeting(t["ben"], t["EFS BFC"], t["LOEX"], s[3], "co_training", 0.5)
    with db.atomic():
        store.replace_draft(db, t["trip"], planned, set())
        return store.add_meeting(db, t["trip"], by_hand, False)


def test_the_grid_says_which_meetings_the_planner_proposed_and_which_a_coordinator_added(
    coordinator, client, db, trip
):
    added = planned_and_added(db, trip)
    response = client.get(f"/trips/{trip['trip']}/draft")
    text = page_text(response)
    cell = text.split(f'id="meeting-{added}"')[1].split("</td>")[0]
    assert "LOEX" in cell and "Added by a coordinator" in cell and "planner" not in cell
    cells = [part.split("</td>")[0] for part in text.split('id="meeting-')[1:]]
    planned = [c for c in cells if "ThéCell" in c or "Héma-Québec" in c]
    assert len(planned) == 2 and not any("Added by" in c or "planner" in c for c in planned)
    assert "The planner proposed every meeting but those marked “Added by a coordinator”." in text
    assert text.count("Added by a coordinator") == 2  # the line above the grid, and the one cell
    french = page_text(client.get(f"/trips/{trip['trip']}/draft?lang=fr", follow_redirects=True))
    legend = (
        "Le planificateur a proposé tous les rendez-vous sauf ceux marqués "
        "«\u00a0Ajouté par la coordination\u00a0»."
    )
    assert legend in french
    assert french.count("Ajouté par la coordination") == 2


# --- publishing -----------------------------------------------------------------------------------


def test_republishing_keeps_uids_and_bumps_sequence_only_for_changed_meetings(
    coordinator, client, db, trip, draft
):
    t = trip["trip"]
    response = coordinator.post(f"/trips/{t}/publish", follow_redirects=True)
    assert "Published: 4 new, 0 changed, 0 unchanged, 0 cancelled." in page_text(response)
    first = published_table(db, t)
    assert {row["sequence"] for row in first.values()} == {0} and len(
        {row["uid"] for row in first.values()}
    ) == 4
    assert all(
        row["uid"].endswith("@passerelle") and row["time_zone"] == "America/Montreal"
        for row in first.values()
    )
    assert queries.get_trip(db, t)["published_at"]

    again = coordinator.post(f"/trips/{t}/publish", follow_redirects=True)
    assert "0 new, 0 changed, 4 unchanged, 0 cancelled" in page_text(again)
    assert published_table(db, t) == first

    coordinator.post(
        f"/trips/{t}/meetings/{draft['ada_hema']}/move",
        {"slot_id": trip["slots"][2], "delegate_id": trip["ada"]},
    )
    coordinator.post(f"/trips/{t}/meetings/{draft['ben_loex']}/remove")
    assert "1 changed, 2 unchanged, 1 cancelled" in page_text(
        coordinator.post(f"/trips/{t}/publish", follow_redirects=True)
    )
    second = published_table(db, t)
    hema = trip["Héma-Québec"] * 1000 + trip["EFS BFC"]
    loex = trip["LOEX"] * 1000 + trip["EFS BFC"]
    assert second[hema]["uid"] == first[hema]["uid"] and second[hema]["sequence"] == 1
    assert second[hema]["start"] == "2026-05-11T11:30"
    assert (second[loex]["uid"], second[loex]["status"], second[loex]["sequence"]) == (
        first[loex]["uid"],
        "cancelled",
        1,
    )
    for key in set(first) - {hema, loex}:
        assert second[key] == first[key]

    coordinator.post(
        f"/trips/{t}/meetings",
        {"delegate_id": trip["ben"], "host_org_id": trip["LOEX"], "slot_id": trip["slots"][3]},
    )
    coordinator.post(f"/trips/{t}/publish")
    third = published_table(db, t)
    assert (third[loex]["uid"], third[loex]["status"], third[loex]["sequence"]) == (
        first[loex]["uid"],
        "confirmed",
        2,
    )


def test_replanning_an_unchanged_trip_changes_no_published_meeting(coordinator, client, db, trip):
    t = trip["trip"]
    coordinator.post(f"/trips/{t}/plan")
    run_planning(client.application)
    coordinator.post(f"/trips/{t}/publish")
    first = published_table(db, t)
    coordinator.post(f"/trips/{t}/plan")
    run_planning(client.application)
    text = page_text(coordinator.post(f"/trips/{t}/publish", follow_redirects=True))
    assert f"0 new, 0 changed, {len(first)} unchanged, 0 cancelled" in text
    assert published_table(db, t) == first


# --- what members see -----------------------------------------------------------------------------


def test_members_see_only_their_organisations_published_meetings(
    seeded, coordinator, client, db, trip, draft
):
    member = seeded.test_client()
    AuthActions(member).login("member_bfc")
    member.get("/auth/password?lang=en")
    page = f"/trips/org/{trip['EFS BFC']}"
    assert "No published meeting for EFS BFC yet." in page_text(member.get(page))  # a draft is not published
    coordinator.post(f"/trips/{trip['trip']}/publish")
    text = page_text(member.get(page))
    assert "Ada Lovelace" in text and "Ben Franklin" in text and "Test mission" in text
    assert "Cy Twombly" not in text
    assert member.get(f"/trips/org/{trip['CHU de Besançon']}").status_code == 403
    host = seeded.test_client()
    AuthActions(host).login("member_qc")
    text = page_text(host.get(f"/trips/org/{trip['ThéCell']}"))
    assert "Ada Lovelace" in text and "Cy Twombly" in text and "Ben Franklin" not in text
    home = page_text(member.get("/members/", follow_redirects=True))
    assert f'href="/trips/org/{trip["EFS BFC"]}"' in home


# --- seed -----------------------------------------------------------------------------------------


def test_seeded_trips_are_created_once(seeded, db):
    seed_known_links(db)
    assert seed_trips(db) == 3 and seed_trips(db) == 3
    trips = {t["name"]: t for t in queries.list_trips(db)}
    past = trips["Mission BIOVALIANCE à Montréal"]
    assert past["status"] == "past" and past["n_delegates"] == 9
    assert len(queries.list_delegation(db, past["id"])) == 5
    assert {h["city"] for h in queries.list_hosts(db, past["id"])} == {"Montréal"}
    assert "BIOQuébec" in {
        h["short_name"] for h in queries.list_hosts(db, past["id"])
    }  # Laval, next to Montréal
    spring = trips["Mission au Québec, printemps 2026"]
    assert spring["cities"] == ["Montréal", "Québec"] and spring["n_delegates"] == 0
    assert {h["city"] for h in queries.list_hosts(db, spring["id"])} == {"Montréal", "Québec"}
    autumn = trips["Délégation québécoise en Bourgogne-Franche-Comté, automne 2026"]
    assert {o["short_name"] for o in queries.list_delegation(db, autumn["id"])} >= {
        "ThéCell",
        "Hacking Health Montréal",
    }
    assert {h["city"] for h in queries.list_hosts(db, autumn["id"])} == {"Besançon", "Dijon"}


def test_trip_pages_are_in_french_by_default(auth, client, trip, draft):
    auth.login("coordinator")
    text = page_text(client.get(f"/trips/{trip['trip']}/draft"))
    assert '<html lang="fr">' in text and "Brouillon" in text

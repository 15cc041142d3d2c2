"""Group meetings, travel times and cities in the trip pages: what coordinators and members see."""
# ruff: noqa: F811  (the fixtures of test_trips are imported, then used as arguments)

from __future__ import annotations

from conftest import AuthActions, page_text
from test_trips import draft, trip  # noqa: F401  (fixtures)

from app.operations import SYSTEM, trips
from app.trips import meetings as store
from app.trips import queries


def test_a_group_meeting_appears_in_each_delegates_agenda(coordinator, client, db, trip, draft):
    add = coordinator.post(
        f"/trips/{trip['trip']}/meetings/{draft['ada_thecell']}/guests", {"delegate_id": trip["ben"]}
    )
    assert add.status_code == 302
    grid = page_text(client.get(f"/trips/{trip['trip']}/draft"))
    assert "Group meeting: Ada Lovelace, Ben Franklin" in grid
    assert f'id="meeting-{draft["ada_thecell"]}-{trip["ben"]}"' in grid  # in Ben's row too
    coordinator.post(f"/trips/{trip['trip']}/publish")
    for delegate in ("ada", "ben"):
        agenda = store.delegate_agenda(db, trip[delegate])
        assert trip["ThéCell"] in {row["host_org_id"] for row in agenda}
    (group,) = [r for r in store.delegate_agenda(db, trip["ben"]) if r["host_org_id"] == trip["ThéCell"]]
    assert group["delegate_name"] == "Ada Lovelace" and [g["delegate_name"] for g in group["guests"]] == [
        "Ben Franklin"
    ]
    coordinator.logout()
    member = AuthActions(client)
    member.login("member_bfc")
    text = page_text(client.get(f"/trips/org/{trip['EFS BFC']}?lang=en", follow_redirects=True))
    assert "Ada Lovelace (EFS BFC), Ben Franklin (EFS BFC) ⇄" in text


def test_a_guest_from_another_organisation_sees_the_meeting_and_a_change_bumps_the_sequence(
    coordinator, client, db, trip, draft
):
    coordinator.post(f"/trips/{trip['trip']}/publish")
    before = db.execute("SELECT sequence FROM published_meetings WHERE host_org_id = ? AND delegate_id = ?",
                        [trip["ThéCell"], trip["ada"]]).fetchone()[0]  # fmt: skip
    url = f"/trips/{trip['trip']}/meetings/{draft['ben_loex']}/guests"
    assert coordinator.post(url, {"delegate_id": trip["cy"]}).status_code == 302
    coordinator.post(f"/trips/{trip['trip']}/publish")
    loex = [
        r for r in store.published_for_org(db, trip["CHU de Besançon"]) if r["host_org_id"] == trip["LOEX"]
    ]
    assert loex and loex[0]["guests"][0]["delegate_name"] == "Cy Twombly"
    after = db.execute("SELECT sequence FROM published_meetings WHERE host_org_id = ? AND delegate_id = ?",
                       [trip["ThéCell"], trip["ada"]]).fetchone()[0]  # fmt: skip
    assert after == before  # the other meetings are unchanged
    assert loex[0]["sequence"] == 1


def test_a_busy_guest_is_refused_and_nothing_changes(coordinator, db, trip, draft):
    # Cy meets ThéCell in slot 2: Cy cannot also join Ada's meeting with Héma-Québec in slot 2.
    url = f"/trips/{trip['trip']}/meetings/{draft['ada_hema']}/guests"
    response = coordinator.post(url, {"delegate_id": trip["cy"]})
    assert response.status_code == 409
    assert "Cy Twombly already has a meeting" in page_text(response)
    assert db.execute("SELECT COUNT(*) FROM trip_meeting_guests").fetchone()[0] == 0


def test_removing_a_guest_and_bad_ids(coordinator, db, trip, draft):
    url = f"/trips/{trip['trip']}/meetings/{draft['ada_thecell']}/guests"
    coordinator.post(url, {"delegate_id": trip["ben"]})
    assert coordinator.post(f"{url}/{trip['cy']}/remove").status_code == 404  # Cy is not a guest
    assert (
        coordinator.post(
            f"/trips/{trip['trip']}/meetings/999999/guests", {"delegate_id": trip["ben"]}
        ).status_code
        == 404
    )
    assert coordinator.post(f"{url}/{trip['ben']}/remove").status_code == 302
    assert db.execute("SELECT COUNT(*) FROM trip_meeting_guests").fetchone()[0] == 0


def test_members_cannot_edit_group_meetings(auth, trip, draft):
    auth.login("member_bfc")
    url = f"/trips/{trip['trip']}/meetings/{draft['ada_thecell']}/guests"
    assert auth.post(url, {"delegate_id": trip["ben"]}).status_code == 403
    assert auth.post(f"/trips/{trip['trip']}/group-meetings", {"enabled": "y"}).status_code == 403


def test_planning_with_group_meetings_merges_free_delegates(coordinator, seeded, db, trip):
    for name in ("Héma-Québec", "McGill / MUHC", "LOEX"):  # one host: EFS BFC meets ThéCell once
        queries.remove_host(db, trip["trip"], trip[name])
    assert coordinator.post(f"/trips/{trip['trip']}/group-meetings", {"enabled": "y"}).status_code == 302
    with seeded.test_request_context():
        run = trips.plan(db, SYSTEM, trip["trip"], time_limit=5)
    (efs,) = [m for m in run.plan.meetings if m.delegation_org_id == trip["EFS BFC"]]
    assert sorted(efs.attendees) == sorted([trip["ada"], trip["ben"]])
    (row,) = [r for r in store.draft_rows(db, trip["trip"]) if r["delegation_org_id"] == trip["EFS BFC"]]
    assert len(row["guests"]) == 1 and row["guests"][0]["org_id"] == trip["EFS BFC"]


def test_a_host_outside_the_trips_cities_is_flagged(coordinator, client, db, trip):
    host_id = db.execute(
        "SELECT id FROM organisations WHERE region = 'QC' AND city = 'Montréal' LIMIT 1"
    ).fetchone()[0]
    response = coordinator.post(
        f"/trips/{trip['trip']}/hosts",
        {"org_id": host_id, "city": "", "capacity": 1},
        follow_redirects=True,
    )
    assert "is not one of the trip's cities" not in page_text(response)  # Montréal is one
    db.execute("UPDATE organisations SET city = 'Sherbrooke' WHERE id = ?", [host_id])
    db.conn.commit()
    response = coordinator.post(
        f"/trips/{trip['trip']}/hosts",
        {"org_id": host_id, "city": "", "capacity": 1},
        follow_redirects=True,
    )
    text = page_text(response)
    assert "Sherbrooke is not one of the trip's cities (Montreal, Quebec City)" in text
    assert "Not a city of the trip" in text


def test_the_trip_cities_and_host_cities_are_canonical(db, trip):
    assert queries.get_trip(db, trip["trip"])["cities"] == ["Montréal", "Québec"]
    assert {h["city"] for h in queries.list_hosts(db, trip["trip"])} == {"Montréal", "Québec"}


def test_the_api_shows_a_trips_state_and_a_group_meetings_guests(client, db, trip, draft, api_tokens):
    from conftest import bearer

    from app.trips.lifecycle import state_of

    with db.atomic():
        store.set_guests(db, draft["ada_thecell"], [trip["ben"]])
    store.publish(db, trip["trip"])
    shown = client.get(f"/api/v1/trips/{trip['trip']}", headers=bearer(api_tokens["coordinator"])).json[
        "trip"
    ]
    assert shown["state"] == state_of(queries.get_trip(db, trip["trip"]))  # the dates decide
    (group,) = [m for m in shown["meetings"] if m["guests"]]
    assert group["delegate_name"] == "Ada Lovelace"
    assert group["guests"] == [
        {"delegate_name": "Ben Franklin", "delegation": {"id": trip["EFS BFC"], "short_name": "EFS BFC"}}
    ]

"""Planning a trip through the API: the job the web's Plan button records, its state, its failure."""
# ruff: noqa: F811  (the fixtures of test_trips are imported, then used as arguments)

from __future__ import annotations

import json

import pytest
from conftest import AuthActions, bearer, page_text
from test_trips import run_planning as run_worker
from test_trips import trip  # noqa: F401 (fixture)

from app.trips import queries


def jobs(db) -> list[dict]:
    return list(db.query("SELECT trip_id, user_id, status, time_limit FROM trip_plan_jobs"))


def plan(client, trip_id, token, body=None, **headers):
    kwargs = {"json": body} if body is not None else {}
    return client.post(f"/api/v1/trips/{trip_id}/plan", headers={**bearer(token), **headers}, **kwargs)


def state(client, trip_id, token, **headers):
    return client.get(f"/api/v1/trips/{trip_id}/plan", headers={**bearer(token), **headers})


def test_a_coordinator_asks_for_a_planning_and_gets_the_job_with_its_address(
    seeded, client, db, trip, api_tokens
):
    t = trip["trip"]
    response = plan(client, t, api_tokens["coordinator"])
    assert response.status_code == 202
    assert response.headers["Location"] == f"/api/v1/trips/{t}/plan"
    assert response.json["created"] is True
    job = response.json["plan"]
    assert job["status"] == "pending" and job["time_limit"] == 10.0  # the web's TRIP_PLAN_SECONDS
    assert job["requested_by"] == "coord@test.example.org" and job["failure"] is None
    assert job["links"] == {"self": f"/api/v1/trips/{t}/plan", "trip": f"/api/v1/trips/{t}",
                            "draft_page": f"/trips/{t}/draft"}  # fmt: skip
    assert jobs(db) == [{"trip_id": t, "user_id": seeded.user_ids["coordinator"], "status": "pending",
                         "time_limit": 10.0}]  # fmt: skip
    assert state(client, t, api_tokens["coordinator"]).json["plan"] == job


def test_a_second_request_while_one_is_under_way_answers_that_job(seeded, client, db, trip, api_tokens):
    t = trip["trip"]
    first = plan(client, t, api_tokens["coordinator"], {"time_limit": 3})
    again = plan(client, t, api_tokens["admin"], {"time_limit": 60})
    assert again.status_code == 202 and again.json["created"] is False
    assert again.json["plan"] == first.json["plan"]  # the first job, its time limit, who asked
    assert len(jobs(db)) == 1 and jobs(db)[0]["time_limit"] == 3.0


def test_the_web_button_and_the_api_share_one_job(seeded, coordinator, client, db, trip, api_tokens):
    t = trip["trip"]
    coordinator.post(f"/trips/{t}/plan")
    response = plan(client, t, api_tokens["admin"])
    assert response.status_code == 202 and response.json["created"] is False
    assert response.json["plan"]["requested_by"] == "coord@test.example.org"
    assert len(jobs(db)) == 1


def test_who_may_ask_and_see(seeded, client, db, trip, api_tokens):
    t = trip["trip"]
    for method in (client.post, client.get):
        assert method(f"/api/v1/trips/{t}/plan").status_code == 401
        member = method(f"/api/v1/trips/{t}/plan", headers=bearer(api_tokens["member_bfc"]))
        assert member.status_code == 403 and member.json["error"] == "Your account may not do this."
        unknown = method("/api/v1/trips/999999/plan", headers=bearer(api_tokens["coordinator"]))
        assert unknown.status_code == 404 and unknown.json["ok"] is False
    assert jobs(db) == []


def test_a_trip_never_planned_says_so(seeded, client, trip, api_tokens):
    response = state(client, trip["trip"], api_tokens["coordinator"])
    assert response.status_code == 404
    assert response.json["error"] == "This trip has never been planned: ask for its planning first."


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"time_limit": 0}, "time_limit must be a number from 0.1 to 600, got 0"),
        ({"time_limit": 601}, "time_limit must be a number from 0.1 to 600, got 601"),
        ({"time_limit": "10"}, 'time_limit must be a number from 0.1 to 600, got "10"'),
        ({"time_limit": None}, "time_limit must be a number from 0.1 to 600, got null"),
        ({"time_limit": True}, "time_limit must be a number from 0.1 to 600, got true"),
        ({"seconds": 10}, "unknown field 'seconds'"),
    ],
)
def test_a_bad_time_limit_is_refused_and_nothing_is_recorded(
    seeded, client, db, trip, api_tokens, body, message
):
    response = plan(client, trip["trip"], api_tokens["coordinator"], body)
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": next(iter(body)), "message": message}]
    assert jobs(db) == []


def test_a_body_that_is_not_json_is_refused(seeded, client, db, trip, api_tokens):
    headers = bearer(api_tokens["coordinator"])
    url = f"/api/v1/trips/{trip['trip']}/plan"
    assert client.post(url, data="time_limit=5", headers=headers).status_code == 415
    broken = client.post(url, data="{", headers=headers, content_type="application/json")
    assert broken.status_code == 400
    assert jobs(db) == []


def test_a_trip_that_cannot_be_planned_gets_the_webs_words(seeded, client, db, trip, api_tokens):
    for delegate in ("ada", "ben", "cy"):
        queries.remove_delegate(db, trip["trip"], trip[delegate])
    response = plan(client, trip["trip"], api_tokens["coordinator"])
    assert response.status_code == 422
    assert response.json["error"] == (
        "The trip cannot be planned yet: The delegation has no delegate: add at least one."
    )
    assert jobs(db) == []


def test_once_the_worker_planned_the_state_is_done_with_the_trip_pages_count(
    seeded, coordinator, client, db, trip, api_tokens
):
    t = trip["trip"]
    plan(client, t, api_tokens["coordinator"], {"time_limit": 5})
    assert run_worker(seeded) == 1
    done = state(client, t, api_tokens["coordinator"])
    assert done.status_code == 200
    job = done.json["plan"]
    assert job["status"] == "done" and job["failure"] is None
    assert job["requested_by"] == "coord@test.example.org"
    count = job["meetings"]
    assert count > 0
    text = page_text(client.get(f"/trips/{t}"))  # the client is the coordinator's browser too
    assert f"by coord@test.example.org: {count} meetings." in text  # the trip page's count
    published = client.get(f"/api/v1/trips/{t}", headers=bearer(api_tokens["coordinator"]))
    assert published.json["trip"]["meetings"] == []  # a draft, not published
    # audited as the web's planning is: trip.planned by the coordinator who asked
    events = list(db.query("SELECT name, actor_id, data FROM events WHERE name = 'trip.planned'"))
    assert [(e["actor_id"], json.loads(e["data"])["meetings"]) for e in events] == [
        (seeded.user_ids["coordinator"], count)
    ]
    audit = client.get("/api/v1/audit", headers=bearer(api_tokens["coordinator"])).json["items"]
    assert any(entry["action"] == "trip.planned" for entry in audit)


def test_a_failed_planning_says_why_in_french_and_english(seeded, client, db, trip, api_tokens):
    t = trip["trip"]
    plan(client, t, api_tokens["coordinator"])
    db.execute("DELETE FROM trip_hosts WHERE trip_id = ?", [t])  # the set-up changed meanwhile
    db.conn.commit()
    assert run_worker(seeded) == 0
    token = api_tokens["coordinator"]
    english = state(client, t, token, **{"Accept-Language": "en-GB,en;q=0.8"}).json["plan"]
    assert english["status"] == "failed" and english["since"]
    assert english["failure"] == {
        "code": "trip_incomplete",
        "message": "The trip cannot be planned yet: The trip has no host: add the organisations "
        "that receive the delegation.",
    }
    french = state(client, t, token, **{"Accept-Language": "fr-CA,fr;q=0.9"}).json["plan"]
    assert french["failure"]["message"].startswith("La mission ne peut pas encore être planifiée")
    assert "La mission n’a aucun hôte" in french["failure"]["message"]
    assert state(client, t, token).json["plan"]["failure"] == english["failure"]  # no header: English


def test_a_new_request_after_a_failure_plans_again(seeded, client, db, trip, api_tokens):
    t = trip["trip"]
    plan(client, t, api_tokens["coordinator"])
    db.execute("UPDATE trip_plan_jobs SET status = 'failed', error_code = 'trip_incomplete'")
    db.conn.commit()
    response = plan(client, t, api_tokens["coordinator"])
    assert response.status_code == 202 and response.json["created"] is True
    assert [job["status"] for job in jobs(db)] == ["pending"]


def test_the_web_shows_a_planning_asked_through_the_api(seeded, client, db, trip, api_tokens):
    plan(client, trip["trip"], api_tokens["coordinator"])
    browser = seeded.test_client()
    AuthActions(browser).login("coordinator")
    text = page_text(browser.get(f"/trips/{trip['trip']}"))
    assert "Planification en cours…" in text and "coord@test.example.org" in text


def test_the_command_line_takes_the_same_bounds(runner, trip):
    result = runner.invoke(args=["plan-trip", str(trip["trip"]), "--time-limit", "601"])
    assert result.exit_code == 2 and "0.1<=x<=600" in result.output

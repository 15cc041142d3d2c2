"""The web's Plan button: a job for the worker, the trip page while it is under way, after, on failure."""
# ruff: noqa: F811  (the fixtures of test_trips are imported, then used as arguments)

from __future__ import annotations

import time

from conftest import AuthActions, page_text
from test_trips import draft, trip  # noqa: F401 (fixtures)
from test_trips import run_planning as run_worker

from app.trips import meetings as store
from app.trips import queries


def jobs(db) -> list[dict]:
    return list(db.query("SELECT trip_id, user_id, status, error_code FROM trip_plan_jobs"))


def test_the_button_records_one_job_and_the_page_shows_the_previous_draft_meanwhile(
    seeded, coordinator, client, db, trip, draft
):
    t = trip["trip"]
    response = coordinator.post(f"/trips/{t}/plan", follow_redirects=True)
    text = page_text(response)
    assert response.request.path == f"/trips/{t}"
    assert "Planning under way: its plan will replace the current draft when it is ready." in text
    assert "Planning under way…" in text and "the worker starts on it shortly" in text
    assert "Draft (4 meetings)" in text  # the previous draft, still there
    assert '<meta http-equiv="refresh" content="5">' in text
    assert jobs(db) == [{"trip_id": t, "user_id": seeded.user_ids["coordinator"], "status": "pending",
                         "error_code": ""}]  # fmt: skip
    again = page_text(coordinator.post(f"/trips/{t}/plan", follow_redirects=True))
    assert "Planning of this trip is already under way" in again
    assert len(jobs(db)) == 1
    assert "Planning under way…" in page_text(client.get(f"/trips/{t}/draft"))
    assert len(store.draft_rows(db, t)) == 4  # nothing planned in the request
    assert db.table("trip_plan_runs").count == 0


def test_while_the_worker_plans_the_page_says_since_when(coordinator, client, db, trip, draft):
    t = trip["trip"]
    coordinator.post(f"/trips/{t}/plan")
    db.execute("UPDATE trip_plan_jobs SET status = 'running', started_at = '2026-05-01T10:00:00+00:00'")
    db.conn.commit()
    text = page_text(client.get(f"/trips/{t}"))
    assert "The planner has been working since" in text and "at most 10 seconds of solving" in text


def test_the_worker_plans_and_the_page_shows_the_new_draft(seeded, coordinator, client, db, trip, draft):
    t = trip["trip"]
    coordinator.post(f"/trips/{t}/plan")
    assert run_worker(seeded) == 1
    assert jobs(db) == []
    run = db.execute("SELECT user_id, method FROM trip_plan_runs").fetchone()
    assert run == (seeded.user_ids["coordinator"], "milp")
    text = page_text(client.get(f"/trips/{t}"))
    assert "Planning under way…" not in text and "refresh" not in text
    assert "Last planned on" in text and "by coord@test.example.org" in text
    events = [row[0] for row in db.execute("SELECT name FROM events")]
    assert events.count("trip.planned") == 1
    assert run_worker(seeded) == 0  # nothing left to do


def test_a_failed_planning_says_why_in_english_and_french(seeded, coordinator, client, db, trip):
    t = trip["trip"]
    coordinator.post(f"/trips/{t}/plan")
    db.execute("DELETE FROM trip_hosts WHERE trip_id = ?", [t])  # the set-up changed meanwhile
    db.conn.commit()
    assert run_worker(seeded) == 0
    assert jobs(db) == [{"trip_id": t, "user_id": seeded.user_ids["coordinator"], "status": "failed",
                         "error_code": "trip_incomplete"}]  # fmt: skip
    text = page_text(client.get(f"/trips/{t}"))
    assert "Planning failed on" in text and "The trip has no host" in text
    assert "The draft is the one from before." in text and "refresh" not in text
    assert db.table("trip_plan_runs").count == 0
    client.get("/auth/password?lang=fr")
    french = page_text(client.get(f"/trips/{t}"))
    assert "La planification a échoué le" in french and "La mission n’a aucun hôte" in french


def test_a_failed_planning_keeps_the_previous_draft(seeded, coordinator, client, db, trip, draft):
    t = trip["trip"]
    before = store.draft_rows(db, t)
    coordinator.post(f"/trips/{t}/plan")
    db.execute("UPDATE users SET role = 'member' WHERE id = ?", [seeded.user_ids["coordinator"]])
    db.conn.commit()  # the coordinator lost the role before the worker ran
    assert run_worker(seeded) == 0
    assert [job["error_code"] for job in jobs(db)] == ["forbidden_role"]
    assert store.draft_rows(db, t) == before and db.table("trip_plan_runs").count == 0
    db.execute("UPDATE users SET role = 'admin' WHERE email LIKE 'admin@%'")
    admin = seeded.test_client()
    AuthActions(admin).login("admin")
    admin.get("/auth/password?lang=en")
    text = page_text(admin.get(f"/trips/{t}/draft"))
    assert "Planning failed on" in text and "Your account may not do this." in text


def test_an_unexpected_error_is_said_in_plain_words(seeded, coordinator, client, db, trip, monkeypatch):
    from app.operations import trips

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(trips, "plan", broken)
    coordinator.post(f"/trips/{trip['trip']}/plan")
    run_worker(seeded)
    text = page_text(client.get(f"/trips/{trip['trip']}"))
    assert "The planner stopped on an unexpected error (RuntimeError). Tell an administrator." in text


def test_a_new_click_after_a_failure_plans_again(seeded, coordinator, client, db, trip):
    t = trip["trip"]
    coordinator.post(f"/trips/{t}/plan")
    db.execute("UPDATE trip_plan_jobs SET status = 'failed', error_code = 'trip_incomplete'")
    db.conn.commit()
    coordinator.post(f"/trips/{t}/plan")
    assert [job["status"] for job in jobs(db)] == ["pending"]
    assert run_worker(seeded) == 1 and store.draft_rows(db, t)


def test_a_job_left_running_by_a_dead_worker_is_taken_again(seeded, coordinator, db, trip):
    coordinator.post(f"/trips/{trip['trip']}/plan")
    db.execute("UPDATE trip_plan_jobs SET status = 'running', claimed_at = ?", [time.time() - 3600])
    db.conn.commit()
    assert run_worker(seeded) == 1 and jobs(db) == []


def test_members_may_not_plan_and_a_post_needs_its_csrf_token(seeded, coordinator, client, db, trip):
    t = trip["trip"]
    assert client.post(f"/trips/{t}/plan").status_code == 400  # no CSRF token
    member = seeded.test_client()
    auth = AuthActions(member)
    auth.login("member_bfc")
    assert auth.post(f"/trips/{t}/plan").status_code == 403
    assert coordinator.post("/trips/999999/plan").status_code == 404
    assert jobs(db) == []


def test_an_incomplete_trip_is_refused_in_the_request(coordinator, client, db, trip):
    for delegate in ("ada", "ben", "cy"):
        queries.remove_delegate(db, trip["trip"], trip[delegate])
    text = page_text(coordinator.post(f"/trips/{trip['trip']}/plan", follow_redirects=True))
    assert "The delegation has no delegate" in text and "Planning under way" not in text
    assert jobs(db) == []


def test_the_command_line_still_plans_in_its_own_process(runner, db, trip):
    result = runner.invoke(args=["plan-trip", str(trip["trip"])])
    assert result.exit_code == 0 and "meetings by milp" in result.output
    assert jobs(db) == [] and db.table("trip_plan_runs").count == 1

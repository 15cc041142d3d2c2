"""Engine jobs: a profile save returns at once; the worker re-embeds that profile, even after a crash."""
# ruff: noqa: F811  (the trip fixture of test_trips is imported, then used as an argument)

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import actor, org_id, page_text
from test_trips import trip  # noqa: F401  (fixture)

from app import engine_jobs, matching
from app.db import connect, get_db
from app.operations.organisations import update_profile
from models.errors import EmbeddingModelError

ROOT = Path(__file__).resolve().parent.parent
NEW_SEEKS = "A partner hospital to co-run an academic CAR-T trial with shared apheresis and release testing."


JOB_FIELDS = ("status", "generation", "attempts", "last_error")


def job(db, org: int) -> dict | None:
    found = db.execute(f"SELECT {', '.join(JOB_FIELDS)} FROM engine_jobs WHERE org_id = ?", [org]).fetchone()
    return dict(zip(JOB_FIELDS, found, strict=True)) if found else None


def save(app, changes: dict, who: str = "member_bfc"):
    """What the web form and the API PATCH both call."""
    with app.app_context():
        return update_profile(get_db(), actor(app, who), org_id(get_db(), "EFS BFC"), changes)


def seeks_vectors(db, org: int) -> list[str]:
    rows = db.execute("SELECT text FROM passage_vectors WHERE org_id = ? AND field = 'seeks'", [org])
    return [row[0] for row in rows]


def test_two_saves_before_the_worker_leave_one_pending_job(seeded, db):
    efs = org_id(db, "EFS BFC")
    assert save(seeded, {"seeks": NEW_SEEKS}).suggestions_pending is True
    save(seeded, {"city": "Besançon"})
    assert job(db, efs) == {"status": "pending", "generation": 2, "attempts": 0, "last_error": ""}
    assert db.execute("SELECT COUNT(*) FROM engine_jobs").fetchone()[0] == 1
    with seeded.app_context():
        fake = matching.embedder().inner
        calls = fake.calls
        assert engine_jobs.run_due(get_db()) == 1
        assert engine_jobs.run_due(get_db()) == 0  # nothing left: the model is not asked again
    assert fake.calls == calls + 1
    assert job(db, efs)["status"] == "done" and any(NEW_SEEKS in text for text in seeks_vectors(db, efs))


def test_a_save_wakes_the_worker_which_does_the_job_without_waiting_for_its_poll(seeded, db):
    from app.worker import make_huey

    efs = org_id(db, "EFS BFC")
    save(seeded, {"seeks": NEW_SEEKS})
    queue = make_huey(seeded)  # the worker's view of its own file, as its consumer reads it
    woken = queue.dequeue()
    assert woken is not None and woken.name.endswith("engine_round")
    assert queue.dequeue() is None  # one wake-up, no second poll chain
    assert job(db, efs)["status"] == "pending"
    queue.execute(woken)
    assert job(db, efs)["status"] == "done" and any(NEW_SEEKS in text for text in seeks_vectors(db, efs))


def test_a_lost_wake_up_loses_no_job(seeded, db, monkeypatch):
    seeded.config["WORKER_DB"] = "/proc/no-such-folder/worker.db"  # the worker's file cannot be written
    seeded.extensions.pop("passerelle.huey", None)
    efs = org_id(db, "EFS BFC")
    assert save(seeded, {"seeks": NEW_SEEKS}).suggestions_pending is True  # the save still succeeds
    with seeded.app_context():
        assert engine_jobs.run_due(get_db()) == 1  # the poll's round does it
    assert job(db, efs)["status"] == "done"


def test_a_job_survives_a_crash_and_a_new_burst_does_it(seeded, db, tmp_path):
    """The save is acknowledged, then every process dies before any worker round: nothing is lost."""
    efs = org_id(db, "EFS BFC")
    save(seeded, {"seeks": NEW_SEEKS})  # committed with its job; this app never runs the worker
    assert job(db, efs)["status"] == "pending" and not any(NEW_SEEKS in t for t in seeks_vectors(db, efs))
    env = {
        **os.environ,
        "PASSERELLE_DATABASE": seeded.config["DATABASE"],
        "PASSERELLE_SECRET_KEY": "test-secret",
        "PASSERELLE_EMBEDDING_MODEL": "fake",
        "PASSERELLE_WORKER_DB": str(tmp_path / "worker.db"),
        "PASSERELLE_MAIL_DIR": str(tmp_path / "mail"),
        "HF_HUB_OFFLINE": "1",
    }
    burst = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert burst.returncode == 0, burst.stderr.decode()
    assert "profiles still to embed 0" in burst.stdout.decode()
    assert job(db, efs)["status"] == "done"
    assert any(NEW_SEEKS in text for text in seeks_vectors(db, efs))


def test_the_notice_shows_in_french_while_pending_and_goes_after(seeded, auth, client, db):
    efs = org_id(db, "EFS BFC")
    auth.login("member_bfc")
    client.get("/auth/password?lang=fr")
    notice = "Les suggestions d’EFS BFC sont en cours de mise à jour"
    assert notice not in page_text(client.get(f"/members/{efs}/"))
    save(seeded, {"seeks": NEW_SEEKS})
    for path in (f"/members/{efs}/", f"/members/{efs}/profile"):
        text = page_text(client.get(path))
        assert notice in text and "en attendant, les précédentes restent affichées" in text, path
    assert 'id="partner-' in page_text(client.get(f"/members/{efs}/"))  # the previous suggestions
    with seeded.app_context():
        engine_jobs.run_due(get_db())
    for path in (f"/members/{efs}/", f"/members/{efs}/profile"):
        assert notice not in page_text(client.get(path)), path


def test_another_organisations_pending_job_shows_no_notice(seeded, auth, client, db):
    save(seeded, {"seeks": NEW_SEEKS})  # EFS BFC waits; ThéCell's pages say nothing
    auth.login("member_qc")
    client.get("/auth/password?lang=en")
    text = page_text(client.get(f"/members/{org_id(db, 'ThéCell')}/"))
    assert "are being updated" not in text


def test_a_failing_job_stays_pending_with_its_error_and_is_retried_later(seeded, db, monkeypatch):
    efs = org_id(db, "EFS BFC")
    save(seeded, {"seeks": NEW_SEEKS})

    def broken(db, org_id):
        raise EmbeddingModelError("the model files are missing")

    monkeypatch.setattr(matching, "refresh_org", broken)
    with seeded.app_context():
        assert engine_jobs.run_due(get_db()) == 0
        assert engine_jobs.run_due(get_db()) == 0  # not due again yet: it waits before retrying
    assert job(db, efs) == {
        "status": "pending",
        "generation": 1,
        "attempts": 1,
        "last_error": "EmbeddingModelError: the model files are missing",
    }
    monkeypatch.undo()
    db.execute("UPDATE engine_jobs SET next_attempt_at = 0")  # the delay has passed
    db.conn.commit()
    with seeded.app_context():
        assert engine_jobs.run_due(get_db()) == 1
    assert job(db, efs)["status"] == "done"


def test_a_save_while_the_worker_runs_is_not_marked_done(seeded, db, monkeypatch):
    efs = org_id(db, "EFS BFC")
    save(seeded, {"seeks": NEW_SEEKS})
    refresh = matching.refresh_org

    def with_a_save_meanwhile(database, org):
        refresh(database, org)
        second = connect(seeded.config["DATABASE"])
        with second.atomic():
            engine_jobs.request(second, org)  # another request saved the profile again
        second.close()

    monkeypatch.setattr(matching, "refresh_org", with_a_save_meanwhile)
    with seeded.app_context():
        engine_jobs.run_due(get_db())
    assert job(db, efs)["status"] == "pending" and job(db, efs)["generation"] == 2
    monkeypatch.undo()
    with seeded.app_context():
        assert engine_jobs.run_due(get_db()) == 1
    assert job(db, efs)["status"] == "done"


@pytest.fixture
def inline(seeded):
    seeded.config["ENGINE_JOBS_INLINE"] = True
    return seeded


def test_the_inline_flag_updates_in_the_request(inline, member, client, db):
    """Only for tests about something else: the job then runs before the save returns."""
    saved = save(inline, {"seeks": NEW_SEEKS})
    assert saved.suggestions_pending is False and job(db, saved.org_id)["status"] == "done"


def test_the_worker_loads_the_model_at_start_and_keeps_only_the_weights_it_runs(app, monkeypatch):
    from app import worker

    done = []

    class Network:
        def drop_float32(self) -> bool:
            done.append("float32 weights dropped")
            return True

    class Model:
        inner = Network()

        def embed_batch(self, texts):
            done.append(f"embedded {texts}")

    monkeypatch.setattr(matching, "embedder", lambda: Model())
    with app.app_context():
        worker.load_model()
    assert done == ["embedded ['thérapie cellulaire']", "float32 weights dropped"]


@pytest.mark.parametrize("work", ["proposals", "a trip's planning"])
def test_the_worker_has_the_index_built_in_a_child_process_for_what_needs_it(
    seeded, db, monkeypatch, trip, work
):
    import shutil

    from app.coordination import proposals
    from app.operations import trips
    from app.worker import run_once

    builds = []
    real = matching.build_index
    monkeypatch.setattr(matching, "build_index", lambda *a: builds.append(1) or real(*a))
    monkeypatch.setattr(matching, "_indexes", {})  # a worker just started, and no snapshot yet
    with seeded.app_context():
        shutil.rmtree(matching.snapshot_folder(), ignore_errors=True)
        assert matching.would_build(db)
        run_once(db)  # nothing waits: no index needed, none built
        assert builds == [] and matching.would_build(db)
        if work == "proposals":
            proposals.start(db, 0.0, 2, None)
        else:
            trips.request_plan(db, actor(seeded, "coordinator"), trip["trip"], 5.0)
        run_once(db)
        assert builds == [], "`flask index` built it in a child process; the worker mapped its snapshot"
        assert any(matching.snapshot_folder().glob("*/vectors.npy")) and not matching.would_build(db)
    if work == "proposals":
        assert db.table("pairings").count > 40 and proposals.under_way(db) is None
    else:
        assert db.table("trip_plan_jobs").count == 0  # planned, its job done
        assert db.execute("SELECT COUNT(*) FROM trip_meetings WHERE trip_id = ?", [trip["trip"]]).fetchone()[
            0
        ]

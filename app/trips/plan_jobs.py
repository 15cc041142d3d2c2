"""Planning a trip from the web, in the background worker rather than in the request.

The trip page's *Plan* button records a job (:func:`request`, one per trip: a second click while it
is pending or running changes nothing and says so). The worker (:func:`run_due`, in each round of
``app.worker.run_once`` and woken at once by the button) runs the operation ``flask plan-trip`` calls
(``app.operations.trips.plan``) as the coordinator who asked, then deletes the job: its result is
the new draft and its ``trip_plan_runs`` row. A planning error (the set-up changed meanwhile, the
coordinator lost the role) leaves the job ``failed`` with the error's code and parameters, worded on
the trip page in the reader's language; the draft is then the one before. A job ``running`` for
longer than ``TRIP_PLAN_LEASE_SECONDS`` belongs to a worker that died: the next round takes it again.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from flask import current_app
from sqlite_utils import Database

from app.db import immediate
from app.orgs.queries import now
from models.errors import PasserelleError, recorded, restored

log = logging.getLogger("passerelle.plan_jobs")
UNDER_WAY = ("pending", "running")
STATES = (*UNDER_WAY, "failed", "done")  # a trip's planning: its job's status, done once the job is gone
TIME_LIMITS = (0.1, 600.0)  # the seconds of solving one may ask for (flask plan-trip --time-limit, the API)


@dataclass(frozen=True)
class Requester:
    """The coordinator who asked, as the operation sees an actor (their role read when the job runs)."""

    id: int | None
    role: str


def request(db: Database, trip_id: int, user_id: int | None, time_limit: float) -> tuple[dict, bool]:
    """Record the trip's planning for the worker; (the job, False) when one is already under way."""
    with immediate(db):
        job = state(db, trip_id)
        if job is not None and job["under_way"]:
            return job, False
        db.execute("DELETE FROM trip_plan_jobs WHERE trip_id = ?", [trip_id])  # a failed one is replaced
        db.table("trip_plan_jobs").insert(
            {"trip_id": trip_id, "user_id": user_id, "status": "pending", "time_limit": time_limit,
             "requested_at": now()}
        )  # fmt: skip
    return state(db, trip_id), True


def state(db: Database, trip_id: int) -> dict | None:
    """The trip's planning job (pending, running or failed, with who asked; ``under_way`` while it is
    pending or running), or None."""
    row = next(
        db.query(
            "SELECT j.*, u.email AS user_email FROM trip_plan_jobs j LEFT JOIN users u ON u.id = j.user_id "
            "WHERE j.trip_id = ?",
            [trip_id],
        ),
        None,
    )
    if row is None:
        return None
    return {**row, "error_params": json.loads(row["error_params"]), "under_way": row["status"] in UNDER_WAY}


def failure(job: dict) -> PasserelleError:
    """A failed job's error, to word with ``app.errors.describe``."""
    return restored(job["error_code"], job["error_params"])


# the jobs a worker may take: pending, or running under a worker whose lease ran out (it died)
_WAITING = "status = 'pending' OR (status = 'running' AND claimed_at < ?)"


def claim(db: Database) -> dict | None:
    """Take the oldest pending job (or one whose worker died): ``running``, in its own transaction."""
    with immediate(db):
        row = db.execute(
            "UPDATE trip_plan_jobs SET status = 'running', started_at = ?, claimed_at = ? "
            f"WHERE trip_id = (SELECT trip_id FROM trip_plan_jobs WHERE {_WAITING} "
            "ORDER BY requested_at, trip_id LIMIT 1) RETURNING trip_id",
            [now(), time.time(), _lease_start()],
        ).fetchone()
    return state(db, row[0]) if row else None


def waiting(db: Database) -> bool:
    """Whether a job waits for a worker to take it (:func:`claim` would take one)."""
    return (
        db.execute(f"SELECT 1 FROM trip_plan_jobs WHERE {_WAITING} LIMIT 1", [_lease_start()]).fetchone()
        is not None
    )


def _lease_start() -> float:
    """A job claimed before this time was left by a worker that died."""
    return time.time() - float(current_app.config["TRIP_PLAN_LEASE_SECONDS"])


def run_one(db: Database, job: dict) -> bool:
    """Plan the job's trip as the operation does for ``flask plan-trip``; False when it failed."""
    from app.operations import SYSTEM, trips

    actor = SYSTEM
    if job["user_id"] is not None:
        user = db.execute("SELECT role FROM users WHERE id = ?", [job["user_id"]]).fetchone()
        actor = Requester(job["user_id"], user[0] if user else "")
    try:
        trips.plan(db, actor, job["trip_id"], job["time_limit"])
    except Exception as error:  # a bug or a broken database (not a named error) is logged in full
        if not isinstance(error, PasserelleError):
            log.exception("planning trip %s failed", job["trip_id"])
        _fail(db, job["trip_id"], *recorded(error, "plan_failed"))
        return False
    with immediate(db):
        db.execute("DELETE FROM trip_plan_jobs WHERE trip_id = ?", [job["trip_id"]])
    return True


def _fail(db: Database, trip_id: int, code: str, params: dict) -> None:
    with immediate(db):
        db.execute(
            "UPDATE trip_plan_jobs SET status = 'failed', finished_at = ?, error_code = ?, error_params = ? "
            "WHERE trip_id = ?",
            [now(), code, json.dumps(params, default=str), trip_id],
        )


def run_due(db: Database) -> int:
    """Plan every trip whose planning was asked for, oldest first; return how many were planned."""
    done = 0
    while (job := claim(db)) is not None:
        done += run_one(db, job)
    return done

"""Engine jobs: re-embedding a saved profile and assigning its topics, outside the request.

A profile save records ``request(db, org_id)`` inside its own transaction: one row per
organisation (a second save before the worker ran leaves one pending job), so a save acknowledged
to the person is never lost, even if every process dies right after. The worker (``run_due``, in
each round of ``app.worker.run_once``: every few seconds and in the minute sweep) embeds the stale
passages of that organisation, assigns its topics, and marks the job done, unless a newer save came
meanwhile (``generation`` moved): that one is then done in the next round. A failure (the model
cannot load) leaves the job pending, retried later with a growing delay.
"""

from __future__ import annotations

import logging
import time

from flask import current_app
from sqlite_utils import Database

from app import matching
from app.db import immediate
from app.orgs.queries import now

log = logging.getLogger("passerelle.engine_jobs")
RETRY_SECONDS = 30
RETRY_MAX_SECONDS = 3600


def request(db: Database, org_id: int) -> None:
    """Owe the engine this organisation's update; call it inside the transaction of the change."""
    db.execute(
        """
        INSERT INTO engine_jobs (org_id, status, generation, requested_at)
        VALUES (?, 'pending', 1, ?)
        ON CONFLICT (org_id) DO UPDATE SET
            status = 'pending', generation = generation + 1, requested_at = excluded.requested_at,
            attempts = 0, next_attempt_at = 0, last_error = ''
        """,
        [org_id, now()],
    )


def is_pending(db: Database, org_id: int) -> bool:
    """Whether this organisation's suggestions still wait for the worker."""
    row = db.execute("SELECT 1 FROM engine_jobs WHERE org_id = ? AND status = 'pending'", [org_id])
    return row.fetchone() is not None


def pending_count(db: Database) -> int:
    """How many organisations wait for the worker."""
    return db.execute("SELECT COUNT(*) FROM engine_jobs WHERE status = 'pending'").fetchone()[0]


def run_one(db: Database, org_id: int) -> bool:
    """Do one organisation's job now if it is pending; False when it failed (kept for a retry)."""
    row = db.execute(
        "SELECT generation, attempts FROM engine_jobs WHERE org_id = ? AND status = 'pending'", [org_id]
    ).fetchone()
    if row is None:
        return True
    generation, attempts = row
    try:
        matching.refresh_org(db, org_id)
    except Exception as error:  # the model cannot load, the database is busy: retried later
        log.exception("engine job of organisation %s failed", org_id)
        delay = min(RETRY_SECONDS * 2**attempts, RETRY_MAX_SECONDS)
        with immediate(db):
            db.execute(
                "UPDATE engine_jobs SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
                "WHERE org_id = ? AND generation = ?",
                [time.time() + delay, f"{type(error).__name__}: {error}"[:500], org_id, generation],
            )
        return False
    with immediate(db):  # a save that came while we worked bumped the generation: it stays pending
        db.execute(
            "UPDATE engine_jobs SET status = 'done', done_at = ? WHERE org_id = ? AND generation = ?",
            [now(), org_id, generation],
        )
    return True


def run_due(db: Database, limit: int | None = None) -> int:
    """Do the pending jobs that are due, oldest first; return how many were done."""
    due = [
        row[0]
        for row in db.execute(
            "SELECT org_id FROM engine_jobs WHERE status = 'pending' AND next_attempt_at <= ? "
            "ORDER BY requested_at, org_id LIMIT ?",
            [time.time(), -1 if limit is None else limit],
        )
    ]
    done = sum(run_one(db, org_id) for org_id in due)
    if due:
        log.info("engine jobs done %d of %d", done, len(due))
    return done


def after_save(db: Database, org_id: int) -> bool:
    """Run the job in the request only when ``ENGINE_JOBS_INLINE`` says so (some tests), else wake
    the worker for it; True when the suggestions are up to date on return."""
    if not current_app.config.get("ENGINE_JOBS_INLINE"):
        from app.worker import wake_for_engine

        wake_for_engine(current_app._get_current_object())
        return False
    return run_one(db, org_id)

"""Delegation trips: planning the draft, editing it by hand, publishing it to the members.

Planning solves first (seconds, no lock held) and then stores the draft, its run record and the
``trip.planned`` event in one transaction. Every edit of the draft is judged by the planner's own
rules under the write lock: an edit that breaks a rule the draft did not already break raises
:class:`~models.errors.Conflict` (``draft_refused``) naming each rule, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlite_utils import Database

from app.db import immediate
from app.operations import record_event, require_role
from app.operations.trip_setup import PLANNERS, get_trip
from app.trips import meetings as store
from app.trips import plan_jobs, planning, queries
from app.trips.meetings import PublishReport
from app.trips.planning import PlanRun
from models.errors import Conflict, InvalidInput, NotFound
from models.trips.shapes import Candidate, Meeting


def plan(db: Database, actor, trip_id: int, time_limit: float | None = None) -> PlanRun:
    """Plan the trip and store the plan as its draft (the published meetings do not change).

    Raises InvalidInput (``trip_incomplete``, with the gaps as ``parts``) before any solving when the
    set-up lacks slots, delegates or hosts.
    """
    trip = _plannable_trip(db, actor, trip_id)
    run = planning.compute_plan(db, trip, time_limit)
    with immediate(db):
        run_id = planning.store_plan(db, trip, actor.id, run)
        record_event(
            db, actor, "trip.planned", f"trip:{trip_id}", run_id=run_id, meetings=len(run.plan.meetings)
        )
    return run


def request_plan(db: Database, actor, trip_id: int, time_limit: float) -> tuple[dict, bool]:
    """Ask the worker to plan the trip (:mod:`app.trips.plan_jobs`): (the job, whether it is new).

    The same checks as :func:`plan`, before anything is recorded: the actor's role, the trip, and
    InvalidInput (``trip_incomplete``) when the set-up lacks slots, delegates or hosts. A planning
    already under way for the trip is returned as it is (False).
    """
    _plannable_trip(db, actor, trip_id)
    return plan_jobs.request(db, trip_id, actor.id, time_limit)


def _plannable_trip(db: Database, actor, trip_id: int) -> dict:
    """The trip, once the actor may plan it and its set-up has slots, delegates and hosts."""
    require_role(actor, *PLANNERS)
    trip = get_trip(db, trip_id)
    _require_complete(db, trip)
    return trip


def _require_complete(db: Database, trip: dict) -> None:
    """InvalidInput (``trip_incomplete``, the gaps as ``parts``) while the set-up has gaps."""
    gaps = planning.setup_gaps(db, trip)
    if gaps:
        raise InvalidInput(f"trip {trip['id']} is incomplete", code="trip_incomplete", parts=gaps)


def publish(db: Database, actor, trip_id: int) -> PublishReport:
    """Copy the draft to the published meetings: uids kept, sequences bumped only for changes."""
    require_role(actor, *PLANNERS)
    get_trip(db, trip_id)
    with immediate(db):
        report = store.publish(db, trip_id)
        record_event(
            db,
            actor,
            "trip.published",
            f"trip:{trip_id}",
            created=report.created,
            changed=report.changed,
            unchanged=report.unchanged,
            cancelled=report.cancelled,
        )
    return report


def move_meeting(db: Database, actor, trip_id: int, meeting_id: int, slot_id: int, delegate_id: int) -> None:
    """Give a draft meeting another slot and/or another delegate of the same organisation."""

    def change(rows: list[dict]) -> list[Meeting]:
        return [
            replace(store.as_meeting(r), slot_id=slot_id, delegate_id=delegate_id)
            if r["id"] == meeting_id
            else store.as_meeting(r)
            for r in rows
        ]

    _edit(db, actor, trip_id, meeting_id, "trip.meeting_moved", change,
          lambda: store.move_meeting(db, meeting_id, slot_id, delegate_id))  # fmt: skip


def remove_meeting(db: Database, actor, trip_id: int, meeting_id: int) -> None:
    """Remove a draft meeting (refused for a must-meet pair)."""
    _edit(db, actor, trip_id, meeting_id, "trip.meeting_removed",
          lambda rows: [store.as_meeting(r) for r in rows if r["id"] != meeting_id],
          lambda: store.remove_meeting(db, meeting_id))  # fmt: skip


def add_meeting(db: Database, actor, trip_id: int, delegate_id: int, host_org_id: int, slot_id: int) -> int:
    """Add a meeting by hand; its track, score and reason come from the engine. Returns its id."""
    require_role(actor, *PLANNERS)
    trip = get_trip(db, trip_id)
    delegate = queries.get_delegate(db, trip_id, delegate_id)
    if delegate is None:
        raise InvalidInput(f"no delegate {delegate_id} on trip {trip_id}", field="delegate_id")
    pair = (delegate["org_id"], host_org_id)
    candidate = planning.engine_candidates(db, trip, {delegate["org_id"]}).get(pair)
    if candidate is None:
        raise Conflict("the engine has no score for the pair", code="no_engine_score", field="host_org_id")
    meeting = Meeting(
        delegate_id, pair[0], pair[1], slot_id, candidate.track, candidate.score, candidate.reason
    )
    added: list[int] = []
    _edit(db, actor, trip_id, None, "trip.meeting_added",
          lambda rows: [*(store.as_meeting(r) for r in rows), meeting],
          lambda: added.append(store.add_meeting(db, trip_id, meeting, candidate.approved)),
          extra=candidate)  # fmt: skip
    return added[0]


def set_guests(db: Database, actor, trip_id: int, meeting_id: int, guests: list[int]) -> None:
    """Give a draft meeting these guests (other delegates at it), if the rules allow it."""

    def change(rows: list[dict]) -> list[Meeting]:
        meetings = [(r["id"], store.as_meeting(r)) for r in rows]
        return [replace(m, guests=tuple(guests)) if key == meeting_id else m for key, m in meetings]

    _edit(db, actor, trip_id, meeting_id, "trip.meeting_guests", change,
          lambda: store.set_guests(db, meeting_id, guests))  # fmt: skip


def _edit(
    db: Database,
    actor,
    trip_id: int,
    meeting_id: int | None,
    event: str,
    change: Callable[[list[dict]], list[Meeting]],
    write: Callable[[], None],
    *,
    extra: Candidate | None = None,
) -> None:
    """Apply an edit if it breaks no new rule, with its event, in one transaction."""
    require_role(actor, *PLANNERS)
    trip = get_trip(db, trip_id)
    with immediate(db):
        _require_complete(db, trip)
        rows = store.draft_rows(db, trip_id)
        if meeting_id is not None and all(row["id"] != meeting_id for row in rows):
            raise NotFound(f"trip {trip_id} has no draft meeting {meeting_id}", code="not_found")
        problem = planning.draft_problem(db, trip, rows, extra)
        broken = planning.new_violations(problem, [store.as_meeting(r) for r in rows], change(rows))
        if broken:
            parts = planning.violation_parts(db, trip_id, broken)
            raise Conflict(f"the edit breaks {len(broken)} rule(s)", code="draft_refused", parts=parts)
        write()
        record_event(db, actor, event, f"trip:{trip_id}", meeting_id=meeting_id)

"""API views on a trip's draft: read it, move, add and remove its meetings, set their guests, publish.

As on the web's draft grid (``app/trips/draft.py``), each view resolves the ids it is given (the trip,
the meeting, and the slot, delegate or host a body names: 404 when the trip has none such, as the
grid's lists offer only the trip's own) and calls one operation of ``app.operations.trips``, which
judges the edit by the planner's rules: a refused edit is a 409 with the web's reason in English, and
nothing changes. Coordinators and administrators only, as the trip pages.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import jsonify, url_for
from flask_babel import force_locale

from app.api.payloads import Field, as_account, checked, json_body, page_args, page_of
from app.api.trips import coordinators_only, guest_json, meeting_parts
from app.db import get_db
from app.errors import describe_part
from app.operations import trips as operations
from app.trips import meetings as store
from app.trips import planning, queries
from app.trips.access import get_draft_meeting_or_404, get_trip_or_404
from app.trips.meetings import PublishReport
from models.errors import NotFound

MAX_GUESTS = 50  # other delegates at one meeting: far more than a trip has
DRAFT_KEYS = ("id", "trip_id", "slot_id", "delegate_id", "delegate_name", "city", "track", "score", "origin")
ADD_BODY = {"delegate_id": Field(int), "host_org_id": Field(int), "slot_id": Field(int)}
MOVE_BODY = {"slot_id": Field(int, required=False), "delegate_id": Field(int, required=False)}
GUESTS_BODY = {"delegate_ids": Field(list, max_length=MAX_GUESTS, empty=True)}
WHAT = {"slot_id": "slot", "delegate_id": "delegate", "host_org_id": "host", "delegate_ids": "delegate"}
NOT_FOUND = {
    "slot": "trip_slot_not_found",
    "delegate": "trip_delegate_not_found",
    "host": "trip_host_not_found",
}


def draft_meeting_json(trip: dict, row: dict) -> dict:
    """A draft meeting as the published ones are shown, with what editing it needs: the ids of its
    slot, delegate and guests, whether its pair is an approved pairing (the grid marks it), and its
    ``origin``: ``planner`` (the planner's plan) or ``manual`` (added by a coordinator)."""
    day, zone = row["day"], queries.time_zone(trip)
    guests = [{"delegate_id": g["delegate_id"], **guest_json(g["name"], g)} for g in row["guests"]]
    return {key: row[key] for key in DRAFT_KEYS} | meeting_parts(row) | {
        "start": f"{day}T{row['start']}",
        "end": f"{day}T{row['end']}",
        "time_zone": zone,
        "approved": bool(row["approved"]),
        "guests": guests,
    }  # fmt: skip


def report_json(report: PublishReport) -> dict:
    """What a publication did (or would do now): meetings created, changed, unchanged, cancelled."""
    return asdict(report)


@coordinators_only
def show_draft(trip_id: int):
    """The draft's meetings in time order, paged, and the draft's state: the rules it breaks, what
    publishing it now would do."""
    trip = get_trip_or_404(trip_id)
    db = get_db()
    page, per_page = page_args()
    rows = store.draft_rows(db, trip_id)
    with force_locale("en"):
        issues = [{"code": part["code"], "message": describe_part(part)} for part in _review(trip, rows)]
    state = {
        "trip_id": trip_id,
        "issues": issues,
        "publish_preview": report_json(store.preview(db, trip_id)),
        "links": {
            "trip": url_for("api.show_trip", trip_id=trip_id),
            "plan": url_for("api.plan_state", trip_id=trip_id),
            "publish": url_for("api.publish_trip", trip_id=trip_id),
            "draft_page": url_for("trips.draft", trip_id=trip_id),
        },
    }
    items = [draft_meeting_json(trip, row) for row in rows[(page - 1) * per_page : page * per_page]]
    return page_of(items, len(rows), page, per_page, draft=state)


def _review(trip: dict, rows: list[dict]) -> list[dict]:
    """What is missing before planning, else the rules the draft breaks (as the web's grid says)."""
    gaps, broken, _ = planning.draft_review(get_db(), trip, rows)
    return gaps or broken


@coordinators_only
def show_draft_meeting(trip_id: int, meeting_id: int):
    """One draft meeting."""
    return _meeting_answer(trip_id, meeting_id)


@coordinators_only
def add_draft_meeting(trip_id: int):
    """Add a meeting by hand: 201, the meeting (track, score and reason from the engine) and its address."""
    get_trip_or_404(trip_id)
    body = _known_ids(trip_id, checked(json_body(), ADD_BODY))
    meeting_id = as_account(
        operations.add_meeting, trip_id, body["delegate_id"], body["host_org_id"], body["slot_id"]
    )
    response = _meeting_answer(trip_id, meeting_id)
    response.status_code = 201
    response.headers["Location"] = url_for("api.show_draft_meeting", trip_id=trip_id, meeting_id=meeting_id)
    return response


@coordinators_only
def move_draft_meeting(trip_id: int, meeting_id: int):
    """Give a draft meeting another slot and/or another delegate of its organisation."""
    get_trip_or_404(trip_id)
    row = get_draft_meeting_or_404(trip_id, meeting_id)
    body = _known_ids(trip_id, checked(json_body(), MOVE_BODY, not_empty=True))
    slot_id, delegate_id = body.get("slot_id", row["slot_id"]), body.get("delegate_id", row["delegate_id"])
    as_account(operations.move_meeting, trip_id, meeting_id, slot_id, delegate_id)
    return _meeting_answer(trip_id, meeting_id)


@coordinators_only
def set_draft_guests(trip_id: int, meeting_id: int):
    """Make these delegates the other attendees of a draft meeting (``[]``: nobody but its delegate)."""
    get_trip_or_404(trip_id)
    get_draft_meeting_or_404(trip_id, meeting_id)
    body = _known_ids(trip_id, checked(json_body(), GUESTS_BODY))
    as_account(operations.set_guests, trip_id, meeting_id, body["delegate_ids"])
    return _meeting_answer(trip_id, meeting_id)


@coordinators_only
def remove_draft_meeting(trip_id: int, meeting_id: int):
    """Remove a draft meeting (refused for a must-meet pair): 204."""
    get_trip_or_404(trip_id)
    get_draft_meeting_or_404(trip_id, meeting_id)
    as_account(operations.remove_meeting, trip_id, meeting_id)
    return "", 204


@coordinators_only
def publish_trip(trip_id: int):
    """Copy the draft to the published meetings, as the web's Publish button and ``flask publish-trip``."""
    get_trip_or_404(trip_id)
    report = as_account(operations.publish, trip_id)
    return jsonify(ok=True, report=report_json(report), trip=url_for("api.show_trip", trip_id=trip_id))


def _meeting_answer(trip_id: int, meeting_id: int):
    """``{"ok": true, "meeting": ...}`` for a meeting of the trip's draft (404 once it is not)."""
    trip = get_trip_or_404(trip_id)
    return jsonify(ok=True, meeting=draft_meeting_json(trip, get_draft_meeting_or_404(trip_id, meeting_id)))


def _known_ids(trip_id: int, body: dict) -> dict:
    """``body`` when each slot, delegate and host it names is the trip's; else NotFound (404) for the
    first that is not, with its field."""
    db = get_db()
    known = {
        "slot": {row["id"] for row in queries.list_slots(db, trip_id)},
        "delegate": {row["id"] for row in queries.list_delegates(db, trip_id)},
        "host": {row["org_id"] for row in queries.list_hosts(db, trip_id)},
    }
    for key, value in body.items():
        what = WHAT[key]
        for item in value if isinstance(value, list) else [value]:
            if item not in known[what]:
                detail = f"trip {trip_id} has no {what} {item}"
                raise NotFound(detail, code=NOT_FOUND[what], field=key, id=item)
    return body

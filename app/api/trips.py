"""API views on delegation trips and their published plans, the export files, and planning a trip.

With the web's permissions: trips, exports and planning are for coordinators and administrators;
an organisation's published meetings are for those who may act for it. Exports are the very files
of the web's export pages (``models.exports``), built from the same queries. Planning asks the worker
through the operation the web's *Plan* button calls (``app.operations.trips.request_plan``).
"""

from __future__ import annotations

from flask import abort, current_app, jsonify, request, url_for
from flask_babel import force_locale
from flask_login import current_user

from app.api.payloads import Field, checked, in_reader_language, json_body, page_args, page_of, query_choice
from app.auth.access import get_org_or_404, role_required
from app.db import get_db
from app.errors import describe
from app.exports.files import PAIRING_RENDERERS, TRIP_RENDERERS, calendars_zip, download
from app.exports.queries import approved_pairings, export_trip
from app.i18n import meeting_reason
from app.operations import trips as operations
from app.trips import meetings as store
from app.trips import plan_jobs, planning, queries
from app.trips.lifecycle import state_of
from app.worker import wake_for_planning
from models.errors import NotFound
from models.vocabulary import INTERFACE_LANGUAGES, STAFF_ROLES

TRIP_KEYS = ("id", "name", "direction", "cities", "start_date", "end_date", "status", "notes")
TRIP_KEYS += ("published_at", "created_at", "updated_at")
COUNT_KEYS = ("n_delegates", "n_hosts", "n_draft", "n_published")
MEETING_KEYS = ("id", "trip_id", "uid", "sequence", "status", "delegate_name", "start", "end")
MEETING_KEYS += ("time_zone", "city", "track", "score", "reason", "published_at", "host_answer")
LOCALES = INTERFACE_LANGUAGES
FILE_FORMATS = (*TRIP_RENDERERS, "ics")  # ics: one calendar per delegate, zipped
coordinators_only = role_required(*STAFF_ROLES)


def trip_json(row: dict) -> dict:
    """A trip's set-up fields, its state from its dates (and its counts, when the row has them)."""
    counts = {key: row[key] for key in COUNT_KEYS if key in row}
    fields = {key: row[key] for key in TRIP_KEYS} | {"group_meetings": bool(row["group_meetings"])}
    return fields | {"state": state_of(row)} | counts


def meeting_json(row: dict) -> dict:
    """A published meeting: who visits whom, when and where, why."""
    guests = [guest_json(g["delegate_name"], g) for g in row.get("guests", ())]  # at a group meeting
    return {key: row[key] for key in MEETING_KEYS} | meeting_parts(row) | {"guests": guests}


def meeting_parts(row: dict) -> dict:
    """What a published and a draft meeting show alike: why they meet (in English), both sides."""
    with force_locale("en"):  # API words are in English
        reason = meeting_reason(row)
    return {
        "reason": reason,
        "delegation": {"id": row["delegation_org_id"], "short_name": row["org_short_name"]},
        "host": {"id": row["host_org_id"], "short_name": row["host_short_name"]},
    }


def guest_json(name: str, guest: dict) -> dict:
    """Another delegate at a group meeting, with their organisation."""
    return {
        "delegate_name": name,
        "delegation": {"id": guest["org_id"], "short_name": guest["org_short_name"]},
    }


@coordinators_only
def list_trips():
    """Every trip, latest first, with its counts of delegates, hosts and meetings."""
    page, per_page = page_args()
    trips = queries.list_trips(get_db())
    start = (page - 1) * per_page
    return page_of([trip_json(t) for t in trips[start : start + per_page]], len(trips), page, per_page)


@coordinators_only
def show_trip(trip_id: int):
    """One trip with its published plan (cancelled meetings included, marked so)."""
    db = get_db()
    trip = queries.get_trip(db, trip_id)
    if trip is None:
        abort(404)
    rows = store.published_rows(db, trip_id, include_cancelled=True)
    return jsonify(ok=True, trip=trip_json(trip) | {"meetings": [meeting_json(row) for row in rows]})


def organisation_meetings(org_id: int):
    """The confirmed published meetings of an organisation one may act for, visiting or hosting."""
    get_org_or_404(org_id)
    page, per_page = page_args()
    rows = store.published_for_org(get_db(), org_id)
    start = (page - 1) * per_page
    items = [meeting_json(row) for row in rows[start : start + per_page]]
    return page_of(items, len(rows), page, per_page)


@coordinators_only
def export_trip_file(trip_id: int):
    """A trip's published plan as CSV, XLSX, a PDF briefing pack, or the delegates' calendars (zip)."""
    fmt = query_choice("format", FILE_FORMATS) or "pdf"
    locale = query_choice("lang", LOCALES) or "fr"
    try:
        data = export_trip(get_db(), trip_id, with_evidence=fmt == "pdf")
    except NotFound:
        abort(404)
    if fmt == "ics":
        return download(calendars_zip(data, locale), data.filename("zip", "calendars"), "zip")
    return download(TRIP_RENDERERS[fmt](data, locale), data.filename(fmt), fmt)


@coordinators_only
def export_pairings_file():
    """Approved pairings as CSV or XLSX, for programme reporting."""
    fmt = query_choice("format", tuple(PAIRING_RENDERERS)) or "csv"
    locale = query_choice("lang", LOCALES) or "fr"
    body = PAIRING_RENDERERS[fmt](approved_pairings(get_db()), locale)
    return download(body, f"approved-pairings.{fmt}", fmt)


@coordinators_only
def plan_trip(trip_id: int):
    """Ask the worker to plan the trip, as the web's Plan button does: 202 and the job's state.

    While a planning is under way the answer is that job (``created`` false, still 202: the client
    polls the same ``Location``); nothing else is recorded."""
    time_limit = _time_limit(json_body() if request.get_data(cache=True) else {})
    db = get_db()
    _job, created = operations.request_plan(db, current_user, trip_id, time_limit)
    if created:
        wake_for_planning(current_app._get_current_object())
    response = jsonify(ok=True, created=created, plan=_plan_json(db, trip_id))
    response.status_code = 202
    response.headers["Location"] = url_for("api.plan_state", trip_id=trip_id)
    return response


@coordinators_only
def plan_state(trip_id: int):
    """The trip's planning: pending, running, failed (worded in the ``Accept-Language``), or done."""
    db = get_db()
    if queries.get_trip(db, trip_id) is None:
        abort(404)
    plan = _plan_json(db, trip_id)
    if plan is None:
        raise NotFound(f"trip {trip_id} was never planned", code="trip_never_planned", trip_id=trip_id)
    return jsonify(ok=True, plan=plan)


def _time_limit(body: dict) -> float:
    """``{"time_limit": seconds}`` within the command line's bounds, else the web's default; 422."""
    checked(body, {"time_limit": Field(float, required=False, bounds=plan_jobs.TIME_LIMITS)})
    return float(body.get("time_limit", current_app.config["TRIP_PLAN_SECONDS"]))


def _plan_json(db, trip_id: int) -> dict | None:
    """The trip's planning job, or its last plan once no job is left; None if it was never planned."""
    job, run = plan_jobs.state(db, trip_id), planning.last_run(db, trip_id)
    links = {
        "self": url_for("api.plan_state", trip_id=trip_id),
        "trip": url_for("api.show_trip", trip_id=trip_id),
        "draft_page": url_for("trips.draft", trip_id=trip_id),
    }
    plan = {"trip_id": trip_id, "links": links, "failure": None, "meetings": None}
    if job is None:
        if run is None:
            return None
        return plan | {"status": "done", "since": run["created_at"], "time_limit": None,
                       "requested_by": run["user_email"], "meetings": run["meetings"]}  # fmt: skip
    since = {"pending": job["requested_at"], "running": job["started_at"], "failed": job["finished_at"]}
    if job["status"] == "failed":
        with in_reader_language():
            plan["failure"] = {"code": job["error_code"], "message": describe(plan_jobs.failure(job))}
    return plan | {"status": job["status"], "since": since[job["status"]], "time_limit": job["time_limit"],
                   "requested_by": job["user_email"]}  # fmt: skip

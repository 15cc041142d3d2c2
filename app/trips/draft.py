"""Planning a trip, the draft grid and its edits, publication, and the members' published meetings.

Every edit of the draft (move, add, remove) is judged by the planner's own rules
(:func:`models.trips.planner.find_violations`) inside one write transaction: an edit that breaks a rule
the draft did not already break is refused with the rule named, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import get_org_or_404
from app.calendars import operations as subscriptions
from app.db import get_db
from app.errors import describe_part, flash_error
from app.operations import trips
from app.orgs.queries import get_organisation
from app.trips import meetings as store
from app.trips import plan_jobs, planning, queries
from app.trips.access import get_trip_or_404
from app.trips.forms import ActionForm, AddMeetingForm, MoveForm, options
from app.worker import wake_for_planning
from models.errors import PasserelleError


def register(bp: Blueprint) -> None:
    """Add this module's views to the trips blueprint."""
    rules = [
        ("/<int:trip_id>/plan", "plan", plan, ["POST"]),
        ("/<int:trip_id>/draft", "draft", show_draft, ["GET"]),
        ("/<int:trip_id>/meetings", "add_meeting", add_meeting, ["POST"]),
        ("/<int:trip_id>/meetings/<int:meeting_id>/move", "move_meeting", move_meeting, ["POST"]),
        ("/<int:trip_id>/meetings/<int:meeting_id>/remove", "remove_meeting", remove_meeting, ["POST"]),
        ("/<int:trip_id>/publish", "publish", publish, ["POST"]),
        ("/<int:trip_id>/published", "published", published, ["GET"]),
        ("/org/<int:org_id>", "org_meetings", org_meetings, ["GET"]),
    ]
    for rule, endpoint, view, methods in rules:
        bp.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=methods)


def plan(trip_id: int):
    """Ask the worker to plan the trip (its plan becomes the draft; the published meetings stay)."""
    get_trip_or_404(trip_id)
    limit = float(current_app.config["TRIP_PLAN_SECONDS"])
    try:
        _job, created = trips.request_plan(get_db(), current_user, trip_id, limit)
    except PasserelleError as error:
        flash_error(error)
        return redirect(url_for("trips.show", trip_id=trip_id))
    if created:
        wake_for_planning(current_app._get_current_object())
        flash(_("Planning under way: its plan will replace the current draft when it is ready."), "info")
    else:
        flash(_("Planning of this trip is already under way; the new draft comes when it is ready."), "info")
    return redirect(url_for("trips.show", trip_id=trip_id))


def show_draft(trip_id: int):
    """The draft as a grid: one table per day, delegates down, slots across."""
    return _render_draft(get_trip_or_404(trip_id))


def move_meeting(trip_id: int, meeting_id: int):
    """Move a draft meeting to another slot and/or another delegate of the same organisation."""
    trip = get_trip_or_404(trip_id)
    row = _meeting_or_404(trip_id, meeting_id)
    form = MoveForm()
    form.slot_id.choices = options(_slot_choices(trip_id))
    colleagues = [
        d for d in queries.list_delegates(get_db(), trip_id) if d["org_id"] == row["delegation_org_id"]
    ]
    form.delegate_id.choices = options((d["id"], d["name"]) for d in colleagues)
    if not form.validate_on_submit():
        flash(_("The meeting was not moved: choose a slot and a delegate from the lists."), "error")
        return _render_draft(trip, 400)
    return _edit(
        trip,
        lambda db: trips.move_meeting(
            db, current_user, trip_id, meeting_id, form.slot_id.data, form.delegate_id.data
        ),
        _("The meeting is moved."),
    )


def remove_meeting(trip_id: int, meeting_id: int):
    """Remove a draft meeting (refused for a must-meet pair)."""
    trip = get_trip_or_404(trip_id)
    _meeting_or_404(trip_id, meeting_id)
    return _edit(
        trip,
        lambda db: trips.remove_meeting(db, current_user, trip_id, meeting_id),
        _("The meeting is removed from the draft."),
    )


def add_meeting(trip_id: int):
    """Add a meeting by hand: delegate, host and slot; track, score and reason come from the engine."""
    trip = get_trip_or_404(trip_id)
    form = _add_form(trip)
    if not form.validate_on_submit():
        flash(_("The meeting was not added: choose a delegate, a host and a slot from the lists."), "error")
        return _render_draft(trip, 400, add_form=form)
    return _edit(
        trip,
        lambda db: trips.add_meeting(
            db, current_user, trip_id, form.delegate_id.data, form.host_org_id.data, form.slot_id.data
        ),
        _("The meeting is added to the draft."),
        add_form=form,
    )


def publish(trip_id: int):
    """Copy the draft to the published meetings: uids kept, sequences bumped only for changes."""
    get_trip_or_404(trip_id)
    report = trips.publish(get_db(), current_user, trip_id)
    message = _("Published: %(counts)s.", counts=report.counts(unchanged=True))
    flash(message, "success")
    return redirect(url_for("trips.published", trip_id=trip_id))


def published(trip_id: int):
    """The published meetings of a trip, cancelled ones included, with their uid and sequence."""
    trip = get_trip_or_404(trip_id)
    db = get_db()
    rows = store.published_rows(db, trip_id, include_cancelled=True)
    report = store.preview(db, trip_id)
    return render_template(
        "trips/published.html",
        trip=trip,
        rows=rows,
        report=report,
        action=ActionForm(),
        delegates=queries.list_delegates(db, trip_id),
        subscriptions=subscriptions.of_trip(db, trip_id),
    )


def org_meetings(org_id: int):
    """An organisation's published meetings, as the visiting delegation or as a host."""
    org = get_org_or_404(org_id)
    db = get_db()
    trips: dict[int, dict] = {}
    for row in store.published_for_org(db, org_id):
        trip = trips.setdefault(row["trip_id"], {"id": row["trip_id"], "name": row["trip_name"], "rows": []})
        trip["rows"].append(row)
    for trip in trips.values():  # the organisation's own delegates: their agendas and calendars
        trip["delegates"] = [d for d in queries.list_delegates(db, trip["id"]) if d["org_id"] == org_id]
        ours = {d["id"] for d in trip["delegates"]}
        trip["subscriptions"] = [s for s in subscriptions.of_trip(db, trip["id"]) if s["delegate_id"] in ours]
    my_orgs = (
        [get_organisation(db, mine) for mine in current_user.org_ids] if current_user.role == "member" else []
    )
    return render_template(
        "trips/org_meetings.html",
        org=org,
        trips=list(trips.values()),
        my_orgs=my_orgs,
        action=ActionForm(),
    )


def _edit(trip: dict, operation: Callable, done: str, *, add_form=None):
    """Run an edit of the draft; a refused one re-renders the grid with the rules it breaks."""
    try:
        operation(get_db())
    except PasserelleError as error:
        flash_error(error)
        return _render_draft(trip, error.status, add_form=add_form)
    flash(done, "success")
    return redirect(url_for("trips.draft", trip_id=trip["id"]))


edit_draft = _edit  # the group-meeting edits (app/trips/groups.py) are judged the same way


def guest_ids(row: dict) -> list[int]:
    """The delegates at a draft meeting besides its lead delegate."""
    return [guest["delegate_id"] for guest in row.get("guests", ())]


def _meeting_or_404(trip_id: int, meeting_id: int) -> dict:
    row = (
        get_db()
        .execute(
            "SELECT id, delegation_org_id FROM trip_meetings WHERE id = ? AND trip_id = ?",
            [meeting_id, trip_id],
        )
        .fetchone()
    )
    if row is None:
        abort(404)
    return {"id": row[0], "delegation_org_id": row[1]}


def _slot_choices(trip_id: int) -> list[tuple[int, str]]:
    return [(s["id"], f"{s['day']} {s['start']}") for s in queries.list_slots(get_db(), trip_id)]


def _add_form(trip: dict, **kwargs) -> AddMeetingForm:
    db = get_db()
    form = AddMeetingForm(**kwargs)
    form.delegate_id.choices = options(
        [(d["id"], f"{d['name']} ({d['org_short_name']})") for d in queries.list_delegates(db, trip["id"])]
    )
    form.host_org_id.choices = options(
        [(h["org_id"], f"{h['short_name']} ({h['city']})") for h in queries.list_hosts(db, trip["id"])]
    )
    form.slot_id.choices = options(_slot_choices(trip["id"]))
    return form


def _render_draft(trip: dict, status: int = 200, add_form: AddMeetingForm | None = None):
    db = get_db()
    rows = store.draft_rows(db, trip["id"])
    slots = queries.list_slots(db, trip["id"])
    days: dict[str, list[dict]] = {}
    for slot in slots:
        days.setdefault(slot["day"], []).append(slot)
    _, broken, value = planning.draft_review(db, trip, rows)  # the trip page says what to fill in
    issues = [describe_part(part) for part in broken]
    return render_template(
        "trips/draft.html",
        trip=trip,
        days=days,
        delegates=queries.list_delegates(db, trip["id"]),
        cells={(d, r["slot_id"]): r for r in rows for d in (r["delegate_id"], *guest_ids(r))},
        rows=rows,
        issues=issues,
        value=value,
        last_run=planning.last_run(db, trip["id"]),
        plan_job=plan_jobs.state(db, trip["id"]),
        report=store.preview(db, trip["id"]),
        add_form=add_form or _add_form(trip, formdata=None),
        slot_choices=_slot_choices(trip["id"]),
        action=ActionForm(),
    ), status

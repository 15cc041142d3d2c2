"""Group meetings: several delegates at one meeting with a host (one meeting for the host's capacity).

A coordinator lets the planner merge delegates of one organisation visiting the same host (the
trip's ``group_meetings`` switch, read by :func:`app.trips.planning.load_problem`), or adds and
removes a delegate of any delegation organisation to a draft meeting by hand. Each edit is judged
by the planner's rules like every other draft edit: a guest who is busy in that slot, or who could
not get there in time, is refused and nothing changes.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import InputRequired

from app.db import get_db
from app.operations import trip_setup, trips
from app.trips import draft, queries
from app.trips.access import get_draft_meeting_or_404, get_trip_or_404
from app.trips.forms import options


class GroupSwitchForm(FlaskForm):
    enabled = BooleanField()


class GuestForm(FlaskForm):
    delegate_id = SelectField(coerce=int, validators=[InputRequired()])


def register(bp: Blueprint) -> None:
    """Add this module's views to the trips blueprint."""
    rules = [
        ("/<int:trip_id>/group-meetings", "group_meetings", switch),
        ("/<int:trip_id>/meetings/<int:meeting_id>/guests", "add_guest", add_guest),
        (
            "/<int:trip_id>/meetings/<int:meeting_id>/guests/<int:delegate_id>/remove",
            "remove_guest",
            remove_guest,
        ),  # fmt: skip
    ]
    for rule, endpoint, view in rules:
        bp.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=["POST"])


def switch(trip_id: int):
    """Let the planner merge delegates of one organisation visiting one host, or stop it."""
    get_trip_or_404(trip_id)
    form = GroupSwitchForm()
    if not form.validate_on_submit():
        abort(400)
    trip_setup.set_group_meetings(get_db(), current_user, trip_id, form.enabled.data)
    message = (
        _("Planning will let delegates of one organisation attend a meeting together.")
        if form.enabled.data
        else _("Planning will give each delegate their own meetings.")
    )
    flash(message, "success")
    return redirect(url_for("trips.show", trip_id=trip_id, _anchor="plan"))


def add_guest(trip_id: int, meeting_id: int):
    """Add a delegate to a draft meeting, if the rules allow it."""
    trip = get_trip_or_404(trip_id)
    row = get_draft_meeting_or_404(trip_id, meeting_id)
    form = GuestForm()
    delegates = queries.list_delegates(get_db(), trip_id)
    form.delegate_id.choices = options((d["id"], d["name"]) for d in delegates)
    if not form.validate_on_submit():
        flash(_("Nobody was added: choose a delegate from the list."), "error")
        return redirect(url_for("trips.draft", trip_id=trip_id))
    guests = [*draft.guest_ids(row), form.delegate_id.data]
    return _set_guests(trip, meeting_id, guests, _("The delegate joins the meeting."))


def _set_guests(trip: dict, meeting_id: int, guests: list[int], done: str):
    """Give a draft meeting these guests if the rules allow it (else nothing changes)."""
    operation = lambda db: trips.set_guests(db, current_user, trip["id"], meeting_id, guests)  # noqa: E731
    return draft.edit_draft(trip, operation, done)


def remove_guest(trip_id: int, meeting_id: int, delegate_id: int):
    """Take a delegate out of a group meeting (the lead delegate stays)."""
    trip = get_trip_or_404(trip_id)
    row = get_draft_meeting_or_404(trip_id, meeting_id)
    if delegate_id not in draft.guest_ids(row):
        abort(404)
    if not GroupSwitchForm().validate_on_submit():
        abort(400)
    guests = [d for d in draft.guest_ids(row) if d != delegate_id]
    return _set_guests(trip, meeting_id, guests, _("The delegate leaves the meeting."))

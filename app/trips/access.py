"""Who may use the trip pages, and the lookups that turn a trip id (and a draft meeting id) in a URL
into a trip (a draft meeting) or a 404."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from app.db import get_db
from app.trips import meetings as store
from app.trips import queries
from models.vocabulary import STAFF_ROLES

MEMBER_ENDPOINTS = frozenset({"trips.org_meetings"})  # members see their organisation's meetings there


def coordinators_only():
    """Every trip page but the members' one is for coordinators and administrators (others get 403)."""
    if request.endpoint not in MEMBER_ENDPOINTS and current_user.role not in STAFF_ROLES:
        abort(403)


def get_trip_or_404(trip_id: int) -> dict:
    """The trip with this id, or 404."""
    trip = queries.get_trip(get_db(), trip_id)
    if trip is None:
        abort(404)
    return trip


def get_draft_meeting_or_404(trip_id: int, meeting_id: int) -> dict:
    """The trip's draft meeting with this id, as :func:`app.trips.meetings.draft_rows` gives it, or 404."""
    row = next((r for r in store.draft_rows(get_db(), trip_id) if r["id"] == meeting_id), None)
    if row is None:
        abort(404)
    return row

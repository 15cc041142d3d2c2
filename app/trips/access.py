"""Who may use the trip pages, and the one lookup that turns a trip id in a URL into a trip or a 404."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from app.db import get_db
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

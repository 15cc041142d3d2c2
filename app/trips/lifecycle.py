"""The state of a trip as pages show it (see models/lifecycle.py): one function, one set of labels."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from app.trips.queries import time_zone
from models.lifecycle import today_in, trip_state

STATE_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "under_way": _l("Under way"),
    "past": _l("Past"),
}


def state_of(trip: dict, today: date | None = None) -> str:
    """The trip's state today at its destination: draft, published, under way or past."""
    return trip_state(
        date.fromisoformat(trip["start_date"]),
        date.fromisoformat(trip["end_date"]),
        bool(trip.get("published_at")),
        today or today_in(time_zone(trip)),
    )

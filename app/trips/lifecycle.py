"""The state of a trip as pages show it (models/lifecycle.py); its words: ``label("trip_state", state)``."""

from __future__ import annotations

from datetime import date

from app.trips.queries import time_zone
from models.lifecycle import today_in, trip_state


def state_of(trip: dict, today: date | None = None) -> str:
    """The trip's state today at its destination: draft, published, under way or past."""
    return trip_state(
        date.fromisoformat(trip["start_date"]),
        date.fromisoformat(trip["end_date"]),
        bool(trip.get("published_at")),
        today or today_in(time_zone(trip)),
    )

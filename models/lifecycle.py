"""A trip's life cycle, driven by its dates: draft, published, under way, past.

A trip is ``past`` the day after its last day and ``under_way`` from its first to its last day,
whatever else is true of it; before it starts it is ``published`` once its meetings have been
published, else ``draft``. "Today" is the date at the destination (the trip's time zone).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def trip_state(start: date, end: date, published: bool, today: date) -> str:
    """The state of a trip from its first and last days, whether it was published, and today's date."""
    if today > end:
        return "past"
    if today >= start:
        return "under_way"
    return "published" if published else "draft"


def today_in(time_zone: str) -> date:
    """Today's date in an IANA time zone."""
    return datetime.now(ZoneInfo(time_zone)).date()

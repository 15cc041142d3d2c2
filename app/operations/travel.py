"""Travel times between two cities: what the *Travel times* page and the API change, and read one by.

One row per pair of canonical cities (``city_a < city_b``), the same time both ways. The cities are
given in any spelling and order ("Quebec City", "Montreal" is the pair Montréal – Québec). A refusal
raises a named error of :mod:`models.errors` and changes nothing: InvalidInput for a value no form
offers (a blank or too long city, one with a slash, which the API could not address, minutes out
of range, an unknown means), Conflict for one city given twice, NotFound for a pair without a
travel time. Coordinators and administrators only, as every trip page. Each change is audited in
its transaction (``travel.saved``, ``travel.removed``, about :func:`travel_subject`); it owes nobody
a notification or a mail: the planner reads the table when it next plans a trip, and no published
meeting moves.
"""

from __future__ import annotations

from sqlite_utils import Database

from app.db import immediate
from app.operations import record_event, require_role
from app.operations.trip_setup import PLANNERS
from app.orgs.queries import now
from models.cities import MAX_TRAVEL_MINUTES, canonical_city
from models.errors import Conflict, InvalidInput, NotFound
from models.vocabulary import TRAVEL_MODES

CITY_MAX = 80  # a city's name, as the trip forms take it
TRAVEL_MINUTES = (1, MAX_TRAVEL_MINUTES)  # door to door, within a day (the table's CHECK)


def travel_pair(city_a: str, city_b: str) -> tuple[str, str]:
    """The pair as stored: both cities canonical, in order (a pair never stored is simply not found)."""
    a, b = sorted((canonical_city(city_a), canonical_city(city_b)))
    return a, b


def travel_subject(a: str, b: str) -> str:
    """What a pair's audit events are about: ``travel:Montréal – Québec`` (the pair as stored)."""
    return f"travel:{a} – {b}"


def _new_pair(city_a: str, city_b: str) -> tuple[str, str]:
    """:func:`travel_pair`, refused when a city is blank or too long, or when both name one city."""
    for field, text in (("city_a", city_a), ("city_b", city_b)):
        city = canonical_city(text)
        if not city:
            raise InvalidInput("a city is missing", code="travel_city_required", field=field)
        if len(city) > CITY_MAX:
            raise InvalidInput("a city is too long", code="travel_city_too_long", field=field, n=CITY_MAX)
        if "/" in city:  # it could not be named in the API's address of the pair
            raise InvalidInput("a city holds a slash", code="travel_city_slash", field=field)
    a, b = travel_pair(city_a, city_b)
    if a == b:
        raise Conflict("one city twice", code="travel_same_city", field="city_b")
    return a, b


def travel_missing(a: str, b: str) -> NotFound:
    """The error for a pair of cities without a travel time."""
    return NotFound(f"no travel time between {a} and {b}", code="travel_not_found", a=a, b=b)


def get_travel(db: Database, city_a: str, city_b: str) -> dict:
    """The pair's row (``city_a``, ``city_b``, ``minutes``, ``mode``, ``updated_at``), or NotFound."""
    a, b = travel_pair(city_a, city_b)
    row = _row(db, a, b)
    if row is None:
        raise travel_missing(a, b)
    return row


def save_travel(
    db: Database, actor, city_a: str, city_b: str, minutes: int, mode: str
) -> tuple[str, str, bool]:
    """Add or change the travel time of a pair of cities: the pair as stored, and True when it had none."""
    require_role(actor, *PLANNERS)
    a, b = _new_pair(city_a, city_b)
    low, high = TRAVEL_MINUTES
    if not low <= minutes <= high:
        raise InvalidInput("minutes out of range", code="travel_minutes_range", field="minutes")
    if mode not in TRAVEL_MODES:
        raise InvalidInput(f"unknown means {mode!r}", code="unknown_travel_mode", field="mode")
    with immediate(db):
        new = _row(db, a, b) is None
        db.execute(
            """
            INSERT INTO travel_times (city_a, city_b, minutes, mode, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (city_a, city_b) DO UPDATE SET
                minutes = excluded.minutes, mode = excluded.mode, updated_at = excluded.updated_at
            """,
            [a, b, minutes, mode, now()],
        )
        record_event(
            db, actor, "travel.saved", travel_subject(a, b), city_a=a, city_b=b, minutes=minutes, mode=mode
        )
    return a, b, new


def remove_travel(db: Database, actor, city_a: str, city_b: str) -> tuple[str, str]:
    """Remove a pair's travel time (its cities are then never joined within a day); return the pair."""
    require_role(actor, *PLANNERS)
    a, b = travel_pair(city_a, city_b)
    with immediate(db):
        cursor = db.execute("DELETE FROM travel_times WHERE city_a = ? AND city_b = ?", [a, b])
        if cursor.rowcount == 0:
            raise travel_missing(a, b)
        record_event(db, actor, "travel.removed", travel_subject(a, b), city_a=a, city_b=b)
    return a, b


def _row(db: Database, a: str, b: str) -> dict | None:
    rows = db.query("SELECT * FROM travel_times WHERE city_a = ? AND city_b = ?", [a, b])
    return next(iter(rows), None)

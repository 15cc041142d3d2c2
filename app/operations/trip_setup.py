"""A trip's set-up: the trip itself, its daily slots, delegation, delegates, hosts and pairs.

The web's trip page (``app/trips/routes.py``) and the API (``app/api/setup.py``) call these. Each
checks the actor's role and the trip, then the rules of the change, and writes it with its audit
event in one transaction. A refusal raises a named error of :mod:`models.errors` and changes
nothing: InvalidInput for a value no form offers (a blank name, a malformed time), Conflict for a
value the trip's rules refuse (overlapping slots, a day outside the trip, a name already taken),
NotFound for an organisation, delegate, host or pair the trip does not have. The forms' own
validators call the same checks (:func:`check_dates`, :func:`check_slot_times`, ...), so a rule
and its sentence live here only.
"""

from __future__ import annotations

import re
from datetime import date

from sqlite_utils import Database

from app.admin.forms import EMAIL_PATTERN
from app.db import immediate
from app.operations import record_event, require_role
from app.orgs.queries import get_organisation
from app.trips import queries
from models.cities import canonical_city
from models.errors import Conflict, InvalidInput, NotFound
from models.vocabulary import CONSTRAINT_KINDS, STAFF_ROLES

PLANNERS = STAFF_ROLES  # who sets up, plans and publishes trips

NAME_MAX = 200  # a trip's or a delegate's name
CITIES_MAX = 300  # the web's comma-separated cities
NOTES_MAX = 4000
EMAIL_MAX = 320
CAPACITY = (1, 20)  # meetings a host holds at once (the table's CHECK)
SLOT_MINUTES = (15, 240)
MAX_SLOT_TIMES = 96  # start times a day: 24 hours of the shortest meetings
TIME = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")  # 24-hour HH:MM


def get_trip(db: Database, trip_id: int) -> dict:
    """The trip, or NotFound."""
    trip = queries.get_trip(db, trip_id)
    if trip is None:
        raise NotFound(f"there is no trip {trip_id}", code="trip_not_found", trip_id=trip_id)
    return trip


# --- the checks the forms share -------------------------------------------------------------------


def check_dates(start: date, end: date) -> None:
    """A trip ends on or after its first day and lasts at most ``MAX_DAYS`` days."""
    if end < start:
        raise Conflict("the last day is before the first", code="trip_dates_reversed", field="end_date")
    if (end - start).days >= queries.MAX_DAYS:
        raise Conflict("the trip is too long", code="trip_too_long", field="end_date", n=queries.MAX_DAYS)


def check_slot_times(times: list[str]) -> None:
    """At least one start time, each written HH:MM, none repeated."""
    if not times or any(not TIME.fullmatch(part) for part in times):
        raise InvalidInput("times must be HH:MM", code="slot_time_format", field="times")
    if len(set(times)) != len(times):
        raise InvalidInput("a start time is repeated", code="slot_time_repeated", field="times")


def check_slot_minutes(times: list[str], minutes: int) -> None:
    """Slots of one day may not overlap (the gap between two starts holds a meeting), nor end after
    midnight."""
    starts = sorted(int(t[:2]) * 60 + int(t[3:]) for t in times)
    if any(b - a < minutes for a, b in zip(starts, starts[1:], strict=False)):
        raise Conflict("the slots would overlap", code="slots_overlap", field="minutes")
    if starts and starts[-1] + minutes > 24 * 60 - 1:
        raise Conflict("the last slot ends after midnight", code="slots_after_midnight", field="minutes")


def check_email(email: str) -> None:
    """An email address, or nothing."""
    if email and not re.match(EMAIL_PATTERN, email):
        raise InvalidInput("not an email address", code="bad_email", field="email")


# --- the trip -------------------------------------------------------------------------------------


def _trip_fields(fields: dict) -> dict:
    """The fields of a trip, trimmed, once its name, cities and dates pass."""
    name = fields["name"].strip()
    if not name:
        raise InvalidInput("the trip has no name", code="trip_name_required", field="name")
    cities = list(dict.fromkeys(city.strip() for city in fields["cities"] if city.strip()))
    if not cities:
        raise InvalidInput("the trip has no city", code="trip_cities_required", field="cities")
    check_dates(fields["start_date"], fields["end_date"])
    return {**fields, "name": name, "cities": cities, "notes": (fields.get("notes") or "").strip()}


def create_trip(db: Database, actor, fields: dict) -> int:
    """Create a trip with the default daily slots on its weekdays; return its id.

    ``fields``: name, direction, cities (a list), start_date and end_date (dates), status, notes."""
    require_role(actor, *PLANNERS)
    fields = _trip_fields(fields)
    with immediate(db):
        if queries.name_taken(db, fields["name"]):
            raise Conflict("the name is taken", code="trip_name_taken", field="name")
        trip_id = queries.create_trip(db, fields)
        record_event(db, actor, "trip.created", f"trip:{trip_id}")
    return trip_id


def update_trip(db: Database, actor, trip_id: int, fields: dict) -> None:
    """Change a trip's details; slots outside its new dates go, with their draft meetings. The
    direction stays while the trip has a delegation or hosts."""
    require_role(actor, *PLANNERS)
    trip = get_trip(db, trip_id)
    fields = _trip_fields(fields)
    with immediate(db):
        if queries.name_taken(db, fields["name"], trip_id):
            raise Conflict("the name is taken", code="trip_name_taken", field="name")
        if fields["direction"] != trip["direction"] and (
            queries.list_delegation(db, trip_id) or queries.list_hosts(db, trip_id)
        ):
            raise Conflict("the trip has a delegation", code="trip_direction_locked", field="direction")
        queries.update_trip(db, trip_id, fields)
        record_event(db, actor, "trip.updated", f"trip:{trip_id}")


def set_group_meetings(db: Database, actor, trip_id: int, enabled: bool) -> None:
    """Let the planner merge delegates of one organisation visiting one host, or stop it."""
    require_role(actor, *PLANNERS)
    get_trip(db, trip_id)
    with immediate(db):
        db.execute("UPDATE trips SET group_meetings = ? WHERE id = ?", [int(enabled), trip_id])


def set_slots(
    db: Database, actor, trip_id: int, times: list[str], minutes: int, *, weekdays_only: bool
) -> tuple[int, int]:
    """Make the slots every (week)day at ``times``, ``minutes`` long: (slots, draft meetings removed).

    Slots that stay (same day and start) keep their id and their draft meetings."""
    require_role(actor, *PLANNERS)
    get_trip(db, trip_id)
    check_slot_times(times)
    low, high = SLOT_MINUTES
    if not low <= minutes <= high:
        raise InvalidInput("minutes out of range", code="slot_minutes_range", field="minutes")
    check_slot_minutes(times, minutes)
    with immediate(db):
        result = queries.set_slot_template(db, trip_id, tuple(sorted(times)), minutes,
                                           weekdays_only=weekdays_only)  # fmt: skip
        record_event(db, actor, "trip.slots_set", f"trip:{trip_id}")
    return result


# --- delegation and delegates ---------------------------------------------------------------------


def _organisation(db: Database, org_id: int, field: str = "org_id") -> dict:
    org = get_organisation(db, org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id}", code="organisation_not_found", field=field)
    return org


def add_to_delegation(db: Database, actor, trip_id: int, org_id: int) -> None:
    """Add an open organisation of the delegation's region to the delegation."""
    require_role(actor, *PLANNERS)
    trip = get_trip(db, trip_id)
    org = _organisation(db, org_id)
    name = org["short_name"]
    if org["region"] != queries.origin_region(trip):
        raise Conflict("another region", code="delegation_other_side", field="org_id", name=name)
    if org["status"] == "closed":
        raise Conflict("closed", code="closed_organisation", field="org_id", name=name)
    with immediate(db):
        if queries.get_delegation_org(db, trip_id, org_id) is not None:
            raise Conflict("in already", code="in_delegation_already", field="org_id", name=name)
        queries.add_delegation_org(db, trip_id, org_id)
        record_event(db, actor, "trip.delegation_added", f"trip:{trip_id}", org_id=org_id)


def delegation_missing(org_id: int, field: str | None = None) -> NotFound:
    """The errors for a row the trip does not have, raised by the operations and the API alike."""
    return NotFound(
        f"{org_id} is not in the delegation", code="trip_delegation_not_found", field=field, id=org_id
    )


def delegate_missing(delegate_id: int) -> NotFound:
    return NotFound(f"no delegate {delegate_id}", code="trip_delegate_not_found", id=delegate_id)


def host_missing(org_id: int, field: str | None = None) -> NotFound:
    return NotFound(f"{org_id} is not a host", code="trip_host_not_found", field=field, id=org_id)


def pair_missing(org_id: int, host_org_id: int) -> NotFound:
    return NotFound("no such pair", code="trip_pair_not_found", org_id=org_id, host_org_id=host_org_id)


def _remove(db: Database, actor, trip_id: int, remove, missing: NotFound, event: str, **params) -> None:
    """The shape every removal shares: a planner, the trip, then in one transaction ``remove()``
    (False when there was nothing to remove: ``missing`` is raised) and the audit event."""
    require_role(actor, *PLANNERS)
    get_trip(db, trip_id)
    with immediate(db):
        if not remove():
            raise missing
        record_event(db, actor, event, f"trip:{trip_id}", **params)


def remove_from_delegation(db: Database, actor, trip_id: int, org_id: int) -> None:
    """Remove an organisation from the delegation, with its delegates, pairs and draft meetings."""
    missing = delegation_missing(org_id)
    _remove(db, actor, trip_id, lambda: queries.remove_delegation_org(db, trip_id, org_id), missing,
            "trip.delegation_removed", org_id=org_id)  # fmt: skip


def _in_delegation(db: Database, trip_id: int, org_id: int, field: str = "org_id") -> None:
    if queries.get_delegation_org(db, trip_id, org_id) is None:
        raise delegation_missing(org_id, field)


def add_delegate(db: Database, actor, trip_id: int, org_id: int, name: str, email: str = "") -> int:
    """Add a delegate of one of the delegation's organisations; return their id."""
    require_role(actor, *PLANNERS)
    get_trip(db, trip_id)
    name, email = name.strip(), email.strip()
    if not name:
        raise InvalidInput("the delegate has no name", code="delegate_name_required", field="name")
    check_email(email)
    with immediate(db):
        _in_delegation(db, trip_id, org_id)
        delegate_id = queries.add_delegate(db, trip_id, org_id, name, email)
        # the delegate's name stays out of the audit log
        record_event(db, actor, "trip.delegate_added", f"trip:{trip_id}", org_id=org_id)
    return delegate_id


def remove_delegate(db: Database, actor, trip_id: int, delegate_id: int) -> None:
    """Remove a delegate with their draft meetings."""
    missing = delegate_missing(delegate_id)
    _remove(db, actor, trip_id, lambda: queries.remove_delegate(db, trip_id, delegate_id), missing,
            "trip.delegate_removed", delegate_id=delegate_id)  # fmt: skip


# --- hosts and pairs ------------------------------------------------------------------------------


def save_host(
    db: Database, actor, trip_id: int, org_id: int, city: str, capacity: int, days: list[str]
) -> bool:
    """Add a host or change its city ("": its own), capacity and receiving days ([]: every day of the
    trip); True when it is a new host."""
    require_role(actor, *PLANNERS)
    trip = get_trip(db, trip_id)
    org = _organisation(db, org_id)
    name = org["short_name"]
    if org["region"] != queries.destination_region(trip):
        raise Conflict("another region", code="host_other_side", field="org_id", name=name)
    if org["status"] == "closed":
        raise Conflict("closed", code="closed_organisation", field="org_id", name=name)
    if city and canonical_city(city) not in trip["cities"]:
        raise Conflict("not a trip city", code="host_city_not_in_trip", field="city", city=city)
    low, high = CAPACITY
    if not low <= capacity <= high:
        raise InvalidInput("capacity out of range", code="host_capacity_range", field="capacity")
    trip_days = {day.isoformat() for day in queries.trip_days(trip)}
    outside = next((day for day in days if day not in trip_days), None)
    if outside is not None:
        raise Conflict("not a trip day", code="host_day_not_in_trip", field="days", day=outside)
    with immediate(db):
        new = queries.get_host(db, trip_id, org_id) is None
        queries.save_host(db, trip_id, org_id, city or org["city"], capacity, sorted(set(days)))
        record_event(db, actor, "trip.host_saved", f"trip:{trip_id}", org_id=org_id)
    return new


def remove_host(db: Database, actor, trip_id: int, org_id: int) -> None:
    """Remove a host with its pairs and draft meetings."""
    missing = host_missing(org_id)
    _remove(db, actor, trip_id, lambda: queries.remove_host(db, trip_id, org_id), missing,
            "trip.host_removed", org_id=org_id)  # fmt: skip


def save_pair(db: Database, actor, trip_id: int, org_id: int, host_org_id: int, kind: str) -> bool:
    """Make a (delegation organisation, host) pair must-meet or must-not-meet; True when the pair had
    no rule before."""
    require_role(actor, *PLANNERS)
    get_trip(db, trip_id)
    if kind not in CONSTRAINT_KINDS:
        raise InvalidInput(f"unknown rule {kind!r}", code="unknown_pair_rule", field="kind")
    with immediate(db):
        _in_delegation(db, trip_id, org_id)
        if queries.get_host(db, trip_id, host_org_id) is None:
            raise host_missing(host_org_id, "host_org_id")
        new = queries.get_constraint(db, trip_id, org_id, host_org_id) is None
        queries.save_constraint(db, trip_id, org_id, host_org_id, kind)
        record_event(db, actor, "trip.constraint_saved", f"trip:{trip_id}",
                     org_id=org_id, partner_id=host_org_id, kind=kind)  # fmt: skip
    return new


def remove_pair(db: Database, actor, trip_id: int, org_id: int, host_org_id: int) -> None:
    """Drop a pair's rule."""
    missing = pair_missing(org_id, host_org_id)
    _remove(db, actor, trip_id, lambda: queries.remove_constraint(db, trip_id, org_id, host_org_id), missing,
            "trip.constraint_removed", org_id=org_id, partner_id=host_org_id)  # fmt: skip

"""API views on a trip's set-up: create and change a trip, its daily slots, delegation, delegates,
hosts and pairs (must meet, must not meet).

Each write calls the operation the web's trip page calls (``app.operations.trip_setup``), as the
token's account: the same checks, the same audit events, the same refusals in English (404 for a
trip, organisation, delegate, host or pair the trip does not have, 409 for a change the trip's rules
refuse, nothing changed). Coordinators and administrators only, as the trip pages.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import jsonify, url_for

from app.admin.forms import EMAIL_PATTERN
from app.api.payloads import Field, as_account, checked, json_body, page_args, page_of
from app.api.trips import coordinators_only, trip_json
from app.db import get_db
from app.operations import trip_setup as setup
from app.trips import queries
from app.trips.access import get_trip_or_404
from models.trips.rules import hosts_outside
from models.trips.shapes import Host
from models.vocabulary import CONSTRAINT_KINDS, TRIP_DIRECTIONS

NON_BLANK = r"[^\s\x1c-\x1f\x85]"  # at least one character str.strip() keeps
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# an address, or nothing, with spaces around it (the operation strips them)
EMAIL = rf"^\s*(?:{EMAIL_PATTERN[1:-1]})?\s*$"
CITY_LENGTH, MAX_CITIES = 80, 20
TRIP_FIELDS = {
    "name": Field(str, max_length=setup.NAME_MAX, pattern=NON_BLANK),
    "direction": Field(str, choices=TRIP_DIRECTIONS),
    "cities": Field(list, items=str, max_length=MAX_CITIES, item_length=CITY_LENGTH, item_pattern=NON_BLANK),
    "start_date": Field(date),
    "end_date": Field(date),
    "notes": Field(str, required=False, max_length=setup.NOTES_MAX),
}
TRIP_PATCH = {
    **{name: replace(rule, required=False) for name, rule in TRIP_FIELDS.items()},
    "group_meetings": Field(bool, required=False),
}
SLOTS_BODY = {
    "times": Field(list, items=str, max_length=setup.MAX_SLOT_TIMES, item_pattern=setup.TIME.pattern,
                   unique=True),
    "minutes": Field(int, bounds=setup.SLOT_MINUTES),
    "weekdays_only": Field(bool, required=False),
}  # fmt: skip
ORG_BODY = {"org_id": Field(int)}
DELEGATE_BODY = {
    "org_id": Field(int),
    "name": Field(str, max_length=setup.NAME_MAX, pattern=NON_BLANK),
    "email": Field(str, required=False, max_length=setup.EMAIL_MAX, pattern=EMAIL),
}
HOST_BODY = {
    "city": Field(str, required=False, max_length=CITY_LENGTH),
    "capacity": Field(int, required=False, bounds=setup.CAPACITY),
    "days": Field(list, required=False, items=str, empty=True, max_length=queries.MAX_DAYS, item_pattern=DAY),
}
PAIR_BODY = {"kind": Field(str, choices=CONSTRAINT_KINDS)}


# --- the trip -------------------------------------------------------------------------------------


@coordinators_only
def create_trip():
    """Create a trip with the web's default daily slots: 201, the trip and its address."""
    trip_id = as_account(setup.create_trip, _trip_fields(checked(json_body(), TRIP_FIELDS)))
    response = jsonify(ok=True, trip=trip_json(queries.get_trip(get_db(), trip_id)))
    response.status_code = 201
    response.headers["Location"] = url_for("api.show_trip", trip_id=trip_id)
    return response


@coordinators_only
def update_trip(trip_id: int):
    """Change some of a trip's details, and whether planning may make group meetings."""
    trip = get_trip_or_404(trip_id)
    body = checked(json_body(), TRIP_PATCH, not_empty=True)
    enabled = body.pop("group_meetings", None)
    if body:
        current = {key: trip[key] for key in TRIP_FIELDS} | {
            key: date.fromisoformat(trip[key]) for key in ("start_date", "end_date")
        }
        as_account(setup.update_trip, trip_id, _trip_fields(current | body, status=trip["status"]))
    if enabled is not None:
        as_account(setup.set_group_meetings, trip_id, enabled)
    return jsonify(ok=True, trip=trip_json(queries.get_trip(get_db(), trip_id)))


def _trip_fields(body: dict, status: str = "planned") -> dict:
    """A trip's fields as the operation takes them."""
    return {**body, "notes": body.get("notes", ""), "status": status}


# --- slots ----------------------------------------------------------------------------------------


def slot_json(trip: dict, row: dict) -> dict:
    """A slot: its day, start and end in the destination's time zone."""
    zone = queries.time_zone(trip)
    return {"id": row["id"], "day": row["day"], "start": row["start"], "end": row["end"], "time_zone": zone}


@coordinators_only
def list_slots(trip_id: int):
    """The trip's slots in time order, paged."""
    trip = get_trip_or_404(trip_id)
    rows = queries.list_slots(get_db(), trip_id)
    return _page([slot_json(trip, row) for row in rows])


@coordinators_only
def set_slots(trip_id: int):
    """Replace the daily slots by a template, as the web's slots form: slots that stay (same day and
    start) keep their id and their draft meetings; the answer counts the slots and the meetings gone."""
    get_trip_or_404(trip_id)
    body = checked(json_body(), SLOTS_BODY)
    times = [time.strip() for time in body["times"]]
    count, removed = as_account(setup.set_slots, trip_id, times, body["minutes"],
                          weekdays_only=body.get("weekdays_only", True))  # fmt: skip
    links = {"slots": url_for("api.list_slots", trip_id=trip_id)}
    return jsonify(ok=True, count=count, removed_meetings=removed, links=links)


# --- delegation and delegates ---------------------------------------------------------------------


def delegate_json(row: dict) -> dict:
    """A delegate with their organisation."""
    keys = ("id", "trip_id", "name", "email")
    return {key: row[key] for key in keys} | {
        "delegation": {"id": row["org_id"], "short_name": row["org_short_name"]}
    }


def delegation_json(org: dict, delegates: list[dict]) -> dict:
    """An organisation of the delegation with its delegates."""
    mine = [delegate_json(d) for d in delegates if d["org_id"] == org["id"]]
    return {key: org[key] for key in ("id", "short_name", "name", "city", "region")} | {"delegates": mine}


@coordinators_only
def list_delegation(trip_id: int):
    """The delegation's organisations, by short name, each with its delegates; paged."""
    get_trip_or_404(trip_id)
    db = get_db()
    delegates = queries.list_delegates(db, trip_id)
    return _page([delegation_json(org, delegates) for org in queries.list_delegation(db, trip_id)])


@coordinators_only
def show_delegation_org(trip_id: int, org_id: int):
    """One organisation of the delegation with its delegates."""
    get_trip_or_404(trip_id)
    return jsonify(ok=True, organisation=_delegation_org(trip_id, org_id))


@coordinators_only
def add_to_delegation(trip_id: int):
    """Add an open organisation of the delegation's side: 201 and its address."""
    get_trip_or_404(trip_id)
    org_id = checked(json_body(), ORG_BODY)["org_id"]
    as_account(setup.add_to_delegation, trip_id, org_id)
    location = url_for("api.show_delegation_org", trip_id=trip_id, org_id=org_id)
    return _created(location, organisation=_delegation_org(trip_id, org_id))


@coordinators_only
def remove_from_delegation(trip_id: int, org_id: int):
    """Remove an organisation with its delegates, pairs and draft meetings: 204."""
    get_trip_or_404(trip_id)
    as_account(setup.remove_from_delegation, trip_id, org_id)
    return "", 204


def _delegation_org(trip_id: int, org_id: int) -> dict:
    db = get_db()
    org = queries.get_delegation_org(db, trip_id, org_id)
    if org is None:
        raise setup.delegation_missing(org_id)
    return delegation_json(org, queries.list_delegates(db, trip_id))


@coordinators_only
def list_delegates(trip_id: int):
    """The delegates, by organisation then name; paged."""
    get_trip_or_404(trip_id)
    return _page([delegate_json(row) for row in queries.list_delegates(get_db(), trip_id)])


@coordinators_only
def show_delegate(trip_id: int, delegate_id: int):
    """One delegate."""
    get_trip_or_404(trip_id)
    return jsonify(ok=True, delegate=_delegate(trip_id, delegate_id))


@coordinators_only
def add_delegate(trip_id: int):
    """Add a delegate to an organisation of the delegation: 201 and their address."""
    get_trip_or_404(trip_id)
    body = checked(json_body(), DELEGATE_BODY)
    delegate_id = as_account(setup.add_delegate, trip_id, body["org_id"], body["name"], body.get("email", ""))
    location = url_for("api.show_delegate", trip_id=trip_id, delegate_id=delegate_id)
    return _created(location, delegate=_delegate(trip_id, delegate_id))


@coordinators_only
def remove_delegate(trip_id: int, delegate_id: int):
    """Remove a delegate with their draft meetings: 204."""
    get_trip_or_404(trip_id)
    as_account(setup.remove_delegate, trip_id, delegate_id)
    return "", 204


def _delegate(trip_id: int, delegate_id: int) -> dict:
    row = queries.get_delegate(get_db(), trip_id, delegate_id)
    if row is None:
        raise setup.delegate_missing(delegate_id)
    return delegate_json(row)


# --- hosts and pairs ------------------------------------------------------------------------------


def host_json(trip: dict, row: dict) -> dict:
    """A host: where it receives, how many meetings at once, on which days ([]: every day), and
    whether its city is outside the trip's cities (the trip page flags it)."""
    outside = bool(hosts_outside(trip["cities"], [Host(row["org_id"], row["city"])]))
    org = {key: row[key] for key in ("short_name", "name", "type")}
    return {"org_id": row["org_id"], **org, "city": row["city"], "capacity": row["capacity"],
            "days": row["days"], "outside_trip_cities": outside}  # fmt: skip


@coordinators_only
def list_hosts(trip_id: int):
    """The hosts, by short name; paged."""
    trip = get_trip_or_404(trip_id)
    return _page([host_json(trip, row) for row in queries.list_hosts(get_db(), trip_id)])


@coordinators_only
def show_host(trip_id: int, org_id: int):
    """One host."""
    trip = get_trip_or_404(trip_id)
    return jsonify(ok=True, host=_host(trip, org_id))


@coordinators_only
def save_host(trip_id: int, org_id: int):
    """Make an organisation of the visited side a host, or change its city ("" or left out: its own),
    capacity (1 by default) and receiving days ([] or left out: every day): 201 when new, else 200."""
    trip = get_trip_or_404(trip_id)
    body = checked(json_body(), HOST_BODY)
    new = as_account(setup.save_host, trip_id, org_id, body.get("city", "").strip(), body.get("capacity", 1),
               body.get("days", []))  # fmt: skip
    host = _host(trip, org_id)
    if new:
        return _created(url_for("api.show_host", trip_id=trip_id, org_id=org_id), host=host)
    return jsonify(ok=True, host=host)


@coordinators_only
def remove_host(trip_id: int, org_id: int):
    """Remove a host with its pairs and draft meetings: 204."""
    get_trip_or_404(trip_id)
    as_account(setup.remove_host, trip_id, org_id)
    return "", 204


def _host(trip: dict, org_id: int) -> dict:
    row = queries.get_host(get_db(), trip["id"], org_id)
    if row is None:
        raise setup.host_missing(org_id)
    return host_json(trip, row)


def pair_json(row: dict) -> dict:
    """A pair's rule: must meet or must not meet, with both organisations."""
    return {
        "kind": row["kind"],
        "delegation": {"id": row["delegation_org_id"], "short_name": row["org_short_name"]},
        "host": {"id": row["host_org_id"], "short_name": row["host_short_name"]},
    }


@coordinators_only
def list_pairs(trip_id: int):
    """The pairs that must meet or must not meet; paged."""
    get_trip_or_404(trip_id)
    return _page([pair_json(row) for row in queries.list_constraints(get_db(), trip_id)])


@coordinators_only
def show_pair(trip_id: int, org_id: int, host_org_id: int):
    """One pair's rule."""
    get_trip_or_404(trip_id)
    return jsonify(ok=True, pair=_pair(trip_id, org_id, host_org_id))


@coordinators_only
def save_pair(trip_id: int, org_id: int, host_org_id: int):
    """Make a (delegation organisation, host) pair must meet or must not meet: 201 when the pair had
    no rule, else 200. It applies the next time the trip is planned."""
    get_trip_or_404(trip_id)
    kind = checked(json_body(), PAIR_BODY)["kind"]
    new = as_account(setup.save_pair, trip_id, org_id, host_org_id, kind)
    pair = _pair(trip_id, org_id, host_org_id)
    if new:
        location = url_for("api.show_pair", trip_id=trip_id, org_id=org_id, host_org_id=host_org_id)
        return _created(location, pair=pair)
    return jsonify(ok=True, pair=pair)


@coordinators_only
def remove_pair(trip_id: int, org_id: int, host_org_id: int):
    """Drop a pair's rule: 204."""
    get_trip_or_404(trip_id)
    as_account(setup.remove_pair, trip_id, org_id, host_org_id)
    return "", 204


def _pair(trip_id: int, org_id: int, host_org_id: int) -> dict:
    row = queries.get_constraint(get_db(), trip_id, org_id, host_org_id)
    if row is None:
        raise setup.pair_missing(org_id, host_org_id)
    return pair_json(row)


# --- answers --------------------------------------------------------------------------------------


def _page(items: list):
    """One page of a whole list, as every list of the API."""
    page, per_page = page_args()
    return page_of(items[(page - 1) * per_page : page * per_page], len(items), page, per_page)


def _created(location: str, **body):
    response = jsonify(ok=True, **body)
    response.status_code = 201
    response.headers["Location"] = location
    return response

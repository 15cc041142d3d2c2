"""A trip's set-up in SQLite: the trip, its daily slots, delegation, delegates, hosts and pairs."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from app.orgs.queries import now
from models.cities import canonical_city
from models.trips.shapes import TIME_ZONES

DEFAULT_SLOT_TIMES = ("09:00", "10:15", "11:30", "14:00", "15:15", "16:30")
DEFAULT_SLOT_MINUTES = 60
MAX_DAYS = 31


def origin_region(trip: dict) -> str:
    """The region the delegation comes from."""
    return trip["direction"].split("->")[0]


def destination_region(trip: dict) -> str:
    """The region the delegation visits, where the hosts are."""
    return trip["direction"].split("->")[1]


def time_zone(trip: dict) -> str:
    """The IANA time zone of the trip's slots (the destination's)."""
    return TIME_ZONES[destination_region(trip)]


def trip_days(trip: dict) -> list[date]:
    """Every date from the trip's start to its end."""
    first, last = date.fromisoformat(trip["start_date"]), date.fromisoformat(trip["end_date"])
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _decode(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {**row, "cities": json.loads(row["cities"] or "[]")}


def list_trips(db: Database) -> list[dict]:
    """Every trip, latest first, with its counts of delegates, hosts, draft and published meetings."""
    rows = db.query(
        """
        SELECT t.*,
            (SELECT COUNT(*) FROM trip_delegates d WHERE d.trip_id = t.id) AS n_delegates,
            (SELECT COUNT(*) FROM trip_hosts h WHERE h.trip_id = t.id) AS n_hosts,
            (SELECT COUNT(*) FROM trip_meetings m WHERE m.trip_id = t.id) AS n_draft,
            (SELECT COUNT(*) FROM published_meetings p WHERE p.trip_id = t.id AND p.status = 'confirmed')
                AS n_published
        FROM trips t ORDER BY t.start_date DESC, t.id DESC
        """
    )
    return [_decode(row) for row in rows]


def get_trip(db: Database, trip_id: int) -> dict | None:
    """The trip with this id (cities as a list), or None."""
    return _decode(next(db.query("SELECT * FROM trips WHERE id = ?", [trip_id]), None))


def name_taken(db: Database, name: str, except_id: int | None = None) -> bool:
    """Whether another trip already has this name."""
    row = db.execute("SELECT id FROM trips WHERE name = ? AND id IS NOT ?", [name, except_id]).fetchone()
    return row is not None


def _trip_row(fields: dict) -> dict:
    return {
        "name": fields["name"].strip(),
        "direction": fields["direction"],
        "cities": json.dumps(list(dict.fromkeys(map(canonical_city, fields["cities"]))), ensure_ascii=False),
        "start_date": fields["start_date"].isoformat(),
        "end_date": fields["end_date"].isoformat(),
        "status": fields["status"],
        "notes": (fields.get("notes") or "").strip(),
    }


def create_trip(db: Database, fields: dict) -> int:
    """Create a trip with the default daily slots on its weekdays; return its id."""
    stamp = now()
    with db.atomic():
        trip_id = (
            db.table("trips").insert({**_trip_row(fields), "created_at": stamp, "updated_at": stamp}).last_pk
        )
        set_slot_template(db, trip_id, DEFAULT_SLOT_TIMES, DEFAULT_SLOT_MINUTES, weekdays_only=True)
    return trip_id


def update_trip(db: Database, trip_id: int, fields: dict) -> None:
    """Change a trip's details; slots outside its new dates go (with their draft meetings)."""
    with db.atomic():
        db.table("trips").update(trip_id, {**_trip_row(fields), "updated_at": now()})
        db.execute(
            "DELETE FROM trip_slots WHERE trip_id = ? AND (day < ? OR day > ?)",
            [trip_id, fields["start_date"].isoformat(), fields["end_date"].isoformat()],
        )


def list_slots(db: Database, trip_id: int) -> list[dict]:
    """The trip's slots in time order."""
    return list(db.query("SELECT * FROM trip_slots WHERE trip_id = ? ORDER BY day, start", [trip_id]))


def set_slot_template(
    db: Database, trip_id: int, times: tuple[str, ...], minutes: int, *, weekdays_only: bool
) -> tuple[int, int]:
    """Make the slots every (week)day at ``times``, ``minutes`` long; return (slots, draft meetings removed).

    Slots that stay (same day and start) keep their id, so their draft meetings stay too.
    """
    trip = get_trip(db, trip_id)
    days = [day for day in trip_days(trip) if not (weekdays_only and day.weekday() >= 5)]
    wanted = {(day.isoformat(), start): _plus(start, minutes) for day in days for start in times}
    with db.atomic():
        before = db.execute("SELECT COUNT(*) FROM trip_meetings WHERE trip_id = ?", [trip_id]).fetchone()[0]
        for slot in list_slots(db, trip_id):
            key = (slot["day"], slot["start"])
            if key in wanted:
                db.execute("UPDATE trip_slots SET end = ? WHERE id = ?", [wanted.pop(key), slot["id"]])
            else:
                db.execute("DELETE FROM trip_slots WHERE id = ?", [slot["id"]])
        db.table("trip_slots").insert_all(
            [
                {"trip_id": trip_id, "day": day, "start": start, "end": end}
                for (day, start), end in wanted.items()
            ]
        )
        after = db.execute("SELECT COUNT(*) FROM trip_meetings WHERE trip_id = ?", [trip_id]).fetchone()[0]
        count = db.execute("SELECT COUNT(*) FROM trip_slots WHERE trip_id = ?", [trip_id]).fetchone()[0]
    return count, before - after


def _plus(start: str, minutes: int) -> str:
    return (datetime.strptime(start, "%H:%M") + timedelta(minutes=minutes)).strftime("%H:%M")


def _delegation(db: Database, trip_id: int, org_id: int | None = None) -> list[dict]:
    one = "" if org_id is None else "AND o.id = :org_id"
    rows = db.query(
        f"""
        SELECT o.id, o.short_name, o.name, o.city, o.region FROM trip_delegation t
        JOIN organisations o ON o.id = t.org_id WHERE t.trip_id = :trip_id {one}
        ORDER BY o.short_name COLLATE NOCASE
        """,
        {"trip_id": trip_id, "org_id": org_id},
    )
    return list(rows)


def list_delegation(db: Database, trip_id: int) -> list[dict]:
    """The delegation's organisations, by short name."""
    return _delegation(db, trip_id)


def get_delegation_org(db: Database, trip_id: int, org_id: int) -> dict | None:
    """One organisation of the delegation, as :func:`list_delegation` gives it, or None."""
    return next(iter(_delegation(db, trip_id, org_id)), None)


def add_delegation_org(db: Database, trip_id: int, org_id: int) -> None:
    """Add an organisation to the delegation (nothing happens if it is in already)."""
    with db.atomic():
        db.execute("INSERT OR IGNORE INTO trip_delegation (trip_id, org_id) VALUES (?, ?)", [trip_id, org_id])


def remove_delegation_org(db: Database, trip_id: int, org_id: int) -> bool:
    """Remove an organisation with its delegates, pairs and draft meetings; False if it was not in."""
    with db.atomic():
        cursor = db.execute("DELETE FROM trip_delegation WHERE trip_id = ? AND org_id = ?", [trip_id, org_id])
    return cursor.rowcount > 0


def _delegates(db: Database, trip_id: int, delegate_id: int | None = None) -> list[dict]:
    one = "" if delegate_id is None else "AND d.id = :delegate_id"
    rows = db.query(
        f"""
        SELECT d.*, o.short_name AS org_short_name
        FROM trip_delegates d JOIN organisations o ON o.id = d.org_id
        WHERE d.trip_id = :trip_id {one}
        ORDER BY o.short_name COLLATE NOCASE, d.name COLLATE NOCASE, d.id
        """,
        {"trip_id": trip_id, "delegate_id": delegate_id},
    )
    return list(rows)


def list_delegates(db: Database, trip_id: int) -> list[dict]:
    """The delegates with their organisation's short name, by organisation then name."""
    return _delegates(db, trip_id)


def get_delegate(db: Database, trip_id: int, delegate_id: int) -> dict | None:
    """One delegate of the trip, as :func:`list_delegates` gives them, or None."""
    return next(iter(_delegates(db, trip_id, delegate_id)), None)


def add_delegate(db: Database, trip_id: int, org_id: int, name: str, email: str = "") -> int:
    """Add a delegate of a delegation organisation; return the id."""
    with db.atomic():
        row = {"trip_id": trip_id, "org_id": org_id, "name": name.strip(), "email": email.strip()}
        return db.table("trip_delegates").insert(row).last_pk


def remove_delegate(db: Database, trip_id: int, delegate_id: int) -> bool:
    """Remove a delegate and their draft meetings; False if the trip has no such delegate."""
    with db.atomic():
        cursor = db.execute("DELETE FROM trip_delegates WHERE trip_id = ? AND id = ?", [trip_id, delegate_id])
    return cursor.rowcount > 0


def _hosts(db: Database, trip_id: int, org_id: int | None = None) -> list[dict]:
    one = "" if org_id is None else "AND h.org_id = :org_id"
    rows = db.query(
        f"""
        SELECT h.*, o.short_name, o.name, o.type, o.city AS org_city FROM trip_hosts h
        JOIN organisations o ON o.id = h.org_id WHERE h.trip_id = :trip_id {one}
        ORDER BY o.short_name COLLATE NOCASE
        """,
        {"trip_id": trip_id, "org_id": org_id},
    )
    return [{**row, "days": json.loads(row["days"] or "[]")} for row in rows]


def list_hosts(db: Database, trip_id: int) -> list[dict]:
    """The hosts with their organisation's names and receiving days (a list; empty: every day)."""
    return _hosts(db, trip_id)


def get_host(db: Database, trip_id: int, org_id: int) -> dict | None:
    """One host of the trip, as :func:`list_hosts` gives it, or None."""
    return next(iter(_hosts(db, trip_id, org_id)), None)


def save_host(db: Database, trip_id: int, org_id: int, city: str, capacity: int, days: list[str]) -> None:
    """Add a host or change its city, capacity and receiving days."""
    with db.atomic():
        db.execute(
            """
            INSERT INTO trip_hosts (trip_id, org_id, city, capacity, days) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (trip_id, org_id) DO UPDATE SET
                city = excluded.city, capacity = excluded.capacity, days = excluded.days
            """,
            [trip_id, org_id, canonical_city(city), capacity, json.dumps(sorted(days))],
        )


def remove_host(db: Database, trip_id: int, org_id: int) -> bool:
    """Remove a host with its pairs and draft meetings; False if it was not a host."""
    with db.atomic():
        cursor = db.execute("DELETE FROM trip_hosts WHERE trip_id = ? AND org_id = ?", [trip_id, org_id])
    return cursor.rowcount > 0


def _constraints(db: Database, trip_id: int, pair: tuple[int, int] | None = None) -> list[dict]:
    one = "" if pair is None else "AND c.delegation_org_id = :org_id AND c.host_org_id = :host_org_id"
    org_id, host_org_id = pair or (None, None)
    rows = db.query(
        f"""
        SELECT c.*, d.short_name AS org_short_name, h.short_name AS host_short_name FROM trip_constraints c
        JOIN organisations d ON d.id = c.delegation_org_id JOIN organisations h ON h.id = c.host_org_id
        WHERE c.trip_id = :trip_id {one}
        ORDER BY c.kind, d.short_name COLLATE NOCASE, h.short_name COLLATE NOCASE
        """,
        {"trip_id": trip_id, "org_id": org_id, "host_org_id": host_org_id},
    )
    return list(rows)


def list_constraints(db: Database, trip_id: int) -> list[dict]:
    """Must-meet and must-not-meet pairs with both short names."""
    return _constraints(db, trip_id)


def get_constraint(db: Database, trip_id: int, org_id: int, host_org_id: int) -> dict | None:
    """One pair's rule with both short names, as :func:`list_constraints` gives it, or None."""
    return next(iter(_constraints(db, trip_id, (org_id, host_org_id))), None)


def save_constraint(db: Database, trip_id: int, org_id: int, host_org_id: int, kind: str) -> None:
    """Make a pair must-meet or must-not-meet (a pair has one kind at a time)."""
    with db.atomic():
        db.execute(
            """
            INSERT INTO trip_constraints (trip_id, delegation_org_id, host_org_id, kind) VALUES (?, ?, ?, ?)
            ON CONFLICT (trip_id, delegation_org_id, host_org_id) DO UPDATE SET kind = excluded.kind
            """,
            [trip_id, org_id, host_org_id, kind],
        )


def remove_constraint(db: Database, trip_id: int, org_id: int, host_org_id: int) -> bool:
    """Drop a pair's constraint; False if it had none."""
    with db.atomic():
        cursor = db.execute(
            "DELETE FROM trip_constraints WHERE trip_id = ? AND delegation_org_id = ? AND host_org_id = ?",
            [trip_id, org_id, host_org_id],
        )
    return cursor.rowcount > 0


def region_orgs(db: Database, region: str) -> list[dict]:
    """Open organisations of one region, by short name (choices for delegation and hosts)."""
    rows = db.query(
        "SELECT id, short_name, city, type FROM organisations WHERE region = ? AND status != 'closed' "
        "ORDER BY short_name COLLATE NOCASE",
        [region],
    )
    return list(rows)

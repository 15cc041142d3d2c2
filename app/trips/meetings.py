"""Draft meetings that coordinators edit, and the published meetings members and calendars see.

Identity of a published meeting
-------------------------------
The planner meets each (delegation organisation, host) pair at most once per trip, so that pair is
what a meeting *is*: ``published_meetings`` holds one row per (trip, delegation organisation, host),
never deleted, whose ``uid`` (``<uuid4>@passerelle``, made at its first publication) is kept for ever.

Republishing (:func:`publish`) compares the draft with those rows:

- a draft meeting whose pair was never published gets a new row: a new ``uid``, ``sequence`` 0,
  status ``confirmed``;
- a pair already published keeps its ``uid``. If any published field changed — the delegate (id,
  name or email), the start or end (another slot, or the slot's times edited), the city, the time
  zone, the track or the reason — its ``sequence`` goes up by one and ``published_at`` is the time
  of this publication; if nothing changed, the row is left exactly as it was (same ``sequence``,
  same ``published_at``). A pair that was cancelled and is back is ``confirmed`` again with
  ``sequence`` + 1;
- a published pair no longer in the draft becomes ``cancelled`` with ``sequence`` + 1 (its
  ``uid`` stays, so a calendar export can send the cancellation of that very event).

A group meeting's other delegates (``trip_meeting_guests`` in the draft, a snapshot in
``published_meeting_guests``) are a published field too: a guest who joins or leaves bumps the
sequence. Each guest sees the meeting in their organisation's page and agenda (:func:`delegate_agenda`).

So a meeting moved to another slot, or given to a colleague of the same organisation, is the same
event updated; a meeting with another host is another event (the old one is cancelled). The
``score`` is refreshed with the row but is not a published field: re-planning alone never bumps a
sequence. ``trips.published_at`` is the time of the latest publication. Rows are self-contained
snapshots (names, local times, IANA time zone, city), so exports need no other table.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlite_utils import Database

from app.db import immediate
from app.notifications import hooks
from app.orgs.queries import now
from app.trips.queries import get_trip, time_zone
from models.trips.shapes import Meeting

COMPARED = (
    "guests",
    "delegate_id",
    "delegate_name",
    "delegate_email",
    "start",
    "end",
    "time_zone",
    "city",
    "track",
    "reason",
)
# A change of these asks the host again (a new delegate or guest does not).
ASKED_AGAIN = ("start", "end", "city", "time_zone")


@dataclass(frozen=True)
class PublishReport:
    """What a publication did (or would do): pairs added, changed, left unchanged, cancelled."""

    created: int = 0
    changed: int = 0
    unchanged: int = 0
    cancelled: int = 0

    @property
    def any_change(self) -> bool:
        """Whether publishing would change anything members or calendars see."""
        return bool(self.created or self.changed or self.cancelled)

    def counts(self, unchanged: bool = False) -> str:
        """ "1 new, 2 changed, 1 cancelled" in the reader's language, each count with its own plural."""
        from flask_babel import ngettext

        parts = [
            ngettext("%(num)d new", "%(num)d new", self.created),
            ngettext("%(num)d changed", "%(num)d changed", self.changed),
        ]
        if unchanged:
            parts.append(ngettext("%(num)d unchanged", "%(num)d unchanged", self.unchanged))
        parts.append(ngettext("%(num)d cancelled", "%(num)d cancelled", self.cancelled))
        return ", ".join(parts)


def draft_rows(db: Database, trip_id: int) -> list[dict]:
    """The draft meetings with names, slot times and the host's city, in time order."""
    rows = db.query(
        """
        SELECT m.*, d.name AS delegate_name, d.email AS delegate_email, s.day, s.start, s.end, h.city,
            o.short_name AS org_short_name, ho.short_name AS host_short_name
        FROM trip_meetings m
        JOIN trip_delegates d ON d.id = m.delegate_id
        JOIN trip_slots s ON s.id = m.slot_id
        JOIN trip_hosts h ON h.trip_id = m.trip_id AND h.org_id = m.host_org_id
        JOIN organisations o ON o.id = m.delegation_org_id
        JOIN organisations ho ON ho.id = m.host_org_id
        WHERE m.trip_id = ? ORDER BY s.day, s.start, o.short_name COLLATE NOCASE, d.name
        """,
        [trip_id],
    )
    rows = list(rows)
    guests: dict[int, list[dict]] = {}
    for row in db.query(
        """
        SELECT g.meeting_id, d.id AS delegate_id, d.name, d.email, d.org_id, o.short_name AS org_short_name
        FROM trip_meeting_guests g JOIN trip_delegates d ON d.id = g.delegate_id
        JOIN organisations o ON o.id = d.org_id JOIN trip_meetings m ON m.id = g.meeting_id
        WHERE m.trip_id = ? ORDER BY d.name COLLATE NOCASE, d.id
        """,
        [trip_id],
    ):
        guests.setdefault(row.pop("meeting_id"), []).append(row)
    return [{**row, "guests": guests.get(row["id"], [])} for row in rows]


def as_meeting(row: dict) -> Meeting:
    """A draft row as the planner's Meeting (slot and delegate by id)."""
    return Meeting(
        row["delegate_id"], row["delegation_org_id"], row["host_org_id"], row["slot_id"], row["track"],
        row["score"], row["reason"], tuple(g["delegate_id"] for g in row.get("guests", ())),
    )  # fmt: skip


def replace_draft(
    db: Database, trip_id: int, meetings: list[Meeting], approved: set[tuple[int, int]]
) -> None:
    """Replace the whole draft with the planner's meetings (inside the caller's transaction)."""
    stamp = now()
    db.execute("DELETE FROM trip_meetings WHERE trip_id = ?", [trip_id])
    for meeting in meetings:
        row = {**_meeting_row(trip_id, meeting, approved, "planner"), "created_at": stamp}
        row["updated_at"] = stamp
        set_guests(db, db.table("trip_meetings").insert(row).last_pk, meeting.guests)


def set_guests(db: Database, meeting_id: int, guests) -> None:
    """Make these delegates the other attendees of a draft meeting (inside the caller's transaction)."""
    db.execute("DELETE FROM trip_meeting_guests WHERE meeting_id = ?", [meeting_id])
    db.table("trip_meeting_guests").insert_all(
        [{"meeting_id": meeting_id, "delegate_id": delegate_id} for delegate_id in dict.fromkeys(guests)]
    )


def _meeting_row(trip_id: int, meeting: Meeting, approved: set[tuple[int, int]], origin: str) -> dict:
    pair = (meeting.delegation_org_id, meeting.host_org_id)
    return {
        "trip_id": trip_id,
        "delegate_id": meeting.delegate_id,
        "delegation_org_id": meeting.delegation_org_id,
        "host_org_id": meeting.host_org_id,
        "slot_id": meeting.slot_id,
        "track": meeting.track,
        "score": meeting.score,
        "approved": int(pair in approved),
        "reason": meeting.reason,
        "origin": origin,
    }


def add_meeting(db: Database, trip_id: int, meeting: Meeting, approved: bool) -> int:
    """Add one draft meeting by hand (inside the caller's transaction); return its id."""
    stamp = now()
    pairs = {(meeting.delegation_org_id, meeting.host_org_id)} if approved else set()
    row = {**_meeting_row(trip_id, meeting, pairs, "manual"), "created_at": stamp, "updated_at": stamp}
    return db.table("trip_meetings").insert(row).last_pk


def move_meeting(db: Database, meeting_id: int, slot_id: int, delegate_id: int) -> None:
    """Give a draft meeting another slot and/or delegate (inside the caller's transaction)."""
    db.execute(
        "UPDATE trip_meetings SET slot_id = ?, delegate_id = ?, updated_at = ? WHERE id = ?",
        [slot_id, delegate_id, now(), meeting_id],
    )


def remove_meeting(db: Database, meeting_id: int) -> None:
    """Remove a draft meeting (inside the caller's transaction)."""
    db.execute("DELETE FROM trip_meetings WHERE id = ?", [meeting_id])


def _snapshot(trip: dict, row: dict) -> dict:
    """The published fields of a draft row."""
    return {
        "delegate_id": row["delegate_id"],
        "delegate_name": row["delegate_name"],
        "delegate_email": row["delegate_email"],
        "start": f"{row['day']}T{row['start']}",
        "end": f"{row['day']}T{row['end']}",
        "time_zone": time_zone(trip),
        "city": row["city"],
        "track": row["track"],
        "reason": row["reason"],
        "guests": _guest_key(row.get("guests", ())),
    }


def _guest_key(guests) -> tuple:
    """A meeting's guests as compared on republication: (delegate id, name, email, organisation)."""
    return tuple(sorted((g["delegate_id"], g["name"], g["email"], g["org_id"]) for g in guests))


def _published_guests(db: Database, trip_id: int) -> dict[int, tuple]:
    """Published meeting id -> its guests' key, for a trip."""
    found: dict[int, list[dict]] = {}
    for row in db.query(
        """
        SELECT g.published_id, g.delegate_id, g.delegate_name AS name, g.delegate_email AS email, g.org_id
        FROM published_meeting_guests g JOIN published_meetings p ON p.id = g.published_id
        WHERE p.trip_id = ?
        """,
        [trip_id],
    ):
        found.setdefault(row.pop("published_id"), []).append(row)
    return {published_id: _guest_key(guests) for published_id, guests in found.items()}


def _write_guests(db: Database, published_id: int, guests: tuple) -> None:
    db.execute("DELETE FROM published_meeting_guests WHERE published_id = ?", [published_id])
    db.table("published_meeting_guests").insert_all(
        [
            {"published_id": published_id, "delegate_id": d, "delegate_name": name, "delegate_email": email,
             "org_id": org}
            for d, name, email, org in guests
        ]
    )  # fmt: skip


def _changes(db: Database, trip: dict) -> tuple[list, list, list, list]:
    """(new snapshots, (row, snapshot) changed or back, unchanged rows, rows to cancel) for a trip."""
    guests = _published_guests(db, trip["id"])
    published = {
        (row["delegation_org_id"], row["host_org_id"]): {**row, "guests": guests.get(row["id"], ())}
        for row in db.query("SELECT * FROM published_meetings WHERE trip_id = ?", [trip["id"]])
    }
    created, changed, unchanged = [], [], []
    for row in draft_rows(db, trip["id"]):
        pair = (row["delegation_org_id"], row["host_org_id"])
        snapshot = {**_snapshot(trip, row), "score": row["score"]}
        current = published.pop(pair, None)
        if current is None:
            created.append((pair, snapshot))
        elif current["status"] == "cancelled" or any(current[key] != snapshot[key] for key in COMPARED):
            changed.append((current, snapshot))
        else:
            unchanged.append(current)
    cancelled = [row for row in published.values() if row["status"] == "confirmed"]
    return created, changed, unchanged, cancelled


def preview(db: Database, trip_id: int) -> PublishReport:
    """What :func:`publish` would do now, without writing."""
    created, changed, unchanged, cancelled = _changes(db, get_trip(db, trip_id))
    return PublishReport(len(created), len(changed), len(unchanged), len(cancelled))


def publish(db: Database, trip_id: int) -> PublishReport:
    """Copy the draft to the published meetings, keeping uids and bumping sequences as documented above."""
    with immediate(db):
        trip = get_trip(db, trip_id)
        created, changed, unchanged, cancelled = _changes(db, trip)
        stamp = now()
        for (org_id, host_id), snapshot in created:
            guests = snapshot.pop("guests")
            published_id = (
                db.table("published_meetings")
                .insert(
                    {
                        **snapshot,
                        "trip_id": trip_id,
                        "uid": f"{uuid.uuid4()}@passerelle",
                        "sequence": 0,
                        "status": "confirmed",
                        "delegation_org_id": org_id,
                        "host_org_id": host_id,
                        "published_at": stamp,
                        "created_at": stamp,
                    }
                )
                .last_pk
            )
            _write_guests(db, published_id, guests)
        for current, snapshot in changed:
            snapshot = dict(snapshot)
            _record_former(db, current, snapshot, stamp)
            _write_guests(db, current["id"], snapshot.pop("guests"))
            update = {
                **snapshot,
                "status": "confirmed",
                "sequence": current["sequence"] + 1,
                "published_at": stamp,
            }
            if current["status"] == "cancelled" or any(current[k] != snapshot[k] for k in ASKED_AGAIN):
                update.update(
                    host_answer="requested", host_note="", host_answered_at=None, host_answered_by=None
                )
            db.table("published_meetings").update(current["id"], update)
        for current in cancelled:
            update = {"status": "cancelled", "sequence": current["sequence"] + 1, "published_at": stamp}
            db.table("published_meetings").update(current["id"], update)
        db.execute("UPDATE trips SET published_at = ? WHERE id = ?", [stamp, trip_id])
        hooks.meetings_published(db, trip_id, stamp)
    return PublishReport(len(created), len(changed), len(unchanged), len(cancelled))


def attendee_key(name: str, email: str) -> str:
    """Who a calendar is for, as :attr:`models.exports.ExportMeeting.delegate_key` says it."""
    return (email or "").strip().lower() or (name or "").strip()


def _attendees(row: dict) -> dict[str, tuple]:
    """A published row's or snapshot's delegates (lead and guests): key -> (delegate id, name, email)."""
    people = [(row["delegate_id"], row["delegate_name"], row["delegate_email"])]
    people += [(d, name, email) for d, name, email, _org in row["guests"]]
    return {attendee_key(name, email): (d, name, email) for d, name, email in people}


def _record_former(db: Database, current: dict, snapshot: dict, stamp: str) -> None:
    """Remember the delegates this change takes the meeting from; forget those it gives it back to."""
    before, after = _attendees(current), _attendees(snapshot)
    for key, (delegate_id, name, email) in before.items():
        if key not in after:
            db.table("published_meeting_former").insert(
                {"published_id": current["id"], "delegate_id": delegate_id, "delegate_name": name,
                 "delegate_email": email, "left_at": stamp}
            )  # fmt: skip
    for row in list(
        db.query("SELECT rowid, * FROM published_meeting_former WHERE published_id = ?", [current["id"]])
    ):
        if attendee_key(row["delegate_name"], row["delegate_email"]) in after:
            db.execute("DELETE FROM published_meeting_former WHERE rowid = ?", [row["rowid"]])


def former_delegates(db: Database, published_ids: list[int]) -> dict[int, list[dict]]:
    """Published meeting id -> the delegates it was taken from (name, email, delegate id)."""
    found: dict[int, list[dict]] = {}
    if published_ids:
        marks = ", ".join("?" for _ in published_ids)
        for row in db.query(
            f"SELECT * FROM published_meeting_former WHERE published_id IN ({marks}) ORDER BY left_at",
            published_ids,
        ):
            found.setdefault(row["published_id"], []).append(row)
    return found


def published_rows(db: Database, trip_id: int, *, include_cancelled: bool = False) -> list[dict]:
    """A trip's published meetings with both short names, in time order (the exports read these)."""
    status = "" if include_cancelled else "AND p.status = 'confirmed'"
    rows = db.query(
        f"""
        SELECT p.*, o.short_name AS org_short_name, h.short_name AS host_short_name
        FROM published_meetings p
        JOIN organisations o ON o.id = p.delegation_org_id JOIN organisations h ON h.id = p.host_org_id
        WHERE p.trip_id = ? {status} ORDER BY p.start, o.short_name COLLATE NOCASE, p.delegate_name
        """,
        [trip_id],
    )
    return with_guests(db, list(rows))


def with_guests(db: Database, rows: list[dict]) -> list[dict]:
    """Published rows with ``guests``: the other delegates at each meeting (name, organisation)."""
    ids = [row["id"] for row in rows]
    found: dict[int, list[dict]] = {}
    if ids:
        marks = ", ".join("?" for _ in ids)
        for guest in db.query(
            f"""
            SELECT g.published_id, g.delegate_id, g.delegate_name, g.delegate_email, g.org_id,
                o.short_name AS org_short_name
            FROM published_meeting_guests g JOIN organisations o ON o.id = g.org_id
            WHERE g.published_id IN ({marks}) ORDER BY g.delegate_name COLLATE NOCASE
            """,
            ids,
        ):
            found.setdefault(guest.pop("published_id"), []).append(guest)
    return [{**row, "guests": found.get(row["id"], [])} for row in rows]


def delegate_agenda(db: Database, delegate_id: int) -> list[dict]:
    """A delegate's confirmed published meetings, as the lead or as a guest of a group meeting, by time."""
    rows = db.query(
        """
        SELECT p.*, o.short_name AS org_short_name, h.short_name AS host_short_name, h.name AS host_name
        FROM published_meetings p
        JOIN organisations o ON o.id = p.delegation_org_id JOIN organisations h ON h.id = p.host_org_id
        WHERE p.status = 'confirmed' AND (p.delegate_id = :d
            OR p.id IN (SELECT published_id FROM published_meeting_guests WHERE delegate_id = :d))
        ORDER BY p.start
        """,
        {"d": delegate_id},
    )
    return with_guests(db, list(rows))


def published_for_org(db: Database, org_id: int) -> list[dict]:
    """Confirmed published meetings an organisation takes part in (visiting or hosting), by trip and time."""
    rows = db.query(
        """
        SELECT p.*, t.name AS trip_name, t.direction, o.short_name AS org_short_name,
            h.short_name AS host_short_name, h.name AS host_name, o.name AS org_name
        FROM published_meetings p JOIN trips t ON t.id = p.trip_id
        JOIN organisations o ON o.id = p.delegation_org_id JOIN organisations h ON h.id = p.host_org_id
        WHERE p.status = 'confirmed' AND (p.delegation_org_id = :org OR p.host_org_id = :org
            OR p.id IN (SELECT published_id FROM published_meeting_guests WHERE org_id = :org))
        ORDER BY t.start_date, t.id, p.start, p.delegate_name
        """,
        {"org": org_id},
    )
    return with_guests(db, list(rows))

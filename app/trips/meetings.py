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
from models.trips import Meeting

COMPARED = (
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
    return list(rows)


def as_meeting(row: dict) -> Meeting:
    """A draft row as the planner's Meeting (slot and delegate by id)."""
    return Meeting(
        row["delegate_id"], row["delegation_org_id"], row["host_org_id"], row["slot_id"], row["track"],
        row["score"], row["reason"],
    )  # fmt: skip


def replace_draft(
    db: Database, trip_id: int, meetings: list[Meeting], approved: set[tuple[int, int]]
) -> None:
    """Replace the whole draft with the planner's meetings (inside the caller's transaction)."""
    stamp = now()
    db.execute("DELETE FROM trip_meetings WHERE trip_id = ?", [trip_id])
    db.table("trip_meetings").insert_all(
        [
            {**_meeting_row(trip_id, meeting, approved, "planner"), "created_at": stamp, "updated_at": stamp}
            for meeting in meetings
        ]
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
    }


def _changes(db: Database, trip: dict) -> tuple[list, list, list, list]:
    """(new snapshots, (row, snapshot) changed or back, unchanged rows, rows to cancel) for a trip."""
    published = {
        (row["delegation_org_id"], row["host_org_id"]): row
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
            db.table("published_meetings").insert(
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
        for current, snapshot in changed:
            update = {
                **snapshot,
                "status": "confirmed",
                "sequence": current["sequence"] + 1,
                "published_at": stamp,
            }
            db.table("published_meetings").update(current["id"], update)
        for current in cancelled:
            update = {"status": "cancelled", "sequence": current["sequence"] + 1, "published_at": stamp}
            db.table("published_meetings").update(current["id"], update)
        db.execute("UPDATE trips SET published_at = ? WHERE id = ?", [stamp, trip_id])
        hooks.meetings_published(db, trip_id, stamp)
    return PublishReport(len(created), len(changed), len(unchanged), len(cancelled))


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
    return list(rows)


def published_for_org(db: Database, org_id: int) -> list[dict]:
    """Confirmed published meetings an organisation takes part in (visiting or hosting), by trip and time."""
    rows = db.query(
        """
        SELECT p.*, t.name AS trip_name, t.direction, o.short_name AS org_short_name,
            h.short_name AS host_short_name, h.name AS host_name, o.name AS org_name
        FROM published_meetings p JOIN trips t ON t.id = p.trip_id
        JOIN organisations o ON o.id = p.delegation_org_id JOIN organisations h ON h.id = p.host_org_id
        WHERE p.status = 'confirmed' AND (p.delegation_org_id = ? OR p.host_org_id = ?)
        ORDER BY t.start_date, t.id, p.start, p.delegate_name
        """,
        [org_id, org_id],
    )
    return list(rows)

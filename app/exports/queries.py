"""Build the export shapes (models.exports) from the database: published trip plans, approved pairings."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from app import matching
from app.orgs.queries import decode, translations_by_org
from app.people.queries import can_see_contacts, contacts_of
from app.trips.meetings import attendee_key, former_delegates, published_rows
from app.trips.queries import get_trip
from models.errors import NotFound
from models.exports import ExportMeeting, ExportOrg, ExportPairing, ExportTrip
from models.exports.types import ExportContact
from models.profiles import TEXT_FIELDS

ORG_COLUMNS = (
    "id",
    "short_name",
    "name",
    "region",
    "city",
    "type",
    "website",
    "expertise",
    "offers",
    "seeks",
    "address",
    "access_notes",
)


def export_org(row: dict, translations: dict | None = None) -> ExportOrg:
    """An organisation row (and its second-language versions) as the exports show it."""
    versions = {
        lang: {field: texts[field] for field in TEXT_FIELDS} for lang, texts in (translations or {}).items()
    }
    return ExportOrg(
        **{column: row[column] or "" if column != "id" else row[column] for column in ORG_COLUMNS},
        text_language=row.get("text_language") or "",
        translations=versions,
    )


def _orgs(db: Database, ids: set[int]) -> dict[int, ExportOrg]:
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = db.query(f"SELECT * FROM organisations WHERE id IN ({marks})", sorted(ids))
    versions = translations_by_org(db, ids)
    return {row["id"]: export_org(decode(row), versions.get(row["id"])) for row in rows}


def _evidence(db: Database, row: dict):
    """The engine's evidence for the pair, seen from the delegation; None while a profile is not embedded."""
    try:
        return matching.explain(db, row["delegation_org_id"], row["host_org_id"], row["track"]).evidence
    except NotFound:
        return None


def export_trip(db: Database, trip_id: int, *, with_evidence: bool = True, viewer=None) -> ExportTrip:
    """A trip's published meetings (cancelled ones included, for calendars) as an ExportTrip.

    ``viewer`` is who reads the export: the host's contact persons appear only where
    :func:`~app.people.queries.can_see_contacts` lets them see them (None: a coordinator's command).
    """
    trip = get_trip(db, trip_id)
    if trip is None:
        raise NotFound(f"there is no trip {trip_id}", code="trip_not_found", trip_id=trip_id)
    rows = published_rows(db, trip_id, include_cancelled=True)
    orgs = _orgs(db, {r["delegation_org_id"] for r in rows} | {r["host_org_id"] for r in rows})
    former = former_delegates(db, [row["id"] for row in rows])
    hidden = {
        host for host in {r["host_org_id"] for r in rows} if viewer and not can_see_contacts(db, viewer, host)
    }
    meetings = tuple(
        _meeting(db, trip, {**row, "former": former.get(row["id"], [])}, orgs, with_evidence, hidden)
        for row in rows
    )
    published = trip.get("published_at")
    return ExportTrip(
        id=trip["id"],
        name=trip["name"],
        direction=trip["direction"],
        destination=", ".join(trip.get("cities") or []),
        start=date.fromisoformat(trip["start_date"]),
        end=date.fromisoformat(trip["end_date"]),
        meetings=meetings,
        published_at=datetime.fromisoformat(published) if published else None,
    )


def _host_contact(people: list[dict], track: str) -> ExportContact | None:
    """The host's contact for the meeting: the first who handles its kind of collaboration, else the first."""
    person = next((c for c in people if track in (c.get("tracks") or ())), people[0] if people else None)
    if person is None:
        return None
    return ExportContact(
        person["name"], person.get("role") or "", person["email"] or "", person.get("phone") or ""
    )


def _meeting(
    db: Database, trip: dict, row: dict, orgs: dict, with_evidence: bool, hidden: set[int]
) -> ExportMeeting:
    zone = ZoneInfo(row["time_zone"])
    host = orgs[row["host_org_id"]]
    # The host's contact persons: the delegation meets them (app.people.queries.can_see_contacts
    # counts a published meeting as a link); ``hidden`` names hosts whose contacts the reader may not see.
    found = [] if row["host_org_id"] in hidden else contacts_of(db, row["host_org_id"])
    people = [
        " ".join(
            part
            for part in (c["name"], f"<{c['email']}>" if c["email"] else "", c.get("phone") or "")
            if part
        )
        for c in found
    ]
    contacts = tuple(
        item
        for item in (
            f"{row['delegate_name']} <{row['delegate_email']}>" if row["delegate_email"] else "",
            *people,
            host.website,
        )
        if item
    )
    return ExportMeeting(
        uid=row["uid"],
        sequence=row["sequence"],
        trip_name=trip["name"],
        start=datetime.fromisoformat(row["start"]).replace(tzinfo=zone),
        end=datetime.fromisoformat(row["end"]).replace(tzinfo=zone),
        tz=row["time_zone"],
        city=row["city"],
        delegate_name=row["delegate_name"],
        delegate_email=row["delegate_email"],
        delegation=orgs[row["delegation_org_id"]],
        host=host,
        track=row["track"],
        score=row["score"],
        reason=row["reason"],
        evidence=_evidence(db, row) if with_evidence and row["status"] == "confirmed" else None,
        contacts=contacts,
        cancelled=row["status"] == "cancelled",
        host_answer=row["host_answer"],
        guest_keys=tuple(attendee_key(g["delegate_name"], g["delegate_email"]) for g in row["guests"]),
        former_keys=tuple(attendee_key(f["delegate_name"], f["delegate_email"]) for f in row["former"]),
        host_contact=_host_contact(found, row["track"]),
    )


def approved_pairings(db: Database) -> list[ExportPairing]:
    """Every approved pairing with its latest decision (who, when, why), for programme reporting."""
    rows = list(
        db.query(
            """
            SELECT p.*, COALESCE(d.comment, p.note) AS comment, d.created_at AS decided_at,
                   u.email AS decided_by
            FROM pairings p
            LEFT JOIN pairing_decisions d ON d.id = (
                SELECT id FROM pairing_decisions WHERE pairing_id = p.id AND decision = 'approve'
                ORDER BY created_at DESC, id DESC LIMIT 1)
            LEFT JOIN users u ON u.id = d.user_id
            WHERE p.status = 'approved'
            ORDER BY p.track, p.id
            """
        )
    )
    orgs = _orgs(db, {r["bfc_org_id"] for r in rows} | {r["qc_org_id"] for r in rows})
    return [
        ExportPairing(
            bfc=orgs[row["bfc_org_id"]],
            qc=orgs[row["qc_org_id"]],
            track=row["track"],
            status=row["status"],
            score=row["score"],
            decided_by=row["decided_by"] or "",
            decided_at=datetime.fromisoformat(row["decided_at"]) if row["decided_at"] else None,
            comment=row["comment"] or "",
            origin=row["origin"],
        )
        for row in rows
    ]

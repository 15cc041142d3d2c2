"""People: the contact persons of each organisation, who may see them, consent and personal data.

The privacy rule lives in :func:`can_see_contacts`, and only there: every page, API answer and export
that shows an organisation's contacts asks it first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlite_utils import Database

from app.db import immediate
from app.notifications import queries as notifications
from app.operations import record_event_by
from app.orgs.queries import now
from models.vocabulary import STAFF_ROLES, WANTING

CONTACT_FIELDS = ("name", "role", "email", "phone", "languages", "tracks")
LIST_COLUMNS = ("languages", "tracks")


class PersonalDataError(Exception):
    """A person's data cannot be deleted as asked; the message says why."""


def can_see_contacts(db: Database, viewer, org_id: int) -> bool:
    """May ``viewer`` (a signed-in user) see the names and details of ``org_id``'s contact persons?

    Coordinators and administrators always; members of the organisation always; a member of another
    organisation only once the two are linked: mutual interest on a track, an accepted request (either
    way), a pairing between them approved by the coordinators, or a live published meeting of a
    delegation trip between them (the delegation, a guest's organisation and the host meet in person).
    """
    if viewer.role in STAFF_ROLES or org_id in viewer.org_ids:
        return True
    mine = list(viewer.org_ids)
    if not mine:
        return False
    marks = ", ".join("?" for _ in mine)
    wanting = ", ".join("?" for _ in WANTING)
    row = db.execute(
        f"""
        SELECT 1 FROM interests a JOIN interests b
            ON b.org_id = a.partner_org_id AND b.partner_org_id = a.org_id AND b.track = a.track
        WHERE a.org_id IN ({marks}) AND a.partner_org_id = ? AND a.kind IN ({wanting})
            AND b.kind IN ({wanting})
        UNION ALL
        SELECT 1 FROM requests WHERE status = 'accepted'
            AND ((from_org_id IN ({marks}) AND to_org_id = ?) OR (to_org_id IN ({marks}) AND from_org_id = ?))
        UNION ALL
        SELECT 1 FROM pairings WHERE status = 'approved'
            AND ((bfc_org_id IN ({marks}) AND qc_org_id = ?) OR (qc_org_id IN ({marks}) AND bfc_org_id = ?))
        UNION ALL
        SELECT 1 FROM published_meetings p WHERE p.status = 'confirmed'
            AND ((p.host_org_id = ? AND (p.delegation_org_id IN ({marks}) OR p.id IN (
                    SELECT published_id FROM published_meeting_guests WHERE org_id IN ({marks}))))
                OR (p.host_org_id IN ({marks}) AND (p.delegation_org_id = ? OR p.id IN (
                    SELECT published_id FROM published_meeting_guests WHERE org_id = ?))))
        LIMIT 1
        """,
        [
            *mine,
            org_id,
            *WANTING,
            *WANTING,
            *[*mine, org_id] * 4,
            org_id,
            *mine,
            *mine,
            *mine,
            org_id,
            org_id,
        ],
    ).fetchone()
    return row is not None


def _decode(row: Mapping) -> dict:
    record = dict(row)
    for column in LIST_COLUMNS:
        record[column] = json.loads(record[column] or "[]")
    return record


def contacts_of(db: Database, org_id: int) -> list[dict]:
    """The organisation's contact persons, by name."""
    rows = db.query("SELECT * FROM contacts WHERE org_id = ? ORDER BY name COLLATE NOCASE, id", [org_id])
    return [_decode(row) for row in rows]


def visible_contacts(db: Database, viewer, org_id: int) -> list[dict] | None:
    """The contacts ``viewer`` may see, or None when the privacy rule hides them."""
    return contacts_of(db, org_id) if can_see_contacts(db, viewer, org_id) else None


def contacts_json(contacts: list[dict] | None) -> list[dict] | None:
    """Contacts as the API answers them (None stays None: hidden by the privacy rule)."""
    return None if contacts is None else [contact_json(contact) for contact in contacts]


def contact_json(contact: Mapping) -> dict:
    """One contact person as the API answers it."""
    return {key: contact[key] for key in ("id", "org_id", *CONTACT_FIELDS)}


def get_contact(db: Database, contact_id: int) -> dict | None:
    """One contact entry, or None."""
    row = next(db.query("SELECT * FROM contacts WHERE id = ?", [contact_id]), None)
    return _decode(row) if row else None


def _row(record: Mapping) -> dict:
    row = {field: record.get(field) or "" for field in CONTACT_FIELDS}
    row["email"] = row["email"].strip().lower()
    for column in LIST_COLUMNS:
        row[column] = json.dumps(list(record.get(column) or []))
    return row


def _account_of(db: Database, email: str) -> int | None:
    row = db.execute("SELECT id FROM users WHERE email = ? COLLATE NOCASE", [email.strip()]).fetchone()
    return row[0] if row else None


def save_contact(
    db: Database, org_id: int, record: Mapping, contact_id: int | None = None, *, actor_id: int | None = None
) -> int:
    """Add (or, with ``contact_id``, replace) a contact entry; an account with its email owns it.

    The audit event names the contact by id only: the log never holds a person's details."""
    stamp = now()
    row = _row(record) | {"user_id": _account_of(db, record["email"]), "updated_at": stamp}
    with immediate(db):
        if contact_id is None:
            contact_id = db.table("contacts").insert({**row, "org_id": org_id, "created_at": stamp}).last_pk
            name = "contact.added"
        else:
            db.table("contacts").update(contact_id, row)
            name = "contact.changed"
        record_event_by(db, actor_id, name, f"organisation:{org_id}", contact_id=contact_id)
        return contact_id


def delete_contact(db: Database, contact_id: int, *, actor_id: int | None = None) -> None:
    """Remove one contact entry."""
    with immediate(db):
        row = db.execute("SELECT org_id FROM contacts WHERE id = ?", [contact_id]).fetchone()
        db.execute("DELETE FROM contacts WHERE id = ?", [contact_id])
        if row:
            record_event_by(db, actor_id, "contact.removed", f"organisation:{row[0]}", contact_id=contact_id)


def consent_due(db: Database, user_id: int) -> bool:
    """True until the person has accepted the privacy notice."""
    row = db.execute("SELECT consent_at FROM users WHERE id = ?", [user_id]).fetchone()
    return row is not None and not row[0]


def record_consent(db: Database, user_id: int, name: str | None = None) -> str:
    """Record the person's consent, now (and their name, when given); return the date recorded."""
    stamp = now()
    with immediate(db):
        db.execute("UPDATE users SET consent_at = COALESCE(consent_at, ?) WHERE id = ?", [stamp, user_id])
        if name is not None:
            db.execute("UPDATE users SET name = ? WHERE id = ?", [name.strip(), user_id])
    return stamp


def _mine(user: Mapping) -> tuple[str, list]:
    """The WHERE clause of the contact entries that belong to this person."""
    return "user_id = ? OR email = ? COLLATE NOCASE", [user["id"], user["email"]]


def personal_data(db: Database, user_id: int) -> dict:
    """Everything Passerelle holds about one person, as the JSON they can download."""
    user = dict(next(db.query("SELECT * FROM users WHERE id = ?", [user_id])))
    where, params = _mine(user)
    contacts = [_decode(row) for row in db.query(f"SELECT * FROM contacts WHERE {where}", params)]
    orgs = db.query(
        "SELECT o.id, o.short_name, o.name FROM memberships m JOIN organisations o ON o.id = m.org_id "
        "WHERE m.user_id = ? ORDER BY o.short_name",
        [user_id],
    )
    account = {key: user[key] for key in ("id", "email", "name", "role", "created_at", "consent_at")}
    return {
        "account": account | {"active": bool(user["active"]), "organisations": list(orgs)},
        "contact_entries": [
            {key: c[key] for key in ("org_id", *CONTACT_FIELDS, "created_at", "updated_at")} for c in contacts
        ],
        "requests_sent": _rows(
            db,
            "SELECT id, from_org_id, to_org_id, track, format, message, status, created_at FROM requests "
            "WHERE created_by = ?",
            user_id,
        ),
        "request_answers": _rows(
            db, "SELECT id, status, answer, answered_at FROM requests WHERE answered_by = ?", user_id
        ),
        "stances": _rows(
            db,
            "SELECT org_id, partner_org_id, track, kind, reason, updated_at FROM interests WHERE user_id = ?",
            user_id,
        ),
        "pairing_decisions": _rows(
            db,
            "SELECT pairing_id, decision, comment, created_at FROM pairing_decisions WHERE user_id = ?",
            user_id,
        ),
        "api_tokens": _rows(
            db,
            "SELECT name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = ?",
            user_id,
        ),
        "sessions": _rows(db, "SELECT created_at, user_agent FROM user_sessions WHERE user_id = ?", user_id),
        **notifications.personal_data(db, user_id),
    }


def _rows(db: Database, sql: str, user_id: int) -> list[dict]:
    return [dict(row) for row in db.query(sql, [user_id])]


def delete_personal_data(db: Database, user_id: int) -> None:
    """Delete the person's account and contact entries, and erase what they wrote.

    Requests, stances and decisions belong to organisations and stay, without their author and
    without the text the person wrote. The last active administrator cannot delete their account.
    """
    with immediate(db):
        user = next(db.query("SELECT * FROM users WHERE id = ?", [user_id]), None)
        if user is None:
            return
        admins = db.execute("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[0]
        if user["role"] == "admin" and user["active"] and admins <= 1:
            raise PersonalDataError("the last administrator cannot delete their account")
        where, params = _mine(user)
        db.execute(f"DELETE FROM contacts WHERE {where}", params)
        db.execute("UPDATE requests SET message = '', created_by = NULL WHERE created_by = ?", [user_id])
        db.execute("UPDATE requests SET answer = '', answered_by = NULL WHERE answered_by = ?", [user_id])
        db.execute("UPDATE interests SET reason = '', user_id = NULL WHERE user_id = ?", [user_id])
        db.execute("UPDATE pairing_decisions SET comment = '', user_id = NULL WHERE user_id = ?", [user_id])
        db.execute("UPDATE proposal_runs SET user_id = NULL WHERE user_id = ?", [user_id])
        notifications.forget_person(db, user)
        db.execute("DELETE FROM users WHERE id = ?", [user_id])

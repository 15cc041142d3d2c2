"""An organisation's stances on its suggested partners, as the pages read them.

Stances are set by ``app.operations.stances.set_stance``.
"""

from __future__ import annotations

from sqlite_utils import Database

from app.people.queries import contacts_of
from models.completeness import Completeness, completeness


def stances(db: Database, org_id: int) -> dict[tuple[int, str], dict]:
    """(partner id, track) -> this organisation's stance row, with who set it (user_name, user_email)."""
    rows = db.query(
        "SELECT i.*, u.name AS user_name, u.email AS user_email FROM interests i "
        "LEFT JOIN users u ON u.id = i.user_id WHERE i.org_id = ?",
        [org_id],
    )
    return {(row["partner_org_id"], row["track"]): row for row in rows}


def stances_towards(db: Database, org_id: int) -> dict[tuple[int, str], str]:
    """(partner id, track) -> the partner's stance on this organisation."""
    rows = db.execute("SELECT org_id, track, kind FROM interests WHERE partner_org_id = ?", [org_id])
    return {(partner, track): kind for partner, track, kind in rows}


def pairing_statuses(db: Database, org_id: int) -> dict[tuple[int, str], dict]:
    """(partner id, track) -> the pairing row the organisation is part of."""
    rows = db.query("SELECT * FROM pairings WHERE bfc_org_id = ? OR qc_org_id = ?", [org_id, org_id])
    return {
        (row["qc_org_id"] if row["bfc_org_id"] == org_id else row["bfc_org_id"], row["track"]): row
        for row in rows
    }


def profile_completeness(db: Database, org: dict) -> Completeness:
    """The profile's completeness gauge (its checks and what is missing), as the profile page, the
    suggestions page and the API show it."""
    return completeness(org, len(contacts_of(db, org["id"])))

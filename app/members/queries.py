"""An organisation's stance on its suggested partners (interested, not relevant, introduction)."""

from __future__ import annotations

from sqlite_utils import Database

from app.coordination.queries import WANTING, ensure_pairing, sides
from app.notifications import hooks
from app.orgs.queries import now

KINDS = ("interested", "not_relevant", "intro_request")


def set_interest(
    db: Database,
    org: dict,
    partner: dict,
    track: str,
    kind: str,
    reason: str,
    user_id: int,
    score: float | None = None,
) -> int | None:
    """Record the organisation's stance (``clear`` removes it); interest also puts the pair in the queue.

    Returns the pairing id when one exists or was created, else None.
    """
    bfc_id, qc_id = sides(org, partner)
    stamp = now()
    with db.atomic():
        if kind == "clear":
            db.execute(
                "DELETE FROM interests WHERE org_id = ? AND partner_org_id = ? AND track = ?",
                [org["id"], partner["id"], track],
            )
        else:
            db.execute(
                """
                INSERT INTO interests
                    (org_id, partner_org_id, track, kind, reason, user_id, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (org_id, partner_org_id, track) DO UPDATE SET
                    kind = excluded.kind, reason = excluded.reason, user_id = excluded.user_id,
                    updated_at = excluded.updated_at
                """,
                [org["id"], partner["id"], track, kind, reason, user_id, stamp, stamp],
            )
        if kind in WANTING:
            hooks.interest_set(db, org, partner, track, user_id)
            return ensure_pairing(db, bfc_id, qc_id, track, "member", score)
    row = db.execute(
        "SELECT id FROM pairings WHERE bfc_org_id = ? AND qc_org_id = ? AND track = ?", [bfc_id, qc_id, track]
    ).fetchone()
    return row[0] if row else None


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

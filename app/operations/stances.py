"""A member organisation's stance on a partner across the Atlantic: interested, not relevant,
an introduction asked for, or withdrawn. Interest puts the pair in the coordinators' queue."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from app import matching
from app.coordination.queries import ensure_pairing, sides
from app.db import immediate
from app.notifications import hooks
from app.operations import record_event
from app.orgs.queries import get_organisation, now
from models.errors import Forbidden, InvalidInput, NotFound
from models.vocabulary import CLEAR_STANCE, STANCE_ACTIONS, TRACKS, WANTING

MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class Stance:
    """A stance recorded: on whom, the kind (``clear``: withdrawn), the pairing, mutual interest."""

    org_id: int
    partner: dict
    track: str
    kind: str
    reason: str
    pairing_id: int | None
    mutual: bool


def set_stance(
    db: Database, actor, org_id: int, partner_id: int, track: str, kind: str, reason: str = ""
) -> Stance:
    """Record the stance of ``org_id`` on ``partner_id`` for ``track``; ``kind="clear"`` removes it.

    Only a member of the organisation may take it. Raises NotFound (no such organisation),
    Forbidden, or InvalidInput (a partner on the same side or closed, an unknown track or kind, a
    long reason).
    """
    org = get_organisation(db, org_id)
    if org is None:
        raise NotFound(f"there is no organisation {org_id}", code="organisation_not_found")
    if actor.role != "member" or org_id not in actor.org_ids:
        raise Forbidden(f"user {actor.id} is no member of organisation {org_id}", code="not_a_member")
    reason = (reason or "").strip() if kind != CLEAR_STANCE else ""
    partner = _check_input(db, org, partner_id, track, kind, reason)
    if partner["status"] == "closed" and kind != CLEAR_STANCE:  # a stance may still be withdrawn
        raise InvalidInput(
            "closed partner", code="closed_organisation", field="partner_id", name=partner["short_name"]
        )
    score = _score(db, org_id, partner_id, track)
    bfc_id, qc_id = sides(org, partner)
    with immediate(db):
        _write(db, actor, org_id, partner_id, track, kind, reason)
        if kind in WANTING:
            hooks.interest_set(db, org, partner, track, actor.id)
            pairing_id = ensure_pairing(db, bfc_id, qc_id, track, "member", score)
        else:
            pairing_id = _pairing_id(db, bfc_id, qc_id, track)
        theirs = db.execute(
            "SELECT kind FROM interests WHERE org_id = ? AND partner_org_id = ? AND track = ?",
            [partner_id, org_id, track],
        ).fetchone()
        mutual = kind in WANTING and theirs is not None and theirs[0] in WANTING
        record_event(
            db,
            actor,
            "stance.set",
            f"organisation:{org_id}",
            partner_id=partner_id,
            track=track,
            kind=kind,
            pairing_id=pairing_id,
            mutual=mutual,
        )
    return Stance(org_id, partner, track, kind, reason, pairing_id, mutual)


def _check_input(db: Database, org: dict, partner_id: int, track: str, kind: str, reason: str) -> dict:
    if track not in TRACKS:
        raise InvalidInput(f"unknown track {track!r}", code="unknown_track", field="track")
    if kind not in STANCE_ACTIONS:
        raise InvalidInput(f"unknown stance {kind!r}", code="unknown_stance", field="kind")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput("reason too long", code="too_long", field="reason", limit=MAX_REASON_LENGTH)
    partner = get_organisation(db, partner_id)
    if partner is None or partner["region"] == org["region"]:
        raise InvalidInput(
            f"no partner {partner_id} across the Atlantic", code="bad_partner", field="partner_id"
        )
    return partner


def _score(db: Database, org_id: int, partner_id: int, track: str) -> float | None:
    """The engine's score of this one pair, or None when the engine has no profile for either."""
    try:
        return matching.explain(db, org_id, partner_id, track).score
    except NotFound:
        return None


def _write(db: Database, actor, org_id: int, partner_id: int, track: str, kind: str, reason: str) -> None:
    if kind == CLEAR_STANCE:
        db.execute(
            "DELETE FROM interests WHERE org_id = ? AND partner_org_id = ? AND track = ?",
            [org_id, partner_id, track],
        )
        return
    stamp = now()
    db.execute(
        """
        INSERT INTO interests (org_id, partner_org_id, track, kind, reason, user_id, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (org_id, partner_org_id, track) DO UPDATE SET
            kind = excluded.kind, reason = excluded.reason, user_id = excluded.user_id,
            updated_at = excluded.updated_at
        """,
        [org_id, partner_id, track, kind, reason, actor.id, stamp, stamp],
    )


def _pairing_id(db: Database, bfc_id: int, qc_id: int, track: str) -> int | None:
    row = db.execute(
        "SELECT id FROM pairings WHERE bfc_org_id = ? AND qc_org_id = ? AND track = ?", [bfc_id, qc_id, track]
    ).fetchone()
    return row[0] if row else None

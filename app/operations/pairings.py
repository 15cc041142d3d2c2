"""Coordinators' decisions on pairings: the allowed transitions, the audit trail, the events owed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from app.coordination import proposals
from app.coordination.queries import ensure_pairing, sides
from app.db import immediate
from app.notifications import hooks
from app.operations import record_event, require_role
from app.orgs.queries import get_organisation, now
from models.errors import Conflict, IllegalTransition, InvalidInput, NotFound, StaleState
from models.vocabulary import (
    ALLOWED_DECISIONS,
    DECISION_OUTCOMES,
    DECISIONS,
    PAIRING_STATUSES,
    STAFF_ROLES,
    TRACKS,
)

MAX_COMMENT_LENGTH = 2000
DECIDERS = STAFF_ROLES
BULK_DECISIONS = ("approve", "reject")  # what a coordinator decides for many pairings at once
MAX_BULK = 500  # pairings decided at once: more than a queue page, less than a runaway script
# A coordinator's own proposal: a person knows the link, the engine did not find it.
PROPOSAL_ORIGIN = "coordinator"


@dataclass(frozen=True)
class Decision:
    """A decision taken: the pairing, the status before and after, the audit row's id."""

    pairing_id: int
    decision: str
    from_status: str
    to_status: str
    decision_id: int


def decide(
    db: Database,
    actor,
    pairing_id: int,
    decision: str,
    comment: str,
    expected_status: str | None = None,
) -> Decision:
    """Approve, reject, reopen or comment on a pairing, with the reason kept in its history.

    The status change, its audit row and the ``pairing.decided`` event are written together.
    Raises Forbidden (not a coordinator), InvalidInput (unknown decision, no reason, too long),
    NotFound, StaleState (the status is no longer ``expected_status``: someone else decided
    meanwhile) or IllegalTransition (the current status does not allow the decision).
    """
    require_role(actor, *DECIDERS)
    comment = (comment or "").strip()
    _check_input(decision, comment, expected_status)
    with immediate(db):
        row = db.execute("SELECT status FROM pairings WHERE id = ?", [pairing_id]).fetchone()
        if row is None:
            raise NotFound(f"there is no pairing {pairing_id}", code="pairing_not_found")
        status = row[0]
        if expected_status is not None and status != expected_status:
            raise StaleState(
                f"pairing {pairing_id} is {status}",
                code="stale_decision",
                field="expected_status",
                current=status,
            )
        if decision not in ALLOWED_DECISIONS[status]:
            raise IllegalTransition(
                f"a {status} pairing cannot take {decision!r}",
                field="decision",
                current=status,
                decision=decision,
            )
        return _record(db, actor, pairing_id, status, decision, comment)


def decide_many(db: Database, actor, ids, decision: str, comment: str) -> list[Decision]:
    """Approve or reject several pairings with one comment, all or none, in one transaction.

    Each pairing gets its own audit row and event, written by the code :func:`decide` uses.
    Raises Forbidden, InvalidInput (no pairing ticked, too many, a decision other than approve or
    reject, no reason), NotFound (unknown ids: ``parts`` names each) or IllegalTransition
    (``parts`` names each pairing whose status does not allow the decision); nothing is written then.
    """
    require_role(actor, *DECIDERS)
    comment = (comment or "").strip()
    if decision not in BULK_DECISIONS:
        raise InvalidInput(f"{decision!r} is not a bulk decision", code="bulk_decision", field="decision")
    _check_input(decision, comment, None)
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise InvalidInput("no pairing chosen", code="nothing_selected", field="ids")
    if len(wanted) > MAX_BULK:
        raise InvalidInput("too many pairings", code="too_many_selected", field="ids", limit=MAX_BULK)
    with immediate(db):
        rows = _bulk_rows(db, wanted)
        unknown = [pairing_id for pairing_id in wanted if pairing_id not in rows]
        if unknown:
            raise NotFound(
                f"no pairings {unknown}",
                code="pairings_not_found",
                field="ids",
                parts=[{"code": "unknown_pairing", "id": pairing_id} for pairing_id in unknown],
            )
        refused = [
            rows[pairing_id]
            for pairing_id in wanted
            if decision not in ALLOWED_DECISIONS[rows[pairing_id]["status"]]
        ]
        if refused:
            raise IllegalTransition(
                f"{len(refused)} pairings cannot take {decision!r}",
                code="bulk_refused",
                field="ids",
                decision=decision,
                parts=[_row_part(row) for row in refused],
            )
        return [
            _record(db, actor, pairing_id, rows[pairing_id]["status"], decision, comment)
            for pairing_id in wanted
        ]


def _bulk_rows(db: Database, ids: list[int]) -> dict[int, dict]:
    """The pairings among ``ids``, by id, with both short names (for the messages that name them)."""
    found = {}
    for start in range(0, len(ids), 500):  # under SQLite's limit of bound parameters
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for row in db.query(
            f"""
            SELECT p.id, p.status, p.track, b.short_name AS bfc, q.short_name AS qc
            FROM pairings p JOIN organisations b ON b.id = p.bfc_org_id
            JOIN organisations q ON q.id = p.qc_org_id WHERE p.id IN ({marks})
            """,
            chunk,
        ):
            found[row["id"]] = row
    return found


def _row_part(row: dict) -> dict:
    return {
        "code": "refused_pairing",
        "bfc": row["bfc"],
        "qc": row["qc"],
        "track": row["track"],
        "current": row["status"],
    }


def _record(db: Database, actor, pairing_id: int, status: str, decision: str, comment: str) -> Decision:
    """Write one decision checked by the caller: the status, its audit row and its event."""
    new_status = DECISION_OUTCOMES[decision] or status
    stamp = now()
    db.execute("UPDATE pairings SET status = ?, updated_at = ? WHERE id = ?", [new_status, stamp, pairing_id])
    decision_id = _audit(db, actor, pairing_id, decision, status, new_status, comment, stamp)
    hooks.pairing_decided(db, pairing_id, status, new_status, actor.id)
    record_event(
        db,
        actor,
        "pairing.decided",
        f"pairing:{pairing_id}",
        decision=decision,
        from_status=status,
        to_status=new_status,
        decision_id=decision_id,
    )
    return Decision(pairing_id, decision, status, new_status, decision_id)


def _audit(
    db: Database, actor, pairing_id: int, decision: str, before: str, after: str, comment: str, stamp: str
) -> int:
    row = {
        "pairing_id": pairing_id,
        "user_id": actor.id,
        "decision": decision,
        "from_status": before,
        "to_status": after,
        "comment": comment,
        "created_at": stamp,
    }
    return db.table("pairing_decisions").insert(row).last_pk


def propose(db: Database, actor, org_id: int, partner_id: int, track: str, note: str) -> int:
    """A coordinator puts a pair in the review queue for ``track``, with a note; return its id.

    The pairing, its audit row (the note, in its history) and the ``pairing.proposed`` event are
    written together. Raises Forbidden (not a coordinator), NotFound (``field`` names the unknown
    id), InvalidInput (an unknown track, no note, a long note) or Conflict (two organisations on
    one side, a closed organisation, a pairing of this pair and track that exists already: its
    ``pairing_id``).
    """
    require_role(actor, *DECIDERS)
    note = (note or "").strip()
    if track not in TRACKS:
        raise InvalidInput(f"unknown track {track!r}", code="unknown_track", field="track")
    if not note:
        raise InvalidInput("no note", code="note_required", field="note")
    if len(note) > MAX_COMMENT_LENGTH:
        raise InvalidInput("note too long", code="too_long", field="note", limit=MAX_COMMENT_LENGTH)
    org, partner = get_organisation(db, org_id), get_organisation(db, partner_id)
    if org is None or partner is None:
        raise NotFound(
            f"no organisation {org_id if org is None else partner_id}",
            code="organisation_not_found",
            field="org_id" if org is None else "partner_id",
        )
    if org["region"] == partner["region"]:  # the regions are the organisations' state: a 409
        raise Conflict("same side", code="same_side_pairing", field="partner_id", name=partner["short_name"])
    closed = next((o for o in (org, partner) if o["status"] == "closed"), None)
    if closed is not None:
        raise Conflict("closed organisation", code="closed_organisation", name=closed["short_name"])
    bfc_id, qc_id = sides(org, partner)
    with immediate(db):
        existing = db.execute(
            "SELECT id, status FROM pairings WHERE bfc_org_id = ? AND qc_org_id = ? AND track = ?",
            [bfc_id, qc_id, track],
        ).fetchone()
        if existing is not None:
            raise Conflict(
                "pairing exists",
                code="pairing_exists",
                name=partner["short_name"],
                track=track,
                current=existing[1],
                pairing_id=existing[0],  # where it is: the API answers its address
            )
        pairing_id = ensure_pairing(db, bfc_id, qc_id, track, PROPOSAL_ORIGIN, note=note)
        _audit(db, actor, pairing_id, "comment", "proposed", "proposed", note, now())
        record_event(
            db,
            actor,
            "pairing.proposed",
            f"pairing:{pairing_id}",
            org_id=org_id,
            partner_id=partner_id,
            track=track,
        )
    return pairing_id


def request_proposals(db: Database, actor, min_score: float, per_org: int) -> tuple[dict, bool]:
    """Ask the worker for the engine's proposals (:mod:`app.coordination.proposals`): (the run,
    whether it is new). A run under way with the same settings is returned as it is (False);
    existing pairings and decisions are kept. Raises Forbidden (not a coordinator)."""
    require_role(actor, *DECIDERS)
    return proposals.start(db, min_score, per_org, actor.id)


def _check_input(decision: str, comment: str, expected_status: str | None) -> None:
    if decision not in DECISIONS:
        raise InvalidInput(f"unknown decision {decision!r}", code="unknown_decision", field="decision")
    if expected_status is not None and expected_status not in PAIRING_STATUSES:
        raise InvalidInput("unknown status", code="unknown_status", field="expected_status")
    if not comment:
        raise InvalidInput("no reason given", code="comment_required", field="comment")
    if len(comment) > MAX_COMMENT_LENGTH:
        raise InvalidInput("comment too long", code="too_long", field="comment", limit=MAX_COMMENT_LENGTH)


def allowed_decisions(status: str) -> tuple[str, ...]:
    """The decisions a pairing in ``status`` allows."""
    return ALLOWED_DECISIONS[status]

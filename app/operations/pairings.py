"""Coordinators' decisions on pairings: the allowed transitions, the audit trail, the events owed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from app.db import immediate
from app.notifications import hooks
from app.operations import record_event, require_role
from app.orgs.queries import now
from models.errors import IllegalTransition, InvalidInput, NotFound, StaleState
from models.vocabulary import ALLOWED_DECISIONS, DECISION_OUTCOMES, DECISIONS, PAIRING_STATUSES, STAFF_ROLES

MAX_COMMENT_LENGTH = 2000
DECIDERS = STAFF_ROLES


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
        new_status = DECISION_OUTCOMES[decision] or status
        stamp = now()
        db.execute(
            "UPDATE pairings SET status = ?, updated_at = ? WHERE id = ?", [new_status, stamp, pairing_id]
        )
        decision_id = (
            db.table("pairing_decisions")
            .insert(
                {
                    "pairing_id": pairing_id,
                    "user_id": actor.id,
                    "decision": decision,
                    "from_status": status,
                    "to_status": new_status,
                    "comment": comment,
                    "created_at": stamp,
                }
            )
            .last_pk
        )
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

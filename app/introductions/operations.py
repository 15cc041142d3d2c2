"""Requests from one organisation to another: send, answer (accept or decline), withdraw, read.

The web pages and the API parse their input, call these operations and render the result; the rules
live here. Each change runs in one ``BEGIN IMMEDIATE`` transaction with its audit row and the
notification it owes:

- only members of A send a request from A, to an organisation across the Atlantic that is not closed;
- one open (pending) request per A -> B -> track;
- only members of B answer it, only members of A withdraw it, and only while it is pending;
- accepting puts the pairing of A and B on that track in front of the coordinators (and, through
  ``app.people.queries.can_see_contacts``, shows each side the other's contacts).
"""

from __future__ import annotations

from sqlite_utils import Database

from app.coordination.queries import ensure_pairing, sides
from app.db import immediate
from app.notifications import hooks
from app.orgs.queries import get_organisation, now
from models.errors import (
    Conflict,
    InvalidRequest,
    RequestAlreadyOpen,
    RequestNotAllowed,
    RequestNotFound,
    RequestNotPending,
)
from models.profiles import TRACKS
from models.vocabulary import REQUEST_ANSWER_OUTCOMES, REQUEST_FORMATS, STAFF_ROLES

MAX_MESSAGE_LENGTH = 2000


def _owed_notification(db: Database, event: str, request_id: int, org_ids: list[int], actor_id: int) -> None:
    """Record the notification this operation owes, inside its transaction: in the app and by mail."""
    hooks.request_event(db, event, get_request(db, request_id), org_ids, actor_id)


def _audit(db: Database, request_id: int, user_id: int, action: str, before: str | None, after: str) -> None:
    db.table("request_events").insert(
        {
            "request_id": request_id,
            "user_id": user_id,
            "action": action,
            "from_status": before,
            "to_status": after,
            "created_at": now(),
        }
    )


def _message(text: str | None, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise InvalidRequest(code="message_required", field="message")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise InvalidRequest(code="too_long", field="message", limit=MAX_MESSAGE_LENGTH)
    return text


def send_request(
    db: Database, actor, from_org_id: int, to_org_id: int, track: str, proposed_format: str, message: str
) -> int:
    """Send a request from ``from_org_id`` (one of the actor's organisations) to ``to_org_id``."""
    if from_org_id not in actor.org_ids:
        raise RequestNotAllowed(code="not_sender_member", field="from_org_id")
    if track not in TRACKS:
        raise InvalidRequest(code="unknown_track", field="track")
    if proposed_format not in REQUEST_FORMATS:
        raise InvalidRequest(code="unknown_request_format", field="format")
    text = _message(message, required=True)
    sender, partner = get_organisation(db, from_org_id), get_organisation(db, to_org_id)
    if sender is None or partner is None:
        raise RequestNotFound(code="organisation_not_found", field="to_org_id")
    if sender["region"] == partner["region"]:
        raise InvalidRequest(code="same_side", field="to_org_id", name=partner["short_name"])
    if partner["status"] == "closed":
        raise Conflict(
            "closed organisation", code="closed_organisation", field="to_org_id", name=partner["short_name"]
        )
    with immediate(db):
        open_request = db.execute(
            "SELECT id FROM requests WHERE from_org_id = ? AND to_org_id = ? AND track = ? "
            "AND status = 'pending'",
            [from_org_id, to_org_id, track],
        ).fetchone()
        if open_request:
            raise RequestAlreadyOpen(name=partner["short_name"])
        stamp = now()
        request_id = (
            db.table("requests")
            .insert(
                {
                    "from_org_id": from_org_id,
                    "to_org_id": to_org_id,
                    "track": track,
                    "format": proposed_format,
                    "message": text,
                    "status": "pending",
                    "created_by": actor.id,
                    "created_at": stamp,
                }
            )
            .last_pk
        )
        _audit(db, request_id, actor.id, "send", None, "pending")
        _owed_notification(db, "request_received", request_id, [to_org_id], actor.id)
    return request_id


def answer_request(db: Database, actor, request_id: int, answer: str, message: str = "") -> dict:
    """Accept or decline a pending request sent to one of the actor's organisations."""
    if answer not in REQUEST_ANSWER_OUTCOMES:
        raise InvalidRequest(code="unknown_request_answer", field="answer")
    text = _message(message, required=False)
    with immediate(db):
        current = _pending(db, request_id, actor, side="to_org_id")
        status = REQUEST_ANSWER_OUTCOMES[answer]
        pairing_id = None
        if status == "accepted":
            sender, partner = (
                get_organisation(db, current["from_org_id"]),
                get_organisation(db, current["to_org_id"]),
            )
            bfc_id, qc_id = sides(sender, partner)
            pairing_id = ensure_pairing(db, bfc_id, qc_id, current["track"], "member")
        db.execute(
            "UPDATE requests SET status = ?, answer = ?, answered_by = ?, answered_at = ?, pairing_id = ? "
            "WHERE id = ?",
            [status, text, actor.id, now(), pairing_id, request_id],
        )
        _audit(db, request_id, actor.id, answer, "pending", status)
        _owed_notification(db, "request_answered", request_id, [current["from_org_id"]], actor.id)
    return get_request(db, request_id)


def withdraw_request(db: Database, actor, request_id: int) -> dict:
    """Withdraw a pending request sent by one of the actor's organisations."""
    with immediate(db):
        current = _pending(db, request_id, actor, side="from_org_id")
        db.execute("UPDATE requests SET status = 'withdrawn' WHERE id = ?", [request_id])
        _audit(db, request_id, actor.id, "withdraw", "pending", "withdrawn")
        _owed_notification(db, "request_withdrawn", request_id, [current["to_org_id"]], actor.id)
    return get_request(db, request_id)


def _pending(db: Database, request_id: int, actor, *, side: str) -> dict:
    """The request, if the actor belongs to its ``side`` and it is still pending."""
    current = next(db.query("SELECT * FROM requests WHERE id = ?", [request_id]), None)
    if current is None:
        raise RequestNotFound()
    if current["from_org_id"] not in actor.org_ids and current["to_org_id"] not in actor.org_ids:
        raise RequestNotAllowed(code="request_of_others")
    if current[side] not in actor.org_ids:
        raise RequestNotAllowed(code="not_recipient" if side == "to_org_id" else "not_sender")
    if current["status"] != "pending":
        raise RequestNotPending(request_status=current["status"])
    return current


_COLUMNS = """
    r.*, a.short_name AS from_short_name, a.name AS from_name, a.region AS from_region,
    b.short_name AS to_short_name, b.name AS to_name, b.region AS to_region,
    cu.email AS created_by_email, cu.name AS created_by_name,
    au.email AS answered_by_email, au.name AS answered_by_name
    FROM requests r
    JOIN organisations a ON a.id = r.from_org_id
    JOIN organisations b ON b.id = r.to_org_id
    LEFT JOIN users cu ON cu.id = r.created_by
    LEFT JOIN users au ON au.id = r.answered_by
"""


def get_request(db: Database, request_id: int) -> dict | None:
    """One request with both organisations' names and who sent and answered it, or None."""
    return next(db.query(f"SELECT {_COLUMNS} WHERE r.id = ?", [request_id]), None)


def request_for(db: Database, actor, request_id: int) -> dict:
    """The request, for a member of either side or a coordinator; RequestNotFound or NotAllowed."""
    current = get_request(db, request_id)
    if current is None:
        raise RequestNotFound()
    parties = (current["from_org_id"], current["to_org_id"])
    if actor.role not in STAFF_ROLES and not set(parties) & set(actor.org_ids):
        raise RequestNotAllowed(code="request_of_others")
    return current


def requests_between(db: Database, org_a: int, org_b: int, track: str) -> list[dict]:
    """Every request between two organisations on one track, either way, the latest first."""
    where = (
        "((r.from_org_id = ? AND r.to_org_id = ?) OR (r.from_org_id = ? AND r.to_org_id = ?)) AND r.track = ?"
    )
    params = [org_a, org_b, org_b, org_a, track]
    return list(db.query(f"SELECT {_COLUMNS} WHERE {where} ORDER BY r.created_at DESC, r.id DESC", params))


def inbox(db: Database, org_ids, status: str | None = None) -> list[dict]:
    """Requests sent to these organisations, pending first, then the latest."""
    return _box(db, "r.to_org_id", org_ids, status)


def sent(db: Database, org_ids, status: str | None = None) -> list[dict]:
    """Requests sent by these organisations, pending first, then the latest."""
    return _box(db, "r.from_org_id", org_ids, status)


def _box(db: Database, column: str, org_ids, status: str | None) -> list[dict]:
    ids = list(org_ids)
    if not ids:
        return []
    where = f"{column} IN ({', '.join('?' for _ in ids)})"
    if status:
        where, ids = where + " AND r.status = ?", [*ids, status]
    order = "ORDER BY r.status != 'pending', r.created_at DESC, r.id DESC"
    return list(db.query(f"SELECT {_COLUMNS} WHERE {where} {order}", ids))


def pending_count(db: Database, org_ids) -> int:
    """How many requests wait for an answer from these organisations."""
    ids = list(org_ids)
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    sql = f"SELECT COUNT(*) FROM requests WHERE status = 'pending' AND to_org_id IN ({marks})"
    return db.execute(sql, ids).fetchone()[0]

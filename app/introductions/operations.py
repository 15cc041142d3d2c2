"""Requests from one organisation to another: send, answer (accept or decline), withdraw, read.

The web pages and the API parse their input, call these operations and render the result; the rules
live here. Each change runs in one ``BEGIN IMMEDIATE`` transaction with its audit row and the
notification it owes:

- only members of A send a request from A, to an organisation across the Atlantic;
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
from models.errors import PasserelleError
from models.profiles import TRACKS
from models.vocabulary import REQUEST_FORMATS, REQUEST_STATUSES

FORMATS = REQUEST_FORMATS
STATUSES = REQUEST_STATUSES
ANSWERS = {"accept": "accepted", "decline": "declined"}
MAX_MESSAGE_LENGTH = 2000


class RequestError(PasserelleError):
    """A request operation refused; ``status`` is the HTTP status, ``field`` the input at fault.

    A named domain error (models/errors.py): one that no view catches is worded by app/errors.py
    from its ``code``.
    """

    status = 409
    code = "conflict"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, field=field)


class RequestNotFound(RequestError):
    """No such request, or no such organisation."""

    status = 404
    code = "not_found"


class NotAllowed(RequestError):
    """The user may not do this with this request."""

    status = 403
    code = "forbidden"


class InvalidRequest(RequestError):
    """A value is refused (a track, a format, an empty or long message, a partner on the same side)."""

    status = 422
    code = "invalid_input"


class AlreadyOpen(RequestError):
    """A pending request from A to B on this track exists already."""


class NotPending(RequestError):
    """The request was answered or withdrawn already; nothing changes."""

    code = "stale"


def _owed_notification(db: Database, event: str, org_ids: list[int], params: dict, dedupe_key: str) -> None:
    """Record the notification this operation owes, inside its transaction: in the app and by mail."""
    hooks.request_event(db, event, params["request_id"], org_ids, dedupe_key, params.get("actor_id"))


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
        raise InvalidRequest("Write a message: say what you propose and why.", "message")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise InvalidRequest(f"The message must have at most {MAX_MESSAGE_LENGTH} characters.", "message")
    return text


def send_request(
    db: Database, actor, from_org_id: int, to_org_id: int, track: str, proposed_format: str, message: str
) -> int:
    """Send a request from ``from_org_id`` (one of the actor's organisations) to ``to_org_id``."""
    if from_org_id not in actor.org_ids:
        raise NotAllowed("Only members of an organisation send requests in its name.", "from_org_id")
    if track not in TRACKS:
        raise InvalidRequest(f"track must be one of {', '.join(TRACKS)}.", "track")
    if proposed_format not in FORMATS:
        raise InvalidRequest(f"format must be one of {', '.join(FORMATS)}.", "format")
    text = _message(message, required=True)
    sender, partner = get_organisation(db, from_org_id), get_organisation(db, to_org_id)
    if sender is None or partner is None:
        raise RequestNotFound("No such organisation.", "to_org_id")
    if sender["region"] == partner["region"]:
        raise InvalidRequest("A request goes to an organisation across the Atlantic.", "to_org_id")
    with immediate(db):
        open_request = db.execute(
            "SELECT id FROM requests WHERE from_org_id = ? AND to_org_id = ? AND track = ? "
            "AND status = 'pending'",
            [from_org_id, to_org_id, track],
        ).fetchone()
        if open_request:
            raise AlreadyOpen(
                "A request to this organisation on this track is already waiting for an answer."
            )
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
        params = {"request_id": request_id, "from_org_id": from_org_id, "track": track, "actor_id": actor.id}
        _owed_notification(db, "request_received", [to_org_id], params, f"request_received:{request_id}")
    return request_id


def answer_request(db: Database, actor, request_id: int, answer: str, message: str = "") -> dict:
    """Accept or decline a pending request sent to one of the actor's organisations."""
    if answer not in ANSWERS:
        raise InvalidRequest("answer must be accept or decline.", "answer")
    text = _message(message, required=False)
    with immediate(db):
        current = _pending(db, request_id, actor, side="to_org_id")
        status = ANSWERS[answer]
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
        params = {
            "request_id": request_id,
            "answer": status,
            "to_org_id": current["to_org_id"],
            "actor_id": actor.id,
        }
        _owed_notification(
            db, "request_answered", [current["from_org_id"]], params, f"request_answered:{request_id}"
        )
    return get_request(db, request_id)


def withdraw_request(db: Database, actor, request_id: int) -> dict:
    """Withdraw a pending request sent by one of the actor's organisations."""
    with immediate(db):
        current = _pending(db, request_id, actor, side="from_org_id")
        db.execute("UPDATE requests SET status = 'withdrawn' WHERE id = ?", [request_id])
        _audit(db, request_id, actor.id, "withdraw", "pending", "withdrawn")
        params = {"request_id": request_id, "actor_id": actor.id}
        _owed_notification(
            db, "request_withdrawn", [current["to_org_id"]], params, f"request_withdrawn:{request_id}"
        )
    return get_request(db, request_id)


def _pending(db: Database, request_id: int, actor, *, side: str) -> dict:
    """The request, if the actor belongs to its ``side`` and it is still pending."""
    current = next(db.query("SELECT * FROM requests WHERE id = ?", [request_id]), None)
    if current is None:
        raise RequestNotFound("No such request.")
    if current["from_org_id"] not in actor.org_ids and current["to_org_id"] not in actor.org_ids:
        raise NotAllowed("This request is between other organisations.")
    if current[side] not in actor.org_ids:
        who = "the organisation it was sent to" if side == "to_org_id" else "the organisation that sent it"
        raise NotAllowed(f"Only members of {who} may do this.")
    if current["status"] != "pending":
        raise NotPending(f"This request is {current['status']} already; nothing was changed.")
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
        raise RequestNotFound("No such request.")
    parties = (current["from_org_id"], current["to_org_id"])
    if actor.role not in ("coordinator", "admin") and not set(parties) & set(actor.org_ids):
        raise NotAllowed("This request is between other organisations.")
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

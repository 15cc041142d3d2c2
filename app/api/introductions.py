"""API views on requests between organisations: inbox and sent, one request, send, answer, withdraw.

Each view parses the body, calls one operation of ``app.introductions.operations`` (the rules live
there, as for the web pages) and renders its result; a refusal becomes the one error shape.
"""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from app.api.payloads import Field, as_account, checked, json_body, page_args, page_of, query_choice
from app.auth.access import role_required
from app.db import get_db
from app.introductions import operations as ops
from app.people.queries import can_see_contacts, contacts_json, visible_contacts
from models.profiles import TRACKS
from models.vocabulary import REQUEST_ANSWERS, REQUEST_BOXES, REQUEST_FORMATS, REQUEST_STATUSES

BOXES = REQUEST_BOXES
SEND_BODY = {
    "from_org_id": Field(int, required=False),
    "to_org_id": Field(int),
    "track": Field(str, choices=TRACKS),
    "format": Field(str, choices=REQUEST_FORMATS),
    "message": Field(str, max_length=ops.MAX_MESSAGE_LENGTH),
}
ANSWER_BODY = {
    "answer": Field(str, choices=REQUEST_ANSWERS),
    "message": Field(str, required=False, max_length=ops.MAX_MESSAGE_LENGTH),
}
members_only = role_required("member")


def request_json(row: dict) -> dict:
    """A request with both organisations, who wrote it and who answered, and when.

    The authors are people: each is named only to those who may see their organisation's contacts.
    """
    db = get_db()

    def side(prefix: str) -> dict:
        return {"id": row[f"{prefix}_org_id"], "short_name": row[f"{prefix}_short_name"]}

    def person(prefix: str, org_id: int) -> dict | None:
        if row[f"{prefix}_email"] is None or not can_see_contacts(db, current_user, org_id):
            return None
        return {"name": row[f"{prefix}_name"], "email": row[f"{prefix}_email"]}

    plain = (
        "id",
        "track",
        "format",
        "message",
        "status",
        "created_at",
        "answer",
        "answered_at",
        "pairing_id",
    )
    return {key: row[key] for key in plain} | {
        "from": side("from"),
        "to": side("to"),
        "created_by": person("created_by", row["from_org_id"]),
        "answered_by": person("answered_by", row["to_org_id"]),
    }


@members_only
def list_requests():
    """The inbox (requests to the member's organisations) or, with ``box=sent``, those they sent."""
    box = query_choice("box", BOXES) or "inbox"
    status = query_choice("status", REQUEST_STATUSES)
    page, per_page = page_args()
    rows = (ops.sent if box == "sent" else ops.inbox)(get_db(), current_user.org_ids, status)
    items = [request_json(row) for row in rows[(page - 1) * per_page : page * per_page]]
    return page_of(items, len(rows), page, per_page)


def show_request(request_id: int):
    """One request, for members of either side and coordinators, with the other side's contacts."""
    row = as_account(ops.request_for, request_id)
    mine = set(current_user.org_ids)
    other = row["to_org_id"] if row["from_org_id"] in mine else row["from_org_id"]
    contacts = visible_contacts(get_db(), current_user, other)
    return jsonify(ok=True, request=request_json(row), contacts=contacts_json(contacts))


@members_only
def send_request():
    """Send a request from one of the member's organisations (the first by default)."""
    body = checked(json_body(), SEND_BODY)
    # No organisation: the operation refuses the request (not_sender_member), worded once in app/errors.py.
    from_org_id = body.get("from_org_id", (current_user.org_ids or (None,))[0])
    args = (from_org_id, body["to_org_id"], body["track"], body["format"], body["message"])
    request_id = as_account(ops.send_request, *args)
    response = jsonify(ok=True, request=request_json(ops.get_request(get_db(), request_id)))
    response.status_code = 201
    return response


@members_only
def answer_request(request_id: int):
    """Accept or decline a request sent to one of the member's organisations."""
    body = checked(json_body(), ANSWER_BODY)
    row = as_account(ops.answer_request, request_id, body["answer"], body.get("message", ""))
    return jsonify(ok=True, request=request_json(row))


@members_only
def withdraw_request(request_id: int):
    """Withdraw a pending request one of the member's organisations sent."""
    return jsonify(ok=True, request=request_json(as_account(ops.withdraw_request, request_id)))

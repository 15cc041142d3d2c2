"""API views on pairings, for coordinators and administrators: the review queue, one pairing, decisions
(one pairing, or several at once through ``decide_many``).

Decisions go through ``app.operations.pairings.decide``, as on the web: the status change and its
audit row are written together, a decision the status does not allow or one taken meanwhile by
someone else is refused (409).
"""

from __future__ import annotations

from flask import abort, jsonify
from flask_login import current_user

from app import matching
from app.api.payloads import Field, checked, json_body, page_args, page_of, query_choice
from app.auth.access import role_required
from app.coordination import queries
from app.db import get_db
from app.operations import pairings
from models.errors import NotFound
from models.vocabulary import DECISIONS, PAIRING_STATUSES, STAFF_ROLES, TRACKS

DECISION_BODY = {
    "decision": Field(str, choices=DECISIONS),
    "comment": Field(str, max_length=pairings.MAX_COMMENT_LENGTH),
    "expected_status": Field(str, required=False, choices=PAIRING_STATUSES),
}
BULK_BODY = {
    "ids": Field(list, max_length=pairings.MAX_BULK),
    "decision": Field(str, choices=pairings.BULK_DECISIONS),
    "comment": Field(str, max_length=pairings.MAX_COMMENT_LENGTH),
}
coordinators_only = role_required(*STAFF_ROLES)


def pairing_json(row: dict) -> dict:
    """A pairing with both organisations and their stances."""

    def side(prefix: str) -> dict:
        keys = ("short_name", "name", "city", "type", "interest", "reason")
        return {"id": row[f"{prefix}_org_id"]} | {key: row[f"{prefix}_{key}"] for key in keys}

    plain = ("id", "track", "status", "origin", "score", "note", "created_at", "updated_at")
    return {key: row[key] for key in plain} | {
        "bfc": side("bfc"),
        "qc": side("qc"),
        "mutual": bool(row["mutual"]),
        "requested": bool(row["requested"]),
    }


@coordinators_only
def list_pairings():
    """The review queue: pairings in one status (proposed by default), mutual interest first."""
    status = query_choice("status", PAIRING_STATUSES) or "proposed"
    track = query_choice("track", TRACKS)
    page, per_page = page_args()
    rows, total = queries.review_queue(get_db(), status, track, page, per_page)
    return page_of([pairing_json(row) for row in rows], total, page, per_page)


@coordinators_only
def show_pairing(pairing_id: int):
    """One pairing with its evidence, the decisions it allows and its audit trail."""
    return jsonify(ok=True, pairing=pairing_detail(pairing_id))


@coordinators_only
def decide_pairing(pairing_id: int):
    """Approve, reject, reopen or comment, with the reason kept in the pairing's history."""
    _pairing_or_404(pairing_id)
    body = checked(json_body(), DECISION_BODY)
    pairings.decide(
        get_db(), current_user, pairing_id, body["decision"], body["comment"], body.get("expected_status")
    )
    response = jsonify(ok=True, pairing=pairing_detail(pairing_id))
    response.status_code = 201
    return response


@coordinators_only
def decide_pairings():
    """Approve or reject several pairings with one comment: all of them, or none (the refused ones named)."""
    body = checked(json_body(), BULK_BODY)
    ids = [int(pairing_id) for pairing_id in body["ids"]]  # 3.0 is an id too
    decided = pairings.decide_many(get_db(), current_user, ids, body["decision"], body["comment"])
    keys = ("pairing_id", "decision", "from_status", "to_status", "decision_id")
    response = jsonify(ok=True, decisions=[{key: getattr(d, key) for key in keys} for d in decided])
    response.status_code = 201
    return response


def _pairing_or_404(pairing_id: int) -> dict:
    pairing = queries.get_pairing(get_db(), pairing_id)
    if pairing is None:
        abort(404)
    return pairing


def pairing_detail(pairing_id: int) -> dict:
    """The pairing, the engine's suggestion behind it (or null), allowed decisions, the history."""
    db = get_db()
    pairing = _pairing_or_404(pairing_id)
    try:
        suggestion = matching.explain(
            db, pairing["bfc_org_id"], pairing["qc_org_id"], pairing["track"]
        ).to_dict()
    except NotFound:  # a profile the engine has not embedded yet
        suggestion = None
    history = [
        {key: row[key] for key in ("id", "decision", "from_status", "to_status", "comment", "created_at")}
        | {"user_email": row["user_email"]}
        for row in queries.decisions_for(db, pairing_id)
    ]
    return pairing_json(pairing) | {
        "suggestion": suggestion,
        "allowed_decisions": list(pairings.allowed_decisions(pairing["status"])),
        "decisions": history,
    }

"""API views on pairings, for coordinators and administrators: the review queue, one pairing, decisions.

Decisions go through ``app.coordination.queries.decide``, as on the web: the status change and its
audit row are written together, and a decision taken meanwhile by someone else is refused (409).
"""

from __future__ import annotations

from flask import abort, jsonify
from flask_login import current_user

from app import matching
from app.api.payloads import ApiProblem, Field, checked, json_body, page_args, page_of, query_choice
from app.auth.access import role_required
from app.coordination import queries
from app.coordination.forms import ALLOWED, MAX_COMMENT_LENGTH
from app.db import get_db
from models.profiles import TRACKS

POOL = 200  # ranked partners searched for a pairing's evidence, as on the web
DECISION_BODY = {
    "decision": Field(str, choices=tuple(queries.DECISIONS)),
    "comment": Field(str, max_length=MAX_COMMENT_LENGTH),
    "expected_status": Field(str, required=False, choices=queries.STATUSES),
}
coordinators_only = role_required("coordinator", "admin")


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
    status = query_choice("status", queries.STATUSES) or "proposed"
    track = query_choice("track", TRACKS)
    page, per_page = page_args()
    rows, total = queries.review_queue(get_db(), status, track, page, per_page)
    return page_of([pairing_json(row) for row in rows], total, page, per_page)


@coordinators_only
def show_pairing(pairing_id: int):
    """One pairing with its evidence, the decisions it allows and its audit trail."""
    return jsonify(ok=True, pairing=_detail(pairing_id))


@coordinators_only
def decide_pairing(pairing_id: int):
    """Approve, reject, reopen or comment, with the reason kept in the pairing's history."""
    pairing = _pairing_or_404(pairing_id)
    body = checked(json_body(), DECISION_BODY)
    comment = body["comment"].strip()
    if not comment:
        raise ApiProblem(422, "comment must say why: it is kept in the pairing's history.", field="comment")
    expected = body.get("expected_status") or pairing["status"]
    if body["decision"] not in ALLOWED[expected]:
        message = f"A pairing that is {expected} cannot take the decision '{body['decision']}'."
        raise ApiProblem(409, message, field="decision")
    try:
        queries.decide(get_db(), pairing_id, current_user.id, body["decision"], comment, expected)
    except queries.StaleDecision:
        message = "The pairing is no longer in the expected status; nothing was changed."
        raise ApiProblem(409, message, field="expected_status") from None
    response = jsonify(ok=True, pairing=_detail(pairing_id))
    response.status_code = 201
    return response


def _pairing_or_404(pairing_id: int) -> dict:
    pairing = queries.get_pairing(get_db(), pairing_id)
    if pairing is None:
        abort(404)
    return pairing


def _detail(pairing_id: int) -> dict:
    """The pairing, the engine's suggestion behind it (or null), allowed decisions, the history."""
    db = get_db()
    pairing = _pairing_or_404(pairing_id)
    ranked = matching.suggestions_for(db, pairing["bfc_org_id"], pairing["track"], top_k=POOL)
    suggestion = next((s.to_dict() for s in ranked if s.org_id == pairing["qc_org_id"]), None)
    history = [
        {key: row[key] for key in ("id", "decision", "from_status", "to_status", "comment", "created_at")}
        | {"user_email": row["user_email"]}
        for row in queries.decisions_for(db, pairing_id)
    ]
    return pairing_json(pairing) | {
        "suggestion": suggestion,
        "allowed_decisions": list(ALLOWED[pairing["status"]]),
        "decisions": history,
    }

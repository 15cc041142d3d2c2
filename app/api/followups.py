"""API views on the follow-up forms after a trip: the list, one form, a member's answer.

As on the web's pages (``app/followup/routes.py``): a member reads and answers the forms of their
organisations; coordinators and administrators read every answer (the funders' report is built from
them) and may filter by trip. Access and the rules of an answer live in ``app.followup.queries``,
which the web's form calls too.
"""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from app.api.payloads import Field, as_account, checked, json_body, page_args, page_of, query_id
from app.auth.access import role_required
from app.db import get_db
from app.followup import queries
from app.followup.routes import today
from models.followup import NEXT_STEP_LENGTH, RELEVANCE
from models.vocabulary import FOLLOWUP_OUTCOMES, STAFF_ROLES

ANSWER_BODY = {
    "took_place": Field(bool),
    "relevance": Field(int, required=False, bounds=(RELEVANCE[0], RELEVANCE[-1])),
    "outcome": Field(str, required=False, choices=FOLLOWUP_OUTCOMES),
    "next_step": Field(str, required=False, max_length=NEXT_STEP_LENGTH),
}
FORM_KEYS = ("id", "stage", "side", "due_at", "next_step", "answered_at", "relevance", "outcome")
members_only = role_required("member")


def followup_json(row: dict) -> dict:
    """A follow-up form: the meeting it asks about, the organisation it asks, its answer (or nulls)."""
    meeting = {
        "id": row["published_id"],
        "trip": {"id": row["trip_id"], "name": row["trip_name"]},
        "start": row["start"],
        "end": row["end"],
        "city": row["city"],
        "track": row["track"],
        "delegate_name": row["delegate_name"],
        "delegation": {"id": row["delegation_org_id"], "short_name": row["delegation_short_name"]},
        "host": {"id": row["host_org_id"], "short_name": row["host_short_name"]},
    }
    took_place = None if row["took_place"] is None else bool(row["took_place"])
    return {key: row[key] for key in FORM_KEYS} | {
        "organisation": {"id": row["org_id"], "short_name": row["org_short_name"]},
        "meeting": meeting,
        "took_place": took_place,
        "answered_by": row["user_email"],
    }


def list_followups():
    """A member's forms (unanswered first); for coordinators and administrators every answer, as the
    web's table of answers; ``trip`` keeps one trip's. ``pending``: the forms still unanswered."""
    trip_id = query_id("trip")
    db = get_db()
    queries.open_due(db, today())
    if current_user.role in STAFF_ROLES:
        rows = queries.answers(db, trip_id)
        pending = queries.pending(db, trip_id)
    else:
        rows = [r for r in queries.forms_for(db, current_user.org_ids) if trip_id in (None, r["trip_id"])]
        pending = sum(1 for r in rows if r["answered_at"] is None)
    page, per_page = page_args()
    items = [followup_json(row) for row in rows[(page - 1) * per_page : page * per_page]]
    return page_of(items, len(rows), page, per_page, pending=pending)


def show_followup(followup_id: int):
    """One form, for a member of the organisation it asks, coordinators and administrators."""
    return jsonify(ok=True, followup=followup_json(as_account(queries.form_for, followup_id)))


@members_only
def answer_followup(followup_id: int):
    """Answer (or change the answer to) a form of one's organisation, as the web's form does."""
    body = checked(json_body(), ANSWER_BODY)
    fields = {
        "took_place": body["took_place"],
        "relevance": body.get("relevance"),
        "outcome": body.get("outcome"),
        "next_step": body.get("next_step", ""),
    }
    return jsonify(ok=True, followup=followup_json(as_account(queries.answer_form, followup_id, fields)))

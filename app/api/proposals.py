"""API views on proposals, for coordinators and administrators: a coordinator's own proposal of a
pairing, and the engine's proposal run that fills the review queue.

Both go through the operations the web calls (``app.operations.pairings``): ``propose`` behind the
form of an organisation's page, ``request_proposals`` behind the queue's *Refresh* button, which
records the run the worker then does in rounds.
"""

from __future__ import annotations

from flask import current_app, jsonify, url_for
from flask_login import current_user

from app.api.pairings import coordinators_only, pairing_detail
from app.api.payloads import Field, checked, in_reader_language, json_body
from app.coordination import proposals
from app.db import get_db
from app.errors import api_domain_error, describe
from app.operations import pairings
from models.errors import Conflict, NotFound
from models.vocabulary import TRACKS

PROPOSAL_BODY = {
    "org_id": Field(int),
    "partner_id": Field(int),
    "track": Field(str, choices=TRACKS),
    "note": Field(str, max_length=pairings.MAX_COMMENT_LENGTH),
}


@coordinators_only
def propose_pairing():
    """Put a pair across the Atlantic in the review queue for a track, with a note, as the web does.

    A pairing of the pair and track that exists already is a 409 whose ``Location`` is that pairing."""
    body = checked(json_body(), PROPOSAL_BODY)
    try:
        pairing_id = pairings.propose(
            get_db(), current_user, body["org_id"], body["partner_id"], body["track"], body["note"]
        )
    except Conflict as error:
        if "pairing_id" not in error.params:
            raise
        response = api_domain_error(error)
        response.headers["Location"] = url_for("api.show_pairing", pairing_id=error.params["pairing_id"])
        return response
    response = jsonify(ok=True, pairing=pairing_detail(pairing_id))
    response.status_code = 201
    response.headers["Location"] = url_for("api.show_pairing", pairing_id=pairing_id)
    return response


@coordinators_only
def request_proposals():
    """Ask the worker for the engine's proposals, as the queue's button does: 202 and the run's state.

    While a run is under way the answer is that run (``created`` false, still 202: the client polls
    the same ``Location``); nothing else is recorded."""
    config = current_app.config
    db = get_db()
    _run, created = pairings.request_proposals(
        db, current_user, config["PROPOSAL_MIN_SCORE"], config["PROPOSALS_PER_ORG"]
    )
    response = jsonify(ok=True, created=created, run=_run_json(proposals.run_state(db)))
    response.status_code = 202
    response.headers["Location"] = url_for("api.proposal_state")
    return response


@coordinators_only
def proposal_state():
    """The engine's proposal run: pending, running (organisations done of the total), done or failed."""
    state = proposals.run_state(get_db())
    if state is None:
        raise NotFound("the engine never proposed", code="proposals_never_run")
    return jsonify(ok=True, run=_run_json(state))


def _run_json(state: dict) -> dict:
    """A run's state, its settings, who asked for it, how far it got, and where to follow it.

    ``since``: when it was asked for (pending), last moved on (running) or ended (done, failed); the
    organisations ``done`` of the ``total`` (the total once the worker counted them; None for a run
    that ended before m203 kept counts); a failed run's ``failure`` worded in the Accept-Language, as
    on the queue page."""
    status = state["status"]
    under_way = status in proposals.UNDER_WAY
    since = {"pending": "requested_at", "running": "updated_at"}.get(status, "created_at")
    failure = None
    if status == "failed":
        with in_reader_language():
            failure = {"code": state["error_code"], "message": describe(proposals.failure(state))}
    return {
        "status": status,
        "since": state[since],
        "requested_by": state["user_email"],
        "min_score": state["min_score"],
        "per_org": state["per_org"],
        "done": state["done"],
        "total": state["total"] or None if under_way else state["total"],
        "created": state["created"],
        "failure": failure,
        "links": {"self": url_for("api.proposal_state"), "queue": url_for("api.list_pairings")},
    }

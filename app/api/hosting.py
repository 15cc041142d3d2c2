"""API view of a host's answer to a published delegation meeting: accept it, or decline it proposing
another slot. The rules live in ``app.hosting.operations``, which the web's hosting page and the
mail's signed link call too; only members of the host organisation answer for it.
"""

from __future__ import annotations

from flask import abort, jsonify
from flask_babel import force_locale
from flask_login import current_user

from app.api.payloads import ApiProblem, Field, checked, json_body
from app.api.trips import meeting_json
from app.db import get_db
from app.errors import api_domain_error, describe
from app.hosting import operations
from app.trips.meetings import with_guests
from models.errors import HostAnswerRefused, NotFound
from models.vocabulary import HOST_ANSWERS

ANSWER_BODY = {
    "answer": Field(str, choices=HOST_ANSWERS),
    "note": Field(str, required=False, max_length=operations.NOTE_MAX),
}
# Refusals about the body's values (the web answers 400): the field at fault, answered 422.
VALUE_FIELDS = {"bad_host_answer": "answer", "note_needed": "note", "note_too_long": "note"}


def answer_meeting(meeting_id: int):
    """Accept a published meeting one's organisation hosts, or decline it with a note for the
    coordinators (the other slot that would suit); the meeting as it is now and its ``host_note``."""
    body = checked(json_body(), ANSWER_BODY)
    db = get_db()
    try:
        row = operations.answer_meeting(db, meeting_id, current_user.id, body["answer"], body.get("note", ""))
    except HostAnswerRefused as refusal:
        if refusal.code in VALUE_FIELDS:
            with force_locale("en"):
                raise ApiProblem(422, describe(refusal), field=VALUE_FIELDS[refusal.code]) from None
        abort(api_domain_error(refusal))
    except NotFound as error:
        abort(api_domain_error(error))
    meeting = meeting_json(with_guests(db, [row])[0])
    return jsonify(ok=True, meeting=meeting, host_note=row["host_note"])

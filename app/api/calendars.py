"""API views on private calendar addresses (``/cal/<token>.ics``): the ones the account may manage,
make one, revoke one; as the web's buttons on the published meetings page (coordinators), on
*Meetings to confirm* (a host's members) and on *Delegation meetings* (a delegation's members).

The rules live in ``app.calendars.operations``, which the web's buttons call too. The address holds
the secret token, which is never stored: it is in the answer that makes it, to the account that made
it, and nowhere else.
"""

from __future__ import annotations

from flask import jsonify, url_for
from flask_login import current_user

from app.api.payloads import Field, as_account, checked, json_body, page_args, page_of
from app.calendars import operations
from app.db import get_db
from app.notifications import queries as notifications
from models.vocabulary import INTERFACE_LANGUAGES

CREATE_BODY = {
    "trip_id": Field(int),
    "delegate_id": Field(int, required=False),
    "host_org_id": Field(int, required=False),
    "language": Field(str, required=False, choices=INTERFACE_LANGUAGES),
}


def calendar_json(row: dict) -> dict:
    """A calendar address without its secret: the trip, the delegate it follows (null: the meetings the
    organisation hosts), the organisation it is for, its events' language."""
    delegate = {"id": row["delegate_id"], "name": row["delegate_name"]}
    return {
        "id": row["id"],
        "trip": {"id": row["trip_id"], "name": row["trip_name"]},
        "delegate": None if row["delegate_id"] is None else delegate,
        "organisation": {"id": row["for_org_id"], "short_name": row["org_short_name"]},
        "language": row["language"],
        "created_at": row["created_at"],
        "made_by_you": row["created_by"] == current_user.id,
    }


def list_calendars():
    """The live addresses the account may revoke: every one for coordinators and administrators, a
    member's organisations' (as a host or as the delegates' organisation); the newest first."""
    rows = operations.for_account(get_db(), current_user)
    page, per_page = page_args()
    items = [calendar_json(row) for row in rows[(page - 1) * per_page : page * per_page]]
    return page_of(items, len(rows), page, per_page)


def create_calendar():
    """Make the address of one delegate's meetings (``delegate_id``) or of the meetings one's
    organisation hosts (``host_org_id``) during a trip; 201 with the address, shown this once."""
    body = checked(json_body(), CREATE_BODY)
    db = get_db()
    language = body.get("language") or notifications.preferences(db, current_user.id)["language"]
    target = {"delegate_id": body.get("delegate_id"), "org_id": body.get("host_org_id")}
    made = operations.create(db, body["trip_id"], current_user, language=language, **target)
    address = url_for("calendars.feed", token=made["token"], _external=True)
    return jsonify(ok=True, calendar=calendar_json(made) | {"url": address}), 201


def revoke_calendar(subscription_id: int):
    """Revoke an address the account may manage: it answers 404 from now on."""
    as_account(operations.revoke, subscription_id)
    return "", 204

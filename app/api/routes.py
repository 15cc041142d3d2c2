"""The JSON API under /api/v1: its rules, the account it runs as, and its description.

Authentication happens before any view (``app.auth.access.require_login``): a live bearer token,
nothing else. Views raise :class:`~app.api.payloads.ApiProblem` for refused requests and use the
web's access helpers, which ``abort`` with 403/404; ``app/errors.py`` shapes every error alike.
"""

from __future__ import annotations

import functools
import re

from flask import Blueprint, Flask, current_app, jsonify, request
from flask_login import current_user
from werkzeug.routing import BaseConverter

from app.api import (
    audit,
    calendars,
    contacts,
    dashboard,
    drafts,
    followups,
    hosting,
    introductions,
    notifications,
    organisations,
    pairings,
    proposals,
    setup,
    travel,
    trips,
)
from app.api.openapi import document
from app.api.payloads import ApiProblem
from app.db import get_db, row_id
from app.errors import api_error
from app.orgs.queries import get_organisation

bp = Blueprint("api", __name__, url_prefix="/api/v1")
API_MAX_BODY_BYTES = 256 * 1024
ID = "api_id"
_RULE_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")  # <api_id:trip_id> and <city_a>: {trip_id}


class IdConverter(BaseConverter):
    """A row id in a path. Ids past SQLite's range cannot exist: they become 0, which no row has,
    so the view answers 404 (werkzeug's ``int(max=...)`` would make some of them a 405)."""

    regex = r"[0-9]{1,25}"  # ASCII digits only; longer numbers match no rule (404)

    def to_python(self, value: str) -> int:
        return row_id(int(value))

    def to_url(self, value: int) -> str:
        return str(int(value))


def me():
    """Who the token belongs to: account, role and organisations."""
    db = get_db()
    orgs = [get_organisation(db, org_id) for org_id in current_user.org_ids]
    summaries = [
        {key: org[key] for key in ("id", "short_name", "name", "region")} for org in orgs if org is not None
    ]
    user = {"id": current_user.id, "email": current_user.email, "role": current_user.role}
    return jsonify(ok=True, user=user | {"organisations": summaries})


def openapi_document():
    """The OpenAPI 3 description of this API (public: it holds no data)."""
    return jsonify(document())


# Every view of /api/v1. Its address and method are its operation's in the OpenAPI document, whose
# operationId is the view's name: each address is written once, there.
VIEWS = [
    me,
    openapi_document,
    organisations.list_organisations,
    organisations.create_organisation,
    organisations.show_organisation,
    organisations.update_organisation,
    organisations.organisation_suggestions,
    organisations.mark_interest,
    contacts.list_contacts,
    contacts.add_contact,
    contacts.show_contact,
    contacts.change_contact,
    contacts.remove_contact,
    organisations.organisation_completeness,
    pairings.list_pairings,
    proposals.propose_pairing,
    proposals.proposal_state,
    proposals.request_proposals,
    pairings.decide_pairings,
    pairings.show_pairing,
    pairings.decide_pairing,
    trips.organisation_meetings,
    trips.list_trips,
    trips.show_trip,
    setup.create_trip,
    setup.update_trip,
    setup.list_slots,
    setup.set_slots,
    setup.list_delegation,
    setup.add_to_delegation,
    setup.show_delegation_org,
    setup.remove_from_delegation,
    setup.list_delegates,
    setup.add_delegate,
    setup.show_delegate,
    setup.remove_delegate,
    setup.list_hosts,
    setup.show_host,
    setup.save_host,
    setup.remove_host,
    setup.list_pairs,
    setup.show_pair,
    setup.save_pair,
    setup.remove_pair,
    travel.list_travel_times,
    travel.show_travel_time,
    travel.save_travel_time,
    travel.remove_travel_time,
    trips.export_trip_file,
    trips.plan_state,
    trips.plan_trip,
    drafts.show_draft,
    drafts.add_draft_meeting,
    drafts.show_draft_meeting,
    drafts.move_draft_meeting,
    drafts.remove_draft_meeting,
    drafts.set_draft_guests,
    drafts.publish_trip,
    hosting.answer_meeting,
    dashboard.show_dashboard,
    followups.list_followups,
    followups.show_followup,
    followups.answer_followup,
    trips.export_pairings_file,
    audit.list_audit,
    introductions.list_requests,
    introductions.send_request,
    introductions.show_request,
    introductions.answer_request,
    introductions.withdraw_request,
    notifications.list_notifications,
    notifications.mark_notifications_read,
    notifications.show_preferences,
    notifications.set_preferences,
    calendars.list_calendars,
    calendars.create_calendar,
    calendars.revoke_calendar,
]


def _rule(path: str, operation: dict) -> str:
    """A documented path as the blueprint's rule: ``/api/v1/trips/{trip_id}`` is
    ``/trips/<api_id:trip_id>``, a path parameter that is not an id stays text (``<city_a>``)."""
    params = operation.get("parameters", [])
    ids = {p["name"] for p in params if p["in"] == "path" and p["schema"].get("type") == "integer"}

    def converted(match: re.Match) -> str:
        name = match.group(1)
        return f"<{ID}:{name}>" if name in ids else f"<{name}>"

    return re.sub(r"\{(\w+)\}", converted, path.removeprefix(bp.url_prefix))


def _register_views() -> None:
    """Add a rule for each documented operation, to the view of its operationId; a view without an
    operation, or an operation without a view, stops the app at start-up."""
    views = {view.__name__: view for view in VIEWS}
    undocumented = set(views)
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            name = operation["operationId"]
            if name not in views:
                raise RuntimeError(f"The OpenAPI operation {name} ({method.upper()} {path}) has no view.")
            # merge_slashes=False: "//" in a path is a 404, never a redirect.
            bp.add_url_rule(
                _rule(path, operation), view_func=views[name], methods=[method.upper()], merge_slashes=False
            )
            undocumented.discard(name)
    if undocumented:
        raise RuntimeError(f"Views without an OpenAPI operation: {', '.join(sorted(undocumented))}.")


_register_views()


@bp.before_request
def _limit_body():
    """JSON bodies are small: refuse more than API_MAX_BODY_BYTES (413) before reading them."""
    request.max_content_length = current_app.config["API_MAX_BODY_BYTES"]


@bp.before_request
def _known_query_parameters():
    """Each address takes the query parameters its OpenAPI operation names, each at most once: 400
    for any other (a misspelt ``?regoin=`` would otherwise be ignored and answer the whole list)."""
    if request.url_rule is None:
        return
    path = _RULE_PARAMETER.sub(r"{\1}", request.url_rule.rule)
    known = _query_parameters().get((path, request.method.lower()), frozenset())
    for name in request.args:
        if name not in known:
            takes = ", ".join(sorted(known)) or "none"
            raise ApiProblem(
                400, f"Unknown query parameter '{name}'; this address takes: {takes}.", field=name
            )
        if len(request.args.getlist(name)) > 1:
            raise ApiProblem(400, f"The query parameter '{name}' is given more than once.", field=name)


@functools.cache
def _query_parameters() -> dict[tuple[str, str], frozenset[str]]:
    """``{(OpenAPI path, method): names of its documented query parameters}``, from the document."""
    names = {}
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            names[(path, method)] = frozenset(p["name"] for p in params if p["in"] == "query")
    return names


@bp.after_request
def _no_store(response):
    """Answers depend on the token: no cache may keep them."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(ApiProblem)
def _problem(error: ApiProblem):
    return api_error(error.status, error.message, error.errors)


def init_app(app: Flask) -> None:
    """Register the API; it takes bearer tokens only, so browsers' CSRF protection does not apply."""
    app.config.setdefault("API_MAX_BODY_BYTES", API_MAX_BODY_BYTES)
    app.url_map.converters[ID] = IdConverter
    app.register_blueprint(bp)
    app.extensions["csrf"].exempt(bp)

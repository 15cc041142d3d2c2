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


RULES = [
    ("/me", me, "GET"),
    ("/openapi.json", openapi_document, "GET"),
    ("/organisations", organisations.list_organisations, "GET"),
    ("/organisations", organisations.create_organisation, "POST"),
    (f"/organisations/<{ID}:org_id>", organisations.show_organisation, "GET"),
    (f"/organisations/<{ID}:org_id>", organisations.update_organisation, "PATCH"),
    (f"/organisations/<{ID}:org_id>/suggestions", organisations.organisation_suggestions, "GET"),
    (f"/organisations/<{ID}:org_id>/interests", organisations.mark_interest, "POST"),
    (f"/organisations/<{ID}:org_id>/contacts", contacts.list_contacts, "GET"),
    (f"/organisations/<{ID}:org_id>/contacts", contacts.add_contact, "POST"),
    (f"/organisations/<{ID}:org_id>/contacts/<{ID}:contact_id>", contacts.show_contact, "GET"),
    (f"/organisations/<{ID}:org_id>/contacts/<{ID}:contact_id>", contacts.change_contact, "PATCH"),
    (f"/organisations/<{ID}:org_id>/contacts/<{ID}:contact_id>", contacts.remove_contact, "DELETE"),
    (f"/organisations/<{ID}:org_id>/completeness", organisations.organisation_completeness, "GET"),
    ("/pairings", pairings.list_pairings, "GET"),
    ("/pairings", proposals.propose_pairing, "POST"),
    ("/proposals", proposals.proposal_state, "GET"),
    ("/proposals", proposals.request_proposals, "POST"),
    ("/pairings/decisions", pairings.decide_pairings, "POST"),
    (f"/pairings/<{ID}:pairing_id>", pairings.show_pairing, "GET"),
    (f"/pairings/<{ID}:pairing_id>/decisions", pairings.decide_pairing, "POST"),
    (f"/organisations/<{ID}:org_id>/meetings", trips.organisation_meetings, "GET"),
    ("/trips", trips.list_trips, "GET"),
    (f"/trips/<{ID}:trip_id>", trips.show_trip, "GET"),
    ("/trips", setup.create_trip, "POST"),
    (f"/trips/<{ID}:trip_id>", setup.update_trip, "PATCH"),
    (f"/trips/<{ID}:trip_id>/slots", setup.list_slots, "GET"),
    (f"/trips/<{ID}:trip_id>/slots", setup.set_slots, "PUT"),
    (f"/trips/<{ID}:trip_id>/delegation", setup.list_delegation, "GET"),
    (f"/trips/<{ID}:trip_id>/delegation", setup.add_to_delegation, "POST"),
    (f"/trips/<{ID}:trip_id>/delegation/<{ID}:org_id>", setup.show_delegation_org, "GET"),
    (f"/trips/<{ID}:trip_id>/delegation/<{ID}:org_id>", setup.remove_from_delegation, "DELETE"),
    (f"/trips/<{ID}:trip_id>/delegates", setup.list_delegates, "GET"),
    (f"/trips/<{ID}:trip_id>/delegates", setup.add_delegate, "POST"),
    (f"/trips/<{ID}:trip_id>/delegates/<{ID}:delegate_id>", setup.show_delegate, "GET"),
    (f"/trips/<{ID}:trip_id>/delegates/<{ID}:delegate_id>", setup.remove_delegate, "DELETE"),
    (f"/trips/<{ID}:trip_id>/hosts", setup.list_hosts, "GET"),
    (f"/trips/<{ID}:trip_id>/hosts/<{ID}:org_id>", setup.show_host, "GET"),
    (f"/trips/<{ID}:trip_id>/hosts/<{ID}:org_id>", setup.save_host, "PUT"),
    (f"/trips/<{ID}:trip_id>/hosts/<{ID}:org_id>", setup.remove_host, "DELETE"),
    (f"/trips/<{ID}:trip_id>/pairs", setup.list_pairs, "GET"),
    (f"/trips/<{ID}:trip_id>/pairs/<{ID}:org_id>/<{ID}:host_org_id>", setup.show_pair, "GET"),
    (f"/trips/<{ID}:trip_id>/pairs/<{ID}:org_id>/<{ID}:host_org_id>", setup.save_pair, "PUT"),
    (f"/trips/<{ID}:trip_id>/pairs/<{ID}:org_id>/<{ID}:host_org_id>", setup.remove_pair, "DELETE"),
    ("/travel-times", travel.list_travel_times, "GET"),
    ("/travel-times/<city_a>/<city_b>", travel.show_travel_time, "GET"),
    ("/travel-times/<city_a>/<city_b>", travel.save_travel_time, "PUT"),
    ("/travel-times/<city_a>/<city_b>", travel.remove_travel_time, "DELETE"),
    (f"/trips/<{ID}:trip_id>/export", trips.export_trip_file, "GET"),
    (f"/trips/<{ID}:trip_id>/plan", trips.plan_state, "GET"),
    (f"/trips/<{ID}:trip_id>/plan", trips.plan_trip, "POST"),
    (f"/trips/<{ID}:trip_id>/draft", drafts.show_draft, "GET"),
    (f"/trips/<{ID}:trip_id>/draft/meetings", drafts.add_draft_meeting, "POST"),
    (f"/trips/<{ID}:trip_id>/draft/meetings/<{ID}:meeting_id>", drafts.show_draft_meeting, "GET"),
    (f"/trips/<{ID}:trip_id>/draft/meetings/<{ID}:meeting_id>", drafts.move_draft_meeting, "PATCH"),
    (f"/trips/<{ID}:trip_id>/draft/meetings/<{ID}:meeting_id>", drafts.remove_draft_meeting, "DELETE"),
    (f"/trips/<{ID}:trip_id>/draft/meetings/<{ID}:meeting_id>/guests", drafts.set_draft_guests, "PUT"),
    (f"/trips/<{ID}:trip_id>/publish", drafts.publish_trip, "POST"),
    (f"/meetings/<{ID}:meeting_id>/answer", hosting.answer_meeting, "POST"),
    ("/dashboard", dashboard.show_dashboard, "GET"),
    ("/followups", followups.list_followups, "GET"),
    (f"/followups/<{ID}:followup_id>", followups.show_followup, "GET"),
    (f"/followups/<{ID}:followup_id>", followups.answer_followup, "PUT"),
    ("/exports/pairings", trips.export_pairings_file, "GET"),
    ("/audit", audit.list_audit, "GET"),
    ("/requests", introductions.list_requests, "GET"),
    ("/requests", introductions.send_request, "POST"),
    (f"/requests/<{ID}:request_id>", introductions.show_request, "GET"),
    (f"/requests/<{ID}:request_id>/answer", introductions.answer_request, "POST"),
    (f"/requests/<{ID}:request_id>/withdraw", introductions.withdraw_request, "POST"),
    ("/notifications", notifications.list_notifications, "GET"),
    ("/notifications/read", notifications.mark_notifications_read, "POST"),
    ("/account/notifications", notifications.show_preferences, "GET"),
    ("/account/notifications", notifications.set_preferences, "PUT"),
    ("/account/calendars", calendars.list_calendars, "GET"),
    ("/account/calendars", calendars.create_calendar, "POST"),
    (f"/account/calendars/<{ID}:subscription_id>", calendars.revoke_calendar, "DELETE"),
]
for _rule, _view, _method in RULES:
    # merge_slashes=False: "//" in a path is a 404, never a redirect.
    bp.add_url_rule(_rule, view_func=_view, methods=[_method], merge_slashes=False)


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

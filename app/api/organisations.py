"""API views on organisations: the directory, one profile, create and update, suggestions, interest,
the profile's completeness.

Permissions are the web's, through the same helpers: everyone reads profiles; ``get_org_or_404``
lets members act for their own organisations only; creating one is for coordinators and admins.
"""

from __future__ import annotations

import contextlib

from flask import jsonify, request, url_for
from flask_login import current_user

from app import matching
from app.api.payloads import (
    ApiProblem,
    Field,
    checked,
    in_reader_language,
    json_body,
    page_args,
    page_of,
    profile_problems,
    query_choice,
    query_int,
)
from app.auth.access import get_org_or_404, role_required
from app.db import get_db
from app.i18n import COMPLETENESS_ANCHORS, label
from app.members import queries as member_queries
from app.operations import organisations, stances
from app.orgs import queries as org_queries
from app.people.queries import contacts_json, visible_contacts
from models.errors import InvalidInput
from models.profiles import EXPORT_FIELDS, TEXT_FIELDS
from models.vocabulary import ORG_TYPES, REGIONS, STANCE_ACTIONS, TRACKS

ORG_KEYS = ("id", *EXPORT_FIELDS, "created_at", "updated_at")
MAX_TOP = 100
INTEREST_BODY = {
    "partner_id": Field(int),
    "track": Field(str, choices=TRACKS),
    "kind": Field(str, choices=STANCE_ACTIONS),
    "reason": Field(str, required=False, max_length=stances.MAX_REASON_LENGTH),
}


def organisation_json(org: dict, translations: dict) -> dict:
    """An organisation as the API shows it: the import fields, its second-language versions, id and
    timestamps."""
    shown = {key: "" if org.get(key) is None else org[key] for key in ORG_KEYS}
    versions = {lang: {field: texts[field] for field in TEXT_FIELDS} for lang, texts in translations.items()}
    return shown | {"translations": versions}


def _detail(org_id: int) -> dict:
    """One organisation with its topics."""
    db = get_db()
    org = org_queries.get_organisation(db, org_id)
    topics = [{"id": t.id, "fr": t.fr, "en": t.en} for t in matching.org_topics(db, org_id)]
    return organisation_json(org, org_queries.translations_of(db, org_id)) | {"topics": topics}


def list_organisations():
    """Every organisation, filtered by region, kind and city, one page at a time."""
    region = query_choice("region", REGIONS)
    kind = query_choice("type", ORG_TYPES)
    city = (request.args.get("city") or "").strip().casefold()
    page, per_page = page_args()
    orgs = [
        org
        for org in org_queries.list_organisations(get_db(), region=region)
        if (not kind or org["type"] == kind) and (not city or org["city"].casefold() == city)
    ]
    start = (page - 1) * per_page
    shown = orgs[start : start + per_page]
    versions = org_queries.translations_by_org(get_db(), [org["id"] for org in shown])
    items = [organisation_json(org, versions.get(org["id"], {})) for org in shown]
    return page_of(items, len(orgs), page, per_page)


def show_organisation(org_id: int):
    """One organisation's profile and topics (any account may read it, as in the directory)."""
    get_org_or_404(org_id, check_member=False)
    contacts = contacts_json(visible_contacts(get_db(), current_user, org_id))  # null: not linked yet
    may_edit = current_user.may_act_for(org_id)
    return jsonify(ok=True, organisation=_detail(org_id), may_edit=may_edit, contacts=contacts)


def create_organisation():
    """Add an organisation from a complete profile in the import format (coordinators, admins)."""
    with _profile_problems():
        saved = organisations.create_organisation(get_db(), current_user, json_body())
    response = jsonify(
        ok=True, organisation=_detail(saved.org_id), suggestions_pending=saved.suggestions_pending
    )
    response.status_code = 201
    response.headers["Location"] = url_for("api.show_organisation", org_id=saved.org_id)
    return response


def update_organisation(org_id: int):
    """Change some fields of a profile the user may act for; the result must pass the contract."""
    get_org_or_404(org_id)
    with _profile_problems():
        saved = organisations.update_profile(get_db(), current_user, org_id, json_body())
    return jsonify(ok=True, organisation=_detail(org_id), suggestions_pending=saved.suggestions_pending)


def organisation_suggestions(org_id: int):
    """Ranked partners across the Atlantic for one of the user's organisations and a track."""
    org = get_org_or_404(org_id)
    track = query_choice("track", TRACKS) or _default_track(org)
    top = query_int("top", 10, 1, MAX_TOP)
    ranked = matching.suggestions_for(get_db(), org_id, track, top_k=top, hide_dismissed=True)
    return jsonify(ok=True, org_id=org_id, track=track, items=[s.to_dict() for s in ranked])


def organisation_completeness(org_id: int):
    """The profile page's completeness gauge: the share of its checks met, and each missing item with
    the page's advice (in the ``Accept-Language``, English without one) and a link to its field."""
    org = get_org_or_404(org_id)
    gauge = member_queries.profile_completeness(get_db(), org)
    edit = url_for("members.edit", org_id=org_id)
    with in_reader_language():
        missing = [
            {
                "code": code,
                "advice": label("completeness", code),
                "link": f"{edit}#{COMPLETENESS_ANCHORS[code]}",
            }
            for code in gauge.missing
        ]
    return jsonify(ok=True, org_id=org_id, percent=gauge.percent, missing=missing)


@role_required("member")
def mark_interest(org_id: int):
    """Record the organisation's stance on a partner, exactly as the suggestion cards do."""
    get_org_or_404(org_id)
    body = checked(json_body(), INTEREST_BODY)
    stance = stances.set_stance(
        get_db(),
        current_user,
        org_id,
        body["partner_id"],
        body["track"],
        body["kind"],
        body.get("reason", ""),
    )
    return jsonify(
        ok=True,
        org_id=org_id,
        partner_id=stance.partner["id"],
        track=stance.track,
        kind=stance.kind,
        reason=stance.reason,
        pairing_id=stance.pairing_id,
        mutual=stance.mutual,
    )


@contextlib.contextmanager
def _profile_problems():
    """An import-contract refusal as 422 with every problem by field; other errors as they are."""
    try:
        yield
    except InvalidInput as error:
        if error.code != "invalid_profile":
            raise
        message = "The profile does not follow the import format."
        raise ApiProblem(422, message, profile_problems(error.params["problems"])) from None


def _default_track(org: dict) -> str:
    """The first track the organisation lists, as on its suggestions page."""
    return next((track for track in TRACKS if track in org["collaboration_types"]), TRACKS[0])

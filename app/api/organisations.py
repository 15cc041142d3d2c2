"""API views on organisations: the directory, one profile, create and update, suggestions, interest.

Permissions are the web's, through the same helpers: everyone reads profiles; ``get_org_or_404``
lets members act for their own organisations only; creating one is for coordinators and admins.
"""

from __future__ import annotations

from flask import current_app, jsonify, request, url_for
from flask_login import current_user

from app import matching
from app.api.payloads import (
    ApiProblem,
    Field,
    checked,
    json_body,
    page_args,
    page_of,
    problem,
    profile_problems,
    query_choice,
    query_int,
)
from app.auth.access import get_org_or_404, role_required
from app.coordination.queries import WANTING
from app.db import get_db, immediate
from app.members import queries as member_queries
from app.members.forms import MAX_REASON_LENGTH, STANCES
from app.orgs import queries as org_queries
from app.people.queries import contacts_json, visible_contacts
from models.errors import EmbeddingModelError
from models.profiles import EXPORT_FIELDS, ORG_TYPES, REGIONS, TRACKS, validate_profile

ORG_KEYS = ("id", *EXPORT_FIELDS, "created_at", "updated_at")
MAX_TOP = 100
POOL = 200  # ranked partners searched for a partner's score, as on the web
INTEREST_BODY = {
    "partner_id": Field(int),
    "track": Field(str, choices=TRACKS),
    "kind": Field(str, choices=STANCES),
    "reason": Field(str, required=False, max_length=MAX_REASON_LENGTH),
}


def organisation_json(org: dict) -> dict:
    """An organisation as the API shows it: the import fields plus id and timestamps."""
    return {key: "" if org.get(key) is None else org[key] for key in ORG_KEYS}


def _detail(org_id: int) -> dict:
    """One organisation with its topics."""
    db = get_db()
    org = org_queries.get_organisation(db, org_id)
    topics = [{"id": t.id, "fr": t.fr, "en": t.en} for t in matching.org_topics(db, org_id)]
    return organisation_json(org) | {"topics": topics}


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
    items = [organisation_json(org) for org in orgs[start : start + per_page]]
    return page_of(items, len(orgs), page, per_page)


def show_organisation(org_id: int):
    """One organisation's profile and topics (any account may read it, as in the directory)."""
    get_org_or_404(org_id, check_member=False)
    contacts = contacts_json(visible_contacts(get_db(), current_user, org_id))  # null: not linked yet
    may_edit = current_user.may_act_for(org_id)
    return jsonify(ok=True, organisation=_detail(org_id), may_edit=may_edit, contacts=contacts)


@role_required("coordinator", "admin")
def create_organisation():
    """Add an organisation from a complete profile in the import format."""
    record = _valid_profile(json_body())
    db = get_db()
    with immediate(db):  # the short name is checked and taken under the write lock
        if org_queries.short_name_owner(db, record["short_name"]) is not None:
            raise _short_name_taken(record["short_name"])
        org_id = org_queries.create_organisation(db, record)
    updated = _refresh(org_id)
    response = jsonify(ok=True, organisation=_detail(org_id), suggestions_updated=updated)
    response.status_code = 201
    response.headers["Location"] = url_for("api.show_organisation", org_id=org_id)
    return response


def update_organisation(org_id: int):
    """Change some fields of a profile the user may act for; the result must pass the contract."""
    get_org_or_404(org_id)
    changes = json_body()
    db = get_db()
    with immediate(db):  # read the current profile and write the merged one in one locked transaction
        org = org_queries.get_organisation(db, org_id)
        record = _valid_profile({field: org[field] for field in EXPORT_FIELDS} | changes)
        other = org_queries.short_name_owner(db, record["short_name"])
        if other is not None and other["id"] != org_id:
            raise _short_name_taken(record["short_name"])
        if record["region"] != org["region"] and _has_pairings(org_id):
            message = "The region cannot change while the organisation has pairings. Ask a coordinator."
            raise ApiProblem(409, message, field="region")
        status = record.pop("status")
        if status != org["status"] and current_user.role not in ("coordinator", "admin"):
            message = "Only coordinators and administrators change an organisation's status."
            raise ApiProblem(403, message, field="status")
        org_queries.update_organisation(db, org_id, record)  # without status: written and audited here
        org_queries.write_status(db, org_id, status, current_user.id)
    updated = _refresh(org_id)
    return jsonify(ok=True, organisation=_detail(org_id), suggestions_updated=updated)


def organisation_suggestions(org_id: int):
    """Ranked partners across the Atlantic for one of the user's organisations and a track."""
    org = get_org_or_404(org_id)
    track = query_choice("track", TRACKS) or _default_track(org)
    top = query_int("top", 10, 1, MAX_TOP)
    ranked = matching.suggestions_for(get_db(), org_id, track, top_k=top, hide_dismissed=True)
    return jsonify(ok=True, org_id=org_id, track=track, items=[s.to_dict() for s in ranked])


@role_required("member")
def mark_interest(org_id: int):
    """Record the organisation's stance on a partner, exactly as the suggestion cards do."""
    org = get_org_or_404(org_id)
    body = checked(json_body(), INTEREST_BODY)
    db = get_db()
    partner = org_queries.get_organisation(db, body["partner_id"])
    if partner is None or partner["region"] == org["region"]:
        message = "partner_id must name an organisation on the other side of the Atlantic."
        raise ApiProblem(422, message, field="partner_id")
    track, kind = body["track"], body["kind"]
    ranked = matching.suggestions_for(db, org_id, track, top_k=POOL)
    score = next((s.score for s in ranked if s.org_id == partner["id"]), None)
    reason = body.get("reason", "").strip()
    pairing_id = member_queries.set_interest(db, org, partner, track, kind, reason, current_user.id, score)
    theirs = member_queries.stances_towards(db, org_id).get((partner["id"], track))
    return jsonify(
        ok=True,
        org_id=org_id,
        partner_id=partner["id"],
        track=track,
        kind=kind,
        reason=reason if kind != "clear" else "",
        pairing_id=pairing_id,
        mutual=kind in WANTING and theirs in WANTING,
    )


def _valid_profile(raw: dict) -> dict:
    """The clean record, or 422 with every problem of the import contract by field."""
    record, problems = validate_profile(raw)
    if problems:
        raise ApiProblem(422, "The profile does not follow the import format.", profile_problems(problems))
    return record


def _short_name_taken(short_name: str) -> ApiProblem:
    message = f"Another organisation already uses the short name '{short_name}'."
    return ApiProblem(409, message, [problem(message, "short_name")])


def _refresh(org_id: int) -> bool:
    """Re-embed one profile; False (and a log line) when the engine cannot run now."""
    try:
        matching.refresh_org(get_db(), org_id)
    except EmbeddingModelError:
        current_app.logger.exception("re-embedding organisation %s failed", org_id)
        return False
    return True


def _has_pairings(org_id: int) -> bool:
    row = get_db().execute(
        "SELECT 1 FROM pairings WHERE bfc_org_id = ? OR qc_org_id = ? LIMIT 1", [org_id, org_id]
    )
    return row.fetchone() is not None


def _default_track(org: dict) -> str:
    """The first track the organisation lists, as on its suggestions page."""
    return next((track for track in TRACKS if track in org["collaboration_types"]), TRACKS[0])

"""A member's pages: suggestions per track with evidence, stances on partners, the profile form."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import engine_jobs, matching
from app.auth.access import get_org_or_404, role_required
from app.coordination.queries import pairings_of_org
from app.db import get_db
from app.errors import flash_error
from app.members import profile, queries
from app.members.forms import InterestForm
from app.operations import stances
from app.orgs.queries import get_organisation
from models.errors import PasserelleError
from models.matching.results import Suggestion
from models.vocabulary import CLEAR_STANCE, ORG_TYPES, TRACKS, WANTING

bp = Blueprint("members", __name__, url_prefix="/members")
SHOWN = 10  # suggestions per tab
POOL = 200  # ranked partners fetched before filtering by city and kind


@dataclass(frozen=True)
class Card:
    """A suggestion with what this organisation, its partner and the coordinators made of it."""

    suggestion: Suggestion
    stance: dict | None
    mutual: bool
    pairing: dict | None
    form: InterestForm | None  # made for the cards the page shows only (200 forms: 90 ms)


@bp.get("/")
@role_required("member")
def home():
    """A member's home: the suggestions of their (first) organisation."""
    if not current_user.org_ids:
        abort(403)
    return redirect(url_for("members.suggestions", org_id=current_user.org_ids[0]))


@bp.get("/<int:org_id>/")
def suggestions(org_id: int):
    """Suggested partners for one track, filtered by city and kind, with evidence side by side."""
    org = get_org_or_404(org_id)
    return _render(org)


@bp.post("/<int:org_id>/interest")
@role_required("member")
def interest(org_id: int):
    """Mark a suggested partner as interesting, not relevant, or ask for an introduction."""
    org = get_org_or_404(org_id)
    form = InterestForm()
    if not form.validate_on_submit():
        flash(_("Your choice could not be saved: check the form below. Nothing was changed."), "error")
        return _render(org, bad_form=form, status=400)
    try:
        stance = stances.set_stance(
            get_db(),
            current_user,
            org_id,
            form.partner_id.data,
            form.track.data,
            form.kind.data,
            form.reason.data,
        )
    except PasserelleError as error:
        flash_error(error)
        return _render(org, status=400)
    _flash_stance(stance)
    target = url_for(
        "members.suggestions",
        org_id=org_id,
        track=stance.track,
        card=stance.partner["id"],
        **_filters(),
    )
    return redirect(f"{target}#partner-{stance.partner['id']}")  # the message shows inside that card


bp.add_url_rule("/<int:org_id>/profile", view_func=profile.edit, methods=["GET", "POST"])
bp.add_url_rule("/<int:org_id>/profile/translation", view_func=profile.edit_translation, methods=["POST"])


def _filters() -> dict:
    """The city and kind filters of the current request, only when they are valid."""
    source = request.args if request.method == "GET" else request.form
    wanted = {
        "city": source.get("city", ""),
        "type": source.get("type", ""),
        "limit": source.get("limit", ""),
    }
    if not wanted["limit"].isdigit() or int(wanted["limit"]) <= SHOWN:
        wanted["limit"] = ""  # the first page needs no limit
    return {key: value for key, value in wanted.items() if value}


def _render(org: dict, *, bad_form: InterestForm | None = None, status: int = 200):
    db = get_db()
    track = request.values.get("track") or _default_track(org)
    if track not in TRACKS:
        abort(400)
    filters = _filters()
    if filters.get("type") and filters["type"] not in ORG_TYPES:
        abort(400)
    # Evidence only for the cards the page shows: the pool is for filters and counts.
    ranked = matching.suggestions_for(db, org["id"], track, top_k=POOL, evidence=False)
    cards, hidden = _cards(db, org, track, ranked, filters, bad_form)
    limit = min(int(filters.get("limit", SHOWN)), POOL)
    card_flash = request.args.get("card", type=int)
    shown = [
        replace(
            card,
            suggestion=matching.explain(db, org["id"], card.suggestion.org_id, track),
            form=card.form or InterestForm(formdata=None, partner_id=card.suggestion.org_id, track=track),
        )
        for card in cards[:limit]
    ]
    return render_template(
        "members/suggestions.html",
        org=org,
        updating=engine_jobs.is_pending(db, org["id"]),
        track=track,
        cards=shown,
        more=max(len(cards) - limit, 0),
        more_url=url_for(
            "members.suggestions", org_id=org["id"], track=track, **(filters | {"limit": limit + SHOWN})
        ),
        card_flash=card_flash if any(c.suggestion.org_id == card_flash for c in shown) else None,
        hidden=hidden,
        filters=filters,
        cities=sorted({s.city for s in ranked}, key=str.casefold),
        kinds=sorted({s.type for s in ranked}),
        approved=[p for p in pairings_of_org(db, org["id"]) if p["status"] == "approved"],
        may_act=current_user.role == "member",
        my_orgs=[get_organisation(db, org_id) for org_id in current_user.org_ids],
        fullness=queries.profile_completeness(db, org) if current_user.may_act_for(org["id"]) else None,
    ), status


def _cards(db, org, track, ranked, filters, bad_form):
    """Cards for the ranked suggestions that pass the filters; not-relevant ones are counted apart."""
    mine = queries.stances(db, org["id"])
    theirs = queries.stances_towards(db, org["id"])
    pairings = queries.pairing_statuses(db, org["id"])
    show_dismissed = request.args.get("dismissed") == "1"
    cards, hidden = [], 0
    for suggestion in ranked:
        if filters.get("city") and suggestion.city != filters["city"]:
            continue
        if filters.get("type") and suggestion.type != filters["type"]:
            continue
        key = (suggestion.org_id, track)
        stance = mine.get(key)
        if stance and stance["kind"] == "not_relevant" and not show_dismissed:
            hidden += 1
            continue
        mutual = bool(stance and stance["kind"] in WANTING and theirs.get(key) in WANTING)
        form = bad_form if bad_form is not None and bad_form.partner_id.data == suggestion.org_id else None
        cards.append(Card(suggestion, stance, mutual, pairings.get(key), form))
    return cards, hidden


def _default_track(org: dict) -> str:
    listed = [track for track in TRACKS if track in org["collaboration_types"]]
    return (listed or list(TRACKS))[0]


def _flash_stance(stance: stances.Stance) -> None:
    name, kind = stance.partner["short_name"], stance.kind
    if kind == CLEAR_STANCE:
        flash(_("Your choice about %(name)s has been withdrawn.", name=name), "info")
    elif kind == "not_relevant":
        flash(_("%(name)s is marked as not relevant and hidden from this list.", name=name), "info")
    elif stance.mutual:
        flash(
            _("Mutual interest: %(name)s is interested too. The coordinators will see it first.", name=name),
            "success",
        )
    elif kind == "intro_request":
        flash(
            _("Your request for an introduction to %(name)s has been sent to the coordinators.", name=name),
            "success",
        )
    else:
        flash(_("Your interest in %(name)s has been recorded.", name=name), "success")

"""The directory: every profile, free-text search by meaning, filters, and one profile's page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app import matching
from app.auth.access import get_org_or_404, role_required
from app.coordination.forms import ProposalForm
from app.coordination.queries import pairings_of_org
from app.db import get_db
from app.errors import flash_error
from app.i18n import city_label, label
from app.introductions.forms import RequestForm
from app.operations import organisations, pairings, stances
from app.orgs.actions import actions_for
from app.orgs.forms import DirectoryFilters, StanceForm, StatusForm
from app.orgs.queries import directory_page, list_cities
from app.paging import page_count, page_number
from app.people.queries import visible_contacts
from models.errors import PasserelleError
from models.vocabulary import CLEAR_STANCE, STAFF_ROLES, TRACKS

bp = Blueprint("orgs", __name__, url_prefix="/organisations")
STANCE_PREFIX = "stance"  # the page's request form has fields of the same names
PAGE_SIZE = 120  # organisation cards a page: 100,000 organisations made a 20 MB page


@bp.get("/")
def directory():
    """Organisations filtered by region, kind and city, ranked by meaning when a search is typed."""
    db = get_db()
    form = DirectoryFilters(request.args)
    cities = [SelectChoice(city, city_label(city)) for city in list_cities(db)]
    form.city.choices = [form.city.choices[0], *cities]
    status, page, counts = 200, page_number(request.args.get("page")), {}
    if not form.validate() or page is None:
        status, hits, orgs, page = 400, [], [], 1
    elif form.q.data and form.q.data.strip():
        hits = matching.search(
            db,
            form.q.data.strip(),
            top_k=20,
            region=form.region.data or None,
            org_type=form.type.data or None,
            city=form.city.data or None,
        )
        orgs = []
    else:
        hits = []
        orgs, counts = directory_page(
            db,
            region=form.region.data or None,
            org_type=form.type.data or None,
            city=form.city.data or None,
            page=page,
            per_page=PAGE_SIZE,
        )
    total = sum(counts.values())
    pages = page_count(total, PAGE_SIZE)
    filters = {key: form[key].data for key in ("region", "type", "city") if form[key].data}
    page_html = render_template(
        "orgs/directory.html",
        form=form,
        hits=hits,
        orgs=orgs,
        counts=counts,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
    )
    return page_html, status


@bp.get("/<int:org_id>")
def show(org_id: int):
    """One organisation's profile, its topics, its pairings for those who may see them, what one may do."""
    db = get_db()
    org = get_org_or_404(org_id, check_member=False)
    may_edit = current_user.may_act_for(org_id)
    pairings = pairings_of_org(db, org_id) if may_edit else []
    if current_user.role == "member":
        pairings = [p for p in pairings if p["status"] == "approved"]
    offered = actions_for(db, current_user, org, request.args.get("partner", ""))
    return render_template(
        "orgs/show.html",
        org=org,
        topics=matching.org_topics(db, org_id),
        may_edit=may_edit,
        pairings=pairings,
        contacts=visible_contacts(db, current_user, org_id),
        may_request=offered.member,
        status_form=StatusForm(status=org["status"]) if current_user.role != "member" else None,
        actions=offered,
        card_flash=request.args.get("done") == "actions",  # the message shows beside the actions
        **_action_forms(org, offered),
    )


@bp.post("/<int:partner_id>/stance")
@role_required("member")
def stance(partner_id: int):
    """A member's stance on this partner, for one of their organisations and one track; back to the page."""
    get_org_or_404(partner_id, check_member=False)
    form = StanceForm(prefix=STANCE_PREFIX)
    if not form.validate_on_submit():
        flash(_("Your choice could not be saved: check the form below. Nothing was changed."), "error")
        return _back(partner_id)
    try:
        result = stances.set_stance(
            get_db(),
            current_user,
            form.from_org_id.data,
            partner_id,
            form.track.data,
            form.kind.data,
            form.reason.data,
        )
    except PasserelleError as error:
        flash_error(error)
    else:
        track = label("track", result.track)
        if result.kind == CLEAR_STANCE:
            flash(_("Your choice on “%(track)s” has been withdrawn.", track=track), "info")
        elif result.mutual:
            flash(
                _("Mutual interest on “%(track)s”: the coordinators will see it first.", track=track),
                "success",
            )
        else:
            words = label("interest", result.kind)
            flash(_("Your choice on “%(track)s” is saved: %(kind)s.", track=track, kind=words), "success")
    return _back(partner_id)


@bp.post("/<int:org_id>/pairings")
@role_required(*STAFF_ROLES)
def propose(org_id: int):
    """A coordinator proposes a pairing of this organisation with a partner across the Atlantic."""
    get_org_or_404(org_id, check_member=False)
    form = ProposalForm()
    if not form.validate_on_submit():
        flash(_("The pairing was not proposed: choose a partner and a kind, and write a note."), "error")
        return _back(org_id)
    try:
        pairings.propose(
            get_db(), current_user, org_id, form.partner_id.data, form.track.data, form.note.data
        )
    except PasserelleError as error:
        flash_error(error)
    else:
        flash(_("The pairing is proposed: it is in the review queue."), "success")
    return _back(org_id)


def _back(org_id: int):
    """Back to the page, at its actions, where the message shows."""
    return redirect(url_for("orgs.show", org_id=org_id, done="actions") + "#actions")


def _action_forms(org: dict, offered) -> dict:
    """The forms the actions block shows (unsent: no data), for what the reader may do."""
    if offered.member:
        stance_form = StanceForm(formdata=None, prefix=STANCE_PREFIX)
        stance_form.from_org_id.choices = [(o["id"], o["short_name"]) for o in offered.acting]
        request_form = RequestForm(formdata=None, to_org_id=org["id"], track=_first_track(org))
        request_form.from_org_id.choices = stance_form.from_org_id.choices
        return {"stance_form": stance_form, "request_form": request_form}
    if offered.coordinator:
        proposal_form = ProposalForm(formdata=None, track=_first_track(org))
        proposal_form.partner_id.choices = [(p["id"], p["short_name"]) for p in offered.partners]
        return {"proposal_form": proposal_form}
    return {}


def _first_track(org: dict) -> str:
    return next((track for track in TRACKS if track in org["collaboration_types"]), TRACKS[0])


@bp.post("/<int:org_id>/status")
@role_required(*STAFF_ROLES)
def change_status(org_id: int):
    """Mark an organisation active, closed or unverified (coordinators and administrators)."""
    get_org_or_404(org_id, check_member=False)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("The status was not changed: choose active, closed or unverified."), "error")
        return redirect(url_for("orgs.show", org_id=org_id))
    try:
        changed = organisations.set_status(get_db(), current_user, org_id, form.status.data)
    except PasserelleError as error:
        flash_error(error)
    else:
        if changed:
            flash(_("The status of the profile is changed."), "success")
    return redirect(url_for("orgs.show", org_id=org_id))

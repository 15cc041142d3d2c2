"""The directory: every profile, free-text search by meaning, filters, and one profile's page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app import matching
from app.auth.access import get_org_or_404, role_required
from app.coordination.queries import pairings_of_org
from app.db import get_db
from app.errors import flash_error
from app.i18n import city_label
from app.operations import organisations
from app.orgs.forms import DirectoryFilters, StatusForm
from app.orgs.queries import directory_page, get_organisation, list_cities
from app.paging import page_count, page_number
from app.people.queries import visible_contacts
from models.errors import PasserelleError
from models.vocabulary import STAFF_ROLES

bp = Blueprint("orgs", __name__, url_prefix="/organisations")
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
    """One organisation's profile, its topics, and its pairings for those who may see them."""
    db = get_db()
    org = get_org_or_404(org_id, check_member=False)
    may_edit = current_user.may_act_for(org_id)
    pairings = pairings_of_org(db, org_id) if may_edit else []
    if current_user.role == "member":
        pairings = [p for p in pairings if p["status"] == "approved"]
    return render_template(
        "orgs/show.html",
        org=org,
        topics=matching.org_topics(db, org_id),
        may_edit=may_edit,
        pairings=pairings,
        contacts=visible_contacts(db, current_user, org_id),
        may_request=current_user.role == "member" and _across(db, org),
        status_form=StatusForm(status=org["status"]) if current_user.role != "member" else None,
    )


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


def _across(db, org: dict) -> bool:
    """True when one of the member's organisations is across the Atlantic from ``org``."""
    regions = {get_organisation(db, org_id)["region"] for org_id in current_user.org_ids}
    return any(region != org["region"] for region in regions)

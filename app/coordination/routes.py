"""Coordinators' pages: review queue, one pairing with its audit trail, coverage, network picture."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app import matching
from app.auth.access import role_required
from app.coordination import dashboard, proposals, queries
from app.coordination import network as network_layout
from app.coordination.forms import BulkDecisionForm, DecisionForm, ProposeForm, QueueFilterForm
from app.db import MAX_ROW_ID, get_db
from app.errors import describe, flash_error
from app.introductions.operations import requests_between
from app.operations import pairings
from app.orgs.queries import get_organisation
from app.paging import page_count, page_number
from app.people.queries import visible_contacts
from models.errors import NotFound, PasserelleError
from models.vocabulary import PAIRING_STATUSES, STAFF_ROLES, TRACKS

bp = Blueprint("coordination", __name__, url_prefix="/coordination")


@bp.before_request
@role_required(*STAFF_ROLES)
def _coordinators_only():
    """Every page here is for coordinators (and administrators)."""


@bp.get("/")
def queue():
    """Pairings to review, filtered by name, track, side, organisation and status, with bulk decisions."""
    db = get_db()
    form, filters, page = _queue_filters(db, request.args)
    rows, total = queries.review_queue(db, filters, page=page)
    return _render_queue(db, form, filters, rows, total, page, BulkDecisionForm(formdata=None))


@bp.post("/decisions")
def decide_many():
    """Approve or reject the ticked pairings with one comment: all of them, or none."""
    db = get_db()
    form, filters, page = _queue_filters(db, request.form)
    bulk = BulkDecisionForm()
    back = url_for("coordination.queue", status=filters.status, page=page, **filters.active())
    ids = [
        int(value) if value.isascii() and value.isdigit() else None for value in request.form.getlist("ids")
    ]
    if not bulk.validate_on_submit() or None in ids:
        flash(_("Nothing was decided: tick the pairings, write a comment and press a button."), "error")
        rows, total = queries.review_queue(db, filters, page=page)
        return _render_queue(db, form, filters, rows, total, page, bulk, checked=ids, status=400)
    try:
        decided = pairings.decide_many(db, current_user, ids, bulk.decision.data, bulk.comment.data)
    except PasserelleError as error:
        flash_error(error)
        rows, total = queries.review_queue(db, filters, page=page)
        status = 409 if error.status == 409 else 403 if error.status == 403 else 422
        return _render_queue(db, form, filters, rows, total, page, bulk, checked=ids, status=status)
    count = len(decided)
    if bulk.decision.data == "approve":
        message = ngettext("%(num)d pairing approved.", "%(num)d pairings approved.", count)
    else:
        message = ngettext("%(num)d pairing rejected.", "%(num)d pairings rejected.", count)
    flash(message, "success")
    return redirect(f"{back}#bulk-result")


def _queue_filters(db, source) -> tuple[QueueFilterForm, queries.QueueFilters, int]:
    """The queue's filters read from ``source`` (the query string, or the bulk form's copy); 400 if bad."""
    form = QueueFilterForm(source)
    orgs = queries.queue_orgs(db)
    if orgs is not None:
        choices = [SelectChoice(str(org["id"]), f"{org['short_name']} ({org['region']})") for org in orgs]
        form.org.choices = [form.org.choices[0], *choices]
    page = page_number(source.get("page"))
    if not form.validate() or page is None or not _known_org(db, form.org.data):
        abort(400)
    q = (form.q.data or "").strip() or None
    filters = queries.QueueFilters(
        status=form.status.data or "proposed",
        track=form.track.data or None,
        q=q,
        side=form.side.data or None,
        org_id=int(form.org.data) if form.org.data else None,
    )
    form.org_choices = orgs is not None  # past ORG_CHOICES, the filter comes from organisation pages
    return form, filters, page


def _org_names(db, filters: queries.QueueFilters) -> dict[int, str]:
    """The short name of the organisation filtered on, for its removable chip."""
    org = get_organisation(db, filters.org_id) if filters.org_id else None
    return {org["id"]: org["short_name"]} if org else {}


def _known_org(db, value: str | None) -> bool:
    """True when the organisation filter is empty or names an organisation."""
    if not value:
        return True
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ROW_ID:
        return False
    return get_organisation(db, int(value)) is not None


def _render_queue(db, form, filters, rows, total, page, bulk, *, checked=(), status=200):
    select_all = request.args.get("select") == "all"
    return render_template(
        "coordination/queue.html",
        form=form,
        filters=filters,
        active=filters.active(),
        org_names=_org_names(db, filters),
        rows=rows,
        total=total,
        overall=queries.queue_total(db, filters.status),
        page=page,
        pages=page_count(total, queries.PAGE_SIZE),
        status=filters.status,
        track=filters.track,
        counts=queries.status_counts(db),
        last_run=proposals.last_run(db),
        under_way=proposals.under_way(db),
        failed_run=_failed_run(db),
        propose_form=ProposeForm(),
        bulk=bulk,
        card_flash=True,  # the messages show above the list, where the decision was taken
        checked={row["id"] for row in rows} if select_all else set(checked),
        allowed={code: pairings.allowed_decisions(code) for code in PAIRING_STATUSES},
    ), status


def _failed_run(db) -> dict | None:
    """The last proposal run if it failed (and none was asked for since), its error worded for the page."""
    run = proposals.failed_run(db)
    return None if run is None else run | {"reason": describe(proposals.failure(run))}


@bp.post("/propose")
def propose():
    """Ask the worker for fresh proposals (existing pairings and decisions are kept)."""
    config = current_app.config
    pairings.request_proposals(
        get_db(), current_user, config["PROPOSAL_MIN_SCORE"], config["PROPOSALS_PER_ORG"]
    )
    flash(
        _("The engine is preparing its proposals in the background; they will appear in this queue."),
        "success",
    )
    return redirect(url_for("coordination.queue"))


@bp.get("/pairings/<int:pairing_id>")
def show(pairing_id: int):
    """One pairing: both organisations, their stances, the evidence, the decision form, the history."""
    pairing = _pairing_or_404(pairing_id)
    form = DecisionForm(formdata=None, expected_status=pairing["status"])
    return _render_pairing(pairing, form)


@bp.post("/pairings/<int:pairing_id>/decide")
def decide(pairing_id: int):
    """Approve, reject, reopen or comment; the decision and the status change are written together."""
    pairing = _pairing_or_404(pairing_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("The decision was not saved: correct the form below."), "error")
        return _render_pairing(pairing, form, 400)
    try:
        pairings.decide(
            get_db(),
            current_user,
            pairing_id,
            form.decision.data,
            form.comment.data,
            form.expected_status.data,
        )
    except PasserelleError as error:
        flash_error(error)
        fresh = _pairing_or_404(pairing_id)
        form.expected_status.data = fresh["status"]
        return _render_pairing(fresh, form, error.status)
    flash(_("Your decision is recorded."), "success")
    return redirect(url_for("coordination.show", pairing_id=pairing_id))


@bp.get("/coverage")
def coverage():
    """Per track: organisations with no good suggestion yet, and with no approved pairing yet."""
    db = get_db()
    report = proposals.coverage(db, current_app.config["PROPOSAL_MIN_SCORE"])
    return render_template(
        "coordination/coverage.html",
        report=report,
        last_run=proposals.last_run(db),
        under_way=proposals.under_way(db),
        propose_form=ProposeForm(),
    )


@bp.get("/network")
def network():
    """BFC on the left, Québec on the right, approved and proposed pairings as links."""
    statuses = tuple(request.args.getlist("status")) or ("approved", "proposed")
    track = request.args.get("track") or None
    if any(status not in PAIRING_STATUSES for status in statuses) or (track and track not in TRACKS):
        abort(400)
    picture = network_layout.picture(get_db(), statuses, track)
    return render_template("coordination/network.html", picture=picture, statuses=statuses, track=track)


def _pairing_or_404(pairing_id: int) -> dict:
    pairing = queries.get_pairing(get_db(), pairing_id)
    if pairing is None:
        abort(404)
    return pairing


def _render_pairing(pairing: dict, form: DecisionForm, status: int = 200):
    db = get_db()
    try:
        suggestion = matching.explain(db, pairing["bfc_org_id"], pairing["qc_org_id"], pairing["track"])
    except NotFound:  # a profile the engine has not embedded yet
        suggestion = None
    return render_template(
        "coordination/pairing.html",
        pairing=pairing,
        suggestion=suggestion,
        decisions=queries.decisions_for(db, pairing["id"]),
        form=form,
        allowed=pairings.allowed_decisions(pairing["status"]),
        requests=requests_between(db, pairing["bfc_org_id"], pairing["qc_org_id"], pairing["track"]),
        contacts={
            side: visible_contacts(db, current_user, pairing[f"{side}_org_id"]) for side in ("bfc", "qc")
        },
    ), status


dashboard.register(bp)

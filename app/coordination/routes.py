"""Coordinators' pages: review queue, one pairing with its audit trail, coverage, network picture."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import matching
from app.auth.access import role_required
from app.coordination import dashboard, proposals, queries
from app.coordination import network as network_layout
from app.coordination.forms import DecisionForm, ProposeForm
from app.db import get_db
from app.errors import flash_error
from app.introductions.operations import requests_between
from app.operations import pairings
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
    """Pairings to review: mutual interest first, then member requests, then the engine's by score."""
    db = get_db()
    status = request.args.get("status", "proposed")
    track = request.args.get("track") or None
    page = page_number(request.args.get("page"))
    if status not in PAIRING_STATUSES or (track and track not in TRACKS) or page is None:
        abort(400)
    rows, total = queries.review_queue(db, status, track, page)
    return render_template(
        "coordination/queue.html",
        rows=rows,
        total=total,
        page=page,
        pages=page_count(total, queries.PAGE_SIZE),
        status=status,
        track=track,
        counts=queries.status_counts(db),
        last_run=proposals.last_run(db),
        under_way=proposals.under_way(db),
        propose_form=ProposeForm(),
    )


@bp.post("/propose")
def propose():
    """Ask the worker for fresh proposals (existing pairings and decisions are kept)."""
    config = current_app.config
    proposals.start(get_db(), config["PROPOSAL_MIN_SCORE"], config["PROPOSALS_PER_ORG"], current_user.id)
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

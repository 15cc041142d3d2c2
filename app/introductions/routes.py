"""Requests on the web: the inbox and sent requests, sending one, answering, withdrawing.

Each view parses its form, calls one operation of ``app.introductions.operations`` and renders the
result; the operations enforce the rules and raise a named error, which becomes a page here.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import role_required
from app.db import get_db
from app.errors import flash_error
from app.introductions import operations as ops
from app.introductions.forms import AnswerForm, RequestForm, WithdrawForm
from app.orgs.queries import get_organisation
from app.people.queries import can_see_contacts, visible_contacts
from models.errors import Forbidden, NotFound, PasserelleError
from models.profiles import TRACKS

bp = Blueprint("introductions", __name__, url_prefix="/requests")


@bp.app_context_processor
def _waiting() -> dict:
    """The header's count of requests waiting for the member's answer."""
    if not current_user.is_authenticated or current_user.role != "member":
        return {}
    return {"requests_waiting": ops.pending_count(get_db(), current_user.org_ids)}


@bp.get("/")
@role_required("member")
def index():
    """The inbox (requests to the member's organisations) and the requests they sent."""
    db = get_db()
    box = "sent" if request.args.get("box") == "sent" else "inbox"
    rows = (ops.sent if box == "sent" else ops.inbox)(db, current_user.org_ids)
    counts = {"inbox": ops.pending_count(db, current_user.org_ids)}
    named = {row["from_org_id"] for row in rows if can_see_contacts(db, current_user, row["from_org_id"])}
    return render_template("introductions/index.html", box=box, rows=rows, counts=counts, named=named)


@bp.route("/new", methods=["GET", "POST"])
@role_required("member")
def new():
    """Write a request to one organisation across the Atlantic (from this page or the partner's page)."""
    db = get_db()
    partner = get_organisation(db, request.values.get("to_org_id", type=int) or 0)
    if partner is None:
        abort(404)
    mine = [get_organisation(db, org_id) for org_id in current_user.org_ids]
    across = [org for org in mine if org and org["region"] != partner["region"]]
    if not across:
        name = partner["short_name"]
        flash(_("%(name)s is on your side of the Atlantic: requests go across it.", name=name), "error")
        return redirect(url_for("orgs.show", org_id=partner["id"]))
    form = RequestForm(to_org_id=partner["id"], track=_track(partner))
    form.from_org_id.choices = [(org["id"], org["short_name"]) for org in across]
    status = 200
    if form.validate_on_submit():
        try:
            request_id = ops.send_request(
                db,
                current_user,
                form.from_org_id.data,
                partner["id"],
                form.track.data,
                form.format.data,
                form.message.data,
            )
        except PasserelleError as error:
            _refused(error)
            status = 409 if error.status == 409 else 400
        else:
            flash(_("Your request has been sent to %(name)s.", name=partner["short_name"]), "success")
            if request.form.get("back") == "org":  # sent from the partner's page: back to its actions
                return redirect(url_for("orgs.show", org_id=partner["id"], done="actions") + "#actions")
            return redirect(url_for("introductions.show", request_id=request_id))
    elif form.is_submitted():
        flash(_("The request was not sent: correct the fields marked below."), "error")
        status = 400
    return render_template("introductions/new.html", form=form, partner=partner), status


@bp.get("/<int:request_id>")
def show(request_id: int):
    """One request with its messages, who wrote them and when, and the other side's contacts."""
    db = get_db()
    current = _request_or_abort(request_id)
    mine = set(current_user.org_ids)
    other = current["to_org_id"] if current["from_org_id"] in mine else current["from_org_id"]
    return render_template(
        "introductions/show.html",
        r=current,
        may_answer=current["status"] == "pending" and current["to_org_id"] in mine,
        may_withdraw=current["status"] == "pending" and current["from_org_id"] in mine,
        answer_form=AnswerForm(formdata=None),
        withdraw_form=WithdrawForm(formdata=None),
        other=get_organisation(db, other),
        contacts=visible_contacts(db, current_user, other),
        # Who wrote on the other side is a person: named under the same rule as contacts.
        named={
            org_id
            for org_id in (current["from_org_id"], current["to_org_id"])
            if can_see_contacts(db, current_user, org_id)
        },
    )


@bp.post("/<int:request_id>/answer")
@role_required("member")
def answer(request_id: int):
    """Accept or decline a request sent to one's organisation, with a message."""
    current = _request_or_abort(request_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        flash(_("The answer was not sent: check the form below. Nothing was changed."), "error")
        return redirect(url_for("introductions.show", request_id=request_id))
    try:
        ops.answer_request(get_db(), current_user, request_id, form.answer.data, form.message.data)
    except PasserelleError as error:
        _refused(error)
    else:
        name = current["from_short_name"]
        if form.answer.data == "accept":
            flash(
                _(
                    "You accepted the request of %(name)s. Each side now sees the other's contacts, "
                    "and the coordinators see the pairing.",
                    name=name,
                ),
                "success",
            )
        else:
            flash(_("You declined the request of %(name)s.", name=name), "info")
    return redirect(url_for("introductions.show", request_id=request_id))


@bp.post("/<int:request_id>/withdraw")
@role_required("member")
def withdraw(request_id: int):
    """Withdraw a request one's organisation sent, while it waits for an answer."""
    _request_or_abort(request_id)
    if not WithdrawForm().validate_on_submit():
        abort(400)
    try:
        ops.withdraw_request(get_db(), current_user, request_id)
    except PasserelleError as error:
        _refused(error)
    else:
        flash(_("Your request has been withdrawn."), "info")
    return redirect(url_for("introductions.show", request_id=request_id))


def _request_or_abort(request_id: int) -> dict:
    try:
        return ops.request_for(get_db(), current_user, request_id)
    except PasserelleError as error:
        abort(error.status)


def _track(partner: dict) -> str | None:
    wanted = request.args.get("track")
    if wanted in TRACKS:
        return wanted
    return next((track for track in TRACKS if track in partner["collaboration_types"]), None)


def _refused(error: PasserelleError) -> None:
    """Flash why an operation refused, in the reader's language; 403/404 become error pages."""
    if isinstance(error, Forbidden | NotFound):
        abort(error.status)
    flash_error(error)

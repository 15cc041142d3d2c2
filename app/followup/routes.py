"""Follow-up pages: a member's forms and answering one; the coordinators' table of answers."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.db import get_db
from app.followup import queries
from app.followup.forms import FollowupForm
from models.errors import PasserelleError
from models.vocabulary import STAFF_ROLES

bp = Blueprint("followup", __name__, url_prefix="/follow-up")


def today():
    """Today's date (UTC): forms of a stage open from their due date."""
    return datetime.now(UTC).date()


@bp.get("/")
def index():
    """The follow-up forms of the member's organisations; coordinators go to the answers."""
    if current_user.role in STAFF_ROLES:
        return redirect(url_for("followup.answers"))
    db = get_db()
    queries.open_due(db, today())
    return render_template("followup/index.html", forms=queries.forms_for(db, current_user.org_ids))


@bp.route("/<int:followup_id>", methods=["GET", "POST"])
def answer(followup_id: int):
    """Show and save one follow-up form, for a member of the organisation it asks."""
    db = get_db()
    try:
        row = queries.form_for(db, current_user, followup_id, to_answer=True)
    except PasserelleError as error:
        abort(error.status)
    data = {}
    if row["answered_at"]:
        data = {**row, "took_place": "yes" if row["took_place"] else "no"}
    form = FollowupForm(data=data)
    if form.validate_on_submit():
        queries.answer_form(db, current_user, followup_id, form.fields())
        flash(_("Thank you: your answer about %(host)s is saved.", host=row["host_short_name"]), "success")
        return redirect(url_for("followup.index"))
    if form.is_submitted():
        flash(_("The answer was not saved: correct the fields marked below."), "error")
    return render_template("followup/form.html", row=row, form=form), 400 if form.is_submitted() else 200


@bp.get("/answers")
def answers():
    """Every answer, for coordinators (optionally one trip's: ``?trip=ID``)."""
    if current_user.role not in STAFF_ROLES:
        abort(403)
    trip = request.args.get("trip", "")
    if trip and not trip.isdigit():
        abort(400)
    db = get_db()
    queries.open_due(db, today())
    rows = queries.answers(db, int(trip) if trip else None)
    pending = queries.pending(db)
    return render_template("followup/answers.html", rows=rows, pending=pending)

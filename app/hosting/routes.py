"""Host members' pages: the meetings to confirm, and the landing page of a mail's signed link.

The views parse and render; :mod:`app.hosting.operations` owns the rules. The link's page is public
(the token names the person) and changes nothing on GET: its buttons POST with a CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from app.calendars import operations as subscriptions
from app.calendars.routes import ActionForm
from app.db import get_db
from app.errors import describe, flash_error
from app.hosting import operations
from app.hosting.links import read_token
from models.errors import AnswerLinkError, HostAnswerRefused, NotFound

bp = Blueprint("hosting", __name__, url_prefix="/hosting")


class AnswerForm(FlaskForm):
    answer = StringField()  # the button pressed: accepted | declined
    note = TextAreaField()


@bp.get("/")
def index():
    """The meetings the user's organisations host, those waiting for an answer first."""
    orgs = list(current_user.org_ids) if current_user.role == "member" else []
    db = get_db()
    rows = operations.to_confirm(db, orgs)
    hosted = {(r["trip_id"], r["host_org_id"]): r for r in rows}
    calendars = [
        {
            **row,
            "subscriptions": [
                s for s in subscriptions.of_trip(db, trip_id, org_ids=orgs) if s["org_id"] == org
            ],
        }
        for (trip_id, org), row in sorted(hosted.items())
    ]
    return render_template(
        "hosting/index.html",
        rows=rows,
        calendars=calendars,
        form=AnswerForm(formdata=None),
        action=ActionForm(),
    )


@bp.post("/meetings/<int:published_id>/answer")
def answer(published_id: int):
    """A host member's answer from the app."""
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    status = _answer(published_id, current_user.id, form)
    if status == 404:
        abort(404)
    if status == 403:
        abort(403)
    return redirect(url_for("hosting.index"))


@bp.route("/link/<token>", methods=["GET", "POST"])
def link(token: str):
    """The page a mail's link opens: the meeting and the two buttons; only the POST answers."""
    db = get_db()
    try:
        data = read_token(token)
        meeting = operations.get_meeting(db, data["m"])
    except (AnswerLinkError, NotFound) as error:
        words = describe(error if isinstance(error, AnswerLinkError) else AnswerLinkError())
        return render_template("hosting/link.html", meeting=None, error=words), 404
    form = AnswerForm()
    status = 200
    if form.validate_on_submit():
        status = _answer(meeting["id"], data["u"], form, sequence=data["s"])
        meeting = operations.get_meeting(db, data["m"])
        if status == 200:
            return render_template("hosting/link.html", meeting=meeting, done=True, form=form)
    elif form.is_submitted():
        abort(400)
    stale = meeting["sequence"] != data["s"] and status == 200
    return render_template("hosting/link.html", meeting=meeting, form=form, stale=stale), status


def _answer(published_id: int, user_id: int, form: AnswerForm, sequence: int | None = None) -> int:
    """Call the operation and flash what came of it; the HTTP status to answer with."""
    try:
        meeting = operations.answer_meeting(
            get_db(), published_id, user_id, form.answer.data or "", form.note.data or "", sequence=sequence
        )
    except NotFound:
        return 404
    except HostAnswerRefused as refusal:
        flash_error(refusal)
        return refusal.status
    if meeting["host_answer"] == "accepted":
        flash(_("Thank you: the meeting is confirmed in everyone's calendar."), "success")
    else:
        flash(_("Thank you: the coordinators will look for another slot."), "success")
    return 200

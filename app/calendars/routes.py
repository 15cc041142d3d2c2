"""Calendar subscriptions: the public feed ``/cal/<token>.ics``, and making and revoking addresses.

Coordinators make one for any delegate of a trip (on the published meetings page); a host's members
make one for their organisation's meetings of a trip (on the meetings to confirm page). The views
parse and render; :mod:`app.calendars.operations` owns the rules.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.auth.access import get_org_or_404
from app.calendars import operations
from app.db import get_db
from app.exports.files import download
from app.exports.queries import export_trip
from app.i18n import LANGUAGES
from app.trips.access import get_trip_or_404
from app.trips.meetings import attendee_key
from models import exports  # its renderers (fpdf2: seconds to import) load when a file is made
from models.errors import NotFound, PasserelleError
from models.vocabulary import STAFF_ROLES

bp = Blueprint("calendars", __name__)


class ActionForm(FlaskForm):
    """A button: only the CSRF token."""


@bp.get("/cal/<token>.ics")
def feed(token: str):
    """The calendar a subscription follows; 404 for an unknown or revoked address."""
    db = get_db()
    try:
        sub = operations.live(db, token)
    except NotFound:
        abort(404)
    language = sub["language"] if sub["language"] in LANGUAGES else "fr"
    with force_locale(language):
        trip = export_trip(db, sub["trip_id"], with_evidence=False)
        if sub["delegate_id"] is not None:
            person = db.execute(
                "SELECT name, email FROM trip_delegates WHERE id = ?", [sub["delegate_id"]]
            ).fetchone()
            key = attendee_key(person[0], person[1])
            body = exports.feed_ics(trip, person[0], language, delegate_key=key)
        else:
            name = db.execute("SELECT short_name FROM organisations WHERE id = ?", [sub["org_id"]]).fetchone()
            body = exports.feed_ics(trip, name[0], language, host_org_id=sub["org_id"])
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "no-store"})


@bp.post("/trips/<int:trip_id>/calendars/delegates/<int:delegate_id>")
def for_delegate(trip_id: int, delegate_id: int):
    """A coordinator, or a member of the delegate's organisation, makes a delegate's address; shown once."""
    _check_form()
    made = _run(operations.create, trip_id, current_user, delegate_id=delegate_id, language=str(get_locale()))
    _show_once(made["token"])
    if current_user.role in STAFF_ROLES:
        return redirect(url_for("trips.published", trip_id=trip_id))
    return redirect(url_for("trips.org_meetings", org_id=made["for_org_id"]))


@bp.post("/trips/<int:trip_id>/calendars/hosts/<int:org_id>")
def for_host(trip_id: int, org_id: int):
    """A host's member makes the address of the meetings their organisation receives during a trip."""
    _check_form()
    made = _run(operations.create, trip_id, current_user, org_id=org_id, language=str(get_locale()))
    _show_once(made["token"])
    return redirect(url_for("hosting.index"))


@bp.post("/calendars/<int:subscription_id>/revoke")
def revoke(subscription_id: int):
    """Revoke an address: coordinators any, a member their organisation's."""
    _check_form()
    row = _run(operations.revoke, current_user, subscription_id)
    flash(_("The calendar address is revoked: it no longer answers."), "success")
    if current_user.role in STAFF_ROLES:
        return redirect(url_for("trips.published", trip_id=row["trip_id"]))
    if row["delegate_id"] is not None:  # a delegation's member: back to its meetings
        return redirect(url_for("trips.org_meetings", org_id=row["for_org_id"]))
    return redirect(url_for("hosting.index"))


@bp.get("/trips/<int:trip_id>/agendas/delegates/<int:delegate_id>.pdf")
def delegate_agenda(trip_id: int, delegate_id: int):
    """A delegate's own briefing pack: their meetings only (as lead or guest), for coordinators and for
    the members of the delegate's organisation."""
    get_trip_or_404(trip_id)
    person = _delegate_or_404(trip_id, delegate_id)
    trip = export_trip(get_db(), trip_id, viewer=current_user)
    key = attendee_key(person["name"], person["email"])
    mine = replace(trip, meetings=tuple(m for m in trip.meetings if m.attends(key)))
    return download(exports.trip_pdf(mine, str(get_locale())), trip.filename("pdf", person["name"]), "pdf")


@bp.get("/trips/<int:trip_id>/agendas/hosts/<int:org_id>.pdf")
def host_agenda(trip_id: int, org_id: int):
    """A host's own briefing pack for a trip: the meetings it receives, for its members."""
    get_org_or_404(org_id)  # 404 for no such organisation, 403 for another one's
    get_trip_or_404(trip_id)
    trip = export_trip(get_db(), trip_id, viewer=current_user)
    mine = replace(trip, meetings=tuple(m for m in trip.meetings if m.host.id == org_id))
    if not mine.meetings:
        abort(404)
    name = trip.filename("pdf", mine.meetings[0].host.short_name)
    return download(exports.trip_pdf(mine, str(get_locale())), name, "pdf")


def _delegate_or_404(trip_id: int, delegate_id: int) -> dict:
    """The trip's delegate, or 404; 403 unless the user coordinates or is a member of its organisation."""
    row = get_db().execute(
        "SELECT name, email, org_id FROM trip_delegates WHERE id = ? AND trip_id = ?", [delegate_id, trip_id]
    )
    person = row.fetchone()
    if person is None:
        abort(404)
    name, email, org_id = person
    if current_user.role not in STAFF_ROLES and not current_user.may_act_for(org_id):
        abort(403)
    return {"name": name, "email": email, "org_id": org_id}


def _run(operation, *args, **kwargs):
    """Call an operation; a refusal is the page of its status (404, 403), as the other trip pages."""
    try:
        return operation(get_db(), *args, **kwargs)
    except PasserelleError as error:
        abort(error.status)


def _check_form() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def _show_once(token: str) -> None:
    address = url_for("calendars.feed", token=token, _external=True)
    flash(
        _(
            "Private calendar address (shown only now; add it to a calendar app as a subscription): "
            "%(address)s",
            address=address,
        ),
        "success",
    )

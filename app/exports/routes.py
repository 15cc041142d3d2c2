"""Export downloads for coordinators: a trip's plan (CSV, XLSX, PDF, calendars) and approved pairings."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import role_required
from app.db import get_db
from app.exports.files import PAIRING_RENDERERS, TRIP_RENDERERS, calendars_zip, download
from app.exports.queries import approved_pairings, export_trip
from models import exports
from models.errors import NotFound
from models.vocabulary import STAFF_ROLES

bp = Blueprint("exports", __name__, url_prefix="/exports")


def _trip_or_404(trip_id: int, *, with_evidence: bool = True) -> exports.ExportTrip:
    try:
        return export_trip(get_db(), trip_id, with_evidence=with_evidence, viewer=current_user)
    except NotFound:
        abort(404)


@bp.get("/trips/<int:trip_id>.<any(csv, xlsx, pdf):fmt>")
@role_required(*STAFF_ROLES)
def trip(trip_id: int, fmt: str):
    """The published plan of a trip as a table or a briefing pack, in the reader's language."""
    data = _trip_or_404(trip_id, with_evidence=fmt == "pdf")
    return download(TRIP_RENDERERS[fmt](data, str(get_locale())), data.filename(fmt, word=_("trip")), fmt)


@bp.get("/trips/<int:trip_id>/calendars/<key>.ics")
@role_required(*STAFF_ROLES)
def calendar(trip_id: int, key: str):
    """One delegate's calendar of a trip."""
    data = _trip_or_404(trip_id, with_evidence=False)
    calendars = exports.delegate_calendars(data, str(get_locale()))
    if key not in calendars:
        abort(404)
    return download(calendars[key], data.filename("ics", key, word=_("trip")), "ics")


@bp.get("/trips/<int:trip_id>/calendars.zip")
@role_required(*STAFF_ROLES)
def calendars(trip_id: int):
    """Every delegate's calendar of a trip, one .ics each, in a zip."""
    data = _trip_or_404(trip_id, with_evidence=False)
    name = data.filename("zip", _("calendars"), word=_("trip"))
    return download(calendars_zip(data, str(get_locale())), name, "zip")


@bp.get("/pairings.<any(csv, xlsx):fmt>")
@role_required(*STAFF_ROLES)
def pairings(fmt: str):
    """Approved pairings outside any trip, for programme reporting."""
    body = PAIRING_RENDERERS[fmt](approved_pairings(get_db()), str(get_locale()))
    stem = _("approved-pairings")  # the file name in the reader's language
    return download(body, f"{stem}.{fmt}", fmt)

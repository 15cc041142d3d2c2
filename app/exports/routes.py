"""Export downloads for coordinators: a trip's plan (CSV, XLSX, PDF, calendars) and approved pairings."""

from __future__ import annotations

import io
import zipfile

from flask import Blueprint, Response, abort
from flask_babel import get_locale

from app.auth.access import role_required
from app.db import get_db
from app.exports.queries import approved_pairings, export_trip
from models import exports
from models.errors import NotFound

bp = Blueprint("exports", __name__, url_prefix="/exports")

TABLE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _trip_or_404(trip_id: int, *, with_evidence: bool = True) -> exports.ExportTrip:
    try:
        return export_trip(get_db(), trip_id, with_evidence=with_evidence)
    except NotFound:
        abort(404)


@bp.get("/trips/<int:trip_id>.<any(csv, xlsx, pdf):fmt>")
@role_required("coordinator", "admin")
def trip(trip_id: int, fmt: str):
    """The published plan of a trip as a table or a briefing pack, in the reader's language."""
    data = _trip_or_404(trip_id, with_evidence=fmt == "pdf")
    render = {"csv": exports.trip_csv, "xlsx": exports.trip_xlsx, "pdf": exports.trip_pdf}[fmt]
    return _download(render(data, str(get_locale())), data.filename(fmt), TABLE_TYPES[fmt])


@bp.get("/trips/<int:trip_id>/calendars/<key>.ics")
@role_required("coordinator", "admin")
def calendar(trip_id: int, key: str):
    """One delegate's calendar of a trip."""
    data = _trip_or_404(trip_id, with_evidence=False)
    calendars = exports.delegate_calendars(data, str(get_locale()))
    if key not in calendars:
        abort(404)
    return _download(calendars[key], data.filename("ics", key), CALENDAR_TYPE)


@bp.get("/trips/<int:trip_id>/calendars.zip")
@role_required("coordinator", "admin")
def calendars(trip_id: int):
    """Every delegate's calendar of a trip, one .ics each, in a zip."""
    data = _trip_or_404(trip_id, with_evidence=False)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, body in exports.delegate_calendars(data, str(get_locale())).items():
            archive.writestr(data.filename("ics", key), body)
    return _download(buffer.getvalue(), data.filename("zip", "calendars"), "application/zip")


@bp.get("/pairings.<any(csv, xlsx):fmt>")
@role_required("coordinator", "admin")
def pairings(fmt: str):
    """Approved pairings outside any trip, for programme reporting."""
    render = {"csv": exports.pairings_csv, "xlsx": exports.pairings_xlsx}[fmt]
    return _download(render(approved_pairings(get_db()), str(get_locale())), f"approved-pairings.{fmt}",
                     TABLE_TYPES[fmt])  # fmt: skip

"""What the web downloads, the API and the CLI share: renderers by format, MIME types, responses."""

from __future__ import annotations

import io
import zipfile

from flask import Response

from models import exports


def _renderer(name: str):
    """``models.exports.<name>``, looked up when a file is made (the renderers load fpdf2 and openpyxl)."""

    def render(*args, **kwargs):
        return getattr(exports, name)(*args, **kwargs)

    return render


TRIP_RENDERERS = {"csv": _renderer("trip_csv"), "xlsx": _renderer("trip_xlsx"), "pdf": _renderer("trip_pdf")}
PAIRING_RENDERERS = {"csv": _renderer("pairings_csv"), "xlsx": _renderer("pairings_xlsx")}
MIME_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "ics": "text/calendar; charset=utf-8",
    "zip": "application/zip",
}


def calendars_zip(trip: exports.ExportTrip, locale: str) -> bytes:
    """Every delegate's calendar of a trip, one .ics each, in a zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, body in exports.delegate_calendars(trip, locale).items():
            archive.writestr(trip.filename("ics", key), body)
    return buffer.getvalue()


def download(body: bytes, filename: str, extension: str) -> Response:
    """A file to save, not to show: the MIME type of its extension, as an attachment."""
    response = Response(
        body, content_type=MIME_TYPES[extension]
    )  # as is: mimetype= would add a second charset
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

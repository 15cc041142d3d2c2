"""Exports of delegation trips and pairings: CSV, XLSX, a PDF briefing pack and iCalendar files.

Every function takes the plain dataclasses of :mod:`models.exports.types`, already joined by the
caller, and returns the bytes of a file; none touches a database or Flask. ``locale`` is "fr" (the
default) or "en".
"""

from importlib import import_module

from models.exports.types import ExportMeeting, ExportOrg, ExportPairing, ExportTrip

# The renderers load fpdf2, openpyxl and icalendar (a third of a second): only when a file is made,
# so that commands and workers that export nothing start faster.
_RENDERERS = {
    "delegate_calendars": "ics", "delegate_ics": "ics", "trip_pdf": "pdf", "neutralise": "tables",
    "pairings_csv": "tables", "pairings_xlsx": "tables", "trip_csv": "tables", "trip_xlsx": "tables",
}  # fmt: skip


def __getattr__(name: str):
    if name in _RENDERERS:
        return getattr(import_module(f"models.exports.{_RENDERERS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ExportMeeting",
    "ExportOrg",
    "ExportPairing",
    "ExportTrip",
    "delegate_calendars",
    "delegate_ics",
    "neutralise",
    "pairings_csv",
    "pairings_xlsx",
    "trip_csv",
    "trip_pdf",
    "trip_xlsx",
]

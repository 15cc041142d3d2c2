"""Exports of delegation trips and pairings: CSV, XLSX, a PDF briefing pack and iCalendar files.

Every function takes the plain dataclasses of :mod:`models.exports.types`, already joined by the
caller, and returns the bytes of a file; none touches a database or Flask. ``locale`` is "fr" (the
default) or "en".
"""

from models.exports.ics import delegate_calendars, delegate_ics, feed_ics
from models.exports.pdf import trip_pdf
from models.exports.tables import neutralise, pairings_csv, pairings_xlsx, trip_csv, trip_xlsx
from models.exports.types import ExportMeeting, ExportOrg, ExportPairing, ExportTrip

__all__ = [
    "ExportMeeting",
    "ExportOrg",
    "ExportPairing",
    "ExportTrip",
    "delegate_calendars",
    "delegate_ics",
    "feed_ics",
    "neutralise",
    "pairings_csv",
    "pairings_xlsx",
    "trip_csv",
    "trip_pdf",
    "trip_xlsx",
]

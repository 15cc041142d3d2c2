"""Trip plans and pairings as spreadsheets: CSV for any program, XLSX with typed columns.

A CSV file is UTF-8 with a byte-order mark (Excel then reads accents right) and ``\\r\\n`` line ends.
A French file separates cells with ``;`` and writes decimals with a comma, an English one uses ``,``
and a point: that is what Excel expects under French or English regional settings, and LibreOffice
asks anyway. An XLSX file has real dates and numbers, a frozen header row and an autofilter.

Every text cell of both formats goes through :func:`neutralise`, so that no value typed into a
profile, a comment or a contact can run as a formula in the spreadsheet that opens the file.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from models.cities import city_name
from models.exports.types import ExportMeeting, ExportPairing, ExportTrip
from models.exports.words import Words, words_for
from models.vocabulary import N_

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

CSV_DELIMITERS = {"fr": ";", "en": ","}
FORMULA_STARTS = frozenset("=+-@")
CONTROL_STARTS = frozenset("\t\r\n")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
SCORE_FORMAT = "0.00"
MAX_CELL = 32_767  # Excel's limit on the characters of a cell
# Spaces and the invisible characters a spreadsheet may skip before it looks for "=".
_LEADING_BLANKS = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]*")


def neutralise(value: str) -> str:
    """Prefix ``'`` to text a spreadsheet could read as a formula; return other text unchanged.

    A cell is a risk when it starts with a tab, a carriage return or a line feed, or when its first
    visible character, past any spaces (some programs trim them on import, so " =1+1" counts), is
    ``=``, ``+``, ``-`` or ``@`` in any width: NFKC folds the full-width ＝ ＋ － ＠ and the small
    forms onto them. The apostrophe is what OWASP recommends: the cell then stays text (it shows in
    a CSV opened by Excel). Text that merely starts with a hyphen ("- a list") gets one too.
    """
    if not value:
        return value
    rest = value[_LEADING_BLANKS.match(value).end() :]
    first = unicodedata.normalize("NFKC", rest[:1])[:1]
    if value[0] in CONTROL_STARTS or first in FORMULA_STARTS:
        return "'" + value
    return value


def one_line(value: str) -> str:
    """The text with every run of whitespace, line breaks included, made one space."""
    return " ".join(value.split())


@dataclass(frozen=True)
class Column:
    """A column of an export: its title (English, translated by the catalogue), the kind of value,
    how to read it and its XLSX width."""

    title: str
    kind: str  # "text" | "datetime" | "number"
    read: Callable[[object, Words], object]  # (row, words) -> value
    width: int


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def _contact(meeting: ExportMeeting, field: str) -> str:
    """A field of the host's contact person, or "" when there is none (or the reader may not see it)."""
    return getattr(meeting.host_contact, field) if meeting.host_contact else ""


TRIP_COLUMNS: tuple[Column, ...] = (
    Column(N_("Start"), "datetime", lambda m, w: _local(m.local_start), 17),
    Column(N_("End"), "datetime", lambda m, w: _local(m.local_end), 17),
    Column(N_("Time zone"), "text", lambda m, w: m.tz, 18),
    Column(N_("City"), "text", lambda m, w: city_name(m.city, w.locale), 14),
    Column(N_("Delegate"), "text", lambda m, w: m.delegate_name, 22),
    Column(N_("Delegate email"), "text", lambda m, w: m.delegate_email, 28),
    Column(N_("Delegation"), "text", lambda m, w: m.delegation.short_name, 18),
    Column(N_("Delegation (full name)"), "text", lambda m, w: m.delegation.name, 36),
    Column(N_("Host"), "text", lambda m, w: m.host.short_name, 18),
    Column(N_("Host (full name)"), "text", lambda m, w: m.host.name, 36),
    Column(N_("Kind of collaboration"), "text", lambda m, w: w.label("track", m.track), 24),
    Column(N_("Score"), "number", lambda m, w: m.score, 8),
    Column(
        N_("Why"),
        "text",
        lambda m, w: one_line(w.reason(m.reason, m.delegation.short_name, m.host.short_name)),
        60,
    ),
    Column(N_("Contacts"), "text", lambda m, w: "; ".join(m.contacts), 40),
    Column(N_("Host address"), "text", lambda m, w: m.host_address(w.locale), 40),
    Column(N_("Host contact"), "text", lambda m, w: _contact(m, "name"), 22),
    Column(N_("Host contact's role"), "text", lambda m, w: _contact(m, "role"), 22),
    Column(N_("Host contact's email"), "text", lambda m, w: _contact(m, "email"), 28),
    Column(N_("Host contact's phone"), "text", lambda m, w: _contact(m, "phone"), 18),
)

PAIRING_COLUMNS: tuple[Column, ...] = (
    Column(N_("BFC organisation"), "text", lambda p, w: p.bfc.short_name, 18),
    Column(N_("BFC organisation (full name)"), "text", lambda p, w: p.bfc.name, 36),
    Column(N_("BFC city"), "text", lambda p, w: p.bfc.city, 14),
    Column(N_("Québec organisation"), "text", lambda p, w: p.qc.short_name, 18),
    Column(N_("Québec organisation (full name)"), "text", lambda p, w: p.qc.name, 36),
    Column(N_("Québec city"), "text", lambda p, w: p.qc.city, 14),
    Column(N_("Kind of collaboration"), "text", lambda p, w: w.label("track", p.track), 24),
    Column(N_("Status"), "text", lambda p, w: w.label("status", p.status), 12),
    Column(N_("Score"), "number", lambda p, w: p.score, 8),
    Column(N_("Origin"), "text", lambda p, w: w.label("origin", p.origin), 18),
    Column(N_("Decided by"), "text", lambda p, w: p.decided_by, 22),
    Column(N_("Decided on (UTC)"), "datetime", lambda p, w: _naive_utc(p.decided_at), 17),
    Column(N_("Comment"), "text", lambda p, w: one_line(p.comment), 60),
)


def trip_csv(trip: ExportTrip, locale: str = "fr") -> bytes:
    """The trip's meetings, one row each, as CSV (UTF-8 with BOM, ``\\r\\n``)."""
    return _csv(TRIP_COLUMNS, trip.agenda(), words_for(locale))


def trip_xlsx(trip: ExportTrip, locale: str = "fr") -> bytes:
    """The trip's meetings, one row each, as an XLSX workbook."""
    words = words_for(locale)
    return _xlsx(words.gettext("Meetings"), TRIP_COLUMNS, trip.agenda(), words, title=trip.name)


def pairings_csv(pairings: Iterable[ExportPairing], locale: str = "fr") -> bytes:
    """Pairings, one row each, as CSV (UTF-8 with BOM, ``\\r\\n``), for programme reporting."""
    return _csv(PAIRING_COLUMNS, list(pairings), words_for(locale))


def pairings_xlsx(pairings: Iterable[ExportPairing], locale: str = "fr") -> bytes:
    """Pairings, one row each, as an XLSX workbook, for programme reporting."""
    words = words_for(locale)
    sheet = words.gettext("Pairings")
    return _xlsx(sheet, PAIRING_COLUMNS, list(pairings), words, title=sheet)


def _csv_cell(column: Column, value: object, words: Words) -> str:
    if value is None:
        return ""
    if column.kind == "datetime":
        return value.strftime("%Y-%m-%d %H:%M")
    if column.kind == "number":
        return words.decimal(float(value))
    return neutralise(str(value))


def _csv(columns: Sequence[Column], rows: Sequence[object], words: Words) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITERS[words.locale], lineterminator="\r\n")
    writer.writerow([neutralise(words.gettext(column.title)) for column in columns])
    for row in rows:
        writer.writerow([_csv_cell(column, column.read(row, words), words) for column in columns])
    return out.getvalue().encode("utf-8-sig")


def _xlsx_text(value: object) -> str:
    """Text openpyxl can store: no XML-illegal control character, at most Excel's cell limit."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))[:MAX_CELL]


def _put(sheet: Worksheet, row: int, col: int, column: Column | None, value: object) -> None:
    cell = sheet.cell(row=row, column=col)
    if value is None:
        return
    if column is None or column.kind == "text":
        cell.value = _xlsx_text(value)
        cell.data_type = "s"  # openpyxl would make a formula of any string starting with "="
    elif column.kind == "datetime":
        cell.value = value
        cell.number_format = DATETIME_FORMAT
    else:
        cell.value = float(value)
        cell.number_format = SCORE_FORMAT


def _xlsx(
    sheet_title: str, columns: Sequence[Column], rows: Sequence[object], words: Words, *, title: str
) -> bytes:
    from openpyxl import Workbook  # loaded when a workbook is made, not with the app
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title[:31]
    book.properties.title = _xlsx_text(title)
    book.properties.creator = "Passerelle"
    for col, column in enumerate(columns, start=1):
        _put(sheet, 1, col, None, words.gettext(column.title))
        sheet.cell(row=1, column=col).font = Font(bold=True)
        sheet.cell(row=1, column=col).alignment = Alignment(vertical="top")
        sheet.column_dimensions[get_column_letter(col)].width = column.width
    for row_number, row in enumerate(rows, start=2):
        for col, column in enumerate(columns, start=1):
            _put(sheet, row_number, col, column, column.read(row, words))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

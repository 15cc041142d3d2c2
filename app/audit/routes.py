"""The audit log's page and its CSV download (coordinators and administrators only).

Both parse the same GET filters and read the same query (:func:`app.audit.queries.audit_rows`):
the CSV holds exactly the rows the page counts, every page of them, streamed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import queries
from app.audit.words import Reader, actor, sentence, sentence_html
from app.auth.access import role_required
from app.db import get_db
from app.errors import describe
from app.exports.files import MIME_TYPES
from app.i18n import select_timezone
from app.paging import page_count
from models.errors import InvalidInput
from models.exports.tables import CSV_DELIMITERS, neutralise
from models.vocabulary import N_, STAFF_ROLES

bp = Blueprint("audit", __name__, url_prefix="/coordination/journal")
CSV_HEADERS = (
    N_("When"),
    N_("Kind of action"),
    N_("Who"),
    N_("Organisation"),
    N_("Partner"),
    N_("What happened"),
)
FILTER_FIELDS = ("kind", "org", "actor", "since", "until")


@bp.before_request
@role_required(*STAFF_ROLES)
def _staff_only():
    """The log is for coordinators and administrators."""


@bp.get("/")
def index():
    """The latest changes first, a page at a time, narrowed by the filters of the form."""
    db = get_db()
    try:
        filters = queries.parse_filters(db, request.args, select_timezone())
    except InvalidInput as error:
        return _page(None, error=describe(error), typed=request.args), 400
    return _page(filters)


def _page(filters: queries.Filters | None, *, error: str | None = None, typed=None):
    db = get_db()
    reader = Reader(db, current_user)
    rows, total = [], 0
    if filters is not None:
        total = queries.count(db, filters)
        rows = [
            row | {"sentence": sentence_html(row, reader), "kind": row["name"].split(".")[0]}
            for row in queries.audit_rows(db, filters)
        ]
    typed = filters.typed if filters else {key: (typed.get(key) or "").strip() for key in FILTER_FIELDS}
    return render_template(
        "audit/index.html",
        rows=rows,
        total=total,
        page=filters.page if filters else 1,
        pages=page_count(total, queries.PAGE_SIZE),
        typed=typed,
        kept={key: value for key, value in typed.items() if value},
        reader_zone=select_timezone(),
        error=error,
        actors=queries.actors(db),
    )


@bp.get("/export.csv")
def export():
    """Every row the filters keep, as CSV in the reader's language (UTF-8 with BOM), streamed."""
    db = get_db()
    try:
        filters = queries.parse_filters(db, request.args, select_timezone())
    except InvalidInput as error:
        return _page(None, error=describe(error), typed=request.args), 400
    response = Response(stream_with_context(_csv_lines(filters)), content_type=MIME_TYPES["csv"])
    name = _("audit-log")  # the file name in the reader's language
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _csv_lines(filters: queries.Filters) -> Iterator[bytes]:
    db = get_db()
    reader = Reader(db, current_user)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITERS.get(str(get_locale()), ","), lineterminator="\r\n")
    headers = [_(words) for words in CSV_HEADERS]
    writer.writerow([neutralise(words) for words in headers])
    yield "\ufeff".encode() + _drain(out)
    for number, row in enumerate(queries.audit_rows(db, filters, paged=False), 1):
        writer.writerow(
            [
                neutralise(cell)
                for cell in (
                    reader.when(row["created_at"]),
                    reader.label("audit_kind", row["name"].split(".")[0]),
                    actor(row, reader),
                    row["org_a_name"] or "",
                    row["org_b_name"] or "",
                    sentence(row, reader),
                )
            ]
        )
        if number % 500 == 0:
            yield _drain(out)
    yield _drain(out)


def _drain(out: io.StringIO) -> bytes:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text.encode("utf-8")

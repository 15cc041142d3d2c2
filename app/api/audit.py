"""``GET /api/v1/audit``: the audit log for coordinators and administrators, the page's query.

The same filters as the page (``app/audit``), by id: ``kind``, ``org_id`` (either side of a pairing
or a request), ``actor_id``, and ``since``/``until`` as UTC days, both included (an ``until`` before
``since`` keeps no row). Each entry's ``text`` is the sentence of the page, in English.
"""

from __future__ import annotations

import re
from datetime import date

from flask import request
from flask_babel import force_locale
from flask_login import current_user

from app.api.payloads import ApiProblem, page_args, page_of, query_choice
from app.audit import queries
from app.audit.words import Reader, actor, sentence
from app.auth.access import role_required
from app.db import MAX_ROW_ID, get_db
from models.vocabulary import AUDIT_KINDS, STAFF_ROLES

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID = re.compile(r"[0-9]{1,19}")


def _query_id(name: str) -> int | None:
    value = request.args.get(name)
    if value is None:
        return None
    if not _ID.fullmatch(value) or not 1 <= int(value) <= MAX_ROW_ID:
        raise ApiProblem(400, f"{name} must be a whole number from 1 to {MAX_ROW_ID}.", field=name)
    return int(value)


def _query_day(name: str) -> date | None:
    value = request.args.get(name)
    if value is None:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ApiProblem(400, f"{name} must be a date written YYYY-MM-DD.", field=name) from None


def entry_json(row: dict, reader: Reader) -> dict:
    """One row of the log."""
    return {
        "id": f"{row['source']}:{row['source_id']}",
        "created_at": row["created_at"],
        "action": row["name"],
        "kind": row["name"].split(".")[0],
        "subject": {"type": row["subject_kind"], "id": row["subject_id"]},
        "actor": {"id": row["actor_id"], "name": actor(row, reader)},
        "organisations": [org for org in (row["org_a"], row["org_b"]) if org is not None],
        "text": sentence(row, reader),
    }


@role_required(*STAFF_ROLES)
def list_audit():
    """The latest changes first, narrowed by the filters."""
    kind = query_choice("kind", AUDIT_KINDS)
    org_id, actor_id = _query_id("org_id"), _query_id("actor_id")
    since, until = _query_day("since"), _query_day("until")
    page, per_page = page_args()
    start = f"{since.isoformat()}T00:00:00+00:00" if since else None
    # the day after until, as text: the 10,000th year cannot be a date, but sorts after every row
    end = f"{until.isoformat()}T24:00:00+00:00" if until else None
    filters = queries.Filters(kind, org_id, actor_id, start, end, page)
    db = get_db()
    reader = Reader(db, current_user)
    with force_locale("en"):
        rows = queries.audit_rows(db, filters, per_page=per_page)
        items = [entry_json(row, reader) for row in rows]
    return page_of(items, queries.count(db, filters), page, per_page)

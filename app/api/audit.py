"""``GET /api/v1/audit``: the audit log for coordinators and administrators, the page's query.

The same filters as the page (``app/audit``), by id: ``kind``, ``org_id`` (either side of a pairing
or a request), ``actor_id``, and ``since``/``until`` as UTC days, both included (an ``until`` before
``since`` keeps no row). Each entry's ``text`` is the sentence of the page, in English.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_login import current_user

from app.api.payloads import page_args, page_of, query_choice, query_day, query_id
from app.audit import queries
from app.audit.words import Reader, actor, sentence
from app.auth.access import role_required
from app.db import get_db
from models.vocabulary import AUDIT_KINDS, STAFF_ROLES


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
    org_id, actor_id = query_id("org_id"), query_id("actor_id")
    since, until = query_day("since"), query_day("until")
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

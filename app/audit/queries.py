"""The audit log: every change the operations recorded, filtered, paged or streamed whole.

One query (:func:`audit_rows`) serves the page, the CSV download and ``GET /api/v1/audit``. Its
source is the ``events`` table, plus the two audit tables older than it, which stay complete:
``pairing_decisions`` (every decision, those taken before ``events`` existed and the seeded
history included; its ``pairing.decided`` events are therefore skipped) and ``request_events``
(requests audit there, not in ``events``). Each change appears once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from app.paging import page_number
from models.errors import InvalidInput
from models.vocabulary import AUDIT_KINDS

PAGE_SIZE = 50
YEARS = (1900, 2999)  # the days a filter may name: further off, a time zone cannot place them
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID = re.compile(r"[0-9]{1,9}")

# Every change, once: its source row, time, event name, subject ("pairing:12") and data. A subject
# without an id (a travel time's pair, "travel:Montréal – Québec") has a NULL subject_id.
_LOG = """
WITH log AS (
    SELECT 'event' AS source, e.id AS source_id, e.created_at, e.name, e.subject, e.actor_id, e.data
    FROM events e WHERE e.name <> 'pairing.decided'{events}
    UNION ALL
    SELECT 'decision', d.id, d.created_at, 'pairing.decided', 'pairing:' || d.pairing_id, d.user_id,
           json_object('decision', d.decision, 'from_status', d.from_status, 'to_status', d.to_status)
    FROM pairing_decisions d{decisions}
    UNION ALL
    SELECT 'request', r.id, r.created_at, 'request.' || r.action, 'request:' || r.request_id, r.user_id,
           json_object('from_status', r.from_status, 'to_status', r.to_status)
    FROM request_events r{requests}
),
audit AS (
    SELECT log.*, substr(subject, 1, instr(subject, ':') - 1) AS subject_kind,
           CASE WHEN subject GLOB '*:[0-9]*' AND subject NOT GLOB '*:*[^0-9]*'
                THEN CAST(substr(subject, instr(subject, ':') + 1) AS INTEGER) END AS subject_id
    FROM log
)
"""
# An organisation is in a row when it is its subject, either side of its pairing or request, or named
# in its data (a stance's partner, a host's answer, a follow-up). The test is made in each source
# table, where indexes answer it (m200: the two JSON fields of events), not on the union of all rows.
_PAIRINGS_OF = "SELECT id FROM pairings WHERE bfc_org_id = :org OR qc_org_id = :org"
_REQUESTS_OF = "SELECT id FROM requests WHERE from_org_id = :org OR to_org_id = :org"
_ORG_IN = {
    "events": f"""
    AND (e.subject IN (SELECT 'organisation:' || :org UNION ALL SELECT 'pairing:' || id FROM ({_PAIRINGS_OF})
                       UNION ALL SELECT 'request:' || id FROM ({_REQUESTS_OF}))
         OR json_extract(e.data, '$.org_id') = :org OR json_extract(e.data, '$.partner_id') = :org)""",
    "decisions": f" WHERE d.pairing_id IN ({_PAIRINGS_OF})",
    "requests": f" WHERE r.request_id IN ({_REQUESTS_OF})",
}
_ANY_ORG = dict.fromkeys(_ORG_IN, "")


def _log(filters: Filters) -> str:
    return _LOG.format(**(_ORG_IN if filters.org_id is not None else _ANY_ORG))


_ORDER = "ORDER BY {t}.created_at DESC, {t}.source, {t}.source_id DESC"
# The words of the rows kept (joined after the filter and the page are applied).
_DESCRIBE = """
placed AS (
    SELECT picked.*,
        CASE subject_kind WHEN 'pairing' THEN p.bfc_org_id WHEN 'request' THEN rq.from_org_id
             WHEN 'organisation' THEN subject_id ELSE json_extract(data, '$.org_id') END AS org_a,
        CASE subject_kind WHEN 'pairing' THEN p.qc_org_id WHEN 'request' THEN rq.to_org_id
             ELSE json_extract(data, '$.partner_id') END AS org_b,
        COALESCE(p.track, rq.track, json_extract(data, '$.track')) AS track
    FROM picked
    LEFT JOIN pairings p ON subject_kind = 'pairing' AND p.id = subject_id
    LEFT JOIN requests rq ON subject_kind = 'request' AND rq.id = subject_id
)
SELECT placed.*, u.name AS actor_name, u.email AS actor_email,
    (SELECT m.org_id FROM memberships m WHERE m.user_id = placed.actor_id ORDER BY m.org_id LIMIT 1)
        AS actor_org_id,
    oa.short_name AS org_a_name, ob.short_name AS org_b_name,
    CASE subject_kind WHEN 'trip' THEN t.name END AS trip_name,
    CASE subject_kind WHEN 'user' THEN acc.name END AS account_name,
    CASE subject_kind WHEN 'user' THEN acc.email END AS account_email
FROM placed
LEFT JOIN users u ON u.id = placed.actor_id
LEFT JOIN organisations oa ON oa.id = placed.org_a
LEFT JOIN organisations ob ON ob.id = placed.org_b
LEFT JOIN trips t ON subject_kind = 'trip' AND t.id = subject_id
LEFT JOIN users acc ON subject_kind = 'user' AND acc.id = subject_id
"""


@dataclass(frozen=True)
class Filters:
    """What the log is narrowed to; None: no narrowing. Times are UTC bounds (``until`` excluded)."""

    kind: str | None = None
    org_id: int | None = None
    actor_id: int | None = None
    since: str | None = None
    until: str | None = None
    page: int = 1
    # as the person typed them, to fill the form again
    typed: Mapping[str, str] | None = None


def parse_filters(db: Database, args: Mapping[str, str], zone: str) -> Filters:
    """The filters of a GET form or an API query; InvalidInput naming the field that is wrong.

    ``org`` is a short name (either side of a pairing or a request), ``actor`` a user id, ``since``
    and ``until`` days (YYYY-MM-DD, both included) in the reader's time zone ``zone``.
    """
    typed = {key: (args.get(key) or "").strip() for key in ("kind", "org", "actor", "since", "until")}
    kind = typed["kind"] or None
    if kind is not None and kind not in AUDIT_KINDS:
        raise InvalidInput(f"unknown kind {kind!r}", code="audit_unknown_kind", field="kind")
    org_id = None
    if typed["org"]:
        row = db.execute(
            "SELECT id FROM organisations WHERE short_name = ? COLLATE NOCASE", [typed["org"]]
        ).fetchone()
        if row is None:
            raise InvalidInput(
                "unknown organisation", code="audit_unknown_org", field="org", name=typed["org"]
            )
        org_id = row[0]
    actor_id = None
    if typed["actor"]:
        found = (
            _ID.fullmatch(typed["actor"])
            and db.execute("SELECT id FROM users WHERE id = ?", [int(typed["actor"])]).fetchone()
        )
        if not found:
            raise InvalidInput("unknown actor", code="audit_unknown_actor", field="actor")
        actor_id = int(typed["actor"])
    since, until = _day(typed["since"], "since"), _day(typed["until"], "until")
    if since and until and since > until:
        raise InvalidInput("dates reversed", code="audit_dates_reversed", field="until")
    page = page_number(args.get("page"))
    if page is None:
        raise InvalidInput("bad page", code="audit_bad_page", field="page")
    return Filters(
        kind,
        org_id,
        actor_id,
        _utc(since, zone) if since else None,
        _utc(since_next(until), zone) if until else None,
        page,
        typed,
    )


def since_next(day: date) -> date:
    """The day after ``day``: ``until`` includes its whole day."""
    return day + timedelta(days=1)


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"bad date {value!r}", code="audit_bad_date", field=field, value=value) from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise InvalidInput("year out of range", code="audit_date_out_of_range", field=field, value=value)
    return day


def _utc(day: date, zone: str) -> str:
    """Midnight of ``day`` in ``zone``, as the UTC ISO text the timestamp columns hold."""
    local = datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC).isoformat(timespec="seconds")


def _where(filters: Filters) -> tuple[str, dict]:
    clauses, params = [], {}
    if filters.kind:
        clauses.append("audit.name LIKE :kind || '.%'")
        params["kind"] = filters.kind
    if filters.org_id is not None:  # tested in each source of the log: see _log()
        params["org"] = filters.org_id
    if filters.actor_id is not None:
        clauses.append("audit.actor_id = :actor")
        params["actor"] = filters.actor_id
    if filters.since:
        clauses.append("audit.created_at >= :since")
        params["since"] = filters.since
    if filters.until:
        clauses.append("audit.created_at < :until")
        params["until"] = filters.until
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def count(db: Database, filters: Filters) -> int:
    """How many rows the filters keep."""
    where, params = _where(filters)
    return db.execute(f"{_log(filters)} SELECT COUNT(*) FROM audit{where}", params).fetchone()[0]


def audit_rows(
    db: Database, filters: Filters, *, paged: bool = True, per_page: int = PAGE_SIZE
) -> Iterator[dict]:
    """The rows the filters keep, the latest first, ``data`` decoded; one page of PAGE_SIZE when
    ``paged`` (``per_page`` rows), else every row, read from the cursor one by one (an export of any
    size)."""
    where, params = _where(filters)
    page = ""
    if paged:
        page = " LIMIT :limit OFFSET :offset"
        params |= {"limit": per_page, "offset": (filters.page - 1) * per_page}
    picked = f", picked AS (SELECT audit.* FROM audit{where} {_ORDER.format(t='audit')}{page}),"
    cursor = db.execute(f"{_log(filters)}{picked}{_DESCRIBE} {_ORDER.format(t='placed')}", params)
    columns = [column[0] for column in cursor.description]
    for values in cursor:
        row = dict(zip(columns, values, strict=True))
        row["data"] = json.loads(row["data"] or "{}")
        yield row


def actors(db: Database) -> list[dict]:
    """The accounts the actor filter offers: every user, by name then email."""
    return list(db.query("SELECT id, name, email FROM users ORDER BY name = '', name COLLATE NOCASE, email"))

"""Reading and writing organisation rows; list fields are stored as JSON arrays."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from app.db import immediate
from models.profiles import EXPORT_FIELDS, LIST_FIELDS


@dataclass(frozen=True)
class UpsertReport:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def now() -> str:
    """The current UTC time as an ISO 8601 string, the form every timestamp column holds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def decode(row: Mapping) -> dict:
    """Turn a database row into a record whose list fields are Python lists."""
    record = dict(row)
    for field in LIST_FIELDS:
        if field in record and isinstance(record[field], str):
            record[field] = json.loads(record[field] or "[]")
    return record


def _encode(record: Mapping) -> dict:
    row = {field: record.get(field, "") for field in EXPORT_FIELDS}
    for field in LIST_FIELDS:
        row[field] = json.dumps(list(record.get(field) or []), ensure_ascii=False)
    return row


def upsert_organisations(db: Database, records: Iterable[Mapping]) -> UpsertReport:
    """Insert or update records by short_name, all in one transaction."""
    created = updated = unchanged = 0
    stamp = now()
    with immediate(db):  # reads each current row, then writes: take the write lock first
        for record in records:
            row = _encode(record)
            current = _row_by_short_name(db, row["short_name"])
            if current is None:
                db.table("organisations").insert({**row, "created_at": stamp, "updated_at": stamp})
                created += 1
                continue
            if all(current[field] == row[field] for field in EXPORT_FIELDS):
                unchanged += 1
                continue
            db.table("organisations").update(current["id"], {**row, "updated_at": stamp})
            updated += 1
    return UpsertReport(created, updated, unchanged)


def list_organisations(db: Database, *, region: str | None = None) -> list[dict]:
    """All organisations (or one region's), ordered by region then name."""
    where, params = ("region = ?", [region]) if region else (None, [])
    rows = db.table("organisations").rows_where(where, params, order_by="region, name COLLATE NOCASE")
    return [decode(row) for row in rows]


def page_organisations(
    db: Database,
    *,
    region: str | None = None,
    org_type: str | None = None,
    city: str | None = None,
    page: int = 1,
    per_page: int = 60,
) -> tuple[list[dict], dict[str, int], int]:
    """One page of the organisations that pass the filters, ordered by region then name.

    Returns the page's organisations, how many pass the filters in each region, and the page
    actually shown (a page past the last one shows the last).
    """
    clauses = [
        (column, value) for column, value in (("region", region), ("type", org_type), ("city", city)) if value
    ]
    where = " AND ".join(f"{column} = ?" for column, _ in clauses) or None
    params = [value for _, value in clauses]
    scope = f" WHERE {where}" if where else ""
    sql = f"SELECT region, count(*) FROM organisations{scope} GROUP BY region"
    by_region = dict(db.execute(sql, params).fetchall())
    page = max(1, min(page, -(-sum(by_region.values()) // per_page)))
    rows = db.table("organisations").rows_where(
        where,
        params,
        order_by="region, name COLLATE NOCASE, id",
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    return [decode(row) for row in rows], by_region, page


def _row_by_short_name(db: Database, short_name: str) -> dict | None:
    rows = db.table("organisations").rows_where("short_name = ?", [short_name], limit=1)
    return next(iter(rows), None)


def get_by_short_name(db: Database, short_name: str) -> dict | None:
    """The organisation with this short name, or None."""
    row = _row_by_short_name(db, short_name)
    return decode(row) if row else None


def get_organisation(db: Database, org_id: int) -> dict | None:
    """The organisation with this id, or None."""
    rows = db.table("organisations").rows_where("id = ?", [org_id], limit=1)
    row = next(iter(rows), None)
    return decode(row) if row else None


def create_organisation(db: Database, record: Mapping) -> int:
    """Insert one new organisation (an API create); sqlite3.IntegrityError when its short_name is taken."""
    stamp = now()
    with db.atomic():
        row = {**_encode(record), "created_at": stamp, "updated_at": stamp}
        return db.table("organisations").insert(row).last_pk


def update_organisation(db: Database, org_id: int, record: Mapping) -> None:
    """Replace one organisation's profile fields (a web edit); the id stays."""
    with db.atomic():
        db.table("organisations").update(org_id, {**_encode(record), "updated_at": now()})


def list_cities(db: Database) -> list[str]:
    """Every city that holds an organisation, alphabetically."""
    rows = db.execute("SELECT DISTINCT city FROM organisations ORDER BY city COLLATE NOCASE")
    return [row[0] for row in rows]

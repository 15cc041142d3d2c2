"""Reading and writing organisation rows; list fields are stored as JSON arrays."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from app.db import immediate
from models.errors import InvalidImport
from models.profiles import (
    EXPORT_FIELDS,
    LIST_FIELDS,
    STATUSES,
    TEXT_FIELDS,
    TRANSLATIONS,
    case_clash_problem,
)


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
    # A record without a status (a member's web edit) leaves the stored one as it is.
    row = {field: record.get(field, "") for field in EXPORT_FIELDS if field != "status" or field in record}
    for field in LIST_FIELDS:
        row[field] = json.dumps(list(record.get(field) or []), ensure_ascii=False)
    return row


def upsert_organisations(db: Database, records: Iterable[Mapping], *, audit: bool = True) -> UpsertReport:
    """Insert or update records by short_name, all in one transaction (or none: InvalidImport when a
    short name differs only in case from a stored one). Each organisation added or changed gets an
    audit row, unless ``audit`` is False (the seed: the starting state, not a change)."""
    from app.operations import record_events_by  # it imports this module

    created = updated = unchanged = 0
    stamp = now()
    records = list(records)
    changes: list[tuple[str, str, dict]] = []  # the audit's: the command line imports, no account
    with immediate(db):  # reads each current row, then writes: take the write lock first
        clashes = case_clashes(db, (record["short_name"] for record in records))
        if clashes:  # the parser checked too, but another writer may have added one since
            raise InvalidImport([case_clash_problem(given, stored) for given, stored in clashes.items()])
        for record in records:
            row = _encode(record)
            current = _row_by_short_name(db, row["short_name"])
            if current is None:
                new = {**row, "created_at": stamp, "updated_at": stamp}
                org_id = db.table("organisations").insert(new).last_pk
                write_translations(db, org_id, record.get(TRANSLATIONS) or {})
                changes.append(("organisation.imported", f"organisation:{org_id}", {"change": "created"}))
                created += 1
                continue
            # Only the embedded fields move updated_at: a second version alone is no new profile.
            same_profile = all(current[field] == row[field] for field in EXPORT_FIELDS)
            same_translations = TRANSLATIONS not in record or _same_translations(
                translations_of(db, current["id"]), record[TRANSLATIONS]
            )
            if same_profile and same_translations:
                unchanged += 1
                continue
            if not same_profile:
                db.table("organisations").update(current["id"], {**row, "updated_at": stamp})
            if not same_translations:
                write_translations(db, current["id"], record[TRANSLATIONS])
            changes.append(("organisation.imported", f"organisation:{current['id']}", {"change": "updated"}))
            updated += 1
        if audit:
            record_events_by(db, None, changes)
    return UpsertReport(created, updated, unchanged)


def translations_of(db: Database, org_id: int) -> dict[str, dict]:
    """An organisation's second-language versions: ``{lang: {expertise, offers, seeks, updated_at, ...}}``."""
    return translations_by_org(db, [org_id]).get(org_id, {})


def translations_by_org(db: Database, org_ids: Iterable[int] | None = None) -> dict[int, dict[str, dict]]:
    """The second-language versions of some organisations (every one when ``org_ids`` is None)."""
    if org_ids is None:
        rows = db.query("SELECT * FROM profile_translations ORDER BY org_id, lang")
    else:
        ids = list(org_ids)
        marks = ", ".join("?" * len(ids))
        rows = db.query(f"SELECT * FROM profile_translations WHERE org_id IN ({marks}) ORDER BY lang", ids)
    found: dict[int, dict[str, dict]] = {}
    for row in rows:
        found.setdefault(row.pop("org_id"), {})[row.pop("lang")] = row
    return found


def save_translation(db: Database, org_id: int, lang: str, texts: Mapping, user_id: int | None) -> None:
    """Write one second-language version of a profile (in the caller's transaction)."""
    db.table("profile_translations").upsert(
        {"org_id": org_id, "lang": lang, **{field: texts[field] for field in TEXT_FIELDS}}
        | {"updated_at": now(), "updated_by": user_id},
        pk=("org_id", "lang"),
    )


def write_translations(
    db: Database, org_id: int, translations: Mapping[str, Mapping], user_id: int | None = None
) -> None:
    """Replace an organisation's second-language versions by ``translations`` (unchanged ones kept
    with who wrote them and when)."""
    stored = translations_of(db, org_id)
    for lang in set(stored) - set(translations):
        db.execute("DELETE FROM profile_translations WHERE org_id = ? AND lang = ?", [org_id, lang])
    for lang, texts in translations.items():
        if not _same_translations({lang: stored[lang]} if lang in stored else {}, {lang: texts}):
            save_translation(db, org_id, lang, texts, user_id)


def _same_translations(stored: Mapping[str, Mapping], given: Mapping[str, Mapping]) -> bool:
    def texts(versions):
        return {lang: {field: v[field] for field in TEXT_FIELDS} for lang, v in versions.items()}

    return texts(stored) == texts(given)


def list_organisations(db: Database, *, region: str | None = None) -> list[dict]:
    """All organisations (or one region's), ordered by region then name."""
    where, params = ("region = ?", [region]) if region else (None, [])
    rows = db.table("organisations").rows_where(where, params, order_by="region, name COLLATE NOCASE")
    return [decode(row) for row in rows]


def directory_page(
    db: Database,
    *,
    region: str | None = None,
    org_type: str | None = None,
    city: str | None = None,
    page: int = 1,
    per_page: int = 100,
) -> tuple[list[dict], dict[str, int]]:
    """One page of the filtered organisations (by region, then name) and how many each region holds."""
    clauses = [
        (column, value) for column, value in (("region", region), ("type", org_type), ("city", city)) if value
    ]
    where = " AND ".join(f"{column} = ?" for column, _ in clauses) or "1"
    params = [value for _, value in clauses]
    counts = dict(
        db.execute(f"SELECT region, COUNT(*) FROM organisations WHERE {where} GROUP BY region", params)
    )
    order = "ORDER BY region, name COLLATE NOCASE, id"
    rows = db.query(
        f"SELECT * FROM organisations WHERE {where} {order} LIMIT ? OFFSET ?",
        [*params, per_page, (page - 1) * per_page],
    )
    return [decode(row) for row in rows], counts


def _row_by_short_name(db: Database, short_name: str) -> dict | None:
    rows = db.table("organisations").rows_where("short_name = ?", [short_name], limit=1)
    return next(iter(rows), None)


def short_name_keys(db: Database) -> dict[str, tuple[int, str]]:
    """Every stored short name by its case-folded form: ``{key: (id, short_name)}``."""
    rows = db.execute("SELECT id, short_name FROM organisations")
    return {name.casefold(): (org_id, name) for org_id, name in rows}


def short_name_owner(db: Database, short_name: str) -> dict | None:
    """The organisation whose short name equals ``short_name`` ignoring case ("efs bfc" is "EFS BFC")."""
    # casefold in Python: SQLite's NOCASE folds ASCII letters only ("É" would differ from "é").
    found = short_name_keys(db).get(short_name.strip().casefold())
    return get_organisation(db, found[0]) if found else None


def case_clashes(db: Database, short_names: Iterable[str]) -> dict[str, str]:
    """Short names that differ only in case from a stored one: ``{given: stored}``."""
    keys = short_name_keys(db)
    stored = ((name, keys.get(name.casefold())) for name in short_names)
    return {name: found[1] for name, found in stored if found and found[1] != name}


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
        org_id = db.table("organisations").insert(row).last_pk
        write_translations(db, org_id, record.get(TRANSLATIONS) or {})
        return org_id


def update_organisation(db: Database, org_id: int, record: Mapping) -> None:
    """Replace one organisation's profile fields (a web edit); the id stays."""
    with db.atomic():
        db.table("organisations").update(org_id, {**_encode(record), "updated_at": now()})


def set_status(db: Database, org_id: int, status: str, user_id: int | None) -> bool:
    """Change an organisation's status with its audit row; False when it already had it.

    ValueError when ``status`` is not one of :data:`models.profiles.STATUSES`.
    """
    with immediate(db):
        return write_status(db, org_id, status, user_id)


def write_status(db: Database, org_id: int, status: str, user_id: int | None) -> bool:
    """:func:`set_status` inside the caller's write transaction."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    old = db.execute("SELECT status FROM organisations WHERE id = ?", [org_id]).fetchone()
    if old is None or old[0] == status:
        return False
    stamp = now()
    db.execute("UPDATE organisations SET status = ?, updated_at = ? WHERE id = ?", [status, stamp, org_id])
    db.table("org_status_events").insert(
        {
            "org_id": org_id,
            "user_id": user_id,
            "old_status": old[0],
            "new_status": status,
            "created_at": stamp,
        }
    )
    return True


def list_cities(db: Database) -> list[str]:
    """Every city that holds an organisation, alphabetically."""
    rows = db.execute("SELECT DISTINCT city FROM organisations ORDER BY city COLLATE NOCASE")
    return [row[0] for row in rows]

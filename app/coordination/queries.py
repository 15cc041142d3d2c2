"""Pairings (a BFC and a Québec organisation on one track), their history and the review queue.

Decisions are taken by ``app.operations.pairings.decide``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlite_utils import Database

from app.orgs.queries import now
from models.matching.topics import fold
from models.vocabulary import PAIRING_STATUSES, REGIONS, WANTING, sql_in

PAGE_SIZE = 30
ORG_CHOICES = 500  # organisations offered by the queue's organisation filter, at most


def sides(org: dict, partner: dict) -> tuple[int, int]:
    """(bfc_org_id, qc_org_id) of two organisations; ValueError when they are on one side."""
    by_region = {org["region"]: org["id"], partner["region"]: partner["id"]}
    if set(by_region) != set(REGIONS):
        raise ValueError("a pairing joins one BFC and one Québec organisation")
    return by_region["BFC"], by_region["QC"]


_ENSURE_PAIRING = """
    INSERT INTO pairings
        (bfc_org_id, qc_org_id, track, status, origin, score, note, created_at, updated_at)
    VALUES (?, ?, ?, 'proposed', ?, ?, ?, ?, ?)
    ON CONFLICT (bfc_org_id, qc_org_id, track) DO UPDATE SET
        score = COALESCE(MAX(excluded.score, COALESCE(pairings.score, 0)), pairings.score)
"""


def ensure_pairing(
    db: Database, bfc_id: int, qc_id: int, track: str, origin: str, score: float | None = None, note: str = ""
) -> int:
    """The id of the pairing, created as proposed if it does not exist yet."""
    stamp = now()
    db.execute(_ENSURE_PAIRING, [bfc_id, qc_id, track, origin, score, note, stamp, stamp])
    row = db.execute(
        "SELECT id FROM pairings WHERE bfc_org_id = ? AND qc_org_id = ? AND track = ?", [bfc_id, qc_id, track]
    ).fetchone()
    return row[0]


def ensure_pairings(db: Database, pairings: Iterable[tuple[int, int, str, float]], origin: str) -> int:
    """:func:`ensure_pairing` for many (bfc id, qc id, track, score) in one statement; return how
    many pairings are new."""
    stamp = now()
    last = db.execute("SELECT COALESCE(MAX(id), 0) FROM pairings").fetchone()[0]
    db.conn.executemany(
        _ENSURE_PAIRING,
        ((bfc_id, qc_id, track, origin, score, "", stamp, stamp) for bfc_id, qc_id, track, score in pairings),
    )
    # A new row's id is past every id before it (INTEGER PRIMARY KEY): no count of the whole table.
    return db.execute("SELECT COUNT(*) FROM pairings WHERE id > ?", [last]).fetchone()[0]


_PAIRING_COLUMNS = """
    p.*, b.short_name AS bfc_short_name, b.name AS bfc_name, b.city AS bfc_city, b.type AS bfc_type,
    q.short_name AS qc_short_name, q.name AS qc_name, q.city AS qc_city, q.type AS qc_type,
    ib.kind AS bfc_interest, ib.reason AS bfc_reason, iq.kind AS qc_interest, iq.reason AS qc_reason,
    (ib.kind IN ({wanting}) AND iq.kind IN ({wanting})) AS mutual,
    (p.origin = 'member' OR ib.kind = 'intro_request' OR iq.kind = 'intro_request'
        OR EXISTS (SELECT 1 FROM requests r WHERE r.pairing_id = p.id AND r.status = 'accepted')) AS requested
""".format(wanting=sql_in(WANTING))
_PAIRING_JOINS = """
    FROM pairings p
    JOIN organisations b ON b.id = p.bfc_org_id
    JOIN organisations q ON q.id = p.qc_org_id
    LEFT JOIN interests ib
        ON ib.org_id = p.bfc_org_id AND ib.partner_org_id = p.qc_org_id AND ib.track = p.track
    LEFT JOIN interests iq
        ON iq.org_id = p.qc_org_id AND iq.partner_org_id = p.bfc_org_id AND iq.track = p.track
"""


def get_pairing(db: Database, pairing_id: int) -> dict | None:
    """One pairing with both organisations' names and stances, or None."""
    return next(db.query(f"SELECT {_PAIRING_COLUMNS} {_PAIRING_JOINS} WHERE p.id = ?", [pairing_id]), None)


@dataclass(frozen=True)
class QueueFilters:
    """What the review queue shows: a status, and optionally a track, a name, a side, an organisation.

    ``q`` is matched accent- and case-insensitively against both organisations' names (only those
    of the ``side`` region when given: a side alone filters nothing, as every pairing has one
    organisation a side); ``org_id`` keeps the pairings of one organisation.
    """

    status: str = "proposed"
    track: str | None = None
    q: str | None = None
    side: str | None = None
    org_id: int | None = None

    def active(self) -> dict:
        """The filters set beyond the status, as query-string values."""
        values = {"track": self.track, "q": self.q, "side": self.side, "org": self.org_id}
        return {key: value for key, value in values.items() if value}


def review_queue(
    db: Database,
    status: str | QueueFilters,
    track: str | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> tuple[list[dict], int]:
    """One page of pairings matching the filters: mutual interest first, then member requests, then score."""
    filters = status if isinstance(status, QueueFilters) else QueueFilters(status, track)
    where, params = _queue_where(db, filters)
    total = db.execute(f"SELECT COUNT(*) {_PAIRING_JOINS} WHERE {where}", params).fetchone()[0]
    rows = db.query(
        f"""
        SELECT {_PAIRING_COLUMNS},
            (SELECT COUNT(*) FROM pairing_decisions d WHERE d.pairing_id = p.id) AS decisions
        {_PAIRING_JOINS} WHERE {where}
        ORDER BY COALESCE(mutual, 0) DESC, COALESCE(requested, 0) DESC, p.score DESC NULLS LAST, p.id
        LIMIT ? OFFSET ?
        """,
        [*params, per_page, (page - 1) * per_page],
    )
    return list(rows), total


def queue_total(db: Database, status: str) -> int:
    """How many pairings the queue holds in ``status`` with no other filter (the "of 41")."""
    where, params = _queue_where(db, QueueFilters(status))
    return db.execute(f"SELECT COUNT(*) {_PAIRING_JOINS} WHERE {where}", params).fetchone()[0]


_IDS = "(SELECT value FROM json_each(?))"  # a JSON array of ids: no limit on bound parameters


def _queue_where(db: Database, filters: QueueFilters) -> tuple[str, list]:
    where, params = ["p.status = ?"], [filters.status]
    if filters.status == "proposed":  # a closed organisation's proposals leave the queue
        where.append("b.status != 'closed' AND q.status != 'closed'")
    if filters.track:
        where.append("p.track = ?")
        params.append(filters.track)
    if filters.org_id:
        where.append("(p.bfc_org_id = ? OR p.qc_org_id = ?)")
        params += [filters.org_id, filters.org_id]
    if filters.q:
        named = json.dumps(orgs_named(db, filters.q, filters.side))
        where.append(f"(p.bfc_org_id IN {_IDS} OR p.qc_org_id IN {_IDS})")
        params += [named, named]
    return " AND ".join(where), params


def orgs_named(db: Database, text: str, region: str | None = None) -> list[int]:
    """Ids of the organisations whose short or full name holds ``text``, accents and case aside.

    Past PREFILTER_FROM organisations, SQLite's LIKE first keeps the names that can match (an
    accentable letter or a separator stands for any one character), so that only those are folded.
    """
    wanted = fold(text).strip()
    where, params = ("region = ?", [region]) if region else ("1", [])
    if db.execute(f"SELECT COUNT(*) FROM organisations WHERE {where}", params).fetchone()[0] > PREFILTER_FROM:
        pattern = _like_pattern(wanted)  # holds no wildcard or backslash of its own: nothing to escape
        where, params = f"{where} AND (short_name LIKE ? OR name LIKE ?)", [*params, pattern, pattern]
    sql = f"SELECT id, short_name, name FROM organisations WHERE {where}"
    return [
        row[0]
        for row in db.execute(sql, params).fetchall()
        if wanted in fold(row[1]) or wanted in fold(row[2])
    ]


PREFILTER_FROM = 5_000  # organisations: below, every name is folded (exact in every case)
_ACCENTABLE = frozenset("aceinouy")  # letters some accented letter folds to


def _like_pattern(folded: str) -> str:
    """A LIKE pattern (case-blind for ASCII) that every name folding to hold ``folded`` matches."""
    chars = []
    for char in folded:
        if char in _ACCENTABLE or not char.isascii() or not char.isalnum():
            chars.append("_")
        else:
            chars.append(char)
    return "%" + "".join(chars) + "%"


def queue_orgs(db: Database, limit: int | None = None) -> list[dict] | None:
    """The organisations that have a pairing, by region then short name (the queue's organisation
    filter), or None when there are more than ``limit`` (ORG_CHOICES): the filter then comes from links."""
    limit = ORG_CHOICES if limit is None else limit
    rows = db.query(
        """
        SELECT id, short_name, region FROM organisations o
        WHERE EXISTS (SELECT 1 FROM pairings p WHERE p.bfc_org_id = o.id)
            OR EXISTS (SELECT 1 FROM pairings p WHERE p.qc_org_id = o.id)
        ORDER BY region, short_name COLLATE NOCASE LIMIT ?
        """,
        [limit + 1],
    )
    found = list(rows)
    return None if len(found) > limit else found


def status_counts(db: Database) -> dict[str, int]:
    """How many pairings are in each status."""
    counts = dict(db.execute("SELECT status, COUNT(*) FROM pairings GROUP BY status").fetchall())
    return {status: counts.get(status, 0) for status in PAIRING_STATUSES}


def pairings_of_org(db: Database, org_id: int) -> list[dict]:
    """Every pairing an organisation is part of, approved first."""
    rows = db.query(
        f"""
        SELECT {_PAIRING_COLUMNS} {_PAIRING_JOINS}
        WHERE p.bfc_org_id = ? OR p.qc_org_id = ?
        ORDER BY CASE p.status WHEN 'approved' THEN 0 WHEN 'proposed' THEN 1 ELSE 2 END, p.track
        """,
        [org_id, org_id],
    )
    return list(rows)


def decisions_for(db: Database, pairing_id: int) -> list[dict]:
    """The audit trail of a pairing, oldest first, with who decided."""
    rows = db.query(
        """
        SELECT d.*, u.email AS user_email FROM pairing_decisions d LEFT JOIN users u ON u.id = d.user_id
        WHERE d.pairing_id = ? ORDER BY d.id
        """,
        [pairing_id],
    )
    return list(rows)

"""What a reader may do on another organisation's page, and where things stand between the two.

A member acts for one of their organisations across the Atlantic from the page's: a stance per
track (``app.operations.stances``) and a request (``app.introductions``). A coordinator proposes a
pairing (``app.operations.pairings.propose``). The page says in one sentence why nothing is offered
on one's own organisation, on one's side of the Atlantic, or on a closed organisation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlite_utils import Database

from app.coordination.queries import orgs_named
from app.introductions.operations import requests_between
from app.members.queries import stances, stances_towards
from app.orgs.queries import get_organisation
from models.vocabulary import REGIONS, STAFF_ROLES, TRACKS

PARTNER_CHOICES = 200  # partners one list offers; past it, the coordinator searches by name


@dataclass(frozen=True)
class Standing:
    """One track between the reader's organisation and the page's: stances, open request, pairing."""

    track: str
    mine: dict | None
    theirs: str | None
    request: dict | None
    pairing: dict | None


@dataclass(frozen=True)
class Actions:
    """What the page offers: ``why_not`` is the reason nothing is offered (a code), else None."""

    why_not: str | None = None
    acting: list[dict] = field(default_factory=list)  # the member's organisations that may act
    standings: list[Standing] = field(default_factory=list)
    partners: list[dict] = field(default_factory=list)  # a coordinator's choice of partners
    across: int = 0  # open organisations across the Atlantic, of which ``partners`` is a choice
    partner_query: str = ""  # the name a coordinator searched for, past PARTNER_CHOICES

    @property
    def choices(self) -> int:
        """The most partners one list offers."""
        return PARTNER_CHOICES

    @property
    def searched(self) -> bool:
        """True when there are too many partners for one list: the coordinator names one first."""
        return self.across > PARTNER_CHOICES

    @property
    def member(self) -> bool:
        """True when a member may set a stance or send a request here."""
        return self.why_not is None and bool(self.acting)

    @property
    def coordinator(self) -> bool:
        """True when a coordinator may propose a pairing here."""
        return self.why_not is None and bool(self.across)


def actions_for(db: Database, reader, org: dict, partner_query: str = "") -> Actions:
    """What ``reader`` may do on ``org``'s page, and, for a member, where things stand per track.

    A coordinator chooses the partner of a proposal from a list: all open organisations across the
    Atlantic up to PARTNER_CHOICES, else those whose name holds ``partner_query``.
    """
    if org["status"] == "closed":
        return Actions("closed")
    if reader.role in STAFF_ROLES:
        across = count_across(db, org)
        query = partner_query.strip()[:100]
        if across <= PARTNER_CHOICES:
            partners = partners_across(db, org)
        else:  # one list of every partner would be too long: the coordinator names one first
            partners = partners_across(db, org, query) if query else []
        why_not = None if across else "no_partner"
        return Actions(why_not, partners=partners, across=across, partner_query=query)
    if org["id"] in reader.org_ids:
        return Actions("own")
    mine = [get_organisation(db, org_id) for org_id in reader.org_ids]
    acting = [o for o in mine if o and o["region"] != org["region"]]
    if not acting:
        return Actions("same_side")
    return Actions(acting=acting, standings=standings(db, acting[0]["id"], org["id"]))


def standings(db: Database, own_id: int, partner_id: int) -> list[Standing]:
    """Per track, what ``own_id`` and ``partner_id`` have said about each other, and any pairing."""
    mine, theirs = stances(db, own_id), stances_towards(db, own_id)
    pairings = {
        row["track"]: row
        for row in db.query(
            "SELECT * FROM pairings WHERE (bfc_org_id = ? AND qc_org_id = ?) "
            "OR (bfc_org_id = ? AND qc_org_id = ?)",
            [own_id, partner_id, partner_id, own_id],
        )
    }
    rows = []
    for track in TRACKS:
        pending = [r for r in requests_between(db, own_id, partner_id, track) if r["status"] == "pending"]
        rows.append(
            Standing(
                track,
                mine.get((partner_id, track)),
                theirs.get((partner_id, track)),
                pending[0] if pending else None,
                pairings.get(track),
            )
        )
    return rows


def count_across(db: Database, org: dict) -> int:
    """How many organisations across the Atlantic from ``org`` are not closed."""
    sql = "SELECT COUNT(*) FROM organisations WHERE region != ? AND status != 'closed'"
    return db.execute(sql, [org["region"]]).fetchone()[0]


def partners_across(db: Database, org: dict, query: str = "") -> list[dict]:
    """At most PARTNER_CHOICES open organisations across the Atlantic from ``org``, by short name:
    those whose short or full name holds ``query`` (accents and case aside), or all when it is empty."""
    where, params = "region != ? AND status != 'closed'", [org["region"]]
    if query:
        ids = [i for region in REGIONS if region != org["region"] for i in orgs_named(db, query, region)]
        where, params = f"{where} AND id IN (SELECT value FROM json_each(?))", [*params, json.dumps(ids)]
    rows = db.query(
        f"SELECT id, short_name, city FROM organisations WHERE {where} "
        "ORDER BY short_name COLLATE NOCASE LIMIT ?",
        [*params, PARTNER_CHOICES],
    )
    return list(rows)

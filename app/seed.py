"""Seed data: the real ecosystem profiles, and demo accounts for development."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlite_utils import Database

from app.db import immediate
from app.orgs.queries import UpsertReport, upsert_organisations
from app.users import create_user
from models.cities import canonical_city
from models.profiles import parse_import

SEED_DIR = Path(__file__).resolve().parent.parent / "data" / "seed"
DEMO_DOMAIN = "demo.passerelle.example.org"
# Who the demo accounts are: (email local part, role, organisations they belong to).
DEMO_ACCOUNTS = (
    ("admin", "admin", ()),
    ("coordination.bfc", "coordinator", ()),
    ("coordination.qc", "coordinator", ()),
    ("membre.efs", "member", ("EFS BFC",)),
    ("membre.chu-besancon", "member", ("CHU de Besançon",)),
    ("member.thecell", "member", ("ThéCell",)),
    ("member.mcgill", "member", ("McGill / MUHC",)),
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: str
    orgs: tuple[str, ...]


def seed_organisations(db: Database, seed_dir: Path = SEED_DIR) -> UpsertReport:
    """Upsert the seeded profiles; running it again changes nothing."""
    records = parse_import((seed_dir / "ecosystem.jsonl").read_bytes(), "jsonl")
    return upsert_organisations(db, records, audit=False)


def seed_demo_accounts(db: Database, instance_path: Path, hash_method: str) -> list[DemoAccount]:
    """Create any missing demo account; passwords are random, kept in the instance folder."""
    accounts = _load_or_make_demo_accounts(instance_path / "demo-accounts.json")
    for account in accounts:
        exists = db.execute("SELECT 1 FROM users WHERE email = ? COLLATE NOCASE", [account.email]).fetchone()
        if not exists:
            create_user(
                db, account.email, account.password, account.role, account.orgs, hash_method=hash_method
            )
    return accounts


def seed_demo_contacts(db: Database, seed_dir: Path = SEED_DIR) -> int:
    """Add the fictional contact persons of the demo organisations (once); return how many there are."""
    from app.orgs.queries import get_by_short_name
    from app.people.queries import save_contact

    emails = []
    for item in json.loads((seed_dir / "demo-contacts.json").read_text(encoding="utf-8")):
        org = get_by_short_name(db, item["org"])
        known = (
            org
            and db.execute(
                "SELECT 1 FROM contacts WHERE org_id = ? AND email = ? COLLATE NOCASE",
                [org["id"], item["email"]],
            ).fetchone()
        )
        if org is None:
            continue
        if not known:
            save_contact(db, org["id"], item)
        emails.append(item["email"])
    return len(emails)


def _load_or_make_demo_accounts(path: Path) -> list[DemoAccount]:
    if path.exists():
        return [DemoAccount(**{**item, "orgs": tuple(item["orgs"])}) for item in json.loads(path.read_text())]
    accounts = [
        DemoAccount(f"{local}@{DEMO_DOMAIN}", secrets.token_urlsafe(12), role, orgs)
        for local, role, orgs in DEMO_ACCOUNTS
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written with owner-only permissions: these are live credentials of the local server.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump([account.__dict__ for account in accounts], handle, ensure_ascii=False, indent=1)
    return accounts


# The origin of a link known before the programme (a coordinator's own proposal is "coordinator").
KNOWN_LINK_ORIGIN = "documented"


def seed_known_links(db: Database, seed_dir: Path = SEED_DIR) -> int:
    """Record the documented BFC-Québec links as approved pairings (once); return how many there are."""
    from app.coordination.queries import ensure_pairing, sides
    from app.orgs.queries import get_by_short_name, now

    for line in (seed_dir / "known-links.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        link = json.loads(line)
        a, b = get_by_short_name(db, link["a"]), get_by_short_name(db, link["b"])
        if a is None or b is None:
            continue
        bfc_id, qc_id = sides(a, b)
        with immediate(db):  # reads whether the link is known, then writes it
            known = db.execute(
                "SELECT 1 FROM pairings WHERE bfc_org_id = ? AND qc_org_id = ? AND track = ?",
                [bfc_id, qc_id, link["kind"]],
            ).fetchone()
            if known:
                continue
            note = f"{link['fact']} ({link['since']})"
            pairing_id = ensure_pairing(db, bfc_id, qc_id, link["kind"], KNOWN_LINK_ORIGIN, note=note)
            db.execute("UPDATE pairings SET status = 'approved' WHERE id = ?", [pairing_id])
            db.table("pairing_decisions").insert(
                {
                    "pairing_id": pairing_id,
                    "user_id": None,
                    "decision": "approve",
                    "from_status": "proposed",
                    "to_status": "approved",
                    "comment": link["fact"],
                    "created_at": now(),
                }
            )
    return db.execute("SELECT COUNT(*) FROM pairings WHERE origin = ?", [KNOWN_LINK_ORIGIN]).fetchone()[0]


# Hosts a short drive from a destination city receive the delegation there.
NEARBY_CITIES = {"Laval": "Montréal", "Chenôve": "Dijon", "Bretenière": "Dijon"}
LARGE_HOSTS = ("hospital", "university_lab")  # two meetings at once; other hosts one


def seed_trips(db: Database, seed_dir: Path = SEED_DIR) -> int:
    """Create the trips of ``trips.json`` that do not exist yet (by name); return how many there are.

    The past trip gets its documented delegation and as many placeholder delegates as went; the
    planned ones get a derived delegation without delegates (coordinators add the people): for
    BFC->QC the previous BFC->QC delegation, for QC->BFC the Québec organisations with an approved
    pairing in BFC. Every trip gets as hosts the organisations of the other region in (or next to)
    its destination cities, capacity 2 for hospitals and university laboratories, 1 otherwise.
    """
    from app.orgs.queries import get_by_short_name
    from app.trips import queries

    previous: dict[str, list[str]] = {}
    for item in json.loads((seed_dir / "trips.json").read_text(encoding="utf-8")):
        cities = [canonical_city(c) for c in item["destination"].split(" et ")]
        delegation = item.get("delegation") or _derived_delegation(db, item["direction"], previous)
        previous.setdefault(item["direction"], delegation)
        if queries.name_taken(db, item["name"]):
            continue
        fields = {
            "name": item["name"], "direction": item["direction"], "cities": cities, "status": item["status"],
            "start_date": date.fromisoformat(item["start"]), "end_date": date.fromisoformat(item["end"]),
            "notes": item.get("fact", ""),
        }  # fmt: skip
        trip_id = queries.create_trip(db, fields)
        orgs = [org for org in (get_by_short_name(db, name) for name in delegation) if org]
        for org in orgs:
            queries.add_delegation_org(db, trip_id, org["id"])
        for n in range(item.get("delegates", 0)):
            org = orgs[n % len(orgs)]
            queries.add_delegate(db, trip_id, org["id"], f"Délégué·e {n + 1}")  # names are not public
        _seed_hosts(db, trip_id, item["direction"].split("->")[1], cities)
    return db.execute("SELECT COUNT(*) FROM trips").fetchone()[0]


def _derived_delegation(db: Database, direction: str, previous: dict[str, list[str]]) -> list[str]:
    if direction in previous:
        return previous[direction]
    region = direction.split("->")[0]
    rows = db.execute(
        """
        SELECT DISTINCT o.short_name FROM pairings p
        JOIN organisations o ON o.id IN (p.bfc_org_id, p.qc_org_id)
        WHERE p.status = 'approved' AND o.region = ? ORDER BY o.short_name
        """,
        [region],
    )
    return [row[0] for row in rows]


def _seed_hosts(db: Database, trip_id: int, region: str, cities: list[str]) -> None:
    from app.trips import queries

    for org in queries.region_orgs(db, region):
        city = NEARBY_CITIES.get(org["city"], org["city"])
        if city in cities:
            queries.save_host(db, trip_id, org["id"], city, 2 if org["type"] in LARGE_HOSTS else 1, [])

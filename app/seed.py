"""Seed data: the real ecosystem profiles, and demo accounts for development."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from app.orgs.queries import UpsertReport, upsert_organisations
from app.users import create_user
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
    return upsert_organisations(db, records)


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
        with db.atomic():
            known = db.execute(
                "SELECT 1 FROM pairings WHERE bfc_org_id = ? AND qc_org_id = ? AND track = ?",
                [bfc_id, qc_id, link["kind"]],
            ).fetchone()
            if known:
                continue
            note = f"{link['fact']} ({link['since']})"
            pairing_id = ensure_pairing(db, bfc_id, qc_id, link["kind"], "documented", note=note)
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
    return db.execute("SELECT COUNT(*) FROM pairings WHERE origin = 'documented'").fetchone()[0]

"""Migrations run in the order of the file, once each; a database made by an earlier version upgrades."""

from __future__ import annotations

import ast
import importlib.util
import sqlite3
from pathlib import Path

import pytest
from conftest import TEST_HASH_METHOD, actor, org_id, page_text
from sqlite_utils import Database

from app.db import connect, init_db
from app.migrations import migrations
from app.operations.pairings import decide
from app.seed import SEED_DIR, seed_known_links, seed_organisations
from app.users import create_user
from models.profiles import parse_import
from models.vocabulary import ORIGINS, TRACKS

HERE = Path(__file__).resolve().parent
OLD_MIGRATIONS = HERE / "fixtures" / "migrations_at_ef850ed.py"  # `git show ef850ed:app/migrations.py`


def old_migrations():
    """The migrations of main at ef850ed, loaded as a module of their own."""
    spec = importlib.util.spec_from_file_location("migrations_at_ef850ed", OLD_MIGRATIONS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.migrations


def defined_in_file(path: Path) -> list[str]:
    """The migration functions of a file, in the order they are written."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name[:1] == "m"]


def schema(db: Database) -> dict[str, str]:
    """Every table, index and trigger of a database with its SQL."""
    return dict(db.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall())


def test_migrations_run_in_the_order_of_the_file():
    names = [migration.name for migration in migrations.pending(Database(memory=True))]
    assert names == defined_in_file(HERE.parent / "app" / "migrations.py")
    assert len(set(names)) == len(names)


def test_shipped_migrations_keep_their_names_and_order():
    old = [migration.name for migration in old_migrations().pending(Database(memory=True))]
    now = [migration.name for migration in migrations.pending(Database(memory=True))]
    assert now[: len(old)] == old  # new migrations come after the shipped ones, never between them


def test_a_database_made_by_an_earlier_version_upgrades_and_keeps_its_data(tmp_path, app):
    path = tmp_path / "old.db"
    old = connect(path)
    old_migrations().apply(old)
    # The seed as that version stored it: only the columns its schema had.
    columns = set(old.table("organisations").columns_dict)
    records = parse_import((SEED_DIR / "ecosystem.jsonl").read_bytes(), "jsonl")
    old.table("organisations").insert_all(
        {key: value for key, value in record.items() if key in columns} for record in records
    )
    count = old.table("organisations").count
    applied_before = {migration.name for migration in migrations.applied(old)}
    old.close()

    db = connect(path)
    applied_now = init_db(db)
    assert applied_now and not set(applied_now) & applied_before  # only what the old schema lacked
    assert init_db(db) == []  # and only once
    assert db.table("organisations").count == count > 40 and db.table("events").exists()
    db.close()


def test_an_upgraded_database_serves_the_web(tmp_path, seeded, db, auth, client):
    """The seeded database of the ``app`` fixture, rebuilt the old way, then upgraded: actions work."""
    path = tmp_path / "upgraded.db"
    old = connect(path)
    old_migrations().apply(old)
    old.close()
    upgraded = connect(path)
    init_db(upgraded)
    upgraded.close()
    # The live fixture database was made by the current code; both schemas must now be the same.
    fresh = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall())
    upgraded = connect(path)
    mine = dict(
        upgraded.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
    )
    upgraded.close()
    assert mine == fresh
    pairing = db.execute(
        "INSERT INTO pairings (bfc_org_id, qc_org_id, track, status, origin, created_at, updated_at) "
        "VALUES (?, ?, 'event', 'proposed', 'engine', '2026-01-01', '2026-01-01')",
        [org_id(db, "EFS BFC"), org_id(db, "ThéCell")],
    ).lastrowid
    db.conn.commit()
    decide(db, actor(seeded, "coordinator"), pairing, "approve", "After the upgrade.")
    auth.login("coordinator")
    assert "After the upgrade." in page_text(client.get(f"/coordination/pairings/{pairing}"))


def old_proposal(db: Database, user_id: int, bfc: str, qc: str, *, event: bool) -> int:
    """A coordinator's proposal as propose() stored it before m202: 'documented', a comment, an event."""
    stamp = "2026-11-01T10:00:00+00:00"
    row = {"bfc_org_id": org_id(db, bfc), "qc_org_id": org_id(db, qc), "track": "joint_trial"}
    row |= {"status": "proposed", "origin": "documented", "note": "Met at the forum."}
    pairing = db.table("pairings").insert({**row, "created_at": stamp, "updated_at": stamp}).last_pk
    audit = {"pairing_id": pairing, "user_id": user_id, "decision": "comment", "comment": "Met at the forum."}
    db.table("pairing_decisions").insert(
        {**audit, "from_status": "proposed", "to_status": "proposed", "created_at": stamp}
    )
    if event:
        subject = f"pairing:{pairing}"
        db.table("events").insert(
            {"name": "pairing.proposed", "subject": subject, "actor_id": user_id, "created_at": stamp}
        )
    return pairing


def test_m202_moves_the_coordinators_proposals_and_keeps_the_documented_links(tmp_path):
    """A database at m201 with the seed's links and two proposals of a coordinator, then upgraded."""
    db = connect(tmp_path / "m201.db")
    migrations.apply(db, stop_before="m202_coordinator_origin")
    seed_organisations(db)
    documented = seed_known_links(db)
    coordinator = create_user(
        db, "coord@m201.example", "a long password", "coordinator", [], hash_method=TEST_HASH_METHOD
    )
    with_event = old_proposal(db, coordinator, "EFS BFC", "Héma-Québec", event=True)
    history_only = old_proposal(db, coordinator, "CHU de Besançon", "ThéCell", event=False)
    request = {
        "from_org_id": org_id(db, "EFS BFC"),
        "to_org_id": org_id(db, "Héma-Québec"),
        "track": "joint_trial",
    }
    db.table("requests").insert(
        {**request, "format": "visit", "created_at": "2026-11-02", "pairing_id": with_event}
    )
    decisions = db.table("pairing_decisions").count

    assert init_db(db)[0] == "m202_coordinator_origin"  # then the later ones
    origins = dict(db.execute("SELECT id, origin FROM pairings").fetchall())
    assert origins.pop(with_event) == origins.pop(history_only) == "coordinator"
    assert len(origins) == documented > 5 and set(origins.values()) == {"documented"}
    assert db.table("pairing_decisions").count == decisions
    assert db.execute("SELECT pairing_id FROM requests").fetchone()[0] == with_event
    # the foreign keys still hold and act: a pairing deleted takes its history and unlinks its request
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    db.execute("DELETE FROM pairings WHERE id = ?", [with_event])
    db.conn.commit()
    assert (
        db.execute("SELECT COUNT(*) FROM pairing_decisions WHERE pairing_id = ?", [with_event]).fetchone()[0]
        == 0
    )
    assert db.execute("SELECT pairing_id FROM requests").fetchone()[0] is None
    # the table takes every origin of the vocabulary, and no other
    row = {
        "bfc_org_id": org_id(db, "URGO"),
        "qc_org_id": org_id(db, "LOEX"),
        "created_at": "x",
        "updated_at": "x",
    }
    for track, origin in zip(TRACKS, ORIGINS, strict=False):
        db.table("pairings").insert({**row, "track": track, "origin": origin})
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.table("pairings").insert({**row, "track": TRACKS[-1], "origin": "guess"})
    db.close()


def test_m203_keeps_the_runs_before_it_as_done_with_their_counts_unknown(tmp_path):
    """A proposal run recorded before m203 (its pairings only), then upgraded."""
    db = connect(tmp_path / "m202.db")
    migrations.apply(db, stop_before="m203_proposal_run_outcomes")
    db.table("proposal_runs").insert(
        {"created_at": "2026-11-01T10:00:00+00:00", "proposals": 12, "engine_version": 3,
         "min_score": 0.5, "per_org": 5}
    )  # fmt: skip
    db.conn.commit()
    assert init_db(db)[0] == "m203_proposal_run_outcomes"
    row = db.execute("SELECT status, done, total, proposals, error_code, error_params FROM proposal_runs")
    assert row.fetchall() == [("done", None, None, 12, "", "{}")]
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.table("proposal_runs").insert({"created_at": "x", "proposals": 0, "status": "pending"})
    db.close()

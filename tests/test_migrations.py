"""Migrations run in the order of the file, once each; a database made by an earlier version upgrades."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from conftest import actor, org_id, page_text
from sqlite_utils import Database

from app.db import connect, init_db
from app.migrations import migrations
from app.operations.pairings import decide
from app.seed import SEED_DIR
from models.profiles import parse_import

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

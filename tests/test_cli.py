"""The command line as an operator uses it: import, export, create-user, seed."""

from __future__ import annotations

import json

import pytest

from app.seed import SEED_DIR
from models.profiles import parse_import

SEED = (SEED_DIR / "ecosystem.jsonl").read_bytes()


def org_rows(db):
    return list(
        db.execute("SELECT short_name, region, offers, updated_at FROM organisations ORDER BY id").fetchall()
    )


@pytest.fixture
def seeded(runner, db):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    return db


def test_seed_is_idempotent(runner, db):
    first = runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])
    assert "46 created" in first.output
    assert "0 created, 0 updated, 46 unchanged" in second.output
    assert db.table("organisations").count == 46


def test_import_reports_counts(runner, db, tmp_path):
    path = tmp_path / "orgs.jsonl"
    path.write_bytes(SEED)
    result = runner.invoke(args=["import-orgs", str(path)])
    assert result.exit_code == 0
    assert "Imported 46 organisation(s)" in result.output and "46 created" in result.output


def test_bad_row_means_nothing_written_not_even_good_rows(runner, seeded, tmp_path):
    before = org_rows(seeded)
    records = [json.loads(line) for line in SEED.decode().splitlines()]
    records[0]["offers"] = "Changed offer that must not land."
    records.append({**records[1], "short_name": "New org"})
    records[5]["region"] = "Quebec"
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    result = runner.invoke(args=["import-orgs", str(path)])
    assert result.exit_code != 0
    assert "line 6: region must be BFC or QC, got 'Quebec'" in result.output
    assert "nothing was imported" in result.output
    assert org_rows(seeded) == before


def test_dry_run_writes_nothing(runner, db, tmp_path):
    path = tmp_path / "orgs.jsonl"
    path.write_bytes(SEED)
    result = runner.invoke(args=["import-orgs", "--dry-run", str(path)])
    assert result.exit_code == 0
    assert "46 organisation(s), all valid. Nothing written" in result.output
    assert db.table("organisations").count == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("orgs.xml", b"<orgs/>", "unsupported file type '.xml'"),
        ("orgs.jsonl", '{"name": "Besançon"}\n'.encode("latin-1"), "not UTF-8 text"),
        ("orgs.json", b"{}", "must be an array"),
        ("orgs.csv", b"name,ville\n", "unknown column 'ville'"),
    ],
)
def test_bad_files_fail_with_a_clear_message(runner, db, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(args=["import-orgs", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert db.table("organisations").count == 0


def test_oversized_file_is_refused(app, runner, db, tmp_path):
    app.config["MAX_IMPORT_BYTES"] = 1000
    path = tmp_path / "big.jsonl"
    path.write_bytes(SEED)
    result = runner.invoke(args=["import-orgs", str(path)])
    assert result.exit_code == 1 and "the limit is" in result.output
    assert db.table("organisations").count == 0


def test_missing_file(runner, tmp_path):
    result = runner.invoke(args=["import-orgs", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1 and "no such file" in result.output


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_export_then_import_changes_nothing(runner, seeded, tmp_path, fmt):
    path = tmp_path / f"export.{fmt}"
    assert runner.invoke(args=["export-orgs", "--format", fmt, "-o", str(path)]).exit_code == 0
    exported = parse_import(path.read_bytes(), fmt)
    assert sorted(exported, key=lambda r: r["short_name"]) == sorted(
        parse_import(SEED, "jsonl"), key=lambda r: r["short_name"]
    )
    before = org_rows(seeded)
    result = runner.invoke(args=["import-orgs", str(path)])
    assert "46 unchanged" in result.output
    assert org_rows(seeded) == before


def test_csv_export_has_a_bom_for_excel(runner, seeded, tmp_path):
    path = tmp_path / "export.csv"
    runner.invoke(args=["export-orgs", "--format", "csv", "-o", str(path)])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "Besançon" in path.read_text(encoding="utf-8-sig")


def test_create_user_reads_password_from_stdin(runner, seeded):
    result = runner.invoke(
        args=["create-user", "Alice@Example.org", "--role", "member", "--org", "EFS BFC"],
        input="correct horse battery staple\n",
    )
    assert result.exit_code == 0, result.output
    user = seeded.execute("SELECT email, role, password_hash FROM users").fetchone()
    assert user[0] == "alice@example.org" and user[1] == "member"
    assert "correct horse" not in user[2] and user[2].startswith("scrypt:")
    memberships = seeded.execute(
        "SELECT o.short_name FROM memberships m JOIN organisations o ON o.id = m.org_id"
    ).fetchall()
    assert memberships == [("EFS BFC",)]


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--role", "coordinator"], "password1\n", "at least 10 characters"),
        (["--role", "coordinator"], "password123\n", "too weak"),
        (["--role", "member"], "correct horse battery staple\n", "at least one organisation"),
        (
            ["--role", "member", "--org", "Nope"],
            "correct horse battery staple\n",
            "No organisation has the short name 'Nope'",
        ),
    ],
)
def test_create_user_refusals(runner, seeded, args, password, message):
    result = runner.invoke(args=["create-user", "bob@example.org", *args], input=password)
    assert result.exit_code == 1
    assert message in result.output
    assert seeded.table("users").count == 0


def test_create_user_twice_is_refused(runner, seeded):
    args = ["create-user", "bob@example.org", "--role", "coordinator"]
    runner.invoke(args=args, input="correct horse battery staple\n")
    result = runner.invoke(args=args, input="another long passphrase here\n")
    assert result.exit_code == 1 and "already exists" in result.output


def test_seed_demo_accounts_are_stable_and_private(app, runner, seeded, tmp_path):
    first = runner.invoke(args=["seed", "--demo"]).output
    second = runner.invoke(args=["seed", "--demo"]).output
    assert "coordinator" in first and first.splitlines()[1:] == second.splitlines()[1:]
    secrets_file = tmp_path / "instance" / "demo-accounts.json"
    assert secrets_file.stat().st_mode & 0o077 == 0
    assert seeded.table("users").count == len(json.loads(secrets_file.read_text()))


def test_init_db_twice(runner):
    assert "up to date" in runner.invoke(args=["init-db"]).output


def test_directory_needs_a_login(client, seeded):
    # The directory's content is checked, logged in, in test_directory.py.
    assert client.get("/organisations/").headers["Location"].startswith("/auth/login")

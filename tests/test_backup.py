"""``flask backup`` while the app writes, ``flask restore`` round trip, and bad files refused untouched."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from app.db import connect


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_in(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


class Writer(threading.Thread):
    """Another process's writes, one committed row at a time, numbered 0, 1, 2..."""

    def __init__(self, path: str):
        super().__init__(daemon=True)
        self.path, self.committed, self.stop = path, 0, threading.Event()

    def run(self) -> None:
        db = connect(self.path)
        while not self.stop.is_set():
            with db.atomic():
                db.execute("INSERT INTO login_attempts (key, at) VALUES ('writer', ?)", [self.committed])
            self.committed += 1
        db.close()


def test_backup_while_another_connection_writes_is_consistent(app, runner, tmp_path):
    writer = Writer(app.config["DATABASE"])
    writer.start()
    while writer.committed < 50:
        time.sleep(0.001)
    before = writer.committed
    result = runner.invoke(args=["backup", str(tmp_path / "copy.db")])
    during = writer.committed
    time.sleep(0.05)
    writer.stop.set()
    writer.join()
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    numbers = [
        row[0] for row in copy.execute("SELECT at FROM login_attempts WHERE key = 'writer' ORDER BY at")
    ]
    copy.close()
    # Every row committed before the backup began, and a snapshot: rows 0..n-1 with no gap.
    assert len(numbers) >= before and numbers == list(range(len(numbers)))
    assert len(numbers) <= during and writer.committed > len(numbers)  # the writer went on meanwhile
    assert not (tmp_path / "copy.db-wal").exists()


def test_backup_does_not_overwrite_without_force(app, runner, tmp_path):
    target = tmp_path / "copy.db"
    target.write_text("keep me")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1 and "already exists; add --force" in result.output
    assert target.read_text() == "keep me"
    forced = runner.invoke(args=["backup", "--force", str(target)])
    assert forced.exit_code == 0 and target.read_bytes().startswith(b"SQLite format 3\x00")


def test_backup_refuses_the_database_itself(app, runner):
    result = runner.invoke(args=["backup", "--force", app.config["DATABASE"]])
    assert result.exit_code == 1 and "is the database itself" in result.output


def test_restore_round_trip(seeded, runner, db, tmp_path):
    backup = tmp_path / "backups" / "monday.db"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    organisations = db.table("organisations").count
    db.execute("DELETE FROM organisations WHERE short_name = 'EFS BFC'")
    db.conn.commit()
    db.close()  # an open connection would make the restore refuse (see the next tests)
    database = Path(seeded.config["DATABASE"])
    result = runner.invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output and "before-restore" in result.output
    restored = connect(database)
    assert restored.table("organisations").count == organisations
    assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restored.close()
    kept = connect(database.with_name(database.name + ".before-restore"))
    assert kept.table("organisations").count == organisations - 1  # the state just before the restore
    kept.close()
    assert not [name for name in files_in(database.parent) if name.startswith(".passerelle-")]
    login = seeded.test_client().get("/auth/login")  # the app runs on the restored file
    assert login.status_code == 200


def test_restore_asks_before_replacing(seeded, runner, tmp_path):
    backup = tmp_path / "copy.db"
    runner.invoke(args=["backup", str(backup)])
    database = Path(seeded.config["DATABASE"])
    before = digest(database)
    result = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert result.exit_code == 1 and "Stop the server first" in result.output
    assert digest(database) == before


def _plain_sqlite(path: Path) -> None:
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE notes (text TEXT)")
    other.commit()
    other.close()


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(2 * page, len(data) - page, 3 * page):  # scribble over page contents, keep the header
        data[start + 8 : start + 200] = b"\xa5" * 192
    path.write_bytes(bytes(data))


def _newer(path: Path) -> None:
    newer = sqlite3.connect(path)
    newer.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, '')",
        ["passerelle", "m999_future"],
    )
    newer.commit()
    newer.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (None, "no such file"),
        (lambda path: path.write_text("name,city\nEFS,Besançon\n"), "is not a SQLite database"),
        (lambda path: path.write_bytes(b""), "is not a SQLite database"),
        (_plain_sqlite, "is a SQLite database but not a Passerelle one"),
        (_corrupt, "cannot be read as a database"),
        (_newer, "was made by a newer version of Passerelle"),
    ],
    ids=["missing", "text", "empty", "other-sqlite", "corrupt", "newer"],
)
def test_restore_refuses_bad_files_and_changes_nothing(seeded, runner, tmp_path, make, message):
    database = Path(seeded.config["DATABASE"])
    bad = tmp_path / "bad" / "backup.db"
    bad.parent.mkdir()
    if make in (_corrupt, _newer):
        assert runner.invoke(args=["backup", str(bad)]).exit_code == 0
    if make is not None:
        make(bad)
    before, listing = digest(database), files_in(database.parent)
    result = runner.invoke(args=["restore", "--yes", str(bad)])
    assert result.exit_code == 1
    assert message in result.output and "Nothing was changed." in result.output, result.output
    assert "Traceback" not in result.output
    assert digest(database) == before and files_in(database.parent) == listing


def test_restore_refuses_while_a_transaction_holds_the_database(seeded, runner, tmp_path):
    backup = tmp_path / "copy.db"
    runner.invoke(args=["backup", str(backup)])
    database = Path(seeded.config["DATABASE"])
    writer = connect(database)
    writer.conn.execute("BEGIN IMMEDIATE")  # a server's write, half-way through its transaction
    writer.conn.execute("INSERT INTO login_attempts (key, at) VALUES ('busy', 0)")
    try:
        result = runner.invoke(args=["restore", "--yes", str(backup)])
    finally:
        writer.conn.rollback()
        writer.close()
    assert result.exit_code == 1 and "stop the server first" in result.output
    assert not database.with_name(database.name + ".before-restore").exists()


def test_restore_refuses_while_a_connection_is_open_and_a_waiting_one_sees_the_restored_file(
    seeded, runner, tmp_path
):
    backup = tmp_path / "copy.db"
    runner.invoke(args=["backup", str(backup)])
    database = Path(seeded.config["DATABASE"])
    idle = connect(database)  # a request being served, not even writing
    result = runner.invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 1 and "is in use" in result.output and "Nothing was changed." in result.output
    idle.execute("INSERT INTO login_attempts (key, at) VALUES ('after-refusal', 0)")
    idle.conn.commit()
    idle.close()
    seen: list[int] = []

    def late_request() -> None:
        late = connect(database)  # asked for during the restore: waits, then opens the restored file
        seen.append(
            late.execute("SELECT COUNT(*) FROM login_attempts WHERE key = 'after-refusal'").fetchone()[0]
        )
        late.close()

    from app import backup as backup_module

    real_replace = backup_module._replace

    def slow_replace(*args):
        thread.start()
        time.sleep(0.3)  # the late request is waiting on the lock now
        assert seen == []
        return real_replace(*args)

    thread = threading.Thread(target=late_request)
    backup_module._replace = slow_replace
    try:
        result = runner.invoke(args=["restore", "--yes", str(backup)])
    finally:
        backup_module._replace = real_replace
    thread.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert seen == [0]  # the backup predates the row: the late request read the restored file
    kept = connect(database.with_name(database.name + ".before-restore"))
    assert kept.execute("SELECT COUNT(*) FROM login_attempts WHERE key = 'after-refusal'").fetchone()[0] == 1
    kept.close()


def test_restore_of_an_older_backup_migrates_it_and_the_site_works(seeded, runner, tmp_path):
    from conftest import ACCOUNTS, PASSWORD, TEST_HASH_METHOD, AuthActions

    from app.migrations import migrations
    from app.people.queries import record_consent
    from app.users import create_user

    backup = tmp_path / "old.db"  # made by a version without API tokens or trips
    old = connect(backup)
    migrations.apply(old, stop_before="m030_api_tokens")
    email, role, _orgs = ACCOUNTS["coordinator"]
    create_user(old, email, PASSWORD, role, hash_method=TEST_HASH_METHOD)
    old.close()
    result = runner.invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    assert "The backup predated" in result.output and "m030_api_tokens" in result.output
    restored = connect(seeded.config["DATABASE"])
    record_consent(restored, restored.execute("SELECT id FROM users").fetchone()[0])  # a column it lacked
    restored.close()
    auth = AuthActions(seeded.test_client())
    assert auth.login("coordinator").status_code == 302
    for page in ("/auth/password", "/trips/", "/coordination/"):
        assert auth.client.get(page).status_code == 200, page

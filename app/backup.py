"""``flask backup PATH``: a consistent copy of the live database; ``flask restore PATH``: put one back.

A backup is made with SQLite's online backup API in one step, that is from one read snapshot: the
server may keep writing meanwhile (WAL), and the copy holds every transaction committed before the
snapshot and none after. The copy is a single self-contained file (rollback journal, no -wal).

A restore checks the file first (a SQLite database, ``PRAGMA integrity_check`` ok, Passerelle's
migrations table, no migration newer than this code), applies the migrations the backup predates,
keeps the current database as ``<database>.before-restore``, then swaps the file in atomically. It
is refused while any connection has the database open; a request that arrives during it waits.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlite_utils import Database

from app.db import exclusive_use, init_db

SQLITE_HEADER = b"SQLite format 3\x00"
SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """A backup or restore that cannot be done as asked; nothing was changed. The message says why."""


def backup_database(database: Path, target: Path) -> None:
    """Copy ``database`` into a new file at ``target`` from one consistent snapshot."""
    if not database.exists():
        raise BackupError(f"{database}: no such database; nothing to back up.")
    source = sqlite3.connect(database, timeout=10)
    try:
        _stage_and_replace(source, target, journal_mode="DELETE")
    finally:
        source.close()


@dataclass(frozen=True)
class Restored:
    """What a restore did: where the replaced database is kept, the migrations it applied."""

    kept: Path | None
    migrated: list[str]


def restore_database(backup: Path, database: Path) -> Restored:
    """Replace ``database`` with a checked, upgraded copy of ``backup``.

    Refused while any connection has ``database`` open (a request being served, a command): see
    :func:`app.db.exclusive_use`. Connections asked for meanwhile wait, then open the restored file.
    """
    _check_header(backup)
    if database.exists() and database.resolve() == backup.resolve():
        raise BackupError(f"{backup} is the current database itself.")
    try:
        with exclusive_use(database):
            return _replace(backup, database)
    except BlockingIOError:
        raise BackupError(
            f"{database} is in use (a server is answering a request, or a command has it open): "
            "stop the server first."
        ) from None


def _replace(backup: Path, database: Path) -> Restored:
    """The restore proper, with every connection kept out."""
    staged = _staged_copy(backup, database.parent)
    try:
        _check_passerelle_database(staged, backup)
        migrated = _upgrade(staged, _engine_version(database))
        kept = _keep_current(database)
        if database.exists():
            os.chmod(staged, database.stat().st_mode & 0o777)  # the server's access stays as it was
        os.replace(staged, database)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    for suffix in SIDE_FILES:  # they belonged to the replaced file: SQLite must not apply them
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    _fsync_directory(database.parent)
    return Restored(kept, migrated)


def _engine_version(database: Path) -> int:
    """The current database's engine version (0 when it has none)."""
    if not database.exists():
        return 0
    current = sqlite3.connect(database, timeout=1)
    try:
        return current.execute("SELECT version FROM engine_state WHERE id = 1").fetchone()[0]
    except (sqlite3.Error, TypeError):
        return 0
    finally:
        current.close()


def _upgrade(staged: Path, current_version: int) -> list[str]:
    """Apply the migrations the backup predates; move its engine version past the current one.

    A server's cached index is keyed by that version: were the restored version one it has seen,
    it would keep serving suggestions of the replaced data.
    """
    db = Database(sqlite3.connect(staged))
    try:
        migrated = init_db(db)
        with db.atomic():
            db.execute(
                "UPDATE engine_state SET version = MAX(version, ?) + 1 WHERE id = 1", [current_version]
            )
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        result = db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
    if result != "ok":
        raise BackupError(f"the upgraded copy fails SQLite's integrity check: {result}")
    return migrated


def _stage_and_replace(source: sqlite3.Connection, target: Path, journal_mode: str) -> None:
    """Copy ``source`` to a temporary file beside ``target``, check it, then rename it into place."""
    staged = _copy_to_temp(source, target.parent, journal_mode)
    os.replace(staged, target)
    _fsync_directory(target.parent)


def _copy_to_temp(source: sqlite3.Connection, directory: Path, journal_mode: str) -> Path:
    """One-step backup of ``source`` into a new temporary file in ``directory``; integrity-checked."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".passerelle-", suffix=".db", dir=directory)
    os.close(fd)
    staged = Path(name)
    try:
        copy = sqlite3.connect(staged)
        try:
            source.backup(copy)  # pages=-1: the whole database in one step, one read snapshot
            copy.execute(f"PRAGMA journal_mode={journal_mode}")
            result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
        if result != "ok":
            raise BackupError(f"the copy fails SQLite's integrity check: {result}")
        with open(staged, "rb+") as handle:
            os.fsync(handle.fileno())
    except BaseException:
        staged.unlink(missing_ok=True)
        for suffix in SIDE_FILES:
            Path(f"{staged}{suffix}").unlink(missing_ok=True)
        raise
    return staged


def _check_header(backup: Path) -> None:
    """BackupError unless ``backup`` exists and starts like a SQLite database."""
    if not backup.is_file():
        raise BackupError(f"{backup}: no such file.")
    with open(backup, "rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(
                f"{backup} is not a SQLite database (it does not start with 'SQLite format 3')."
            )


def _staged_copy(backup: Path, directory: Path) -> Path:
    """A checked copy of ``backup`` in ``directory``, in WAL mode as the app runs it."""
    source = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return _copy_to_temp(source, directory, journal_mode="WAL")
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{backup} cannot be read as a database: {error}.") from None
    except BackupError as error:
        raise BackupError(f"{backup}: {error}.") from None
    finally:
        source.close()


def _check_passerelle_database(staged: Path, backup: Path) -> None:
    """BackupError unless the staged copy holds Passerelle's schema, at most as new as this code."""
    from app.migrations import migrations

    db = Database(sqlite3.connect(staged))
    try:
        applied = {migration.name for migration in migrations.applied(db)}
    finally:
        db.close()
    if not applied:
        raise BackupError(
            f"{backup} is a SQLite database but not a Passerelle one (no 'passerelle' migrations)."
        )
    known = {migration.name for migration in migrations.pending(Database(memory=True))}
    unknown = sorted(applied - known)
    if unknown:
        raise BackupError(
            f"{backup} was made by a newer version of Passerelle (unknown migrations: {', '.join(unknown)})."
        )


def _keep_current(database: Path) -> Path | None:
    """Copy the current database to ``<database>.before-restore``; None when there is none.

    The checkpoint and the write lock are a second guard, against a process that opened the file
    without :func:`app.db.connect` (the sqlite3 shell, say).
    """
    if not database.exists():
        return None
    kept = database.with_name(database.name + ".before-restore")
    current = sqlite3.connect(database, timeout=1, isolation_level=None)
    try:
        busy = current.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            raise BackupError(
                f"{database} is in use (a server or a command has it open): stop the server first."
            )
        current.execute("BEGIN IMMEDIATE")  # no writer may be half-way through a transaction
        backup_database(database, kept)  # read through another connection, the write lock held
        current.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        raise BackupError(f"{database} is in use ({error}): stop the server first.") from None
    finally:
        current.close()
    return kept


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable."""
    with contextlib.suppress(OSError):  # some filesystems cannot open a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def backup_command(path: Path, force: bool) -> None:
    """Copy the database to PATH, consistently, even while the server runs."""
    database = Path(current_app.config["DATABASE"])
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists; add --force to overwrite it.")
    if path.exists() and path.resolve() == database.resolve():
        raise click.ClickException(f"{path} is the database itself; choose another path.")
    try:
        backup_database(database, path)
    except (BackupError, sqlite3.Error) as error:
        raise click.ClickException(f"{error} Nothing was written.") from None
    click.echo(f"Backed up {database} to {path} ({path.stat().st_size:,} bytes).")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database with the backup at PATH (refused while a server or command uses it)."""
    database = Path(current_app.config["DATABASE"])
    if not yes:
        click.confirm(
            f"Replace {database} with {path}? Stop the server first; the current database is kept "
            f"as {database.name}.before-restore.",
            abort=True,
        )
    try:
        restored = restore_database(path, database)
    except BackupError as error:
        raise click.ClickException(f"{error} Nothing was changed.") from None
    click.echo(f"Restored {database} from {path}.")
    if restored.migrated:
        names = ", ".join(restored.migrated)
        click.echo(f"The backup predated {len(restored.migrated)} migration(s), now applied: {names}.")
    if restored.kept:
        click.echo(f"The previous database is kept as {restored.kept}.")


def init_app(app: Flask) -> None:
    """Register the commands on the app's CLI."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

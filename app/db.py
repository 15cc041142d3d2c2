"""One sqlite_utils.Database per request (kept in ``g``), and the connection settings every process uses."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import click
from flask import Flask, current_app, g
from flask.cli import with_appcontext
from sqlite_utils import Database

BUSY_TIMEOUT_MS = 10_000
MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer: a larger id would overflow, so no row has it


def row_id(number: int) -> int:
    """An id from a URL as a row id: past SQLite's range it becomes 0, which no row has (a 404)."""
    return number if number <= MAX_ROW_ID else 0


class PasserelleDatabase(Database):
    """sqlite-utils' Database whose every transaction takes the write lock first (see ``immediate``).

    sqlite-utils opens a plain (deferred) ``BEGIN`` in ``atomic()`` and in each write method, and
    ``Table.update`` reads the row before it writes: under another process's writes, such a
    transaction fails at once with "database is locked" instead of waiting its turn.
    """

    in_use: int | None = None  # the descriptor holding the shared "in use" lock (see ``connect``)

    def atomic(self) -> contextlib.AbstractContextManager[Database]:
        """A transaction that takes the write lock at once (a savepoint inside one already)."""
        return immediate(self)

    def close(self) -> None:
        """Close the connection, then let go of the "in use" lock."""
        try:
            super().close()
        finally:
            if self.in_use is not None:
                os.close(self.in_use)  # closing the descriptor releases its flock
                self.in_use = None


def lock_path(database: str | Path) -> Path:
    """The file whose lock says who has ``database`` open: shared by connections, exclusive by a restore."""
    return Path(f"{database}.lock")


def _hold_in_use(database: str | Path, *, exclusive: bool) -> int:
    """Lock ``database``'s lock file and return the descriptor that holds the lock.

    Shared, it waits while a restore holds it; exclusive, it never waits (BlockingIOError when any
    connection is open).
    """
    fd = os.open(lock_path(database), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o660)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH)
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def exclusive_use(database: str | Path) -> Iterator[None]:
    """Hold ``database`` alone: BlockingIOError at once while any connection of any process is open,
    and new connections wait until the block ends (they then open whatever file is in place)."""
    fd = _hold_in_use(database, exclusive=True)
    try:
        yield
    finally:
        os.close(fd)


def connect(path: str | Path) -> Database:
    """Open the database with WAL, a busy timeout, foreign keys and durable commits.

    The connection holds a shared lock on ``<database>.lock`` until it is closed, taken before the
    file is opened: a restore (which needs it exclusively) is refused while any connection is open,
    and a connection asked for during a restore waits, then opens the restored file.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    in_use = _hold_in_use(path, exclusive=False)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    except BaseException:
        os.close(in_use)
        raise
    db = PasserelleDatabase(conn)
    db.in_use = in_use
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit that returned is on disk, even if the machine loses power right after.
        db.execute("PRAGMA synchronous=FULL")
    except BaseException:
        db.close()
        raise
    return db


@contextlib.contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """A transaction that takes the write lock at once, for code that reads then writes.

    A deferred transaction that reads first cannot wait for the lock when it comes to write: if
    another process committed meanwhile, SQLite answers "database is locked" at once. Inside a
    transaction already, this is a savepoint of it (the outer one decides how it locks).
    Connections made by :func:`connect` use it for every ``db.atomic()`` too.
    """
    if db.conn.in_transaction:
        with Database.atomic(db):  # sqlite-utils' savepoint
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


def get_db() -> Database:
    """Return this request's database, opening it on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_error: BaseException | None = None) -> None:
    """Close this request's database, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db(db: Database) -> list[str]:
    """Apply pending migrations; return the names applied (empty when the schema is current)."""
    from app.migrations import migrations

    pending = [migration.name for migration in migrations.pending(db)]
    migrations.apply(db)
    return pending


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (safe to run again)."""
    applied = init_db(get_db())
    path = current_app.config["DATABASE"]
    if applied:
        click.echo(f"Applied {len(applied)} migration(s) to {path}: {', '.join(applied)}")
    else:
        click.echo(f"Database {path} is up to date.")


def init_app(app: Flask) -> None:
    """Register the teardown and the CLI command."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)

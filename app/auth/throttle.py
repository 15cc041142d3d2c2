"""Login throttling per account and per address, kept in SQLite so it holds across processes.

An attempt is counted *before* the password is checked, inside one write transaction: parallel
guesses from several processes cannot all slip under the limit. A successful login then removes
the account's failures and this attempt's row for the address.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlite_utils import Database

from app.db import immediate


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_address: int
    window_seconds: float


@dataclass(frozen=True)
class Attempt:
    account_key: str
    address_row: int


def _keys(email: str, address: str | None) -> tuple[str, str]:
    return f"email:{email.strip().lower()}", f"ip:{address or 'unknown'}"


def reserve(db: Database, email: str, address: str | None, limits: Limits) -> Attempt | None:
    """Count one attempt; return it, or None when either limit is already reached."""
    account_key, address_key = _keys(email, address)
    current = time.time()
    since = current - limits.window_seconds
    with immediate(db):
        db.execute("DELETE FROM login_attempts WHERE at < ?", [since])
        counts = dict(
            db.execute(
                "SELECT key, COUNT(*) FROM login_attempts WHERE key IN (?, ?) AND at >= ? GROUP BY key",
                [account_key, address_key, since],
            ).fetchall()
        )
        if (
            counts.get(account_key, 0) >= limits.per_account
            or counts.get(address_key, 0) >= limits.per_address
        ):
            return None
        db.execute("INSERT INTO login_attempts (key, at) VALUES (?, ?)", [account_key, current])
        row = db.execute(
            "INSERT INTO login_attempts (key, at) VALUES (?, ?)", [address_key, current]
        ).lastrowid
    return Attempt(account_key, row)


def succeeded(db: Database, attempt: Attempt) -> None:
    """A good password: clear the account's failures and this attempt's address row."""
    with db.atomic():
        db.execute("DELETE FROM login_attempts WHERE key = ?", [attempt.account_key])
        db.execute("DELETE FROM login_attempts WHERE id = ?", [attempt.address_row])

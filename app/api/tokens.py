"""Per-user API tokens: creation (the secret is shown once), lookup by hash, revocation.

A token is ``pas_`` followed by 32 random bytes in URL-safe base64. Only its sha256 is stored: a
secret with 256 bits of entropy cannot be guessed, so it needs no slow, salted password hash, and
the hash doubles as the lookup key.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from app.auth.queries import User, org_ids_of
from app.db import immediate
from app.operations import record_event_by
from app.orgs.queries import now

TOKEN_PREFIX = "pas_"
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8  # enough to tell one's tokens apart, useless to guess
MAX_ACTIVE_TOKENS = 20
MAX_NAME_LENGTH = 80
_TOKEN_SHAPE = re.compile(r"pas_[A-Za-z0-9_-]{43}")
_LAST_USED_EVERY = timedelta(minutes=1)  # one write a minute at most per token


def digest(secret: str) -> str:
    """The sha256 of a token's secret, as stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(db: Database, user_id: int, name: str) -> tuple[int, str]:
    """Store a new token for the user; return its id and the secret (never stored, shown once)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = {
        "user_id": user_id,
        "name": name.strip()[:MAX_NAME_LENGTH],
        "token_hash": digest(secret),
        "prefix": secret[:SHOWN_PREFIX_LENGTH],
        "created_at": now(),
    }
    with immediate(db):  # a password change or a deactivation moves the version on: the token dies
        version = db.execute("SELECT session_version FROM users WHERE id = ?", [user_id]).fetchone()[0]
        token_id = db.table("api_tokens").insert({**row, "session_version": version}).last_pk
        record_event_by(db, user_id, "user.token_created", f"user:{user_id}", token_id=token_id)
    return token_id, secret


def active_tokens(db: Database, user_id: int) -> list[dict]:
    """The user's tokens that still work, newest first (no hashes)."""
    rows = db.query(
        """
        SELECT t.id, t.name, t.prefix, t.created_at, t.last_used_at
        FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.user_id = ? AND t.revoked_at IS NULL AND t.session_version = u.session_version
        ORDER BY t.id DESC
        """,
        [user_id],
    )
    return list(rows)


def revoke_token(db: Database, user_id: int, token_id: int) -> bool:
    """Revoke one of the user's tokens at once; False when the user has no such live token."""
    with db.atomic():
        cursor = db.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
            [now(), token_id, user_id],
        )
        if cursor.rowcount == 1:
            record_event_by(db, user_id, "user.token_revoked", f"user:{user_id}", token_id=token_id)
    return cursor.rowcount == 1


def user_for_token(db: Database, secret: str) -> User | None:
    """The active user a live token belongs to, or None (unknown, revoked, user deactivated, or made
    before the user's last password change or deactivation)."""
    if not _TOKEN_SHAPE.fullmatch(secret):
        return None
    row = db.execute(
        """
        SELECT t.id, t.last_used_at, u.id, u.email, u.role, u.must_change_password
        FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.active = 1
            AND t.session_version = u.session_version
        """,
        [digest(secret)],
    ).fetchone()
    if row is None:
        return None
    token_id, last_used, user_id, email, role, must_change = row
    _note_use(db, token_id, last_used)
    return User(user_id, email, role, org_ids_of(db, user_id), bool(must_change))


def bearer_secret(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _, value = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _note_use(db: Database, token_id: int, last_used: str | None) -> None:
    """Record when the token was last used, at most once a minute."""
    current = datetime.now(UTC)
    if last_used and current - datetime.fromisoformat(last_used) < _LAST_USED_EVERY:
        return
    with db.atomic():
        db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [now(), token_id])

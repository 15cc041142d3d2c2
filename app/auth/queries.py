"""Users as flask-login sees them, and the server-side sessions that make logout real."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field

from flask_login import UserMixin
from sqlite_utils import Database

from app.operations import record_event_by
from app.orgs.queries import now
from models.vocabulary import STAFF_ROLES


@dataclass
class User(UserMixin):
    """A signed-in user; ``token`` is this browser's session, so ``get_id`` returns it."""

    id: int
    email: str
    role: str
    org_ids: tuple[int, ...] = ()
    must_change_password: bool = False
    token: str = field(default="", repr=False)

    def get_id(self) -> str:
        """flask-login keeps this in the cookie: the session token, not the user id."""
        return self.token

    def may_act_for(self, org_id: int) -> bool:
        """Coordinators and admins act for every organisation; members for their own."""
        return self.role in STAFF_ROLES or org_id in self.org_ids


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user(db: Database, email: str) -> dict | None:
    """The users row with this email (any case), or None."""
    return next(db.query("SELECT * FROM users WHERE email = ? COLLATE NOCASE", [email.strip()]), None)


def get_user(db: Database, user_id: int) -> dict | None:
    """The users row with this id, or None."""
    return next(db.query("SELECT * FROM users WHERE id = ?", [user_id]), None)


def org_ids_of(db: Database, user_id: int) -> tuple[int, ...]:
    """Ids of the organisations a user belongs to."""
    rows = db.execute("SELECT org_id FROM memberships WHERE user_id = ? ORDER BY org_id", [user_id])
    return tuple(row[0] for row in rows)


def start_session(db: Database, user: dict, user_agent: str = "") -> str:
    """Record a new session for the user and return its token (kept in the signed cookie)."""
    token = secrets.token_urlsafe(32)
    with db.atomic():
        db.table("user_sessions").insert(
            {
                "id": _digest(token),
                "user_id": user["id"],
                "session_version": user["session_version"],
                "created_at": now(),
                "last_seen": time.time(),
                "user_agent": user_agent[:300],
            }
        )
        record_event_by(db, user["id"], "user.signed_in", f"user:{user['id']}")
    return token


def record_failed_sign_in(db: Database, user_id: int) -> None:
    """Audit a wrong password given for an existing account (no address or agent is kept)."""
    with db.atomic():
        record_event_by(db, None, "user.sign_in_failed", f"user:{user_id}")


def load_session(db: Database, token: str, idle_seconds: float) -> User | None:
    """The user of a live session token, or None (unknown, idle too long, user inactive)."""
    row = db.execute(
        """
        SELECT u.id, u.email, u.role, u.must_change_password, s.last_seen
        FROM user_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = ? AND u.active = 1 AND s.session_version = u.session_version
        """,
        [_digest(token)],
    ).fetchone()
    if row is None:
        return None
    user_id, email, role, must_change, last_seen = row
    current = time.time()
    if current - last_seen > idle_seconds:
        end_session(db, token)
        return None
    if current - last_seen > 60:  # one write a minute at most
        with db.atomic():
            db.execute("UPDATE user_sessions SET last_seen = ? WHERE id = ?", [current, _digest(token)])
    return User(user_id, email, role, org_ids_of(db, user_id), bool(must_change), token)


def end_session(db: Database, token: str) -> None:
    """Forget one session: its cookie no longer signs anyone in."""
    with db.atomic():
        db.execute("DELETE FROM user_sessions WHERE id = ?", [_digest(token)])


def end_all_sessions(db: Database, user_id: int) -> None:
    """Forget every session of a user and bump the version so none can come back."""
    with db.atomic():
        db.execute("DELETE FROM user_sessions WHERE user_id = ?", [user_id])
        db.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?", [user_id])


def set_password(db: Database, user_id: int, password_hash: str, *, must_change: bool = False) -> None:
    """Store a new hash and sign the user out everywhere, in one transaction."""
    with db.atomic():
        db.execute(
            "UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?",
            [password_hash, int(must_change), user_id],
        )
        db.execute("DELETE FROM user_sessions WHERE user_id = ?", [user_id])
        db.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?", [user_id])
        record_event_by(db, user_id, "user.password_changed", f"user:{user_id}", how="own")

"""User accounts as the administrator manages them."""

from __future__ import annotations

import secrets

from sqlite_utils import Database
from wtforms.fields.choices import SelectChoice

from app.auth.links import send_link
from app.auth.queries import end_all_sessions
from app.db import immediate
from app.operations import record_event_by
from app.users import create_user


def list_users(db: Database) -> list[dict]:
    """Every user with the short names of their organisations and their live session count."""
    rows = db.query(
        """
        SELECT u.id, u.email, u.role, u.active, u.must_change_password, u.created_at,
               (SELECT group_concat(o.short_name, ', ') FROM memberships m
                  JOIN organisations o ON o.id = m.org_id WHERE m.user_id = u.id) AS orgs,
               (SELECT COUNT(*) FROM user_sessions s WHERE s.user_id = u.id) AS sessions
        FROM users u ORDER BY u.active DESC, u.role, u.email
        """
    )
    return list(rows)


def email_taken(db: Database, email: str) -> bool:
    """True when an account already uses this email (any case)."""
    return (
        db.execute("SELECT 1 FROM users WHERE email = ? COLLATE NOCASE", [email.strip()]).fetchone()
        is not None
    )


def invite(
    db: Database,
    email: str,
    role: str,
    org_short_names: list[str],
    hash_method: str,
    language: str = "fr",
    *,
    actor_id: int | None = None,
) -> int:
    """Create an account and queue its invitation mail, whose link sets the password; return its id.

    The account and its mail are written together. Until the link is used the account's password is
    a random one nobody knows.
    """
    with immediate(db):
        user_id = create_user(
            db,
            email,
            secrets.token_urlsafe(32),
            role,
            org_short_names,
            hash_method=hash_method,
            must_change_password=True,
        )
        db.execute("UPDATE users SET language = ? WHERE id = ?", [language, user_id])
        send_link(db, user_id, "invite")
        record_event_by(db, actor_id, "user.invited", f"user:{user_id}", role=role)
    return user_id


def update_access(
    db: Database, user_id: int, role: str, org_ids: list[int], *, actor_id: int | None = None
) -> None:
    """Set a user's role and organisations in one transaction, audited."""
    with immediate(db):
        db.execute("UPDATE users SET role = ? WHERE id = ?", [role, user_id])
        db.execute("DELETE FROM memberships WHERE user_id = ?", [user_id])
        db.table("memberships").insert_all([{"user_id": user_id, "org_id": org_id} for org_id in org_ids])
        record_event_by(db, actor_id, "user.access_changed", f"user:{user_id}", role=role, org_ids=org_ids)


def set_active(db: Database, user_id: int, active: bool, *, actor_id: int | None = None) -> None:
    """Activate or deactivate an account, audited; deactivation ends every session at once."""
    with immediate(db):
        db.execute("UPDATE users SET active = ? WHERE id = ?", [int(active), user_id])
        name = "user.reactivated" if active else "user.deactivated"
        record_event_by(db, actor_id, name, f"user:{user_id}")
        if not active:
            end_all_sessions(db, user_id)


def send_reset_link(db: Database, user: dict) -> str:
    """Mail the user a link to choose a password; return its purpose.

    An invited account that never chose its password gets its invitation again; any other a reset
    link (its current password works until the link is used).
    """
    purpose = "invite" if user["must_change_password"] else "reset"
    send_link(db, user["id"], purpose)
    return purpose


def org_choices(db: Database) -> list[SelectChoice]:
    """(id, "short name · region") for every organisation, BFC then Québec."""
    rows = db.query(
        "SELECT id, short_name, region FROM organisations ORDER BY region, short_name COLLATE NOCASE"
    )
    return [SelectChoice(row["id"], f"{row['short_name']} · {row['region']}") for row in rows]


def short_names(db: Database, org_ids: list[int]) -> list[str]:
    """The short names of these organisation ids (unknown ids are left out)."""
    if not org_ids:
        return []
    marks = ", ".join("?" for _ in org_ids)
    return [
        row[0] for row in db.execute(f"SELECT short_name FROM organisations WHERE id IN ({marks})", org_ids)
    ]

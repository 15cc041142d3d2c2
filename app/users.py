"""User accounts: password hashing and strength, creation, organisation membership."""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from app.db import immediate
from app.orgs.queries import get_by_short_name, now
from models.vocabulary import ROLES

# OWASP Password Storage Cheat Sheet: scrypt with N=2^17, r=8, p=1 at least.
OWASP_SCRYPT_METHOD = "scrypt:131072:8:1"
MIN_PASSWORD_LENGTH = 10
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable"


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message says why."""


def password_problem(password: str, *, email: str = "") -> str | None:
    """Return why a password is too weak, or None if it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
    result = zxcvbn(password[:100], user_inputs=[email, email.split("@")[0], "passerelle"])
    if result["score"] < MIN_PASSWORD_SCORE:
        hint = result["feedback"].get("warning") or "it is too easy to guess"
        return f"The password is too weak: {hint.rstrip('.')}. Use a longer phrase."
    return None


def hash_password(password: str, method: str = OWASP_SCRYPT_METHOD) -> str:
    """Hash a password with scrypt (salted; the cost parameters travel in the hash)."""
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    return check_password_hash(password_hash, password)


def create_user(
    db: Database,
    email: str,
    password: str,
    role: str,
    org_short_names: Iterable[str] = (),
    *,
    hash_method: str = OWASP_SCRYPT_METHOD,
    must_change_password: bool = False,
) -> int:
    """Create an active user and attach it to organisations; return its id or raise UserError."""
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise UserError(f"'{email}' is not an email address.")
    if role not in ROLES:
        raise UserError(f"The role must be one of {', '.join(ROLES)}, got '{role}'.")
    problem = password_problem(password, email=email)
    if problem:
        raise UserError(problem)
    org_ids = [_org_id(db, short_name) for short_name in org_short_names]
    if role == "member" and not org_ids:
        raise UserError("A member belongs to at least one organisation: add --org SHORT_NAME.")
    password_hash = hash_password(password, hash_method)  # slow on purpose: before taking the lock
    with immediate(db):  # checks the email is free, then inserts: no one may take it in between
        if db.execute("SELECT 1 FROM users WHERE email = ? COLLATE NOCASE", [email]).fetchone():
            raise UserError(f"A user with the email {email} already exists.")
        user_id = (
            db.table("users")
            .insert(
                {
                    "email": email,
                    "password_hash": password_hash,
                    "role": role,
                    "active": 1,
                    "must_change_password": int(must_change_password),
                    "session_version": 1,
                    "created_at": now(),
                }
            )
            .last_pk
        )
        db.table("memberships").insert_all([{"user_id": user_id, "org_id": org_id} for org_id in org_ids])
    return user_id


def _org_id(db: Database, short_name: str) -> int:
    org = get_by_short_name(db, short_name)
    if org is None:
        raise UserError(f"No organisation has the short name '{short_name}'.")
    return org["id"]

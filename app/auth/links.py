"""Signed links that set a password: the invitation and the "forgotten password" reset.

A link carries ``{"u": user id, "g": link generation}`` signed with the app's secret and a salt per
purpose (itsdangerous), and its age. It works while it is younger than its purpose's limit and the
account's ``link_generation`` is still the one it names: sending a newer link or using this one bumps
the generation, so a link works once and only the newest one works. The token itself is never
stored: the outbox keeps the user id and the generation, and the worker signs when it renders the
mail (so the age counts from sending).
"""

from __future__ import annotations

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlite_utils import Database

from app.db import immediate
from app.notifications import queue_mail
from app.operations import record_event_by

PURPOSES = {"invite": "INVITE_MAX_AGE_SECONDS", "reset": "RESET_MAX_AGE_SECONDS"}


class LinkError(Exception):
    """The link cannot be used: ``reason`` is ``invalid``, ``expired`` or ``used``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"passerelle-link-{purpose}")


def send_link(db: Database, user_id: int, purpose: str) -> int:
    """Queue a mail with a new link for the account (older links stop working); return its generation."""
    _serializer(purpose)  # refuses an unknown purpose before writing
    with immediate(db):
        db.execute("UPDATE users SET link_generation = link_generation + 1 WHERE id = ?", [user_id])
        email, language, generation = db.execute(
            "SELECT email, language, link_generation FROM users WHERE id = ?", [user_id]
        ).fetchone()
        queue_mail(
            db,
            recipient=email,
            user_id=user_id,
            language=language,
            template=purpose,
            params={"user_id": user_id, "generation": generation},
            dedupe_key=f"{purpose}:{user_id}:{generation}",
        )
    return generation


def make_token(purpose: str, user_id: int, generation: int) -> str:
    """The signed token of a link."""
    return _serializer(purpose).dumps({"u": user_id, "g": generation})


def link_url(row: dict, params: dict) -> str:
    """The full address of the link an outbox row mails (rendered by the worker)."""
    token = make_token(row["template"], params["user_id"], params["generation"])
    return url_for("auth.set_password", purpose=row["template"], token=token, _external=True)


def max_age_hours(purpose: str) -> int:
    """How many hours a link of this purpose works, for the mail's wording."""
    return round(current_app.config[PURPOSES[purpose]] / 3600)


def check_link(db: Database, purpose: str, token: str) -> dict:
    """The active account a live link is for; raises LinkError otherwise."""
    try:
        data = _serializer(purpose).loads(token, max_age=current_app.config[PURPOSES[purpose]])
    except SignatureExpired as error:
        raise LinkError("expired") from error
    except (BadSignature, ValueError) as error:
        raise LinkError("invalid") from error
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("g"), int):
        raise LinkError("invalid")
    user = next(db.query("SELECT * FROM users WHERE id = ? AND active = 1", [data["u"]]), None)
    if user is None:
        raise LinkError("invalid")
    if user["link_generation"] != data["g"]:
        raise LinkError("used")
    return user


def use_link(db: Database, purpose: str, token: str, password_hash: str) -> dict:
    """Set the password through a live link, once: the link (and every older one) stops working.

    Every session of the account ends. Returns the account; raises LinkError and changes nothing
    when the link is not live (a second use racing the first finds the generation bumped).
    """
    with immediate(db):
        user = check_link(db, purpose, token)
        cursor = db.execute(
            """
            UPDATE users SET password_hash = ?, must_change_password = 0,
                link_generation = link_generation + 1, session_version = session_version + 1
            WHERE id = ? AND link_generation = ?
            """,
            [password_hash, user["id"], user["link_generation"]],
        )
        if cursor.rowcount != 1:
            raise LinkError("used")
        db.execute("DELETE FROM user_sessions WHERE user_id = ?", [user["id"]])
        record_event_by(db, user["id"], "user.password_changed", f"user:{user['id']}", how="link")
    return user

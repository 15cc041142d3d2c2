"""Recording notifications and mails (inside the caller's transaction), and reading them back."""

from __future__ import annotations

import json
import time
import uuid

from flask import current_app, has_app_context
from sqlite_utils import Database

from app.notifications.events import EVENTS
from app.orgs.queries import now
from models.errors import InvalidInput
from models.vocabulary import LANGUAGES, sql_in

PAGE_SIZE = 50


def recipients(db: Database, org_ids: list[int], actor_id: int | None = None) -> list[dict]:
    """The active members of these organisations (each once), the actor left out."""
    if not org_ids:
        return []
    marks = ", ".join("?" for _ in org_ids)
    rows = db.query(
        f"""
        SELECT DISTINCT u.id, u.email, u.language FROM users u JOIN memberships m ON m.user_id = u.id
        WHERE m.org_id IN ({marks}) AND u.active = 1 AND u.id IS NOT ? ORDER BY u.id
        """,
        [*org_ids, actor_id],
    )
    return list(rows)


def notify(
    db: Database,
    *,
    event: str,
    org_ids: list[int],
    params: dict,
    dedupe_key: str,
    actor_id: int | None = None,
) -> int:
    """Record the event for every member of ``org_ids``: in the app and as a mail; return how many new.

    Runs in the caller's transaction (a savepoint of it), so the notice and its mail exist exactly
    when the event does. The same ``dedupe_key`` never notifies or mails a person twice.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}; known: {', '.join(EVENTS)}")
    encoded = json.dumps(params, ensure_ascii=False, sort_keys=True)
    stamp, recorded = now(), 0
    with db.atomic():
        for person in recipients(db, org_ids, actor_id):
            cursor = db.execute(
                """
                INSERT OR IGNORE INTO notifications (user_id, event, params, dedupe_key, actor_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                [person["id"], event, encoded, dedupe_key, actor_id, stamp],
            )
            recorded += cursor.rowcount
            queue_mail(
                db,
                recipient=person["email"],
                user_id=person["id"],
                language=person["language"],
                template="notification",
                params={"event": event, **params},
                dedupe_key=dedupe_key,
            )
    return recorded


def queue_mail(
    db: Database,
    *,
    recipient: str,
    language: str,
    template: str,
    params: dict,
    dedupe_key: str,
    user_id: int | None = None,
) -> bool:
    """Put one mail in the outbox (the worker sends it); False when this key already mailed them."""
    cursor = db.execute(
        """
        INSERT OR IGNORE INTO mail_outbox
            (dedupe_key, recipient, user_id, language, template, params, next_attempt_at, message_id,
             created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            dedupe_key,
            recipient,
            user_id,
            language,
            template,
            json.dumps(params, ensure_ascii=False, sort_keys=True),
            time.time(),
            f"<{uuid.uuid4().hex}@{_mail_domain()}>",
            now(),
        ],
    )
    return cursor.rowcount == 1


def _mail_domain() -> str:
    """The domain of the sender address, for Message-IDs."""
    sender = current_app.config.get("MAIL_DEFAULT_SENDER", "") if has_app_context() else ""
    domain = str(sender).rsplit("@", 1)[-1].strip("> ") if "@" in str(sender) else ""
    return domain or "passerelle.localhost"


def unread_count(db: Database, user_id: int) -> int:
    """How many notifications the person has not read."""
    sql = "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL"
    return db.execute(sql, [user_id]).fetchone()[0]


def list_for(db: Database, user_id: int, limit: int = PAGE_SIZE, offset: int = 0) -> list[dict]:
    """The person's notifications, newest first, from ``offset`` on, with their params decoded."""
    rows = db.query(
        f"SELECT * FROM notifications WHERE user_id = ? AND event IN ({sql_in(tuple(EVENTS))}) "
        "ORDER BY id DESC LIMIT ? OFFSET ?",
        [user_id, limit, offset],
    )
    return [{**row, "params": json.loads(row["params"])} for row in rows]


def count_for(db: Database, user_id: int) -> int:
    """How many notifications the person has (the ones :func:`list_for` lists)."""
    sql = f"SELECT COUNT(*) FROM notifications WHERE user_id = ? AND event IN ({sql_in(tuple(EVENTS))})"
    return db.execute(sql, [user_id]).fetchone()[0]


def mark_all_read(db: Database, user_id: int) -> int:
    """Mark every notification of the person read; return how many were unread."""
    with db.atomic():
        cursor = db.execute(
            "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", [now(), user_id]
        )
    return cursor.rowcount


def preferences(db: Database, user_id: int) -> dict:
    """The language of the person's mails and whether they get the weekly digest."""
    row = db.execute("SELECT language, digest FROM users WHERE id = ?", [user_id]).fetchone()
    return {"language": row[0], "digest": bool(row[1])}


def set_preferences(db: Database, user_id: int, language: str, digest: bool) -> None:
    """Store the language of the person's mails and whether they get the weekly digest (InvalidInput
    for a language the mails are not written in; nothing changes then)."""
    if language not in LANGUAGES:
        raise InvalidInput(f"no mails in {language!r}", code="unknown_mail_language", field="language")
    with db.atomic():
        db.execute("UPDATE users SET language = ?, digest = ? WHERE id = ?", [language, int(digest), user_id])


def personal_data(db: Database, user_id: int) -> dict:
    """What the notifications and mails hold about a person, for their "My data" download."""
    prefs = db.execute("SELECT language, digest FROM users WHERE id = ?", [user_id]).fetchone()
    notices = db.query(
        "SELECT event, params, created_at, read_at FROM notifications WHERE user_id = ? ORDER BY id",
        [user_id],
    )
    mails = db.query(
        "SELECT template, recipient, language, status, created_at, sent_at FROM mail_outbox "
        "WHERE user_id = ? ORDER BY id",
        [user_id],
    )
    return {
        "mail_preferences": {"language": prefs[0], "weekly_digest": bool(prefs[1])},
        "notifications": [{**row, "params": json.loads(row["params"])} for row in notices],
        "mails": list(mails),
    }


def forget_person(db: Database, user: dict) -> None:
    """Delete a person's notices and mails, and the messages they wrote from other people's notices
    (inside the caller's transaction, before the account row goes)."""
    db.execute("DELETE FROM notifications WHERE user_id = ?", [user["id"]])
    db.execute(
        "DELETE FROM mail_outbox WHERE user_id = ? OR recipient = ? COLLATE NOCASE",
        [user["id"], user["email"]],
    )
    db.execute(
        "UPDATE notifications SET params = json_remove(params, '$.message'), actor_id = NULL "
        "WHERE actor_id = ?",
        [user["id"]],
    )

"""API views on the account's notifications and mail preferences, as the web's *Notifications* list
and the account page's *Email preferences* (``app/notifications/routes.py``).

Everyone reads their own notifications only (the list holds no other person's); the words are the
list page's, in English. The rules of the preferences live in ``app.notifications.queries``, which
the web's form calls too.
"""

from __future__ import annotations

from flask import abort, jsonify
from flask_babel import force_locale
from flask_login import current_user

from app.api.payloads import Field, checked, json_body, page_args, page_of
from app.db import get_db
from app.errors import api_domain_error
from app.notifications import queries
from app.notifications.events import shown
from models.errors import PasserelleError
from models.vocabulary import LANGUAGES

PREFERENCES_BODY = {"language": Field(str, choices=LANGUAGES), "digest": Field(bool)}


def notification_json(row: dict) -> dict:
    """A notification as the list page shows it: its title, sentence, the person's message it quotes
    (or null), the page it opens, when it came and when it was read (null: unread)."""
    return {
        "id": row["id"],
        "event": row["event"],
        "title": row["title"],
        "text": row["text"],
        "message": row["params"].get("message"),
        "link": row["link"],
        "created_at": row["created_at"],
        "read_at": row["read_at"],
    }


def list_notifications():
    """The account's notifications, newest first, paged; ``unread`` counts those not read yet."""
    db = get_db()
    page, per_page = page_args()
    rows = queries.list_for(db, current_user.id, per_page, (page - 1) * per_page)
    with force_locale("en"):
        items = [notification_json(shown(row, current_user.org_ids)) for row in rows]
    total = queries.count_for(db, current_user.id)
    return page_of(items, total, page, per_page, unread=queries.unread_count(db, current_user.id))


def mark_notifications_read():
    """Mark every notification of the account read, as the list page's button does."""
    marked = queries.mark_all_read(get_db(), current_user.id)
    return jsonify(ok=True, marked=marked, unread=queries.unread_count(get_db(), current_user.id))


def show_preferences():
    """The language of the account's mails and whether it gets the weekly digest."""
    return jsonify(ok=True, preferences=queries.preferences(get_db(), current_user.id))


def set_preferences():
    """Set both preferences, as the account page's form does."""
    body = checked(json_body(), PREFERENCES_BODY)
    db = get_db()
    try:
        queries.set_preferences(db, current_user.id, body["language"], body["digest"])
    except PasserelleError as error:
        abort(api_domain_error(error))
    return jsonify(ok=True, preferences=queries.preferences(db, current_user.id))

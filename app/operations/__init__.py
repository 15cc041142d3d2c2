"""The operations (use cases) that web views, API endpoints and CLI commands all call.

A front end parses its input, calls one operation and renders what it returns. Each operation:

- takes a database, an actor (the signed-in user, or :data:`SYSTEM` for a command line) and parsed
  input (ids, codes, text);
- enforces the rules itself (who may act, the allowed transitions): front ends never re-check them;
- writes in one transaction, with its audit row and the events it owes (:func:`record_event`), so
  a front end cannot forget a side effect (a notification, a mail) that a worker carries out later;
- returns a small result, or raises a named error of :mod:`models.errors` that ``app/errors.py``
  words in the reader's language (a flash, a JSON error, a ``click.ClickException``).

Modules: ``stances`` (a member's stance on a partner), ``pairings`` (coordinators' decisions),
``people`` (an organisation's contact persons), and the others the README lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlite_utils import Database

from app.orgs.queries import now
from models.errors import Forbidden


@dataclass(frozen=True)
class SystemActor:
    """The command line: acts as an administrator, for no organisation, with no user row."""

    id: None = None
    role: str = "admin"
    org_ids: tuple[int, ...] = field(default=())

    def may_act_for(self, org_id: int) -> bool:
        """Administrators act for every organisation."""
        return True


SYSTEM = SystemActor()


def require_role(actor, *roles: str) -> None:
    """Forbidden unless the actor has one of ``roles``."""
    if actor.role not in roles:
        raise Forbidden(f"role {actor.role!r} may not do this", code="forbidden_role")


def record_event(db: Database, actor, name: str, subject: str, **data) -> int:
    """Record what happened (and what it owes) in the caller's transaction; return the event id."""
    return record_event_by(db, actor.id, name, subject, **data)


def record_event_by(db: Database, actor_id: int | None, name: str, subject: str, **data) -> int:
    """:func:`record_event` for the helpers that know the acting user's id only (None: a command line)."""
    return db.table("events").insert(_event_row(actor_id, name, subject, data, now())).last_pk


def record_events_by(db: Database, actor_id: int | None, events: Iterable[tuple[str, str, dict]]) -> None:
    """Many :func:`record_event_by` at once (an import's), each ``(name, subject, data)``."""
    stamp = now()
    rows = (_event_row(actor_id, name, subject, data, stamp) for name, subject, data in events)
    db.table("events").insert_all(rows, batch_size=1000)


def _event_row(actor_id: int | None, name: str, subject: str, data: dict, stamp: str) -> dict:
    """An ``events`` row: its data as sorted JSON, so that equal events store equal text."""
    return {
        "name": name,
        "subject": subject,
        "actor_id": actor_id,
        "data": json.dumps(data, sort_keys=True, ensure_ascii=False),
        "created_at": stamp,
    }


def events_about(db: Database, subject: str) -> list[dict]:
    """The events about one subject, oldest first, ``data`` decoded."""
    rows = db.query("SELECT * FROM events WHERE subject = ? ORDER BY id", [subject])
    return [{**row, "data": json.loads(row["data"])} for row in rows]

"""The rules of calendar subscriptions; the pages, the feed and the API (/api/v1/account/calendars) use them.

A subscription is a secret address ``/cal/<token>.ics`` for one delegate of a trip (their meetings, as
lead or guest, and those taken from them, CANCELLED) or for one host organisation of a trip (the
meetings it receives). The token is shown once, when it is made; only its SHA-256 is kept, so a
stolen database gives no address. Revoking it makes the address answer 404. The events keep the
meetings' own uids, so a calendar app that polls the address updates them as the plan changes.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlite_utils import Database

from app.db import immediate
from app.orgs.queries import now
from models.errors import Forbidden, InvalidInput, NotFound
from models.vocabulary import INTERFACE_LANGUAGES, STAFF_ROLES

# The organisation a subscription is for: the host's, or the delegate's.
_SUBSCRIPTIONS = """
    SELECT c.*, COALESCE(c.org_id, d.org_id) AS for_org_id, d.name AS delegate_name,
        o.short_name AS org_short_name, t.name AS trip_name
    FROM calendar_subscriptions c JOIN trips t ON t.id = c.trip_id
    LEFT JOIN trip_delegates d ON d.id = c.delegate_id
    JOIN organisations o ON o.id = COALESCE(c.org_id, d.org_id)
"""


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    db: Database,
    trip_id: int,
    actor,
    *,
    delegate_id: int | None = None,
    org_id: int | None = None,
    language: str = "fr",
) -> dict:
    """Make a subscription for a delegate or a host of the trip, as ``actor`` may; return it with its
    secret ``token`` (shown once).

    A delegate's: coordinators and administrators, or a member of the delegate's organisation. A host's:
    a member of the host organisation, for a trip that has published meetings with it. NotFound for a
    trip, delegate or host that is not there, Forbidden for the rest; nothing is written then.
    """
    if (delegate_id is None) == (org_id is None):
        raise InvalidInput("give exactly one of delegate_id and org_id", code="calendar_target")
    if language not in INTERFACE_LANGUAGES:
        raise InvalidInput(code="unknown_calendar_language", field="language")
    with immediate(db):
        if delegate_id is not None:
            _check_delegate(db, trip_id, actor, delegate_id)
        else:
            _check_host(db, trip_id, actor, org_id)
        token = secrets.token_urlsafe(24)
        subscription_id = db.table("calendar_subscriptions").insert(
            {"token_hash": digest(token), "trip_id": trip_id, "delegate_id": delegate_id, "org_id": org_id,
             "language": language, "created_by": actor.id, "created_at": now()}
        ).last_pk  # fmt: skip
        row = _subscription(db, subscription_id)
    return {**row, "token": token}


def _check_trip(db: Database, trip_id: int) -> None:
    if db.execute("SELECT 1 FROM trips WHERE id = ?", [trip_id]).fetchone() is None:
        raise NotFound(code="trip_not_found", field="trip_id", trip_id=trip_id)


def _check_delegate(db: Database, trip_id: int, actor, delegate_id: int) -> None:
    _check_trip(db, trip_id)
    found = db.execute(
        "SELECT org_id FROM trip_delegates WHERE id = ? AND trip_id = ?", [delegate_id, trip_id]
    ).fetchone()
    if found is None:
        raise NotFound(code="trip_delegate_not_found", field="delegate_id", id=delegate_id)
    if not actor.may_act_for(found[0]):
        raise Forbidden("not a member of the delegate's organisation")


def _check_host(db: Database, trip_id: int, actor, org_id: int) -> None:
    if db.execute("SELECT 1 FROM organisations WHERE id = ?", [org_id]).fetchone() is None:
        raise NotFound(code="organisation_not_found", field="host_org_id")
    if actor.role != "member" or org_id not in actor.org_ids:  # the host's own members only
        raise Forbidden("only the host's members follow its meetings", code="not_a_member")
    _check_trip(db, trip_id)
    hosts = db.execute(
        "SELECT 1 FROM published_meetings WHERE trip_id = ? AND host_org_id = ? LIMIT 1", [trip_id, org_id]
    ).fetchone()
    if hosts is None:
        raise NotFound(code="trip_host_not_found", field="host_org_id", id=org_id)


def may_manage(actor, row: dict) -> bool:
    """Whether ``actor`` sees and revokes this subscription: coordinators and administrators every one,
    a member those of their organisations (as the host, or as the delegate's organisation)."""
    return actor.role in STAFF_ROLES or row["for_org_id"] in actor.org_ids


def revoke(db: Database, actor, subscription_id: int) -> dict:
    """Revoke a subscription ``actor`` may manage and return it; NotFound, Forbidden otherwise."""
    with immediate(db):
        row = _subscription(db, subscription_id)
        if row is None:
            raise NotFound(f"there is no calendar subscription {subscription_id}")
        if not may_manage(actor, row):
            raise Forbidden("another organisation's calendar address")
        db.execute(
            "UPDATE calendar_subscriptions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            [now(), subscription_id],
        )
    return row


def _subscription(db: Database, subscription_id: int) -> dict | None:
    return next(db.query(_SUBSCRIPTIONS + " WHERE c.id = ?", [subscription_id]), None)


def for_account(db: Database, actor) -> list[dict]:
    """The live subscriptions ``actor`` may manage, the newest first, with whom and what trip they are for."""
    rows = db.query(_SUBSCRIPTIONS + " WHERE c.revoked_at IS NULL ORDER BY c.id DESC")
    return [row for row in rows if may_manage(actor, row)]


def live(db: Database, token: str) -> dict:
    """The live subscription of a token; NotFound for an unknown or revoked one."""
    row = next(
        db.query(
            "SELECT * FROM calendar_subscriptions WHERE token_hash = ? AND revoked_at IS NULL",
            [digest(token)],
        ),
        None,
    )
    if row is None:
        raise NotFound("no live calendar subscription has this address")
    return row


def of_trip(db: Database, trip_id: int, *, org_ids: list[int] | None = None) -> list[dict]:
    """A trip's live subscriptions with whom they are for (optionally only those of ``org_ids``)."""
    rows = db.query(
        """
        SELECT c.*, d.name AS delegate_name, o.short_name AS org_short_name
        FROM calendar_subscriptions c LEFT JOIN trip_delegates d ON d.id = c.delegate_id
        LEFT JOIN organisations o ON o.id = c.org_id
        WHERE c.trip_id = ? AND c.revoked_at IS NULL ORDER BY c.id
        """,
        [trip_id],
    )
    return [row for row in rows if org_ids is None or row["org_id"] in org_ids]

"""The rules of calendar subscriptions; the coordinators' and the hosts' pages and the feed call these.

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
from models.errors import NotFound, PasserelleError


class SubscriptionRefused(PasserelleError):
    """A subscription the rules refuse; ``code``: ``not_in_trip`` or ``not_allowed``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    db: Database,
    trip_id: int,
    user_id: int,
    *,
    delegate_id: int | None = None,
    org_id: int | None = None,
    language: str = "fr",
) -> str:
    """Make a subscription for a delegate or a host of the trip; return its secret token (shown once)."""
    if (delegate_id is None) == (org_id is None):
        raise ValueError("give exactly one of delegate_id and org_id")
    with immediate(db):
        if delegate_id is not None:
            found = db.execute(
                "SELECT 1 FROM trip_delegates WHERE id = ? AND trip_id = ?", [delegate_id, trip_id]
            ).fetchone()
        else:
            found = db.execute(
                "SELECT 1 FROM published_meetings WHERE trip_id = ? AND host_org_id = ? LIMIT 1",
                [trip_id, org_id],
            ).fetchone()
        if found is None:
            raise SubscriptionRefused("not_in_trip")
        token = secrets.token_urlsafe(24)
        db.table("calendar_subscriptions").insert(
            {"token_hash": digest(token), "trip_id": trip_id, "delegate_id": delegate_id, "org_id": org_id,
             "language": language, "created_by": user_id, "created_at": now()}
        )  # fmt: skip
    return token


def revoke(db: Database, subscription_id: int, *, org_ids: list[int] | None = None) -> dict:
    """Revoke a subscription and return it; with ``org_ids``, only one of theirs (else refused)."""
    with immediate(db):
        row = next(db.query("SELECT * FROM calendar_subscriptions WHERE id = ?", [subscription_id]), None)
        if row is None:
            raise NotFound(f"there is no calendar subscription {subscription_id}")
        if org_ids is not None and row["org_id"] not in org_ids:
            raise SubscriptionRefused("not_allowed")
        db.execute(
            "UPDATE calendar_subscriptions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            [now(), subscription_id],
        )
    return row


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

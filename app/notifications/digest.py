"""The weekly digest: each member hears of the new partners suggested to their organisation.

"New" means scoring at least ``DIGEST_MIN_SCORE`` on a track the organisation declared, with no
stance of the organisation yet, and not in an earlier digest of that organisation. A person turns
the digest off on the account page or with the ``List-Unsubscribe`` link every digest carries.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlite_utils import Database

from app import matching
from app.db import immediate
from app.i18n import label
from app.notifications.queries import queue_mail
from app.orgs.queries import get_organisation


def week_code(moment: datetime | None = None) -> str:
    """The ISO week, e.g. ``2026-W49``: one digest per organisation and person each week."""
    year, week, _day = (moment or datetime.now(UTC)).isocalendar()
    return f"{year}-W{week:02d}"


def already_sent(db: Database, org_id: int) -> set[tuple[int, str]]:
    """(partner id, track) pairs an earlier digest of this organisation named."""
    rows = db.execute(
        "SELECT params FROM mail_outbox WHERE template = 'digest' AND json_extract(params, '$.org_id') = ?",
        [org_id],
    )
    return {(item["partner_id"], item["track"]) for (params,) in rows for item in json.loads(params)["items"]}


def new_suggestions(db: Database, org: dict) -> list[dict]:
    """The organisation's new suggestions above the threshold, best first."""
    config = current_app.config
    stances = {
        (row[0], row[1])
        for row in db.execute("SELECT partner_org_id, track FROM interests WHERE org_id = ?", [org["id"]])
    }
    seen = already_sent(db, org["id"]) | stances
    items = []
    for track in org["collaboration_types"]:
        for suggestion in matching.suggestions_for(db, org["id"], track, top_k=config["DIGEST_MAX_ITEMS"]):
            if suggestion.score >= config["DIGEST_MIN_SCORE"] and (suggestion.org_id, track) not in seen:
                items.append(
                    {
                        "partner_id": suggestion.org_id,
                        "partner": suggestion.short_name,
                        "track": track,
                        "score": round(suggestion.score, 3),
                    }
                )
    items.sort(key=lambda item: -item["score"])
    return items[: config["DIGEST_MAX_ITEMS"]]


def queue_digests(db: Database, week: str | None = None) -> int:
    """Queue this week's digest for every member who wants it; return how many mails were queued."""
    week = week or week_code()
    org_ids = [row[0] for row in db.execute("SELECT DISTINCT org_id FROM memberships ORDER BY org_id")]
    queued = 0
    for org_id in org_ids:
        org = get_organisation(db, org_id)
        items = new_suggestions(db, org)
        if not items:
            continue
        with immediate(db):
            people = db.query(
                """
                SELECT u.id, u.email, u.language FROM users u JOIN memberships m ON m.user_id = u.id
                WHERE m.org_id = ? AND u.active = 1 AND u.digest = 1 ORDER BY u.id
                """,
                [org_id],
            )
            for person in list(people):
                queued += queue_mail(
                    db,
                    recipient=person["email"],
                    user_id=person["id"],
                    language=person["language"],
                    template="digest",
                    params={"org_id": org_id, "org": org["short_name"], "week": week, "items": items},
                    dedupe_key=f"digest:{org_id}:{week}",
                )
    return queued


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="passerelle-digest-unsubscribe")


def unsubscribe_token(user_id: int) -> str:
    """The token of a person's unsubscribe link (it does not expire: old digests keep working)."""
    return _unsubscribe_serializer().dumps(user_id)


def user_of_unsubscribe_token(token: str) -> int | None:
    """The user id an unsubscribe token names, or None when it is not one of ours."""
    try:
        user_id = _unsubscribe_serializer().loads(token)
    except BadSignature:
        return None
    return user_id if isinstance(user_id, int) else None


def set_digest(db: Database, user_id: int, wanted: bool) -> None:
    """Turn the person's weekly digest on or off."""
    with db.atomic():
        db.execute("UPDATE users SET digest = ? WHERE id = ?", [int(wanted), user_id])


def digest_context(row: dict, params: dict) -> dict:
    """What the digest templates need: the items in words, the links and the unsubscribe headers."""
    unsubscribe = url_for(
        "notifications.unsubscribe", token=unsubscribe_token(row["user_id"] or 0), _external=True
    )
    items = [{**item, "track_label": label("track", item["track"])} for item in params["items"]]
    return {
        "items": items,
        "suggestions_url": url_for("members.home", _external=True),
        "unsubscribe_url": unsubscribe,
        "headers": {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    }

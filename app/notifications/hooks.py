"""The events that existing operations raise, each called with one line from inside the operation's
transaction: a pairing decided, mutual interest, delegation meetings published, moved or cancelled.
"""

from __future__ import annotations

from sqlite_utils import Database

from app.coordination.queries import get_pairing
from app.db import immediate
from app.followup.queries import mark_mailed, to_mail
from app.notifications.queries import notify
from models.vocabulary import WANTING

PAIRING_EVENTS = {"approved": "pairing_approved", "rejected": "pairing_rejected"}


def pairing_decided(db: Database, pairing_id: int, from_status: str, to_status: str, actor_id: int) -> int:
    """Tell both organisations that the coordinators approved or rejected their pairing."""
    event = PAIRING_EVENTS.get(to_status)
    if event is None or from_status == to_status:
        return 0
    pairing = get_pairing(db, pairing_id)
    decision_id = db.execute(
        "SELECT MAX(id) FROM pairing_decisions WHERE pairing_id = ?", [pairing_id]
    ).fetchone()[0]
    return notify(
        db,
        event=event,
        org_ids=[pairing["bfc_org_id"], pairing["qc_org_id"]],
        params={
            "org": pairing["bfc_short_name"],
            "partner": pairing["qc_short_name"],
            "track": pairing["track"],
            "pairing_id": pairing_id,
        },
        dedupe_key=f"pairing:{pairing_id}:decision:{decision_id}",
        actor_id=actor_id,
    )


def interest_set(db: Database, org: dict, partner: dict, track: str, actor_id: int) -> int:
    """Tell both organisations when their interest has just become mutual (once per pair and track)."""
    row = db.execute(
        "SELECT kind FROM interests WHERE org_id = ? AND partner_org_id = ? AND track = ?",
        [partner["id"], org["id"], track],
    ).fetchone()
    if row is None or row[0] not in WANTING:
        return 0
    low, high = sorted((org["id"], partner["id"]))
    return notify(
        db,
        event="mutual_interest",
        org_ids=[org["id"], partner["id"]],
        params={"org": org["short_name"], "partner": partner["short_name"], "track": track},
        dedupe_key=f"mutual:{low}:{high}:{track}",
        actor_id=actor_id,
    )


def meeting_params(meeting) -> dict:
    """What a mail about one published meeting names: who visits whom, on which trip, when, where."""
    return {
        "org": meeting["org_short_name"],
        "partner": meeting["host_short_name"],
        "trip": meeting["trip_name"],
        "when": meeting["start"],
        "city": meeting["city"],
    }


def meetings_published(db: Database, trip_id: int, stamp: str) -> int:
    """Tell the visiting and the host organisation of each meeting this publication created, moved
    or cancelled (``published_at = stamp``); unchanged meetings tell nobody again."""
    rows = db.query(
        """
        SELECT p.*, t.name AS trip_name, o.short_name AS org_short_name, h.short_name AS host_short_name
        FROM published_meetings p JOIN trips t ON t.id = p.trip_id
        JOIN organisations o ON o.id = p.delegation_org_id JOIN organisations h ON h.id = p.host_org_id
        WHERE p.trip_id = ? AND p.published_at = ?
        """,
        [trip_id, stamp],
    )
    told = 0
    for row in list(rows):
        if row["status"] == "cancelled":
            event = "meeting_cancelled"
        else:
            event = "meeting_published" if row["sequence"] == 0 else "meeting_changed"
        told += notify(
            db,
            event=event,
            org_ids=[row["delegation_org_id"], row["host_org_id"]],
            params={
                **meeting_params(row),
                "track": row["track"],
                "org_ids": [row["delegation_org_id"], row["host_org_id"]],
                # the host's members get a link to confirm (app/mail.py signs it for each of them)
                **(
                    {"answer_id": row["id"], "host_id": row["host_org_id"], "sequence": row["sequence"]}
                    if row["status"] == "confirmed"
                    else {}
                ),
            },
            dedupe_key=f"meeting:{row['uid']}:{row['sequence']}",
        )
    return told


def request_event(db: Database, event: str, request: dict, org_ids: list[int], actor_id: int | None) -> int:
    """Tell the members of ``org_ids`` that a request (``get_request``'s row) was sent, answered or
    withdrawn, with its message (once per event and request)."""
    return notify(
        db,
        event=event,
        org_ids=org_ids,
        params={
            "org": request["from_short_name"],
            "partner": request["to_short_name"],
            "track": request["track"],
            "answer": request["status"],
            "message": request["answer"] if event == "request_answered" else request["message"],
            "path": f"/requests/{request['id']}",
            "request_id": request["id"],
        },
        dedupe_key=f"{event}:{request['id']}",
        actor_id=actor_id,
    )


def followups_due(db: Database) -> int:
    """Tell each organisation of the follow-up forms it owes that nobody was told of yet (once each);
    the worker calls this before each drain."""
    told = 0
    with immediate(db):
        forms = to_mail(db)
        for form in forms:
            told += notify(
                db,
                event="followup_due",
                org_ids=[form["org_id"]],
                params={
                    "org": form["delegation_short_name"],
                    "partner": form["host_short_name"],
                    "when": form["start"],
                    "trip": form["trip_name"],
                    "track": form["track"],
                    "path": f"/follow-up/{form['id']}",
                },
                dedupe_key=f"followup:{form['id']}",
            )
        mark_mailed(db, [form["id"] for form in forms])
    return told

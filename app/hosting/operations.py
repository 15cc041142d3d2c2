"""The rules of a host's answer to a published meeting; the pages and the mail link both call these.

A published meeting is ``requested`` until a member of the host organisation accepts it or declines it
proposing another slot (a note for the coordinators, who re-plan around it). Each answer bumps the
meeting's ``sequence`` so that calendars update the event (TENTATIVE, then CONFIRMED or CANCELLED) and
tells the delegation's members and the coordinators' queue through ``notify``. A republication that
moves the meeting (another time, city or zone) asks the host again (``app/trips/meetings.py``).
"""

from __future__ import annotations

from sqlite_utils import Database

from app.db import immediate
from app.notifications.hooks import meeting_params
from app.notifications.queries import notify
from app.operations import record_event_by
from app.orgs.queries import now
from models.errors import HostAnswerRefused, NotFound
from models.vocabulary import HOST_ANSWERS as ANSWERS

NOTE_MAX = 500


def get_meeting(db: Database, published_id: int) -> dict:
    """A published meeting with both organisations' short names and its trip's name; NotFound otherwise."""
    row = next(
        db.query(
            """
            SELECT p.*, t.name AS trip_name, o.short_name AS org_short_name, h.short_name AS host_short_name
            FROM published_meetings p JOIN trips t ON t.id = p.trip_id
            JOIN organisations o ON o.id = p.delegation_org_id JOIN organisations h ON h.id = p.host_org_id
            WHERE p.id = ?
            """,
            [published_id],
        ),
        None,
    )
    if row is None:
        raise NotFound(f"there is no published meeting {published_id}")
    return row


def is_host_member(db: Database, user_id: int, org_id: int) -> bool:
    """Whether the active account is a member of the organisation."""
    row = db.execute(
        "SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id "
        "WHERE m.user_id = ? AND m.org_id = ? AND u.active = 1",
        [user_id, org_id],
    ).fetchone()
    return row is not None


def answer_meeting(
    db: Database, published_id: int, user_id: int, answer: str, note: str = "", *, sequence: int | None = None
) -> dict:
    """Record a host member's answer; ``sequence`` (from a mail link) must still be the meeting's.

    Returns the meeting as it is now. Raises NotFound, or HostAnswerRefused with ``code`` ``not_host``,
    ``meeting_cancelled``, ``meeting_changed`` (it moved since the link was sent), ``bad_host_answer``,
    ``note_needed`` (declining asks for another slot) or ``note_too_long``; nothing changes then.
    """
    note = (note or "").strip()
    if answer not in ANSWERS:
        raise HostAnswerRefused("bad_host_answer")
    if answer == "declined" and not note:
        raise HostAnswerRefused("note_needed")
    if len(note) > NOTE_MAX:
        raise HostAnswerRefused("note_too_long")
    with immediate(db):
        meeting = get_meeting(db, published_id)
        if not is_host_member(db, user_id, meeting["host_org_id"]):
            raise HostAnswerRefused("not_host")
        if meeting["status"] != "confirmed":
            raise HostAnswerRefused("meeting_cancelled")
        if sequence is not None and sequence != meeting["sequence"]:
            raise HostAnswerRefused("meeting_changed")
        if meeting["host_answer"] == answer and meeting["host_note"] == note:
            return meeting  # the same answer twice (a second click) changes nothing
        stamp = now()
        db.table("published_meetings").update(
            published_id,
            {
                "host_answer": answer,
                "host_note": note if answer == "declined" else "",
                "host_answered_at": stamp,
                "host_answered_by": user_id,
                "sequence": meeting["sequence"] + 1,
            },
        )
        notify(
            db,
            event=f"meeting_{answer}",
            org_ids=[meeting["delegation_org_id"], meeting["host_org_id"]],
            params={**meeting_params(meeting), "message": note if answer == "declined" else ""},
            dedupe_key=f"meeting:{meeting['uid']}:{meeting['sequence'] + 1}:{answer}",
            actor_id=user_id,
        )
        record_event_by(
            db,
            user_id,
            "host.answered",
            f"trip:{meeting['trip_id']}",
            published_id=published_id,
            answer=answer,
            org_id=meeting["host_org_id"],
            partner_id=meeting["delegation_org_id"],
        )
        return get_meeting(db, published_id)


def to_confirm(db: Database, org_ids: list[int]) -> list[dict]:
    """The live published meetings these organisations host, those still waiting first, then by time."""
    if not org_ids:
        return []
    marks = ", ".join("?" for _ in org_ids)
    rows = db.query(
        f"""
        SELECT p.*, t.name AS trip_name, o.short_name AS org_short_name, h.short_name AS host_short_name
        FROM published_meetings p JOIN trips t ON t.id = p.trip_id
        JOIN organisations o ON o.id = p.delegation_org_id JOIN organisations h ON h.id = p.host_org_id
        WHERE p.status = 'confirmed' AND p.host_org_id IN ({marks})
        ORDER BY p.host_answer != 'requested', p.start, o.short_name COLLATE NOCASE
        """,
        org_ids,
    )
    return list(rows)

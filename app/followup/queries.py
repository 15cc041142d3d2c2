"""Follow-up forms in SQLite: who owes one (made when due), answering, and what coordinators read.

:func:`open_due` is idempotent: it makes the rows of every stage that is due for every past trip,
one per (published meeting, stage, organisation at the meeting), and leaves ``mailed_at`` empty so
that the mail worker can send each form once (:func:`to_mail`, :func:`mark_mailed`).
"""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from app.db import immediate
from app.operations import record_event_by
from app.orgs.queries import now
from models.errors import Forbidden, InvalidInput, NotFound
from models.followup import NEXT_STEP_LENGTH, RELEVANCE, STAGES, due_date
from models.vocabulary import FOLLOWUP_OUTCOMES as OUTCOMES
from models.vocabulary import STAFF_ROLES


def open_due(db: Database, today: date) -> int:
    """Make the follow-up rows due by ``today`` for every past trip; return how many were made."""
    made = 0
    with immediate(db):
        trips = db.execute(
            "SELECT id, end_date FROM trips WHERE end_date < ?", [today.isoformat()]
        ).fetchall()
        for trip_id, end_date in trips:
            for stage in STAGES:
                due = due_date(date.fromisoformat(end_date), stage)
                if due <= today:
                    made += _open_stage(db, trip_id, stage, due)
    return made


def _open_stage(db: Database, trip_id: int, stage: int, due: date) -> int:
    stamp, before = now(), db.execute("SELECT COUNT(*) FROM followups").fetchone()[0]
    db.execute(
        """
        INSERT OR IGNORE INTO followups (published_id, stage, org_id, side, due_at, created_at)
        SELECT p.id, :stage, p.delegation_org_id, 'delegation', :due, :stamp FROM published_meetings p
            WHERE p.trip_id = :trip AND p.status = 'confirmed'
        UNION SELECT p.id, :stage, p.host_org_id, 'host', :due, :stamp FROM published_meetings p
            WHERE p.trip_id = :trip AND p.status = 'confirmed'
        UNION SELECT p.id, :stage, g.org_id, 'delegation', :due, :stamp FROM published_meetings p
            JOIN published_meeting_guests g ON g.published_id = p.id
            WHERE p.trip_id = :trip AND p.status = 'confirmed'
        """,
        {"stage": stage, "due": due.isoformat(), "stamp": stamp, "trip": trip_id},
    )
    return db.execute("SELECT COUNT(*) FROM followups").fetchone()[0] - before


_SELECT = """
    SELECT f.*, p.start, p.end, p.city, p.track, p.delegate_name, p.trip_id, t.name AS trip_name,
        p.delegation_org_id, p.host_org_id,
        o.short_name AS org_short_name, d.short_name AS delegation_short_name,
        h.short_name AS host_short_name, u.email AS user_email
    FROM followups f JOIN published_meetings p ON p.id = f.published_id JOIN trips t ON t.id = p.trip_id
    JOIN organisations o ON o.id = f.org_id JOIN organisations d ON d.id = p.delegation_org_id
    JOIN organisations h ON h.id = p.host_org_id LEFT JOIN users u ON u.id = f.user_id
"""


def forms_for(db: Database, org_ids: tuple[int, ...]) -> list[dict]:
    """The follow-up forms of these organisations, unanswered first, then by trip and time."""
    if not org_ids:
        return []
    marks = ", ".join("?" for _ in org_ids)
    rows = db.query(
        f"{_SELECT} WHERE f.org_id IN ({marks}) "
        "ORDER BY f.answered_at IS NOT NULL, t.start_date DESC, f.stage, p.start, f.id",
        list(org_ids),
    )
    return list(rows)


def get_form(db: Database, followup_id: int) -> dict | None:
    """One follow-up form with its meeting, or None."""
    return next(db.query(f"{_SELECT} WHERE f.id = ?", [followup_id]), None)


def form_for(db: Database, user, followup_id: int, *, to_answer: bool = False) -> dict:
    """One form for ``user``: members of the organisation it asks read and answer it, coordinators and
    administrators read it (not ``to_answer``); NotFound, Forbidden (``not_a_member``) otherwise."""
    row = get_form(db, followup_id)
    if row is None:
        raise NotFound(f"there is no follow-up form {followup_id}")
    if row["org_id"] not in user.org_ids and (to_answer or user.role not in STAFF_ROLES):
        raise Forbidden(code="not_a_member")
    return row


def answer_form(db: Database, user, followup_id: int, fields: dict) -> dict:
    """A member's answer to a form of their organisation (the web page and the API call this); the
    form as it is now. NotFound, Forbidden or InvalidInput (the field at fault): nothing written."""
    form_for(db, user, followup_id, to_answer=True)
    answer(db, followup_id, user.id, fields)
    return get_form(db, followup_id)


def check_answer(fields: dict) -> None:
    """InvalidInput, with its field, unless ``fields`` is a whole answer: relevance (1 to 5) and outcome
    when the meeting took place, neither when it did not, a next step of at most NEXT_STEP_LENGTH."""
    took_place = bool(fields["took_place"])
    relevance, outcome = fields.get("relevance"), fields.get("outcome")
    if took_place and relevance not in RELEVANCE:
        raise InvalidInput(code="followup_relevance_needed", field="relevance")
    if took_place and outcome not in OUTCOMES:
        raise InvalidInput(code="followup_outcome_needed", field="outcome")
    if not took_place and (relevance is not None or outcome is not None):
        field = "relevance" if relevance is not None else "outcome"
        raise InvalidInput(code="followup_not_held", field=field)
    if len((fields.get("next_step") or "").strip()) > NEXT_STEP_LENGTH:
        raise InvalidInput(code="followup_next_step_too_long", field="next_step", n=NEXT_STEP_LENGTH)


def answer(db: Database, followup_id: int, user_id: int, fields: dict) -> None:
    """Record (or change) an organisation's answer; relevance and outcome only if the meeting took place
    (InvalidInput otherwise, see :func:`check_answer`)."""
    check_answer(fields)
    took_place = bool(fields["took_place"])
    with immediate(db):
        db.table("followups").update(
            followup_id,
            {
                "took_place": int(took_place),
                "relevance": fields["relevance"] if took_place else None,
                "outcome": fields["outcome"] if took_place else None,
                "next_step": (fields.get("next_step") or "").strip(),
                "answered_at": now(),
                "user_id": user_id,
            },
        )
        row = db.execute(
            "SELECT f.org_id, p.trip_id FROM followups f JOIN published_meetings p ON p.id = f.published_id "
            "WHERE f.id = ?",
            [followup_id],
        ).fetchone()
        if row:
            record_event_by(
                db, user_id, "followup.answered", f"trip:{row[1]}", followup_id=followup_id, org_id=row[0]
            )


def answers(db: Database, trip_id: int | None = None) -> list[dict]:
    """Every answered form (of one trip, or all), latest trip first, then by meeting and stage."""
    where, params = ("WHERE f.answered_at IS NOT NULL", [])
    if trip_id is not None:
        where, params = where + " AND p.trip_id = ?", [trip_id]
    return list(
        db.query(f"{_SELECT} {where} ORDER BY t.start_date DESC, p.start, f.published_id, f.stage", params)
    )


def pending(db: Database, trip_id: int | None = None) -> int:
    """How many forms (of one trip, or of all) are still unanswered."""
    return db.execute(
        "SELECT COUNT(*) FROM followups f JOIN published_meetings p ON p.id = f.published_id "
        "WHERE f.answered_at IS NULL AND (:trip IS NULL OR p.trip_id = :trip)",
        {"trip": trip_id},
    ).fetchone()[0]


def to_mail(db: Database) -> list[dict]:
    """The forms nobody has been mailed about yet, for the mail worker."""
    return list(db.query(f"{_SELECT} WHERE f.mailed_at IS NULL AND f.answered_at IS NULL ORDER BY f.id"))


def mark_mailed(db: Database, followup_ids: list[int]) -> None:
    """Record that these forms were mailed."""
    with immediate(db):
        for followup_id in followup_ids:
            db.execute("UPDATE followups SET mailed_at = ? WHERE id = ?", [now(), followup_id])

"""What members and coordinators did, read from the database as judgements the engine can learn from.

Sources today: members' stances (``interests``), coordinators' decisions (``pairings`` whose
status is approved or rejected) and answered requests (``requests`` accepted or declined by the
partner), each a judgement for both sides' lists; and the follow-up forms after a delegation
trip (``followups``): what came of a meeting that took place, for the list of the organisation
that answered.
Held-out organisations (``data/eval/heldout/``) are skipped, should anyone import them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlite_utils import Database

from models.feedback import GRADES, MEETING_GRADES, RELEVANCE_GRADES, Judgement
from models.heldout import held_out_names


def _stances(db: Database) -> Iterator[Judgement]:
    rows = db.execute(
        "SELECT o.short_name, p.short_name, i.track, i.kind FROM interests i "
        "JOIN organisations o ON o.id = i.org_id JOIN organisations p ON p.id = i.partner_org_id"
    )
    for org, partner, track, kind in rows:
        yield Judgement(org, partner, track, GRADES[kind], kind)


def _both_ways(table: str, one: str, other: str, statuses: tuple[str, str]):
    """A source of judgements from the rows of ``table`` between the organisations of its columns
    ``one`` and ``other`` whose status is in ``statuses``: a decision or an answer judges the pair
    from each side alike."""

    def source(db: Database) -> Iterator[Judgement]:
        rows = db.execute(
            f"SELECT a.short_name, b.short_name, t.track, t.status FROM {table} t "
            f"JOIN organisations a ON a.id = t.{one} JOIN organisations b ON b.id = t.{other} "
            "WHERE t.status IN (?, ?)",
            statuses,
        )
        for org, partner, track, status in rows:
            yield Judgement(org, partner, track, GRADES[status], status)
            yield Judgement(partner, org, track, GRADES[status], status)

    return source


_decisions = _both_ways("pairings", "bfc_org_id", "qc_org_id", ("approved", "rejected"))
_answers = _both_ways("requests", "from_org_id", "to_org_id", ("accepted", "declined"))


def _outcomes(db: Database) -> Iterator[Judgement]:
    rows = db.execute(
        "SELECT o.short_name, p.short_name, m.track, f.outcome, f.relevance FROM followups f "
        "JOIN published_meetings m ON m.id = f.published_id "
        "JOIN organisations o ON o.id = f.org_id "
        "JOIN organisations p ON p.id = CASE f.side WHEN 'delegation' THEN m.host_org_id "
        "ELSE m.delegation_org_id END "
        "WHERE f.answered_at IS NOT NULL AND f.took_place = 1 ORDER BY f.stage"
    )
    for org, partner, track, outcome, relevance in rows:  # stage 2 comes last: it has the last word
        if outcome in MEETING_GRADES:
            yield Judgement(org, partner, track, MEETING_GRADES[outcome], f"meeting_{outcome}")
        elif relevance is not None:
            yield Judgement(org, partner, track, RELEVANCE_GRADES[relevance], "meeting_relevance")


SOURCES: tuple[Callable[[Database], Iterator[Judgement]], ...] = (_stances, _decisions, _answers, _outcomes)


def judgements(db: Database) -> list[Judgement]:
    """Every judgement the database holds, held-out organisations left out."""
    held_out = held_out_names()
    return [
        judgement
        for source in SOURCES
        for judgement in source(db)
        if judgement.org not in held_out and judgement.partner not in held_out
    ]

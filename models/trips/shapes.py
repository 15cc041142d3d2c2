"""Delegation trips: the shapes the planner takes and returns, and that the exports read.

A trip sends a delegation (organisations of one region, each with its delegates) to the other region,
where host organisations receive them. Days are cut into slots; each slot belongs to one day and
a meeting takes place in its host's city. Times are local to the trip's time zone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from models.cities import TravelTimes
from models.language import que_name

TIME_ZONES = {"QC": "America/Montreal", "BFC": "Europe/Paris"}


@dataclass(frozen=True)
class Slot:
    """A meeting slot: local start and end times of one day of the trip."""

    id: int
    start: datetime  # naive local time in the trip's time zone
    end: datetime

    @property
    def day(self) -> date:
        """The day the slot belongs to."""
        return self.start.date()


@dataclass(frozen=True)
class Delegate:
    """A person travelling with the delegation, for one organisation."""

    id: int
    name: str
    org_id: int
    email: str = ""


@dataclass(frozen=True)
class Host:
    """An organisation receiving the delegation, in its city, with how many meetings it holds at once."""

    org_id: int
    city: str
    capacity: int = 1  # meetings per slot
    available_slots: frozenset[int] | None = None  # ids of the slots it can receive in; None: every slot


@dataclass(frozen=True)
class Candidate:
    """A possible meeting between a delegation organisation and a host, with its best track."""

    delegation_org_id: int
    host_org_id: int
    track: str
    score: float  # 0..1, from the engine (or the approved pairing)
    approved: bool = False  # an approved pairing: placed before merely suggested ones
    reason: str = ""  # why these two should meet: a Reason as JSON, put into words when shown


@dataclass(frozen=True)
class TripProblem:
    """Everything the planner needs: who, where, when, and what must or must not happen."""

    slots: tuple[Slot, ...]
    delegates: tuple[Delegate, ...]
    hosts: tuple[Host, ...]
    candidates: tuple[Candidate, ...]
    must_meet: frozenset[tuple[int, int]] = frozenset()  # (delegation org id, host org id)
    must_not_meet: frozenset[tuple[int, int]] = frozenset()
    travel: TravelTimes = field(default_factory=TravelTimes)  # minutes between two cities
    merge_delegates: bool = False  # the planner may add free colleagues to a meeting (group meetings)
    # Re-planning a published trip: meetings the host accepted stay as they are (delegates, host, slot),
    # and a pair the host declined in a slot is not placed in that slot again.
    fixed: tuple[Meeting, ...] = ()
    declined: frozenset[tuple[int, int, int]] = frozenset()  # (delegation org id, host org id, slot id)


@dataclass(frozen=True)
class Meeting:
    """One scheduled meeting: a delegate of a delegation organisation with a host, in a slot.

    A group meeting has ``guests``: other delegates (of this organisation or another one of the
    delegation) who attend it too. It is still one meeting for the host's capacity.
    """

    delegate_id: int
    delegation_org_id: int
    host_org_id: int
    slot_id: int
    track: str
    score: float
    reason: str = ""  # as in Candidate
    guests: tuple[int, ...] = ()

    @property
    def attendees(self) -> tuple[int, ...]:
        """Every delegate at the meeting: the lead delegate first, then the guests."""
        return (self.delegate_id, *self.guests)


@dataclass(frozen=True)
class Reason:
    """Why two organisations should meet, as data: stored with a meeting, worded when shown.

    ``direction`` is the engine's, seen from the delegation organisation ("partner_offers": the host
    offers what the delegation seeks); ``topics`` are ids of the topic vocabulary.
    """

    approved: bool = False
    topics: tuple[str, ...] = ()
    direction: str = "none"
    score: float | None = None

    def to_json(self) -> str:
        """The stored form: compact, keys sorted, so that an unchanged reason compares equal."""
        data = {"approved": self.approved, "topics": list(self.topics), "direction": self.direction}
        data["score"] = None if self.score is None else round(self.score, 4)
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, stored: str) -> Reason | None:
        """The reason stored by :meth:`to_json`; None for anything else (text of older versions)."""
        try:
            data = json.loads(stored)
        except (TypeError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        return cls(
            bool(data.get("approved")),
            tuple(data.get("topics") or ()),
            str(data.get("direction") or "none"),
            data.get("score"),
        )


def reason_words(
    stored: str,
    _: Callable[..., str],
    topic_label: Callable[[str], str],
    delegation: str,
    host: str,
    locale: str,
) -> str:
    """A stored reason as one line in the reader's language (``locale``, for French elision).

    ``_`` translates (``flask_babel.gettext`` or :meth:`models.exports.words.Words.gettext`),
    ``topic_label`` names a topic id in that language; ``delegation`` and ``host`` are the short
    names of the two organisations. Text stored by older versions is returned as it is.
    """
    reason = Reason.from_json(stored)
    if reason is None:
        return stored or ""
    parts = [_("approved pairing")] if reason.approved else []
    if reason.topics:
        parts.append(_("shared topics: %(topics)s", topics=", ".join(map(topic_label, reason.topics))))
    if reason.direction == "partner_offers":
        parts.append(
            _(
                "%(offering)s offers what %(seeking)s seeks",
                offering=host,
                seeking=que_name(delegation, locale),
            )
        )
    elif reason.direction == "we_offer":
        parts.append(
            _(
                "%(offering)s offers what %(seeking)s seeks",
                offering=delegation,
                seeking=que_name(host, locale),
            )
        )
    elif reason.direction == "both":
        parts.append(_("each offers what the other seeks"))
    if not parts and reason.score is not None:
        parts.append(_("engine score %(score)d/100", score=round(reason.score * 100)))
    return " · ".join(parts)


@dataclass(frozen=True)
class Plan:
    """The planner's answer: the meetings, the objective reached, and how it was found."""

    meetings: tuple[Meeting, ...]
    objective: float
    method: str  # "milp" or "greedy"
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. a must-meet that could not be placed

"""Delegation trips: the shapes the planner takes and returns, and that the exports read.

A trip sends a delegation (organisations of one region, each with its delegates) to the other region,
where host organisations receive them. Days are cut into slots; each slot belongs to one day and
a meeting takes place in its host's city. Times are local to the trip's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from models.cities import TravelTimes

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
    reason: str = ""  # one line a person reads: why these two should meet


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
    reason: str = ""
    guests: tuple[int, ...] = ()

    @property
    def attendees(self) -> tuple[int, ...]:
        """Every delegate at the meeting: the lead delegate first, then the guests."""
        return (self.delegate_id, *self.guests)


@dataclass(frozen=True)
class Plan:
    """The planner's answer: the meetings, the objective reached, and how it was found."""

    meetings: tuple[Meeting, ...]
    objective: float
    method: str  # "milp" or "greedy"
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. a must-meet that could not be placed

"""The rules a trip plan obeys: input validation, shared lookups, and every violated rule of a plan.

The planner (``models/trips/planner.py``) builds its MILP and its greedy baseline from :class:`TripLookup`,
and :func:`find_violations` judges any list of meetings (the solver's, the baseline's, or a
coordinator's hand edit) by the same rules:

- ``unknown``: a meeting names a delegate, host or slot the trip does not have;
- ``organisation``: the meeting's delegation organisation is not its delegate's;
- ``guest``: a group meeting lists one delegate twice (as guest and lead, or twice as guest);
- ``no_candidate``: the (organisation, host) pair is not a candidate;
- ``no_track``: the meeting carries no track;
- ``must_not_meet``: a must-not-meet pair meets;
- ``unavailable``: the host does not receive in that slot;
- ``delegate_busy``: a delegate has two meetings in one slot (as lead or guest);
- ``host_full``: a host holds more meetings in a slot than its capacity (a group meeting is one);
- ``pair_repeated``: a delegation organisation meets the same host twice in the trip;
- ``city_change``: a delegate's two meetings in a row, on one day, are in two cities with less time
  between them than the travel time (:class:`models.cities.TravelTimes`; cities with no known travel
  time cannot be joined within a day). Spellings of one city ("Québec", "Québec City") are one city;
- ``must_meet``: a must-meet pair does not meet;
- ``fixed_moved``: a meeting the host accepted (``TripProblem.fixed``) is not in the plan as it was
  (same lead delegate, guests, host and slot);
- ``declined_slot``: a pair meets in a slot its host declined (``TripProblem.declined``).

``host_outside`` is not a rule of the plan but a warning on the set-up: :func:`hosts_outside` names
hosts that receive in a city that is not one of the trip's cities.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from models.cities import canonical_city
from models.trips.shapes import Candidate, Delegate, Host, Meeting, Slot, TripProblem

RULES = (
    "unknown",
    "organisation",
    "guest",
    "no_candidate",
    "no_track",
    "must_not_meet",
    "unavailable",
    "delegate_busy",
    "host_full",
    "pair_repeated",
    "city_change",
    "must_meet",
    "fixed_moved",
    "declined_slot",
)


@dataclass(frozen=True)
class Violation:
    """One broken rule: its code (one of :data:`RULES`), who and when it concerns, and a message."""

    rule: str
    message: str
    delegate_id: int | None = None
    org_id: int | None = None
    host_org_id: int | None = None
    slot_id: int | None = None
    day: date | None = None
    cities: tuple[str, ...] = ()  # city_change: from, to
    minutes: int | None = None  # city_change: the travel time needed (None: unknown)
    gap: int | None = None  # city_change: the minutes between the two meetings

    def __str__(self) -> str:
        return self.message


class TripLookup:
    """Indexes over a validated problem: slots in time order, delegates per organisation, candidates."""

    def __init__(self, problem: TripProblem) -> None:
        self.problem = problem
        self.slots: dict[int, Slot] = {slot.id: slot for slot in problem.slots}
        self.slot_order: list[int] = [
            slot.id for slot in sorted(problem.slots, key=lambda s: (s.start, s.id))
        ]
        self.hosts: dict[int, Host] = {host.org_id: host for host in problem.hosts}
        self.city: dict[int, str] = {host.org_id: canonical_city(host.city) for host in problem.hosts}
        self.delegates: dict[int, Delegate] = {delegate.id: delegate for delegate in problem.delegates}
        self.delegates_of: dict[int, list[Delegate]] = defaultdict(list)
        for delegate in sorted(problem.delegates, key=lambda d: d.id):
            self.delegates_of[delegate.org_id].append(delegate)
        self.candidates: dict[tuple[int, int], Candidate] = {
            (c.delegation_org_id, c.host_org_id): c for c in problem.candidates
        }
        for m in problem.fixed:  # an accepted meeting stays a candidate even if the engine moved on
            pair = (m.delegation_org_id, m.host_org_id)
            self.candidates.setdefault(pair, Candidate(*pair, m.track, m.score, reason=m.reason))
        self.fixed: dict[tuple[int, int], Meeting] = {
            (m.delegation_org_id, m.host_org_id): m for m in problem.fixed
        }

    def available(self, host_org_id: int, slot_id: int) -> bool:
        """Whether the host receives in the slot."""
        host = self.hosts[host_org_id]
        return host.available_slots is None or slot_id in host.available_slots

    def host_slots(self, host_org_id: int) -> list[int]:
        """The slots, in time order, in which the host receives."""
        return [slot_id for slot_id in self.slot_order if self.available(host_org_id, slot_id)]

    def plannable(self) -> list[Candidate]:
        """Candidates the planner may place: not must-not-meet, and the host receives at least once."""
        return [
            candidate
            for pair, candidate in sorted(self.candidates.items())
            if pair not in self.problem.must_not_meet and self.host_slots(candidate.host_org_id)
        ]

    def travel(self, a: str, b: str) -> int | None:
        """Minutes from city ``a`` to city ``b`` (0 within one city, None when unknown)."""
        return self.problem.travel.minutes(a, b)

    def gap(self, first: int, second: int) -> int:
        """Minutes free between the end of slot ``first`` and the start of slot ``second``."""
        return int((self.slots[second].start - self.slots[first].end).total_seconds() // 60)

    def reachable(self, first: int, city_a: str, second: int, city_b: str) -> bool:
        """Whether a meeting in ``city_b`` in slot ``second`` can follow one in ``city_a`` in ``first``."""
        minutes = self.travel(city_a, city_b)
        return minutes is not None and self.gap(first, second) >= minutes

    def fair_orgs(self) -> list[int]:
        """Delegation organisations with at least one plannable candidate: the fair-share term covers them."""
        return sorted({candidate.delegation_org_id for candidate in self.plannable()})


def validate_problem(problem: TripProblem) -> None:
    """Raise ValueError naming everything to change when the problem is not plannable."""
    problems = [*_slot_problems(problem.slots), *_people_problems(problem)]
    if not problems:
        problems = [*_candidate_problems(problem), *_pair_problems(problem)]
    if problems:
        raise ValueError("; ".join(problems))


def _slot_problems(slots: Iterable[Slot]) -> list[str]:
    slots = sorted(slots, key=lambda s: (s.start, s.id))
    if not slots:
        return ["the trip has no meeting slot: add at least one slot"]
    problems = [f"slot id {i} is used twice: give each slot its own id" for i, n in _repeats(slots, "id")]
    problems += [
        f"slot {s.id} ends before it starts: its end must be after {s.start}"
        for s in slots
        if s.end <= s.start
    ]
    for before, after in zip(slots, slots[1:], strict=False):
        if after.start < before.end:
            problems.append(f"slots {before.id} and {after.id} overlap: shorten or move one of them")
    return problems


def _people_problems(problem: TripProblem) -> list[str]:
    problems = []
    if not problem.delegates:
        problems.append("the delegation has no delegate: add at least one")
    if not problem.hosts:
        problems.append("the trip has no host: add at least one host organisation")
    problems += [f"delegate id {i} is used twice" for i, _ in _repeats(problem.delegates, "id")]
    problems += [f"host organisation {i} is listed twice" for i, _ in _repeats(problem.hosts, "org_id")]
    slot_ids = {slot.id for slot in problem.slots}
    for host in problem.hosts:
        if host.capacity < 1:
            problems.append(f"host {host.org_id} has capacity {host.capacity}: it must be at least 1")
        if not host.city.strip():
            problems.append(f"host {host.org_id} has no city: give it the city where it receives")
        if host.available_slots is not None and not host.available_slots <= slot_ids:
            unknown = sorted(host.available_slots - slot_ids)
            problems.append(
                f"host {host.org_id} is available in unknown slot(s) {unknown}: use the trip's slot ids"
            )
    return problems


def _candidate_problems(problem: TripProblem) -> list[str]:
    hosts = {host.org_id for host in problem.hosts}
    orgs = {delegate.org_id for delegate in problem.delegates}
    problems, seen = [], set()
    for c in problem.candidates:
        pair = (c.delegation_org_id, c.host_org_id)
        if pair in seen:
            problems.append(f"candidate {pair} is given twice: keep one per (organisation, host) pair")
        seen.add(pair)
        if c.host_org_id not in hosts:
            problems.append(f"candidate {pair} names host {c.host_org_id}, which is not a host of the trip")
        if c.delegation_org_id not in orgs:
            problems.append(
                f"candidate {pair} names organisation {c.delegation_org_id}, which has no delegate"
            )
        if not 0.0 <= c.score <= 1.0:
            problems.append(f"candidate {pair} has score {c.score}: scores must be between 0 and 1")
    return problems


def _pair_problems(problem: TripProblem) -> list[str]:
    hosts = {host.org_id for host in problem.hosts}
    orgs = {delegate.org_id for delegate in problem.delegates}
    problems = []
    for kind, pairs in (("must-meet", problem.must_meet), ("must-not-meet", problem.must_not_meet)):
        for org_id, host_id in sorted(pairs):
            if org_id not in orgs:
                problems.append(f"{kind} pair ({org_id}, {host_id}): organisation {org_id} has no delegate")
            if host_id not in hosts:
                problems.append(f"{kind} pair ({org_id}, {host_id}): {host_id} is not a host of the trip")
    for pair in sorted(problem.must_meet & problem.must_not_meet):
        problems.append(f"pair {pair} is both must-meet and must-not-meet: keep one of the two")
    return problems


def _repeats(items: Iterable, attribute: str) -> list[tuple[int, int]]:
    counts = Counter(getattr(item, attribute) for item in items)
    return sorted((key, n) for key, n in counts.items() if n > 1)


def find_violations(problem: TripProblem, meetings: Iterable[Meeting]) -> list[Violation]:
    """Every rule the meetings break, in the order of :data:`RULES` (empty when the plan is valid)."""
    validate_problem(problem)
    lookup = TripLookup(problem)
    known, found = [], []
    for meeting in meetings:
        problems = _meeting_violations(lookup, meeting)
        found += problems
        if not any(v.rule == "unknown" for v in problems):
            known.append(meeting)
    found += _shared_violations(lookup, known)
    return sorted(found, key=lambda v: RULES.index(v.rule))


def check_plan(problem: TripProblem, meetings: Iterable[Meeting]) -> list[str]:
    """The message of every violated constraint (empty when the plan is valid)."""
    return [violation.message for violation in find_violations(problem, meetings)]


def _meeting_violations(lookup: TripLookup, m: Meeting) -> list[Violation]:
    """The rules one meeting breaks on its own."""
    who = {
        "delegate_id": m.delegate_id,
        "org_id": m.delegation_org_id,
        "host_org_id": m.host_org_id,
        "slot_id": m.slot_id,
    }
    if (
        any(d not in lookup.delegates for d in m.attendees)
        or m.host_org_id not in lookup.hosts
        or m.slot_id not in lookup.slots
    ):
        return [
            Violation("unknown", f"meeting {m} names a delegate, host or slot the trip does not have", **who)
        ]
    found = []
    pair = (m.delegation_org_id, m.host_org_id)
    if lookup.delegates[m.delegate_id].org_id != m.delegation_org_id:
        found.append(
            Violation("organisation", f"delegate {m.delegate_id} is not from organisation {pair[0]}", **who)
        )
    if len(set(m.attendees)) < len(m.attendees):
        found.append(Violation("guest", f"meeting of {pair} lists a delegate twice", **who))
    if pair not in lookup.candidates:
        found.append(
            Violation(
                "no_candidate", f"organisation {pair[0]} and host {pair[1]} are not a candidate pair", **who
            )
        )
    if not m.track:
        found.append(Violation("no_track", f"the meeting of {pair} in slot {m.slot_id} has no track", **who))
    if pair in lookup.problem.must_not_meet:
        found.append(
            Violation("must_not_meet", f"organisation {pair[0]} must not meet host {pair[1]}", **who)
        )
    if not lookup.available(m.host_org_id, m.slot_id):
        found.append(Violation("unavailable", f"host {pair[1]} does not receive in slot {m.slot_id}", **who))
    return found


def _shared_violations(lookup: TripLookup, meetings: list[Meeting]) -> list[Violation]:
    """The rules that several meetings break together, and must-meets left out."""
    found = []
    busy = Counter((d, m.slot_id) for m in meetings for d in set(m.attendees))
    for (delegate_id, slot_id), n in busy.items():
        if n > 1:
            text = f"delegate {delegate_id} has {n} meetings in slot {slot_id}"
            found.append(Violation("delegate_busy", text, delegate_id=delegate_id, slot_id=slot_id))
    for (host_id, slot_id), n in Counter((m.host_org_id, m.slot_id) for m in meetings).items():
        capacity = lookup.hosts[host_id].capacity
        if n > capacity:
            text = f"host {host_id} has {n} meetings in slot {slot_id}, more than its capacity {capacity}"
            found.append(Violation("host_full", text, host_org_id=host_id, slot_id=slot_id))
    pairs = Counter((org, m.host_org_id) for m in meetings for org in _orgs(lookup, m))
    for (org_id, host_id), n in pairs.items():
        if n > 1:
            text = f"organisation {org_id} meets host {host_id} {n} times"
            found.append(Violation("pair_repeated", text, org_id=org_id, host_org_id=host_id))
    found += _city_violations(lookup, meetings)
    for org_id, host_id in sorted(lookup.problem.must_meet - set(pairs)):
        text = f"must-meet pair not placed: organisation {org_id} with host {host_id}"
        found.append(Violation("must_meet", text, org_id=org_id, host_org_id=host_id))
    kept = {(m.delegate_id, frozenset(m.guests), m.host_org_id, m.slot_id) for m in meetings}
    for m in lookup.problem.fixed:
        if (m.delegate_id, frozenset(m.guests), m.host_org_id, m.slot_id) not in kept:
            text = f"the meeting the host accepted, of {m.delegation_org_id} with {m.host_org_id}, moved"
            found.append(Violation("fixed_moved", text, org_id=m.delegation_org_id,
                                   host_org_id=m.host_org_id, slot_id=m.slot_id))  # fmt: skip
    for m in meetings:
        if (m.delegation_org_id, m.host_org_id, m.slot_id) in lookup.problem.declined:
            text = f"host {m.host_org_id} declined organisation {m.delegation_org_id} in slot {m.slot_id}"
            found.append(Violation("declined_slot", text, org_id=m.delegation_org_id,
                                   host_org_id=m.host_org_id, slot_id=m.slot_id))  # fmt: skip
    return found


def _orgs(lookup: TripLookup, meeting: Meeting) -> set[int]:
    """The delegation organisations at a meeting: the lead's and the guests'."""
    return {meeting.delegation_org_id} | {lookup.delegates[d].org_id for d in meeting.guests}


def _city_violations(lookup: TripLookup, meetings: list[Meeting]) -> list[Violation]:
    """Consecutive meetings of a delegate on one day in two cities, without the travel time between."""
    days: dict[tuple[int, date], list[tuple[int, str]]] = defaultdict(list)
    for m in meetings:
        for delegate_id in set(m.attendees):
            days[(delegate_id, lookup.slots[m.slot_id].day)].append((m.slot_id, lookup.city[m.host_org_id]))
    order = {slot_id: i for i, slot_id in enumerate(lookup.slot_order)}
    found = []
    for (delegate_id, day), visits in sorted(days.items()):
        visits.sort(key=lambda visit: order[visit[0]])
        for (first, city_a), (second, city_b) in zip(visits, visits[1:], strict=False):
            if city_a == city_b or lookup.reachable(first, city_a, second, city_b):
                continue
            minutes = lookup.travel(city_a, city_b)
            need = f"{minutes} min of travel" if minutes is not None else "no known travel time"
            found.append(
                Violation(
                    "city_change",
                    f"delegate {delegate_id} meets in {city_a} then {city_b} on {day}: {need}, "
                    f"{lookup.gap(first, second)} min between the meetings",
                    delegate_id=delegate_id,
                    slot_id=second,
                    day=day,
                    cities=(city_a, city_b),
                    minutes=minutes,
                    gap=lookup.gap(first, second),
                )
            )
    return found


def hosts_outside(problem_cities: Iterable[str], hosts: Iterable[Host]) -> list[Host]:
    """The hosts that receive in a city that is not one of the trip's cities (a warning, not a rule)."""
    wanted = {canonical_city(city) for city in problem_cities}
    return [host for host in hosts if wanted and canonical_city(host.city) not in wanted]

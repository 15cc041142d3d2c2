"""Trip planning: who meets whom and when, as a mixed-integer programme solved by HiGHS (highspy).

The programme is the one of issue #5 (binary ``x[d, h, s]``: delegate ``d`` meets host ``h`` in slot
``s``), solved in two exact stages because slots of one day in which the same hosts receive are
interchangeable:

1. **Which meetings, on which day.** Slots are grouped by (day, hosts receiving). Binary
   ``x[d, h, g]``: delegate ``d`` meets host ``h`` in some slot of group ``g``; it exists only where a
   candidate joins ``d``'s organisation and ``h``, the pair is not must-not-meet and ``h`` receives
   in ``g``. Binary ``y[d, day, city]``: delegate ``d`` spends that day in that city. Continuous ``m``:
   the meetings of the least-served delegation organisation. Constraints:

   - ``Σ_{h in city} x[d, h, g] ≤ |g| · y[d, day(g), city]`` and ``Σ_city y[d, day, city] ≤ 1``: one
     city per delegate and day, and at most one meeting per slot;
   - ``Σ_d x[d, h, g] ≤ capacity(h) · |g|``: host capacity;
   - ``Σ_{d in o, g} x[d, h, g] ≤ 1``: each (delegation organisation, host) pair meets at most once in
     the trip, across the organisation's delegates;
   - ``m ≤ Σ x`` over the meetings of each delegation organisation that has a candidate.

2. **Which slot.** Per day, a small MILP gives each chosen meeting one slot of its group (one meeting
   per delegate per slot, ``capacity`` per host per slot, each delegate's itinerary of the day chosen
   again), earliest first. With one city a day, König's edge-colouring theorem says this always
   succeeds, so both stages together reach the optimum of the per-slot programme, 20 to 50 times
   faster (see ``python -m bench.bench_planner``). With changes of city the first stage counts a
   city's slots per delegate and a host's per group, not per slot, so the second can leave meetings
   out (none of the 300 of the 80-host bench trip since it chooses the itineraries again; 3 to 8
   when it kept the first stage's); every candidate still unplaced is then tried in the first slot
   where it fits, and the comparison with the greedy baseline below still holds.

**Group meetings.** With ``TripProblem.merge_delegates``, after planning, each meeting is joined by
the other delegates of its organisation who are free in that slot and can be there in time
(:func:`merge_delegates`): the host still counts one meeting.

Objective (maximised), the same as :func:`objective` computes for any plan::

    Σ value · x  +  FAIRNESS_WEIGHT · m        value = score (+ APPROVED_BONUS for an approved pairing)

Among equally good plans, the second stage puts each group's meetings in its earliest slots; nothing
spreads a delegate's meetings evenly over the days any more. The programme has no tie-breaker: a
10⁻⁵ penalty per meeting beyond an even share a day and a 10⁻⁶ bonus for earlier groups made HiGHS
spend 10-20 s in root cut rounds on the 80-host bench trip (its LP bound is the optimum; finding a
plan that reaches it was the work), against 2-4 s without them (``python -m bench.bench_trip``,
README).

**Warm start.** HiGHS starts from the greedy baseline (``Highs.setSolution``), so its incumbent is never
worse than greedy and the time limit only decides how much better the plan gets.

A meeting is worth at most ``1 + APPROVED_BONUS = 1.5``; ``FAIRNESS_WEIGHT = 2`` makes one more
meeting for the least-served organisation worth more than any single other meeting (max-min fair
share), so an organisation is left with none only when none of its candidates can be placed.

**Re-planning a published trip.** Meetings the host accepted (``TripProblem.fixed``) stay exactly as
they are: each one's slot is a group of its own in which its ``x`` is fixed to 1 (its guests' ``x``
there to 0), and the greedy baseline places them before anything else. A pair the host declined in a
slot (``TripProblem.declined``) loses its columns in that slot, which is also a group of its own; the
rest is planned again.

Must-meet pairs are met exactly once whenever that is possible: the solver sees them with a weight
larger than every other term together, places as many as can be placed, and the plan's notes name
the others instead of failing. Plans compare by (must-meets placed, objective); the greedy baseline
is returned whenever the solver's answer is not at least as good (or missing at the time limit), so
:func:`plan_trip` is never worse than :func:`plan_greedy`.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix

from models.trips.rules import TripLookup, Violation, check_plan, find_violations, validate_problem
from models.trips.shapes import Candidate, Meeting, Plan, TripProblem

__all__ = [
    "APPROVED_BONUS",
    "FAIRNESS_WEIGHT",
    "Violation",
    "check_plan",
    "find_violations",
    "merge_delegates",
    "meeting_value",
    "objective",
    "plan_greedy",
    "plan_trip",
    "validate_problem",
]

APPROVED_BONUS = 0.5
FAIRNESS_WEIGHT = 2.0
MIP_REL_GAP = 1e-7  # scores have 4 decimals: any plan within the gap is worth the same
# HiGHS keeps at most this many cuts (10,000 by default): its root LP bound is already the optimum on
# the bench trips, and fewer cuts per round let its sub-MIP heuristics reach that plan sooner
# (10k bench trip: 4.3-4.7 s -> 2.3-2.9 s at load 5.5; the 80-host synthetic cases 2.2-5.6 -> 2.2-3.9 s).
FIRST_STAGE_OPTIONS = {"mip_pool_soft_limit": 300}


def meeting_value(candidate: Candidate) -> float:
    """What placing a candidate is worth: its score, plus a bonus for an approved pairing."""
    return candidate.score + (APPROVED_BONUS if candidate.approved else 0.0)


def objective(problem: TripProblem, meetings: Iterable[Meeting]) -> float:
    """The planner's objective for any meetings: Σ value + FAIRNESS_WEIGHT × fewest per organisation."""
    lookup = TripLookup(problem)
    values, per_org = [], Counter()
    for meeting in meetings:
        candidate = lookup.candidates.get((meeting.delegation_org_id, meeting.host_org_id))
        values.append(meeting_value(candidate) if candidate else meeting.score)
        per_org[meeting.delegation_org_id] += 1
    fair = lookup.fair_orgs()
    # fsum: the same meetings' values give the same total in any order (plans compare by it).
    return math.fsum([*values, FAIRNESS_WEIGHT * (min(per_org[org] for org in fair) if fair else 0)])


def plan_greedy(problem: TripProblem) -> Plan:
    """The baseline: must-meets first, then candidates by value, each in the first slot where it fits."""
    started = time.perf_counter()
    validate_problem(problem)
    lookup = TripLookup(problem)
    schedule = _Schedule(lookup)
    order = sorted(
        lookup.plannable(),
        key=lambda c: (
            (c.delegation_org_id, c.host_org_id) not in problem.must_meet,
            -meeting_value(c),
            c.delegation_org_id,
            c.host_org_id,
        ),
    )
    for candidate in order:
        schedule.place_first(candidate)
    meetings = _sorted(lookup, schedule.meetings)
    if problem.merge_delegates:
        meetings = merge_delegates(problem, meetings)
    return Plan(
        meetings=meetings,
        objective=objective(problem, meetings),
        method="greedy",
        seconds=time.perf_counter() - started,
        notes=_must_meet_notes(lookup, meetings),
    )


def plan_trip(problem: TripProblem, *, time_limit: float = 10.0) -> Plan:
    """The best plan HiGHS finds within ``time_limit`` seconds, never worse than :func:`plan_greedy`."""
    if not time_limit > 0:
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit}")
    started = time.perf_counter()
    greedy = plan_greedy(problem)
    lookup = TripLookup(problem)
    model = _Model(lookup)
    result = model.solve(time_limit, start=greedy.meetings)
    notes = []
    if result.stopped:
        notes.append(f"the solver stopped at the time limit of {time_limit:g} s with its best plan so far")
    remaining = time_limit - (time.perf_counter() - started)
    meetings = model.meetings(result.x, remaining) if result.x is not None else None
    if meetings is not None:
        meetings = _fill(lookup, meetings)
    if meetings is None or _rank(problem, meetings) < _rank(problem, greedy.meetings):
        notes.append("the greedy baseline is kept: the solver found nothing better within the time limit")
        meetings, method = greedy.meetings, "greedy"
    else:
        method = "milp"
        if problem.merge_delegates:
            meetings = merge_delegates(problem, meetings)
    return Plan(
        meetings=meetings,
        objective=objective(problem, meetings),
        method=method,
        seconds=time.perf_counter() - started,
        notes=(*_must_meet_notes(lookup, meetings), *notes),
    )


def _rank(problem: TripProblem, meetings: tuple[Meeting, ...]) -> tuple[int, float]:
    """How plans compare: must-meets placed first, then the objective."""
    placed = {(m.delegation_org_id, m.host_org_id) for m in meetings} & problem.must_meet
    return len(placed), round(
        objective(problem, meetings), 9
    )  # sums in another order differ in the 15th digit


def _make_meeting(lookup: TripLookup, delegate_id: int, candidate: Candidate, slot_id: int) -> Meeting:
    return Meeting(
        delegate_id=delegate_id,
        delegation_org_id=candidate.delegation_org_id,
        host_org_id=candidate.host_org_id,
        slot_id=slot_id,
        track=candidate.track,
        score=candidate.score,
        reason=candidate.reason,
    )


def _sorted(lookup: TripLookup, meetings: Iterable[Meeting]) -> tuple[Meeting, ...]:
    position = {slot_id: i for i, slot_id in enumerate(lookup.slot_order)}
    return tuple(sorted(meetings, key=lambda m: (position[m.slot_id], m.delegate_id, m.host_org_id)))


def _must_meet_notes(lookup: TripLookup, meetings: Iterable[Meeting]) -> tuple[str, ...]:
    """One note per must-meet pair the plan leaves out, saying why when the reason is simple."""
    met = {(m.delegation_org_id, m.host_org_id) for m in meetings}
    notes = []
    for org_id, host_id in sorted(lookup.problem.must_meet - met):
        if (org_id, host_id) not in lookup.candidates:
            why = "they are not a candidate pair (no track or score)"
        elif not lookup.host_slots(host_id):
            why = "the host receives in no slot"
        else:
            why = "it conflicts with host capacity, cities of the day or other must-meets"
        notes.append(f"must-meet not placed: organisation {org_id} with host {host_id}: {why}")
    return tuple(notes)


class _Schedule:
    """The greedy baseline's bookkeeping: who is busy when, host loads, pairs used, each day's visits."""

    def __init__(self, lookup: TripLookup) -> None:
        self.lookup = lookup
        self.meetings: list[Meeting] = []
        self.busy: set[tuple[int, int]] = set()
        self.load: Counter = Counter()
        self.pairs: set[tuple[int, int]] = set()
        self.visits: dict[tuple[int, date], list[tuple[int, str]]] = defaultdict(list)  # (slot, city)
        for meeting in lookup.problem.fixed:  # accepted by the host: placed first, as they are
            if meeting.host_org_id in lookup.hosts and meeting.slot_id in lookup.slots:
                self.place(meeting)

    def fits(self, delegate_id: int, host_org_id: int, slot_id: int) -> bool:
        """Whether the meeting keeps every rule given what is already placed."""
        host = self.lookup.hosts[host_org_id]
        return (
            (delegate_id, slot_id) not in self.busy
            and self.load[(host_org_id, slot_id)] < host.capacity
            and self.can_travel(delegate_id, slot_id, self.lookup.city[host_org_id])
        )

    def can_travel(self, delegate_id: int, slot_id: int, city: str) -> bool:
        """Whether the delegate can reach ``city`` for the slot and the next meeting of the day after it."""
        day = self.lookup.slots[slot_id].day
        return _fits_day(self.lookup, self.visits[(delegate_id, day)], slot_id, city)

    def place_first(self, candidate: Candidate) -> bool:
        """Place the candidate in the earliest slot (then first delegate) where it fits."""
        pair = (candidate.delegation_org_id, candidate.host_org_id)
        if pair in self.pairs:
            return False
        for slot_id in self.lookup.host_slots(candidate.host_org_id):
            if (*pair, slot_id) in self.lookup.problem.declined:
                continue
            for delegate in self.lookup.delegates_of[candidate.delegation_org_id]:
                if self.fits(delegate.id, candidate.host_org_id, slot_id):
                    self._add(delegate.id, candidate, slot_id)
                    return True
        return False

    def _add(self, delegate_id: int, candidate: Candidate, slot_id: int) -> None:
        self.place(_make_meeting(self.lookup, delegate_id, candidate, slot_id))

    def place(self, meeting: Meeting) -> None:
        """Book a meeting: its attendees busy, the host's load, the pair used, each attendee's day."""
        self.meetings.append(meeting)
        day, city = self.lookup.slots[meeting.slot_id].day, self.lookup.city[meeting.host_org_id]
        for delegate_id in meeting.attendees:
            self.busy.add((delegate_id, meeting.slot_id))
            self.visits[(delegate_id, day)].append((meeting.slot_id, city))
        self.load[(meeting.host_org_id, meeting.slot_id)] += 1
        self.pairs.add((meeting.delegation_org_id, meeting.host_org_id))


def _fill(lookup: TripLookup, meetings: tuple[Meeting, ...]) -> tuple[Meeting, ...]:
    """The solver's meetings, then each candidate still unplaced in the first slot where it fits.

    The second stage can leave a meeting out on a day with a change of city; this puts it (or another
    candidate) back where the rules allow, so the solver's plan keeps every meeting it can.
    """
    schedule = _Schedule(lookup)
    for meeting in meetings:
        pair = (meeting.delegation_org_id, meeting.host_org_id)
        if pair not in schedule.pairs:  # the fixed meetings are booked already, with their guests
            schedule._add(meeting.delegate_id, lookup.candidates[pair], meeting.slot_id)
    order = sorted(lookup.plannable(), key=lambda c: (-meeting_value(c), c.delegation_org_id, c.host_org_id))
    for candidate in order:
        schedule.place_first(candidate)
    return _sorted(lookup, schedule.meetings)


def _fits_day(lookup: TripLookup, visits: list[tuple[int, str]], slot_id: int, city: str) -> bool:
    """Whether a visit to ``city`` in ``slot_id`` leaves the travel time free around a day's other visits."""
    start = lookup.slots[slot_id].start
    before = [v for v in visits if lookup.slots[v[0]].start < start]
    after = [v for v in visits if lookup.slots[v[0]].start > start]
    if before:
        last = max(before, key=lambda v: lookup.slots[v[0]].start)
        if not lookup.reachable(last[0], last[1], slot_id, city):
            return False
    if after:
        nxt = min(after, key=lambda v: lookup.slots[v[0]].start)
        if not lookup.reachable(slot_id, city, nxt[0], nxt[1]):
            return False
    return True


def merge_delegates(problem: TripProblem, meetings: Iterable[Meeting]) -> tuple[Meeting, ...]:
    """Each meeting joined by its organisation's other delegates who are free then and can get there.

    The host's capacity is unchanged (a group meeting is one meeting); a delegate joins only a slot
    where they have nothing else and from which the day's other meetings stay within reach.
    """
    lookup = TripLookup(problem)
    meetings = list(meetings)
    busy = {(d, m.slot_id) for m in meetings for d in m.attendees}
    visits: dict[tuple[int, date], list[tuple[int, str]]] = defaultdict(list)
    for m in meetings:
        for d in m.attendees:
            visits[(d, lookup.slots[m.slot_id].day)].append((m.slot_id, lookup.city[m.host_org_id]))
    merged = []
    for m in _sorted(lookup, meetings):
        if lookup.fixed.get((m.delegation_org_id, m.host_org_id)) == m:  # accepted as it is
            merged.append(m)
            continue
        guests = list(m.guests)
        city, day = lookup.city[m.host_org_id], lookup.slots[m.slot_id].day
        for delegate in lookup.delegates_of[m.delegation_org_id]:
            if delegate.id in m.attendees or (delegate.id, m.slot_id) in busy:
                continue
            if _fits_day(lookup, visits[(delegate.id, day)], m.slot_id, city):
                guests.append(delegate.id)
                busy.add((delegate.id, m.slot_id))
                visits[(delegate.id, day)].append((m.slot_id, city))
        merged.append(replace(m, guests=tuple(guests)))
    return _sorted(lookup, merged)


@dataclass(frozen=True)
class _Solved:
    """What HiGHS returned: the column values (None when it has no solution) and whether it stopped
    at the time limit."""

    x: np.ndarray | None
    stopped: bool


class _Model:
    """The MILP over groups of interchangeable slots: columns x (delegate, candidate, group), w, m."""

    def __init__(self, lookup: TripLookup) -> None:
        self.lookup = lookup
        self.groups = _slot_groups(lookup)
        declined = lookup.problem.declined
        self.x: list[tuple[int, Candidate, int]] = [
            (delegate.id, candidate, g)
            for candidate in lookup.plannable()
            for delegate in lookup.delegates_of[candidate.delegation_org_id]
            for g, (_day, hosts, slots) in enumerate(self.groups)
            if candidate.host_org_id in hosts
            and (candidate.delegation_org_id, candidate.host_org_id, slots[0]) not in declined
        ]
        cities: dict[tuple[int, date], set[str]] = defaultdict(set)
        for d, c, g in self.x:
            cities[(d, self.groups[g][0])].add(lookup.city[c.host_org_id])
        day_slots: dict[date, list[int]] = defaultdict(list)
        for slot_id in lookup.slot_order:
            day_slots[lookup.slots[slot_id].day].append(slot_id)
        self.itineraries: dict[tuple[int, date], list[dict[str, frozenset[int]]]] = {
            key: _itineraries(lookup, day_slots[key[1]], sorted(names))
            for key, names in sorted(cities.items())
        }
        self.w: dict[tuple[int, date, int], int] = {}
        for (d, day), options in self.itineraries.items():
            for i in range(len(options)):
                self.w[(d, day, i)] = len(self.x) + len(self.w)
        self.m = len(self.x) + len(self.w)
        self.rows: list[tuple[list[int], list[float], float]] = []

    def solve(self, time_limit: float, start: Iterable[Meeting] = ()) -> _Solved:
        """Run HiGHS from ``start`` (a plan that keeps every rule, e.g. the greedy baseline)."""
        n = self.m + 1
        self._constraints()
        integrality, lower, upper = np.ones(n), np.zeros(n), np.ones(n)
        integrality[self.m], upper[self.m] = 0, np.inf
        self._fix(lower, upper)
        matrix, bounds = _linear(self.rows, n)
        solved = _solve_highs(
            self._gains(n),
            matrix,
            bounds,
            integrality,
            lower,
            upper,
            time_limit,
            self._start(start, n),
            FIRST_STAGE_OPTIONS,
        )
        self.solution = solved.x
        return solved

    def _start(self, meetings: Iterable[Meeting], n: int) -> np.ndarray | None:
        """A plan as column values: its meetings' x, each delegate-day's itinerary, the fewest per
        organisation; None when a meeting or a day has no column (the solver then starts from nothing)."""
        group_of = {s: g for g, (_day, _hosts, slots) in enumerate(self.groups) for s in slots}
        column = {(d, c.delegation_org_id, c.host_org_id, g): i for i, (d, c, g) in enumerate(self.x)}
        values, visits = np.zeros(n), defaultdict(list)
        per_org = Counter()
        for m in meetings:
            i = column.get((m.delegate_id, m.delegation_org_id, m.host_org_id, group_of.get(m.slot_id)))
            if i is None:
                return None
            values[i] = 1.0
            per_org[m.delegation_org_id] += 1
            visits[(m.delegate_id, self.lookup.slots[m.slot_id].day)].append(
                (self.lookup.city[m.host_org_id], m.slot_id)
            )
        for key, seen in visits.items():
            options = self.itineraries[key]
            fits = [i for i, o in enumerate(options) if all(s in o.get(city, ()) for city, s in seen)]
            if not fits:
                return None
            values[self.w[(*key, fits[0])]] = 1.0
        orgs = {c.delegation_org_id for _d, c, _g in self.x}
        values[self.m] = min((per_org[org] for org in orgs), default=0)
        return values

    def _fix(self, lower: np.ndarray, upper: np.ndarray) -> None:
        """Accepted meetings: their column at 1 in their own slot's group, their guests' there at 0."""
        group_of = {slots[0]: g for g, (_day, _hosts, slots) in enumerate(self.groups) if len(slots) == 1}
        for m in self.lookup.problem.fixed:
            g = group_of.get(m.slot_id)
            for i, (d, c, group) in enumerate(self.x):
                if group != g:
                    continue
                if d == m.delegate_id and c.host_org_id == m.host_org_id:
                    lower[i] = 1.0
                elif d in m.guests:
                    upper[i] = 0.0

    def meetings(self, solution: np.ndarray, time_limit: float) -> tuple[Meeting, ...] | None:
        """The meetings a solution chooses, each given a slot of its group day by day (None if that fails)."""
        chosen: dict[date, list[tuple[int, Candidate, int]]] = defaultdict(list)
        for (d, c, g), value in zip(self.x, solution[: len(self.x)], strict=True):
            if value > 0.5:
                chosen[self.groups[g][0]].append((d, c, g))
        meetings = []
        for day, day_meetings in sorted(chosen.items()):
            options = {d: self.itineraries[(d, day)] for d, _c, _g in day_meetings}
            placed = _assign_slots(self.lookup, self.groups, day_meetings, options, time_limit)
            if placed is None:
                return None
            meetings += placed
        return _sorted(self.lookup, meetings)

    def _gains(self, n: int) -> np.ndarray:
        """Objective coefficients (to maximise): values, must-meet weight, fairness."""
        lookup, must = self.lookup, self.lookup.problem.must_meet
        plannable = lookup.plannable()
        weight = 1.0 + sum(meeting_value(c) for c in plannable) + FAIRNESS_WEIGHT * len(plannable)
        gains = np.zeros(n)
        for i, (_d, c, _g) in enumerate(self.x):
            gains[i] = meeting_value(c) + (weight if (c.delegation_org_id, c.host_org_id) in must else 0)
        gains[self.m] = FAIRNESS_WEIGHT if lookup.fair_orgs() else 0.0
        return gains

    def _constraints(self) -> None:
        by_city, by_host, by_pair, by_org = (defaultdict(list) for _ in range(4))
        for i, (d, c, g) in enumerate(self.x):
            by_city[(d, g, self.lookup.city[c.host_org_id])].append(i)
            by_host[(c.host_org_id, g)].append(i)
            by_pair[(c.delegation_org_id, c.host_org_id)].append(i)
            by_org[c.delegation_org_id].append(i)
        for (d, g, city), columns in by_city.items():  # meetings in a city fit the itinerary's slots there
            day, group_slots = self.groups[g][0], set(self.groups[g][2])
            options = self.itineraries[(d, day)]
            room = [(self.w[(d, day, i)], -float(len(group_slots & o.get(city, frozenset())))) for i, o in
                    enumerate(options)]  # fmt: skip
            room = [(column, size) for column, size in room if size]
            self.rows.append(
                (columns + [col for col, _ in room], [1.0] * len(columns) + [size for _, size in room], 0.0)
            )
        days: dict[tuple[int, date], list[int]] = defaultdict(list)
        for (d, day, _i), column in self.w.items():
            days[(d, day)].append(column)
        for columns in days.values():  # one itinerary per delegate and day
            self.rows.append((columns, [1.0] * len(columns), 1.0))
        for (host_id, g), columns in by_host.items():
            capacity = self.lookup.hosts[host_id].capacity * len(self.groups[g][2])
            self.rows.append((columns, [1.0] * len(columns), float(capacity)))
        for columns in by_pair.values():
            self.rows.append((columns, [1.0] * len(columns), 1.0))
        for columns in by_org.values():  # m ≤ meetings of each organisation with a candidate
            self.rows.append(([self.m, *columns], [1.0] + [-1.0] * len(columns), 0.0))


def _solve_highs(
    gains: np.ndarray,
    matrix: csr_matrix,
    upper_rows: np.ndarray,
    integrality: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    time_limit: float,
    start: np.ndarray | None,
    options: dict | None = None,
) -> _Solved:
    """Maximise ``gains @ x`` subject to ``matrix @ x <= upper_rows`` with HiGHS, from ``start``."""
    import highspy  # loaded when a trip is planned, not with the app

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit))
    highs.setOptionValue("mip_rel_gap", MIP_REL_GAP)
    for name, value in (options or {}).items():
        highs.setOptionValue(name, value)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(gains), matrix.shape[0]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = gains
    lp.col_lower_, lp.col_upper_ = lower, np.where(np.isinf(upper), inf, upper)
    lp.row_lower_, lp.row_upper_ = np.full(matrix.shape[0], -inf), upper_rows
    csc = matrix.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = csc.indptr, csc.indices, csc.data
    kinds = highspy.HighsVarType
    lp.integrality_ = [kinds.kInteger if kind else kinds.kContinuous for kind in integrality]
    highs.passModel(lp)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value, solution.value_valid = list(start), True
        highs.setSolution(solution)  # a start that breaks a row is ignored by HiGHS
    highs.run()
    status = highs.getModelStatus()
    has_solution = highs.getInfo().primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    x = np.array(highs.getSolution().col_value) if has_solution else None
    return _Solved(x, status == highspy.HighsModelStatus.kTimeLimit)


def _itineraries(lookup: TripLookup, slots: list[int], cities: list[str]) -> list[dict[str, frozenset[int]]]:
    """A delegate's possible days: one city all day, or city A then city B with the travel time free.

    ``slots`` are the day's slots in time order. A change from A to B after slot ``p`` allows B from
    the first slot that starts at least the travel time after ``p`` ends; pairs of cities with no
    known travel time are never joined within a day.
    """
    whole = frozenset(slots)
    options = [{city: whole} for city in cities]
    for a in cities:
        for b in cities:
            if a == b or lookup.travel(a, b) is None:
                continue
            for p in range(1, len(slots)):
                later = [s for s in slots[p:] if lookup.reachable(slots[p - 1], a, s, b)]
                if later:
                    options.append({a: frozenset(slots[:p]), b: frozenset(later)})
    return options


def _slot_groups(lookup: TripLookup) -> list[tuple[date, frozenset[int], list[int]]]:
    """Slots grouped by day and by the set of hosts receiving in them, in time order.

    A slot with an accepted meeting or a declined pair is not interchangeable: it is a group of its own.
    """
    problem = lookup.problem
    alone = {m.slot_id for m in problem.fixed} | {slot_id for _org, _host, slot_id in problem.declined}
    groups: dict[tuple[date, frozenset[int], int | None], list[int]] = {}
    for slot_id in lookup.slot_order:
        hosts = frozenset(h for h in lookup.hosts if lookup.available(h, slot_id))
        key = (lookup.slots[slot_id].day, hosts, slot_id if slot_id in alone else None)
        groups.setdefault(key, []).append(slot_id)
    return [(day, hosts, slots) for (day, hosts, _alone), slots in groups.items()]


def _assign_slots(
    lookup: TripLookup,
    groups: list[tuple[date, frozenset[int], list[int]]],
    chosen: list[tuple[int, Candidate, int]],
    options: dict[int, list[dict[str, frozenset[int]]]],
    time_limit: float,
) -> list[Meeting] | None:
    """Give each meeting chosen on a day one slot of its group, earliest first; None if HiGHS fails.

    Each delegate's itinerary of the day (:func:`_itineraries`) is chosen again here, so this is the
    per-slot programme restricted to the chosen meetings: one meeting per delegate per slot,
    ``capacity`` per host per slot, every slot in the city of the delegate's itinerary then. With one
    city a day it always places every meeting (König's edge-colouring theorem, each host split into
    ``capacity`` copies: the first stage gives every delegate at most ``len(slots)`` meetings in a
    group and every host at most ``capacity × len(slots)``). Otherwise it may leave some out, the
    least valuable first. Columns: ``y`` (meeting, slot), then ``w`` (delegate, itinerary).
    """
    y: list[tuple[int, int]] = []
    for i, (d, c, g) in enumerate(chosen):
        city = lookup.city[c.host_org_id]
        reachable = set().union(*(o.get(city, frozenset()) for o in options[d]))
        y += [(i, slot) for slot in groups[g][2] if slot in reachable]
    w = [(d, k) for d in sorted(options) for k in range(len(options[d]))]
    n, w_column = len(y) + len(w), {key: len(y) + j for j, key in enumerate(w)}
    rows: list[tuple[list[int], list[float], float]] = []
    per_meeting, per_host, per_city = defaultdict(list), defaultdict(list), defaultdict(list)
    for column, (i, slot) in enumerate(y):
        d, c, _g = chosen[i]
        per_meeting[i].append(column)
        per_host[(c.host_org_id, slot)].append(column)
        per_city[(d, slot, lookup.city[c.host_org_id])].append(column)
    rows += [(columns, [1.0] * len(columns), 1.0) for columns in per_meeting.values()]
    rows += [(cols, [1.0] * len(cols), float(lookup.hosts[h].capacity)) for (h, _s), cols in per_host.items()]
    for d in options:  # one itinerary per delegate
        columns = [w_column[(d, k)] for k in range(len(options[d]))]
        rows.append((columns, [1.0] * len(columns), 1.0))
    for (d, slot, city), columns in per_city.items():  # meetings there and then fit the itinerary
        room = [w_column[(d, k)] for k, o in enumerate(options[d]) if slot in o.get(city, frozenset())]
        rows.append((columns + room, [1.0] * len(columns) + [-1.0] * len(room), 0.0))
    order = {slot: k for k, slot in enumerate(lookup.slot_order)}
    width = len(lookup.slot_order) + 1.0
    gains = np.zeros(n)  # placing always pays more than an earlier slot, a valuable meeting more
    for column, (i, slot) in enumerate(y):
        gains[column] = (1.0 + meeting_value(chosen[i][1])) * width - order[slot] / width
    integrality = np.ones(n)
    matrix, bounds = _linear(rows, n)
    limit = max(time_limit, 1.0)
    solved = _solve_highs(gains, matrix, bounds, integrality, np.zeros(n), np.ones(n), limit, None)
    if solved.x is None:
        return None
    return [
        _make_meeting(lookup, chosen[i][0], chosen[i][1], slot)
        for column, (i, slot) in enumerate(y)
        if solved.x[column] > 0.5
    ]


def _linear(rows: list[tuple[list[int], list[float], float]], n: int) -> tuple[csr_matrix, np.ndarray]:
    """Rows (columns, coefficients, upper bound) as one sparse matrix and its upper bounds (no lower)."""
    if not rows:
        return csr_matrix((0, n)), np.zeros(0)
    r, c, data = [], [], []
    for index, (columns, coefficients, _upper) in enumerate(rows):
        r += [index] * len(columns)
        c += columns
        data += coefficients
    a = coo_matrix((data, (r, c)), shape=(len(rows), n)).tocsr()
    return a, np.array([row[2] for row in rows], dtype=float)

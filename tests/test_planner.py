"""The trip planner: every rule holds, fairness, must-meets, never worse than greedy, bad input."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bench.bench_planner import synthetic_trip
from models.cities import TravelTimes
from models.trips.planner import (
    APPROVED_BONUS,
    FAIRNESS_WEIGHT,
    check_plan,
    find_violations,
    objective,
    plan_greedy,
    plan_trip,
)
from models.trips.shapes import Candidate, Delegate, Host, Meeting, Slot, TripProblem

DAY = datetime(2026, 5, 11)


def slots(days: int = 2, per_day: int = 3) -> tuple[Slot, ...]:
    """Slots of one hour at 9, 10, 11... on consecutive days, ids 1, 2, 3..."""
    return tuple(
        Slot(d * per_day + i + 1, DAY + timedelta(days=d, hours=9 + i), DAY + timedelta(days=d, hours=10 + i))
        for d in range(days)
        for i in range(per_day)
    )


def problem(**changes) -> TripProblem:
    """Two organisations (1: two delegates, 2: one), three hosts in two cities, two days of three slots."""
    base = TripProblem(
        slots=slots(),
        delegates=(Delegate(10, "Ada", 1), Delegate(11, "Ben", 1), Delegate(20, "Cy", 2)),
        hosts=(Host(100, "Montréal"), Host(101, "Montréal", capacity=2), Host(200, "Québec City")),
        candidates=(
            Candidate(1, 100, "event", 0.9),
            Candidate(1, 101, "co_training", 0.6, approved=True),
            Candidate(1, 200, "joint_trial", 0.5),
            Candidate(2, 100, "economic", 0.7),
            Candidate(2, 200, "staff_exchange", 0.4),
        ),
    )
    return replace(base, **changes)


def meeting(
    delegate: int, org: int, host: int, slot: int, track: str = "event", score: float = 0.5
) -> Meeting:
    return Meeting(delegate, org, host, slot, track, score)


@pytest.mark.parametrize("seed", range(6))
def test_solver_plans_keep_every_rule_and_beat_or_match_greedy(seed):
    trip = synthetic_trip(seed, delegates_per_org=(2, 1, 1), days=3, slots_per_day=4, hosts=12)
    plan, greedy = plan_trip(trip, time_limit=10), plan_greedy(trip)
    assert check_plan(trip, plan.meetings) == []
    assert check_plan(trip, greedy.meetings) == []
    assert plan.objective >= greedy.objective
    assert plan.objective == pytest.approx(objective(trip, plan.meetings))
    assert plan.method in ("milp", "greedy") and plan.seconds < 10


def test_mission_sized_trip_is_planned_under_five_seconds_and_keeps_every_rule():
    trip = synthetic_trip(0)
    plan = plan_trip(trip)
    assert check_plan(trip, plan.meetings) == []
    assert plan.seconds < 5 and plan.method == "milp"
    assert plan.objective >= plan_greedy(trip).objective
    assert trip.must_meet <= {(m.delegation_org_id, m.host_org_id) for m in plan.meetings}


def brute_force_best(trip: TripProblem) -> float:
    """The best objective over every plan (for tiny problems only)."""
    choices = [None, *(h.org_id for h in trip.hosts)]
    cells = [(d, s) for d in trip.delegates for s in trip.slots]
    best = float("-inf")
    for hosts in itertools.product(choices, repeat=len(cells)):
        meetings = [
            meeting(d.id, d.org_id, h, s.id)
            for (d, s), h in zip(cells, hosts, strict=True)
            if h is not None
            and (d.org_id, h) in {(c.delegation_org_id, c.host_org_id) for c in trip.candidates}
        ]
        if len(meetings) == sum(h is not None for h in hosts) and not find_violations(trip, meetings):
            best = max(best, objective(trip, meetings))
    return best


def test_solver_reaches_the_true_optimum_of_a_tiny_trip():
    trip = problem(
        slots=slots(days=2, per_day=1),
        delegates=(Delegate(10, "Ada", 1), Delegate(20, "Cy", 2)),
        hosts=(Host(100, "Montréal"), Host(200, "Québec City"), Host(300, "Québec City")),
        candidates=(
            Candidate(1, 100, "event", 0.9),
            Candidate(1, 200, "event", 0.8),
            Candidate(2, 100, "event", 0.95),
            Candidate(2, 300, "event", 0.3),
        ),
    )
    assert plan_trip(trip).objective == pytest.approx(brute_force_best(trip))


def test_must_meet_is_placed_and_must_not_meet_never_is():
    trip = problem(must_meet=frozenset({(2, 200)}), must_not_meet=frozenset({(1, 100)}))
    for plan in (plan_trip(trip), plan_greedy(trip)):
        pairs = Counter((m.delegation_org_id, m.host_org_id) for m in plan.meetings)
        assert pairs[(2, 200)] == 1 and pairs[(1, 100)] == 0
        assert check_plan(trip, plan.meetings) == []


def test_no_delegate_changes_city_within_a_day():
    trip = problem(slots=slots(days=1, per_day=3))
    plan = plan_trip(trip)
    assert check_plan(trip, plan.meetings) == []
    cities = {}
    for m in plan.meetings:
        cities.setdefault(m.delegate_id, set()).add(
            next(h.city for h in trip.hosts if h.org_id == m.host_org_id)
        )
    assert all(len(names) == 1 for names in cities.values())


def test_fair_share_gives_an_organisation_its_only_possible_meeting():
    # One slot, one host of capacity 1: organisation 2 can only ever meet host 100, which
    # organisation 1 values more; organisation 1 has other hosts. Fairness gives 100 to org 2.
    trip = problem(
        slots=slots(days=1, per_day=1),
        delegates=(Delegate(10, "Ada", 1), Delegate(11, "Ben", 1), Delegate(20, "Cy", 2)),
        hosts=(Host(100, "Montréal"), Host(101, "Montréal"), Host(102, "Montréal")),
        candidates=(
            Candidate(1, 100, "event", 1.0),
            Candidate(1, 101, "event", 0.5),
            Candidate(1, 102, "event", 0.5),
            Candidate(2, 100, "event", 0.2),
        ),
    )
    plan = plan_trip(trip)
    per_org = Counter(m.delegation_org_id for m in plan.meetings)
    assert per_org[2] == 1 and per_org[1] == 2
    assert check_plan(trip, plan.meetings) == []


@pytest.mark.parametrize("seed", range(4))
def test_no_organisation_is_left_without_meetings_when_candidates_allow(seed):
    trip = synthetic_trip(seed, delegates_per_org=(3, 2, 1, 1), days=2, slots_per_day=3, hosts=10)
    plan = plan_trip(trip)
    per_org = Counter(m.delegation_org_id for m in plan.meetings)
    assert all(per_org[c.delegation_org_id] > 0 for c in trip.candidates)


def test_infeasible_must_meet_is_named_in_the_notes_and_the_rest_is_planned():
    # Host 100 receives in one slot only, with capacity 1: both must-meets cannot happen.
    trip = problem(
        hosts=(
            Host(100, "Montréal", available_slots=frozenset({1})),
            Host(101, "Montréal"),
            Host(200, "Québec City"),
        ),
        must_meet=frozenset({(1, 100), (2, 100)}),
    )
    plan = plan_trip(trip)
    met = {(m.delegation_org_id, m.host_org_id) for m in plan.meetings}
    assert len(met & trip.must_meet) == 1
    (missing,) = trip.must_meet - met
    assert any(f"organisation {missing[0]} with host {missing[1]}" in note for note in plan.notes)
    assert [v.rule for v in find_violations(trip, plan.meetings)] == ["must_meet"]
    assert len(plan.meetings) > 1


def test_must_meet_without_candidate_or_slot_is_reported_not_fatal():
    trip = problem(
        hosts=(*problem().hosts, Host(300, "Montréal", available_slots=frozenset())),
        candidates=(*problem().candidates, Candidate(2, 300, "event", 0.9)),
        must_meet=frozenset({(2, 101), (2, 300)}),
    )
    plan = plan_trip(trip)
    notes = " ".join(plan.notes)
    assert (
        "host 101: they are not a candidate pair" in notes
        and "host 300: the host receives in no slot" in notes
    )


def test_objective_counts_values_approval_bonus_and_the_fair_share():
    trip = problem()
    meetings = [meeting(10, 1, 101, 1), meeting(20, 2, 100, 1)]
    assert objective(trip, meetings) == pytest.approx(0.6 + APPROVED_BONUS + 0.7 + FAIRNESS_WEIGHT * 1)
    assert objective(trip, meetings[:1]) == pytest.approx(0.6 + APPROVED_BONUS)  # organisation 2 has none


def test_check_plan_names_every_broken_rule():
    trip = problem(must_meet=frozenset({(2, 200)}), must_not_meet=frozenset({(1, 200)}))
    trip = replace(trip, hosts=(*trip.hosts[:2], Host(200, "Québec City", available_slots=frozenset({4}))))
    bad = [
        meeting(10, 1, 100, 1),
        meeting(10, 1, 101, 1),  # Ada twice in slot 1
        meeting(11, 1, 100, 2),  # organisation 1 meets host 100 again
        meeting(11, 1, 200, 3),  # must-not-meet, host 200 not receiving in slot 3, Ben changes city on day 1
        meeting(20, 1, 101, 4, track=""),  # Cy is not from organisation 1, no track
        meeting(99, 1, 100, 1),  # unknown delegate
    ]
    rules = {v.rule for v in find_violations(trip, bad)}
    assert rules == {
        "unknown", "organisation", "no_track", "must_not_meet", "unavailable", "delegate_busy",
        "pair_repeated", "city_change", "must_meet",
    }  # fmt: skip
    crowded = [meeting(10, 1, 100, 1), meeting(20, 2, 100, 1)]
    assert [v.rule for v in find_violations(trip, crowded)] == ["host_full", "must_meet"]
    assert any("capacity 1" in message for message in check_plan(trip, crowded))
    assert [v.rule for v in find_violations(trip, [meeting(20, 2, 101, 1)])] == ["no_candidate", "must_meet"]


def test_a_trip_without_candidates_gets_an_empty_plan():
    trip = problem(candidates=())
    plan = plan_trip(trip)
    assert plan.meetings == () and plan.objective == 0


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"slots": ()}, "no meeting slot"),
        ({"delegates": ()}, "no delegate"),
        ({"hosts": ()}, "no host"),
        (
            {
                "slots": (
                    Slot(1, DAY, DAY + timedelta(hours=1)),
                    Slot(2, DAY + timedelta(minutes=30), DAY + timedelta(hours=2)),
                )
            },
            "overlap",
        ),
        ({"slots": (Slot(1, DAY, DAY),)}, "ends before it starts"),
        ({"hosts": (Host(100, "Montréal", capacity=0),)}, "capacity 0"),
        ({"hosts": (Host(100, "Montréal", available_slots=frozenset({42})),)}, "unknown slot"),
        ({"candidates": (Candidate(1, 100, "event", 0.9), Candidate(1, 100, "event", 0.8))}, "given twice"),
        ({"candidates": (Candidate(1, 100, "event", 1.5),)}, "between 0 and 1"),
        ({"candidates": (Candidate(7, 100, "event", 0.5),)}, "has no delegate"),
        ({"candidates": (Candidate(1, 999, "event", 0.5),)}, "not a host of the trip"),
        (
            {"must_meet": frozenset({(1, 100)}), "must_not_meet": frozenset({(1, 100)})},
            "both must-meet and must-not-meet",
        ),
        ({"must_meet": frozenset({(1, 999)})}, "999 is not a host"),
    ],
)
def test_bad_input_raises_value_error_saying_what_to_change(changes, words):
    with pytest.raises(ValueError, match=words):
        plan_trip(problem(**changes))
    with pytest.raises(ValueError, match=words):
        plan_greedy(problem(**changes))


def test_time_limit_must_be_positive():
    with pytest.raises(ValueError, match="time_limit"):
        plan_trip(problem(), time_limit=0)


def test_greedy_plan_is_returned_when_the_solver_gives_nothing(monkeypatch):
    from types import SimpleNamespace

    import models.trips.planner

    monkeypatch.setattr(
        models.trips.planner, "_solve_highs", lambda *args, **kwargs: SimpleNamespace(stopped=True, x=None)
    )
    trip = problem()
    plan = plan_trip(trip, time_limit=0.5)
    assert plan.method == "greedy" and plan.meetings == plan_greedy(trip).meetings
    assert any("time limit" in note for note in plan.notes) and any("greedy" in note for note in plan.notes)


# Cities and travel: one city whatever its spelling; a change of city needs the travel time free.

SHOW_SLOTS = (  # 09:00, 10:15, 11:30, 14:00, 15:15, 16:30, one hour, on one day
    tuple(
        Slot(i + 1, DAY + timedelta(hours=h, minutes=mi), DAY + timedelta(hours=h + 1, minutes=mi))
        for i, (h, mi) in enumerate(((9, 0), (10, 15), (11, 30), (14, 0), (15, 15), (16, 30)))
    )
)


def travel_problem(**changes) -> TripProblem:
    """One delegate; hosts in Montréal, 'Québec', 'Québec City' and Sherbrooke; six slots on one day."""
    base = TripProblem(
        slots=SHOW_SLOTS,
        delegates=(Delegate(10, "Ada", 1),),
        hosts=(
            Host(100, "Montréal"),
            Host(200, "Québec"),
            Host(201, "Québec City"),
            Host(300, "Sherbrooke"),
        ),
        candidates=tuple(Candidate(1, h, "event", 0.8) for h in (100, 200, 201, 300)),
        travel=TravelTimes([("Montréal", "Québec", 180), ("Montreal", "Sherbrooke", 105)]),
    )
    return replace(base, **changes)


def test_a_move_between_quebec_and_quebec_city_within_one_day_is_accepted():
    trip = travel_problem()
    assert check_plan(trip, [meeting(10, 1, 200, 1), meeting(10, 1, 201, 2)]) == []


def test_a_city_change_without_the_travel_time_is_refused():
    trip = travel_problem()
    violations = find_violations(trip, [meeting(10, 1, 100, 1), meeting(10, 1, 200, 2)])
    assert [v.rule for v in violations] == ["city_change"]
    assert violations[0].cities == ("Montréal", "Québec") and violations[0].minutes == 180
    # 10:00 to 14:00 is not 3 h of driving... 09:00-10:00 then 14:00 leaves 4 h: enough
    assert check_plan(trip, [meeting(10, 1, 100, 1), meeting(10, 1, 200, 4)]) == []
    # 1 h 45 to Sherbrooke: 10:00 -> 11:30 is too short, 11:15 -> 14:00 is enough
    assert [v.rule for v in find_violations(trip, [meeting(10, 1, 100, 1), meeting(10, 1, 300, 3)])] == [
        "city_change"
    ]
    assert check_plan(trip, [meeting(10, 1, 100, 2), meeting(10, 1, 300, 4)]) == []


def test_cities_without_a_known_travel_time_are_never_joined_within_a_day():
    trip = travel_problem()
    violations = find_violations(trip, [meeting(10, 1, 200, 1), meeting(10, 1, 300, 6)])
    assert [v.rule for v in violations] == ["city_change"] and violations[0].minutes is None


def test_planners_change_city_within_a_day_only_with_the_travel_time_free():
    trip = travel_problem(must_meet=frozenset({(1, 100), (1, 200)}))
    for plan in (plan_trip(trip), plan_greedy(trip)):
        assert check_plan(trip, plan.meetings) == []
        hosts = {m.host_org_id for m in plan.meetings}
        assert {100, 200} <= hosts  # both must-meets on the one day: a change of city


def test_solver_uses_the_day_better_than_one_city_when_travel_allows():
    hosts = (Host(100, "Montréal"), Host(101, "Montréal"), Host(300, "Sherbrooke"), Host(301, "Sherbrooke"))
    trip = travel_problem(hosts=hosts, candidates=tuple(Candidate(1, h.org_id, "event", 0.8) for h in hosts))
    plan = plan_trip(trip)
    assert check_plan(trip, plan.meetings) == [] and len(plan.meetings) == 4


# Group meetings: several delegates at one meeting, one meeting for the host.


def test_a_group_meeting_is_one_meeting_for_the_host_and_busies_every_attendee():
    trip = problem(hosts=(Host(100, "Montréal"), Host(101, "Montréal"), Host(200, "Québec City")))
    group = replace(meeting(10, 1, 100, 1), guests=(11, 20))
    other = meeting(11, 1, 101, 1)
    assert [v.rule for v in find_violations(trip, [group])] == []
    assert [v.rule for v in find_violations(trip, [group, other])] == ["delegate_busy"]
    twice = replace(meeting(10, 1, 100, 1), guests=(10,))
    assert "guest" in {v.rule for v in find_violations(trip, [twice])}
    pair = [group, meeting(20, 2, 100, 2)]  # organisation 2 already met host 100 through its guest
    assert "pair_repeated" in {v.rule for v in find_violations(trip, pair)}


def test_planner_merges_free_delegates_of_one_organisation_visiting_a_host():
    candidates = (Candidate(1, 100, "event", 0.9), Candidate(2, 200, "event", 0.7))
    trip = problem(slots=slots(days=1, per_day=2), candidates=candidates, merge_delegates=True)
    for plan in (plan_trip(trip), plan_greedy(trip)):
        assert check_plan(trip, plan.meetings) == []
        (group,) = [m for m in plan.meetings if m.delegation_org_id == 1]
        assert sorted(group.attendees) == [10, 11]  # Ada and Ben together, one meeting for host 100
    assert all(not m.guests for m in plan_trip(replace(trip, merge_delegates=False)).meetings)


# --- re-planning around the hosts' answers -------------------------------------------------------------


@pytest.mark.parametrize("planner", [plan_trip, plan_greedy])
def test_replanning_keeps_accepted_meetings_and_avoids_declined_slots(planner):
    # Host 100 accepted Ben (org 1) in slot 6 with Ada as a guest, a slot the planner would never pick
    # first; host 200 declined Cy (org 2) in slot 1.
    accepted = Meeting(11, 1, 100, 6, "event", 0.9, guests=(10,))
    trip = problem(fixed=(accepted,), declined=frozenset({(2, 200, 1)}))
    plan = planner(trip)
    assert accepted in plan.meetings
    assert all((m.delegation_org_id, m.host_org_id, m.slot_id) != (2, 200, 1) for m in plan.meetings)
    assert not any(10 in m.attendees and m.slot_id == 6 and m != accepted for m in plan.meetings)
    assert check_plan(trip, plan.meetings) == []


def test_check_plan_names_a_moved_accepted_meeting_and_a_declined_slot():
    trip = problem(fixed=(meeting(10, 1, 100, 3, "event", 0.9),), declined=frozenset({(2, 200, 1)}))
    rules = {v.rule for v in find_violations(trip, [meeting(10, 1, 100, 2), meeting(20, 2, 200, 1)])}
    assert {"fixed_moved", "declined_slot"} <= rules


def test_an_accepted_meeting_stays_even_when_the_engine_no_longer_proposes_the_pair():
    kept = Meeting(20, 2, 101, 4, "event", 0.3)
    trip = problem(fixed=(kept,))
    for plan in (plan_trip(trip), plan_greedy(trip)):
        assert kept in plan.meetings and check_plan(trip, plan.meetings) == []


# The solver starts from the greedy plan, so a short time limit never gives less than greedy.


def test_the_greedy_plan_is_the_solvers_start_and_keeps_every_row():
    import numpy as np

    from models.trips.planner import _linear, _Model
    from models.trips.rules import TripLookup

    trip = synthetic_trip(0, delegates_per_org=(3, 2, 2, 1), hosts=20, cities=3)
    greedy = plan_greedy(replace(trip, merge_delegates=False))
    model = _Model(TripLookup(trip))
    model._constraints()
    start = model._start(greedy.meetings, model.m + 1)
    matrix, upper = _linear(model.rows, model.m + 1)
    assert start is not None and int(start[: len(model.x)].sum()) == len(greedy.meetings)
    assert np.all(matrix @ start <= upper + 1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_a_short_time_limit_gives_at_least_the_greedy_plan(seed):
    trip = synthetic_trip(seed, delegates_per_org=(4, 3, 3, 3, 2, 2, 2, 1), hosts=80, cities=3)
    plan, greedy = plan_trip(trip, time_limit=0.3), plan_greedy(trip)
    assert check_plan(trip, plan.meetings) == []
    assert plan.objective >= greedy.objective - 1e-9

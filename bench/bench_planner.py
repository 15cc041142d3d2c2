"""Trip planning: the MILP (HiGHS) against the greedy baseline on a mission-sized synthetic trip.

Nine delegates from five organisations, five days of six slots, thirty hosts in Montréal and
Québec City (capacity 1 or 2, each receiving on two or three of the five days). Each organisation
has candidates with 40-60 % of the hosts, scores drawn from Beta(2, 3), about one in eight of them an
approved pairing; two must-meet and two must-not-meet pairs. For each seed: solver time, the
objective of both plans (the same function), meetings, the fewest and most per organisation.
Target: under 5 s, never worse than greedy.

A second, larger case (issue 12): 20 delegates from eight organisations, five days of six slots, 80
hosts in Montréal, Québec and Sherbrooke, with the seeded travel times (Montréal–Québec 3 h,
Montréal–Sherbrooke 1 h 45, Québec–Sherbrooke 2 h 45), so a delegate may change city within a day
when the gap allows. It prints the solver's time and its gain over the greedy baseline.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta

import numpy as np

from bench import report
from models.cities import TravelTimes
from models.trips.planner import check_plan, plan_greedy, plan_trip
from models.trips.shapes import Candidate, Delegate, Host, Slot, TripProblem

SEEDS = (0, 1, 2, 3, 4)
TARGET_SECONDS = 5.0
SLOT_STARTS = ((9, 0), (10, 15), (11, 30), (14, 0), (15, 15), (16, 30))
TRACKS = ("staff_exchange", "joint_trial", "co_training", "event", "economic")
CITIES = ("Montréal", "Québec", "Sherbrooke")
TRAVEL = TravelTimes(
    [("Montréal", "Québec", 180), ("Montréal", "Sherbrooke", 105), ("Québec", "Sherbrooke", 165)]
)
LARGE = {"delegates_per_org": (4, 3, 3, 3, 2, 2, 2, 1), "hosts": 80, "cities": 3}
LARGE_SEEDS = (0, 1, 2)
LARGE_TARGET_SECONDS = 30.0


def synthetic_trip(
    seed: int,
    *,
    delegates_per_org: tuple[int, ...] = (3, 2, 2, 1, 1),
    days: int = 5,
    slots_per_day: int = 6,
    hosts: int = 30,
    must_pairs: int = 2,
    cities: int = 2,
) -> TripProblem:
    """A random trip shaped like a BIOVALIANCE mission (see the module docstring)."""
    rng = np.random.default_rng(seed)
    first_day = datetime(2026, 5, 11)
    slots = tuple(
        Slot(day * slots_per_day + i + 1, start, start + timedelta(minutes=60))
        for day in range(days)
        for i, (hour, minute) in enumerate(SLOT_STARTS[:slots_per_day])
        for start in [first_day + timedelta(days=day, hours=hour, minutes=minute)]
    )
    delegates = tuple(
        Delegate(100 + n, f"Delegate {n}", org_id)
        for n, org_id in enumerate(
            org for org, count in enumerate(delegates_per_org, start=1) for _ in range(count)
        )
    )
    if cities == 2:  # two thirds in Montréal, the rest in Québec (the original mission-sized case)
        names = [CITIES[0] if h < hosts * 2 // 3 else CITIES[1] for h in range(hosts)]
    else:  # half in Montréal, the rest shared by the other cities
        names = [CITIES[0] if h < hosts // 2 else CITIES[1 + h % (cities - 1)] for h in range(hosts)]
    host_list = tuple(_host(rng, 1000 + h, names[h], slots_per_day, days) for h in range(hosts))
    candidates = tuple(_candidates(rng, len(delegates_per_org), host_list))
    picked = rng.choice(len(candidates), 2 * must_pairs, replace=False)
    pairs = [(candidates[i].delegation_org_id, candidates[i].host_org_id) for i in picked]
    return TripProblem(
        slots=slots,
        delegates=delegates,
        hosts=host_list,
        candidates=candidates,
        must_meet=frozenset(pairs[:must_pairs]),
        must_not_meet=frozenset(pairs[must_pairs:]),
        travel=TRAVEL,
    )


def _host(rng, org_id: int, city: str, slots_per_day: int, days: int) -> Host:
    open_days = rng.choice(days, min(days, int(rng.integers(2, 4))), replace=False)
    available = frozenset(int(day) * slots_per_day + i + 1 for day in open_days for i in range(slots_per_day))
    return Host(org_id, city, capacity=int(rng.integers(1, 3)), available_slots=available)


def _candidates(rng, n_orgs: int, hosts: tuple[Host, ...]):
    for org_id in range(1, n_orgs + 1):
        share = rng.uniform(0.4, 0.6)
        for host in hosts:
            if rng.random() < share:
                yield Candidate(
                    org_id,
                    host.org_id,
                    TRACKS[int(rng.integers(len(TRACKS)))],
                    round(float(rng.beta(2, 3)), 4),
                    approved=bool(rng.random() < 0.12),
                )


def per_org(plan) -> tuple[int, int]:
    """Fewest and most meetings of a delegation organisation."""
    counts = Counter(m.delegation_org_id for m in plan.meetings)
    return min(counts.values(), default=0), max(counts.values(), default=0)


def main() -> None:
    """Plan each seed with both methods and print one line per seed."""
    print("Trip planner: 9 delegates (5 organisations), 5 days x 6 slots, 30 hosts in 2 cities")
    print(f"{'seed':>4} {'cands':>5} {'milp s':>7} {'greedy s':>8} {'obj milp':>9} {'obj greedy':>10} "
          f"{'gain':>6} {'meetings':>9} {'min/max per org':>16} {'method':>7}")  # fmt: skip
    worst, slowest = float("inf"), 0.0
    for seed in SEEDS:
        problem = synthetic_trip(seed)
        greedy = plan_greedy(problem)
        started = time.perf_counter()
        plan = plan_trip(problem, time_limit=TARGET_SECONDS * 2)
        seconds = time.perf_counter() - started
        assert check_plan(problem, plan.meetings) == [], check_plan(problem, plan.meetings)
        low, high = per_org(plan)
        g_low, g_high = per_org(greedy)
        print(f"{seed:>4} {len(problem.candidates):>5} {seconds:>7.2f} {greedy.seconds:>8.3f} "
              f"{plan.objective:>9.2f} {greedy.objective:>10.2f} {plan.objective - greedy.objective:>+6.2f} "
              f"{len(plan.meetings):>4}/{len(greedy.meetings):<4} {low:>3}-{high:<3}/{g_low:>3}-{g_high:<3}  "
              f"{plan.method:>7}")  # fmt: skip
        worst = min(worst, plan.objective - greedy.objective)
        slowest = max(slowest, seconds)
    verdict = "OK" if slowest < TARGET_SECONDS and worst >= 0 else "MISSED"
    print(
        f"slowest {slowest:.2f} s (target < {TARGET_SECONDS:g} s); "
        f"smallest gain over greedy {worst:+.2f}: {verdict}"
    )
    print("(meetings and min-max per organisation: milp/greedy)")
    large_slowest = large()
    report.emit("planner", {"slowest_s": slowest, "smallest_gain": worst, "large_slowest_s": large_slowest})


def large() -> float:
    """The issue-12 case: 20 delegates x 5 days x 6 slots x 80 hosts in three cities; its slowest solve."""
    print()
    print(
        "Trip planner: 20 delegates (8 organisations), 5 days x 6 slots, 80 hosts in 3 cities, travel times"
    )
    print(f"{'seed':>4} {'cands':>5} {'milp s':>7} {'greedy s':>8} {'obj milp':>9} {'obj greedy':>10} "
          f"{'gain':>6} {'meetings':>9} {'city changes':>12} {'method':>7}")  # fmt: skip
    slowest, worst = 0.0, float("inf")
    for seed in LARGE_SEEDS:
        problem = synthetic_trip(seed, **LARGE)
        greedy = plan_greedy(problem)
        started = time.perf_counter()
        plan = plan_trip(problem, time_limit=LARGE_TARGET_SECONDS)
        seconds = time.perf_counter() - started
        assert check_plan(problem, plan.meetings) == [], check_plan(problem, plan.meetings)
        gain = plan.objective - greedy.objective
        print(f"{seed:>4} {len(problem.candidates):>5} {seconds:>7.2f} {greedy.seconds:>8.3f} "
              f"{plan.objective:>9.2f} {greedy.objective:>10.2f} {gain:>+6.2f} "
              f"{len(plan.meetings):>4}/{len(greedy.meetings):<4} {city_changes(problem, plan):>12} "
              f"{plan.method:>7}")  # fmt: skip
        slowest, worst = max(slowest, seconds), min(worst, gain)
    limit = f"time limit {LARGE_TARGET_SECONDS:g} s"
    print(f"slowest {slowest:.2f} s ({limit}); smallest gain over greedy {worst:+.2f}")
    return slowest


def city_changes(problem: TripProblem, plan) -> int:
    """Delegate-days on which the plan changes city (allowed when the travel time is free)."""
    city = {host.org_id: host.city for host in problem.hosts}
    day = {slot.id: slot.day for slot in problem.slots}
    seen: dict[tuple[int, object], set[str]] = {}
    for m in plan.meetings:
        seen.setdefault((m.delegate_id, day[m.slot_id]), set()).add(city[m.host_org_id])
    return sum(len(cities) > 1 for cities in seen.values())


if __name__ == "__main__":
    main()

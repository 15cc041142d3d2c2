"""Trip planning: the MILP (HiGHS) against the greedy baseline on a mission-sized synthetic trip.

Nine delegates from five organisations, five days of six slots, thirty hosts in Montréal and
Québec City (capacity 1 or 2, each receiving on two or three of the five days). Each organisation
has candidates with 40-60 % of the hosts, scores drawn from Beta(2, 3), about one in eight of them an
approved pairing; two must-meet and two must-not-meet pairs. For each seed: solver time, the
objective of both plans (the same function), meetings, the fewest and most per organisation.
Target: under 5 s, never worse than greedy.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta

import numpy as np

from models.trips.planner import check_plan, plan_greedy, plan_trip
from models.trips.shapes import Candidate, Delegate, Host, Slot, TripProblem

SEEDS = (0, 1, 2, 3, 4)
TARGET_SECONDS = 5.0
SLOT_STARTS = ((9, 0), (10, 15), (11, 30), (14, 0), (15, 15), (16, 30))
TRACKS = ("staff_exchange", "joint_trial", "co_training", "event", "economic")


def synthetic_trip(
    seed: int,
    *,
    delegates_per_org: tuple[int, ...] = (3, 2, 2, 1, 1),
    days: int = 5,
    slots_per_day: int = 6,
    hosts: int = 30,
    must_pairs: int = 2,
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
    host_list = tuple(_host(rng, 1000 + h, h < hosts * 2 // 3, slots_per_day, days) for h in range(hosts))
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
    )


def _host(rng, org_id: int, montreal: bool, slots_per_day: int, days: int) -> Host:
    open_days = rng.choice(days, min(days, int(rng.integers(2, 4))), replace=False)
    available = frozenset(int(day) * slots_per_day + i + 1 for day in open_days for i in range(slots_per_day))
    city = "Montréal" if montreal else "Québec City"
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


if __name__ == "__main__":
    main()

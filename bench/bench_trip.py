"""``flask plan-trip`` and ``flask propose`` on a database of ``bench/make_db.py``, as a person runs them.

On a copy of the database, a trip of 20 delegates from 8 BFC organisations, five days of six slots
and 80 Québec hosts in Montréal, Québec and Sherbrooke is set up; ``flask index`` builds the snapshot
once (not timed), then each figure is the wall time of a fresh ``flask`` process, start to exit
(imports, snapshot load, scoring, solving, writing), median with min-max of ``--repeats`` runs:

- ``flask plan-trip`` (target: under 5 s at 10k), and its own report of the planner's seconds (the
  greedy baseline and both HiGHS stages), the kept plan's objective and meetings against the greedy
  baseline's, and with ``--long S`` the plan that S seconds of solving give (one more run);
- ``flask propose --force``: every organisation's best suggestions stored as proposed pairings
  (target: under 15 min at 100k). :func:`proposals_seconds` is the one place that times it, so a
  dedicated proposals benchmark can take its place.

``python -m bench.bench_trip --db PATH [--long 30] [--profile]``; ``--profile`` prints where plan-trip's
time goes.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from bench import report

ROOT = Path(__file__).resolve().parent.parent
DELEGATES_PER_ORG = (4, 3, 3, 3, 2, 2, 2, 1)
HOSTS = 80
CITIES = ("Montréal", "Québec", "Sherbrooke")


def _env(db_path: Path, instance: Path) -> dict:
    return {**os.environ, "PASSERELLE_DATABASE": str(db_path), "PASSERELLE_INSTANCE": str(instance)}


def flask(db_path: Path, instance: Path, *args: str) -> tuple[float, str]:
    """Run ``flask --app wsgi ARGS`` in a new process: (wall seconds, its output)."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", *args],
        cwd=ROOT, env=_env(db_path, instance), check=True, capture_output=True, text=True,
    )  # fmt: skip
    return time.perf_counter() - started, done.stdout


def setup_trip(db_path: Path) -> int:
    """The issue-12 trip (20 delegates, 8 organisations, 80 hosts in 3 cities) in ``db_path``; its id."""
    from app.db import connect, init_db
    from app.trips import queries

    db = connect(db_path)
    init_db(db)
    first = "SELECT id FROM organisations WHERE region = ? ORDER BY id LIMIT ?"
    bfc = [row[0] for row in db.execute(first, ["BFC", len(DELEGATES_PER_ORG)])]
    qc = [row[0] for row in db.execute(first, ["QC", HOSTS])]
    start = date(2027, 5, 10)  # a Monday: five weekdays, six default slots each
    fields = {"name": "Bench mission", "direction": "BFC->QC", "cities": list(CITIES), "start_date": start,
              "end_date": date(2027, 5, 14), "status": "planned"}  # fmt: skip
    trip_id = queries.create_trip(db, fields)
    for org_id, count in zip(bfc, DELEGATES_PER_ORG, strict=True):
        queries.add_delegation_org(db, trip_id, org_id)
        for n in range(count):
            queries.add_delegate(db, trip_id, org_id, f"Délégué {org_id}-{n}")
    days = [f"2027-05-{d}" for d in range(10, 15)]
    for n, org_id in enumerate(qc):
        receiving = [days[(n + k) % 5] for k in range(2 + n % 2)]
        queries.save_host(db, trip_id, org_id, CITIES[n % 3], 1 + n % 2, receiving)
    db.close()
    return trip_id


def _count(db_path: Path) -> int:
    from app.db import connect

    db = connect(db_path)
    try:
        return db.execute("SELECT COUNT(*) FROM organisations").fetchone()[0]
    finally:
        db.close()


PLAN_LINE = re.compile(
    r"(\d+) meetings by (\w+) in ([\d.]+) s\.\n"
    r"Objective ([\d.]+) \(greedy baseline ([\d.]+), (\d+) meetings\)"
)


def plan_trip_seconds(
    db_path: Path, instance: Path, trip_id: int, repeats: int, time_limit: float | None = None
) -> dict:
    """Wall seconds of ``flask plan-trip`` (fresh process each run), the planner's own seconds, and
    each run's plan: meetings, method, objective, and the greedy baseline's objective and meetings."""
    walls, solver, plans = [], [], []
    extra = ["--time-limit", str(time_limit)] if time_limit else []
    for _ in range(repeats):
        wall, out = flask(db_path, instance, "plan-trip", str(trip_id), *extra)
        walls.append(wall)
        found = PLAN_LINE.search(out)
        solver.append(float(found.group(3)) if found else float("nan"))
        if found:
            plans.append({"meetings": int(found.group(1)), "method": found.group(2),
                          "objective": float(found.group(4)), "greedy_objective": float(found.group(5)),
                          "greedy_meetings": int(found.group(6))})  # fmt: skip
    return {"wall": walls, "solver": solver, "plans": plans, "last": out.strip().splitlines()[0]}


def proposals_seconds(db_path: Path, instance: Path) -> float:
    """Wall seconds of ``flask propose --force``: every organisation's proposals, in one process."""
    return flask(db_path, instance, "propose", "--force")[0]


def spread(values: list[float], unit: str = "s") -> str:
    """Median (min-max)."""
    return f"{np.median(values):.2f} {unit} ({min(values):.2f}-{max(values):.2f})"


def measure(db_path: Path, repeats: int, proposals: bool, long: float | None = None) -> dict:
    """Every figure on a copy of ``db_path`` (the original is never written)."""
    from app.backup import backup_database

    with tempfile.TemporaryDirectory(prefix="passerelle-trip-") as folder:
        copy, instance = Path(folder) / "bench.db", Path(folder) / "instance"
        backup_database(db_path, copy)
        trip_id = setup_trip(copy)
        index_s = flask(copy, instance, "index")[0]
        out = {"index_s": index_s, "load": os.getloadavg()[0], "orgs": _count(copy)}
        out["plan_trip"] = plan_trip_seconds(copy, instance, trip_id, repeats)
        if long:
            out["long"] = plan_trip_seconds(copy, instance, trip_id, 1, long)
        if proposals:
            out["proposals_s"] = proposals_seconds(copy, instance)
    return out


def profile(db_path: Path) -> None:
    """Where a fresh plan-trip process spends its time: imports, then the operation's cProfile."""
    import cProfile
    import pstats

    with tempfile.TemporaryDirectory(prefix="passerelle-trip-") as folder:
        from app.backup import backup_database

        copy, instance = Path(folder) / "bench.db", Path(folder) / "instance"
        backup_database(db_path, copy)
        trip_id = setup_trip(copy)
        flask(copy, instance, "index")
        os.environ.update(_env(copy, instance))
        started = time.perf_counter()
        from app import create_app
        from app.db import get_db
        from app.operations import SYSTEM, trips

        app = create_app()
        print(f"imports and create_app: {time.perf_counter() - started:.2f} s")
        with app.app_context():
            prof = cProfile.Profile()
            prof.runcall(trips.plan, get_db(), SYSTEM, trip_id)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)


def _plan_words(plan: dict) -> str:
    return (f"{plan['method']} {plan['meetings']} meetings, objective {plan['objective']:.2f} "
            f"(greedy {plan['greedy_meetings']} meetings, {plan['greedy_objective']:.2f})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a database of bench/make_db.py (copied)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-proposals", action="store_true", help="time plan-trip only")
    parser.add_argument("--long", type=float, default=None, help="also plan once with this time limit (s)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile:
        return profile(args.db)
    r = measure(args.db, args.repeats, not args.no_proposals, args.long)
    print(f"{args.db} ({r['orgs']:,} organisations): load average {r['load']:.1f}; "
          f"flask index (not timed below) {r['index_s']:.1f} s")  # fmt: skip
    print(f"  flask plan-trip, 20 delegates x 80 hosts, wall  {spread(r['plan_trip']['wall'])}")
    print(f"    of which the planner                         {spread(r['plan_trip']['solver'])}")
    for n, plan in enumerate(r["plan_trip"]["plans"], start=1):
        print(f"    run {n}: {_plan_words(plan)}")
    if "long" in r:
        wall, seconds, plans = r["long"]["wall"][0], r["long"]["solver"][0], r["long"]["plans"]
        print(f"  with --time-limit {args.long:g}: wall {wall:.2f} s, planner {seconds:.2f} s, "
              f"{_plan_words(plans[0]) if plans else '?'}")  # fmt: skip
    if "proposals_s" in r:
        print(f"  flask propose --force, wall                   {r['proposals_s']:.1f} s")
    plan = r["plan_trip"]
    report.emit("trip", {**r, "plan_trip": {"wall": report.spread(plan["wall"]),
                                            "solver": report.spread(plan["solver"]),
                                            "plans": plan["plans"]}})  # fmt: skip


if __name__ == "__main__":
    main()

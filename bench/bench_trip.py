"""``flask plan-trip`` and ``flask propose`` on a database of ``bench/make_db.py``, as a person runs them.

On a copy of the database, a trip of 20 delegates from 8 BFC organisations, five days of six slots
and 80 Québec hosts in Montréal, Québec and Sherbrooke is set up; ``flask index`` builds the snapshot
once (not timed), then each figure is the wall time of a fresh ``flask`` process, start to exit
(imports, snapshot load, scoring, solving, writing), median with min-max of ``--repeats`` runs:

- ``flask plan-trip`` (target: under 5 s at 10k), and its own report of the solver's seconds;
- ``flask propose --force``: every organisation's best suggestions stored as proposed pairings
  (target: under 15 min at 100k). :func:`proposals_seconds` is the one place that times it, so a
  dedicated proposals benchmark can take its place.

``python -m bench.bench_trip --db PATH [--profile]``; ``--profile`` prints where plan-trip's time goes.
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


def plan_trip_seconds(db_path: Path, instance: Path, trip_id: int, repeats: int) -> dict:
    """Wall seconds of ``flask plan-trip`` (fresh process each run) and the solver's own seconds."""
    walls, solver = [], []
    for _ in range(repeats):
        wall, out = flask(db_path, instance, "plan-trip", str(trip_id))
        walls.append(wall)
        found = re.search(r"in ([\d.]+) s\.", out)
        solver.append(float(found.group(1)) if found else float("nan"))
    return {"wall": walls, "solver": solver, "last": out.strip().splitlines()[0]}


def proposals_seconds(db_path: Path, instance: Path) -> float:
    """Wall seconds of ``flask propose --force``: every organisation's proposals, in one process."""
    return flask(db_path, instance, "propose", "--force")[0]


def spread(values: list[float], unit: str = "s") -> str:
    """Median (min-max)."""
    return f"{np.median(values):.2f} {unit} ({min(values):.2f}-{max(values):.2f})"


def measure(db_path: Path, repeats: int, proposals: bool) -> dict:
    """Every figure on a copy of ``db_path`` (the original is never written)."""
    from app.backup import backup_database

    with tempfile.TemporaryDirectory(prefix="passerelle-trip-") as folder:
        copy, instance = Path(folder) / "bench.db", Path(folder) / "instance"
        backup_database(db_path, copy)
        trip_id = setup_trip(copy)
        index_s = flask(copy, instance, "index")[0]
        out = {"index_s": index_s, "load": os.getloadavg()[0], "orgs": _count(copy)}
        out["plan_trip"] = plan_trip_seconds(copy, instance, trip_id, repeats)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a database of bench/make_db.py (copied)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-proposals", action="store_true", help="time plan-trip only")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile:
        return profile(args.db)
    r = measure(args.db, args.repeats, not args.no_proposals)
    print(f"{args.db} ({r['orgs']:,} organisations): load average {r['load']:.1f}; "
          f"flask index (not timed below) {r['index_s']:.1f} s")  # fmt: skip
    print(f"  flask plan-trip, 20 delegates x 80 hosts, wall  {spread(r['plan_trip']['wall'])}")
    print(f"    of which the solver                          {spread(r['plan_trip']['solver'])}")
    if "proposals_s" in r:
        print(f"  flask propose --force, wall                   {r['proposals_s']:.1f} s")
    plan = r["plan_trip"]
    report.emit("trip", {**r, "plan_trip": {"wall": report.spread(plan["wall"]),
                                            "solver": report.spread(plan["solver"])}})  # fmt: skip


if __name__ == "__main__":
    main()

"""Engine proposals at 10k and 100k organisations, run as the background worker runs them.

For each size: a copy of the database (``--db10k`` / ``--db100k``, never written; else one made by
``bench/make_db.py`` from the seed database), its index snapshot built as ``flask index`` builds it,
then a proposal run recorded as the queue's button records it and carried out in rounds of
``PROPOSAL_ROUND_SECONDS`` (``app.coordination.proposals.run_pending``, what each round of
``flask worker`` calls), from a table with no engine pairing. At 10k the whole run, ``--runs`` times
(median, min-max); at 100k the first ``--orgs`` organisations (about; a round ends at a block's end),
with the time per organisation and the whole run that it makes, or the whole run with ``--whole``.
Each run is its own process. The load average and the run's CPU time are printed: on a shared
machine the wall time is mostly waiting for a core.

``.venv/bin/python -m bench.bench_proposals --db10k /tmp/p10k.db --db100k /tmp/p100k.db [--whole]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import report

ROOT = Path(__file__).resolve().parent.parent
TARGET_100K_SECONDS = 15 * 60


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def prepare(n: int, given: Path | None, folder: Path, source: Path) -> Path:
    """A migrated copy of ``given`` (or a new database of ``n`` organisations) with its snapshot built."""
    from bench.bench_scale import database

    db_path = database(n, given, folder, source)
    subprocess.run(
        [sys.executable, "-m", "bench.bench_proposals", "--index", str(db_path), str(folder)],
        cwd=ROOT, check=True,
    )  # fmt: skip
    return db_path


def _app(db_path: Path, instance: Path):
    os.environ["PASSERELLE_DATABASE"] = str(db_path)
    os.environ["PASSERELLE_INSTANCE"] = str(instance)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from app import create_app

    return create_app()


def build_index(db_path: Path, instance: Path) -> None:
    """Migrate the copy and build its snapshot, as ``flask init-db`` and ``flask index`` do."""
    from app import matching
    from app.db import get_db, init_db

    with _app(db_path, instance).app_context():
        db = get_db()
        init_db(db)
        matching.engine(db)


def run(db_path: Path, instance: Path, orgs: int | None) -> dict:
    """One proposal run in rounds, from no engine pairing; stops after ``orgs`` organisations if given."""
    from app import matching
    from app.coordination import proposals
    from app.db import get_db

    app = _app(db_path, instance)
    with app.app_context():
        db = get_db()
        with db.atomic():
            db.execute("DELETE FROM pairings WHERE origin = 'engine'")
            db.execute("DELETE FROM proposal_progress")
        config = app.config
        proposals.start(db, config["PROPOSAL_MIN_SCORE"], config["PROPOSALS_PER_ORG"], None)
        started, cpu, rounds = time.perf_counter(), time.process_time(), 0
        while True:
            done = proposals.run_pending(db, matching.engine, budget_seconds=config["PROPOSAL_ROUND_SECONDS"])
            rounds += 1
            if done.finished or (orgs is not None and done.done >= orgs):
                break
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "done": done.done, "total": done.total, "created": done.created,
            "rounds": rounds, "finished": done.finished}  # fmt: skip


def _one(db_path: Path, folder: Path, orgs: int | None) -> dict:
    command = [sys.executable, "-m", "bench.bench_proposals", "--run", str(db_path), str(folder)]
    result = subprocess.run(
        command + ([str(orgs)] if orgs else []), cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _spread(values: list[float]) -> str:
    return f"{np.median(values):.1f} s ({min(values):.1f}-{max(values):.1f}, {len(values)} run(s))"


def main(argv: list[str] | None = None) -> None:
    """Print proposal times at 10k (whole runs) and 100k (a bounded run, or ``--whole``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db10k", type=Path, help="a 10k database to copy (else made by bench.make_db)")
    parser.add_argument("--db100k", type=Path, help="a 100k database to copy (else made by bench.make_db)")
    parser.add_argument("--source", type=Path, default=ROOT / "data/passerelle.db", help="seed database")
    parser.add_argument("--runs", type=int, default=3, help="whole runs at 10k (median)")
    parser.add_argument("--orgs", type=int, default=5000, help="organisations of the bounded 100k run")
    parser.add_argument("--whole", action="store_true", help="the whole 100k run (about 10 minutes idle)")
    parser.add_argument("--quick", action="store_true", help="10k only, one run")
    args = parser.parse_args(argv)
    print("Proposals as the worker runs them (rounds of PROPOSAL_ROUND_SECONDS, real profiles and vectors)")
    with tempfile.TemporaryDirectory(prefix="passerelle-proposals-") as folder:
        db_path = prepare(10_000, args.db10k, Path(folder), args.source)
        runs = [_one(db_path, Path(folder), None) for _ in range(1 if args.quick else args.runs)]
        wall, cpu = _spread([r["seconds"] for r in runs]), _spread([r["cpu"] for r in runs])
        created = runs[-1]["created"]
        print(f"  10k organisations, whole run: {wall}, CPU {cpu}, {created:,} pairings; {_load()}")
    ten_k = float(np.median([r["seconds"] for r in runs]))
    if args.quick:
        report.emit("proposals", {"10000": ten_k})
        return
    with tempfile.TemporaryDirectory(prefix="passerelle-proposals-") as folder:
        db_path = prepare(100_000, args.db100k, Path(folder), args.source)
        r = _one(db_path, Path(folder), None if args.whole else args.orgs)
        per_org = r["seconds"] / r["done"]
        ms = f"{per_org * 1000:.1f} ms an organisation ({r['cpu'] / r['done'] * 1000:.1f} ms of CPU)"
        if r["finished"]:
            minutes = r["seconds"] / 60
            print(f"  100k organisations, whole run: {minutes:.1f} min ({ms}, {r['rounds']} rounds), "
                  f"{r['created']:,} pairings; {_load()}")  # fmt: skip
        else:
            whole = per_org * r["total"] / 60
            print(f"  100k organisations, first {r['done']:,}: {r['seconds']:.1f} s, {ms}, so about "
                  f"{whole:.1f} min for all {r['total']:,}; {_load()}")  # fmt: skip
        verdict = "met" if per_org * r["total"] < TARGET_100K_SECONDS else "missed"
        whole_s = r["seconds"] if r["finished"] else per_org * r["total"]
        report.emit("proposals", {"10000": ten_k, "100000": whole_s, "100000_estimated": not r["finished"]})
        print(f"  target: 100k in under {TARGET_100K_SECONDS // 60} min, {verdict} on this machine")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--index":
        build_index(Path(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--run":
        limit = int(sys.argv[4]) if len(sys.argv) > 4 else None
        print(json.dumps(run(Path(sys.argv[2]), Path(sys.argv[3]), limit)))
    else:
        main()

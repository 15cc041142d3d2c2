"""Suggestions on the real databases of ``bench/make_db.py``, through the snapshot the workers map.

For each size (1k, 10k, 100k organisations; ``--quick`` stops at 10k): the index is built in float32
as ``flask index`` builds it, saved as a snapshot and mapped back (float16 vectors), then:

- agreement of the mapped float16 index with the float32 one: top-10 overlap and score difference
  over the same candidates, on ``--queries`` (organisation, track) pairs (1,000 by default);
- suggestion p50/p95 as served (candidates, scoring, evidence for 10) against a bare numpy top-10
  over the same passage matrix (float32, best passage per organisation, nothing else);
- profile save to updated suggestions visible: the save, the worker's job (embedding with the bundled
  model, warm), then the page's call that patches the index and ranks again; then the same through a
  running ``flask worker`` that the save wakes (its pick-up included);
- search by meaning as served: the query embedded (model warm, one thread as in a gunicorn worker,
  every query new so none comes from the cache), the first stage, the passages ranked;
- RSS and PSS of 4 processes that map the snapshot together, load the model, and serve 100
  suggestions and 10 searches each (the memory of 4 gunicorn workers, without gunicorn).

Medians with min-max; the load average is printed with each size (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import report

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 10_000, 100_000)


SEARCHES = ("thérapie cellulaire", "gene therapy vectors", "CAR-T manufacturing", "organoïdes",
            "GMP training", "bioproduction d'anticorps", "clinical trial network", "vecteurs viraux AAV",
            "cell banking", "essais cliniques précoces")  # fmt: skip


def _ms(samples) -> dict:
    """Median (p50), p95, min and max in milliseconds."""
    return report.spread(samples, 1000)


def _show(ms: dict) -> str:
    return f"p50 {ms['median']:.1f} / p95 {ms['p95']:.1f} ms ({ms['min']:.1f}-{ms['max']:.1f})"


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def database(n: int, given: Path | None, folder: Path, source: Path) -> Path:
    """A copy of ``given`` (never written), or a new database of ``n`` organisations."""
    from app.backup import backup_database

    out = folder / f"bench-{n}.db"
    if given is not None:
        backup_database(given, out)
    else:
        make = ["-m", "bench.make_db", "--orgs", str(n), "--out", str(out), "--source", str(source)]
        subprocess.run([sys.executable, *make], cwd=ROOT, check=True, capture_output=True)
    return out


def in_app(db_path: Path, instance: Path):
    os.environ["PASSERELLE_DATABASE"] = str(db_path)
    os.environ["PASSERELLE_INSTANCE"] = str(instance)
    from app import create_app

    return create_app()


def measure(db_path: Path, instance: Path, queries: int) -> dict:
    """Every figure but memory, in this process."""
    from app import matching
    from app.db import get_db, init_db
    from app.orgs.queries import get_organisation, update_organisation
    from models import snapshot as snapshots
    from models.candidates import DEFAULT_CANDIDATES, Candidates
    from models.profiles import TRACKS

    app = in_app(db_path, instance)
    out: dict = {}
    with app.app_context():
        db = get_db()
        init_db(db)
        model_id = matching.embedder().model_id
        started = time.perf_counter()
        built = matching.build_index(db, model_id)
        candidates = Candidates(built)
        out["build_s"] = time.perf_counter() - started
        folder = Path(tempfile.mkdtemp(dir=instance))
        snapshots.save(folder, snapshots.Snapshot(0, 0, built, candidates))
        mapped = snapshots.load(folder, model_id)
        index, mapped_candidates = mapped.index, mapped.candidates
        rng = random.Random(0)
        ids = [org["id"] for org in built.orgs]
        pairs = [(rng.choice(ids), rng.choice(TRACKS)) for _ in range(queries)]
        overlaps, diffs = [], []
        for org_id, track in pairs:
            rows = candidates.for_row(built.row_of(org_id), DEFAULT_CANDIDATES)
            a = built.suggest(org_id, track, 10, rows=rows, evidence=False)
            b = index.suggest(org_id, track, 10, rows=rows, evidence=False)
            overlaps.append(len({s.org_id for s in a} & {s.org_id for s in b}) / max(len(a), 1))
            scores = {s.org_id: s.score for s in a}
            diffs += [abs(s.score - scores[s.org_id]) for s in b if s.org_id in scores]
        out["overlap"], out["diff_max"], out["diff_mean"] = np.mean(overlaps), max(diffs), np.mean(diffs)
        served, bare = [], []
        whole = np.asarray(built.vectors[: built.used[0]])  # float32, as built
        for org_id, track in pairs[:200]:
            t = time.perf_counter()
            row = index.row_of(org_id)
            index.suggest(org_id, track, 10, rows=mapped_candidates.for_row(row, DEFAULT_CANDIDATES))
            served.append(time.perf_counter() - t)
            t = time.perf_counter()
            own = whole[index.passage_begin[row] : index.passage_end[row]]
            starts = index.org_start[:-1].clip(max=len(whole) - 1)
            best = np.maximum.reduceat((own @ whole.T).max(axis=0), starts)
            np.argpartition(-best, 10)[:10]
            bare.append(time.perf_counter() - t)
        out["served"], out["bare"] = _ms(served), _ms(bare)
        matching._indexes.clear()
        matching.warm_up(model=True)  # as a gunicorn worker: the mapped snapshot, the model on one thread
        out["ratio"] = np.median(served) / np.median(bare)
        searches = []
        for i in range(4):  # 40 queries, none seen before: each embeds its text
            for text in SEARCHES:
                t = time.perf_counter()
                matching.search(db, f"{text} {i}" if i else text)
                searches.append(time.perf_counter() - t)
        out["search"] = _ms(searches[1:])  # the first loads the model
        # Save to visible: the page's process holds the mapped snapshot; the worker embeds.
        visible = []
        for i, org_id in enumerate(ids[:5]):
            org = get_organisation(db, org_id)
            t = time.perf_counter()
            update_organisation(db, org_id, {**org, "seeks": f"{org['seeks']} Vecteurs AAV, essai {i}."})
            matching.refresh_org(db, org_id)  # what the worker's job does
            matching.suggestions_for(db, org_id, "joint_trial", top_k=10)  # the page: patch, then rank
            visible.append(time.perf_counter() - t)
        out["visible"] = _ms(visible)
        out["visible_worker"] = _ms(_through_the_worker(db, ids[5:10], db_path, instance))
    return out


def _through_the_worker(db, org_ids: list[int], db_path: Path, instance: Path) -> list[float]:
    """Save to visible as a member lives it: the save wakes a running ``flask worker`` (its own
    process, model loaded at its start), which embeds; this process, as the page, waits until the
    job is done, then patches its index and ranks."""
    from app import engine_jobs, matching
    from app.operations import SYSTEM
    from app.operations.organisations import update_profile

    env = {**os.environ, "PASSERELLE_DATABASE": str(db_path), "PASSERELLE_INSTANCE": str(instance)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        worker.stdout.readline()  # "Passerelle worker: ...": its model is loaded
        seconds = []
        for i, org_id in enumerate(org_ids):
            seeks = db.execute("SELECT seeks FROM organisations WHERE id = ?", [org_id]).fetchone()[0]
            t = time.perf_counter()
            update_profile(db, SYSTEM, org_id, {"seeks": f"{seeks} Lentivirus, lot clinique {i}."})
            while engine_jobs.is_pending(db, org_id):
                time.sleep(0.01)
            matching.suggestions_for(db, org_id, "joint_trial", top_k=10)
            seconds.append(time.perf_counter() - t)
        return seconds
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def worker_memory(db_path: Path, instance: Path) -> dict:
    """RSS / PSS (MB) of 4 processes mapping the snapshot at once, after their requests."""
    code = "import sys; sys.path.insert(0, sys.argv[1]); import bench.bench_scale as b; b._one_worker()"
    env = {**os.environ, "PASSERELLE_DATABASE": str(db_path), "PASSERELLE_INSTANCE": str(instance)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(ROOT)],
            env=env,
            stdout=subprocess.PIPE,
            stdin=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(4)
    ]
    for proc in procs:  # each says when it has served; then all are measured while alive together
        proc.stdout.readline()
    figures = [_rss_pss(proc.pid) for proc in procs]
    for proc in procs:
        proc.stdin.close()
        proc.wait(timeout=60)
    return {"rss": report.spread([r for r, _ in figures]), "pss": report.spread([p for _, p in figures])}


def _one_worker() -> None:
    from app import create_app, matching
    from app.db import get_db

    app = create_app()
    with app.app_context():
        matching.warm_up(model=True)  # as gunicorn's post_worker_init
        db = get_db()
        ids = [row[0] for row in db.execute("SELECT id FROM organisations ORDER BY random() LIMIT 100")]
        for org_id in ids:
            matching.suggestions_for(db, org_id, "joint_trial", top_k=10)
        for text in ("thérapie cellulaire", "gene therapy vectors", "CAR-T", "organoids", "GMP training") * 2:
            matching.search(db, text)
    print("served", flush=True)
    sys.stdin.read()


def _rss_pss(pid: int) -> tuple[float, float]:
    """RSS and PSS of process ``pid`` in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    return fields["Rss"] / 1024, fields["Pss"] / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="stop at 10k organisations")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--db10k", type=Path, help="a 10k database to copy (else made by bench.make_db)")
    parser.add_argument("--db100k", type=Path, help="a 100k database to copy (else made by bench.make_db)")
    parser.add_argument("--source", type=Path, default=ROOT / "data/passerelle.db", help="seed database")
    args = parser.parse_args()
    given = {10_000: args.db10k, 100_000: args.db100k}
    print("Suggestions through the mapped snapshot (real profiles, real vectors with noise, bench/make_db)")
    figures = {}
    for n in SIZES[:2] if args.quick else SIZES:
        with tempfile.TemporaryDirectory(prefix="passerelle-scale-") as folder:
            folder = Path(folder)
            db_path = database(n, given.get(n), folder, args.source)
            queries = args.queries if n < 100_000 else min(args.queries, 300)
            result = subprocess.run(
                [sys.executable, "-m", "bench.bench_scale", "--one", str(db_path), str(folder), str(queries)],
                cwd=ROOT, check=True, capture_output=True, text=True,
            )  # fmt: skip
            r = json.loads(result.stdout.strip().splitlines()[-1])
            r["load"] = report.load_average()
            print(f"\n{n:,} organisations (load average {r['load']}); index build {r['build_s']:.1f} s")
            print(f"  float16 map vs float32, {queries} queries: top-10 overlap {r['overlap']:.3f}, "
                  f"score difference max {r['diff_max']:.4f}, mean {r['diff_mean']:.5f}")  # fmt: skip
            print(f"  suggest as served (candidates, scoring, evidence)  {_show(r['served'])}")
            print(f"  bare numpy top-10, same passage matrix (float32)    {_show(r['bare'])}")
            print(f"  served / bare numpy (p50)                           {r['ratio']:.2f}x")
            print(f"  search by meaning as served (query embedded)        {_show(r['search'])}")
            print(f"  profile save to updated suggestions visible         {_show(r['visible'])}")
            print(f"  the same through a running flask worker (woken)    {_show(r['visible_worker'])}")
            if n >= 10_000:
                r["memory"] = memory = worker_memory(db_path, folder)
                rss, pss = memory["rss"], memory["pss"]
                print(f"  4 workers mapping the snapshot, after 100 suggestions and 10 searches each: "
                      f"RSS {rss['median']:.0f} MiB ({rss['min']:.0f}-{rss['max']:.0f}), "
                      f"PSS {pss['median']:.0f} MiB ({pss['min']:.0f}-{pss['max']:.0f})")  # fmt: skip
            figures[str(n)] = r
    print("\ntargets: pages p95 < 300 ms at 100k (make load), RSS per worker < 1 GB at 100k")
    report.emit("scale", figures)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        figures = measure(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
        print(json.dumps({k: (float(v) if isinstance(v, np.floating) else v) for k, v in figures.items()}))
    else:
        main()

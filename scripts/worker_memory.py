"""Where a worker's memory goes: RSS and PSS of processes that serve as gunicorn's workers do, by part.

Each process maps the database's index snapshot and loads the model as ``post_worker_init`` does
(``app.matching.warm_up``), serves ``--suggestions`` suggestions and ``--searches`` searches, and, with
``--edit``, saves one profile and runs the worker's job on it (so that its next page patches the index),
then serves again. Its ``/proc/PID/smaps`` is then summed by part: each file of the snapshot, the
model's weights, torch's and the other shared libraries, and anonymous memory (the Python heap,
numpy arrays and the model's tensors). Run on a copy of a database, never on the original (an edit
writes to it)::

    PASSERELLE_DATABASE=/tmp/copy.db PASSERELLE_INSTANCE=/tmp/inst python scripts/worker_memory.py \\
        --workers 4 --edit

``--proposals`` measures the background worker instead, in this process: the model loaded as
``flask worker`` loads it, the snapshot (built by a child process if there is none, as the worker
has it built), ``--saves`` profile saves done by the worker's engine
jobs, then a whole proposal run, printing RSS and peak (``VmHWM``, reset at each phase through
``/proc/self/clear_refs``) of each phase and of every tenth proposal block, the peak's phase within
a block (picking candidates, ranking them), and the parts of the memory at the end::

    PASSERELLE_DATABASE=/tmp/copy.db PASSERELLE_INSTANCE=/tmp/inst python scripts/worker_memory.py \\
        --proposals --saves 3
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parts(pid: int) -> dict[str, tuple[int, int]]:
    """(RSS kB, PSS kB) of each part of process ``pid``'s memory."""
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    name = "anonymous"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and ":" not in head[0]:  # a mapping's first line
            name = _part(head[5] if len(head) > 5 else "")
        elif head and head[0] in ("Rss:", "Pss:"):
            found[name][head[0] == "Pss:"] += int(head[1])
    return {key: (rss, pss) for key, (rss, pss) in found.items()}


def _part(path: str) -> str:
    if not path or path.startswith("[anon") or path in ("[heap]", "[stack]"):
        return "anonymous (heap, arrays, tensors)"
    if "/index/" in path:
        return "snapshot " + Path(path).name
    if "torch" in path:
        return "torch libraries"
    if path.endswith((".safetensors", ".bin")):
        return "model weights file"
    if path.startswith("["):
        return "other " + path
    return "other files and libraries"


def serve(args: argparse.Namespace) -> None:
    """One worker: warm up, serve, maybe edit, print its stages' RSS, then wait for stdin to close."""
    from app import create_app, matching
    from app.db import get_db
    from app.orgs.queries import get_organisation, update_organisation

    stages = [("imports", _rss())]
    app = create_app()
    with app.app_context():
        matching.warm_up(model=True)  # as gunicorn's post_worker_init
        stages.append(("warm_up (model, snapshot)", _rss()))
        db = get_db()
        picked = db.execute("SELECT id FROM organisations ORDER BY random() LIMIT ?", [args.suggestions])
        ids = [row[0] for row in picked]
        _requests(db, ids, args.searches)
        stages.append(("after requests", _rss()))
        if args.edit:
            org_id = ids[0]
            org = get_organisation(db, org_id)
            seeks = f"{org['seeks']} Vecteurs AAV, pid {os.getpid()}."
            update_organisation(db, org_id, {**org, "seeks": seeks})
            matching.refresh_org(db, org_id)  # the worker's job
            _requests(db, ids, args.searches)
            stages.append(("after an edit and requests", _rss()))
    print(" | ".join(f"{name} {kb // 1024}" for name, kb in stages), flush=True)
    sys.stdin.read()


def _requests(db, ids: list[int], searches: int) -> None:
    from app import matching

    for org_id in ids:
        matching.suggestions_for(db, org_id, "joint_trial", top_k=10)
    texts = ("thérapie cellulaire", "gene therapy vectors", "CAR-T", "organoids", "GMP training")
    for i in range(searches):
        matching.search(db, texts[i % len(texts)])


def _rss() -> int:
    return _status("VmRSS")


def _status(field: str) -> int:
    """A field of /proc/self/status, in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    """Start ``VmHWM`` again from the current RSS (Linux 4.0 and later)."""
    Path("/proc/self/clear_refs").write_text("5")


class Peaks:
    """RSS and peak RSS of named phases, and the highest peak seen in each phase within blocks."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.within: dict[str, int] = defaultdict(int)
        self.outer = 0  # the peak of the current line's phase before a block's phase reset it

    def line(self, name: str) -> None:
        """Print the RSS and the peak since the last reset, then reset it."""
        seconds = time.perf_counter() - self.started
        rss, peak = _status("VmRSS") // 1024, max(self.outer, _status("VmHWM")) // 1024
        anonymous, files = _status("RssAnon") // 1024, _status("RssFile") // 1024
        print(f"  {seconds:7.1f} s  {name:42} RSS {rss:5} MiB (anonymous {anonymous:5}, files {files:4})  "
              f"peak {peak:5} MiB", flush=True)  # fmt: skip
        self.outer = 0
        _reset_peak()

    @contextmanager
    def inside(self, name: str):
        """Record the peak of one phase of a block, then reset it."""
        self.outer = max(self.outer, _status("VmHWM"))
        _reset_peak()
        try:
            yield
        finally:
            peak = _status("VmHWM")
            self.within[name], self.outer = max(self.within[name], peak // 1024), max(self.outer, peak)
            _reset_peak()


def proposals(args: argparse.Namespace) -> None:
    """The background worker's memory over a proposal run (see the module's docstring)."""
    from app import create_app, matching
    from app.coordination import proposals as runs
    from app.db import get_db, immediate, init_db
    from app.engine_jobs import request, run_due
    from app.orgs.queries import get_organisation, update_organisation
    from app.worker import build_index_apart, load_model
    from models.matching import batch

    peaks = Peaks()
    _reset_peak()
    app = create_app()
    with app.app_context():
        init_db(get_db())  # a copy made before the latest migrations
        peaks.line("imports, app, migrations")
        load_model()  # as `flask worker` starts
        peaks.line("model loaded")
        db = get_db()
        if build_index_apart(db):  # as the worker does for a proposal run when it would build
            peaks.line("index built by `flask index`, a child")
        matching.engine(db)
        peaks.line("snapshot loaded")
        picked = db.execute("SELECT id FROM organisations ORDER BY random() LIMIT ?", [args.saves])
        for (org_id,) in picked.fetchall():
            org = get_organisation(db, org_id)
            with immediate(db):
                update_organisation(db, org_id, {**org, "seeks": f"{org['seeks']} Vecteurs AAV."})
                request(db, org_id)
            run_due(db)  # the worker embeds it (the model's batch)
            matching.engine(db)  # and patches its index
            peaks.line(f"profile {org_id} saved, embedded, patched")
        _instrument(batch, peaks)
        config = app.config
        with db.atomic():
            db.execute("DELETE FROM pairings WHERE origin = 'engine'")
            db.execute("DELETE FROM proposal_progress")
        blocks, cpu = [0], time.process_time()

        def progress(done: int, total: int) -> None:
            blocks[0] += 1
            if blocks[0] % 10 == 0 or done == total or blocks[0] == args.blocks:
                peaks.line(f"proposal block {blocks[0]} ({done:,} of {total:,})")
            if blocks[0] == args.blocks:
                raise _Enough

        begun = time.perf_counter()
        with suppress(_Enough):
            settings = config["PROPOSAL_MIN_SCORE"], config["PROPOSALS_PER_ORG"]
            runs.propose(db, matching.engine, *settings, progress=progress)
        seconds, cpu = time.perf_counter() - begun, time.process_time() - cpu
        created = db.execute("SELECT COUNT(*) FROM pairings WHERE origin = 'engine'").fetchone()[0]
    print(
        f"proposals, {blocks[0]} blocks, PROPOSAL_BLOCK_MB {config['PROPOSAL_BLOCK_MB']}: {seconds:.1f} s "
        f"({cpu:.1f} s CPU), {created:,} pairings"
    )
    print("peak within a block: " + ", ".join(f"{name} {mib} MiB" for name, mib in peaks.within.items()))
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; parts at the end (RSS MiB):")
    for name, (rss, _) in sorted(parts(os.getpid()).items(), key=lambda item: -item[1][0]):
        if rss >= 1024:
            print(f"  {name[:40]:40} {rss / 1024:7.1f}")


class _Enough(Exception):
    """The blocks asked for (``--blocks``) are done."""


def _instrument(batch, peaks: Peaks) -> None:
    """Wrap the two phases of a proposal block so that ``peaks`` sees each one's peak."""
    phases = ((batch.Candidates, "scored_rows_tracks", "candidates"), (batch, "_rank", "rank"))
    for owner, name, label in phases:
        inner = getattr(owner, name)

        def wrapped(*a, _inner=inner, _label=label, **k):
            with peaks.inside(_label):
                return _inner(*a, **k)

        setattr(owner, name, wrapped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--suggestions", type=int, default=100)
    parser.add_argument("--searches", type=int, default=10)
    parser.add_argument("--edit", action="store_true", help="each worker also saves a profile and patches")
    parser.add_argument("--proposals", action="store_true", help="the background worker over a proposal run")
    parser.add_argument("--saves", type=int, default=3, help="profile saves before the proposal run")
    parser.add_argument("--blocks", type=int, default=0, help="stop the proposal run after this many blocks")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.proposals:
        proposals(args)
        return
    if args.serve:
        serve(args)
        return
    command = [sys.executable, __file__, "--serve", "--suggestions", str(args.suggestions),
               "--searches", str(args.searches)] + (["--edit"] if args.edit else [])  # fmt: skip
    procs = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
        for _ in range(args.workers)
    ]
    stages = [proc.stdout.readline().strip() for proc in procs]  # each has served: all alive now
    figures = [parts(proc.pid) for proc in procs]
    for proc in procs:
        proc.stdin.close()
        proc.wait(timeout=120)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; RSS MiB at each stage:")
    for line in stages:
        print("  " + line)
    for figure in figures:
        figure["total"] = (sum(v[0] for v in figure.values()), sum(v[1] for v in figure.values()))
    names = sorted(
        {name for f in figures for name in f}, key=lambda n: -max(f.get(n, (0, 0))[0] for f in figures)
    )
    print(f"{'MiB':40} " + " ".join(f"{'RSS / PSS w' + str(i):>15}" for i in range(len(figures))))
    for name in names:
        if max(f.get(name, (0, 0))[0] for f in figures) >= 512:  # parts of half a MiB or more
            cells = [f.get(name, (0, 0)) for f in figures]
            print(f"{name[:40]:40} " + " ".join(f"{rss / 1024:7.1f}/{pss / 1024:6.1f}" for rss, pss in cells))


if __name__ == "__main__":
    main()

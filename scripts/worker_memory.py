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
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections import defaultdict
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
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--suggestions", type=int, default=100)
    parser.add_argument("--searches", type=int, default=10)
    parser.add_argument("--edit", action="store_true", help="each worker also saves a profile and patches")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
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

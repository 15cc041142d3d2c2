"""``make bench``: every figure of issue 14 in one run, then one table against the targets.

Each benchmark runs in its own process (so its peak memory is its own) and prints its table as it
goes; its figures come back through :mod:`bench.report` for the summary at the end. The 10k and
100k databases are made once per run with :mod:`bench.make_db` from the embedded seed database
(``--source``), or taken from ``--db10k`` / ``--db100k`` (copied by every benchmark, never written).
``--quick`` stops at 10k. ``make bench BENCH_ARGS="--db10k /tmp/p10k.db --db100k /tmp/p100k.db"``.

Proposals: when ``bench/bench_proposals.py`` is there (proposals as the worker runs them, branch
i14p), it runs and gives the figure, as ``report.emit("proposals", {"10000": seconds, "100000":
seconds, "100000_estimated": bool})``; else :func:`bench.bench_trip.proposals_seconds` times ``flask
propose --force`` in a new process, on the same copy as plan-trip.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parent.parent
GB_IN_MIB = 1e9 / 2**20  # the target says 1 GB; /proc gives KiB


def run(module: str, *args: str) -> dict[str, dict]:
    """Run ``python -m module args``, echo its output, return the figures it emitted by name."""
    print(f"\n=== {module} {' '.join(args)}  (load average {report.load_average()})", flush=True)
    started = time.perf_counter()
    figures: dict[str, dict] = {}
    with subprocess.Popen(
        [sys.executable, "-m", module, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1
    ) as proc:
        for line in proc.stdout:
            found = report.parse(line)
            if found is None:
                print(line, end="", flush=True)
            else:
                figures[found[0]] = found[1]
    status = "" if proc.returncode == 0 else f", FAILED with exit status {proc.returncode}"
    print(f"=== {module}: {time.perf_counter() - started:.0f} s{status}", flush=True)
    return figures


def databases(args, folder: Path) -> dict[int, Path]:
    """The 10k (and 100k) databases: the ones given, else made once for the whole run."""
    given = {10_000: args.db10k, 100_000: args.db100k}
    out = {}
    for n in (10_000,) if args.quick else (10_000, 100_000):
        if given[n] is not None:
            out[n] = given[n]
            continue
        out[n] = folder / f"orgs-{n}.db"
        started = time.perf_counter()
        make = ["-m", "bench.make_db", "--orgs", str(n), "--out", str(out[n]), "--source", str(args.source)]
        subprocess.run([sys.executable, *make], cwd=ROOT, check=True, capture_output=True)
        print(f"made {out[n]} ({n:,} organisations) in {time.perf_counter() - started:.0f} s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="stop at 10k organisations")
    parser.add_argument("--db10k", type=Path, help="a 10k database of bench/make_db.py (copied)")
    parser.add_argument("--db100k", type=Path, help="a 100k database of bench/make_db.py (copied)")
    default = os.environ.get("PASSERELLE_DATABASE", ROOT / "data" / "passerelle.db")
    parser.add_argument("--source", type=Path, default=Path(default), help="the embedded seed database")
    args = parser.parse_args()
    if not args.source.exists():
        raise SystemExit(f"{args.source} does not exist: run `make setup` first (or give --source)")
    started = time.perf_counter()
    print(f"make bench: {os.cpu_count()} cpus ({platform.processor() or platform.machine()}), "
          f"load average {report.load_average()} at the start")  # fmt: skip
    figures: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="passerelle-bench-") as folder:
        dbs = databases(args, Path(folder))
        figures |= run("bench.bench_embeddings")
        bigger = ["--quick"] if args.quick else ["--db100k", str(dbs[100_000])]
        scale = ["--db10k", str(dbs[10_000]), *bigger, "--source", str(args.source)]
        figures |= run("bench.bench_scale", *scale)
        dedicated = importlib.util.find_spec("bench.bench_proposals") is not None
        if dedicated:
            figures |= run("bench.bench_proposals", *scale, *([] if args.quick else ["--whole"]))
        for n, path in dbs.items():
            trip = run("bench.bench_trip", "--db", str(path), *(["--no-proposals"] if dedicated else []))
            figures |= {f"{name}-{n}": value for name, value in trip.items()}
        figures |= run("bench.bench_planner")
        figures |= run("bench.bench_pdf")
        figures |= run("bench.bench_import")
    summary(figures, args.quick)
    print(f"\nmake bench took {(time.perf_counter() - started) / 60:.0f} min; "
          f"load average {report.load_average()} at the end")  # fmt: skip


def _get(figures: dict, *path):
    for key in path:
        if not isinstance(figures, dict) or key not in figures:
            return None
        figures = figures[key]
    return figures


def _ms(s: dict | None) -> str:
    return "not measured" if s is None else f"p50 {s['median']:.0f} / p95 {s['p95']:.0f} ms"


def _verdict(value, ok) -> str:
    return "not measured" if value is None else ("met" if ok(value) else "MISSED")


def summary(figures: dict, quick: bool) -> None:
    """One row per figure of the issue: measured, target, met or missed."""
    rows: list[tuple[str, str, str, str]] = []
    emb = figures.get("embeddings", {})
    share = emb.get("bound_share")
    rows.append(("embedding, % of the bf16 bound (median)",
                 "not measured" if share is None else f"{100 * share['median']:.0f}% "
                 f"({100 * share['min']:.0f}-{100 * share['max']:.0f})", ">= 70%",
                 _verdict(share, lambda s: s["median"] >= 0.70)))  # fmt: skip
    one_core = emb.get("one_core_share")
    rows.append(("embedding, same on one thread in CPU time",
                 "not measured" if one_core is None else f"{100 * one_core:.0f}%", ">= 70%",
                 _verdict(one_core, lambda s: s >= 0.70)))  # fmt: skip
    cosine = emb.get("cosine_min")
    rows.append(("embedding, min cosine to float32", "not measured" if cosine is None else f"{cosine:.5f}",
                 ">= 0.99", _verdict(cosine, lambda c: c >= 0.99)))  # fmt: skip
    speed = emb.get("speedup")
    rows.append(("embedding, x plain float32 encode", "not measured" if speed is None else f"{speed:.2f}x",
                 "", ""))  # fmt: skip
    sizes = ("1000", "10000") if quick else ("1000", "10000", "100000")
    page_target = {"10000": 200, "100000": 300}
    for n in sizes:
        served, bare = _get(figures, "scale", n, "served"), _get(figures, "scale", n, "bare")
        target = page_target.get(n)
        rows.append((f"suggest at {int(n):,} (bare numpy: {_ms(bare)})", _ms(served),
                     f"p95 < {target} ms (page)" if target else "",
                     _verdict(served, lambda s, t=target: s["p95"] < t) if target else ""))  # fmt: skip
    for n in sizes:
        rows.append((f"search at {int(n):,}", _ms(_get(figures, "scale", n, "search")), "", ""))
    for n in sizes:
        visible = _get(figures, "scale", n, "visible_worker")  # with the woken worker's pick-up
        big = n == "100000"
        rows.append((f"save to visible at {int(n):,} (worker)", _ms(visible), "< 2 s" if big else "",
                     _verdict(visible, lambda s: s["p95"] < 2000) if big else ""))  # fmt: skip
    for n in sizes[1:]:
        rss = _get(figures, "scale", n, "memory", "rss")
        shown = "not measured"
        if rss is not None:
            shown = f"{rss['median']:.0f} MiB ({rss['min']:.0f}-{rss['max']:.0f})"
        rows.append((f"RSS per worker, 4 workers, {int(n):,}", shown,
                     f"< 1 GB ({GB_IN_MIB:.0f} MiB)" if n == "100000" else "",
                     _verdict(rss, lambda s: s["max"] < GB_IN_MIB) if n == "100000" else ""))  # fmt: skip
    for n in sizes[1:]:
        proposals = _get(figures, "proposals", n)
        estimated = " (estimated from a part)" if _get(figures, "proposals", f"{n}_estimated") else ""
        if proposals is None:
            proposals = _get(figures, f"trip-{n}", "proposals_s")
        rows.append((f"proposals, {int(n):,}",
                     "not measured" if proposals is None else f"{proposals / 60:.1f} min{estimated}",
                     "< 15 min" if n == "100000" else "",
                     _verdict(proposals, lambda s: s < 900) if n == "100000" else ""))  # fmt: skip
    for n in sizes[1:]:
        wall = _get(figures, f"trip-{n}", "plan_trip", "wall")
        solver = _get(figures, f"trip-{n}", "plan_trip", "solver")
        plans = _get(figures, f"trip-{n}", "plan_trip", "plans") or []
        kept = f", {plans[0]['meetings']} (greedy {plans[0]['greedy_meetings']}) meetings" if plans else ""
        shown = "not measured" if wall is None else (
            f"{wall['median']:.1f} s ({wall['min']:.1f}-{wall['max']:.1f}), "
            f"solver {solver['median']:.1f} s{kept}"
        )  # fmt: skip
        rows.append((f"flask plan-trip, 80 hosts, {int(n):,}", shown, "< 5 s" if n == "10000" else "",
                     _verdict(wall, lambda s: s["median"] < 5) if n == "10000" else ""))  # fmt: skip
    pdf = _get(figures, "pdf", "seconds")
    rows.append(("briefing PDF, 70 meetings", "not measured" if pdf is None else f"{pdf['median']:.2f} s",
                 "< 1 s", _verdict(pdf, lambda s: s["median"] < 1)))  # fmt: skip
    planner = _get(figures, "planner", "slowest_s")
    rows.append(("trip solver, mission case (synthetic)", "not measured" if planner is None else
                 f"slowest {planner:.2f} s", "< 5 s", _verdict(planner, lambda s: s < 5)))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    print("\nSummary against the targets of issue 14 (medians; min-max in brackets)")
    header = ("figure", "measured", "target", "")
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()

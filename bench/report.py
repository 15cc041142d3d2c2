"""How a benchmark hands its figures to ``make bench``'s summary: one marked JSON line on its output.

Each benchmark prints its own table for people, then calls :func:`emit` once; ``python -m bench``
runs it as a subprocess, shows every other line as it comes, and keeps the marked ones for the
table of targets at the end (:mod:`bench.__main__`).
"""

from __future__ import annotations

import json
import os

import numpy as np

MARK = "@bench-figures "


def emit(name: str, figures: dict) -> None:
    """Print ``figures`` (numbers, strings, lists or dicts of them) for the summary, under ``name``."""
    print(MARK + json.dumps({"name": name, "figures": figures}, default=_plain), flush=True)


def parse(line: str) -> tuple[str, dict] | None:
    """The (name, figures) of a marked line, else None."""
    if not line.startswith(MARK):
        return None
    found = json.loads(line[len(MARK) :])
    return found["name"], found["figures"]


def spread(samples, scale: float = 1.0) -> dict:
    """Median, p95, min and max of ``samples`` (times ``scale``, e.g. 1000 for ms)."""
    values = np.asarray(samples, dtype=float) * scale
    return {
        "median": float(np.median(values)),
        "p95": float(np.percentile(values, 95)),
        "min": float(values.min()),
        "max": float(values.max()),
        "n": int(values.size),
    }


def load_average() -> str:
    """The 1, 5 and 15-minute load averages (2 shared cores: more than 2 means other work ran too)."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot report {type(value).__name__}")

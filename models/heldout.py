"""The held-out sets: profiles no fitting or vocabulary step may see, and the guard that enforces it.

``data/eval/heldout/profiles.jsonl`` (v1), ``data/eval/heldout2/profiles.jsonl`` (v2),
``data/eval/heldout3/profiles.jsonl`` (v3), ``data/eval/heldout4/profiles.jsonl`` (v4) and
``data/eval/heldout5/profiles.jsonl`` (v5) hold profiles
of real organisations of the two ecosystems that are not in the seed (nor in another set), each
written in the language the organisation writes in, with its ``source``; each ``queries.jsonl`` grades
partners for them over the seed and that set's profiles. v1 has been looked at while the engine was
tuned, so it serves as a development set; v2 and v3 were written before any tuning on them and are
looked at only to report. v4 and v5, written last, are judged only when asked for by name
(:data:`JUDGED_BY_DEFAULT` leaves them out), so that no evaluation run while tuning shows their figures.
Every step that learns from data (the weights, a vocabulary grown from the corpus, stop words,
thresholds, training pairs from decisions) calls :func:`refuse_held_out` on the organisations it
is about to learn from, so the held-out figures stay figures about profiles nobody tuned to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from models.errors import PasserelleError

EVAL_DIR = Path(__file__).resolve().parent.parent / "data" / "eval"
HELDOUT_DIR = EVAL_DIR / "heldout"
PROFILES_PATH = HELDOUT_DIR / "profiles.jsonl"
QUERIES_PATH = HELDOUT_DIR / "queries.jsonl"
HELDOUT2_DIR = EVAL_DIR / "heldout2"
PROFILES2_PATH = HELDOUT2_DIR / "profiles.jsonl"
QUERIES2_PATH = HELDOUT2_DIR / "queries.jsonl"
HELDOUT3_DIR = EVAL_DIR / "heldout3"
PROFILES3_PATH = HELDOUT3_DIR / "profiles.jsonl"
QUERIES3_PATH = HELDOUT3_DIR / "queries.jsonl"
HELDOUT4_DIR = EVAL_DIR / "heldout4"
PROFILES4_PATH = HELDOUT4_DIR / "profiles.jsonl"
QUERIES4_PATH = HELDOUT4_DIR / "queries.jsonl"
HELDOUT5_DIR = EVAL_DIR / "heldout5"
PROFILES5_PATH = HELDOUT5_DIR / "profiles.jsonl"
QUERIES5_PATH = HELDOUT5_DIR / "queries.jsonl"
#: every held-out set, by the name ``flask evaluate`` prints: (profiles, queries)
HELD_OUT_SETS = {
    "held-out v1": (PROFILES_PATH, QUERIES_PATH),
    "held-out v2": (PROFILES2_PATH, QUERIES2_PATH),
    "held-out v3": (PROFILES3_PATH, QUERIES3_PATH),
    "held-out v4": (PROFILES4_PATH, QUERIES4_PATH),
    "held-out v5": (PROFILES5_PATH, QUERIES5_PATH),
}
#: the sets ``flask evaluate`` judges when none is named; v4 and v5 only when named (``--held-out v5``)
JUDGED_BY_DEFAULT = ("held-out v1", "held-out v2", "held-out v3")


class HeldOutLeak(PasserelleError):
    """A fitting or vocabulary step was handed held-out organisations; ``names`` lists them."""

    def __init__(self, step: str, names: Iterable[str]):
        self.names = sorted(set(names))
        super().__init__(
            f"{step} must not learn from held-out organisations: {', '.join(self.names)} "
            "(see data/eval/heldout/ to heldout5/)"
        )


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_profiles(path: Path = PROFILES_PATH) -> list[dict]:
    """The held-out profiles, in the import format."""
    return _jsonl(path) if path.exists() else []


@cache
def held_out_names(path: Path | None = None) -> frozenset[str]:
    """Short names of the organisations of one held-out set, or of every set by default (read once)."""
    paths = [path] if path is not None else [profiles for profiles, _ in HELD_OUT_SETS.values()]
    return frozenset(profile["short_name"] for one in paths for profile in load_profiles(one))


def refuse_held_out(step: str, names: Iterable[str], held_out: frozenset[str] | None = None) -> None:
    """Raise :class:`HeldOutLeak` if any of ``names`` is a held-out organisation."""
    held_out = held_out_names() if held_out is None else held_out
    leaked = [name for name in names if name in held_out]
    if leaked:
        raise HeldOutLeak(step, leaked)


def without_held_out(records: Iterable[dict], held_out: frozenset[str] | None = None) -> list[dict]:
    """The records whose ``short_name`` is not held out (for steps that skip rather than refuse)."""
    held_out = held_out_names() if held_out is None else held_out
    return [record for record in records if record.get("short_name") not in held_out]

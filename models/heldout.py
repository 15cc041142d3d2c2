"""The held-out sets: profiles no fitting or vocabulary step may see, and the guard that enforces it.

Each set in ``data/eval/`` (``heldout/`` is v1, ``heldout2/`` to ``heldout8/`` v2 to v8) holds
profiles of real organisations of the two ecosystems that are not in the seed (nor in another set),
each written in the language the organisation writes in, with its ``source``; its ``queries.jsonl``
grades partners for them over the seed and that set's profiles.
v1 to v4 were each looked at while the engine was tuned (v1 some thirty times, v2 to v4 at the end
of each round, and what to keep was chosen on them), and v5 and v6 at the look that chose the
weights (README, *The look at v6*): they are the *development* sets (:data:`DEVELOPMENT_SETS`).
Since the look at v6 the weights are fitted on the seed and v1 to v4, and since the look at v7 on
v5 and v6 as well (README, *The look at v7*); they are judged out of fold on every run. v7 and v8
are the held-out sets: judged only when asked for by name, and never fitted on (v8, written after the
look at v7, has not been looked at). Every step that learns from data (the weights, a vocabulary
grown from the corpus, stop words, thresholds, training pairs from decisions) calls
:func:`refuse_held_out` on the organisations it is about to learn from, so the held-out figures stay
figures about profiles nobody tuned to.
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
HELDOUT6_DIR = EVAL_DIR / "heldout6"
PROFILES6_PATH = HELDOUT6_DIR / "profiles.jsonl"
QUERIES6_PATH = HELDOUT6_DIR / "queries.jsonl"
HELDOUT7_DIR = EVAL_DIR / "heldout7"
PROFILES7_PATH = HELDOUT7_DIR / "profiles.jsonl"
QUERIES7_PATH = HELDOUT7_DIR / "queries.jsonl"
HELDOUT8_DIR = EVAL_DIR / "heldout8"
PROFILES8_PATH = HELDOUT8_DIR / "profiles.jsonl"
QUERIES8_PATH = HELDOUT8_DIR / "queries.jsonl"
#: every set of profiles written apart from the seed, by the name ``flask evaluate`` prints:
#: (profiles, queries); the development sets are fitted on, the held-out ones never
HELD_OUT_SETS = {
    "development v1": (PROFILES_PATH, QUERIES_PATH),
    "development v2": (PROFILES2_PATH, QUERIES2_PATH),
    "development v3": (PROFILES3_PATH, QUERIES3_PATH),
    "development v4": (PROFILES4_PATH, QUERIES4_PATH),
    "development v5": (PROFILES5_PATH, QUERIES5_PATH),
    "development v6": (PROFILES6_PATH, QUERIES6_PATH),
    "held-out v7": (PROFILES7_PATH, QUERIES7_PATH),  # written after them: judged only when named
    "held-out v8": (PROFILES8_PATH, QUERIES8_PATH),
}
#: the sets looked at while tuning or at a look that chose: the weights are fitted on them with the
#: seed (v1 to v4 since the look at v6, v5 and v6 since the look at v7), and they are judged out of
#: fold on every run
DEVELOPMENT_SETS = tuple(f"development v{n}" for n in range(1, 7))
#: the sets judged when none is named; the held-out ones only when named
JUDGED_BY_DEFAULT = DEVELOPMENT_SETS


class HeldOutLeak(PasserelleError):
    """A fitting or vocabulary step was handed held-out organisations; ``names`` lists them."""

    def __init__(self, step: str, names: Iterable[str]):
        self.names = sorted(set(names))
        super().__init__(
            f"{step} must not learn from held-out organisations: {', '.join(self.names)} "
            "(see data/eval/README.md)"
        )


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_profiles(path: Path = PROFILES_PATH) -> list[dict]:
    """The held-out profiles, in the import format."""
    return _jsonl(path) if path.exists() else []


@cache
def held_out_names(path: Path | None = None) -> frozenset[str]:
    """Short names of the organisations of one set, or by default of every set that no fitting step
    may see: all but the development sets (read once)."""
    paths = (
        [path]
        if path is not None
        else [profiles for name, (profiles, _) in HELD_OUT_SETS.items() if name not in DEVELOPMENT_SETS]
    )
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

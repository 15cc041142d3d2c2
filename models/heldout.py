"""The held-out set: profiles no fitting or vocabulary step may see, and the guard that enforces it.

``data/eval/heldout/profiles.jsonl`` holds profiles of real organisations of the two ecosystems
that are not in the seed, each written in the language the organisation writes in, with its
``source``; ``queries.jsonl`` grades partners for them over the seed and held-out profiles alike.
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

HELDOUT_DIR = Path(__file__).resolve().parent.parent / "data" / "eval" / "heldout"
PROFILES_PATH = HELDOUT_DIR / "profiles.jsonl"
QUERIES_PATH = HELDOUT_DIR / "queries.jsonl"


class HeldOutLeak(PasserelleError):
    """A fitting or vocabulary step was handed held-out organisations; ``names`` lists them."""

    def __init__(self, step: str, names: Iterable[str]):
        self.names = sorted(set(names))
        super().__init__(
            f"{step} must not learn from held-out organisations: {', '.join(self.names)} "
            f"(see {PROFILES_PATH.relative_to(HELDOUT_DIR.parent.parent.parent)})"
        )


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_profiles(path: Path = PROFILES_PATH) -> list[dict]:
    """The held-out profiles, in the import format."""
    return _jsonl(path) if path.exists() else []


@cache
def held_out_names(path: Path = PROFILES_PATH) -> frozenset[str]:
    """Short names of the held-out organisations (read once per process)."""
    return frozenset(profile["short_name"] for profile in load_profiles(path))


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

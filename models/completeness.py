"""How complete a profile is for matching: what a member should add to be matched better.

Each check is one item of :data:`CHECKS`, worth the same share of the gauge; the codes are shown
in the reader's language by the web layer (``label("completeness", code)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from models.vocabulary import COMPLETENESS_CODES

MIN_EXPERTISE = 300  # characters: below this, the expertise gives the engine too little to read
MIN_SEEKS = 80  # characters: one short phrase says little about the partner wanted
CHECKS = COMPLETENESS_CODES


@dataclass(frozen=True)
class Completeness:
    """The items still missing (codes of :data:`CHECKS`, in that order) and the share done."""

    missing: tuple[str, ...]

    @property
    def percent(self) -> int:
        """The share of the checks met, 0 to 100."""
        return round(100 * (len(CHECKS) - len(self.missing)) / len(CHECKS))


def completeness(org: Mapping, contacts: int) -> Completeness:
    """What ``org`` (a profile with its list fields decoded) lacks, given its number of contact persons."""
    if contacts < 0:
        raise ValueError(f"contacts must be 0 or more, got {contacts}")
    met = {
        "seeks": len((org.get("seeks") or "").strip()) >= MIN_SEEKS,
        "expertise": len((org.get("expertise") or "").strip()) >= MIN_EXPERTISE,
        "tracks": bool(org.get("collaboration_types")),
        "contact": contacts > 0,
        "address": bool((org.get("address") or "").strip()),
    }
    return Completeness(tuple(check for check in CHECKS if not met[check]))

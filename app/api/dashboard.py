"""API view of the programme dashboard: the figures of the coordinators' page and its workbook.

The figures come from ``app.coordination.dashboard.figures``, which the page and the XLSX export
read too, so the three agree. Coordinators and administrators only, as the page.
"""

from __future__ import annotations

from flask import jsonify

from app.api.trips import coordinators_only
from app.coordination import dashboard
from app.db import get_db
from models.vocabulary import FOLLOWUP_OUTCOMES, PAIRING_STATUSES

NEVER_MATCHED_KEYS = ("id", "short_name", "name", "region", "city")


def _counts(counter, keys) -> dict[str, int]:
    """Every key of the vocabulary with its count (0 when none)."""
    return {key: counter.get(key, 0) for key in keys}


@coordinators_only
def show_dashboard():
    """Pairings by track and status, requests, past trips' meetings held, outcomes, never matched."""
    data = dashboard.figures(get_db(), listed=dashboard.NEVER_MATCHED_SHOWN)
    return jsonify(
        ok=True,
        pairings=[
            {"track": track, "statuses": _counts(counts, PAIRING_STATUSES)}
            for track, counts in data["pairings"].items()
        ],
        requests=data["requests"],
        meetings=data["meetings"],
        outcomes_by_track=[
            {"track": track, "outcomes": _counts(counts, FOLLOWUP_OUTCOMES)}
            for track, counts in sorted(data["outcomes_by_track"].items())
        ],
        outcomes_by_trip=[
            {"trip": trip, "outcomes": _counts(counts, FOLLOWUP_OUTCOMES)}
            for trip, counts in sorted(data["outcomes_by_trip"].items())
        ],
        never_matched={
            "total": data["never_matched_total"],
            "items": [{key: row[key] for key in NEVER_MATCHED_KEYS} for row in data["never_matched"]],
        },
    )

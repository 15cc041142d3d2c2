"""After a trip: the short form each organisation at a meeting answers, twice (b2match's second stage).

Stage 1 is asked the day after the trip's last day, stage 2 ``SECOND_STAGE_DAYS`` later. Each
organisation at a published meeting (the delegation's, a guest's, the host) answers for itself:
did the meeting take place, how relevant it was (1 to 5), what came of it (``FOLLOWUP_OUTCOMES`` of
:mod:`models.vocabulary`), and
the next step.
"""

from __future__ import annotations

from datetime import date, timedelta

from models.vocabulary import FOLLOWUP_STAGES as STAGES

SECOND_STAGE_DAYS = 120  # about four months after the trip
RELEVANCE = (1, 2, 3, 4, 5)
NEXT_STEP_LENGTH = 500


def due_date(last_day: date, stage: int) -> date:
    """The day a stage's form is first asked, for a trip that ended on ``last_day``."""
    if stage not in STAGES:
        raise ValueError(f"stage must be 1 or 2, got {stage}")
    return last_day + timedelta(days=1 if stage == 1 else SECOND_STAGE_DAYS)

"""`flask followups`: make the follow-up forms that are due (for cron or the worker) and say how many."""

from __future__ import annotations

import click

from app.db import get_db
from app.followup import queries
from app.followup.routes import today


@click.command("followups")
def followups_command() -> None:
    """Make the follow-up forms due today for past trips; print how many wait for a mail and an answer."""
    db = get_db()
    made = queries.open_due(db, today())
    waiting = len(queries.to_mail(db))
    click.echo(f"{made} follow-up forms made; {waiting} not mailed yet (they are shown in the app).")

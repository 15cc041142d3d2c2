"""``flask plan-trip TRIP_ID`` and ``flask publish-trip TRIP_ID``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.db import get_db
from app.errors import click_error
from app.operations import SYSTEM, trips
from app.trips import queries
from app.trips.plan_jobs import TIME_LIMITS
from models.errors import PasserelleError


def _trip(trip_id: int) -> dict:
    trip = queries.get_trip(get_db(), trip_id)
    if trip is None:
        known = ", ".join(f"{t['id']} ({t['name']})" for t in queries.list_trips(get_db())) or "none"
        raise click.ClickException(f"No trip has id {trip_id}. Trips: {known}.")
    return trip


@click.command("plan-trip")
@with_appcontext
@click.argument("trip_id", type=int)
@click.option(
    "--time-limit",
    type=click.FloatRange(*TIME_LIMITS),
    default=None,
    help="Seconds; default TRIP_PLAN_SECONDS.",
)
def plan_trip_command(trip_id: int, time_limit: float | None) -> None:
    """Plan a trip and store the plan as its draft (the published meetings do not change)."""
    trip = _trip(trip_id)
    try:
        run = trips.plan(get_db(), SYSTEM, trip_id, time_limit)
    except PasserelleError as error:
        raise click_error(error) from None
    plan, greedy = run.plan, run.greedy
    click.echo(f"{trip['name']}: {len(plan.meetings)} meetings by {plan.method} in {plan.seconds:.2f} s.")
    baseline = f"greedy baseline {greedy.objective:.2f}, {len(greedy.meetings)} meetings"
    click.echo(f"Objective {plan.objective:.2f} ({baseline}).")
    for note in plan.notes:
        click.echo(f"Note: {note}")
    click.echo(f"The draft is stored; `flask publish-trip {trip_id}` publishes it.")


@click.command("publish-trip")
@with_appcontext
@click.argument("trip_id", type=int)
def publish_trip_command(trip_id: int) -> None:
    """Publish a trip's draft: uids kept, sequences bumped only for meetings that changed."""
    trip = _trip(trip_id)
    report = trips.publish(get_db(), SYSTEM, trip_id)
    click.echo(
        f"{trip['name']}: published {report.created} new, {report.changed} changed, "
        f"{report.unchanged} unchanged, {report.cancelled} cancelled meeting(s)."
    )

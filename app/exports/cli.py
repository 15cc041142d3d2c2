"""``flask export-trip`` and ``flask export-pairings``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.db import get_db
from app.errors import click_error
from app.exports.files import PAIRING_RENDERERS, TRIP_RENDERERS
from app.exports.queries import approved_pairings, export_trip
from models import exports
from models.errors import NotFound
from models.vocabulary import INTERFACE_LANGUAGES

LANGUAGE = click.option("--lang", type=click.Choice(INTERFACE_LANGUAGES), default="fr", show_default=True)


@click.command("export-trip")
@click.argument("trip_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "pdf", "ics"]), required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="File (a folder for ics). Default: named after the trip.",
)
@LANGUAGE
@with_appcontext
def export_trip_command(trip_id: int, fmt: str, output: Path | None, lang: str) -> None:
    """Export a trip's published plan: a table, a briefing pack, or one calendar per delegate."""
    try:
        trip = export_trip(get_db(), trip_id, with_evidence=fmt == "pdf")
    except NotFound as error:
        raise click_error(error) from None
    if not trip.meetings:
        raise click.ClickException(f"Trip {trip_id} has no published meeting yet: publish its plan first.")
    if fmt == "ics":
        folder = output or Path(trip.filename("calendars").removesuffix(".calendars"))
        folder.mkdir(parents=True, exist_ok=True)
        calendars = exports.delegate_calendars(trip, lang)
        for key, body in calendars.items():
            (folder / trip.filename("ics", key)).write_bytes(body)
        click.echo(f"Wrote {len(calendars)} calendar(s) to {folder}/.")
        return
    path = output or Path(trip.filename(fmt))
    path.write_bytes(TRIP_RENDERERS[fmt](trip, lang))
    click.echo(f"Wrote {path}.")


@click.command("export-pairings")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@LANGUAGE
@with_appcontext
def export_pairings_command(fmt: str, output: Path | None, lang: str) -> None:
    """Export every approved pairing (both organisations, track, who decided, when, why)."""
    path = output or Path(f"approved-pairings.{fmt}")
    path.write_bytes(PAIRING_RENDERERS[fmt](approved_pairings(get_db()), lang))
    click.echo(f"Wrote {path}.")

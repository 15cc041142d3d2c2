"""``flask setup``: what `make run` and `make serve` do before serving, in one process."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli import seed_command
from app.coordination.cli import propose_command
from app.engine_cli import embed_command, index_command


@click.command("setup")
@click.option("--demo/--no-demo", default=False, help="Also create the demo accounts and print them.")
@click.pass_context
@with_appcontext
def setup_command(ctx: click.Context, demo: bool) -> None:
    """Seed, embed what is stale, refresh proposals: each step does nothing when nothing changed."""
    # One process for the three steps: the app is imported once, and the model loads only if a
    # passage is stale.
    ctx.invoke(seed_command, demo=demo)
    ctx.invoke(embed_command)
    ctx.invoke(propose_command, min_score=None, per_org=None, force=False)
    ctx.invoke(index_command)  # the snapshot server workers map, built now if it is stale

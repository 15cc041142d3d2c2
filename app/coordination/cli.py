"""``flask propose``: store the engine's best suggestions as proposals for the review queue;
``flask decide``: approve or reject pairings in bulk, as the queue's bulk form does."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from tqdm import tqdm

from app import matching
from app.coordination.proposals import fail, propose, under_way
from app.db import get_db
from app.errors import click_error
from app.operations import SYSTEM
from app.operations.pairings import BULK_DECISIONS, decide_many
from models.errors import EmbeddingModelError, PasserelleError


@click.command("propose")
@with_appcontext
@click.option("--min-score", type=click.FloatRange(0, 1), default=None, help="Default: PROPOSAL_MIN_SCORE.")
@click.option("--per-org", type=click.IntRange(1, 50), default=None, help="Default: PROPOSALS_PER_ORG.")
@click.option("--force", is_flag=True, help="Score again even when nothing changed since the last run.")
def propose_command(min_score: float | None, per_org: int | None, force: bool) -> None:
    """Propose pairings from each organisation's best suggestions (existing decisions are kept).

    An interrupted run with the same settings goes on from the last organisation it stored; a run
    that stops on an error ends failed, as the worker's do, and the review queue says so.
    """
    config = current_app.config
    db = get_db()
    resumed = under_way(db)
    with tqdm(total=0, unit="organisation", desc="Proposals", disable=None) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            run = propose(
                db,
                matching.engine,
                config["PROPOSAL_MIN_SCORE"] if min_score is None else min_score,
                config["PROPOSALS_PER_ORG"] if per_org is None else per_org,
                only_if_changed=not force,
                progress=progress,
            )
        except Exception as error:  # recorded as failed, as a worker's round does, then told
            fail(db, error)
            if isinstance(error, EmbeddingModelError):  # the model's path or name, as `flask embed` says
                raise click.ClickException(str(error)) from None
            if isinstance(error, PasserelleError):
                raise click_error(error) from None
            raise
    if run.skipped:
        click.echo("Nothing changed since the last proposals (same profiles and settings); nothing to do.")
        return
    if resumed is not None and resumed["done"]:
        click.echo(f"Went on with the run under way from organisation {resumed['done'] + 1} of {run.total}.")
    click.echo(
        f"Proposed {run.created} new pairing(s) for {run.total} organisations; the review queue shows them."
    )


@click.command("decide")
@with_appcontext
@click.argument("pairing_ids", nargs=-1, required=True, type=click.IntRange(1))
@click.option("--decision", type=click.Choice(BULK_DECISIONS), required=True, help="approve or reject")
@click.option("--comment", required=True, help="Why: kept in each pairing's history.")
def decide_command(pairing_ids: tuple[int, ...], decision: str, comment: str) -> None:
    """Approve or reject pairings with one comment: all of them, or none (the refused ones named)."""
    try:
        decided = decide_many(get_db(), SYSTEM, pairing_ids, decision, comment)
    except PasserelleError as error:
        raise click_error(error) from None
    for done in decided:
        click.echo(f"pairing {done.pairing_id}: {done.from_status} -> {done.to_status}")

"""Commands of the matching engine: embed, suggest, evaluate."""

from __future__ import annotations

import json
import time

import click
from flask import Flask
from flask.cli import with_appcontext
from tqdm import tqdm

from app import matching
from app.db import get_db
from app.orgs.queries import get_by_short_name
from models.errors import EmbeddingModelError
from models.heldout import HELD_OUT_SETS, JUDGED_BY_DEFAULT
from models.profiles import TRACKS

#: the --held-out choices: "v1" for the set "development v1", and so on
HELD_OUT_CHOICES = {name.split()[-1]: name for name in HELD_OUT_SETS}


@click.command("embed")
@with_appcontext
def embed_command() -> None:
    """Embed missing or stale profile passages (only those) and assign automatic topics."""
    db = get_db()
    with tqdm(total=0, unit="organisation", desc="Embedding", disable=None) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            report = matching.sync(db, progress=progress)
        except EmbeddingModelError as error:
            raise click.ClickException(str(error)) from None
    click.echo(
        f"Embeddings ({matching.embedder().model_id}): {report.orgs_seen} organisations, "
        f"{report.passages_embedded} passages embedded, {report.passages_reused} reused, "
        f"{report.passages_deleted} removed."
    )


@click.command("suggest")
@click.argument("short_name")
@click.option("--type", "track", type=click.Choice(TRACKS), required=True, help="Kind of collaboration.")
@click.option("--top", "top_k", type=click.IntRange(1, 100), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@with_appcontext
def suggest_command(short_name: str, track: str, top_k: int, as_json: bool) -> None:
    """Ranked partners across the Atlantic for one organisation, with score parts and evidence."""
    db = get_db()
    org = get_by_short_name(db, short_name)
    if org is None:
        raise click.ClickException(f"No organisation has the short name '{short_name}'.")
    suggestions = matching.suggestions_for(db, org["id"], track, top_k=top_k)
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in suggestions], ensure_ascii=False, indent=1))
        return
    click.echo(f"{org['short_name']} ({org['region']}) — {track}: {len(suggestions)} suggestion(s)")
    for rank, suggestion in enumerate(suggestions, start=1):
        _print_suggestion(rank, suggestion)


def _print_suggestion(rank, suggestion) -> None:
    parts = ", ".join(f"{name} {value:.2f}" for name, value in suggestion.parts.items())
    evidence = suggestion.evidence
    click.echo(
        f"\n{rank}. {suggestion.short_name} ({suggestion.city}, {suggestion.type})"
        f"  score {suggestion.score:.2f}"
    )
    click.echo(f"   parts: {parts}")
    click.echo(f"   direction: {evidence.direction}")
    if evidence.shared_topics:
        click.echo(f"   shared topics: {', '.join(topic.en for topic in evidence.shared_topics)}")
    if evidence.shared_terms:
        click.echo(f"   shared terms: {', '.join(evidence.shared_terms)}")
    for pair in evidence.passages:
        click.echo(f"   [{pair.similarity:.2f}] our {pair.own_field}: {_short(pair.own_text)}")
        click.echo(f"          their {pair.partner_field}: {_short(pair.partner_text)}")


def _short(text: str, limit: int = 110) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _figures(s) -> str:
    return f"{s.ndcg:>7.3f} {s.recall:>9.3f} {s.mrr:>6.3f} {s.queries:>8}"


@click.command("index")
@with_appcontext
def index_command() -> None:
    """Build the matching index snapshot that server workers map (only if it is stale)."""
    started = time.perf_counter()
    if matching.snapshot_is_current(get_db()):  # the no-change path of every `make run`: no load at all
        click.echo(f"Index snapshot already up to date ({matching.snapshot_folder()}).")
        return
    matching.warm_up()
    index = matching.get_index(get_db())
    click.echo(
        f"Index of {len(index.orgs)} organisations ready in {time.perf_counter() - started:.1f} s "
        f"({matching.snapshot_folder() or 'no snapshot: INDEX_SNAPSHOTS is off'})."
    )


def init_app(app: Flask) -> None:
    """Register the engine's commands."""
    for command in (embed_command, suggest_command, evaluate_command, index_command):
        app.cli.add_command(command)


@click.command("evaluate")
@click.option(
    "--fit",
    is_flag=True,
    help="Fit the weights on the labelled sets, the seed's and the development sets' (plus the database's "
    "judged lists, once there are enough) and save data/weights.json.",
)
@click.option("--simulate", is_flag=True, help="Also show what learning does on a SIMULATED history.")
@click.option(
    "--held-out",
    "held_out",
    type=click.Choice([*HELD_OUT_CHOICES, "none"]),
    multiple=True,
    default=tuple(choice for choice, name in HELD_OUT_CHOICES.items() if name in JUDGED_BY_DEFAULT),
    show_default=True,
    help="Sets to judge apart (data/eval/README.md), 'none' for none. The development sets v1 to v6, "
    "fitted on with the seed, are judged out of fold when none is named; the held-out sets v7 and v8, "
    "never fitted on, only when named, so that no run made while tuning shows them.",
)
@with_appcontext
def evaluate_command(fit: bool, simulate: bool, held_out: tuple[str, ...]) -> None:
    """nDCG@5, recall@5 and MRR of the engine and of two baselines on data/eval/."""
    from models.matching.evaluate import run_evaluation
    from models.matching.topics import load_vocabulary
    from models.matching.weights import WEIGHTS_PATH, load_weights

    click.echo(
        "Embedding the evaluation corpora (English, mixed, French, development and held-out sets)...",
        err=True,
    )
    sets = [HELD_OUT_CHOICES[name] for name in held_out if name != "none"]
    rows, breakdown, fitted = run_evaluation(
        matching.embedder(), load_vocabulary(), load_weights(), fit=fit, history=_history, held_out=sets
    )
    click.echo(f"{'corpus':<30} {'ranker':<30} {'nDCG@5':>7} {'recall@5':>9} {'MRR':>6} {'queries':>8}")
    for row in rows:
        click.echo(f"{row.corpus:<30} {row.ranker:<30} {_figures(row.scores)}")
    click.echo(
        "out-of-fold: weights fitted without the queries they rank nor any other query of the same\n"
        "organisation (GroupKFold over the asking organisations, 5 folds), honest;\n"
        "shipped weights: data/weights.json, fitted on all the fitting queries (the seed's and those of\n"
        "the development sets v1 to v6, data/eval/heldout/ to heldout6/), in-sample there; the held-out\n"
        "sets v7 and v8, which no fitting or vocabulary step sees, are ranked with them, looked at\n"
        "only to report, and judged only when named."
    )
    current = None
    for part in breakdown:
        if part.set != current:
            current = part.set
            click.echo(f"\n{current}")
            click.echo(f"  {'slice':<46} {'nDCG@5':>7} {'recall@5':>9} {'MRR':>6} {'queries':>8}")
        click.echo(f"  {part.slice:<46} {_figures(part.scores)}")
    if simulate:
        _print_simulation(load_weights())
    if fitted is not None:
        history = fitted.cross_validation.get("history", {})
        if history.get("note"):
            click.echo(f"History: {history['note']}; fitted on the labelled set alone.")
        elif history:
            click.echo(
                f"History: refitted with {history['lists']} judged lists; their pairs ordered right out of "
                f"fold: {history['before']:.3f} with the previous weights, {history['after']:.3f} refitted."
            )
        fitted.save(WEIGHTS_PATH)
        click.echo(f"Saved fitted weights to {WEIGHTS_PATH}: {fitted.coefficients}")


def _history():
    """The judged lists of what members and coordinators did, scored by the live index."""
    from app.feedback import judgements
    from models.feedback import informative, judged_lists, training_rows

    db = get_db()
    if not db["interests"].exists():  # a database never initialised: no history yet
        return _no_rows()
    lists = informative(judged_lists(judgements(db)))
    return training_rows(matching.get_index(db), lists)


def _no_rows():
    import numpy as np

    from models.matching.weights import FEATURES

    return np.zeros((0, len(FEATURES)), np.float32), np.zeros(0), np.zeros(0, dtype=int)


def _print_simulation(weights) -> None:
    from models.matching.topics import load_vocabulary
    from models.simulation import simulated_effect

    effect = simulated_effect(matching.embedder(), load_vocabulary(), weights)
    click.echo(
        f"\nSIMULATED history (not real use): {effect.judgements} judgements by simulated members and "
        f"coordinators on the fitting set, {effect.dismissed} partners marked not relevant, "
        f"{effect.lists} judged lists."
    )
    for label, scores in (
        ("fitting set, lists as first shown", effect.fitting_before),
        ("fitting set, not-relevant partners taken out", effect.fitting_after),
        ("development v1, weights fitted on the labels", effect.held_out_before),
        ("development v1, refitted with the history", effect.held_out_after),
    ):
        click.echo(f"  {label:<46} {_figures(scores)}")
    if effect.accuracy_before is not None:
        click.echo(
            f"  judged pairs ordered right, out of fold: {effect.accuracy_before:.3f} before, "
            f"{effect.accuracy_after:.3f} refitted"
        )

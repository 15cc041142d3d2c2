"""Command-line tools: import/export profiles, create users, seed (``flask --help`` lists them)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.db import get_db, init_db
from app.i18n import LANGUAGES
from app.orgs.queries import list_organisations, short_name_keys, translations_by_org, upsert_organisations
from app.seed import seed_demo_accounts, seed_demo_contacts, seed_known_links, seed_organisations, seed_trips
from app.users import UserError, create_user
from models.errors import InvalidImport
from models.profiles import FORMATS, dump_records, format_from_filename, parse_import, read_import_file
from models.vocabulary import ROLES

MAX_PRINTED = 1000  # problems printed by import-orgs; a file of 2.5M bad items would flood the terminal


@click.command("import-orgs")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate the file only; write nothing.")
def import_orgs_command(path: Path, dry_run: bool) -> None:
    """Import organisation profiles from a .json, .jsonl or .csv file (upsert by short_name)."""
    if not path.exists():
        raise click.ClickException(f"{path}: no such file.")
    limit = current_app.config["MAX_IMPORT_BYTES"]
    db = get_db()
    try:
        fmt = format_from_filename(path.name)
        data = read_import_file(path, limit)
        taken = {key: name for key, (_id, name) in short_name_keys(db).items()}
        records = parse_import(data, fmt, max_bytes=limit, taken=taken)
        if dry_run:
            click.echo(f"{path}: {len(records)} organisation(s), all valid. Nothing written (--dry-run).")
            return
        report = upsert_organisations(db, records)
    except InvalidImport as error:
        _echo_problems(path, error.problems)
        raise click.ClickException(f"{error}; nothing was imported.") from None
    click.echo(
        f"Imported {report.total} organisation(s) from {path}: "
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged."
    )


def _echo_problems(path: Path, problems: list[str]) -> None:
    """Print the problems of an import, the first MAX_PRINTED of them when there are very many."""
    for problem in problems[:MAX_PRINTED]:
        click.echo(f"{path}: {problem}", err=True)
    if len(problems) > MAX_PRINTED:
        click.echo(f"{path}: ... and {len(problems) - MAX_PRINTED:,} more problems", err=True)


@click.command("export-orgs")
@with_appcontext
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: standard output."
)
def export_orgs_command(fmt: str, output: Path | None) -> None:
    """Export every organisation in an import format (it imports back unchanged)."""
    db = get_db()
    versions = translations_by_org(db)
    records = [org | {"translations": versions.get(org["id"], {})} for org in list_organisations(db)]
    text = dump_records(records, fmt)
    if output is None:
        click.echo(text, nl=False)
        return
    # CSV gets a byte-order mark so that Excel opens the accents correctly; import tolerates it.
    output.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
    click.echo(f"Wrote {output}.", err=True)


def _access_options(command):
    """The --role and --org options of a new account (create-user, invite)."""
    command = click.option(
        "--org", "orgs", multiple=True, metavar="SHORT_NAME", help="Organisation of a member (repeatable)."
    )(command)
    return click.option("--role", type=click.Choice(ROLES), required=True)(command)


@click.command("create-user")
@with_appcontext
@click.argument("email")
@_access_options
def create_user_command(email: str, role: str, orgs: tuple[str, ...]) -> None:
    """Create a user; the password is read from standard input when it is not a terminal."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user_id = create_user(
            get_db(), email, password, role, orgs, hash_method=current_app.config["PASSWORD_HASH_METHOD"]
        )
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {role} {email.strip().lower()} (id {user_id}).")


@click.command("invite")
@with_appcontext
@click.argument("email")
@_access_options
@click.option(
    "--lang", type=click.Choice(LANGUAGES), default="fr", show_default=True, help="Language of the mail."
)
def invite_command(email: str, role: str, orgs: tuple[str, ...], lang: str) -> None:
    """Create an account and mail it an invitation whose link sets the password (the worker sends it)."""
    from app.admin.queries import invite
    from app.auth.links import max_age_hours
    from app.mail import delivery_target

    try:
        user_id = invite(get_db(), email, role, list(orgs), current_app.config["PASSWORD_HASH_METHOD"], lang)
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Invited {role} {email.strip().lower()} (id {user_id}): the link works for "
        f"{max_age_hours('invite')} hours. The worker sends the mail to "
        f"{delivery_target(current_app)}."
    )


@click.command("seed")
@with_appcontext
@click.option("--demo/--no-demo", default=False, help="Also create the demo accounts and print them.")
def seed_command(demo: bool) -> None:
    """Apply migrations and seed the ecosystem profiles (safe to run again)."""
    db = get_db()
    init_db(db)
    report = seed_organisations(db)
    click.echo(
        f"Seed: {report.total} organisations ({report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged)."
    )
    click.echo(f"Documented links: {seed_known_links(db)} approved pairings.")
    click.echo(f"Delegation trips: {seed_trips(db)}.")
    if demo:
        accounts = seed_demo_accounts(
            db, Path(current_app.instance_path), current_app.config["PASSWORD_HASH_METHOD"]
        )
        click.echo(f"Demo contact persons: {seed_demo_contacts(db)} (fictional, example.org addresses).")
        click.echo("Demo accounts (kept in instance/demo-accounts.json, never in git):")
        for account in accounts:
            orgs = f"  [{', '.join(account.orgs)}]" if account.orgs else ""
            click.echo(f"  {account.role:<12} {account.email:<48} {account.password}{orgs}")


def init_app(app: Flask) -> None:
    """Register the commands on the app's CLI."""
    commands = (import_orgs_command, export_orgs_command, create_user_command, invite_command, seed_command)
    for command in commands:
        app.cli.add_command(command)

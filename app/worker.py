"""The background worker: it alone sends the mails of the outbox (``flask --app wsgi worker``) and
re-embeds the profiles saved since its last round (``app.engine_jobs``).

An outbox row goes ``queued`` -> ``sending`` -> ``sent`` (or back to ``queued`` with a later
``next_attempt_at`` while the SMTP server fails, and ``failed`` after ``MAIL_MAX_ATTEMPTS``). The
order that keeps one event from mailing twice when the worker is killed mid-batch:

1. claim ONE row (``BEGIN IMMEDIATE``: ``queued`` -> ``sending``, attempts + 1, ``claimed_at``), commit;
2. send it over SMTP with its stable ``Message-ID`` (made when the row was queued);
3. the moment ``sendmail`` returns, mark it ``sent`` and commit, before touching the next row.

A row killed before step 3 stays ``sending``; after ``MAIL_LEASE_SECONDS`` a drain puts it back in
the queue (the worker that claimed it is gone or hung past any SMTP timeout). Rows already sent are
never sent again, rows not yet claimed are sent once. What remains is the instant between the
server's "250 accepted" and the commit of step 3 (a few hundred microseconds): a kill exactly there
resends that one mail, with the same Message-ID, so a receiver that drops duplicates by Message-ID
drops it. SMTP offers no way to close that instant.

The worker is a huey consumer on its own SQLite file (``WORKER_DB``): a poll task drains the outbox
every ``MAIL_POLL_SECONDS`` (and a periodic sweep every minute, should that chain break), and the
weekly digest runs on Monday mornings; every night the mails sent and the notifications read more
than ``OUTBOX_KEEP_DAYS`` ago are deleted (:func:`prune`, also ``flask prune``). huey holds only these
wake-ups; every mail lives in the outbox, in the application's database. Each round first turns the
follow-up forms nobody was told of into notifications (``hooks.followups_due``), and the forms due
are made every morning (as ``flask followups`` does).
"""

from __future__ import annotations

import logging
import os
import smtplib
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlite_utils import Database

from app.config import PROJECT_ROOT
from app.db import get_db, immediate
from app.mail import build_message, delivery_target, mail
from app.orgs.queries import now

log = logging.getLogger("passerelle.worker")


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def release_stale(db: Database, lease_seconds: float) -> int:
    """Put back in the queue the rows a worker claimed and never finished (killed or hung)."""
    with immediate(db):
        cursor = db.execute(
            "UPDATE mail_outbox SET status = 'queued' WHERE status = 'sending' AND claimed_at < ?",
            [time.time() - lease_seconds],
        )
    return cursor.rowcount


def claim(db: Database, due_before: float | None = None) -> dict | None:
    """Take the next row due before ``due_before`` (now by default): ``queued`` -> ``sending``, in its
    own committed transaction."""
    current = time.time()
    due = current if due_before is None else due_before
    with immediate(db):
        cursor = db.execute(
            """
            UPDATE mail_outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ?
            WHERE id = (SELECT id FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= ?
                        ORDER BY next_attempt_at, id LIMIT 1)
            RETURNING *
            """,
            [current, due],
        )
        row = cursor.fetchone()
        columns = [column[0] for column in cursor.description] if row else []
    return dict(zip(columns, row, strict=True)) if row else None


def mark_sent(db: Database, row_id: int) -> None:
    """The server accepted the mail: record it at once."""
    with immediate(db):
        db.execute(
            "UPDATE mail_outbox SET status = 'sent', sent_at = ?, last_error = '' WHERE id = ?",
            [now(), row_id],
        )


def mark_failed_attempt(db: Database, row: dict, error: BaseException) -> str:
    """Back to the queue with exponential back-off, or ``failed`` for good; return the new status."""
    config = current_app.config
    give_up = row["attempts"] >= config["MAIL_MAX_ATTEMPTS"]
    delay = min(config["MAIL_RETRY_SECONDS"] * 2 ** (row["attempts"] - 1), config["MAIL_RETRY_MAX_SECONDS"])
    status = "failed" if give_up else "queued"
    with immediate(db):
        db.execute(
            "UPDATE mail_outbox SET status = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
            [status, time.time() + delay, f"{type(error).__name__}: {error}"[:500], row["id"]],
        )
    return status


def drain(db: Database, limit: int | None = None) -> DrainReport:
    """Send the due mails one by one; stop at the first connection failure (the server is down)."""
    report = DrainReport()
    started = time.time()  # a mail put back during this drain waits for the next one
    release_stale(db, current_app.config["MAIL_LEASE_SECONDS"])
    connection = mail.get_connection()
    try:
        while limit is None or report.sent + report.retried + report.failed < limit:
            row = claim(db, started)
            if row is None:
                break
            try:
                message = build_message(row, connection)
            except Exception as error:  # a bug or a busy database: retried, then failed for good
                log.exception("mail %s cannot be built", row["id"])
                if mark_failed_attempt(db, row, error) == "failed":
                    report.failed += 1
                else:
                    report.retried += 1
                continue
            try:
                message.send()
            except (OSError, smtplib.SMTPException) as error:
                status = mark_failed_attempt(db, row, error)
                if status == "failed":
                    report.failed += 1
                else:
                    report.retried += 1
                log.warning("mail %s not sent (%s): %s", row["id"], status, error)
                if not isinstance(error, smtplib.SMTPRecipientsRefused):
                    break  # the server is unreachable or broken: the other mails would fail alike
                continue
            mark_sent(db, row["id"])
            report.sent += 1
    finally:
        connection.close()
    if report.sent or report.retried or report.failed:
        log.info("mails sent %d, to retry %d, failed %d", report.sent, report.retried, report.failed)
    return report


def run_once(db: Database) -> DrainReport:
    """One round of the worker: queue what periodic work owes (follow-up forms), drain the mails,
    then update the engine for the profiles saved since (``app.engine_jobs``), plan the trips asked
    for on the web (``app.trips.plan_jobs``), then go on with the proposals asked for
    (``app.coordination.proposals``) for at most ``PROPOSAL_ROUND_SECONDS``. When trips or proposals
    wait and this process would have to build the index, a child process builds it first
    (:func:`build_index_apart`)."""
    from app import matching
    from app.coordination.proposals import run_pending, under_way
    from app.engine_jobs import run_due
    from app.notifications.hooks import followups_due
    from app.trips import plan_jobs

    followups_due(db)
    report = drain(db)
    run_due(db)
    if under_way(db) is not None or plan_jobs.waiting(db):  # both read the index
        build_index_apart(db)
    plan_jobs.run_due(db)
    run_pending(db, matching.engine, budget_seconds=current_app.config["PROPOSAL_ROUND_SECONDS"])
    return report


def build_index_apart(db: Database) -> bool:
    """Have ``flask index`` build the index in a child process when this one would build it; True
    if the child built it.

    A build takes 2.4 GB at its peak at 100,000 organisations, and a process that built keeps 0.34 GB
    more than one that loaded the snapshot (glibc cannot give back a fragmented heap): the child
    gives all of it back when it exits, and the worker then maps the snapshot it saved. Should the
    child fail, the worker builds as any process does.
    """
    from app import matching

    if not matching.would_build(db):
        return False
    config = current_app.config
    env = dict(
        os.environ, PASSERELLE_DATABASE=config["DATABASE"], PASSERELLE_INSTANCE=current_app.instance_path
    )
    if config.get("EMBEDDING_MODEL"):
        env["PASSERELLE_EMBEDDING_MODEL"] = config["EMBEDDING_MODEL"]
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "index"]
    try:
        done = subprocess.run(
            command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=3600
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning("the index could not be built apart (%s); this process builds it", error)
        return False
    if done.returncode != 0:
        log.warning("flask index failed (%s); this process builds the index", done.stderr.strip()[-500:])
        return False
    log.info("index built apart: %s", done.stdout.strip())
    return True


@dataclass
class PruneReport:
    mails: int = 0
    notifications: int = 0


def prune(db: Database, keep_days: float) -> PruneReport:
    """Delete the mails sent and the notifications read more than ``keep_days`` ago.

    Rows still owed are never touched: a mail queued, being sent or failed (a person may look into
    it), a notification nobody has read. The audit log's events are kept whatever their age.
    """
    if keep_days < 0:
        raise ValueError(f"keep_days must be 0 or more, got {keep_days}")
    cutoff = (datetime.now(UTC) - timedelta(days=keep_days)).isoformat(timespec="seconds")
    with immediate(db):
        mails = db.execute(
            "DELETE FROM mail_outbox WHERE status = 'sent' AND sent_at IS NOT NULL AND sent_at < ?", [cutoff]
        ).rowcount
        notifications = db.execute(
            "DELETE FROM notifications WHERE read_at IS NOT NULL AND read_at < ?", [cutoff]
        ).rowcount
    if mails or notifications:
        log.info("pruned %d sent mail(s) and %d read notification(s)", mails, notifications)
    return PruneReport(mails, notifications)


def outbox_counts(db: Database) -> dict[str, int]:
    """How many outbox rows are in each status."""
    return dict(db.execute("SELECT status, COUNT(*) FROM mail_outbox GROUP BY status").fetchall())


def make_huey(app: Flask):
    """The task queue on its own SQLite file, with the poll and digest tasks bound to ``app``."""
    from huey import SqliteHuey, crontab

    Path(app.config["WORKER_DB"]).parent.mkdir(parents=True, exist_ok=True)
    huey = SqliteHuey("passerelle", filename=app.config["WORKER_DB"])

    @huey.task()
    def poll() -> None:
        try:
            with app.app_context():
                run_once(get_db())
        finally:
            poll.schedule(delay=app.config["MAIL_POLL_SECONDS"])

    @huey.periodic_task(crontab())  # every minute: a safety net should the poll chain ever break
    def sweep() -> None:
        with app.app_context():
            run_once(get_db())

    @huey.periodic_task(crontab(hour="6", minute="0"))
    def open_followups() -> None:
        from app.followup.queries import open_due
        from app.followup.routes import today

        with app.app_context():
            open_due(get_db(), today())

    @huey.periodic_task(crontab(hour="3", minute="30"))
    def prune_outbox() -> None:
        with app.app_context():
            prune(get_db(), float(app.config["OUTBOX_KEEP_DAYS"]))

    @huey.periodic_task(crontab(day_of_week="1", hour="7", minute="0"))
    def weekly_digest() -> None:
        from app.notifications.digest import queue_digests

        with app.app_context():
            queue_digests(get_db())

    @huey.task()
    def engine_round() -> None:  # a profile was saved: its suggestions need not wait for the poll
        from app.engine_jobs import run_due

        with app.app_context():
            run_due(get_db())

    @huey.task()
    def plan_round() -> None:  # a coordinator asked for a trip's plan: it need not wait for the poll
        from app.trips import plan_jobs

        with app.app_context():
            plan_jobs.run_due(get_db())

    huey.poll, huey.engine_round, huey.plan_round = poll, engine_round, plan_round
    return huey


def wake_for_engine(app: Flask) -> None:
    """Ask the worker for an engine round now, so that a saved profile's suggestions need not wait
    for the next poll (``MAIL_POLL_SECONDS``). The job itself is already stored (``engine_jobs``):
    if the wake-up is lost, the poll or the minute sweep does it."""
    _wake(app, "engine_round")


def wake_for_planning(app: Flask) -> None:
    """Ask the worker to plan the trips asked for now (``app.trips.plan_jobs``); a lost wake-up
    only waits for the next poll."""
    _wake(app, "plan_round")


def _wake(app: Flask, task: str) -> None:
    try:
        huey = app.extensions.get("passerelle.huey")
        if huey is None:
            huey = app.extensions["passerelle.huey"] = make_huey(app)
        getattr(huey, task)()
    except Exception:  # the worker's file is unwritable: the next poll still does the job
        log.warning("the worker could not be woken; the next poll does the job (%s)", task, exc_info=True)


def load_model() -> None:
    """Load the embedding model now, not at the first save, keeping only the weights the worker runs.

    The worker embeds saved profiles through the bf16 network (on every core: batches, not one
    query); the float32 weights the model was loaded with are then dropped, as a web worker drops
    them (about 100 MB of RSS), and the freed pages given back.
    """
    from app import matching

    matching.embedder().embed_batch(["thérapie cellulaire"])
    matching.drop_float32_weights()
    matching.release_free_memory()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Send what is due now, then exit.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Send the queued mails (and the weekly digest) in the background; --burst drains and exits."""
    app = current_app._get_current_object()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)  # not a line per poll
    if burst:
        report = run_once(get_db())
        from app.engine_jobs import pending_count

        counts = outbox_counts(get_db())
        click.echo(
            f"Sent {report.sent}, to retry {report.retried}, failed {report.failed}; "
            f"still queued {counts.get('queued', 0)} ({delivery_target(app)}); "
            f"profiles still to embed {pending_count(get_db())}."
        )
        return
    from huey.consumer import Consumer

    load_model()
    huey = make_huey(app)
    huey.flush()  # only wake-ups live here; a fresh start must not run two poll chains
    huey.poll()
    click.echo(f"Passerelle worker: mails go to {delivery_target(app)}. Ctrl-C stops it.")
    # An idle consumer looks for a task at most every WORKER_WAKE_SECONDS (huey's default backs off to
    # 10 s), so that a wake-up from a profile save is taken within it.
    wait = float(app.config["WORKER_WAKE_SECONDS"])
    Consumer(huey, workers=1, periodic=True, scheduler_interval=1, max_delay=wait).run()


@click.command("digest")
@with_appcontext
def digest_command() -> None:
    """Queue this week's digest now (the worker also does it on Monday mornings)."""
    from app.notifications.digest import queue_digests, week_code

    queued = queue_digests(get_db())
    click.echo(f"Digest {week_code()}: {queued} mail(s) queued; the worker sends them.")


@click.command("prune")
@click.option(
    "--days", type=click.FloatRange(min=0), default=None, help="Keep this many days (OUTBOX_KEEP_DAYS)."
)
@with_appcontext
def prune_command(days: float | None) -> None:
    """Delete sent mails and read notifications older than OUTBOX_KEEP_DAYS (the worker does it nightly)."""
    keep = float(current_app.config["OUTBOX_KEEP_DAYS"]) if days is None else days
    report = prune(get_db(), keep)
    click.echo(
        f"Deleted {report.mails} sent mail(s) and {report.notifications} read notification(s) "
        f"older than {keep:g} days; nothing still to send or unread was touched."
    )


def init_app(app: Flask) -> None:
    """Register ``flask worker``, ``flask digest`` and ``flask prune``."""
    app.cli.add_command(worker_command)
    app.cli.add_command(digest_command)
    app.cli.add_command(prune_command)

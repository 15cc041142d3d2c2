"""Pruning the outbox: sent mails and read notifications go after OUTBOX_KEEP_DAYS, nothing still owed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import TEST_HASH_METHOD

from app.users import create_user
from app.worker import make_huey, prune


def _ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


def _fill(db) -> int:
    """Mails and notifications of every state, old and recent; return the user's id."""
    user_id = create_user(db, "reader@example.org", "a long passphrase here", "coordinator", [],
                          hash_method=TEST_HASH_METHOD)  # fmt: skip
    mails = [
        ("sent-old", "sent", _ago(120)),
        ("sent-recent", "sent", _ago(10)),
        ("queued-old", "queued", None),
        ("sending-old", "sending", None),
        ("failed-old", "failed", None),
    ]
    for key, status, sent_at in mails:
        db.table("mail_outbox").insert(
            {"dedupe_key": key, "recipient": "reader@example.org", "user_id": user_id, "language": "fr",
             "template": "digest", "status": status, "next_attempt_at": 0, "sent_at": sent_at,
             "message_id": f"<{key}@test>", "created_at": _ago(200)}
        )  # fmt: skip
    for key, read_at in (("read-old", _ago(100)), ("read-recent", _ago(1)), ("unread-old", None)):
        db.table("notifications").insert(
            {"user_id": user_id, "event": "mutual_interest", "dedupe_key": key, "created_at": _ago(200),
             "read_at": read_at}
        )  # fmt: skip
    db.table("events").insert({"name": "trip.published", "subject": "trip:1", "created_at": _ago(900)})
    db.conn.commit()
    return user_id


def _keys(db, table: str) -> set[str]:
    return {row[0] for row in db.execute(f"SELECT dedupe_key FROM {table}").fetchall()}


def test_prune_deletes_only_what_was_handled_long_ago(app, db):
    _fill(db)
    with app.app_context():
        report = prune(db, 90)
    assert (report.mails, report.notifications) == (1, 1)
    assert _keys(db, "mail_outbox") == {"sent-recent", "queued-old", "sending-old", "failed-old"}
    assert _keys(db, "notifications") == {"read-recent", "unread-old"}
    assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 1  # the audit log stays whole
    with app.app_context():
        assert (prune(db, 90).mails, prune(db, 90).notifications) == (0, 0)  # safe to run again


def test_the_command_takes_the_configured_days_or_its_option(app, db, runner):
    _fill(db)
    app.config["OUTBOX_KEEP_DAYS"] = 5
    result = runner.invoke(args=["prune"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 sent mail(s) and 1 read notification(s) older than 5 days" in result.output
    assert _keys(db, "mail_outbox") == {"queued-old", "sending-old", "failed-old"}
    result = runner.invoke(args=["prune", "--days", "-1"])
    assert result.exit_code == 2 and "-1" in result.output  # refused, nothing deleted
    result = runner.invoke(args=["prune", "--days", "0"])
    assert "Deleted 0 sent mail(s) and 1 read notification(s)" in result.output
    assert _keys(db, "notifications") == {"unread-old"}


def test_the_worker_prunes_every_night(app):
    Path(app.config["WORKER_DB"]).parent.mkdir(parents=True, exist_ok=True)
    huey = make_huey(app)
    assert any(name.endswith("prune_outbox") for name in huey._registry._registry)

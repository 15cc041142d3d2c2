"""Mail that leaves: a real SMTP server on 127.0.0.1 (aiosmtpd) reads what the worker sends.

Invitation and reset links, a notification in each recipient's language, an SMTP outage, and a
worker killed with SIGKILL in the middle of a batch.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import (
    ACCOUNTS,
    PASSWORD,
    AuthActions,
    SmtpServer,
    actor,
    free_port,
    mail_link,
    mail_text,
    org_id,
    page_text,
    run_worker,
)

from app.db import connect
from app.mail import MailConfigError, smtp_settings
from app.notifications import notify

ROOT = Path(__file__).resolve().parent.parent
NEW_PASSWORD = "le pont suspendu au petit matin"
_CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def choose_password(client, link: str, password: str = NEW_PASSWORD):
    """Open a link's page and post the new password twice, as a person would."""
    page = client.get(link)
    assert page.status_code == 200, page_text(page)
    token = _CSRF_FIELD.search(page.get_data(as_text=True)).group(1)
    return client.post(link, data={"new_password": password, "confirm": password, "csrf_token": token})


def mails_to(server: SmtpServer, address: str) -> list:
    return [message for message in server.messages if message["To"] == address]


def test_smtp_url_gives_starttls_tls_or_plain():
    starttls = smtp_settings("smtp://mailer:s%40cret@smtp.example.org:587")
    assert (
        starttls["MAIL_SERVER"],
        starttls["MAIL_PORT"],
        starttls["MAIL_USE_TLS"],
        starttls["MAIL_USE_SSL"],
    ) == (
        "smtp.example.org",
        587,
        True,
        False,
    )
    assert (starttls["MAIL_USERNAME"], starttls["MAIL_PASSWORD"]) == ("mailer", "s@cret")
    tls = smtp_settings("smtps://smtp.example.org")
    assert (tls["MAIL_PORT"], tls["MAIL_USE_SSL"], tls["MAIL_USE_TLS"]) == (465, True, False)
    plain = smtp_settings("smtp://mx.example.org:25")
    assert (plain["MAIL_USE_TLS"], plain["MAIL_USE_SSL"], plain["MAIL_USERNAME"]) == (False, False, None)
    assert smtp_settings("smtp://127.0.0.1:2525")["MAIL_USE_TLS"] is False  # a relay on this machine
    with pytest.raises(MailConfigError, match="smtp://user:password@host:587"):
        smtp_settings("http://smtp.example.org")


def test_invitation_link_sets_the_password_once_then_fails(smtp_app, smtp_server):
    runner = smtp_app.test_cli_runner()
    result = runner.invoke(
        args=["invite", "Newcomer@Test.example.org", "--role", "member", "--org", "EFS BFC", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "the link works for 72 hours" in result.output and "SMTP server 127.0.0.1" in result.output
    assert smtp_server.messages == []  # nothing leaves inside the command: the worker sends it
    run_worker(smtp_app)
    (invitation,) = mails_to(smtp_server, "newcomer@test.example.org")
    assert invitation["Subject"] == "Your Passerelle account: choose your password"
    assert invitation.get_body(
        preferencelist=("html",)
    ) is not None and "works once, for 72 hours" in mail_text(invitation)
    link = mail_link(invitation)
    client = smtp_app.test_client()
    assert choose_password(client, link).headers["Location"] == "/auth/login"
    again = client.get(link)
    assert again.status_code == 410 and "already been used" in page_text(again)
    assert AuthActions(client).login("newcomer@test.example.org", NEW_PASSWORD).status_code == 302


def test_reset_link_works_once_and_only_the_newest(smtp_app, smtp_server):
    client = smtp_app.test_client()
    auth = AuthActions(client)
    client.get("/auth/login?lang=en")
    email = ACCOUNTS["member_bfc"][0]
    for _ in range(2):
        asked = client.post(
            "/auth/forgot", data={"email": email, "csrf_token": auth.csrf_token("/auth/forgot")}
        )
        assert asked.status_code == 302
    run_worker(smtp_app)
    first, second = mails_to(smtp_server, email)
    # in the account's language
    assert first["Subject"] == "Passerelle\u00a0: choisissez un nouveau mot de passe"
    assert "ignorez ce message" in mail_text(first)
    assert client.get(mail_link(first)).status_code == 410  # a newer link was sent
    assert choose_password(client, mail_link(second)).status_code == 302
    assert client.get(mail_link(second)).status_code == 410
    assert auth.login("member_bfc", PASSWORD).status_code == 401
    assert auth.login("member_bfc", NEW_PASSWORD).status_code == 302


def test_an_expired_link_says_so(smtp_app, smtp_server):
    smtp_app.config["RESET_MAX_AGE_SECONDS"] = -1  # every link is already too old
    client = smtp_app.test_client()
    auth = AuthActions(client)
    client.get("/auth/login?lang=en")
    client.post(
        "/auth/forgot",
        data={"email": ACCOUNTS["member_qc"][0], "csrf_token": auth.csrf_token("/auth/forgot")},
    )
    run_worker(smtp_app)
    (mail,) = smtp_server.messages
    page = client.get(mail_link(mail))
    assert page.status_code == 410 and "It has expired." in page_text(page)


def test_forgotten_password_answers_alike_and_is_throttled(smtp_app, smtp_server):
    client = smtp_app.test_client()
    auth = AuthActions(client)
    client.get("/auth/login?lang=en")
    answers = []
    for email in (ACCOUNTS["member_qc"][0], "nobody@test.example.org"):
        response = client.post(
            "/auth/forgot",
            data={"email": email, "csrf_token": auth.csrf_token("/auth/forgot")},
            follow_redirects=True,
        )
        answers.append((response.status_code, page_text(response).count("If an account uses this address")))
    assert answers == [(200, 1), (200, 1)]
    statuses = [
        client.post(
            "/auth/forgot",
            data={"email": "nobody@test.example.org", "csrf_token": auth.csrf_token("/auth/forgot")},
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [302, 302, 302, 302, 429]  # 5 per account in the window, like logins
    run_worker(smtp_app)
    assert [message["To"] for message in smtp_server.messages] == [ACCOUNTS["member_qc"][0]]


def test_a_decision_mails_each_member_in_their_own_language(smtp_app, smtp_server):
    db = connect(smtp_app.config["DATABASE"])
    db.execute("UPDATE users SET language = 'en' WHERE email = ?", [ACCOUNTS["member_qc"][0]])
    db.conn.commit()
    from app.coordination.queries import ensure_pairing
    from app.operations.pairings import decide

    pairing = ensure_pairing(
        db, org_id(db, "EFS BFC"), org_id(db, "ThéCell"), "staff_exchange", "engine", 0.8
    )
    db.conn.commit()
    decide(db, actor(smtp_app, "coordinator"), pairing, "approve", "Good fit.", "proposed")
    db.close()
    run_worker(smtp_app)
    (french,) = mails_to(smtp_server, ACCOUNTS["member_bfc"][0])
    (english,) = mails_to(smtp_server, ACCOUNTS["member_qc"][0])
    assert french["Subject"] == "Mise en relation approuvée"
    assert mail_text(french).splitlines()[0] == "Mise en relation approuvée"
    assert "La coordination a approuvé la mise en relation EFS BFC – ThéCell (Échange de personnel)." in (
        mail_text(french)
    )
    assert english["Subject"] == "Pairing approved"
    html = english.get_body(preferencelist=("html",)).get_content()
    assert "The coordinators approved the pairing EFS BFC – ThéCell (Staff exchange)." in html
    assert english["Message-ID"] and english["Message-ID"] != french["Message-ID"]
    assert mails_to(smtp_server, ACCOUNTS["member_other"][0]) == []  # McGill is not concerned

    member = AuthActions(smtp_app.test_client())
    member.login("member_qc")
    header = page_text(member.client.get("/auth/password?lang=en", follow_redirects=True))
    unread = r'Notifications\s*<span class="badge unread-count" aria-label="1 unread">1</span>'
    assert re.search(unread, header)
    listing = page_text(member.client.get("/notifications"))
    assert "The coordinators approved the pairing EFS BFC – ThéCell (Staff exchange)." in listing
    member.post("/notifications/read")
    assert 'aria-label="1 unread"' not in page_text(member.client.get("/notifications"))


def test_the_same_event_never_mails_twice(smtp_app, smtp_server):
    db = connect(smtp_app.config["DATABASE"])
    efs = org_id(db, "EFS BFC")
    params = {"org": "EFS BFC", "partner": "ThéCell", "track": "event"}
    first = notify(db, event="mutual_interest", org_ids=[efs], params=params, dedupe_key="mutual:test")
    again = notify(db, event="mutual_interest", org_ids=[efs], params=params, dedupe_key="mutual:test")
    db.conn.commit()
    assert (first, again) == (1, 0)
    with pytest.raises(ValueError, match="unknown notification event"):
        notify(db, event="party", org_ids=[efs], params={}, dedupe_key="x")
    db.close()
    run_worker(smtp_app)
    run_worker(smtp_app)
    assert len(smtp_server.messages) == 1


def _worker_env(app, smtp_url: str, tmp_path: Path, **extra: str) -> dict:
    env = {
        **os.environ,
        "PASSERELLE_DATABASE": app.config["DATABASE"],
        "PASSERELLE_SECRET_KEY": "test-secret",
        "PASSERELLE_SMTP_URL": smtp_url,
        "PASSERELLE_EMBEDDING_MODEL": "fake",
        "PASSERELLE_WORKER_DB": str(tmp_path / "worker.db"),
        "HF_HUB_OFFLINE": "1",
        **extra,
    }
    return env


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def _queue(app, count: int) -> None:
    db = connect(app.config["DATABASE"])
    from app.notifications import queue_mail

    with db.atomic():
        for number in range(count):
            queue_mail(
                db,
                recipient=f"person{number}@test.example.org",
                language="fr",
                template="notification",
                params={"event": "mutual_interest", "org": "EFS BFC", "partner": "ThéCell", "track": "event"},
                dedupe_key=f"batch:{number}",
            )
    db.close()


def _statuses(app) -> dict:
    db = connect(app.config["DATABASE"])
    try:
        return dict(db.execute("SELECT status, COUNT(*) FROM mail_outbox GROUP BY status").fetchall())
    finally:
        db.close()


def _wait(condition, seconds: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def test_mails_wait_while_smtp_is_down_and_leave_once_it_starts(seeded, tmp_path):
    """The real worker (`flask worker`, a huey consumer) against a server that is not there yet."""
    server = SmtpServer(free_port())  # not started: connections are refused
    _queue(seeded, 3)
    env = _worker_env(
        seeded, server.url, tmp_path, PASSERELLE_MAIL_RETRY_SECONDS="0.5", PASSERELLE_MAIL_POLL_SECONDS="1"
    )
    worker = subprocess.Popen(
        _flask("worker"), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        db = connect(seeded.config["DATABASE"])
        retried = (
            "SELECT COUNT(*) FROM mail_outbox WHERE attempts >= 2 AND status = 'queued' AND last_error LIKE ?"
        )
        tried = _wait(lambda: db.execute(retried, ["%Connection refused%"]).fetchone()[0] > 0, 30)
        db.close()
        assert tried, _statuses(seeded)  # failed twice, back in the queue with the error
        server.start()
        assert _wait(lambda: len(server.messages) == 3, 60), _statuses(seeded)
        assert _wait(lambda: _statuses(seeded) == {"sent": 3}, 10)
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0].decode()
        server.stop()
    assert "mails go to SMTP server 127.0.0.1" in output
    assert sorted(message["To"] for message in server.messages) == [
        f"person{n}@test.example.org" for n in range(3)
    ]


def test_no_duplicate_when_the_worker_is_killed_mid_batch(seeded, tmp_path, smtp_server):
    """SIGKILL while the 4th of 10 mails is in flight; the restarted worker sends each mail once."""
    _queue(seeded, 10)
    smtp_server.collector.hold_at = 4  # the 4th mail waits at RCPT: the worker is mid-conversation
    env = _worker_env(seeded, smtp_server.url, tmp_path, PASSERELLE_MAIL_LEASE_SECONDS="1")
    worker = subprocess.Popen(_flask("worker", "--burst"), cwd=ROOT, env=env)
    try:
        assert smtp_server.collector.holding.wait(60), "the worker never reached the 4th mail"
        assert len(smtp_server.messages) == 3
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert _statuses(seeded) == {"sent": 3, "sending": 1, "queued": 6}
    smtp_server.collector.release.set()
    smtp_server.collector.hold_at = None
    time.sleep(1.2)  # the lease of the killed worker's claim runs out
    restarted = subprocess.run(
        _flask("worker", "--burst"), cwd=ROOT, env=env, capture_output=True, timeout=120
    )
    assert restarted.returncode == 0, restarted.stderr.decode()
    assert "Sent 7" in restarted.stdout.decode()
    recipients = sorted(message["To"] for message in smtp_server.messages)
    assert recipients == sorted(f"person{n}@test.example.org" for n in range(10))  # each one, once
    db = connect(seeded.config["DATABASE"])
    stored = {row[0] for row in db.execute("SELECT message_id FROM mail_outbox")}
    db.close()
    assert {message["Message-ID"] for message in smtp_server.messages} == stored  # the outbox's own ids
    assert _statuses(seeded) == {"sent": 10}


def test_the_launcher_stops_the_worker_when_the_server_stops(seeded, tmp_path):
    """`make run` and `make serve` go through scripts/with_worker.py: no worker outlives its server."""
    env = _worker_env(seeded, "", tmp_path, PASSERELLE_MAIL_POLL_SECONDS="1")
    env.pop("PASSERELLE_SMTP_URL")
    env["PASSERELLE_MAIL_DIR"] = str(tmp_path / "mail")
    marker = tmp_path / "server-ran"
    # A stand-in server that runs until the worker beside it has sent the mail (60 s at most).
    wait_sent = (
        "import pathlib, sqlite3, time\n"
        f"db = sqlite3.connect({seeded.config['DATABASE']!r})\n"
        "for _ in range(600):\n"
        "    if db.execute(\"SELECT COUNT(*) FROM mail_outbox WHERE status = 'sent'\").fetchone()[0]:\n"
        "        break\n"
        "    time.sleep(0.1)\n"
        f"pathlib.Path({str(marker)!r}).touch()\n"
    )
    server = [sys.executable, "-c", wait_sent]
    _queue(seeded, 1)
    done = subprocess.run(
        [sys.executable, "scripts/with_worker.py", *server],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    output = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 0 and marker.exists(), output
    assert "Passerelle worker: mails go to .eml files in" in output
    assert _statuses(seeded) == {"sent": 1} and len(list((tmp_path / "mail").glob("*.eml"))) == 1
    assert "stopping the mail worker" in output


def test_a_mail_that_keeps_failing_is_marked_failed_with_its_error(seeded, db):
    from app.notifications import queue_mail

    seeded.config["MAIL_MAX_ATTEMPTS"] = 2
    seeded.config["MAIL_RETRY_SECONDS"] = 0
    queue_mail(
        db, recipient="x@test.example.org", language="en", template="nonsense", params={}, dedupe_key="bad"
    )
    db.conn.commit()
    run_worker(seeded)
    assert db.execute("SELECT status, attempts FROM mail_outbox").fetchone() == ("queued", 1)
    run_worker(seeded)
    status, attempts, error = db.execute("SELECT status, attempts, last_error FROM mail_outbox").fetchone()
    assert (status, attempts) == ("failed", 2) and "nonsense" in error
    run_worker(seeded)  # a failed mail is left alone
    assert db.execute("SELECT attempts FROM mail_outbox").fetchone() == (2,)


def test_a_request_mails_the_partners_members_in_their_own_language(smtp_app, smtp_server):
    from test_requests import login_as, send

    db = connect(smtp_app.config["DATABASE"])
    db.execute("UPDATE users SET language = 'en' WHERE email = ?", [ACCOUNTS["member_qc"][0]])
    db.conn.commit()
    thecell = org_id(db, "ThéCell")
    sender, receiver = login_as(smtp_app, "member_bfc", "fr"), login_as(smtp_app, "member_qc")
    assert (
        send(sender, thecell, message="Pourriez-vous nous présenter votre plateforme <GMP> ?").status_code
        == 302
    )
    run_worker(smtp_app)
    (received,) = smtp_server.messages
    assert received["To"] == ACCOUNTS["member_qc"][0] and received["Subject"] == "New request from EFS BFC"
    text = mail_text(received)
    assert "EFS BFC sends ThéCell a request: Co-training." in text
    assert "Pourriez-vous nous présenter votre plateforme <GMP> ?" in text
    html = received.get_body(preferencelist=("html",)).get_content()
    assert "plateforme &lt;GMP&gt;" in html  # a person's text, escaped
    request_id = db.execute("SELECT id FROM requests").fetchone()[0]
    assert f"/requests/{request_id}" in text
    token = receiver.csrf_token(f"/requests/{request_id}")
    answer = {"answer": "accept", "message": "Avec plaisir.", "csrf_token": token}
    assert receiver.client.post(f"/requests/{request_id}/answer", data=answer).status_code == 302
    run_worker(smtp_app)
    (answered,) = mails_to(smtp_server, ACCOUNTS["member_bfc"][0])
    assert answered["Subject"] == "ThéCell a répondu à la demande"
    assert "ThéCell a répondu à la demande envoyée par EFS BFC (Co-formation)\u00a0: acceptée." in mail_text(
        answered
    )
    assert "Avec plaisir." in mail_text(answered)
    assert len(smtp_server.messages) == 2  # McGill hears nothing; nobody is told twice
    db.close()

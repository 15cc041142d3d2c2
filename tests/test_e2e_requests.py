"""End to end in headless Chromium: a member of A sends a request with a message; a member of B, in
another browser context, finds it in the inbox and accepts; each then sees the other's contacts, and
the mails have arrived at a real SMTP server on 127.0.0.1 (aiosmtpd).

A is CHU de Besançon (a member made here), B is ThéCell (``member_qc``). The server runs on 127.0.0.1
in a thread, on its own temporary database; screenshots go where ``tests/test_e2e_browser.py`` puts them.
"""

from __future__ import annotations

import re
import threading

import pytest
from conftest import (
    ACCOUNTS,
    PASSWORD,
    TEST_HASH_METHOD,
    SmtpServer,
    free_port,
    mail_text,
    run_worker,
    seed_app,
)
from test_e2e_browser import DESKTOP, PHONE, browser, new_page, shots  # noqa: F401 (fixtures)
from werkzeug.serving import make_server

from app import create_app
from app.db import connect, init_db
from app.orgs.queries import get_by_short_name
from app.people.queries import record_consent, save_contact
from app.users import create_user

SENDER = "chu@test.example.org"
MESSAGE = "Bonjour, nous aimerions vous rendre visite en mai pour parler de la production de CAR-T."
ANSWER = "Avec plaisir : écrivez à Morgan pour fixer la date."


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e-requests")
    smtp = SmtpServer(free_port()).start()
    app = create_app(
        {
            "DATABASE": str(folder / "e2e.db"),
            "SECRET_KEY": "e2e-secret",
            "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
            "EMBEDDING_MODEL": "fake",
            "SMTP_URL": smtp.url,
        }
    )
    database = connect(app.config["DATABASE"])
    init_db(database)
    seed_app(app)
    chu, thecell = get_by_short_name(database, "CHU de Besançon"), get_by_short_name(database, "ThéCell")
    user_id = create_user(
        database, SENDER, PASSWORD, "member", ["CHU de Besançon"], hash_method=TEST_HASH_METHOD
    )
    record_consent(database, user_id, "Alix Fictif")
    contact = {"role": "Coordination des essais", "languages": ["fr"], "tracks": ["joint_trial"]}
    save_contact(database, chu["id"], contact | {"name": "Alix Fictif", "email": "alix@chu.example.org"})
    save_contact(
        database, thecell["id"], {"name": "Morgan Placeholder", "email": "morgan@thecell.example.org"}
    )
    database.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", chu["id"], thecell["id"], app, smtp
    server.shutdown()
    thread.join(timeout=5)
    smtp.stop()


def log_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('form button[type="submit"]')
    page.wait_for_load_state()


def test_a_request_is_sent_found_in_the_inbox_accepted_and_reveals_contacts(browser, live_server, shots):  # noqa: F811
    base, chu, thecell, app, smtp = live_server
    outside: list[str] = []
    sender = new_page(browser, base, DESKTOP, outside)
    receiver = new_page(browser, base, PHONE, outside)  # another context: another person, on a phone

    # A member of CHU de Besançon opens ThéCell's profile: no contacts yet, a button to write.
    log_in(sender, base, SENDER)
    sender.goto(f"{base}/organisations/{thecell}")
    assert "Morgan Placeholder" not in sender.content()
    assert "apparaissent dès que vos organisations sont reliées" in sender.locator("#contacts").inner_text()
    sender.get_by_role("link", name="Envoyer une demande").click()
    sender.wait_for_load_state()
    assert sender.locator("h1").inner_text() == "Envoyer une demande à ThéCell"
    sender.select_option('select[name="track"]', "joint_trial")
    sender.select_option('select[name="format"]', "visit")
    sender.fill('textarea[name="message"]', MESSAGE)
    sender.screenshot(path=shots / "r1-request-form.png")
    sender.get_by_role("button", name="Envoyer la demande").click()
    sender.wait_for_load_state()
    assert "Votre demande a été envoyée à ThéCell." in sender.locator(".flash").inner_text()
    assert MESSAGE in sender.locator(".request-message").inner_text()

    # A member of ThéCell sees a count in the header, finds the request in the inbox and accepts it.
    log_in(receiver, base, ACCOUNTS["member_qc"][0])
    receiver.goto(base + "/requests/")
    assert receiver.locator(".main-nav .count").inner_text() == "1"
    item = receiver.locator(".request-item", has_text="CHU de Besançon")
    assert "En attente de réponse" in item.inner_text() and "Visite" in item.inner_text()
    receiver.screenshot(path=shots / "r2-inbox-phone.png")
    item.locator("a").click()
    receiver.wait_for_load_state()
    assert MESSAGE in receiver.locator(".request-message").inner_text()
    assert "Alix Fictif" not in receiver.content()
    receiver.fill('textarea[name="message"]', ANSWER)
    receiver.get_by_role("button", name="Accepter").click()
    receiver.wait_for_load_state()
    assert "Demande acceptée" in receiver.locator(".flash").inner_text()
    assert "Acceptée" in receiver.locator(".page-head .badge").inner_text()
    contacts = receiver.locator("#contacts").inner_text()
    assert "Alix Fictif" in contacts and "alix@chu.example.org" in contacts
    width = receiver.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the request page scrolls sideways on a phone ({width}px)"
    receiver.screenshot(path=shots / "r3-accepted-phone.png", full_page=True)

    # The sender sees the answer and, now, ThéCell's contacts.
    sender.goto(base + "/requests/?box=sent")
    assert "Acceptée" in sender.locator(".request-item", has_text="ThéCell").inner_text()
    sender.goto(f"{base}/organisations/{thecell}")
    contacts = sender.locator("#contacts").inner_text()
    assert "Morgan Placeholder" in contacts and "morgan@thecell.example.org" in contacts
    sender.screenshot(path=shots / "r4-sender-sees-contacts.png", full_page=True)
    assert re.search(r"/organisations/\d+$", sender.url)

    # The worker sends what the request and its answer owe: each side has its mail, and its notice.
    run_worker(app)
    mails = {message["To"]: message for message in smtp.messages}
    assert MESSAGE in mail_text(mails[ACCOUNTS["member_qc"][0]])
    assert mails[ACCOUNTS["member_qc"][0]]["Subject"] == "Nouvelle demande\u00a0: CHU de Besançon"
    assert ANSWER in mail_text(mails[SENDER]) and "acceptée" in mail_text(mails[SENDER])
    sender.goto(base + "/notifications")
    assert (
        "ThéCell a répondu à la demande envoyée par CHU de Besançon"
        in sender.locator(".notifications").inner_text()
    )
    assert outside == []

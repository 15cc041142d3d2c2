"""End to end in headless Chromium: a host member confirms a delegation meeting.

A coordinator's trip is published; a member of ThéCell opens the link of the mail (no login: the link
names them), reads the meeting, presses "Accepter le rendez-vous", and the calendar address that
follows the delegate now says CONFIRMED. Opening the link alone changes nothing. A second meeting is
answered in the app, from the "Rendez-vous à confirmer" page, proposing another slot.
"""

from __future__ import annotations

import threading
import urllib.request
from datetime import date

import pytest
from conftest import TEST_HASH_METHOD, deliver, mail_text, seed_app
from test_e2e_browser import DESKTOP, PHONE, browser, log_in, new_page, shots  # noqa: F401 (fixtures)
from werkzeug.serving import make_server

from app import create_app
from app.auth.queries import User
from app.calendars import operations as subscriptions
from app.db import connect, init_db
from app.orgs.queries import get_by_short_name
from app.trips import meetings as store
from app.trips import queries
from models.trips.shapes import Meeting


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e-hosting")
    app = create_app(
        {
            "DATABASE": str(folder / "e2e.db"),
            "SECRET_KEY": "e2e-secret",
            "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
            "EMBEDDING_MODEL": "fake",
            "MAIL_DIR": str(folder / "mail"),
        }
    )
    database = connect(app.config["DATABASE"])
    init_db(database)
    users = seed_app(app)
    ids = {n: get_by_short_name(database, n)["id"] for n in ("EFS BFC", "ThéCell", "Héma-Québec")}
    fields = {"name": "Mission e2e", "direction": "BFC->QC", "cities": ["Montréal"], "status": "planned",
              "start_date": date(2030, 5, 13), "end_date": date(2030, 5, 14), "notes": ""}  # fmt: skip
    trip = queries.create_trip(database, fields)
    queries.set_slot_template(database, trip, ("09:00", "10:15"), 60, weekdays_only=True)
    queries.add_delegation_org(database, trip, ids["EFS BFC"])
    ada = queries.add_delegate(database, trip, ids["EFS BFC"], "Ada Lovelace", "ada@example.org")
    queries.save_host(database, trip, ids["ThéCell"], "Montréal", 1, [])
    slots = [row["id"] for row in queries.list_slots(database, trip)]
    with database.atomic():
        store.add_meeting(
            database, trip, Meeting(ada, ids["EFS BFC"], ids["ThéCell"], slots[0], "event", 0.7), False
        )
    with app.app_context():
        store.publish(database, trip)
        coordinator = User(users["coordinator"], "coordinator@test", "coordinator")
        token = subscriptions.create(database, trip, coordinator, delegate_id=ada)["token"]
    database.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app, token
    server.shutdown()
    thread.join(timeout=5)


def _feed(base: str, token: str) -> str:
    with urllib.request.urlopen(f"{base}/cal/{token}.ics", timeout=10) as response:  # noqa: S310 (loopback)
        return response.read().decode()


def test_a_host_member_confirms_a_meeting_from_the_mail(browser, live_server, shots):  # noqa: F811
    base, app, token = live_server
    assert "STATUS:TENTATIVE" in _feed(base, token)
    (mail,) = [m for m in deliver(app) if m["To"] == "thecell@test.example.org"]
    text = mail_text(mail)
    link = next(word for word in text.split() if "/hosting/link/" in word)
    path = link[link.index("/hosting/") :]
    outside: list[str] = []
    page = new_page(browser, base, PHONE, outside)
    page.goto(base + path)
    assert page.locator("h1").inner_text() == "Confirmer un rendez-vous de délégation"
    assert "Ada Lovelace (EFS BFC) ⇄ ThéCell" in page.content()
    assert "En attente de l’hôte" in page.inner_text("main")
    page.screenshot(path=shots / "h1-host-link.png")
    assert "STATUS:TENTATIVE" in _feed(base, token)  # opening the link changed nothing
    page.get_by_role("button", name="Accepter le rendez-vous").click()
    page.wait_for_load_state()
    assert "Votre réponse est enregistrée" in page.inner_text("main")
    assert "Confirmé par l’hôte" in page.inner_text("main")
    page.screenshot(path=shots / "h2-host-confirmed.png")
    feed = _feed(base, token)
    assert "STATUS:CONFIRMED" in feed and "SEQUENCE:1" in feed
    assert outside == []


def test_the_host_sees_the_meeting_confirmed_in_the_app(browser, live_server, shots):  # noqa: F811
    base, _app, _token = live_server
    outside: list[str] = []
    page = new_page(browser, base, DESKTOP, outside)
    log_in(page, base, "member_qc")
    page.goto(base + "/hosting/")
    assert page.locator("h1").inner_text() == "Rendez-vous à confirmer"
    assert "Confirmé par l’hôte" in page.inner_text("main")
    page.fill("textarea[name=note]", "Plutôt mardi 14 h")
    page.get_by_role("button", name="Proposer un autre créneau").click()
    page.wait_for_load_state()
    assert "la coordination va chercher un autre créneau" in page.inner_text("main")
    assert "Autre créneau proposé" in page.inner_text("main") and "Plutôt mardi 14 h" in page.inner_text(
        "main"
    )
    page.screenshot(path=shots / "h3-host-app.png")
    assert outside == []

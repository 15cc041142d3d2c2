"""End to end in headless Chromium: a member marks interest, a coordinator approves, the member sees it.

The server runs on 127.0.0.1 (a free port, a temporary database) in a thread. Screenshots of each step,
at desktop and phone widths, go to $PASSERELLE_SCREENSHOTS if set, else to a temporary folder.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ACCOUNTS, PASSWORD, TEST_HASH_METHOD, seed_app
from werkzeug.serving import make_server

from app import create_app
from app.db import connect, init_db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            "The end-to-end test needs Chromium at /usr/bin/chromium: "
            "run `sudo apt-get install chromium chromium-driver` (or `make test` as root)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def start_server(folder: Path, prepare=None):
    """Serve a seeded app on a free port of 127.0.0.1 in a thread; yield its address, then stop it.

    ``prepare(app)``, when given, adds rows (trips, pairings...) before the server starts.
    """
    app = create_app(
        {
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE": str(folder / "e2e.db"),
            "SECRET_KEY": "e2e-secret",
            "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
            "EMBEDDING_MODEL": "fake",
        }
    )
    database = connect(app.config["DATABASE"])
    init_db(database)
    database.close()
    app.user_ids = seed_app(app)
    if prepare is not None:
        prepare(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    yield from start_server(tmp_path_factory.mktemp("e2e"))


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = Path(os.environ.get("PASSERELLE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots in {folder}")
    return folder


def new_page(browser, base_url, viewport, outside):
    """A fresh browser profile in French that refuses (and records) any request off the server."""
    context = browser.new_context(
        viewport=viewport, locale="fr-FR", is_mobile=viewport is PHONE, has_touch=viewport is PHONE
    )

    def only_local(route):
        if urlsplit(route.request.url).netloc != urlsplit(base_url).netloc:
            outside.append(route.request.url)
            return route.abort()
        return route.continue_()

    context.route("**/*", only_local)
    return context.new_page()


def log_in(page, base_url, who):
    page.goto(base_url + "/")
    page.fill('input[name="email"]', ACCOUNTS[who][0])
    page.fill('input[name="password"]', PASSWORD)
    page.click('form button[type="submit"]')
    page.wait_for_load_state()


def log_out(page):
    page.click(".main-nav form button")
    page.wait_for_url(re.compile(r"/auth/login"))


def test_member_interest_coordinator_approval_member_sees_it(browser, live_server, shots):
    outside: list[str] = []
    page = new_page(browser, live_server, DESKTOP, outside)

    # A member logs in and sees suggested partners, in French by default.
    log_in(page, live_server, "member_bfc")
    assert re.search(r"/members/\d+/$", page.url)
    assert page.locator("h1").inner_text().startswith("Partenaires suggérés pour EFS BFC")
    cards = page.locator("article.suggestion")
    assert cards.count() > 0
    first = cards.first
    partner = first.locator("h3").inner_text()
    assert first.locator("meter").first.is_visible() and first.locator(".passage-pair").count() > 0
    page.screenshot(path=shots / "1-member-suggestions-desktop.png", full_page=False)

    # ... and marks interest in the first one.
    first.get_by_role("button", name="Intéressé", exact=True).click()
    page.wait_for_load_state()
    assert f"Votre intérêt pour {partner} est enregistré." in page.locator(".flash").inner_text()
    card = page.locator("article.suggestion", has=page.locator("h3", has_text=partner))
    assert "En cours d’examen par la coordination" in card.inner_text()
    card.screenshot(path=shots / "2-member-interest-card.png")
    log_out(page)

    # A coordinator logs in, switches to English, finds the request and approves it.
    log_in(page, live_server, "coordinator")
    page.click('.lang-switch a[hreflang="en"]')
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Review queue"
    item = page.locator(".queue-item", has_text=partner).filter(has_text="EFS BFC")
    assert "Member request" in item.inner_text()
    page.screenshot(path=shots / "3-coordinator-queue-desktop.png")
    item.locator("a.queue-link").click()
    page.wait_for_load_state()
    page.check('input[name="decision"][value="approve"]')
    page.fill('textarea[name="comment"]', "Both teams confirmed at the November mission.")
    page.click(".decision-form button[type=submit]")
    page.wait_for_load_state()
    assert "Your decision is recorded." in page.locator(".flash").inner_text()
    assert page.locator(".page-head .badge").inner_text() == "Approved"
    assert "Both teams confirmed at the November mission." in page.locator(".history").inner_text()
    page.screenshot(path=shots / "4-coordinator-pairing-approved.png", full_page=True)
    page.goto(live_server + "/coordination/network")
    assert page.locator("svg.network path.link-approved").count() == 1
    page.screenshot(path=shots / "5-network-desktop.png", full_page=True)
    log_out(page)

    # The member logs in again (the language chosen stays English in this browser) and sees it approved.
    log_in(page, live_server, "member_bfc")
    card = page.locator("article.suggestion", has=page.locator("h3", has_text=partner))
    assert "Pairing approved by the coordinators" in card.inner_text()
    assert partner in page.locator(".approved-box").inner_text()
    page.screenshot(path=shots / "6-member-sees-approval.png")
    assert outside == []  # no CDN, no font service: the pages work offline


def test_pages_fit_a_phone(browser, live_server, shots):
    outside: list[str] = []
    page = new_page(browser, live_server, PHONE, outside)
    log_in(page, live_server, "member_qc")
    assert page.locator("article.suggestion").count() > 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
    page.screenshot(path=shots / "7-member-phone.png", full_page=False)
    page.goto(live_server + "/organisations/?q=production%20CAR-T%20BPF")
    assert page.locator(".hit").count() > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=shots / "8-directory-search-phone.png", full_page=False)
    log_out(page)
    log_in(page, live_server, "coordinator")
    page.goto(live_server + "/coordination/network")
    page.screenshot(path=shots / "9-network-phone.png", full_page=False)
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    )  # the SVG scrolls in its box
    assert outside == []

"""Accessibility in headless Chromium: axe-core over the pages of every role, in French and English.

axe-core comes from npm (`package.json`, installed by `make test` with `npm ci`); its script is
injected into each page and run with the WCAG 2.2 AA rule set. A serious or critical violation fails
the test; the counts (pages checked, violations by impact) are printed whatever happens. One browser,
one server and one logged-in context per role keep it to a few seconds.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from conftest import ACCOUNTS, PASSWORD, org_id
from test_e2e_browser import DESKTOP, browser, start_server  # noqa: F401 (browser is a fixture)

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}


def _prepare(app):
    """Trips (one planned and published), a pairing, a request and a contact, as a running programme has."""
    from app.auth.queries import User
    from app.coordination.queries import ensure_pairing
    from app.db import get_db
    from app.followup.queries import open_due
    from app.introductions import operations as ops
    from app.operations import SYSTEM, trips
    from app.people.queries import save_contact
    from app.seed import seed_trips
    from app.trips import queries

    with app.app_context():
        db = get_db()
        seed_trips(db)
        efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
        sender = User(app.user_ids["member_bfc"], ACCOUNTS["member_bfc"][0], "member", (efs,))
        request_id = ops.send_request(db, sender, efs, thecell, "co_training", "video_call", "Bonjour")
        pairing_id = ensure_pairing(db, efs, thecell, "event", "engine", 0.7)
        contact_id = save_contact(db, efs, {"name": "Camille Exemple", "email": "camille@example.org"})
        trip = queries.get_trip(db, db.execute("SELECT min(id) FROM trips").fetchone()[0])
        trips.plan(db, SYSTEM, trip["id"], 2.0)
        trips.publish(db, SYSTEM, trip["id"])
        open_due(db, date(2027, 6, 1))
        followup = db.execute("SELECT min(id) FROM followups WHERE org_id = ?", [efs]).fetchone()
        app.a11y = {
            "efs": efs, "thecell": thecell, "mcgill": org_id(db, "McGill / MUHC"), "trip": trip["id"],
            "request": request_id, "pairing": pairing_id, "contact": contact_id,
            "followup": followup[0] if followup else None, "user": app.user_ids["member_other"],
        }  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    holder = {}

    def prepare(app):
        _prepare(app)
        holder["ids"] = app.a11y

    for url in start_server(tmp_path_factory.mktemp("a11y"), prepare):
        yield url, holder["ids"]


def pages_of(who: str, ids: dict) -> list[str]:
    """The pages a person of this role opens, with real ids filled in."""
    if who == "member_bfc":
        pages = [
            f"/members/{ids['efs']}/", f"/members/{ids['efs']}/profile", "/organisations/",
            "/organisations/?q=production%20CAR-T", f"/organisations/{ids['thecell']}",
            f"/organisations/{ids['efs']}", f"/organisations/{ids['efs']}/contacts/new",
            f"/organisations/{ids['efs']}/contacts/{ids['contact']}", "/requests/", "/requests/?box=sent",
            f"/requests/{ids['request']}", f"/requests/new?to_org_id={ids['thecell']}",
            f"/trips/org/{ids['efs']}", "/follow-up/", "/account/data", "/auth/password",
        ]  # fmt: skip
        if ids["followup"]:
            pages.append(f"/follow-up/{ids['followup']}")
        return pages
    if who == "member_qc":
        return [f"/members/{ids['thecell']}/", f"/organisations/{ids['efs']}", "/requests/"]
    if who == "coordinator":
        trip = ids["trip"]
        return [
            "/coordination/", f"/coordination/pairings/{ids['pairing']}", "/coordination/coverage",
            "/coordination/network", "/coordination/dashboard", "/trips/", "/trips/new", f"/trips/{trip}",
            f"/trips/{trip}/draft", f"/trips/{trip}/published", "/trips/travel", "/follow-up/answers",
            f"/organisations/{ids['mcgill']}", "/coordination/journal/",
            "/coordination/journal/?kind=pairing&since=2020-01-01",
        ]  # fmt: skip
    if who == "admin":
        return ["/admin/users", "/admin/users/new", f"/admin/users/{ids['user']}"]
    return ["/auth/login"]


def check(page, url: str) -> list[dict]:
    """Load ``url``, run axe-core on it; return its violations (rule, impact, nodes)."""
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        TAGS,
    )
    return result["violations"]


def test_every_role_every_language_passes_axe(browser, server, capsys):  # noqa: F811
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` at the top of the project (`make test` does).")
    base, ids = server
    started = time.monotonic()
    impacts: Counter[str] = Counter()
    blocking: list[str] = []
    distinct: set[str] = set()
    checks = 0
    slow: dict[str, float] = {}
    for who in ("logged_out", "member_bfc", "member_qc", "coordinator", "admin"):
        context = browser.new_context(viewport=DESKTOP, locale="fr-FR", bypass_csp=True)  # axe is injected
        page = context.new_page()
        if who != "logged_out":
            page.goto(base + "/auth/login")
            page.fill('input[name="email"]', ACCOUNTS[who][0])
            page.fill('input[name="password"]', PASSWORD)
            page.click('form button[type="submit"]')
            page.wait_for_load_state()
        for lang in ("fr", "en"):
            page.goto(base + f"/?lang={lang}")  # the switch keeps the language in the session
            for path in pages_of(who, ids):
                began = time.monotonic()
                violations = check(page, base + path)
                slow[f"{lang} {path}"] = time.monotonic() - began
                checks += 1
                distinct.add(re.sub(r"\?.*", "", path) if "lang" in path else path)
                for violation in violations:
                    impacts[violation["impact"]] += 1
                    if violation["impact"] in BLOCKING:
                        targets = [node["target"] for node in violation["nodes"][:3]]
                        blocking.append(
                            f"{lang} {who} {path}: {violation['id']} ({violation['impact']}) "
                            f"{violation['help']} {json.dumps(targets)}"
                        )
        context.close()
    seconds = time.monotonic() - started
    with capsys.disabled():
        by_impact = ", ".join(f"{k} {impacts[k]}" for k in ("critical", "serious", "moderate", "minor"))
        print(
            f"\naxe-core {TAGS}: {len(distinct)} distinct pages, {checks} checks (fr and en), "
            f"violations by impact: {by_impact}; {seconds:.1f} s"
        )
        print(sorted(slow.items(), key=lambda item: -item[1])[:8])
    assert len(distinct) >= 25
    assert not blocking, "\n".join(blocking)


def focus_ring(page) -> dict:
    """The focused element: its tag, text and whether it draws a visible outline."""
    return page.evaluate(
        """() => { const el = document.activeElement; const style = getComputedStyle(el);
        return {tag: el.tagName, text: (el.innerText || el.value || '').trim(), name: el.name || '',
                visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2}; }"""
    )


def tab_to(page, wanted, limit: int = 80) -> dict:
    """Press Tab until ``wanted(focused)`` holds; every stop on the way shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = focus_ring(page)
        assert focused["visible"], f"no visible focus on {focused}"
        if wanted(focused):
            return focused
    raise AssertionError(f"{limit} presses of Tab never reached the element")


def test_keyboard_alone_logs_in_and_marks_interest(browser, server):  # noqa: F811
    base, _ids = server
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    page = context.new_page()
    page.goto(base + "/auth/login")
    assert focus_ring(page)["name"] == "email"  # the login form starts on its first field
    page.keyboard.type(ACCOUNTS["member_qc"][0])
    tab_to(page, lambda focused: focused["name"] == "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Partenaires suggérés pour ThéCell")
    first = tab_to(page, lambda focused: True)
    assert first["text"] == "Aller au contenu", first  # the skip link comes first, past the menus
    page.keyboard.press("Enter")
    tab_to(page, lambda focused: focused["tag"] == "BUTTON" and focused["text"] == "Intéressé")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "est enregistré" in page.locator(".flash").first.inner_text()
    context.close()


PHONE = {"width": 390, "height": 844}
WIDE_ELEMENTS = """() => [...document.querySelectorAll('body *')].filter(el => {
    const box = el.getBoundingClientRect();
    return box.right > document.documentElement.clientWidth + 1 && !el.closest('.table-wrap, .network-wrap');
  }).slice(0, 5).map(el => el.tagName + '.' + el.className)"""


def test_main_pages_fit_a_phone_and_a_desktop(browser, server, tmp_path_factory):  # noqa: F811
    import os

    base, ids = server
    folder = Path(os.environ.get("PASSERELLE_SCREENSHOTS") or tmp_path_factory.mktemp("a11y-shots"))
    folder.mkdir(parents=True, exist_ok=True)
    wide = []
    for who, paths in {
        "member_bfc": [f"/members/{ids['efs']}/", "/organisations/", f"/organisations/{ids['thecell']}",
                       f"/trips/org/{ids['efs']}", "/requests/"],
        "coordinator": ["/coordination/", f"/coordination/pairings/{ids['pairing']}", f"/trips/{ids['trip']}",
                        f"/trips/{ids['trip']}/draft", f"/trips/{ids['trip']}/published",
                        "/coordination/dashboard"],
    }.items():  # fmt: skip
        for viewport in (PHONE, DESKTOP):
            context = browser.new_context(viewport=viewport, locale="fr-FR", is_mobile=viewport is PHONE)
            page = context.new_page()
            page.goto(base + "/auth/login")
            page.fill('input[name="email"]', ACCOUNTS[who][0])
            page.fill('input[name="password"]', PASSWORD)
            page.click('form button[type="submit"]')
            page.wait_for_load_state()
            for path in paths:
                page.goto(base + path)
                name = re.sub(r"\W+", "-", path).strip("-") or "home"
                page.screenshot(path=folder / f"{who}-{name}-{viewport['width']}.png")
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > viewport["width"]:
                    wide.append(
                        f"{path} at {viewport['width']} px: {width} px, {page.evaluate(WIDE_ELEMENTS)}"
                    )
            context.close()
    print(f"\nscreenshots in {folder}")
    assert wide == [], "\n".join(wide)

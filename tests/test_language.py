"""French pages hold no English sentence, English pages no French one; the French reads as written.

Every main page of every role is rendered in both languages with the seed content shown on it
(profiles, trip notes, requests). A small stop-word detector (``models.language``) reads each piece
of text; text marked with its own language (``lang="en"`` on a French page) is an organisation's or a
person's words and is allowed, as are proper names (they hold no stop words).
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from conftest import AuthActions, org_id, page_text

from app.auth.queries import User
from app.coordination.queries import ensure_pairing
from app.introductions import operations as ops
from app.trips import meetings
from models.language import guess_language

SKIPPED_TAGS = {"script", "style", "textarea"}  # a textarea holds what the person typed


class _Text(HTMLParser):
    """The pieces of text of a page with the language each is marked in (the nearest ``lang``)."""

    VOID = {
        "br",
        "img",
        "input",
        "meta",
        "link",
        "hr",
        "source",
        "wbr",
        "col",
        "area",
        "base",
        "path",
        "circle",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.pieces: list[tuple[str | None, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        lang = dict(attrs).get("lang")
        self.stack.append((tag, lang if lang is not None else (self.stack[-1][1] if self.stack else None)))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if data.strip() and not any(tag in SKIPPED_TAGS for tag, _lang in self.stack):
            self.pieces.append((self.stack[-1][1] if self.stack else None, " ".join(data.split())))


def wrong_language(html: str, lang: str) -> list[str]:
    """Pieces of text in the other language and not marked as such."""
    parser = _Text()
    parser.feed(html)
    other = {"fr": "en", "en": "fr"}[lang]
    return [text for marked, text in parser.pieces if marked == lang and guess_language(text) == other]


@pytest.fixture
def world(seeded, db):
    from app.operations import SYSTEM, trips
    from app.seed import seed_trips

    seed_trips(db)
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    sender = User(seeded.user_ids["member_bfc"], "efs@test.example.org", "member", (efs,))
    request_id = ops.send_request(
        db, sender, efs, thecell, "co_training", "video_call", "Bonjour, nous aimerions former nos équipes."
    )
    pairing_id = ensure_pairing(db, efs, thecell, "event", "engine", 0.7)
    trip_id = db.execute("SELECT min(id) FROM trips").fetchone()[0]
    with seeded.app_context():
        from app.db import get_db

        trips.plan(get_db(), SYSTEM, trip_id, 2.0)
        trips.publish(get_db(), SYSTEM, trip_id)
    return {"efs": efs, "thecell": thecell, "request": request_id, "pairing": pairing_id, "trip": trip_id}


def pages(w: dict) -> dict[str, list[str]]:
    """The main pages of each role."""
    trips = [f"/trips/{n}" for n in range(w["trip"], w["trip"] + 3)]
    return {
        "member_bfc": [
            f"/members/{w['efs']}/", f"/members/{w['efs']}/profile", "/organisations/",
            f"/organisations/{w['thecell']}", f"/organisations/{w['efs']}", "/requests/",
            "/requests/?box=sent", f"/requests/{w['request']}", f"/trips/org/{w['efs']}",
            "/follow-up/", "/account/data",
        ],
        "member_qc": [f"/members/{w['thecell']}/", "/requests/", f"/requests/{w['request']}"],
        "coordinator": [
            "/coordination/", f"/coordination/pairings/{w['pairing']}", "/coordination/coverage",
            "/coordination/dashboard", "/trips/", *trips, f"/trips/{w['trip']}/draft",
            f"/trips/{w['trip']}/published", "/trips/travel", "/follow-up/answers",
            "/coordination/journal/",
        ],
        "admin": ["/admin/users", "/admin/users/new"],
    }  # fmt: skip


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pages_speak_one_language(seeded, world, lang):
    found = []
    checked = 0
    for who, paths in pages(world).items():
        client = seeded.test_client()
        assert AuthActions(client).login(who).status_code == 302
        client.get(f"/auth/password?lang={lang}")
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            html = response.get_data(as_text=True)
            assert f'<html lang="{lang}">' in html
            found += [f"{who} {path}: {text}" for text in wrong_language(html, lang)]
            checked += 1
    assert checked >= 25
    assert found == [], "\n".join(found)


def test_the_detector_tells_the_two_languages_apart():
    assert (
        guess_language("Announced for spring 2026 (exact dates not public: these are placeholders)") == "en"
    )
    assert guess_language("Annoncée pour le printemps 2026, avec des journées de co-réflexion") == "fr"
    assert guess_language("Mission BIOVALIANCE à Montréal") is None  # a name decides nothing
    html = (
        '<html lang="fr"><p>Le profil est à jour et les suggestions aussi.</p>'
        '<p lang="en">This is their own text.</p></html>'
    )
    english = html.replace(
        "Le profil est à jour et les suggestions aussi.",
        "The profile is up to date, and so are the suggestions.",
    )
    assert wrong_language(english, "fr") == ["The profile is up to date, and so are the suggestions."]
    assert wrong_language(html, "fr") == []


def test_french_elides_and_counts_in_the_singular(auth, client, db):
    auth.login("member_bfc")
    efs = org_id(db, "EFS BFC")
    text = page_text(client.get(f"/members/{efs}/profile"))
    assert "Modifier le profil d’EFS BFC" in text and "de EFS" not in text
    from app.i18n import de_name, que_name

    with client.application.test_request_context("/?lang=fr"):
        assert [de_name("ThéCell"), de_name("Héma-Québec"), de_name("Le Tube à Essais")] == [
            "de ThéCell",
            "d’Héma-Québec",
            "du Tube à Essais",
        ]
        assert que_name("EFS BFC") == "qu’EFS BFC"
        report = meetings.PublishReport(created=1, changed=2, unchanged=0, cancelled=1)
        assert report.counts(unchanged=True) == "1 nouveau, 2 modifiés, 0 inchangé, 1 annulé"

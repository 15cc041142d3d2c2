"""A trip planned in one language reads wholly in the other: exports, the members' meetings page, the API.

Meeting reasons are stored as codes and parameters and put into words when shown, so nothing the
planner wrote in the planner's language leaks into a reader's file or page.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date

import openpyxl
import pytest
from conftest import AuthActions, bearer, org_id, page_text
from icalendar import Calendar
from pypdf import PdfReader

from app.coordination.queries import ensure_pairing
from app.trips import queries
from models.matching.topics import load_vocabulary

# Words of our own (labels, reasons, headings) that only one language uses.
FRENCH = (
    "thèmes communs",
    "offre ce que",
    "chacun offre ce que",
    "mise en relation approuvée",
    "score du moteur",
    "Rendez-vous avec",
    "Type de collaboration",
    "Pourquoi",
    "Délégation",
    "Dossier de mission",
    "Questions à aborder",
    "Ce qui les rapproche",
    "Échange de personnel",
    "Essai clinique conjoint",
    "Co-formation",
    "Événement co-construit",
    "Collaboration économique",
)
ENGLISH = (
    "shared topics",
    "offers what",
    "each offers what",
    "approved pairing",
    "engine score",
    "Meeting with",
    "Kind of collaboration",
    "Why",
    "Delegation",
    "Briefing pack",
    "Questions to raise",
    "What brings them together",
    "Staff exchange",
    "Joint clinical trial",
    "Co-training",
    "Co-created event",
    "Economic collaboration",
)


@pytest.fixture
def trip(seeded, db):
    """EFS BFC (two delegates) and CHU de Besançon (one) visit four Québec hosts over two days."""
    seeded.config["TRIP_MIN_SCORE"] = 0.0  # the fake embedder's scores: let every pair be planned
    fields = {
        "name": "Mission bilingue",
        "direction": "BFC->QC",
        "cities": ["Montréal", "Québec City"],
        "start_date": date(2026, 5, 11),
        "end_date": date(2026, 5, 12),
        "status": "planned",
        "notes": "",
    }
    trip_id = queries.create_trip(db, fields)
    queries.set_slot_template(db, trip_id, ("09:00", "10:15", "11:30"), 60, weekdays_only=True)
    efs, chu = org_id(db, "EFS BFC"), org_id(db, "CHU de Besançon")
    for org in (efs, chu):
        queries.add_delegation_org(db, trip_id, org)
    queries.add_delegate(db, trip_id, efs, "Ada Lovelace", "ada@example.org")
    queries.add_delegate(db, trip_id, efs, "Ben Franklin", "ben@example.org")
    queries.add_delegate(db, trip_id, chu, "Cy Twombly", "cy@example.org")
    for name in ("ThéCell", "Héma-Québec", "McGill / MUHC", "LOEX"):
        queries.save_host(
            db, trip_id, org_id(db, name), "Québec City" if name == "LOEX" else "Montréal", 1, []
        )
    pairing = ensure_pairing(db, efs, org_id(db, "Héma-Québec"), "staff_exchange", "engine", 0.9)
    db.execute("UPDATE pairings SET status = 'approved' WHERE id = ?", [pairing])  # "approved pairing"
    db.conn.commit()
    return trip_id


def plan_and_publish(auth: AuthActions, client, trip_id: int, lang: str) -> None:
    """A coordinator plans and publishes the trip with the interface in ``lang``."""
    auth.login("coordinator")
    client.get(f"/auth/password?lang={lang}")
    assert auth.post(f"/trips/{trip_id}/plan").status_code == 302
    with client.application.app_context():  # the worker's round
        from app.db import get_db
        from app.trips import plan_jobs

        assert plan_jobs.run_due(get_db()) == 1
    assert auth.post(f"/trips/{trip_id}/publish").status_code == 302


def exported_texts(client, trip_id: int, lang: str) -> dict[str, str]:
    """The words of every export of the trip, downloaded with the interface in ``lang``."""
    client.get(f"/auth/password?lang={lang}")
    delimiter = ";" if lang == "fr" else ","
    body = client.get(f"/exports/trips/{trip_id}.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=delimiter))
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/exports/trips/{trip_id}.xlsx").data)).active
    cells = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]
    pdf = PdfReader(io.BytesIO(client.get(f"/exports/trips/{trip_id}.pdf").data))
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/exports/trips/{trip_id}/calendars.zip").data))
    events = []
    for name in archive.namelist():
        for event in Calendar.from_ical(archive.read(name)).walk("VEVENT"):
            events += [str(event["summary"]), str(event["description"])]
    return {
        "csv": "\n".join(";".join(row) for row in rows),
        "xlsx": "\n".join(cells),
        "pdf": _our_pdf_words(pdf),
        "ics": "\n".join(events),
    }


def _our_pdf_words(pdf: PdfReader) -> str:
    """The PDF's text without the profile texts it quotes (those stay in the language they were written)."""
    lines = "\n".join(page.extract_text() for page in pdf.pages).splitlines()
    kept = " ".join(
        line for line in lines if not line.startswith(("Expertise", "Offre", "Offers", "Recherche"))
    )
    return " ".join(kept.split())  # justified lines come out with double spaces


def reasons(db, trip_id: int) -> list[dict]:
    """The stored reasons of the published meetings."""
    rows = db.execute("SELECT reason FROM published_meetings WHERE trip_id = ?", [trip_id]).fetchall()
    return [json.loads(row[0]) for row in rows]


def topic_words(db, trip_id: int, lang: str) -> set[str]:
    """The labels, in ``lang``, of the topics the reasons name (when they differ between languages)."""
    vocabulary = load_vocabulary()
    topics = {vocabulary.by_id(t) for reason in reasons(db, trip_id) for t in reason["topics"]}
    return {t.fr if lang == "fr" else t.en for t in topics if t.fr != t.en}


@pytest.mark.parametrize("planned_in, read_in", [("fr", "en"), ("en", "fr")])
def test_a_trip_planned_in_one_language_exports_in_the_other(auth, client, db, trip, planned_in, read_in):
    plan_and_publish(auth, client, trip, planned_in)
    stored = reasons(db, trip)
    assert stored and all(set(reason) == {"approved", "topics", "direction", "score"} for reason in stored)
    assert any(reason["approved"] for reason in stored) and any(reason["topics"] for reason in stored)
    assert topic_words(db, trip, planned_in), "the reasons name topics whose labels differ by language"
    files = exported_texts(client, trip, read_in)
    foreign = FRENCH if read_in == "en" else ENGLISH
    own = ENGLISH if read_in == "en" else FRENCH
    for kind, text in files.items():
        leaked = [words for words in foreign if words in text]
        assert leaked == [], f"{kind} in {read_in} holds {leaked}"
    approved = "approved pairing" if read_in == "en" else "mise en relation approuvée"
    for kind in ("csv", "xlsx", "pdf", "ics"):
        assert approved in files[kind], kind
    assert any(words in files["csv"] for words in own)
    other_topics = topic_words(db, trip, planned_in)
    for kind in ("csv", "xlsx", "ics"):
        assert [words for words in other_topics if words in files[kind]] == []


@pytest.mark.parametrize("planned_in, read_in", [("fr", "en"), ("en", "fr")])
def test_the_members_meetings_page_reads_in_the_members_language(auth, client, db, trip, planned_in, read_in):
    plan_and_publish(auth, client, trip, planned_in)
    auth.logout()
    auth.login("member_bfc")
    client.get(f"/auth/password?lang={read_in}")
    text = page_text(client.get(f"/trips/org/{org_id(db, 'EFS BFC')}"))
    assert "Mission bilingue" in text
    foreign = FRENCH if read_in == "en" else ENGLISH
    assert [words for words in foreign if words in text] == []
    assert ("approved pairing" if read_in == "en" else "mise en relation approuvée") in text
    assert [words for words in topic_words(db, trip, planned_in) if words in text] == []


def test_the_api_words_meeting_reasons_in_english(auth, client, db, trip, api_tokens):
    plan_and_publish(auth, client, trip, "fr")
    efs = org_id(db, "EFS BFC")
    items = client.get(f"/api/v1/organisations/{efs}/meetings", headers=bearer(api_tokens["member_bfc"])).json
    text = " ".join(item["reason"] for item in items["items"])
    assert "approved pairing" in text and [words for words in FRENCH if words in text] == []


def test_a_reason_stored_as_text_by_an_earlier_version_is_shown_as_it_is():
    from models.exports.words import words_for

    legacy = "thèmes communs : Production BPF · EFS BFC offre ce que ThéCell cherche"
    assert words_for("en").reason(legacy, "EFS BFC", "ThéCell") == legacy
    stored = '{"approved":false,"direction":"we_offer","score":0.5,"topics":[]}'
    assert words_for("en").reason(stored, "EFS BFC", "ThéCell") == "EFS BFC offers what ThéCell seeks"
    assert words_for("fr").reason(stored, "EFS BFC", "ThéCell") == "EFS BFC offre ce que ThéCell cherche"

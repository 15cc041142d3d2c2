"""Every export is read back with the tool a person's program would use, and its content checked."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from pypdf import PdfReader

from models.exports import (
    ExportMeeting,
    ExportOrg,
    ExportPairing,
    ExportTrip,
    delegate_calendars,
    delegate_ics,
    neutralise,
    pairings_csv,
    pairings_xlsx,
    trip_csv,
    trip_pdf,
    trip_xlsx,
)
from models.exports.briefing import suggested_questions, trim
from models.exports.pdf import BriefingPDF
from models.exports.types import ExportContact
from models.exports.words import words_for
from models.matching.results import Evidence, PassagePair, Topic

SEED = Path(__file__).resolve().parent.parent / "data" / "seed" / "ecosystem.jsonl"
PROFILES = {p["short_name"]: p for p in map(json.loads, SEED.read_text(encoding="utf-8").splitlines())}
ACCENTS = "é, è, à, ç, œ, É, ô, –, ’, …"
SCRIPT = "<script>alert(1)</script>"
HOSTILE = (
    '=HYPERLINK("http://evil.example/","clic")',
    "+1",
    "-2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "＝1+1",
    " =1+1",
)
TOPICS = (
    Topic("car_t", "Cellules CAR-T", "CAR-T cells"),
    Topic("gmp", "Production BPF", "GMP manufacturing"),
)
PUBLISHED = datetime(2026, 4, 20, 16, 30, tzinfo=ZoneInfo("Europe/Paris"))


def org(short_name: str, org_id: int) -> ExportOrg:
    """An organisation of the seed data."""
    p = PROFILES[short_name]
    fields = ("short_name", "name", "region", "city", "type", "website", "expertise", "offers", "seeks")
    return ExportOrg(id=org_id, **{field: p[field] for field in fields})


def evidence(delegation: ExportOrg, host: ExportOrg) -> Evidence:
    """What the engine would say: the delegation seeks what the host offers, and the other way."""
    return Evidence(
        passages=(
            PassagePair("seeks", delegation.seeks, "offers", host.offers, 0.71),
            PassagePair("offers", delegation.offers, "seeks", host.seeks, 0.64),
        ),
        shared_topics=TOPICS,
        shared_terms=("car-t", "gmp"),
        direction="both",
    )


def meeting(n, trip, delegation, host, day, hour, *, tz="America/Montreal", sequence=0, **changes):
    """Meeting ``n`` of a trip, an hour long from ``hour`` o'clock local time on ``day``."""
    start = datetime.combine(day, datetime.min.time(), ZoneInfo(tz)) + timedelta(hours=hour)
    values = dict(
        uid=f"trip-{trip}-meeting-{n}@passerelle.example.org",
        sequence=sequence,
        trip_name="Mission au Québec, printemps 2026",
        start=start,
        end=start + timedelta(hours=1),
        tz=tz,
        city=host.city,
        delegate_name=f"Délégué {n}",
        delegate_email=f"delegue{n}@bfc.example.org",
        delegation=delegation,
        host=host,
        track="joint_trial",
        score=0.82,
        reason=f"{delegation.short_name} cherche ce que {host.short_name} offre.",
        evidence=evidence(delegation, host),
        contacts=("Marie Tremblay <marie@qc.example.org>", "+1 418 555 0100"),
    )
    return ExportMeeting(**{**values, **changes})


def quebec_trip(first_start_hour: float = 9, first_sequence: int = 0) -> ExportTrip:
    """Five meetings over two days in Montréal and Québec City, two of them for one delegate."""
    efs, right, chu = org("EFS BFC", 1), org("UMR RIGHT", 2), org("CHU de Besançon", 3)
    hema, c3i, chum, loex = org("Héma-Québec", 31), org("C3i", 32), org("CHUM / CRCHUM", 33), org("LOEX", 34)
    monday, tuesday = date(2026, 5, 11), date(2026, 5, 12)
    elodie = dict(delegate_name="Élodie Perrin", delegate_email="Elodie.Perrin@efs.example.org")
    meetings = (
        meeting(1, 7, efs, hema, monday, first_start_hour, sequence=first_sequence, reason=ACCENTS, **elodie),
        meeting(2, 7, right, c3i, monday, 10.5, track="staff_exchange", score=0.64),
        meeting(3, 7, chu, chum, monday, 14, track="co_training", score=0.58),
        meeting(4, 7, efs, chum, tuesday, 9, track="economic", score=0.51, **elodie),
        meeting(5, 7, right, loex, tuesday, 14, track="event", score=0.47, evidence=None),
    )
    return ExportTrip(
        id=7,
        name="Mission au Québec, printemps 2026",
        direction="BFC->QC",
        destination="Montréal et Québec",
        start=date(2026, 5, 11),
        end=date(2026, 5, 15),
        meetings=meetings,
        published_at=PUBLISHED,
    )


def bfc_trip() -> ExportTrip:
    """The Québec delegation's visit to Besançon and Dijon, in Paris time."""
    thecell, hema = org("ThéCell", 31), org("Héma-Québec", 32)
    efs, dijon = org("EFS BFC", 1), org("CHU Dijon Bourgogne", 4)
    day, name = date(2026, 10, 6), "Délégation québécoise en BFC"
    paris = dict(tz="Europe/Paris", trip_name=name)
    meetings = (
        meeting(1, 9, thecell, efs, day, 9.5, delegate_name="Sophie Gagnon", **paris),
        meeting(2, 9, hema, dijon, day, 14, delegate_name="Luc Côté", delegate_email="", **paris),
    )
    return ExportTrip(9, name, "QC->BFC", "Besançon et Dijon", day, day, meetings)


def hostile_trip() -> ExportTrip:
    """One meeting per hostile value, the value in every text a person could type."""
    meetings = []
    for n, value in enumerate(HOSTILE, start=1):
        bad = ExportOrg(100 + n, value, value, "BFC", value, "company", value, SCRIPT, value, value)
        host = replace(org("ThéCell", 31), expertise=SCRIPT + " " + value)
        meetings.append(
            meeting(
                n, 66, bad, host, date(2026, 5, 11), 8 + n, delegate_name=value, city=value,
                reason=value, contacts=(value,), host_contact=ExportContact(value, value, value, value),
            )
        )  # fmt: skip
    return ExportTrip(66, "Hostile", "BFC->QC", "Montréal", date(2026, 5, 11), date(2026, 5, 11), meetings)


def read_csv(data: bytes, delimiter: str) -> list[list[str]]:
    """Rows as Excel would see them, after checking the byte-order mark."""
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def starts_a_formula(cell: str) -> bool:
    """Whether a spreadsheet could take the cell for a formula (the test's own, independent rule)."""
    visible = cell.lstrip(" \t\r\n\u00a0\u3000")[:1]
    return (
        bool(cell)
        and cell[:1] in "\t\r\n"
        or unicodedata.normalize("NFKC", visible)[:1] in ("=", "+", "-", "@")
    )


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text, with whitespace runs made single spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def events(data: bytes) -> list:
    """The VEVENTs of an iCalendar file."""
    return Calendar.from_ical(data).walk("VEVENT")


# neutralise


@pytest.mark.parametrize("value", HOSTILE + ("\n=1", "﹦1", "＋1", "－1", "＠A1", "\u00a0=1", "\u200b=1"))
def test_neutralise_prefixes_anything_a_spreadsheet_could_run(value):
    assert neutralise(value) == "'" + value
    assert not starts_a_formula(neutralise(value))


@pytest.mark.parametrize(
    "value", ["", "Besançon", "0,82", "a=b", "'déjà cité", "Héma-Québec", "2026-05-11 09:00"]
)
def test_neutralise_leaves_plain_text_alone(value):
    assert neutralise(value) == value


# CSV


def test_trip_csv_in_french_opens_with_accents_and_one_row_per_meeting():
    data = trip_csv(quebec_trip(), "fr")
    assert data.count(b"\r\n") == 6 and b"\n" not in data.replace(b"\r\n", b"")
    header, *rows = read_csv(data, ";")
    assert header[:4] == ["Début", "Fin", "Fuseau horaire", "Ville"]
    assert "Type de collaboration" in header and "Délégation" in header and "Hôte" in header
    assert len(rows) == 5
    first = dict(zip(header, rows[0], strict=True))
    assert first["Début"] == "2026-05-11 09:00" and first["Fin"] == "2026-05-11 10:00"
    assert first["Fuseau horaire"] == "America/Montreal" and first["Ville"] == "Montréal"
    assert first["Délégué·e"] == "Élodie Perrin" and first["Hôte"] == "Héma-Québec"
    assert first["Hôte (nom complet)"] == PROFILES["Héma-Québec"]["name"]
    assert first["Type de collaboration"] == "Essai clinique conjoint" and first["Score"] == "0,82"
    assert first["Pourquoi"] == ACCENTS
    assert first["Contacts"] == "Marie Tremblay <marie@qc.example.org>; +1 418 555 0100"


def test_trip_csv_in_english_uses_commas_and_english_labels():
    header, *rows = read_csv(trip_csv(quebec_trip(), "en"), ",")
    row = dict(zip(header, rows[1], strict=True))
    assert header[0] == "Start" and row["Kind of collaboration"] == "Staff exchange"
    assert row["Score"] == "0.64" and row["Delegation"] == "UMR RIGHT" and row["Host"] == "C3i"


@pytest.mark.parametrize("locale,delimiter", [("fr", ";"), ("en", ",")])
def test_csv_cells_never_start_a_formula(locale, delimiter):
    rows = read_csv(trip_csv(hostile_trip(), locale), delimiter)
    assert len(rows) == 1 + len(HOSTILE)
    assert not [cell for row in rows for cell in row if starts_a_formula(cell)]
    delegates = [row[4] for row in rows[1:]]
    assert delegates == ["'" + value for value in HOSTILE]  # kept, only made inert
    assert rows[1][12] == "'" + HOSTILE[0]


def test_script_in_a_profile_stays_text_in_csv_and_xlsx():
    trip = quebec_trip()
    trip = replace(trip, meetings=(replace(trip.meetings[0], reason=SCRIPT),))
    assert read_csv(trip_csv(trip, "en"), ",")[1][12] == SCRIPT
    assert load_workbook(io.BytesIO(trip_xlsx(trip, "en"))).active["M2"].value == SCRIPT


# XLSX


def test_trip_xlsx_has_typed_columns_frozen_header_and_filter():
    sheet = load_workbook(io.BytesIO(trip_xlsx(quebec_trip(), "fr"))).active
    assert sheet.title == "Rendez-vous" and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:S6" and sheet.max_row == 6
    assert [cell.value for cell in sheet[1]][:3] == ["Début", "Fin", "Fuseau horaire"]
    assert all(cell.font.b for cell in sheet[1])
    start, score = sheet["A2"], sheet["L2"]
    assert isinstance(start.value, datetime) and start.value == datetime(2026, 5, 11, 9, 0)
    assert start.number_format == "yyyy-mm-dd hh:mm"
    assert isinstance(score.value, float) and score.value == pytest.approx(0.82)
    assert sheet["K2"].value == "Essai clinique conjoint" and sheet["M2"].value == ACCENTS
    assert sheet.column_dimensions["M"].width == 60


def test_xlsx_holds_no_formula():
    data = trip_xlsx(hostile_trip(), "fr")
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert not [cell.value for cell in cells if isinstance(cell.value, str) and starts_a_formula(cell.value)]
    delegates = [sheet.cell(row=r, column=5).value for r in range(2, 2 + len(HOSTILE))]
    assert delegates == ["'" + value.replace("\r", "\n") for value in HOSTILE]  # XML reads CR as LF
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


# pairings


def pairings() -> list[ExportPairing]:
    """Three decided pairings, one with a hostile comment and no score."""
    efs, right, hema, c3i = org("EFS BFC", 1), org("UMR RIGHT", 2), org("Héma-Québec", 31), org("C3i", 32)
    decided = datetime(2026, 3, 2, 15, 4, tzinfo=ZoneInfo("America/Montreal"))
    return [
        ExportPairing(
            efs, hema, "joint_trial", "approved", 0.82, "Anne Côté", decided, "Très pertinent", "engine"
        ),
        ExportPairing(
            right, c3i, "staff_exchange", "approved", None, "Anne Côté", decided, HOSTILE[0], "member"
        ),
        ExportPairing(efs, c3i, "economic", "rejected", 0.3, "", None, "", "documented"),
    ]


def test_pairings_csv_lists_each_pairing_with_labels():
    header, *rows = read_csv(pairings_csv(pairings(), "fr"), ";")
    assert len(rows) == 3 and header[0] == "Organisation BFC" and header[-1] == "Commentaire"
    first = dict(zip(header, rows[0], strict=True))
    assert first["Organisation Québec"] == "Héma-Québec" and first["Statut"] == "Approuvée"
    assert first["Origine"] == "Moteur" and first["Score"] == "0,82"
    assert first["Décidé le (UTC)"] == "2026-03-02 20:04" and first["Commentaire"] == "Très pertinent"
    second = dict(zip(header, rows[1], strict=True))
    assert second["Score"] == "" and second["Commentaire"] == "'" + HOSTILE[0]
    assert rows[2][header.index("Décidé le (UTC)")] == ""


def test_pairings_xlsx_is_typed_and_formula_free():
    sheet = load_workbook(io.BytesIO(pairings_xlsx(pairings(), "en"))).active
    assert sheet.title == "Pairings" and sheet.freeze_panes == "A2" and sheet.max_row == 4
    header = [cell.value for cell in sheet[1]]
    row = {h: cell for h, cell in zip(header, sheet[2], strict=True)}
    assert row["Status"].value == "Approved" and row["Kind of collaboration"].value == "Joint clinical trial"
    assert row["Decided on (UTC)"].value == datetime(2026, 3, 2, 20, 4)
    assert isinstance(row["Score"].value, float)
    assert not [c for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert sheet.cell(row=3, column=header.index("Comment") + 1).value == "'" + HOSTILE[0]


# PDF


def test_pdf_in_french_has_the_agenda_then_one_page_per_meeting():
    pages = pdf_pages(trip_pdf(quebec_trip(), "fr"))
    assert len(pages) == 1 + 5
    cover = pages[0]
    for words in (
        "Dossier de mission",
        "Mission au Québec, printemps 2026",
        "Programme",
        "Lundi 11 mai 2026",
    ):
        assert words in cover
    assert "Mardi 12 mai 2026" in cover and "Bourgogne-Franche-Comté → Québec" in cover
    assert "du 11 au 15 mai 2026" in cover and "5 rendez-vous, 4 délégué·es" in cover
    assert all(name in cover for name in ("Élodie Perrin", "Héma-Québec", "LOEX", "9 h 00 – 10 h 00"))
    for n, page in enumerate(pages[1:], start=1):
        assert f"Rendez-vous {n} sur 5" in page and "Les deux organisations" in page
    first = pages[1]
    assert "EFS BFC – Héma-Québec" in first and "Essai clinique conjoint · Score 0,82" in first
    assert "Thèmes communs : Cellules CAR-T · Production BPF" in first and "Questions à aborder" in first
    assert "Vous cherchez « " in first and "Chacun offre ce que l’autre cherche" in first
    assert "Héma-Québec propose « " in first
    assert "Pas de passage à citer." in pages[5]


def test_pdf_in_english_speaks_english():
    pages = pdf_pages(trip_pdf(quebec_trip(), "en"))
    assert len(pages) == 6
    assert "Briefing pack" in pages[0] and "Agenda" in pages[0] and "Monday 11 May 2026" in pages[0]
    assert "11–15 May 2026" in pages[0] and "09:00–10:00" in pages[0]
    first = pages[1]
    assert "Meeting 1 of 5" in first and "The two organisations" in first and "Questions to raise" in first
    assert "Shared topics: CAR-T cells · GMP manufacturing" in first and "Joint clinical trial" in first
    assert "You seek “" in first and "Rendez-vous" not in first


def test_pdf_text_keeps_accents_and_prints_a_script_as_text():
    trip = quebec_trip()
    host = replace(trip.meetings[0].host, expertise=SCRIPT + " Plateforme de production.")
    trip = replace(trip, meetings=(replace(trip.meetings[0], host=host),))
    page = pdf_pages(trip_pdf(trip, "fr"))[1]
    assert ACCENTS in page
    assert SCRIPT in page


def test_pdf_cuts_long_profiles_to_keep_one_page_per_meeting():
    trip = quebec_trip()
    long_text = " ".join(f"Phrase numéro {i} sur la production cellulaire à façon." for i in range(120))
    big = replace(trip.meetings[0].delegation, expertise=long_text, offers=long_text, seeks=long_text)
    many = Evidence(
        tuple(PassagePair("seeks", long_text, "offers", long_text, 0.5) for _ in range(8)), TOPICS
    )
    trip = replace(trip, meetings=(replace(trip.meetings[0], delegation=big, host=big, evidence=many),))
    pages = pdf_pages(trip_pdf(trip, "fr"))
    assert len(pages) == 2
    assert "Phrase numéro 0 sur la production cellulaire à façon." in pages[1]
    assert "Phrase numéro 119" not in pages[1]


def test_pdf_cuts_a_profile_too_long_for_any_budget_with_an_ellipsis():
    trip = quebec_trip()
    name = " ".join(f"Institut{i}" for i in range(900))  # names are never trimmed by a budget
    huge = replace(trip.meetings[0].host, name=name)
    trip = replace(trip, meetings=(replace(trip.meetings[0], host=huge),))
    pages = pdf_pages(trip_pdf(trip, "fr"))
    assert len(pages) == 2
    assert "Institut0 Institut1" in pages[1] and "Institut899" not in pages[1] and "…" in pages[1]
    assert "Questions à aborder" in pages[1] and "Rendez-vous 1 sur 1" in pages[1]


def test_pdf_agenda_over_several_pages_repeats_its_headings():
    trip = quebec_trip()
    first = trip.meetings[0]
    meetings = tuple(
        replace(first, uid=f"m{n}@passerelle.example.org", start=first.start + timedelta(hours=n),
                end=first.end + timedelta(hours=n), delegate_name=f"Délégué {n}")
        for n in range(60)
    )  # fmt: skip
    pages = pdf_pages(trip_pdf(replace(trip, meetings=meetings), "fr"))
    cover = [page for page in pages if not re.search(r"Rendez-vous \d+ sur \d+", page)]
    assert len(cover) >= 2 and len(pages) == len(cover) + 60
    assert all("Heure Délégué·e Délégation Hôte Ville" in page for page in cover)
    assert all(f"Délégué {n} " in " ".join(cover) for n in range(60))


def test_pdf_prints_a_glyph_the_bold_font_lacks_in_a_bold_title():
    trip = quebec_trip()
    host = replace(trip.meetings[0].host, short_name="Институт Ω")
    trip = replace(trip, meetings=(replace(trip.meetings[0], host=host),))
    page = pdf_pages(trip_pdf(trip, "fr"))[1]
    assert "EFS BFC – Институт Ω" in page and "Hôte · Институт Ω" in page


def test_lines_fit_their_width_and_keep_every_word():
    widths = BriefingPDF("Mission", words_for("fr")).widths()
    text = "Plateforme de thérapie cellulaire à façon, " * 20 + "\nSecond paragraphe " + "x" * 300
    lines = widths.wrap(text, 60, 9)
    assert all(widths.word(line, 9) <= 60 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    assert lines.index("Second paragraphe") > 0
    clipped = widths.clip(lines, 3, 60, 9)
    assert len(clipped) == 3 and clipped[-1].endswith("…") and widths.word(clipped[-1], 9) <= 60
    assert widths.clip(lines, len(lines), 60, 9) == lines


def test_pdf_of_a_trip_without_meetings_is_a_cover():
    trip = replace(quebec_trip(), meetings=())
    pages = pdf_pages(trip_pdf(trip, "en"))
    assert len(pages) == 1 and "No meeting is planned." in pages[0]


def test_questions_come_from_both_sides_in_each_language():
    first = quebec_trip().meetings[0]
    french = suggested_questions(first, "fr")
    assert len(french) == 4
    assert french[0].startswith("Vous cherchez «\u00a0") and french[0].endswith(
        "\u00a0: que peut apporter Héma-Québec\u00a0?"
    )
    assert french[1].startswith("Héma-Québec propose «\u00a0")
    assert french[2].startswith("Héma-Québec cherche «\u00a0")
    assert french[3].startswith("Vous proposez «\u00a0")
    english = suggested_questions(first, "en", limit=2)
    assert english[0].startswith("You seek “") and english[1].startswith("Héma-Québec offers “")


def test_trim_stops_at_a_sentence_and_else_at_a_word():
    text = "Première phrase courte. Deuxième phrase, un peu plus longue. Troisième."
    assert trim(text, 200) == text
    assert trim(text, 60) == "Première phrase courte. Deuxième phrase, un peu plus longue."
    assert trim(text, 30) == "Première phrase courte."
    assert trim("Un seul très long passage sans point final", 20) == "Un seul très long…"
    assert trim("Des lots cliniques, du savoir-faire (culture, tri), des locaux.", 55) == (
        "Des lots cliniques, du savoir-faire (culture, tri)…"
    )


# iCalendar


def test_each_delegate_gets_a_calendar_of_their_meetings():
    trip = quebec_trip()
    calendars = delegate_calendars(trip)
    assert set(calendars) == {"elodie.perrin@efs.example.org"} | {
        f"delegue{n}@bfc.example.org" for n in (2, 3, 5)
    }
    calendar = Calendar.from_ical(calendars["elodie.perrin@efs.example.org"])
    assert (
        calendar["VERSION"] == "2.0"
        and calendar["METHOD"] == "PUBLISH"
        and "Passerelle" in calendar["PRODID"]
    )
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Montreal"]
    first, second = calendar.walk("VEVENT")
    assert str(first["UID"]) == trip.meetings[0].uid and first["SEQUENCE"] == 0
    assert first["DTSTART"].params["TZID"] == "America/Montreal"
    assert first["DTSTART"].dt == datetime(2026, 5, 11, 9, 0, tzinfo=ZoneInfo("America/Montreal"))
    assert first["DTEND"].dt.hour == 10 and first["DTSTAMP"].dt == PUBLISHED
    assert str(first["SUMMARY"]) == "Rendez-vous avec Héma-Québec" and first["STATUS"] == "TENTATIVE"
    assert str(first["LOCATION"]) == PROFILES["Héma-Québec"]["name"] + ", Montréal"
    assert ACCENTS in str(first["DESCRIPTION"])
    assert str(second["SUMMARY"]) == "Rendez-vous avec CHUM / CRCHUM"


@pytest.mark.parametrize("breaker", ["\n", "\r", "\r\n", "\u2028", "\x0b"])
def test_a_line_break_in_any_name_never_breaks_the_calendar(breaker):
    trip = quebec_trip()
    name = f"Mission{breaker}au Québec"
    trip = dataclasses.replace(
        trip,
        name=name,
        meetings=[
            dataclasses.replace(
                m, trip_name=name, delegate_name=f"Élodie{breaker}Perrin", reason=f"Raison{breaker}claire"
            )
            for m in trip.meetings
        ],
    )
    body = delegate_ics(trip, "elodie.perrin@efs.example.org")
    assert b"\r" not in body.replace(b"\r\n", b"") and b"\n" not in body.replace(b"\r\n", b"")
    calendar = Calendar.from_ical(body)
    assert str(calendar["X-WR-CALNAME"]) == "Mission au Québec – Élodie Perrin"
    assert "Raison claire" in str(calendar.walk("VEVENT")[0]["DESCRIPTION"])


def test_the_same_plan_exports_the_same_calendars():
    assert delegate_calendars(quebec_trip()) == delegate_calendars(quebec_trip())
    english = events(delegate_ics(quebec_trip(), "delegue2@bfc.example.org", "en"))
    assert str(english[0]["SUMMARY"]) == "Meeting with C3i"


def test_a_moved_meeting_keeps_its_uid_with_a_higher_sequence():
    key = "Elodie.Perrin@efs.example.org"  # any case of the e-mail finds the delegate
    before = events(delegate_ics(quebec_trip(), key))[0]
    after = events(delegate_ics(quebec_trip(first_start_hour=15, first_sequence=1), key))
    moved = next(event for event in after if event["UID"] == before["UID"])
    assert moved["SEQUENCE"] == 1 > before["SEQUENCE"]
    assert moved["DTSTART"].dt.hour == 15 and before["DTSTART"].dt.hour == 9
    assert len(after) == 2


def test_a_trip_in_burgundy_is_in_paris_time():
    calendars = delegate_calendars(bfc_trip())
    assert set(calendars) == {"delegue1@bfc.example.org", "Luc Côté"}
    calendar = Calendar.from_ical(calendars["Luc Côté"])
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    event = calendar.walk("VEVENT")[0]
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event["DTSTART"].dt == datetime(2026, 10, 6, 14, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert event["DTSTAMP"].dt.tzinfo is not None


def test_a_cancelled_meeting_is_cancelled_in_calendars_and_gone_elsewhere():
    trip = quebec_trip()
    cancelled = replace(trip.meetings[0], cancelled=True, sequence=2)
    trip = replace(trip, meetings=(cancelled, *trip.meetings[1:]))
    event = events(delegate_ics(trip, "elodie.perrin@efs.example.org"))[0]
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 2
    assert len(read_csv(trip_csv(trip), ";")) == 1 + 4
    assert len(pdf_pages(trip_pdf(trip))) == 1 + 4


def test_a_meeting_without_a_score_leaves_the_cell_empty():
    trip = quebec_trip()
    trip = replace(trip, meetings=(replace(trip.meetings[0], score=None),))
    assert read_csv(trip_csv(trip), ";")[1][11] == ""
    assert load_workbook(io.BytesIO(trip_xlsx(trip))).active["L2"].value is None
    assert "Essai clinique conjoint" in str(
        events(delegate_ics(trip, "elodie.perrin@efs.example.org"))[0]["DESCRIPTION"]
    )
    assert "Score" not in pdf_pages(trip_pdf(trip))[1].split("Les deux organisations")[0]


def test_an_unknown_delegate_is_refused():
    with pytest.raises(ValueError, match="no meeting for delegate"):
        delegate_ics(quebec_trip(), "nobody@example.org")


# shapes


def test_a_meeting_refuses_times_without_zone_and_scores_out_of_range():
    good = quebec_trip().meetings[0]
    with pytest.raises(ValueError, match="timezone-aware"):
        replace(good, start=datetime(2026, 5, 11, 9), end=datetime(2026, 5, 11, 10))
    with pytest.raises(ValueError, match="score must be between 0 and 1"):
        replace(good, score=1.5)
    with pytest.raises(ValueError, match="IANA time zone"):
        replace(good, tz="Montreal")
    with pytest.raises(ValueError, match="one non-empty line"):
        replace(good, uid="a\r\nb")


def test_file_names_are_plain_ascii():
    trip = quebec_trip()
    assert trip.filename("pdf") == "mission-au-quebec-printemps-2026-trip-7.pdf"
    assert (
        trip.filename("ics", "Élodie Perrin") == "mission-au-quebec-printemps-2026-trip-7-elodie-perrin.ics"
    )
    assert re.fullmatch(r"[a-z0-9.-]+", replace(trip, name="../../etc/passwd").filename(".csv"))

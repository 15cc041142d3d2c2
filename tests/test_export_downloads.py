"""Export downloads and commands on a published plan: who may download, and what the files hold."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
from conftest import actor, org_id
from icalendar import Calendar
from pypdf import PdfReader

from app.exports.queries import export_trip
from app.orgs.queries import now
from app.people.queries import save_contact


@pytest.fixture
def published(seeded, db):
    """A trip to Québec with two published meetings of EFS BFC (one of them cancelled)."""
    stamp = now()
    trip_id = (
        db.table("trips")
        .insert(
            {
                "name": "Mission à Montréal",
                "direction": "BFC->QC",
                "cities": '["Montréal"]',
                "start_date": "2026-05-11",
                "end_date": "2026-05-15",
                "status": "planned",
                "notes": "",
                "published_at": stamp,
                "created_at": stamp,
                "updated_at": stamp,
            }  # fmt: skip
        )
        .last_pk
    )
    efs = org_id(db, "EFS BFC")
    for host, uid, sequence, status, start, end in (
        ("Héma-Québec", "trip-1-a@passerelle", 2, "confirmed", "2026-05-11T09:00", "2026-05-11T10:00"),
        ("C3i", "trip-1-b@passerelle", 1, "cancelled", "2026-05-11T10:15", "2026-05-11T11:15"),
    ):
        meeting = {"trip_id": trip_id, "uid": uid, "sequence": sequence, "status": status, "start": start}
        meeting |= {"end": end, "delegation_org_id": efs, "host_org_id": org_id(db, host)}
        meeting |= {"delegate_name": "Marie Dupont", "delegate_email": "marie@efs.example"}
        meeting |= {"time_zone": "America/Montreal", "city": "Montréal", "track": "joint_trial", "score": 0.8}
        meeting |= {
            "reason": '=HYPERLINK("http://evil") shared GMP topics',
            "published_at": stamp,
            "created_at": stamp,
        }
        db.table("published_meetings").insert(meeting)
    return trip_id


def download(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


@pytest.mark.parametrize(
    ("extension", "content_type"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("pdf", "application/pdf"),
    ],
)
def test_each_download_names_its_type_and_charset_once(auth, client, published, extension, content_type):
    auth.login("coordinator")
    response = client.get(f"/exports/trips/{published}.{extension}")
    assert response.headers.get_all("Content-Type") == [content_type]


@pytest.mark.parametrize("who", ["member_bfc", "member_qc"])
def test_members_cannot_download_plans(auth, client, published, who):
    auth.login(who)
    for path in (
        f"/exports/trips/{published}.csv",
        f"/exports/trips/{published}/calendars.zip",
        "/exports/pairings.csv",
    ):
        assert client.get(path).status_code == 403


def test_unknown_trip_is_404(auth, client, published):
    auth.login("coordinator")
    assert client.get(f"/exports/trips/{published + 99}.pdf").status_code == 404
    assert client.get(f"/exports/trips/{published}/calendars/nobody.ics").status_code == 404


def test_csv_lists_held_meetings_with_a_neutralised_reason(auth, client, published):
    auth.login("coordinator")
    body = download(client, f"/exports/trips/{published}.csv")
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2  # header + the one confirmed meeting
    text = ";".join(rows[1])
    assert "Héma-Québec" in text and "EFS BFC" in text and "Marie Dupont" in text
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in rows[1])


def test_xlsx_and_pdf_in_the_readers_language(auth, client, published):
    auth.login("coordinator")
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, f"/exports/trips/{published}.xlsx"))).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    client.get("/auth/password?lang=en")
    pdf = PdfReader(io.BytesIO(download(client, f"/exports/trips/{published}.pdf")))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Héma-Québec" in text and "Briefing pack" in text
    assert len(pdf.pages) == 2  # the cover, then one page for the one meeting held


def test_calendars_keep_uids_and_cancel_what_was_cancelled(auth, client, published):
    auth.login("coordinator")
    archive = zipfile.ZipFile(io.BytesIO(download(client, f"/exports/trips/{published}/calendars.zip")))
    (name,) = archive.namelist()
    events = {str(e["UID"]): e for e in Calendar.from_ical(archive.read(name)).walk("VEVENT")}
    assert set(events) == {"trip-1-a@passerelle", "trip-1-b@passerelle"}
    assert int(events["trip-1-a@passerelle"]["SEQUENCE"]) == 2
    assert str(events["trip-1-b@passerelle"]["STATUS"]) == "CANCELLED"
    assert events["trip-1-a@passerelle"]["DTSTART"].dt.tzinfo.key == "America/Montreal"
    single = download(client, f"/exports/trips/{published}/calendars/marie@efs.example.ics")
    assert single == archive.read(name)


def test_approved_pairings_export(auth, client, seeded, db):
    stamp = now()
    pairing = db.table("pairings").insert(
        {"bfc_org_id": org_id(db, "URGO"), "qc_org_id": org_id(db, "LOEX"), "track": "economic",
         "status": "approved", "origin": "engine", "score": 0.7, "created_at": stamp, "updated_at": stamp}
    ).last_pk  # fmt: skip
    decision = {"pairing_id": pairing, "user_id": seeded.user_ids["coordinator"], "decision": "approve"}
    decision |= {"from_status": "proposed", "to_status": "approved", "comment": "Brûlures : suite au salon"}
    db.table("pairing_decisions").insert({**decision, "created_at": stamp})
    auth.login("coordinator")
    body = download(client, "/exports/pairings.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert len(rows) == 2
    assert {"URGO", "LOEX", "coord@test.example.org", "Brûlures : suite au salon"} <= set(rows[1])


def test_export_trip_command(runner, published, tmp_path):
    for fmt in ("csv", "xlsx", "pdf"):
        result = runner.invoke(
            args=["export-trip", str(published), "--format", fmt, "-o", str(tmp_path / f"t.{fmt}")]
        )
        assert result.exit_code == 0, result.output
        assert (tmp_path / f"t.{fmt}").stat().st_size > 0
    result = runner.invoke(
        args=["export-trip", str(published), "--format", "ics", "-o", str(tmp_path / "ics")]
    )
    assert result.exit_code == 0 and "Wrote 1 calendar(s)" in result.output
    missing = runner.invoke(args=["export-trip", "999", "--format", "csv"])
    assert missing.exit_code == 1 and "There is no trip 999" in missing.output


def test_published_page_and_queue_link_to_the_exports(auth, client, published):
    auth.login("coordinator")
    page = client.get(f"/trips/{published}/published").get_data(as_text=True)
    for path in (f"/exports/trips/{published}.pdf", f"/exports/trips/{published}/calendars.zip"):
        assert f'href="{path}"' in page
    assert 'href="/exports/pairings.xlsx"' in client.get("/coordination/").get_data(as_text=True)


def test_file_names_are_in_the_readers_language(auth, client, seeded):
    auth.login("coordinator")
    french = client.get("/exports/pairings.csv").headers["Content-Disposition"]
    assert 'filename="mises-en-relation-approuvees.csv"' in french
    client.get("/auth/password?lang=en")
    english = client.get("/exports/pairings.csv").headers["Content-Disposition"]
    assert 'filename="approved-pairings.csv"' in english


@pytest.fixture
def host_details(db, published):
    """Héma-Québec's postal address, access notes and one contact person."""
    hema = org_id(db, "Héma-Québec")
    db.table("organisations").update(
        hema,
        {
            "address": "4045, boulevard de la Côte-Vertu\nMontréal (Québec) H4R 2W7",
            "access_notes": "Pavillon B, accueil au rez-de-chaussée",
        },  # fmt: skip
    )
    record = {"name": "Julie Gagnon", "role": "Responsable des partenariats", "email": "julie@hema.example",
              "phone": "+1 418 555 0142", "languages": ["fr"], "tracks": ["joint_trial"]}  # fmt: skip
    save_contact(db, hema, record)
    return hema


def test_the_tables_give_the_hosts_address_and_contact_person(auth, client, published, host_details):
    auth.login("coordinator")
    body = download(client, f"/exports/trips/{published}.csv").decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(body), delimiter=";"))
    cells = dict(zip(header, row, strict=True))
    assert cells["Adresse de l’hôte"] == "4045, boulevard de la Côte-Vertu, Montréal (Québec) H4R 2W7"
    assert cells["Contact chez l’hôte"] == "Julie Gagnon"
    assert cells["Rôle du contact chez l’hôte"] == "Responsable des partenariats"
    assert cells["Courriel du contact chez l’hôte"] == "julie@hema.example"
    assert cells["Téléphone du contact chez l’hôte"] == "'+1 418 555 0142"  # neutralised: not a formula
    client.get("/auth/password?lang=en")
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, f"/exports/trips/{published}.xlsx"))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["Host address"].startswith("4045, boulevard de la Côte-Vertu")
    assert (cells["Host contact"], cells["Host contact's email"]) == ("Julie Gagnon", "julie@hema.example")
    assert cells["City"] == "Montreal"  # the city as an English reader writes it


def test_the_briefing_page_gives_the_address_access_and_host_contact(auth, client, published, host_details):
    auth.login("coordinator")
    pdf = PdfReader(io.BytesIO(download(client, f"/exports/trips/{published}.pdf")))
    text = " ".join(" ".join(pdf.pages[1].extract_text().split()).split())
    assert "Adresse : 4045, boulevard de la Côte-Vertu, Montréal (Québec) H4R 2W7" in text
    assert "Accès : Pavillon B, accueil au rez-de-chaussée" in text
    assert "Contact chez l’hôte : Julie Gagnon, Responsable des partenariats, julie@hema.example" in text


def test_an_export_read_by_an_unlinked_member_leaves_the_host_contact_out(
    seeded, db, published, host_details
):
    trip = export_trip(db, published, with_evidence=False, viewer=actor(seeded, "member_other"))
    (meeting,) = trip.agenda()
    assert meeting.host_contact is None and not any("Julie" in c for c in meeting.contacts)
    assert meeting.host_address("en").startswith("4045, boulevard")
    coordinator = export_trip(db, published, with_evidence=False, viewer=actor(seeded, "coordinator"))
    assert coordinator.agenda()[0].host_contact.name == "Julie Gagnon"

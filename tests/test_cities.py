"""Cities spelled one way, shown in the reader's language; travel times; trip life cycle; addresses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import org_id, page_text
from test_profile_edit import form_data

from app.migrations import m090_canonical_cities
from app.orgs.queries import get_organisation
from app.trips import queries
from app.trips.travel import travel_times
from models.cities import canonical_city, city_name, same_city
from models.lifecycle import trip_state
from models.profiles import validate_profile


@pytest.mark.parametrize(
    "text", ["Québec", "Québec City", "Quebec City", "Ville de Québec", " québec  city "]
)
def test_every_spelling_of_quebec_is_one_city(text):
    assert canonical_city(text) == "Québec"
    assert city_name(text, "en") == "Quebec City" and city_name(text, "fr") == "Québec"


def test_montreal_and_unknown_cities():
    assert same_city("Montreal", "Montréal") and canonical_city("MONTREAL") == "Montréal"
    assert city_name("Montréal", "en") == "Montreal"
    assert canonical_city("  Saint-Jean-sur-Richelieu ") == "Saint-Jean-sur-Richelieu"  # kept as typed
    assert city_name("Saint-Jean-sur-Richelieu", "en") == "Saint-Jean-sur-Richelieu"


def test_every_seeded_city_is_in_the_list():
    from app.seed import SEED_DIR
    from models.cities import find_city
    from models.profiles import parse_import

    records = parse_import((SEED_DIR / "ecosystem.jsonl").read_bytes(), "jsonl")
    assert all(find_city(record["city"]) for record in records)


def test_import_and_profile_validation_store_the_canonical_spelling(seeded, db):
    loex = get_organisation(db, org_id(db, "LOEX"))
    record, problems = validate_profile({**loex, "city": "Quebec City"})
    assert [p for p in problems if "unknown field" not in p] == [] and record["city"] == "Québec"


def test_migration_normalises_stored_cities(seeded, db):
    loex = org_id(db, "LOEX")
    db.execute("UPDATE organisations SET city = 'Quebec City' WHERE id = ?", [loex])
    fields = {"name": "Old", "direction": "BFC->QC", "cities": ["Montréal"], "status": "planned",
              "start_date": date(2026, 5, 11), "end_date": date(2026, 5, 12), "notes": ""}  # fmt: skip
    trip_id = queries.create_trip(db, fields)
    db.execute('UPDATE trips SET cities = \'["Montreal", "Ville de Québec"]\' WHERE id = ?', [trip_id])
    db.execute("INSERT INTO trip_hosts (trip_id, org_id, city) VALUES (?, ?, 'Québec City')", [trip_id, loex])
    m090_canonical_cities(db)
    assert get_organisation(db, loex)["city"] == "Québec"
    assert queries.get_trip(db, trip_id)["cities"] == ["Montréal", "Québec"]
    assert queries.list_hosts(db, trip_id)[0]["city"] == "Québec"


def test_french_pages_say_quebec_and_english_pages_quebec_city(auth, client, db):
    auth.login("member_bfc")
    loex = org_id(db, "LOEX")
    client.get("/auth/password?lang=fr")
    assert "Québec City" not in page_text(client.get(f"/organisations/{loex}"))
    client.get("/auth/password?lang=en")
    assert "Quebec City" in page_text(client.get(f"/organisations/{loex}"))


def test_the_seeded_travel_times(app, db):
    times = travel_times(db)
    assert times.minutes("Montréal", "Québec City") == 180
    assert times.minutes("Sherbrooke", "Montreal") == 105
    assert times.minutes("Dijon", "Besançon") == 75
    assert times.minutes("Dijon", "Dijon") == 0 and times.minutes("Dijon", "Sherbrooke") is None


def test_coordinators_edit_travel_times(coordinator, client, db):
    page = page_text(client.get("/trips/travel"))
    assert "Montreal" in page and "Quebec City" in page and "180 min" in page
    saved = coordinator.post("/trips/travel", {"city_a": "Quebec City", "city_b": "Montreal", "minutes": 165,
                                              "mode": "car"}, follow_redirects=True)  # fmt: skip
    assert "Travel time saved: Montreal – Quebec City, 165 min." in page_text(saved)
    assert travel_times(db).minutes("Québec", "Montréal") == 165
    coordinator.post(
        "/trips/travel", {"city_a": "Sherbrooke", "city_b": "Trois-Rivières", "minutes": 90, "mode": "car"}
    )
    assert travel_times(db).minutes("Trois-Rivieres", "Sherbrooke") == 90
    removed = coordinator.post("/trips/travel/remove", {"city_a": "Montréal", "city_b": "Québec"})
    assert removed.status_code == 302 and travel_times(db).minutes("Québec", "Montréal") is None
    assert (
        coordinator.post("/trips/travel/remove", {"city_a": "Montréal", "city_b": "Québec"}).status_code
        == 404
    )


def test_removing_a_pair_already_removed_says_which(coordinator, client):
    coordinator.post("/trips/travel/remove", {"city_a": "Montréal", "city_b": "Québec"})
    again = coordinator.post("/trips/travel/remove", {"city_a": "Montréal", "city_b": "Québec"})
    assert again.status_code == 404
    assert "No travel time is known between Montréal and Québec. Nothing was changed." in page_text(again)


@pytest.mark.parametrize(
    "form, message",
    [
        ({"city_a": "Dijon", "city_b": "Dijon", "minutes": 10, "mode": "car"}, "give two different cities"),
        ({"city_a": "Dijon", "city_b": "Lure", "minutes": 0, "mode": "car"}, "Between 1 and 1440 minutes."),
        ({"city_a": "Dijon", "city_b": "Lure", "minutes": 90, "mode": "bike"}, "Nothing was saved"),
        ({"city_a": "", "city_b": "Lure", "minutes": 90, "mode": "car"}, "Name both cities."),
        ({"city_a": "Dole/Lure", "city_b": "Dijon", "minutes": 50, "mode": "car"}, "without a slash"),
    ],
)
def test_bad_travel_input_changes_nothing(coordinator, db, form, message):
    before = db.execute("SELECT * FROM travel_times ORDER BY 1, 2").fetchall()
    response = coordinator.post("/trips/travel", form)
    assert response.status_code == 400 and message in page_text(response)
    assert db.execute("SELECT * FROM travel_times ORDER BY 1, 2").fetchall() == before


def test_members_cannot_see_or_edit_travel_times(auth, client):
    auth.login("member_bfc")
    assert client.get("/trips/travel").status_code == 403
    assert (
        auth.post("/trips/travel", {"city_a": "A", "city_b": "B", "minutes": 5, "mode": "car"}).status_code
        == 403
    )


def test_travel_form_needs_its_csrf_token(coordinator, client):
    response = client.post("/trips/travel", data={"city_a": "A", "city_b": "B", "minutes": 5, "mode": "car"})
    assert response.status_code == 400


def test_the_dates_drive_the_trip_state():
    first, last = date(2026, 5, 11), date(2026, 5, 15)
    assert trip_state(first, last, False, date(2026, 5, 1)) == "draft"
    assert trip_state(first, last, True, date(2026, 5, 1)) == "published"
    assert (
        trip_state(first, last, True, first) == "under_way"
        and trip_state(first, last, False, last) == "under_way"
    )
    assert trip_state(first, last, True, last + timedelta(days=1)) == "past"


def test_a_past_trip_never_says_planned(coordinator, client, db):
    today = date.today()
    fields = {
        "name": "Finished", "direction": "BFC->QC", "cities": ["Montréal"], "status": "planned",
        "start_date": today - timedelta(days=10), "end_date": today - timedelta(days=8), "notes": "",
    }  # fmt: skip
    trip_id = queries.create_trip(db, fields)
    client.get("/auth/password?lang=fr")
    for page in (client.get("/trips/"), client.get(f"/trips/{trip_id}")):
        text = page_text(page)
        assert "badge-trip-past" in text
    shown = page_text(client.get(f"/trips/{trip_id}"))
    assert "Prévue" not in shown and "Passée" in shown


def test_a_member_gives_the_address_and_access_notes(auth, client, db):
    auth.login("member_bfc")
    client.get("/auth/password?lang=en")
    efs = org_id(db, "EFS BFC")
    from app import matching
    from app.db import get_db

    with client.application.app_context():
        topics = [t.id for t in matching.org_topics(get_db(), efs)]
    org = get_organisation(db, efs)
    data = form_data(org, topics, address="8 rue du Docteur Jean-François-Xavier Girod, 25000 Besançon",
                     access_notes="Building B, ask at the front desk")  # fmt: skip
    response = auth.post(f"/members/{efs}/profile", data)
    assert response.status_code == 302, page_text(response)
    saved = get_organisation(db, efs)
    assert (
        saved["address"].startswith("8 rue du Docteur")
        and saved["access_notes"] == "Building B, ask at the front desk"
    )
    assert "Building B, ask at the front desk" in page_text(client.get(f"/organisations/{efs}"))
    too_long = auth.post(
        f"/members/{efs}/profile", {**data, "updated_at": saved["updated_at"], "address": "x" * 301}
    )
    assert too_long.status_code == 400 and get_organisation(db, efs)["address"].startswith("8 rue")

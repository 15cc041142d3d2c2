"""Travel times through the API, by the operations the *Travel times* page calls: the same pairs,
the same refusals (in English), coordinators and administrators only."""

from __future__ import annotations

import pytest
from conftest import actor, bearer, page_text

from app.operations import travel as operations
from app.trips.travel import travel_times
from models.errors import Forbidden, NotFound

MONTREAL_QUEBEC = "/api/v1/travel-times/Montr%C3%A9al/Qu%C3%A9bec"


def api(client, method, path, token, body=None):
    kwargs = {"json": body} if body is not None else {}
    return getattr(client, method)(path, headers=bearer(token), **kwargs)


def table(db) -> list:
    return db.execute("SELECT * FROM travel_times ORDER BY city_a, city_b").fetchall()


def test_the_list_is_the_pages_table(seeded, client, db, api_tokens):
    answer = api(client, "get", "/api/v1/travel-times?per_page=100", api_tokens["coordinator"])
    assert answer.status_code == 200 and answer.json["total"] == len(table(db))
    pairs = {(item["city_a"], item["city_b"]): item for item in answer.json["items"]}
    assert pairs[("Montréal", "Québec")] == {
        "city_a": "Montréal", "city_b": "Québec", "minutes": 180, "mode": "car", "updated_at": None,
    }  # fmt: skip
    assert pairs[("Besançon", "Dijon")]["minutes"] == 75
    first = api(client, "get", "/api/v1/travel-times?per_page=1", api_tokens["admin"]).json
    assert len(first["items"]) == 1 and first["next"] == "/api/v1/travel-times?per_page=1&page=2"


def test_one_pair_in_any_spelling_and_order(seeded, client, api_tokens):
    token = api_tokens["coordinator"]
    for path in (MONTREAL_QUEBEC, "/api/v1/travel-times/Quebec%20City/Montreal"):
        answer = api(client, "get", path, token)
        assert answer.status_code == 200
        assert answer.json["travel_time"]["city_a"] == "Montréal"
        assert answer.json["travel_time"]["minutes"] == 180


def test_a_coordinator_changes_a_pair_as_the_form_does(seeded, client, db, coordinator, api_tokens):
    changed = api(client, "put", "/api/v1/travel-times/Quebec%20City/Montreal", api_tokens["coordinator"],
                  {"minutes": 165, "mode": "train"})  # fmt: skip
    assert changed.status_code == 200 and "Location" not in changed.headers
    assert changed.json["travel_time"]["minutes"] == 165 and changed.json["travel_time"]["updated_at"]
    assert travel_times(db).minutes("Québec", "Montréal") == 165
    page = page_text(client.get("/trips/travel"))
    assert "165 min" in page and "By train" in page


def test_a_new_pair_is_created_with_its_address(seeded, client, db, api_tokens):
    token = api_tokens["admin"]
    created = api(client, "put", "/api/v1/travel-times/Trois-Rivi%C3%A8res/Sherbrooke", token,
                  {"minutes": 90, "mode": "car"})  # fmt: skip
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/v1/travel-times/Sherbrooke/Trois-Rivi%C3%A8res"
    assert created.json["travel_time"]["city_a"] == "Sherbrooke"
    assert api(client, "get", created.headers["Location"], token).json["travel_time"]["minutes"] == 90
    assert travel_times(db).minutes("Trois-Rivieres", "Sherbrooke") == 90


@pytest.mark.parametrize(
    "path, body, status, field, words",
    [
        ("Quebec/Qu%C3%A9bec%20City", {"minutes": 10, "mode": "car"}, 409, "city_b",
         "Nothing was saved: give two different cities."),
        ("Dijon/Lure", {"minutes": 0, "mode": "car"}, 422, "minutes", "minutes must be from 1 to 1440"),
        ("Dijon/Lure", {"minutes": 1441, "mode": "car"}, 422, "minutes", "minutes must be from 1 to 1440"),
        ("Dijon/Lure", {"minutes": 90, "mode": "bike"}, 422, "mode", "mode must be one of car, train"),
        ("Dijon/Lure", {"minutes": 90}, 422, "mode", "missing field 'mode'"),
        ("Dijon/Lure", {"minutes": 90, "mode": "car", "city_a": "Dole"}, 422, "city_a", "unknown field"),
        ("%20/Lure", {"minutes": 90, "mode": "car"}, 422, "city_a", "Name both cities."),
        ("Dijon/" + "L" * 81, {"minutes": 90, "mode": "car"}, 422, "city_b", "At most 80 characters"),
    ],
)  # fmt: skip
def test_refused_writes_change_nothing(seeded, client, db, api_tokens, path, body, status, field, words):
    before = table(db)
    answer = api(client, "put", f"/api/v1/travel-times/{path}", api_tokens["coordinator"], body)
    assert answer.status_code == status and answer.json["ok"] is False
    assert answer.json["errors"][0]["field"] == field and words in answer.json["errors"][0]["message"]
    assert table(db) == before


def test_a_removed_pair_is_gone_and_an_unknown_pair_is_404(seeded, client, db, coordinator, api_tokens):
    token = api_tokens["coordinator"]
    row = 'name="city_a" value="Montréal"><input type="hidden" name="city_b" value="Québec"'
    assert row in page_text(client.get("/trips/travel"))
    assert api(client, "delete", "/api/v1/travel-times/Quebec/Montreal", token).status_code == 204
    assert travel_times(db).minutes("Québec", "Montréal") is None
    assert row not in page_text(client.get("/trips/travel"))
    for method in ("get", "delete"):
        missing = api(client, method, MONTREAL_QUEBEC, token)
        assert missing.status_code == 404
        words = "No travel time is known between Montréal and Québec. Nothing was changed."
        assert missing.json["error"] == words
    before = table(db)
    assert api(client, "delete", "/api/v1/travel-times/Dijon/Atlantis", token).status_code == 404
    assert api(client, "put", "/api/v1/travel-times/Dijon/Dijon/x", token, {}).status_code == 404
    assert table(db) == before


def test_a_members_token_may_not_read_nor_write(seeded, client, db, api_tokens):
    token, before = api_tokens["member_bfc"], table(db)
    assert api(client, "get", "/api/v1/travel-times", token).status_code == 403
    assert api(client, "get", MONTREAL_QUEBEC, token).status_code == 403
    assert api(client, "put", MONTREAL_QUEBEC, token, {"minutes": 5, "mode": "car"}).status_code == 403
    assert api(client, "delete", MONTREAL_QUEBEC, token).status_code == 403
    assert table(db) == before


def test_the_operations_check_who_acts(seeded, db):
    member = actor(seeded, "member_bfc")
    with pytest.raises(Forbidden):
        operations.save_travel(db, member, "Dijon", "Lure", 30, "car")
    with pytest.raises(Forbidden):
        operations.remove_travel(db, member, "Montréal", "Québec")
    with pytest.raises(NotFound):
        operations.remove_travel(db, actor(seeded, "coordinator"), "Dijon", "Atlantis")
    assert travel_times(db).minutes("Montréal", "Québec") == 180


def test_a_pair_takes_no_query_parameter(seeded, client, api_tokens):
    answer = api(client, "get", MONTREAL_QUEBEC + "?minutes=5", api_tokens["coordinator"])
    assert answer.status_code == 400 and "this address takes: none" in answer.json["error"]

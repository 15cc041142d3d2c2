"""API views on the travel times between cities, as the *Trips → Travel times* page.

A pair is named in the address by its two cities, in any spelling and order
(``/travel-times/Quebec%20City/Montreal`` is the pair Montréal – Québec); answers name it as stored.
Each write calls the operation the page calls (``app.operations.travel``), as the token's account:
the same checks and the same refusals, in English (one city twice 409, a pair without a travel time
404, nothing changed). Coordinators and administrators only, as the trip pages.
"""

from __future__ import annotations

from flask import jsonify, url_for

from app.api.payloads import Field, as_account, checked, json_body, page_args, page_of
from app.api.trips import coordinators_only
from app.db import get_db
from app.operations import travel as operations
from app.trips.travel import list_travel
from models.vocabulary import TRAVEL_MODES

TRAVEL_BODY = {
    "minutes": Field(int, bounds=operations.TRAVEL_MINUTES),
    "mode": Field(str, choices=TRAVEL_MODES),
}


def travel_json(row: dict) -> dict:
    """A pair of cities (canonical, in order) with its door-to-door minutes and means of transport."""
    keys = ("city_a", "city_b", "minutes", "mode")
    return {key: row[key] for key in keys} | {"updated_at": row["updated_at"] or None}


@coordinators_only
def list_travel_times():
    """Every pair with its travel time, by first city; paged."""
    page, per_page = page_args()
    rows = list_travel(get_db())
    items = [travel_json(row) for row in rows[(page - 1) * per_page : page * per_page]]
    return page_of(items, len(rows), page, per_page)


@coordinators_only
def show_travel_time(city_a: str, city_b: str):
    """One pair's travel time."""
    return jsonify(ok=True, travel_time=travel_json(operations.get_travel(get_db(), city_a, city_b)))


@coordinators_only
def save_travel_time(city_a: str, city_b: str):
    """Add or change a pair's travel time, as the page's form: 201 and its address when the pair had
    none, else 200."""
    body = checked(json_body(), TRAVEL_BODY)
    a, b, new = as_account(operations.save_travel, city_a, city_b, body["minutes"], body["mode"])
    answer = jsonify(ok=True, travel_time=travel_json(operations.get_travel(get_db(), a, b)))
    if new:
        answer.status_code = 201
        answer.headers["Location"] = url_for("api.show_travel_time", city_a=a, city_b=b)
    return answer


@coordinators_only
def remove_travel_time(city_a: str, city_b: str):
    """Remove a pair's travel time (its cities are then never joined within a day): 204."""
    as_account(operations.remove_travel, city_a, city_b)
    return "", 204

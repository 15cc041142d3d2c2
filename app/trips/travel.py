"""Travel times between cities: the table the planner and the rules read, and its page for coordinators.

One row per pair of canonical cities (``city_a < city_b``), the same time both ways. A coordinator
adds or changes a pair (the cities are canonicalised: "Quebec City" is Québec) or removes it; a pair
of cities without a row cannot be joined within one day.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlite_utils import Database
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.db import get_db, immediate
from app.i18n import choices, city_label
from app.orgs.queries import now
from app.trips.forms import ActionForm
from models.cities import MAX_TRAVEL_MINUTES, TravelTimes, canonical_city
from models.vocabulary import TRAVEL_MODES


class TravelForm(FlaskForm):
    city_a = StringField(_l("From"), validators=[DataRequired(_l("Name both cities.")), Length(max=80)])
    city_b = StringField(_l("To"), validators=[DataRequired(_l("Name both cities.")), Length(max=80)])
    minutes = IntegerField(
        _l("Minutes, door to door"),
        validators=[
            InputRequired(_l("Give the travel time in minutes.")),
            NumberRange(1, MAX_TRAVEL_MINUTES, _l("Between 1 and 1440 minutes.")),
        ],
    )
    mode = SelectField(_l("Means"), choices=choices("travel_mode"), validators=[InputRequired()])


def travel_times(db: Database) -> TravelTimes:
    """The table as the planner reads it."""
    return TravelTimes(db.execute("SELECT city_a, city_b, minutes FROM travel_times").fetchall())


def list_travel(db: Database) -> list[dict]:
    """Every pair with its time and means, by first city."""
    return list(db.query("SELECT * FROM travel_times ORDER BY city_a, city_b"))


def save_travel(db: Database, city_a: str, city_b: str, minutes: int, mode: str) -> tuple[str, str]:
    """Add or change the travel time of a pair of cities; return the pair as stored."""
    a, b = sorted((canonical_city(city_a), canonical_city(city_b)))
    if a == b:
        raise ValueError("same city")
    if mode not in TRAVEL_MODES or not 1 <= minutes <= MAX_TRAVEL_MINUTES:
        raise ValueError("bad minutes or mode")
    with immediate(db):
        db.execute(
            """
            INSERT INTO travel_times (city_a, city_b, minutes, mode, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (city_a, city_b) DO UPDATE SET
                minutes = excluded.minutes, mode = excluded.mode, updated_at = excluded.updated_at
            """,
            [a, b, minutes, mode, now()],
        )
    return a, b


def register(bp: Blueprint) -> None:
    """Add the travel page to the trips blueprint (coordinators only, as every trip page)."""
    bp.add_url_rule("/travel", endpoint="travel", view_func=show, methods=["GET"])
    bp.add_url_rule("/travel", endpoint="save_travel", view_func=save, methods=["POST"])
    bp.add_url_rule("/travel/remove", endpoint="remove_travel", view_func=remove, methods=["POST"])


def show(form: TravelForm | None = None, status: int = 200):
    """The table of travel times, with a form to add or change a pair."""
    return render_template(
        "trips/travel.html",
        rows=list_travel(get_db()),
        form=form or TravelForm(formdata=None),
        action=ActionForm(),
    ), status


def save():
    """Add or change a pair's travel time."""
    form = TravelForm()
    if not form.validate_on_submit():
        flash(_("Nothing was saved: correct the form below."), "error")
        return show(form, 400)
    try:
        a, b = save_travel(get_db(), form.city_a.data, form.city_b.data, form.minutes.data, form.mode.data)
    except ValueError:
        flash(_("Nothing was saved: give two different cities."), "error")
        return show(form, 400)
    flash(
        _("Travel time saved: %(a)s – %(b)s, %(minutes)d min.", a=city_label(a), b=city_label(b),
          minutes=form.minutes.data),
        "success",
    )  # fmt: skip
    return redirect(url_for("trips.travel"))


class RemoveTravelForm(ActionForm):
    city_a = StringField(validators=[DataRequired()])
    city_b = StringField(validators=[DataRequired()])


def remove():
    """Remove a pair (its cities can then no longer be joined within a day)."""
    form = RemoveTravelForm()
    if not form.validate_on_submit():
        abort(400)
    with immediate(get_db()) as db:
        cursor = db.execute(
            "DELETE FROM travel_times WHERE city_a = ? AND city_b = ?", [form.city_a.data, form.city_b.data]
        )
    if cursor.rowcount == 0:
        abort(404)
    flash(_("The travel time is removed."), "success")
    return redirect(url_for("trips.travel"))

"""Travel times between cities: the table the planner and the rules read, and its page for coordinators.

One row per pair of canonical cities (``city_a < city_b``), the same time both ways. A coordinator
adds or changes a pair (the cities are canonicalised: "Quebec City" is Québec) or removes it; a pair
of cities without a row cannot be joined within one day. The rules of a change and its writing are
the operations of ``app/operations/travel.py``, which the API calls too.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlite_utils import Database
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.db import get_db
from app.errors import flash_error, lazy_message
from app.i18n import choices, city_label
from app.operations import travel as operations
from app.trips.forms import ActionForm
from models.cities import TravelTimes
from models.errors import PasserelleError


class TravelForm(FlaskForm):
    city_a = StringField(
        _l("City"),
        validators=[DataRequired(lazy_message("travel_city_required")), Length(max=operations.CITY_MAX)],
    )
    city_b = StringField(
        _l("Other city"),
        validators=[DataRequired(lazy_message("travel_city_required")), Length(max=operations.CITY_MAX)],
    )
    minutes = IntegerField(
        _l("Minutes, door to door"),
        validators=[
            InputRequired(_l("Give the travel time in minutes.")),
            NumberRange(*operations.TRAVEL_MINUTES, lazy_message("travel_minutes_range")),
        ],
    )
    mode = SelectField(_l("Means"), choices=choices("travel_mode"), validators=[InputRequired()])


def travel_times(db: Database) -> TravelTimes:
    """The table as the planner reads it."""
    return TravelTimes(db.execute("SELECT city_a, city_b, minutes FROM travel_times").fetchall())


def list_travel(db: Database) -> list[dict]:
    """Every pair with its time and means, by first city."""
    return list(db.query("SELECT * FROM travel_times ORDER BY city_a, city_b"))


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
        minutes_range=operations.TRAVEL_MINUTES,
    ), status


def save():
    """Add or change a pair's travel time."""
    form = TravelForm()
    if not form.validate_on_submit():
        flash(_("Nothing was saved: correct the form below."), "error")
        return show(form, 400)
    try:
        a, b, _new = operations.save_travel(
            get_db(), current_user, form.city_a.data, form.city_b.data, form.minutes.data, form.mode.data
        )
    except PasserelleError as error:
        flash_error(error)
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
    """Remove a pair (its cities can then no longer be joined within a day); an unknown pair is a 404."""
    form = RemoveTravelForm()
    if not form.validate_on_submit():
        abort(400)
    operations.remove_travel(get_db(), current_user, form.city_a.data, form.city_b.data)
    flash(_("The travel time is removed."), "success")
    return redirect(url_for("trips.travel"))

"""The forms of the trip pages; choices that depend on the trip are set by the views."""

from __future__ import annotations

import contextlib

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.admin.forms import EMAIL_PATTERN
from app.errors import describe, lazy_message
from app.i18n import choices
from app.operations import trip_setup
from models.errors import PasserelleError


def options(pairs) -> list[SelectChoice]:
    """Select choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


@contextlib.contextmanager
def _as_validation_error():
    """A check of :mod:`app.operations.trip_setup` as the form field's error, in the reader's words."""
    try:
        yield
    except PasserelleError as error:
        raise ValidationError(describe(error)) from None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TripForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(lazy_message("trip_name_required")), Length(max=trip_setup.NAME_MAX)],
    )
    direction = SelectField(_l("Direction"), choices=choices("trip_direction"), validators=[InputRequired()])
    cities = StringField(
        _l("Destination cities"),
        validators=[
            DataRequired(lazy_message("trip_cities_required")),
            Length(max=trip_setup.CITIES_MAX),
        ],
        description=_l("Separated by commas, e.g. Montréal, Québec."),
    )
    start_date = DateField(_l("First day"), validators=[InputRequired(_l("Give the first day."))])
    end_date = DateField(_l("Last day"), validators=[InputRequired(_l("Give the last day."))])
    # The trip's state comes from its dates (app/trips/lifecycle.py); the stored status is no longer asked.
    status = SelectField(
        _l("Status"), choices=choices("trip_status"), default="planned", validators=[Optional()]
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=trip_setup.NOTES_MAX)])

    def validate_end_date(self, field):
        """The trip ends on or after its first day, and lasts at most MAX_DAYS days."""
        if self.start_date.data and field.data:
            with _as_validation_error():
                trip_setup.check_dates(self.start_date.data, field.data)

    def fields(self) -> dict:
        """What :func:`app.operations.trip_setup.create_trip` and ``update_trip`` take."""
        return {**self.data, "cities": self.city_list()}

    def city_list(self) -> list[str]:
        """The destination cities, trimmed, without repeats."""
        return list(dict.fromkeys(city.strip() for city in self.cities.data.split(",") if city.strip()))


class SlotsForm(FlaskForm):
    times = StringField(
        _l("Start times"),
        validators=[DataRequired(_l("Give at least one start time.")), Length(max=200)],
        description=_l("24-hour times separated by commas, e.g. 09:00, 10:15, 14:00."),
    )
    minutes = IntegerField(
        _l("Length of a meeting (minutes)"),
        validators=[
            InputRequired(),
            NumberRange(*trip_setup.SLOT_MINUTES, lazy_message("slot_minutes_range")),
        ],
    )
    weekdays_only = BooleanField(_l("Weekdays only"))

    def validate_times(self, field):
        """HH:MM times, none repeated."""
        with _as_validation_error():
            trip_setup.check_slot_times([part.strip() for part in field.data.split(",") if part.strip()])

    def validate_minutes(self, field):
        """Slots of one day may not overlap: the gap between two starts must hold a meeting."""
        if field.data is None or self.times.errors:
            return
        with _as_validation_error():
            trip_setup.check_slot_minutes(list(self.time_list()), field.data)

    def time_list(self) -> tuple[str, ...]:
        """The start times, sorted."""
        parts = {part.strip() for part in self.times.data.split(",") if trip_setup.TIME.match(part.strip())}
        return tuple(sorted(parts))


class OrgForm(FlaskForm):
    """Add an organisation to the delegation."""

    org_id = SelectField(_l("Organisation"), coerce=int, validators=[InputRequired()])


class DelegateForm(FlaskForm):
    org_id = SelectField(_l("Organisation"), coerce=int, validators=[InputRequired()])
    name = StringField(
        _l("Name"),
        validators=[DataRequired(lazy_message("delegate_name_required")), Length(max=trip_setup.NAME_MAX)],
    )
    email = EmailField(
        _l("Email (optional)"),
        validators=[
            Optional(),
            Length(max=trip_setup.EMAIL_MAX),
            Regexp(EMAIL_PATTERN, message=lazy_message("bad_email")),
        ],
    )


class HostForm(FlaskForm):
    org_id = SelectField(_l("Organisation"), coerce=int, validators=[InputRequired()])
    city = SelectField(_l("Receives in"), validators=[Optional()])
    capacity = IntegerField(
        _l("Meetings at once"),
        default=1,
        validators=[InputRequired(), NumberRange(*trip_setup.CAPACITY, lazy_message("host_capacity_range"))],
    )
    days = MultiCheckboxField(_l("Receives on"), description=_l("None ticked: every day of the trip."))


class ConstraintForm(FlaskForm):
    kind = SelectField(_l("Rule"), choices=choices("constraint"), validators=[InputRequired()])
    org_id = SelectField(_l("Delegation organisation"), coerce=int, validators=[InputRequired()])
    host_org_id = SelectField(_l("Host"), coerce=int, validators=[InputRequired()])


class MoveForm(FlaskForm):
    slot_id = SelectField(_l("Slot"), coerce=int, validators=[InputRequired()])
    delegate_id = SelectField(_l("Delegate"), coerce=int, validators=[InputRequired()])


class AddMeetingForm(MoveForm):
    host_org_id = SelectField(_l("Host"), coerce=int, validators=[InputRequired()])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""

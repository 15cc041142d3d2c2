"""The forms of the trip pages; choices that depend on the trip are set by the views."""

from __future__ import annotations

import re

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
from app.i18n import choices
from app.trips.queries import MAX_DAYS

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def options(pairs) -> list[SelectChoice]:
    """Select choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TripForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the trip a name.")), Length(max=200)])
    direction = SelectField(_l("Direction"), choices=choices("trip_direction"), validators=[InputRequired()])
    cities = StringField(
        _l("Destination cities"),
        validators=[DataRequired(_l("Name at least one destination city.")), Length(max=300)],
        description=_l("Separated by commas, e.g. Montréal, Québec."),
    )
    start_date = DateField(_l("First day"), validators=[InputRequired(_l("Give the first day."))])
    end_date = DateField(_l("Last day"), validators=[InputRequired(_l("Give the last day."))])
    # The trip's state comes from its dates (app/trips/lifecycle.py); the stored status is no longer asked.
    status = SelectField(
        _l("Status"), choices=choices("trip_status"), default="planned", validators=[Optional()]
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])

    def validate_end_date(self, field):
        """The trip ends on or after its first day, and lasts at most MAX_DAYS days."""
        if self.start_date.data and field.data:
            if field.data < self.start_date.data:
                raise ValidationError(_l("The last day cannot be before the first day."))
            if (field.data - self.start_date.data).days >= MAX_DAYS:
                raise ValidationError(_l("A trip lasts at most %(n)d days.", n=MAX_DAYS))

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
        validators=[InputRequired(), NumberRange(15, 240, _l("Between 15 and 240 minutes."))],
    )
    weekdays_only = BooleanField(_l("Weekdays only"))

    def validate_times(self, field):
        """HH:MM times, none repeated."""
        parts = [part.strip() for part in field.data.split(",") if part.strip()]
        bad = [part for part in parts if not _TIME.match(part)]
        if bad or not parts:
            raise ValidationError(_l("Write times as HH:MM, e.g. 09:00."))
        if len(set(parts)) != len(parts):
            raise ValidationError(_l("A start time is repeated."))

    def validate_minutes(self, field):
        """Slots of one day may not overlap: the gap between two starts must hold a meeting."""
        if field.data is None or self.times.errors:
            return
        starts = sorted(self.time_list())
        minutes = [int(t[:2]) * 60 + int(t[3:]) for t in starts]
        if any(b - a < field.data for a, b in zip(minutes, minutes[1:], strict=False)):
            raise ValidationError(
                _l("Meetings this long would overlap: space the start times further apart.")
            )
        if minutes and minutes[-1] + field.data > 24 * 60 - 1:
            raise ValidationError(_l("The last meeting would end after midnight."))

    def time_list(self) -> tuple[str, ...]:
        """The start times, sorted."""
        parts = {part.strip() for part in self.times.data.split(",") if _TIME.match(part.strip())}
        return tuple(sorted(parts))


class OrgForm(FlaskForm):
    """Add an organisation to the delegation."""

    org_id = SelectField(_l("Organisation"), coerce=int, validators=[InputRequired()])


class DelegateForm(FlaskForm):
    org_id = SelectField(_l("Organisation"), coerce=int, validators=[InputRequired()])
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Give the delegate's name.")), Length(max=200)]
    )
    email = EmailField(
        _l("Email (optional)"),
        validators=[
            Optional(),
            Length(max=320),
            Regexp(EMAIL_PATTERN, message=_l("This is not an email address.")),
        ],
    )


class HostForm(FlaskForm):
    org_id = SelectField(_l("Organisation"), coerce=int, validators=[InputRequired()])
    city = SelectField(_l("Receives in"), validators=[Optional()])
    capacity = IntegerField(
        _l("Meetings at once"),
        default=1,
        validators=[InputRequired(), NumberRange(1, 20, _l("Between 1 and 20."))],
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

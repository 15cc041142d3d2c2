"""The directory's filters (a GET form: it changes nothing, so it carries no CSRF token), the
coordinators' status form and a member's stance from a profile page (POST forms, with their CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, RadioField, SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.i18n import choices
from app.members.forms import InterestForm
from models.vocabulary import CLEAR_STANCE, STANCE_LABELS

MAX_QUERY_LENGTH = 300


class DirectoryFilters(Form):
    q = SearchField(
        _l("Search"),
        validators=[
            Optional(),
            Length(
                max=MAX_QUERY_LENGTH,
                message=_l("The search text is too long: %(n)d characters at most.", n=MAX_QUERY_LENGTH),
            ),
        ],
    )
    region = SelectField(_l("Region"), choices=choices("region", _l("Both regions")), validators=[Optional()])
    type = SelectField(_l("Kind"), choices=choices("org_type", _l("Every kind")), validators=[Optional()])
    city = SelectField(_l("City"), choices=[SelectChoice("", _l("Every city"))], validators=[Optional()])


class StatusForm(FlaskForm):
    status = SelectField(
        _l("Status of the profile"), choices=choices("org_status"), validators=[DataRequired()]
    )


class StanceForm(InterestForm):
    """A member's stance on the page's organisation, for one of their organisations and one track."""

    partner_id = None  # the page's organisation, named by the address
    # Any id is taken here: the operation says when the member does not belong to it.
    from_org_id = SelectField(_l("For"), coerce=int, validate_choice=False, validators=[InputRequired()])
    track = SelectField(_l("Kind of collaboration"), choices=choices("track"), validators=[InputRequired()])
    kind = RadioField(
        _l("Your organisation's choice"),
        choices=[
            *(SelectChoice(code, _l(STANCE_LABELS[code])) for code in ("interested", "not_relevant")),
            SelectChoice(CLEAR_STANCE, _l("No choice (withdraw it)")),
        ],
        validators=[InputRequired(_l("Choose interested, not relevant, or withdraw the choice."))],
    )

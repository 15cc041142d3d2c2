"""The directory's filters (a GET form: it changes nothing, so it carries no CSRF token) and the
coordinators' status form (a POST form, with its CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.i18n import choices

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

"""Forms of the administration pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import InputRequired, Length, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.i18n import choices
from app.operations.people import EMAIL as EMAIL_PATTERN  # an address is one rule, for every form


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AccessForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices("role"), validators=[InputRequired()])
    orgs = MultiCheckboxField(_l("Organisations"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Save"))

    def validate_orgs(self, field):
        """A member acts for at least one organisation."""
        if self.role.data == "member" and not field.data:
            raise ValidationError(_l("A member must belong to at least one organisation."))


class InviteForm(AccessForm):
    email = EmailField(
        _l("Email"),
        validators=[
            InputRequired(_l("Enter the person's email address.")),
            Length(max=320),
            Regexp(EMAIL_PATTERN, message=_l("This is not an email address.")),
        ],
    )
    language = SelectField(_l("Language of the invitation"), choices=choices("language"), default="fr")
    submit = SubmitField(_l("Send the invitation"))


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""

    submit = SubmitField()

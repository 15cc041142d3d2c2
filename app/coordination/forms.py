"""The decision form on a pairing, the queue's filters, bulk decisions and refresh button, and a
coordinator's proposal of a pairing."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, SearchField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.i18n import choices
from app.operations.pairings import BULK_DECISIONS, MAX_COMMENT_LENGTH
from app.orgs.forms import MAX_QUERY_LENGTH
from models.vocabulary import DECISIONS, PAIRING_STATUSES


def _comment_field() -> TextAreaField:
    """The reason a decision is taken, kept in each pairing's history (one decision or many)."""
    return TextAreaField(
        _l("Why"),
        validators=[
            DataRequired(_l("Say why: the reason is kept in the pairing's history.")),
            Length(
                max=MAX_COMMENT_LENGTH, message=_l("At most %(n)d characters, please.", n=MAX_COMMENT_LENGTH)
            ),
        ],
    )


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"), choices=list(DECISIONS), validators=[InputRequired(_l("Choose a decision."))]
    )
    comment = _comment_field()
    expected_status = HiddenField(validators=[InputRequired()])

    def validate_expected_status(self, field):
        """Only a real status can be expected."""
        if field.data not in PAIRING_STATUSES:
            raise ValidationError(_l("The form is damaged: reload the page."))


class ProposeForm(FlaskForm):
    """Refresh the engine's proposals: only the CSRF token travels."""


class QueueFilterForm(Form):
    """The review queue's filters: a GET form, it changes nothing, so it carries no CSRF token."""

    q = SearchField(
        _l("Organisation name"),
        validators=[
            Optional(),
            Length(max=MAX_QUERY_LENGTH, message=_l("At most %(n)d characters, please.")),
        ],
    )
    side = SelectField(_l("Search on"), choices=choices("region", _l("Both sides")), validators=[Optional()])
    track = SelectField(
        _l("Kind of collaboration"), choices=choices("track", _l("Every kind")), validators=[Optional()]
    )
    # Checked by the view: past ORG_CHOICES organisations, the select is not offered.
    org = SelectField(
        _l("Organisation"),
        choices=[SelectChoice("", _l("Every organisation"))],
        validate_choice=False,
        validators=[Optional()],
    )
    status = SelectField(_l("Status"), choices=choices("status"), default="proposed", validators=[Optional()])


class BulkDecisionForm(FlaskForm):
    """One decision (the button pressed) and one comment for the pairings ticked in the queue.

    The ticked ``ids`` are read apart: the operation says which of them it refuses.
    """

    decision = SelectField(choices=list(BULK_DECISIONS), validators=[InputRequired(_l("Choose a decision."))])
    comment = _comment_field()


class ProposalForm(FlaskForm):
    """A coordinator's proposal of a pairing from an organisation's page."""

    # Any id is taken here: the operation says when it is no partner across the Atlantic.
    partner_id = SelectField(_l("Partner across the Atlantic"), coerce=int, validate_choice=False)
    track = SelectField(_l("Kind of collaboration"), choices=choices("track"), validators=[InputRequired()])
    note = TextAreaField(
        _l("Note for the other coordinators"),
        validators=[
            DataRequired(_l("Write a note: say why these two should meet.")),
            Length(
                max=MAX_COMMENT_LENGTH, message=_l("At most %(n)d characters, please.", n=MAX_COMMENT_LENGTH)
            ),
        ],
    )

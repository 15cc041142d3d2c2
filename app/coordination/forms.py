"""The decision form on a pairing, and the queue's refresh button."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.operations.pairings import MAX_COMMENT_LENGTH
from models.vocabulary import DECISIONS, PAIRING_STATUSES


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"), choices=list(DECISIONS), validators=[InputRequired(_l("Choose a decision."))]
    )
    comment = TextAreaField(
        _l("Why"),
        validators=[
            DataRequired(_l("Say why: the reason is kept in the pairing's history.")),
            Length(
                max=MAX_COMMENT_LENGTH, message=_l("At most %(n)d characters, please.", n=MAX_COMMENT_LENGTH)
            ),
        ],
    )
    expected_status = HiddenField(validators=[InputRequired()])

    def validate_expected_status(self, field):
        """Only a real status can be expected."""
        if field.data not in PAIRING_STATUSES:
            raise ValidationError(_l("The form is damaged: reload the page."))


class ProposeForm(FlaskForm):
    """Refresh the engine's proposals: only the CSRF token travels."""

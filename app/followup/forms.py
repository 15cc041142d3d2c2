"""The follow-up form: did the meeting take place, relevance, outcome, next step."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.i18n import choices
from models.followup import NEXT_STEP_LENGTH, RELEVANCE
from models.vocabulary import FOLLOWUP_OUTCOMES as OUTCOMES


class FollowupForm(FlaskForm):
    took_place = RadioField(
        _l("Did the meeting take place?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[InputRequired(_l("Say whether the meeting took place."))],
    )
    relevance = RadioField(
        _l("How relevant was it? (1: not at all, 5: very)"),
        choices=[SelectChoice(n, str(n)) for n in RELEVANCE],
        coerce=int,
        validators=[Optional()],
    )
    outcome = RadioField(
        _l("What came of it?"),
        choices=choices("followup_outcome"),
        validators=[Optional()],
    )
    next_step = TextAreaField(
        _l("Next step"),
        validators=[
            Length(max=NEXT_STEP_LENGTH, message=_l("At most %(n)d characters, please.", n=NEXT_STEP_LENGTH))
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then: relevance and outcome are required when the meeting took place."""
        valid = super().validate(extra_validators)
        if self.took_place.data == "yes":
            if self.relevance.data not in RELEVANCE:
                self.relevance.errors = [*self.relevance.errors, _l("Choose a relevance from 1 to 5.")]
                valid = False
            if self.outcome.data not in OUTCOMES:
                self.outcome.errors = [*self.outcome.errors, _l("Choose what came of the meeting.")]
                valid = False
        return valid

    def fields(self) -> dict:
        """The answer as the operation takes it."""
        took_place = self.took_place.data == "yes"
        return {
            "took_place": took_place,
            "relevance": self.relevance.data if took_place else None,
            "outcome": self.outcome.data if took_place else None,
            "next_step": self.next_step.data or "",
        }

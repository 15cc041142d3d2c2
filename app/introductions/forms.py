"""Forms of requests: sending one, answering one, withdrawing one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from app.i18n import choices
from app.introductions.operations import MAX_MESSAGE_LENGTH
from models.vocabulary import REQUEST_ANSWERS

_LONG = _l("Keep the message under %(n)d characters.", n=MAX_MESSAGE_LENGTH)


class RequestForm(FlaskForm):
    from_org_id = SelectField(_l("From"), coerce=int, validators=[InputRequired()])
    to_org_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    track = SelectField(_l("Kind of collaboration"), choices=choices("track"))
    format = SelectField(_l("Proposed format"), choices=choices("request_format"))
    message = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(_l("Write a message: say what you propose and why.")),
            Length(max=MAX_MESSAGE_LENGTH, message=_LONG),
        ],
    )


class AnswerForm(FlaskForm):
    answer = SelectField(choices=list(REQUEST_ANSWERS), validators=[InputRequired()])
    message = TextAreaField(
        _l("Your answer (optional)"), validators=[Optional(), Length(max=MAX_MESSAGE_LENGTH, message=_LONG)]
    )


class WithdrawForm(FlaskForm):
    """Only the CSRF token."""

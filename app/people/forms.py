"""Forms about people: a contact person, the consent notice, deleting one's data."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.i18n import choices
from app.members.forms import MultiCheckboxField

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+() .\-]{4,40}$")


def _at_most(limit: int):
    return Length(max=limit, message=_l("At most %(n)d characters, please.", n=limit))


class ContactForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Fill in the name.")), _at_most(200)])
    role = StringField(_l("Role"), validators=[Optional(), _at_most(200)])
    email = StringField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Fill in the e-mail address.")),
            _at_most(254),
            Regexp(EMAIL, message=_l("Give an e-mail address such as name@example.org.")),
        ],
    )
    phone = StringField(
        _l("Phone (optional)"),
        validators=[Optional(), Regexp(PHONE, message=_l("Give a phone number: digits, spaces, + ( ) . -"))],
    )
    languages = MultiCheckboxField(_l("Languages"), choices=choices("language"))
    tracks = MultiCheckboxField(_l("Kinds of collaboration handled"), choices=choices("track"))

    def record(self) -> dict:
        """The contact entry from the form's data."""
        fields = ("name", "role", "email", "phone")
        return {name: (getattr(self, name).data or "").strip() for name in fields} | {
            "languages": list(self.languages.data),
            "tracks": list(self.tracks.data),
        }


class ConsentForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(_l("Fill in your name.")), _at_most(200)])
    accept = BooleanField(
        _l("I have read how Passerelle uses my personal data and I agree."),
        validators=[DataRequired(_l("Tick the box to go on: Passerelle cannot be used without it."))],
    )


class DeleteDataForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand: my account and my contact entries are deleted, and what I wrote is erased."),
        validators=[DataRequired(_l("Tick the box to confirm the deletion."))],
    )

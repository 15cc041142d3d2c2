"""Forms about people: a contact person, the consent notice, deleting one's data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from app.errors import describe_part
from app.i18n import choices
from app.members.forms import MultiCheckboxField
from app.operations.people import EMAIL_MAX, NAME_MAX, ROLE_MAX
from models.errors import InvalidInput


def _at_most(limit: int):
    return Length(max=limit, message=_l("At most %(n)d characters, please.", n=limit))


class ContactForm(FlaskForm):
    """A contact person's fields, sent as typed: their rules are the operation's
    (``app.operations.people``), whose refusal :meth:`refused` shows under each field at fault."""

    name = StringField(_l("Name"), render_kw={"required": True, "maxlength": NAME_MAX})
    role = StringField(_l("Role"), render_kw={"maxlength": ROLE_MAX})
    email = StringField(_l("Email"), render_kw={"required": True, "maxlength": EMAIL_MAX})
    phone = StringField(_l("Phone (optional)"))
    languages = MultiCheckboxField(_l("Languages"), choices=choices("language"), validate_choice=False)
    tracks = MultiCheckboxField(
        _l("Kinds of collaboration handled"), choices=choices("track"), validate_choice=False
    )

    def record(self) -> dict:
        """The contact entry as typed (the operation strips it once it is accepted)."""
        fields = ("name", "role", "email", "phone")
        return {name: getattr(self, name).data or "" for name in fields} | {
            "languages": list(self.languages.data or []),
            "tracks": list(self.tracks.data or []),
        }

    def refused(self, error: InvalidInput) -> None:
        """Show each problem of the operation's refusal under its field, in the reader's language."""
        for part in error.params.get("parts") or []:
            getattr(self, part["field"]).errors.append(describe_part(part))


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

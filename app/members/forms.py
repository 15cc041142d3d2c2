"""The stance form on a suggestion, and the profile form (every import field plus topics)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from app.i18n import choices
from app.operations.stances import MAX_REASON_LENGTH
from models.profiles import EXPORT_FIELDS, LIST_FIELDS, MAX_LENGTHS, MAX_TEXT_LENGTH, TEXT_FIELDS
from models.vocabulary import STANCE_ACTIONS, TRACKS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InterestForm(FlaskForm):
    partner_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    track = SelectField(choices=list(TRACKS), validators=[InputRequired()])
    kind = SelectField(choices=list(STANCE_ACTIONS), validators=[InputRequired()])
    reason = TextAreaField(
        _l("Why? (optional)"),
        validators=[
            Optional(),
            Length(
                max=MAX_REASON_LENGTH,
                message=_l("Keep the reason under %(n)d characters.", n=MAX_REASON_LENGTH),
            ),
        ],
    )


def _required(what):
    return DataRequired(_l("Fill in %(what)s.", what=what))


def _at_most(limit: int):
    return Length(max=limit, message=_l("At most %(n)d characters, please.", n=limit))


def _web_address(form, field):
    """An http(s) address with a host, as the import format requires."""
    parts = urlsplit(field.data.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in field.data.strip():
        raise ValidationError(_l("Give an address starting with http:// or https://, or leave it empty."))


def _optional_url():
    return [Optional(), _at_most(500), _web_address]


ADDRESS_LENGTH = 300
ACCESS_NOTES_LENGTH = 600


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Full name"), validators=[_required(_l("the full name")), _at_most(MAX_LENGTHS["name"])]
    )
    short_name = StringField(
        _l("Short name"), validators=[_required(_l("the short name")), _at_most(MAX_LENGTHS["short_name"])]
    )
    region = SelectField(_l("Region"), choices=choices("region"))
    city = StringField(_l("City"), validators=[_required(_l("the city")), _at_most(MAX_LENGTHS["city"])])
    type = SelectField(_l("Kind of organisation"), choices=choices("org_type"))
    expertise = TextAreaField(
        _l("Expertise"), validators=[_required(_l("the expertise")), _at_most(MAX_TEXT_LENGTH)]
    )
    offers = TextAreaField(
        _l("What we offer a partner"), validators=[_required(_l("what you offer")), _at_most(MAX_TEXT_LENGTH)]
    )
    seeks = TextAreaField(
        _l("What we look for"), validators=[_required(_l("what you look for")), _at_most(MAX_TEXT_LENGTH)]
    )
    text_language = SelectField(_l("Language these texts are written in"), choices=choices("language"))
    collaboration_types = MultiCheckboxField(_l("Kinds of collaboration"), choices=choices("track"))
    languages = MultiCheckboxField(_l("Working languages"), choices=choices("language"))
    website = StringField(_l("Website"), validators=_optional_url())
    source = StringField(_l("Source of these facts"), validators=_optional_url())
    topics = MultiCheckboxField(_l("Topics"))
    address = TextAreaField(_l("Postal address"), validators=[Optional(), _at_most(ADDRESS_LENGTH)])
    access_notes = TextAreaField(
        _l("How to find us (optional)"), validators=[Optional(), _at_most(ACCESS_NOTES_LENGTH)]
    )
    updated_at = HiddenField()

    def validate_collaboration_types(self, field):
        """At least one track."""
        if not field.data:
            raise ValidationError(_l("Tick at least one kind of collaboration."))

    def validate_languages(self, field):
        """At least one language."""
        if not field.data:
            raise ValidationError(_l("Tick at least one working language."))

    def record(self) -> dict:
        """The profile in the import format, from the form's data (the status is not the member's to set)."""
        fields = [name for name in EXPORT_FIELDS if name not in LIST_FIELDS and name != "status"]
        record = {name: (getattr(self, name).data or "").strip() for name in fields}
        record["collaboration_types"] = list(self.collaboration_types.data)
        record["languages"] = list(self.languages.data)
        return record

    def place(self) -> dict:
        """The postal address and access instructions (not part of the import format)."""
        return {name: (getattr(self, name).data or "").strip() for name in ("address", "access_notes")}


ALL_OR_NONE = _l("Fill in this text too, or empty all three to remove the version.")


class TranslationForm(FlaskForm):
    """The profile's texts in the other language: all three, or none to remove the version."""

    expertise = TextAreaField(_l("Expertise"), validators=[Optional(), _at_most(MAX_TEXT_LENGTH)])
    offers = TextAreaField(_l("What we offer a partner"), validators=[Optional(), _at_most(MAX_TEXT_LENGTH)])
    seeks = TextAreaField(_l("What we look for"), validators=[Optional(), _at_most(MAX_TEXT_LENGTH)])
    updated_at = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        """All three texts, or none (to remove the version)."""
        valid = super().validate(extra_validators)
        fields = [getattr(self, name) for name in TEXT_FIELDS]
        if any((f.data or "").strip() for f in fields):
            for f in fields:
                if not (f.data or "").strip():
                    f.errors = [
                        *f.errors,
                        _l("Fill in this text too, or empty all three to remove the version."),
                    ]
                    valid = False
        return valid

    def texts(self) -> dict:
        """The three texts as typed, stripped."""
        return {name: (getattr(self, name).data or "").strip() for name in TEXT_FIELDS}
